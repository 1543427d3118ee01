"""The rules of boundaries.services: inspections through the workflow core, checks and their
displacement, both-party confirmation, problems, sections, due lines, agreements, disputes."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from geogrid.audit.models import AuditEvent
from geogrid.boundaries import services as b
from geogrid.boundaries.models import BoundaryAgreement, JointInspection, MarkerCheck, RectificationItem
from geogrid.notifications.models import Notification
from geogrid.geo import gcj02
from geogrid.patrols.models import Patrol
from geogrid.workflow.exceptions import InvalidTransition, MissingFields, TransitionForbidden
from tests.boundaries.builders import boundary_world, east_of, in_field, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return boundary_world()


def check_all(w, insp, by="ins_b", confirm_by="ins_a"):
    for m in w["markers"]:
        c, _ = b.record_check(insp, w[by], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y)
        b.confirm_check(c, w[confirm_by])


def test_a_two_party_inspection_runs_from_plan_to_filed(w):
    insp = plan(w)
    assert (insp.party_a_name, insp.party_b_name, insp.state) == ("长清区", "测试区", "planned")
    assert [(m.user.username, m.side, m.leader) for m in insp.members.select_related("user")] == [
        ("ins_a", "a", True), ("ins_a2", "a", False), ("ins_b", "b", True), ("ins_b2", "b", False)]
    b.transition(insp, "start_fieldwork", w["ins_a"])
    with pytest.raises(InvalidTransition, match="4 个界桩未检查"):
        b.transition(insp, "draft_report", w["ins_b"], report="正常")
    check_all(w, insp)
    with pytest.raises(MissingFields):
        b.transition(insp, "draft_report", w["ins_b"])
    b.transition(insp, "draft_report", w["ins_b"], report="界桩完好，界线清晰。")
    assert insp.state == "drafted"
    b.transition(insp, "sign", w["ins_b2"])
    assert insp.state == "drafted" and insp.signed_b_by == w["ins_b2"]
    with pytest.raises(TransitionForbidden, match="已签署"):
        b.transition(insp, "sign", w["ins_b"])
    with pytest.raises(TransitionForbidden):
        b.transition(insp, "sign", w["ins_far"])
    b.transition(insp, "sign", w["ins_a"])
    insp.refresh_from_db()
    assert insp.state == "signed" and insp.signed_a_by == w["ins_a"]
    b.transition(insp, "file", w["ins_a2"])
    assert insp.state == "filed" and insp.filed_at is not None
    actions = list(AuditEvent.objects.filter(object_id=str(insp.pk), content_type__model="jointinspection").values_list("action", "to_state"))
    assert actions == [("plan", "planned"), ("start_fieldwork", "fieldwork"), ("draft_report", "drafted"), ("sign", "drafted"),
                       ("sign", "signed"), ("file", "filed")]


def test_a_marker_with_a_problem_needs_a_rectification_item_before_the_report(w):
    insp = in_field(w)
    check_all(w, insp)
    m = w["markers"][2]
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="buried", notes="被土掩埋")
    b.confirm_check(c, w["ins_a"])
    with pytest.raises(InvalidTransition, match=m.number):
        b.transition(insp, "draft_report", w["ins_b"], report="r")
    b.add_problem(insp, w["ins_b"], description="清理掩土，露出界桩", owner_side="b", due_date=date(2026, 7, 1), check=c)
    b.transition(insp, "draft_report", w["ins_b"], report="r")
    assert insp.state == "drafted"


def test_revise_sends_the_report_back_and_clears_signatures(w):
    insp = in_field(w)
    check_all(w, insp)
    b.transition(insp, "draft_report", w["ins_b"], report="草稿")
    b.transition(insp, "sign", w["ins_b"])
    b.transition(insp, "revise", w["ins_a"], note="003 号界桩需复测")
    insp.refresh_from_db()
    assert insp.state == "fieldwork" and insp.signed_b_at is None


def test_planning_is_for_the_parties_with_their_own_teams(w):
    with pytest.raises(TransitionForbidden):
        b.plan_inspection(w["ins_far"], w["line"], year=2026, planned_start=date(2026, 5, 1), planned_end=date(2026, 5, 2))
    with pytest.raises(ValidationError) as exc:
        b.plan_inspection(w["ins_a"], w["line"], year=2026, planned_start=date(2026, 5, 3), planned_end=date(2026, 5, 2),
                          team_a=[w["ins_b"]], team_b=[w["m_a"]])
    assert set(exc.value.message_dict) == {"planned_end", "team_a", "team_b"}
    plan(w)
    with pytest.raises(ValidationError, match="已有联检"):
        plan(w)
    assert JointInspection.objects.count() == 1


def test_a_point_three_metres_east_is_three_metres_away_also_in_gcj02(w):
    insp = in_field(w)
    m1, m2 = w["markers"][:2]
    lon, lat = east_of(m1.geom, 3.0)
    c, created = b.record_check(insp, w["ins_b"], marker=m1.number, condition="moved", lon=lon, lat=lat)
    assert created and c.displacement_m == pytest.approx(3.0, abs=0.05) and c.input_crs == "EPSG:4490"
    lon, lat = east_of(m2.geom, 3.0)
    glon, glat = gcj02.wgs84_to_gcj02(lon, lat)
    assert abs(glon - lon) > 0.003  # the GCJ-02 offset is hundreds of metres here
    c, _ = b.record_check(insp, w["ins_b"], marker=m2.number, condition="moved", lon=glon, lat=glat, crs="GCJ-02")
    assert c.displacement_m == pytest.approx(3.0, abs=0.05) and c.input_crs == "gcj02"
    # Sent as WGS84 by mistake, the GCJ-02 point would be hundreds of metres off: the declared CRS matters.
    c, _ = b.record_check(insp, w["ins_b"], marker=m2.number, condition="moved", lon=glon, lat=glat, crs="WGS84")
    assert c.displacement_m > 300


def test_both_parties_confirm_and_the_other_side_cannot_edit(w):
    insp = in_field(w)
    m = w["markers"][0]
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y)
    assert c.confirmed_b_by == w["ins_b"] and not c.agreed
    with pytest.raises(TransitionForbidden, match="只能确认"):
        b.record_check(insp, w["ins_a"], marker=m.number, condition="damaged", lon=m.geom.x, lat=m.geom.y)
    with pytest.raises(InvalidTransition, match="已确认"):
        b.confirm_check(c, w["ins_b2"])  # a second inspector of the same side does not make it agreed
    with pytest.raises(TransitionForbidden):
        b.confirm_check(c, w["ins_far"])
    with pytest.raises(TransitionForbidden):
        b.confirm_check(c, w["da"])
    c = b.confirm_check(c, w["ins_a2"])
    assert c.agreed and c.confirmed_a_by == w["ins_a2"]
    # Our side changes its check: the other side has to confirm again.
    c, created = b.record_check(insp, w["ins_b2"], marker=m.number, condition="damaged", lon=m.geom.x, lat=m.geom.y, notes="表面破损")
    assert not created and not c.agreed and c.confirmed_a_at is None and c.condition == "damaged"
    assert MarkerCheck.objects.count() == 1


def test_a_client_id_sent_twice_makes_one_check(w):
    insp = in_field(w)
    m = w["markers"][0]
    c1, created1 = b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y, client_id="abc-1")
    c2, created2 = b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y, client_id="abc-1")
    assert (created1, created2, c1.pk) == (True, False, c2.pk) and MarkerCheck.objects.count() == 1


@pytest.mark.parametrize("fields, key", [
    ({"marker": "370113370112009Q"}, "marker"),
    ({"condition": "gone"}, "condition"),
    ({"lon": None, "lat": None}, "lon"),
    ({"lon": 200}, "lon"),
    ({"lon": "abc"}, "lon"),
    ({"crs": "EPSG:9999"}, "crs"),
])
def test_bad_checks_are_refused_and_write_nothing(w, fields, key):
    insp = in_field(w)
    m = w["markers"][0]
    args = dict(marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y) | fields
    with pytest.raises(ValidationError) as exc:
        b.record_check(insp, w["ins_b"], **args)
    assert key in exc.value.message_dict
    assert not MarkerCheck.objects.exists()


def test_a_lost_marker_needs_no_position_and_checks_wait_for_fieldwork(w):
    insp = plan(w)
    m = w["markers"][0]
    with pytest.raises(InvalidTransition):
        b.record_check(insp, w["ins_b"], marker=m.number, condition="lost")
    b.transition(insp, "start_fieldwork", w["ins_b"])
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="lost")
    assert c.geom is None and c.displacement_m is None


def test_problems_have_an_owner_and_a_due_date(w):
    insp = in_field(w)
    m = w["markers"][0]
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="damaged", lon=m.geom.x, lat=m.geom.y)
    with pytest.raises(ValidationError) as exc:
        b.add_problem(insp, w["ins_b"], description="", owner_side="x", due_date=None, owner=w["ins_b"])
    assert set(exc.value.message_dict) == {"description", "owner_side", "due_date"}
    with pytest.raises(ValidationError, match="责任人"):
        b.add_problem(insp, w["ins_b"], description="修复", owner_side="a", due_date=date(2026, 8, 1), owner=w["ins_b"])
    item = b.add_problem(insp, w["ins_b"], description="修复 001 号界桩", owner_side="b", owner=w["ins_b2"], due_date=date(2026, 8, 1), check=c)
    with pytest.raises(TransitionForbidden, match="责任方"):
        b.complete_problem(item, w["ins_a"])
    item = b.complete_problem(item, w["ins_b2"])
    assert item.state == "done" and item.done_at
    with pytest.raises(InvalidTransition):
        b.complete_problem(item, w["ins_b"])
    assert RectificationItem.objects.count() == 1


def test_sections_record_reference_objects_and_identifiability(w):
    insp = in_field(w)
    m1, m2 = w["markers"][:2]
    s = b.record_section(insp, w["ins_a"], from_marker=m1.number, to_marker=m2.number, references_complete=False,
                         references_notes="方位物 3 号电杆已拆除", identifiable=True)
    assert (s.side, s.references_complete) == ("a", False)
    s2 = b.record_section(insp, w["ins_a"], from_marker=m1.number, to_marker=m2.number, references_complete=True)
    assert s2.pk == s.pk and s2.references_complete
    with pytest.raises(ValidationError):
        b.record_section(insp, w["ins_a"], from_marker=m1.number, to_marker=m1.number)


def test_due_lines_five_years_after_the_last_filed_inspection(w, settings):
    line = w["line"]
    assert [(x.code, last, due, status) for x, last, due, status in b.lines_due(date(2026, 6, 1))] == [(line.code, None, None, "overdue")]
    insp = in_field(w, year=2021)
    check_all(w, insp)
    b.transition(insp, "draft_report", w["ins_b"], report="r")
    b.transition(insp, "sign", w["ins_b"])
    assert b.lines_due(date(2026, 6, 1))[0][1] is None  # not filed yet: does not count
    b.transition(insp, "sign", w["ins_a"])
    b.transition(insp, "file", w["ins_a"])
    assert b.lines_due(date(2025, 6, 1)) == []
    assert [(last, due, status) for _l, last, due, status in b.lines_due(date(2026, 6, 1))] == [(2021, 2026, "due")]
    assert [(last, due, status) for _l, last, due, status in b.lines_due(date(2027, 1, 1))] == [(2021, 2026, "overdue")]
    settings.GEOGRID_BOUNDARY_INSPECTION_YEARS = 10
    assert b.lines_due(date(2027, 1, 1)) == []


def test_agreements_due_for_renewal(w, settings):
    a = BoundaryAgreement.objects.create(line=w["line"], title="平安边界共建协议", party_a_name="长清区", party_b_name="测试区",
                                         signed_on=date(2021, 7, 1), valid_until=date(2026, 6, 30))
    assert b.agreements_to_renew(date(2026, 3, 1)) == []
    assert b.agreements_to_renew(date(2026, 4, 1)) == [(a, 90)]
    assert b.agreements_to_renew(date(2026, 7, 2)) == [(a, -2)]
    with pytest.raises(IntegrityError), transaction.atomic():
        BoundaryAgreement.objects.create(line=w["line"], title="x", party_a_name="a", party_b_name="b", signed_on=date(2026, 1, 1),
                                         valid_until=date(2025, 1, 1))
    # Renewed: a new agreement of the line ends later, the old one is no longer a reminder.
    BoundaryAgreement.objects.create(line=w["line"], title="平安边界共建协议（续签）", party_a_name="长清区", party_b_name="测试区",
                                     signed_on=date(2026, 6, 20), valid_until=date(2031, 6, 30))
    assert b.agreements_to_renew(date(2026, 7, 2)) == []


def test_disputes_are_registered_and_resolved_by_the_parties(w):
    with pytest.raises(TransitionForbidden):
        b.register_dispute(w["ins_far"], line=w["line"], lon=116.70, lat=36.55, parties="甲村、乙村", description="耕地")
    with pytest.raises(ValidationError) as exc:
        b.register_dispute(w["ins_b"], line=w["line"], lon=999, lat=36.55, parties="", description="")
    assert set(exc.value.message_dict) == {"location", "parties", "description"}
    d = b.register_dispute(w["ins_b"], line=w["line"], lon=116.70, lat=36.55, parties="甲村、乙村", description="界线附近耕地权属")
    b.set_dispute_state(d, w["ins_a"], "mediating")
    with pytest.raises(ValidationError):
        b.set_dispute_state(d, w["ins_a"], "resolved")
    b.set_dispute_state(d, w["ins_a"], "resolved", resolution="双方协商，按界线分别耕种")
    with pytest.raises(InvalidTransition):
        b.set_dispute_state(d, w["ins_a"], "open")
    d.refresh_from_db()
    assert d.state == "resolved" and d.resolved_at


def test_walking_the_markers_is_a_patrol_with_the_markers_as_targets(w):
    insp = in_field(w)
    with pytest.raises(TransitionForbidden):
        b.start_walk(insp, w["m_a"])
    walk = b.start_walk(insp, w["ins_b"])
    assert walk.grid is None
    targets = list(walk.targets.order_by("order"))
    assert [t.target for t in targets] == w["markers"] and [t.label for t in targets] == [m.number for m in w["markers"]]
    m = w["markers"][1]
    b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y)
    assert [t.visited_at is not None for t in walk.targets.order_by("order")] == [False, True, False, False]
    assert Patrol.objects.filter(user=w["ins_b"], ended_at__isnull=True).count() == 1


def test_database_constraints_hold_against_raw_inserts(w):
    insp = in_field(w)
    m = w["markers"][0]
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y)
    for sql in ["UPDATE boundaries_markercheck SET displacement_m = NULL WHERE id = %s",
                "UPDATE boundaries_markercheck SET condition = 'fine' WHERE id = %s",
                "UPDATE boundaries_markercheck SET displacement_m = -1 WHERE id = %s"]:
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [c.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE boundaries_jointinspection SET state = 'signed' WHERE id = %s", [insp.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE boundaries_jointinspection SET planned_end = planned_start - 1 WHERE id = %s", [insp.pk])


def test_marker_numbers_follow_the_configured_pattern(w, settings):
    from geogrid.boundaries.models import validate_marker_number

    line = w["line"].code
    validate_marker_number(f"{line}001Q", line, "single")
    validate_marker_number(f"{line}012B", line, "paired")
    for bad, t in [(f"{line}01Q", "single"), (f"{line}001X", "single"), ("370101370102001Q", "single"), (f"{line}001A", "single"),
                   (f"{line}001Q", "triple")]:
        with pytest.raises(ValidationError):
            validate_marker_number(bad, line, t)
    settings.GEOGRID_MARKER_NUMBER_PATTERN = r"^JZ-{line}-\d{{2}}$"
    validate_marker_number(f"JZ-{line}-07", line, "single")
    with pytest.raises(ValidationError):
        validate_marker_number(f"{line}001Q", line, "single")


def test_the_boundary_due_command_lists_lines_and_agreements(w):
    import io

    from django.core.management import CommandError, call_command

    BoundaryAgreement.objects.create(line=w["line"], title="平安边界共建协议", party_a_name="长清区", party_b_name="测试区",
                                     signed_on=date(2021, 7, 1), valid_until=date(2026, 6, 30))
    out = io.StringIO()
    call_command("boundary_due", "--date", "2026-05-01", stdout=out)
    text = out.getvalue()
    assert f"overdue  {w['line'].code}" in text and "平安边界共建协议" in text and "1 line(s) overdue, 0 due this year, 1 agreement(s) to renew" in text
    # Reminders: every inspector of both parties, of the line and of the agreement, once (not 平阴县's).
    assert "8 new notification(s), 0 told before" in text
    told = {(n.recipient.username, n.kind, n.title) for n in Notification.objects.select_related("recipient")}
    assert {u for u, _k, _t in told} == {"ins_a", "ins_a2", "ins_b", "ins_b2"}
    assert ("ins_a", "overdue", "界线联检超期：长清区—测试区界线（上次联检 从未联检）") in told
    assert ("ins_b", "due_soon", "平安边界协议将到期：平安边界共建协议（有效期至 2026-06-30），请准备续签") in told
    out = io.StringIO()
    call_command("boundary_due", "--date", "2026-05-02", stdout=out)
    assert "0 new notification(s), 8 told before" in out.getvalue()
    call_command("boundary_due", "--date", "2026-07-01", "--no-notify", stdout=out)  # only printed
    assert Notification.objects.count() == 8
    call_command("boundary_due", "--date", "2026-07-01", stdout=out)  # ended: told again, as overdue
    assert Notification.objects.filter(kind="overdue", title__startswith="平安边界协议已到期").count() == 4
    with pytest.raises(CommandError):
        call_command("boundary_due", "--date", "May", stdout=out)


def test_a_position_far_from_its_marker_is_kept_flagged_and_holds_up_the_report(w, settings):
    """80 km off (the phone's fix elsewhere, lon/lat of another place): kept — an offline check
    arrives long after it was entered, a refusal would lose it — but flagged, and the report waits
    until it is re-measured or both sides call the marker moved."""
    insp = in_field(w)
    check_all(w, insp)
    m = w["markers"][1]
    lon, lat = east_of(m.geom, 80_000)
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=lon, lat=lat)
    assert c.displacement_m == pytest.approx(80_000, rel=1e-3) and c.far_from_marker
    assert AuditEvent.objects.filter(action="change_check", object_id=str(c.pk)).get().data["far_from_marker"] is True
    b.confirm_check(c, w["ins_a"])
    with pytest.raises(InvalidTransition, match=f"超过 1000 米.*{m.number}"):
        b.transition(insp, "draft_report", w["ins_b"], report="r")
    settings.GEOGRID_MARKER_SUSPECT_OFFSET_M = 100_000  # the bureau's own limit
    assert not MarkerCheck.objects.get(pk=c.pk).far_from_marker
    settings.GEOGRID_MARKER_SUSPECT_OFFSET_M = 1000
    lon, lat = east_of(m.geom, 999)
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=lon, lat=lat)  # re-measured: within the limit
    assert not c.far_from_marker
    lon, lat = east_of(m.geom, 1500)
    c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="moved", lon=lon, lat=lat, notes="洪水冲移")  # or really moved
    assert c.far_from_marker
    b.confirm_check(c, w["ins_a"])
    b.add_problem(insp, w["ins_b"], description="界桩恢复原位", owner_side="b", due_date=date(2026, 9, 1), check=c)
    b.transition(insp, "draft_report", w["ins_b"], report="002 号界桩被洪水冲移约 1.5 公里。")
    assert insp.state == "drafted"
