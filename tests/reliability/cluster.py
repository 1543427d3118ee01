"""A throwaway PostgreSQL cluster and a gunicorn serving geogrid on it, for the load and fault tests.

The shared cluster of scripts/pg.sh is never stopped: other test workers and people use it. This one
lives in a temp dir, listens on its own unix socket only, and is found, started and stopped the way
scripts/pg.sh does it (the binaries from scripts/pgenv.sh's pg_bindir, run as `postgres` when we are
root). Durability settings are off (fsync): the tests stop it cleanly (`-m fast`), never crash it.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2

from tests.support import REPO

PORT = 54331  # names the socket file only: the server listens on no TCP port
USER = "geogrid"
PYTHON = str(REPO / ".venv" / "bin" / "python")
# The load is the point here, not one person's pace: each reporter sends hundreds a second, far past
# the per-user rates (tests/site/test_throttling.py). Every request is still counted in the shared
# throttle table (its cost is part of the figures), at rates the run never reaches.
RATES = {"GEOGRID_API_WRITE_RATE": "1000000/min", "GEOGRID_API_READ_RATE": "1000000/min"}


def pg_bindir():
    """The newest installed server's bin dir, by scripts/pgenv.sh's own function."""
    out = subprocess.run(["bash", "-c", ". scripts/pgenv.sh && pg_bindir"], cwd=REPO, capture_output=True, text=True)
    path = out.stdout.strip()
    if not path:
        raise RuntimeError("PostgreSQL server is not installed (scripts/bootstrap.sh installs it)")
    return path


class Cluster:
    def __init__(self):
        self.bin = pg_bindir()
        as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="geogrid-reliability-", dir="/tmp"))
        self.data = self.base / "data"
        self.runas = ["runuser", "-u", "postgres", "--"] if as_root else []
        if as_root:
            shutil.chown(self.base, "postgres", "postgres")

    def _owner(self, *args, check=True, timeout=120):
        """A server binary as the cluster owner, from / (postgres may not enter the checkout)."""
        run = subprocess.run([*self.runas, f"{self.bin}/{args[0]}", *args[1:]], cwd="/", capture_output=True, text=True, timeout=timeout)
        if check and run.returncode:
            log = self.base / "server.log"
            raise RuntimeError(f"{' '.join(args)} failed:\n{run.stdout}{run.stderr}\n{log.read_text()[-3000:] if log.exists() else ''}")
        return run

    def init(self):
        self._owner("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = ''\nport = {PORT}\nunix_socket_directories = '{self.base}'\n"
                       "max_connections = 100\nfsync = off\nfull_page_writes = off\n")
        self.start()

    def start(self):
        self._owner("pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-w", "-t", "60", "start")

    def stop(self):
        self._owner("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def destroy(self):
        """Stop (if running) and remove everything: called in teardown, also after a failure."""
        self._owner("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def cpu(self):
        return cpu_seconds(int((self.data / "postmaster.pid").read_text().split()[0]))

    def connect(self, dbname):
        conn = psycopg2.connect(dbname=dbname, user=USER, host=str(self.base), port=PORT)
        conn.autocommit = True
        return conn

    def sql(self, dbname, statement, params=None):
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cur:
                cur.execute(statement, params)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    def env(self, dbname):
        """The environment that points geogrid (settings.DATABASE_URL) at a database of this cluster."""
        host = str(self.base).replace("/", "%2F")
        return {**os.environ, "DATABASE_URL": f"postgis://{USER}@{host}:{PORT}/{dbname}", "GEOGRID_DEBUG": "0",
                "DJANGO_SETTINGS_MODULE": "geogrid.settings", **RATES}

    def create_database(self, dbname):
        """A geogrid database, migrated (manage.py migrate's command, in a subprocess: seed.py) and
        holding the test district of tests/support/world.py with two more level-5 grids; returns
        what seed.py prints (API tokens, the boxes to report in)."""
        self.sql("postgres", f'CREATE DATABASE "{dbname}"')
        self.sql(dbname, "CREATE EXTENSION postgis")
        out = subprocess.run([PYTHON, str(Path(__file__).with_name("seed.py"))], cwd=REPO, env=self.env(dbname),
                             capture_output=True, text=True, timeout=600)
        if out.returncode:
            raise RuntimeError(f"migrating and seeding {dbname} failed:\n{out.stderr[-5000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_seconds(pid):
    """CPU time (user + system) of a process and its children so far: the machine may be shared, so
    wall-clock rates alone say little."""
    total = 0.0
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for p in [pid, *map(int, children)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn as `make run` serves (scripts/run.sh: gthread, one thread a worker), 2 workers."""

    def __init__(self, env, workers=2):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="geogrid-gunicorn-", suffix=".log", delete=False)
        cmd = [str(REPO / ".venv/bin/gunicorn"), "geogrid.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
               "--workers", str(workers), "--worker-class", "gthread", "--threads", "1", "--timeout", "60",
               "--graceful-timeout", "5", "--chdir", str(REPO), "--log-level", "warning"]
        # Its own process group: close() ends the arbiter and its workers together, by that group's id.
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/api/locate?lon=0&lat=0", timeout=5)
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError(f"gunicorn did not start:\n{self.output()}")
                time.sleep(0.1)

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def workers(self):
        """The worker processes' ids: the same after an outage means no worker was restarted for it."""
        return sorted(subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split())

    def output(self):
        return Path(self.log.name).read_text(errors="replace")[-5000:]

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # nothing is left to finish; a graceful stop costs seconds
        self.proc.wait()
        self.log.close()
        os.unlink(self.log.name)
