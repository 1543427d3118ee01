"""One record of every kind a URL can point at, on the boundary world (tests.support.world's district
测试区 with its grids and people, the neighbour 长清区 and their common line, the inspectors of both
sides and of a far district) plus the care data of tests/care/builders.py — for tests that walk every
URL (tests/site/test_access_matrix.py).

Who owns what ("own" vs "other" in the access matrix):
    m_a (G4a, with head_a)  reported case `inc` (in G5a, with a photo), open grid patrol `patrol`,
                            notification `notif`, responsible for care subject sub1 (visit `visit`, photo)
    m_b (G4b)               a member of another grid: none of the above is theirs
    pn                      batch, application (attachment), sign, open sign patrol (inspection photo),
                            repair order, building name
    ins_b / ins_a           the two sides of `line` (测试区 | 长清区): inspection `insp` in field work,
                            ins_b's open marker walk `walk`, check `check` (photo), problem `problem`,
                            agreement `agreement` (document)
    ins_far                 an inspector of 平阴县: no side of `line`
"""
from contextlib import contextmanager
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from geogrid.accounts.management.groups import create_roles
from geogrid.boundaries import services as boundaries
from geogrid.boundaries.models import BoundaryAgreement
from geogrid.facilities.models import Facility, FacilityType
from geogrid.facilities.seed import seed as seed_facilities
from geogrid.notifications.services import notify
from geogrid.patrols.services import start_patrol
from geogrid.placenames import buildingnames, services as placenames, signpatrol, signrepair
from geogrid.placenames.models import RoadSign
from tests.boundaries.builders import boundary_world, in_field
from tests.care.builders import add_care
from tests.placenames.builders import road
from tests.support.world import P_G5A, jpeg_upload, pt, report, user


def records():
    w = add_care(boundary_world())
    create_roles()  # the real grants of every role's group, as the demo has them
    w["su"] = user("su", is_superuser=True, is_staff=True, full_name="超级管理员")
    # Incidents, patrols, notifications (m_a's, in G4a/G5a).
    w["inc"] = report(w, at=P_G5A, photos=[jpeg_upload()])
    w["inc_photo"] = w["inc"].photos.get()
    w["patrol"] = start_patrol(w["m_a"], w["g4a"])
    w["notif"] = notify(w["m_a"], "assigned", w["inc"], "新派遣")
    # Care: a visit of m_a to sub1 with a photo.
    from geogrid.care.services import record_visit

    w["visit"] = record_visit(w["m_a"], w["sub1"], seen=True, situation="身体尚好", photos=[jpeg_upload()])
    w["visit_photo"] = w["visit"].photos.get()
    # Facilities.
    seed_facilities(FacilityType)
    w["facility"] = Facility.objects.create(name="一社区助餐点", facility_type_id="meal_point", geom=pt((116.71, 36.52)), area=w["c1"])
    # Place names.
    w["road"] = road("370112DL001", "泉城路", 36.58, area=w["s1"], pinyin="Quancheng Lu")
    w["unnamed"] = road("370112DL010", "", 36.55, area=w["s1"], working_name="规划一路")
    w["sign"] = RoadSign.objects.create(code="S1", road=w["road"], geom=pt((116.72, 36.5801)), name_text="泉城路", pinyin_text="QUANCHENG LU")
    w["sign2"] = RoadSign.objects.create(code="S2", road=w["road"], geom=pt((116.73, 36.5801)), name_text="泉城路", pinyin_text="QUANCHENG LU")
    w["batch"] = placenames.create_batch(w["pn"], "2026 年第一批")
    w["app"] = placenames.create_application(w["pn"], w["batch"], name="泉秀路", applicant="区住建局", road=w["unnamed"])
    w["attachment"] = placenames.add_attachment(w["pn"], w["app"], SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf"))
    w["sign_patrol"] = signpatrol.start_sign_patrol(w["pn"], road=w["road"].code)
    w["sign_inspection"] = signpatrol.record_inspection(w["sign_patrol"], w["pn"], sign="S1", condition="dirty", photo=jpeg_upload())
    w["repair"] = signrepair.dispatch_repair(w["pn"], w["sign2"], "damaged", "牌面破损")
    w["building"] = buildingnames.register(w["pn"], name="锦绣花园", developer="某置业公司")
    # Boundaries: an inspection in field work with a check (photo), a problem and an agreement.
    w["insp"] = in_field(w)
    w["walk"] = boundaries.start_walk(w["insp"], w["ins_b"])  # ins_b's open marker walk (pn's open patrol is a sign patrol)
    m = w["markers"][0]
    w["check"], _created = boundaries.record_check(w["insp"], w["ins_b"], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y,
                                                   photos=[jpeg_upload()])
    w["marker_photo"] = w["check"].photos.get()
    w["problem"] = boundaries.add_problem(w["insp"], w["ins_b"], description="界桩周边杂草", owner_side="b", due_date=date(2026, 12, 31),
                                          check=w["check"])
    w["agreement"] = BoundaryAgreement.objects.create(line=w["line"], title="平安边界共建协议", party_a_name="长清区", party_b_name="测试区",
                                                      signed_on=date(2024, 1, 1), valid_until=date(2029, 1, 1))
    w["agreement"].document.save("agreement.pdf", ContentFile(b"%PDF-1.4 agreement"))
    return w



@contextmanager
def module_scene(django_db_blocker, **settings):
    """A module's records, built once inside a transaction rolled back after the module; each test
    runs in a savepoint inside it (pytest-django's db), so what one test writes the next does not see."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], **settings):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
