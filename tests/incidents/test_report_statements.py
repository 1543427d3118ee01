"""Statements per report (#9, line 5: 300 reports/s from 16 clients): a report over the API is a
fixed list of statements, whatever the data; a category without questions does not ask for them,
and nothing is written twice (the audit event is one INSERT, no UPDATE after it)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geogrid.incidents.models import CategoryQuestion, IncidentCategory
from tests.incidents.test_api import media, post_report, token_client  # noqa: F401  (media: photos in tmp)
from tests.support.world import world

pytestmark = pytest.mark.django_db


def statements(c, **body):
    with CaptureQueriesContext(connection) as q:
        r = post_report(c, **body)
    assert r.status_code == 201, r.content
    return [x["sql"] for x in q if not x["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def table(sql):
    """"SELECT t" (the outermost FROM: the last one), "INSERT t", or "WITH" (the locate statement)."""
    words = sql.replace('"', " ").replace("(", " ").split()
    verb = words[0].upper()
    if verb == "SELECT":
        return f"SELECT {words[len(words) - 1 - words[::-1].index('FROM') + 1]}"
    if verb == "INSERT":
        return f"INSERT {words[2]}"
    return verb


def test_a_report_is_nine_statements_and_writes_each_row_once():
    w = world()
    c = token_client(w["m_a"])
    post_report(c)  # the first of the year makes the counter row
    first = statements(c)
    assert [table(s) for s in first] == [
        "SELECT authtoken_token", "SELECT geogrid_throttle", "WITH",  # the rate limit's count (read; upsert with its cull), shared by the workers
        "SELECT auth_group", "SELECT grids_incidentcategory", "WITH",
        "INSERT grids_incidentcounter", "INSERT grids_incident", "INSERT audit_auditevent"], first
    assert not [s for s in first if s.upper().startswith(("UPDATE", "DELETE"))]
    # More cases, more grids' cases: the same statements.
    for _ in range(3):
        post_report(c)
    assert len(statements(c)) == len(first)
    # A category with questions asks for them: one more.
    CategoryQuestion.objects.create(category=IncidentCategory.objects.get(code="environment"), code="count", question="几处？",
                                    datatype="number")
    asked = statements(c, answers={"count": 2})
    assert len(asked) == len(first) + 1 and any("grids_categoryquestion" in s for s in asked)
