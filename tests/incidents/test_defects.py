"""Issue #8, "Defects found when tried as a new user would": one test per defect.

1. Rejecting a case as a duplicate of a case the user may not see is refused (service, so page and
   API alike), with the same answer as for a case that does not exist.
2. Stored photos carry no EXIF (GPS position, phone model), XMP, colour profile or comment; their
   pixels are turned upright first; size and checksum are of what is stored.
3. No /media/ URL, even with DEBUG on: photos leave only through the case's scope.
4. A case's similar cases are the reports before AND after it; a later report still `reported` can
   be merged into the case from the case's page (and through the API)."""
import hashlib
import importlib
import io
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, clear_url_caches, resolve
from django.utils import timezone
from PIL import ExifTags, Image, ImageCms
from rest_framework.test import APIClient

import geogrid.urls
from geogrid.incidents.models import Incident
from geogrid.incidents.services import mark_duplicate, similar_open_incidents
from geogrid.workflow.exceptions import MissingFields
from tests.support.world import P_G4D, P_G5A, report, walk, world

pytestmark = pytest.mark.django_db

NEAR_G5A = (P_G5A[0] + 0.0001, P_G5A[1])  # ~9 m east of P_G5A, same grids


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def api(user):
    c = APIClient()
    c.force_login(user)
    return c


# --- 1. the original of a duplicate must be a case the user may see ---------------------------------
def test_a_duplicate_of_a_case_out_of_scope_is_refused_like_a_missing_one():
    w = world()
    hidden = report(w, "m_d", at=P_G4D)  # street S2: community staff of C1 may not see it
    case = report(w, "m_a", at=P_G5A)
    visible = report(w, "head_a", at=NEAR_G5A)
    c = api(w["cs1"])
    assert c.get(f"/api/incidents/{hidden.pk}/").status_code == 404

    r = c.post(f"/api/incidents/{case.pk}/actions/reject/", {"note": "重复", "duplicate_of": hidden.pk}, format="json")
    missing = c.post(f"/api/incidents/{case.pk}/actions/reject/", {"note": "重复", "duplicate_of": 999999}, format="json")
    assert r.status_code == 400 and "duplicate_of" in r.json()["fields"]
    assert r.json() == missing.json()  # nothing tells the hidden case from one that does not exist
    assert hidden.number not in r.content.decode()
    case.refresh_from_db()
    assert case.state == "reported" and case.duplicate_of is None
    with pytest.raises(MissingFields):
        mark_duplicate(case, hidden, w["cs1"])  # the service itself, which the page calls
    # A case in scope is fine, and the answer names it.
    r = c.post(f"/api/incidents/{case.pk}/actions/reject/", {"note": "重复", "duplicate_of": visible.pk}, format="json")
    assert r.status_code == 200 and r.json()["duplicate_of"]["number"] == visible.number


# --- 2. photos are stored without metadata, upright ----------------------------------------------------
def phone_jpeg():
    """40×20: left half red, right half blue, taken with the phone on its side (EXIF orientation 6:
    turn 90° clockwise to view), with GPS, make and model, XMP, an ICC profile and a comment."""
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    img.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.Base.Model] = "P60-Pro-Secret"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (36.0, 31.0, 12.5),
                                  ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (116.0, 42.0, 18.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95, exif=exif, comment=b"at-home-comment",
             icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
             xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the upload really carries all of it
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (36.0, 31.0, 12.5)
        assert {"exif", "icc_profile", "comment", "xmp"} <= set(check.info)
    return data


def test_a_photo_is_stored_upright_without_gps_or_other_metadata():
    w = world()
    case = report(w, photos=[SimpleUploadedFile("现场.jpg", phone_jpeg(), content_type="image/jpeg")])
    photo = case.photos.get()
    with photo.image.open("rb") as fh:
        stored = fh.read()
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG" and photo.content_type == "image/jpeg" and photo.image.name.endswith(".jpg")
        assert len(img.getexif()) == 0 and not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(img.info)
        # Turned upright: the left (red) half is now on top, the right (blue) half below.
        assert img.size == (20, 40) == (photo.width, photo.height)
        top, bottom = img.convert("RGB").getpixel((10, 5)), img.convert("RGB").getpixel((10, 34))
        assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60
    for secret in (b"Exif", b"HUAWEI", b"P60-Pro-Secret", b"at-home-comment", b"xmpmeta"):
        assert secret not in stored, secret
    assert photo.sha256 == hashlib.sha256(stored).hexdigest() and photo.size == len(stored)
    with photo.thumbnail.open("rb") as fh, Image.open(fh) as thumb:
        assert thumb.size == (20, 40) and len(thumb.getexif()) == 0


# --- 3. no public /media/ URL, not even with DEBUG ------------------------------------------------------
@pytest.fixture
def debug_urls(settings):
    """The project's URLs as built with DEBUG on: urlpatterns are made at import, so import again."""
    was = django_settings.DEBUG
    settings.DEBUG = True
    importlib.reload(geogrid.urls)
    clear_url_caches()
    yield
    settings.DEBUG = was
    importlib.reload(geogrid.urls)
    clear_url_caches()


def test_media_is_not_served_even_with_debug(client, debug_urls):
    w = world()
    case = report(w, "m_a", photos=[SimpleUploadedFile("a.jpg", phone_jpeg(), content_type="image/jpeg")])
    photo = case.photos.get()
    path = f"{django_settings.MEDIA_URL}{photo.image.name}"
    with pytest.raises(Resolver404):
        resolve(path)
    assert client.get(path).status_code == 404  # anonymous
    client.force_login(w["m_b"])  # another grid's member: the case is out of scope
    assert client.get(path).status_code == 404
    client.force_login(w["m_a"])  # even its reporter goes through the case page
    assert client.get(path).status_code == 404
    assert client.get(f"/incidents/{case.pk}/photos/{photo.pk}/full/").status_code == 200


# --- 4. similar cases before and after; a later report merged into this case --------------------------
def test_a_later_report_is_suggested_and_merged_into_the_case_from_its_page(client):
    w = world()
    now = timezone.now()
    first = report(w, "m_a", at=P_G5A, now=now - timedelta(hours=5), description="第一次")
    walk(w, first, ("register", "cs1"))  # already being handled
    later = report(w, "head_a", at=NEAR_G5A, now=now - timedelta(hours=1), description="又报一次")
    report(w, "head_a", at=NEAR_G5A, now=now - timedelta(hours=100))  # outside the window before
    earlier = report(w, "m_a", at=NEAR_G5A, now=now - timedelta(hours=30))
    handled = report(w, "m_a", at=NEAR_G5A, now=now - timedelta(hours=2))
    walk(w, handled, ("register", "cs1"))  # open, but no longer rejectable

    # The service: within the window before or after the case, nearest first, not the case itself.
    found = similar_open_incidents(first.category, first.geom, at=first.reported_at, exclude=first)
    assert set(found) == {later, earlier, handled}
    # The API's …/similar/ of the case, and the case page, say the same.
    r = api(w["cs1"]).get(f"/api/incidents/{first.pk}/similar/")
    assert {c["number"] for c in r.json()} == {later.number, earlier.number, handled.number}
    client.force_login(w["cs1"])
    page = client.get(f"/incidents/{first.pk}/")
    assert {c.pk for c in page.context["similar"]} == {later.pk, earlier.pk, handled.pk}
    # A report still waiting to be registered can be merged into this case; a registered one cannot.
    assert {c.pk for c in page.context["similar"] if c.merge_here} == {later.pk, earlier.pk}
    html = page.content.decode()
    assert f'action="/incidents/{later.pk}/actions/reject/"' in html and f'action="/incidents/{handled.pk}/actions/reject/"' not in html

    r = client.post(f"/incidents/{later.pk}/actions/reject/", {"reject-duplicate_of": first.pk, "back": first.pk})
    assert r.status_code == 302 and r["Location"] == f"/incidents/{first.pk}/"
    later.refresh_from_db()
    assert later.state == "rejected" and later.duplicate_of == first
    page = client.get(r["Location"])
    assert f"已将 {later.number} 作为重复上报并入本案" in page.content.decode()
    assert [c.pk for c in page.context["merged"]] == [later.pk]
    assert later.pk not in {c.pk for c in page.context["similar"]}

    # Through the API: the later report's own reject action names this case.
    again = report(w, "head_a", at=NEAR_G5A, now=now - timedelta(minutes=30))
    r = api(w["cs1"]).post(f"/api/incidents/{again.pk}/actions/reject/", {"note": "同一处垃圾", "duplicate_of": first.pk}, format="json")
    assert r.status_code == 200 and r.json()["duplicate_of"]["number"] == first.number
    # A closed (or rejected) case takes no merges from its page.
    closed_page = client.get(f"/incidents/{again.pk}/")
    assert not any(c.merge_here for c in closed_page.context["similar"])
    assert Incident.objects.filter(duplicate_of=first).count() == 2
