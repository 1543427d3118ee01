"""The admin: every registered model opens (list and change page) with a real object; geometry
fields get the Leaflet map widget; Chinese by default, English with the language switch."""
import pytest
from django.contrib import admin

from geogrid.accounts.models import User
from geogrid.boundaries.models import BoundaryLine, BoundaryMarker
from geogrid.facilities.models import Facility
from geogrid.grids.models import AdminArea, Grid, GridMember
from geogrid.placenames.models import Road, RoadSign
from tests.support.district import small_district

pytestmark = pytest.mark.django_db

GEO_MODELS = [AdminArea, Grid, Road, RoadSign, BoundaryLine, BoundaryMarker, Facility]
PLAIN_MODELS = [GridMember, User]


@pytest.fixture
def superuser_client(client):
    small_district()
    user = User.objects.create_superuser("boss", "boss@example.cn", "pw-123456", full_name="局长")
    client.force_login(user)
    return client


def admin_url(model, view, *args):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/" + ("" if view == "changelist" else f"{args[0]}/change/")


def test_every_model_is_registered():
    for model in GEO_MODELS + PLAIN_MODELS:
        assert admin.site.is_registered(model), model


@pytest.mark.parametrize("model", GEO_MODELS + PLAIN_MODELS, ids=lambda m: m.__name__)
def test_changelist_and_change_page_open(superuser_client, model):
    obj = model.objects.order_by("pk").first()
    assert obj is not None, "small_district() should have made one"
    r = superuser_client.get(admin_url(model, "changelist"))
    assert r.status_code == 200
    # The object is listed: its row links to its change page (the row's action checkbox, which
    # carries str(obj), is absent where nothing may be deleted, as for GridMember).
    assert f'href="{admin_url(model, "change", obj.pk)}"' in r.content.decode()
    r = superuser_client.get(admin_url(model, "change", obj.pk))
    assert r.status_code == 200
    html = r.content.decode()
    if model in GEO_MODELS:
        # django-leaflet's widget: the map script and a geometry field bound to the textarea.
        assert "/static/leaflet/leaflet.js" in html and "L.GeometryField" in html, model
        assert 'id="id_geom"' in html
    else:
        assert "L.GeometryField" not in html


def test_admin_is_chinese_by_default_and_english_with_the_switch(superuser_client):
    html = superuser_client.get("/admin/").content.decode()
    assert "站点管理" in html and "Site administration" not in html
    r = superuser_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert r.status_code == 302
    html = superuser_client.get("/admin/").content.decode()
    assert "Site administration" in html and "站点管理" not in html
    html = superuser_client.get(admin_url(Grid, "changelist")).content.decode()
    assert "Level-4 grid" in html  # a choice label from our own catalog
    superuser_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/"})
    assert "站点管理" in superuser_client.get("/admin/").content.decode()
