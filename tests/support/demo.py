"""The demo district for tests, loaded once per test run and copied for each user.

loaddemo takes 15–35 s; `CREATE DATABASE … TEMPLATE` copies the loaded 24 MB database in well under
a second. The first worker that needs the demo builds a template database (migrate + loaddemo +
ANALYZE, under a file lock shared by the xdist workers); every module that asks for `demo` then runs
on a fresh copy of it, and transactional tests ask for `demo_db` (a copy per test).

    from tests.support.demo import demo  # module scope: the module's tests run on the copy
    from tests.support.demo import demo_db  # one test (live_server, pg_dump): a copy of its own
"""
import fcntl
import json
import re
import time
from contextlib import contextmanager
from io import StringIO

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection, connections


def _admin(*statements):
    """Database-level statements (CREATE/DROP DATABASE) run outside any transaction."""
    s = connection.settings_dict
    conn = psycopg2.connect(dbname="postgres", user=s["USER"], host=s["HOST"], port=s["PORT"], password=s.get("PASSWORD") or None)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
    finally:
        conn.close()


@contextmanager
def _on_database(name):
    """Every new connection of this process (the live server's threads too) goes to `name`."""
    connections.close_all()
    old = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = old


def _template_name():
    # test_geogrid_gw0 → test_geogrid_demo_template: one template for all workers of this run.
    return re.sub(r"_gw\d+$", "", connection.settings_dict["NAME"]) + "_demo_template"


@pytest.fixture(scope="session")
def demo_template(django_db_setup, django_db_blocker, tmp_path_factory, worker_id):
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    marker = shared / "demo-template.json"
    with open(shared / "demo-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if marker.exists():
                return json.loads(marker.read_text())
            name = _template_name()
            with django_db_blocker.unblock():
                _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
                with _on_database(name):
                    call_command("migrate", verbosity=0, interactive=False)
                    out = StringIO()
                    started = time.monotonic()
                    call_command("loaddemo", stdout=out)
                    elapsed = time.monotonic() - started
                    with connection.cursor() as cur:
                        cur.execute("ANALYZE")  # the copies inherit the planner statistics
            info = {"name": name, "output": out.getvalue(), "elapsed": elapsed}
            marker.write_text(json.dumps(info))
            return info
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _copy_of(template, suffix):
    copy = f'{connection.settings_dict["NAME"]}_{suffix}'
    connections.close_all()
    _admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)', f'CREATE DATABASE "{copy}" TEMPLATE "{template["name"]}"')
    try:
        with _on_database(copy):
            yield template
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


@pytest.fixture(scope="module")
def demo(demo_template, django_db_blocker):
    """The demo district for a whole module; its tests use `db` as usual (each rolled back)."""
    with django_db_blocker.unblock(), _copy_of(demo_template, "demo"):
        yield demo_template


@pytest.fixture
def demo_db(demo_template, transactional_db, django_db_blocker):
    """The demo district for one transactional test (live_server, pg_dump): its own copy, committed."""
    with django_db_blocker.unblock(), _copy_of(demo_template, "demo1"):
        yield demo_template
