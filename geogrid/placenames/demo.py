"""Demo of road naming (data/demo_naming.json, beside this module: boundary_data/ is what generate.py makes): one batch in progress — a name in public notice,
one approved and now late for filing (red), a draft whose name sounds like an existing road's
(homophone warning), one submitted — while the other unnamed roads wait in the work queue.
Once only: an existing batch of that code is left alone."""
import datetime
import json
from pathlib import Path

from django.db.models import Case, Value, When
from django.utils import timezone

from geogrid.accounts.models import User

from . import export, signrepair
from .models import NamingBatch, Road, RoadSign, SignRepair
from .services import create_application, transition

STEPS = [("submit", "submitted", {}), ("review", "reviewed", {"note": "综合评估：符合地名规划，名称含义健康。"}),
         ("expert_review", "expert_reviewed", {"note": "专家论证：同意。"}), ("consult", "consulted", {"note": "征求沿线单位和居民意见，无异议。"}),
         ("start_notice", "notice", {}), ("approve", "approved", {"approving_body": "济南市人民政府"})]


DATA = Path(__file__).resolve().parent / "data" / "demo_naming.json"


def load_naming_demo(path=DATA):
    """(created, updated, unchanged) applications, as the demo loader counts."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    export.give_place_codes()  # the demo's named roads were loaded, not announced: as manage.py give_place_codes
    # The generated signs carry no material: older ones enamel, the rest aluminium with reflective film.
    RoadSign.objects.filter(material="").update(material=Case(When(installed_year__lt=2016, then=Value("enamel")), default=Value("aluminium")))
    if NamingBatch.objects.filter(code=data["batch"]["code"]).exists():
        load_sign_patrols(User.objects.get(username=data["staff"]))  # once only, by itself
        return 0, 0, len(data["applications"])
    staff = User.objects.get(username=data["staff"])
    batch = NamingBatch.objects.create(created_by=staff, **data["batch"])
    today = timezone.localdate()
    for a in data["applications"]:
        road = Road.objects.get(code=a["road"])
        app = create_application(staff, batch, road=road, name=a["name"], applicant=a["applicant"], reasons=a["reasons"], meaning=a["meaning"],
                                 location=a["location"], priority=a["priority"], difficulty=a["difficulty"])
        for action, state, fields in STEPS:
            if app.state == a["target"]:
                break
            fields = dict(fields)
            if action == "start_notice":
                fields["notice_start"] = today - datetime.timedelta(days=a["notice_days_ago"])
            if action == "approve":
                fields["approved_on"] = today - datetime.timedelta(days=a["approved_days_ago"])
            note = fields.pop("note", "")
            transition(app, action, staff, note, **fields)
    load_sign_repairs(staff)
    load_sign_patrols(staff)
    return len(data["applications"]), 0, 0


def load_sign_repairs(staff, now=None):
    """Repair orders for the demo's damaged and missing signs, two of them repaired and waiting for
    acceptance (accepting would set the sign good, which the next demo load would undo)."""
    if SignRepair.objects.exists():
        return 0
    now = now or timezone.now()
    signs = list(RoadSign.objects.filter(condition__in=["damaged", "missing"]).order_by("code")[:6])
    for i, sign in enumerate(signs):
        repair = signrepair.dispatch_repair(staff, sign, sign.condition, "巡查发现", "区市政养护中心", now=now - datetime.timedelta(days=3 + 4 * i))
        if i < 2:
            signrepair.transition(repair, "repair", staff, "已更换牌面")
    return len(signs)


# The two roads with the most signs, walked 20 and 6 days ago.
PATROL_ROADS = [("370190DL038", 20), ("370190DL037", 6)]


def load_sign_patrols(staff, now=None):
    """Two finished sign patrols (patrols app, signs as targets) so the yearly figures are not zero:
    each sign recorded as it stands in the demo data (so a second load changes no sign), good signs
    wiped clean, dirty ones left for the cleaning crew; a damaged or missing sign without an open order
    gets one. Once only: nothing is done when a sign inspection exists."""
    from geogrid.patrols.services import open_patrol

    from . import signpatrol
    from .models import SignInspection

    if SignInspection.objects.exists() or open_patrol(staff) is not None:
        return 0
    now = now or timezone.now()
    n = 0
    for code, days_ago in PATROL_ROADS:
        road = Road.objects.filter(code=code).first()
        if road is None or not road.signs.exists():
            continue
        at = now - datetime.timedelta(days=days_ago)
        patrol = signpatrol.start_sign_patrol(staff, road=code, now=at)
        for i, (_target, sign, _insp) in enumerate(signpatrol.walk(patrol)):
            seen = sign.condition
            note = {"dirty": "污渍较重，需专业清洗", "damaged": "牌面破损", "missing": "牌体缺失，仅剩立柱"}.get(seen, "")
            signpatrol.record_inspection(patrol, staff, sign=sign, condition=seen, cleaned=seen == "good", note=note,
                                         now=at + datetime.timedelta(minutes=3 * (i + 1)))
            n += 1
        signpatrol.end_sign_patrol(patrol, staff, now=at + datetime.timedelta(hours=2))
    return n
