#!/usr/bin/env python3
"""Crash safety of `corroborate serve`: clients import generated findings concurrently while the
server is killed with SIGKILL at random moments; after each restart every finding whose
BatchImportFindings was answered 200 (and not listed in FailedFindings) must be stored as sent, and
after the last one a backfill (`corroborate correlate`) must find the incidents consistent with
their evidence (nothing to create, update or withdraw).

  server_kill_test.py --binary build/corroborate --gen-corpus build/bench/gen_corpus [--kills 30]
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
os.environ.setdefault("CORROBORATE_TEST_TIMEOUT", "120")

NOW = "2026-11-25T00:00:00Z"  # just after the generated corpus (bench/corpus.h base time)


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--gen-corpus", required=True)
    p.add_argument("--kills", type=int, default=30)
    p.add_argument("--clients", type=int, default=3)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--seed", type=int, default=11)
    a = p.parse_args()
    os.environ["CORROBORATE_BIN"] = a.binary
    import harness  # after CORROBORATE_BIN is set
    from botocore.exceptions import BotoCoreError, ClientError

    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory(prefix="corroborate-server-kill-") as tmp:
        corpus = os.path.join(tmp, "corpus.ndjson")
        subprocess.run([a.gen_corpus, "--findings", "30000", "--resources", "3000", "--seed",
                        str(a.seed), "--out", corpus], check=True, timeout=300,
                       capture_output=True)
        with open(corpus) as f:
            findings = [json.loads(line) for line in f]
        data = os.path.join(tmp, "data")
        server = harness.ServerProcess("--rate-limit", "0", "--no-access-log", data_dir=data)
        server.args[1:1] = ["--now", NOW]
        acked = {}  # (ProductArn, Id) -> finding as sent
        lock = threading.Lock()
        cursor = [0]

        def take():
            with lock:
                start = cursor[0]
                cursor[0] += a.batch
            return findings[start:start + a.batch]

        def client_loop(stop):
            client = server.client(retries={"mode": "standard", "max_attempts": 1},
                                   connect_timeout=2, read_timeout=30)
            while not stop.is_set():
                batch = take()
                if not batch:
                    return
                try:
                    r = client.batch_import_findings(Findings=batch)
                except (BotoCoreError, ClientError, OSError):
                    continue  # not acknowledged: the server died under it
                failed = {f["Id"] for f in r["FailedFindings"]}
                with lock:
                    for f in batch:
                        if f["Id"] not in failed:
                            acked[(f["ProductArn"], f["Id"])] = f

        kills = 0
        while kills < a.kills and cursor[0] < len(findings):
            server.start()
            stop = threading.Event()
            threads = [threading.Thread(target=client_loop, args=(stop,))
                       for _ in range(a.clients)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.2, 1.2))
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait()
            kills += 1
            stop.set()
            for t in threads:
                t.join(timeout=60)
        # One last clean run: verify through the API, then stop gracefully.
        server.start()
        client = server.client()
        missing = []
        items = list(acked.items())
        for i in range(0, len(items), 20):
            chunk = items[i:i + 20]
            page = client.get_findings(Filters={"Id": [{"Value": f["Id"], "Comparison": "EQUALS"}
                                                       for _, f in chunk]}, MaxResults=100)
            got = {(f["ProductArn"], f["Id"]): f for f in page["Findings"]}
            for key, sent in chunk:
                stored = got.get(key)
                if stored is None or stored["UpdatedAt"][:19] != sent["UpdatedAt"][:19] or \
                        stored["Title"] != sent["Title"]:
                    missing.append(key[1])
        if server.stop() != 0:
            fail("the server did not stop cleanly: " + server.stderr()[-2000:])
        if missing:
            fail("%d acknowledged findings missing or changed after the kills, e.g. %s" %
                 (len(missing), missing[:5]))
        if len(acked) < 1000:
            fail("only %d findings acknowledged: the kills came too early to test much" %
                 len(acked))
        r = subprocess.run([a.binary, "--data-dir", data, "--now", NOW, "correlate", "--quiet"],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0 or "0 incident(s) created, 0 updated, 0 withdrawn" not in r.stdout:
            fail("correlation is not consistent with its evidence after the kills: " +
                 r.stdout + r.stderr)
        server.cleanup()
        print("%d kills of corroborate serve under %d concurrent clients; %d acknowledged "
              "findings, every one stored as sent; correlation consistent" %
              (kills, a.clients, len(acked)))


if __name__ == "__main__":
    main()
