"""Two concurrent decisions on one record, each request on its own connection to the real PostgreSQL:
one wins, the other gets 409, and the audit log has exactly one event of the decision.

- Two transitions of one case: tests/incidents/test_concurrency.py
  (test_two_simultaneous_transitions_one_200_one_409 asserts the one 200, the one 409 and the
  single transition event in the case's history; the row lock is shown making the second wait).
- Two approvals of one naming application (and an approval racing a return or a withdrawal): here.
"""
import pytest

from geogrid.accounts.roles import Role
from geogrid.audit.services import history
from geogrid.placenames.models import NamingApplication
from tests.incidents.test_concurrency import api_post, race
from tests.placenames.builders import town, user
from tests.placenames.test_workflow import days_ago, draft, walk_to

pytestmark = pytest.mark.django_db(transaction=True)
S = NamingApplication.State
APPROVE = {"approving_body": "济南市人民政府", "approved_on": days_ago(1)}


def test_two_concurrent_approvals_of_one_application_one_wins_one_409_one_audit_event():
    w = town()
    second = user("pn2", Role.PLACENAME_STAFF, full_name="地名科小王")
    races = [("明德路", "unnamed1", ("approve", APPROVE), ("approve", dict(APPROVE, approving_body="历城区人民政府"))),
             ("德兴路", "unnamed2", ("approve", APPROVE), ("return", {"note": "材料不全"})),
             ("文昌路", "unnamed3", ("withdraw", {"note": "规划调整"}), ("approve", APPROVE))]
    for name, road, (first, first_body), (other, other_body) in races:
        app = walk_to(draft(w, name=name, road=road), w["pn"], S.NOTICE, notice_days_ago=40)
        url = f"/api/placenames/applications/{app.pk}/actions/"
        results = race(lambda: api_post(w["pn"], url + first + "/", first_body),
                       lambda: api_post(second, url + other + "/", other_body))
        assert sorted(code for code, _ in results) == [200, 409], (name, results)
        winner = next(body for code, body in results if code == 200)
        loser = next(body for code, body in results if code == 409)
        assert loser["code"] == "invalid_transition", loser
        app.refresh_from_db()
        assert app.state == winner["state"]
        decisions = [e for e in history(app) if e.action in ("approve", "return", "withdraw")]
        assert len(decisions) == 1, [(e.action, e.actor_id) for e in decisions]
        assert decisions[0].to_state == app.state
        if app.state == S.APPROVED:  # the winner's fields, not a mix of the two requests
            assert app.approving_body == winner["approving_body"] == decisions[0].data["approving_body"]
