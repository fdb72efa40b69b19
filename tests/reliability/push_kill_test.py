#!/usr/bin/env python3
"""Crash safety of the Security Hub sink's outbox: `corroborate push` is killed with SIGKILL at
random moments, before, during and between its requests to a recording fake Security Hub, at
least --kills times, while new revisions and workflow changes keep being queued. After a last
push that completes:

- every finding stored was delivered, and the newest revision of each was among what arrived (a
  kill never lost the outbox entry of a revision);
- every workflow change queued arrived as BatchUpdateFindings;
- what was sent more than once is bounded by the kills: at most one request's worth (100) a kill,
  since an entry leaves the outbox only after the answer that accepted it (at least once; Security
  Hub's (ProductArn, Id, UpdatedAt) rule makes a repeat change nothing: exactly once in effect);
- the outbox is empty and the store intact.

  push_kill_test.py --binary build/corroborate [--kills 100]
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from harness import JsonHandler, LocalFake  # noqa: E402  (quiet: a killed pusher's reset is expected)


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


class RecordingHub(LocalFake):
    """Accepts every import and update after `delay` seconds, recording what arrived; counts the
    requests received and those still unanswered, so the test can aim its kills."""

    def __init__(self, delay):
        self.lock = threading.Lock()
        self.imports = {}  # Id -> [UpdatedAt, ...] as received
        self.updates = {}  # Id -> [Workflow.Status, ...]
        self.requests = 0
        self.in_flight = 0
        hub = self

        class Handler(JsonHandler):
            def handle_any(self):
                try:
                    raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    body = json.loads(raw)
                except (OSError, ValueError):
                    return  # the pusher was killed while sending: nothing was accepted
                with hub.lock:
                    hub.requests += 1
                    hub.in_flight += 1
                try:
                    time.sleep(delay)
                    with hub.lock:
                        if self.path == "/findings/import":
                            for f in body["Findings"]:
                                hub.imports.setdefault(f["Id"], []).append(f["UpdatedAt"])
                            out = {"FailedCount": 0, "SuccessCount": len(body["Findings"]),
                                   "FailedFindings": []}
                        else:
                            for ident in body["FindingIdentifiers"]:
                                hub.updates.setdefault(ident["Id"], []).append(
                                    body["Workflow"]["Status"])
                            out = {"ProcessedFindings": body["FindingIdentifiers"],
                                   "UnprocessedFindings": []}
                    self.answer(200, out)
                except OSError:
                    pass  # the pusher was killed while waiting for this answer
                finally:
                    with hub.lock:
                        hub.in_flight -= 1

            do_POST = handle_any
            do_PATCH = handle_any

        self.serve(Handler)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--generation", type=int, default=3000,
                   help="findings queued (as new revisions) each time the outbox runs dry")
    p.add_argument("--delay", type=float, default=0.02, help="the hub's time to answer")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    os.environ["CORROBORATE_BIN"] = a.binary
    from harness import ACCESS_KEY, PRODUCT, REGION, SECRET_KEY, finding  # noqa: E402

    rng = random.Random(a.seed)
    hub = RecordingHub(a.delay)
    with tempfile.TemporaryDirectory(prefix="corroborate-push-kill-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(HOME=tmp, AWS_EC2_METADATA_DISABLED="true", AWS_REGION=REGION,
                   AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
        data = os.path.join(tmp, "data")
        unreachable = "http://127.0.0.1:9"  # queue without sending

        def cli(*args, check=None):
            r = subprocess.run([a.binary, "--data-dir", data, *args], capture_output=True,
                               text=True, env=env, timeout=300)
            if check is not None and r.returncode not in check:
                fail(f"{' '.join(args[:2])} exited {r.returncode}: {r.stdout}{r.stderr}")
            return r

        newest = {}  # Id -> UpdatedAt of the newest revision queued
        workflow = {}  # Id -> the status last queued
        generations = [0]

        def queue_generation():
            g = generations[0]
            generations[0] += 1
            stamp = f"2026-11-{10 + g:02d}T00:00:00.000Z"
            path = os.path.join(tmp, f"generation-{g}.ndjson")
            start = (g * a.generation // 2) % (a.generation * 2)  # half new, half new revisions
            ids = range(start, start + a.generation)
            with open(path, "w") as f:
                for i in ids:
                    f.write(json.dumps(finding(i, updated_at=stamp)) + "\n")
            cli("ingest", "--no-builtin-rules", "-q", "--sink", "securityhub", "--endpoint-url",
                unreachable, "--max-attempts", "1", path, check=(1,))
            for i in ids:
                newest[f"test-finding-{i}"] = stamp
            status = "RESOLVED" if g % 2 == 0 else "NOTIFIED"
            chosen = [f"test-finding-{i}" for i in rng.sample(list(ids), 150)]
            for part in (chosen[:100], chosen[100:]):
                body = {"FindingIdentifiers": [{"Id": i, "ProductArn": PRODUCT} for i in part],
                        "Workflow": {"Status": status}}
                cli("update", "--no-builtin-rules", "--sink", "securityhub", "--endpoint-url",
                    unreachable, "--max-attempts", "1", "--cli-input-json", json.dumps(body),
                    check=(0, 1, 3))
                for i in part:
                    workflow[i] = status

        queue_generation()
        kills = mid_request = between = before_first = finished = 0
        started = time.monotonic()
        while kills < a.kills:
            before = hub.requests
            proc = subprocess.Popen([a.binary, "--data-dir", data, "push", "--endpoint-url",
                                     hub.endpoint], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=env, text=True)
            # Aim: after 0-2 requests of this run, somewhere within the next request's life.
            target = rng.randint(0, 2)
            deadline = time.monotonic() + 30
            while hub.requests - before < target and proc.poll() is None:
                if time.monotonic() > deadline:
                    proc.kill()
                    fail("push made no request within 30 s")
                time.sleep(0.001)
            time.sleep(rng.uniform(0, a.delay * 1.5))
            if proc.poll() is None:
                with hub.lock:
                    in_flight = hub.in_flight
                    sent = hub.requests - before
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                if sent == 0:
                    before_first += 1
                elif in_flight:
                    mid_request += 1
                else:
                    between += 1
            else:
                out, err = proc.communicate()
                if proc.returncode != 0:
                    fail(f"push exited {proc.returncode}: {out}{err}")
                finished += 1
                if "0 left in the outbox" in out:
                    queue_generation()

        last = cli("push", "--endpoint-url", hub.endpoint, check=(0,))
        if "0 left in the outbox" not in last.stdout:
            fail("the last push did not empty the outbox: " + last.stdout)
        pending = cli("push", "--dry-run", "--endpoint-url", unreachable, check=(0,))
        if "0 left in the outbox" not in pending.stdout:
            fail("the outbox is not empty: " + pending.stdout)
        hub.stop()

        missing = set(newest) - set(hub.imports)
        if missing:
            fail(f"{len(missing)} finding(s) never delivered, e.g. {sorted(missing)[:3]}")
        stale = [i for i, t in newest.items() if t not in hub.imports[i]]
        if stale:
            fail(f"{len(stale)} finding(s) whose newest revision never arrived, e.g. {stale[:3]}")
        lost_updates = [i for i, s in workflow.items() if s not in hub.updates.get(i, [])]
        if lost_updates:
            fail(f"{len(lost_updates)} workflow change(s) never delivered, e.g. {lost_updates[:3]}")
        deliveries = sum(len(v) for v in hub.imports.values())
        distinct = sum(len(set(v)) for v in hub.imports.values())
        repeats = deliveries - distinct
        if repeats > 100 * kills:
            fail(f"{repeats} repeated deliveries for {kills} kills: more than one request a kill")
        # The store is intact: every finding is there, with its newest revision.
        q = cli("findings", "--output", "json", "--max", "0", check=(0,))
        stored = {f["Id"]: f["UpdatedAt"] for f in json.loads(q.stdout)["Findings"]}
        if {i: stored.get(i) for i in newest} != newest:
            fail("the store does not hold the newest revision of every finding")
        if mid_request < a.kills // 10 or between + before_first < a.kills // 10:
            fail(f"kills landed too one-sidedly to test much: {mid_request} while a request was "
                 f"unanswered, {between} between requests, {before_first} before the first")
        print(f"push kill test: {kills} kills ({mid_request} while a request was unanswered, "
              f"{between} between requests, {before_first} before the first), {finished} pushes "
              f"completed, {generations[0]} generations; {len(newest)} findings and "
              f"{len(workflow)} workflow changes delivered, {repeats} deliveries repeated, none "
              f"lost, outbox empty ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
