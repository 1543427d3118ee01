"""Concurrent API clients for the load and fault tests: each thread keeps one HTTP connection (as a
phone does) and POSTs /api/incidents/ with a token and an Idempotency-Key; on a 503 or a broken
connection it sends the same request again with the same key, as the phone's outbox does."""
import http.client
import json
import queue
import random
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlparse

RETRY_PAUSE = 0.1  # the tests do not wait the server's Retry-After (5 s); a phone would
RETRY_FOR = 90  # seconds a client keeps retrying one report


@dataclass
class Answer:
    key: str
    status: int | None  # None: no HTTP answer (connection refused or broken)
    sent: float
    answered: float
    body: object
    replayed: bool = False
    retry_after: str | None = None


def reports(n, tokens, boxes, label, tag, seed=1):
    """n report jobs: (key, token, JSON body) at random points inside the level-5 grids' boxes; the
    description is the label and the key, so the cases of a key can be counted in the database."""
    rnd = random.Random(seed)
    jobs = []
    for i in range(n):
        x0, y0, x1, y1 = boxes[i % len(boxes)]
        key = f"{tag}-{i:06d}"  # ASCII: a header
        body = {"category": "environment", "description": f"{label} {key}", "lon": round(rnd.uniform(x0, x1), 7),
                "lat": round(rnd.uniform(y0, y1), 7)}
        jobs.append((key, tokens[i % len(tokens)], json.dumps(body, ensure_ascii=False)))
    return jobs


def send(conn, key, token, body):
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Idempotency-Key": key,
               "Accept": "application/json"}
    sent = time.monotonic()
    try:
        conn.request("POST", "/api/incidents/", body.encode(), headers)
        resp = conn.getresponse()
        raw = resp.read()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return Answer(key, None, sent, time.monotonic(), repr(exc))
    try:
        data = json.loads(raw)
    except ValueError:
        data = raw.decode(errors="replace")[:500]
    return Answer(key, resp.status, sent, time.monotonic(), data, resp.getheader("Idempotent-Replayed") == "true",
                  resp.getheader("Retry-After"))


def run(url, jobs, clients=16, on_answer=None):
    """Send every job from `clients` threads, each retrying a job on 503 or no answer; returns every
    answer (retries included) in the order they came."""
    parsed = urlparse(url)
    todo = queue.SimpleQueue()
    for job in jobs:
        todo.put(job)
    answers, lock, failed = [], threading.Lock(), []

    def client():
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        try:
            while True:
                try:
                    key, token, body = todo.get_nowait()
                except queue.Empty:
                    return
                give_up = time.monotonic() + RETRY_FOR
                while True:
                    answer = send(conn, key, token, body)
                    with lock:
                        answers.append(answer)
                        if on_answer:
                            on_answer(answer)
                    if answer.status not in (None, 503) or time.monotonic() > give_up:
                        break
                    time.sleep(RETRY_PAUSE)
        except BaseException as exc:  # a bug here must fail the test, not end a thread quietly
            failed.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        raise failed[0]
    return answers
