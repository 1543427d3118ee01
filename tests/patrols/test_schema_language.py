"""The OpenAPI schema's own words (summaries, descriptions, help texts) of the patrol, team and
locate APIs are gettext_lazy strings, so /api/schema/ and /api/docs/ speak the request's language.
The English come from the catalogue: until an entry is translated it reads as its Chinese msgid."""
import pytest
import yaml
from django.utils import translation

pytestmark = pytest.mark.django_db

# (path, method, where in the operation, msgid)
WORDS = [
    ("/api/patrols/", "post", "summary", "开始巡查"),
    ("/api/patrols/{id}/end/", "post", "summary", "结束巡查（可附轨迹）"),
    ("/api/patrols/", "get", "description", "巡查：本人的巡查（工作人员另见辖区内的）。POST 开始，…/track/ 追加轨迹，…/end/ 结束，…/findings/ 上报发现。"
     "路径中的巡查可用 id，或开始时手机给的 client_key（UUID）。"),
    ("/api/patrols/{id}/track/", "post", "summary", "追加轨迹点（巡查途中分批发送）"),
    ("/api/grid-members/", "post", "summary", "任命网格队伍成员"),
    ("/api/grid-members/{id}/end/", "post", "summary", "终止任职"),
    ("/api/grid-members/", "get", "description", "4+N 队伍任职：列出（本人网格、辖区），任命（POST），终止（POST …/end/）。"),
    ("/api/grids/{code}/team/", "get", "summary", "网格的 4+N 队伍（在岗）"),
    ("/api/grids/{code}/team/", "get", "description",
     "网格（现行版本）在岗的 4+N 队伍，仅限登录用户；本网格队伍和辖区工作人员看到完整电话号码，其他人看到部分隐藏的号码。"),
    ("/api/locate", "get", "summary", "点位所在的行政区划、网格及网格员"),
    ("/api/locate", "get", "description",
     "公开接口：市民可查询某处所属的网格和负责的网格员；本网格队伍和辖区工作人员看到完整电话号码，其他人看到的号码部分隐藏。"),
]
PARAMETERS = [  # (path, method, parameter, msgid of its description)
    ("/api/locate", "get", "lon", "经度"),
    ("/api/locate", "get", "crs", "输入坐标系：EPSG:4490（默认）、EPSG:4326、gcj02（高德/腾讯/微信定位）"),
    ("/api/patrols/", "get", "grid", "四级或五级网格编码；四级网格含其五级网格"),
    ("/api/incidents/", "post", "Idempotency-Key", "可选。同一用户以同一键重发同一请求时返回首次的应答（不会重复创建）；同一键、不同内容返回 409。"),
]
FIELDS = [  # (component, field, msgid of its help text)
    ("PatrolStart", "grid", "网格编码"),
    ("PatrolEnd", "track", "[[经度, 纬度], …]"),
    ("PatrolTrack", "offset", "此前已发送的轨迹点数（本批第一个点的序号）：已收到的点不会重复追加"),
    ("GridMemberInput", "grid", "网格编码（现行版本）"),
]


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_schema_speaks_the_request_language(client, lang):
    r = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 200
    schema = yaml.safe_load(r.content)
    with translation.override(lang):
        for path, method, key, msgid in WORDS:
            assert schema["paths"][path][method][key] == translation.gettext(msgid), (path, method, key)
        for path, method, name, msgid in PARAMETERS:
            params = {p["name"]: p for p in schema["paths"][path][method]["parameters"]}
            assert params[name]["description"] == translation.gettext(msgid), (path, name)
        for component, field, msgid in FIELDS:
            prop = schema["components"]["schemas"][component]["properties"][field]
            assert prop["description"] == translation.gettext(msgid), (component, field)
        example = schema["paths"]["/api/locate"]["get"]["responses"]["404"]["content"]["application/json"]["examples"]
        assert next(iter(example.values()))["value"]["error"] == translation.gettext("该点不在本系统的任何区域内（区、街道、社区、网格）")
    if lang == "en":  # words the catalogue already has
        assert next(iter(example.values()))["value"]["error"] == "The point is in no area of this system (district, street, community, grid)"
