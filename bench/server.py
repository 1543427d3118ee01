"""What the HTTP benchmarks share: gunicorn started as `make run` starts it (a worker per core,
DEBUG off, kept connections) with each request's time in the server logged, wrk to drive it, and
the psycopg2 DSN of the database the benchmark runs on (GEOGRID_DB_NAME picks it)."""
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
WORKERS = int(os.environ.get("GEOGRID_WORKERS", str(os.cpu_count() or 2)))
THREADS = int(os.environ.get("GEOGRID_THREADS", "1"))  # as make run
WORK = ROOT / "var" / "bench"


def dsn():
    db = settings.DATABASES["default"]
    parts = {"dbname": db["NAME"], "user": db.get("USER"), "host": db.get("HOST"), "port": db.get("PORT"), "password": db.get("PASSWORD")}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def access_log(port):
    return WORK / f"access-{port}.log"


def serve(app, port, env=None):
    """gunicorn as `make run` starts it, writing each request's time in the server (µs) to a log."""
    WORK.mkdir(parents=True, exist_ok=True)
    cmd = [str(ROOT / ".venv/bin/gunicorn"), app, "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
           "--worker-class", "gthread", "--threads", str(THREADS), "--graceful-timeout", "5",
           "--log-level", "warning", "--chdir", str(ROOT), "--access-logfile", str(access_log(port)),
           "--access-logformat", "%(D)s"]
    # The API rate limits off: a load tool from one address is not a person (a window of its
    # thousands of requests would cost more than the service). Their cost for a person's requests,
    # two statements, is in tests/site/test_throttling.py.
    limits = {f"GEOGRID_API_{k}_RATE": "off" for k in ("READ", "WRITE", "ANON")}
    env = {"GEOGRID_DEBUG": "0", "BENCH_DSN": dsn(), "DJANGO_SETTINGS_MODULE": "geogrid.settings", **limits, **(env or {})}
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/locate?lon=0&lat=0", timeout=1)
        except urllib.error.HTTPError:
            return proc  # it answers (404 outside the district)
        except OSError:
            time.sleep(0.1)
        else:
            return proc
    proc.kill()
    sys.exit(f"{app} did not start: {proc.stderr.read().decode()[-2000:]}")


def wrk(port, script, seconds, clients=8):
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {m.group(1): m.group(2) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, {k: to_ms(v) for k, v in lat.items()}, int(errors.group(1)) if errors else 0


def server_p99(port):
    """p99 of the time spent in the server (gunicorn's request time: from reading the request to
    the last byte written), in ms, over the requests logged since the log was emptied."""
    times = sorted(int(t) for t in access_log(port).read_text().split() if t.isdigit())
    return round(times[int(0.99 * (len(times) - 1))] / 1000, 2) if times else None


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], 2)


