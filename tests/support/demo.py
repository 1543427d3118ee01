"""The test databases: migrated once per run, and the demo district loaded once per run, both copied.

Migrating an empty database takes 5–10 s; each xdist worker used to do it, and the demo template
once more. Now the first worker migrates one base database (under a file lock the workers share)
and every worker's test database is a `CREATE DATABASE … TEMPLATE` copy of it (django_db_setup
below, which replaces pytest-django's).

The demo district for tests, loaded once per test run and copied for each user.

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
from django.db import connection, connections, transaction
from django.test import TransactionTestCase


def _clear_content_types():
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


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
    _clear_content_types()  # its ids are those of the database it was filled from
    old = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connections.close_all()
        _clear_content_types()
        connection.settings_dict["NAME"] = old


def _run_name(name):
    # test_geogrid_gw0 → test_geogrid: the databases shared by all workers of this run are named after it.
    return re.sub(r"_gw\d+$", "", name)


def _template_name():
    return _run_name(connection.settings_dict["NAME"]) + "_demo_template"


def _test_name():
    s = connection.settings_dict
    return s["TEST"].get("NAME") or "test_" + s["NAME"]


@contextmanager
def _once_per_run(tmp_path_factory, worker_id, what):
    """Holds the run's lock for `what` and yields its marker file: present when a worker has built it."""
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    marker = shared / f"{what}.json"
    with open(shared / f"{what}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield marker
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _base_name():
    return _run_name(_test_name()) + "_base"


# What migrate leaves in a new database (content types, permissions, rows of data migrations and of
# post_migrate handlers such as layers' version rows): copied aside once, in schema SEED, and put
# back after each transactional test, so every test starts from the migrated state, whatever ran
# before it (Django's flush empties those tables and re-runs only post_migrate).
SEED = "test_seed"
_full_flush = TransactionTestCase._fixture_teardown
_seeded = {}  # database name -> tables holding rows right after migrate


def _model_tables(conn):
    return conn.introspection.django_table_names(only_existing=True, include_views=False)


def _non_empty(cur, conn, tables):
    qn = conn.ops.quote_name
    cur.execute(" UNION ALL ".join(f"(SELECT %s FROM {qn(t)} LIMIT 1)" for t in tables), tables)
    return [t for (t,) in cur.fetchall()]


def _keep_seed(conn):
    qn = conn.ops.quote_name
    with conn.cursor() as cur:
        seeded = _non_empty(cur, conn, _model_tables(conn))
        cur.execute(f"DROP SCHEMA IF EXISTS {SEED} CASCADE; CREATE SCHEMA {SEED}")
        for t in seeded:
            cur.execute(f"CREATE TABLE {SEED}.{qn(t)} AS TABLE {qn(t)}")
    _seeded[conn.settings_dict["NAME"]] = seeded


def _truncate_what_was_written(self):
    """Django's teardown of a transactional test, faster and more exact: TRUNCATE only the tables
    that hold rows (one query finds them), then put back what migrate had left (SEED)."""
    _clear_content_types()  # as post_migrate would: ids cached from another database (a demo copy) go
    if self.available_apps is not None or self.serialized_rollback:
        return _full_flush(self)
    for alias in self._databases_names(include_mirrors=False):
        conn = connections[alias]
        seeded = _seeded.get(conn.settings_dict["NAME"])
        if seeded is None:
            _full_flush(self)
            continue
        qn = conn.ops.quote_name
        with transaction.atomic(using=alias), conn.cursor() as cur:  # FKs are deferred: any order within it
            written = sorted(set(_non_empty(cur, conn, _model_tables(conn))) | set(seeded))
            if written and _may_skip_triggers(cur, conn):
                # DELETE of a few rows costs milliseconds; TRUNCATE makes new files for every table
                # and index (1–2 s a test). Every table holding rows is emptied, so FK and
                # append-only triggers (audit) are switched off for it, as TRUNCATE passes them by.
                cur.execute("SET LOCAL session_replication_role = replica")
                cur.execute("; ".join(f"DELETE FROM {qn(t)}" for t in written))
                cur.execute("SET LOCAL session_replication_role = origin")
            elif written:
                cur.execute(f"TRUNCATE {', '.join(qn(t) for t in written)} CASCADE")
            for t in seeded:
                cur.execute(f"INSERT INTO {qn(t)} SELECT * FROM {SEED}.{qn(t)}")


_superuser = {}


def _may_skip_triggers(cur, conn):
    """session_replication_role needs a superuser: ours is on the private cluster, not always on a
    server named by DATABASE_URL (TRUNCATE then)."""
    name = conn.settings_dict["NAME"]
    if name not in _superuser:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        _superuser[name] = cur.fetchone()[0]
    return _superuser[name]


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings, tmp_path_factory, worker_id):
    """pytest-django's, except that the database is a copy of one migrated once per run."""
    from django.test.utils import setup_databases

    base = _base_name()
    # A test's commits need not survive a crash of the machine: no WAL flush waited for at each one.
    for conn in connections.all():
        options = conn.settings_dict.setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c synchronous_commit=off").strip()
    with django_db_blocker.unblock():
        with _once_per_run(tmp_path_factory, worker_id, "base-database") as marker:
            if not marker.exists():
                _admin(f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)', f'CREATE DATABASE "{base}"')
                with _on_database(base):
                    call_command("migrate", verbosity=0, interactive=False)
                    call_command("createcachetable", verbosity=0)
                marker.write_text(json.dumps({"name": base}))
        name = _test_name()
        connections.close_all()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
        # keepdb: Django finds the copy and only checks that nothing is left to migrate.
        db_cfg = setup_databases(verbosity=0, interactive=False, keepdb=True, serialized_aliases=set())
    TransactionTestCase._fixture_teardown = _truncate_what_was_written
    with django_db_blocker.unblock():
        _keep_seed(connection)
    yield
    with django_db_blocker.unblock():
        # Django's teardown_databases, with FORCE: a thread of a concurrency test may still hold a
        # connection. The base stays until the next run (another worker may still copy it).
        connections.close_all()
        _admin(f'DROP DATABASE IF EXISTS "{connection.settings_dict["NAME"]}" WITH (FORCE)')
        for conn, old_name, _destroy in db_cfg:
            conn.settings_dict["NAME"] = old_name


@pytest.fixture(scope="session")
def demo_template(django_db_setup, django_db_blocker, tmp_path_factory, worker_id):
    with _once_per_run(tmp_path_factory, worker_id, "demo-template") as marker:
        if marker.exists():
            return json.loads(marker.read_text())
        name = _template_name()
        with django_db_blocker.unblock():
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{_base_name()}"')
            with _on_database(name):
                out = StringIO()
                started = time.monotonic()
                call_command("loaddemo", stdout=out)
                elapsed = time.monotonic() - started
                with connection.cursor() as cur:
                    cur.execute("ANALYZE")  # the copies inherit the planner statistics
        info = {"name": name, "output": out.getvalue(), "elapsed": elapsed}
        marker.write_text(json.dumps(info))
        return info


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


@pytest.fixture
def scratch_db(django_db_setup, transactional_db, django_db_blocker):
    """A copy of the migrated database for one test that leaves it where no other test may find it
    (migrations run backwards): dropped afterwards, not migrated forward again and flushed."""
    with django_db_blocker.unblock(), _copy_of({"name": _base_name()}, "scratch"):
        yield
