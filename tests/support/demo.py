"""The demo district loaded once per test module that asks for it (`from tests.support.demo import demo`)."""
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            out = StringIO()
            started = time.monotonic()
            call_command("loaddemo", stdout=out)
            info = {"output": out.getvalue(), "elapsed": time.monotonic() - started}
            # Planner statistics of the freshly filled tables: after an earlier test truncated them
            # (a transactional test's flush), PostgreSQL would otherwise plan as for empty tables.
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
            yield info
            transaction.set_rollback(True)
