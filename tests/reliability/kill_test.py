#!/usr/bin/env python3
"""Crash safety of the embedded store and of correlation, with the real binary.

Runs `corroborate ingest` on chunks of a generated corpus and kills it with SIGKILL at random
moments (at least --kills times). After each kill the next run reopens the store. Checked:
- every finding of a run that exited 0 (acknowledged) is stored, intact (its JSON decodes and
  carries the input's Title and UpdatedAt);
- of a killed run, exactly the findings of its first k batches are stored, for some k: a batch is
  all or nothing, and nothing is half-written;
- the indexes agree with the records (a query on an indexed field returns what filtering the
  whole dump returns);
- correlation is consistent with the evidence: once a run completes after the last kill, a full
  backfill (`corroborate correlate`) finds nothing to create, update or withdraw.
Exit status 0 when everything holds; the first violation is printed and the status is 1.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

NOW = "2026-11-25T00:00:00Z"  # just after the generated corpus (bench/corpus.h base time)


def run(binary, data, *args, timeout=120):
    return subprocess.run([binary, "--data-dir", data, "--now", NOW, *args], capture_output=True,
                          text=True, timeout=timeout)


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def dump(binary, data, filters=None):
    args = ["findings", "--output", "ndjson", "--max", "0"]
    if filters:
        args += ["--filters", json.dumps(filters)]
    r = run(binary, data, *args)
    if r.returncode != 0:
        fail("findings after a kill: exit %d: %s" % (r.returncode, r.stderr))
    out = {}
    for line in r.stdout.splitlines():
        f = json.loads(line)  # a half-written record would not parse
        out[(f["ProductArn"], f["Id"])] = f
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--gen-corpus", required=True)
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--chunk", type=int, default=120, help="findings per ingest run")
    p.add_argument("--batch", type=int, default=20, help="--batch-size of each run")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--verify-every", type=int, default=10)
    a = p.parse_args()
    rng = random.Random(a.seed)

    with tempfile.TemporaryDirectory(prefix="corroborate-kill-") as tmp:
        data = os.path.join(tmp, "data")
        chunks_needed = a.kills * 3 + 20
        corpus = os.path.join(tmp, "corpus.ndjson")
        subprocess.run([a.gen_corpus, "--findings", str(chunks_needed * a.chunk), "--resources",
                        str(chunks_needed * a.chunk // 10), "--seed", str(a.seed), "--out", corpus],
                       check=True, timeout=300)
        with open(corpus) as f:
            lines = f.read().splitlines()
        chunks = []
        for i in range(0, len(lines), a.chunk):
            path = os.path.join(tmp, "chunk-%05d.ndjson" % (i // a.chunk))
            with open(path, "w") as out:
                out.write("\n".join(lines[i:i + a.chunk]) + "\n")
            chunks.append((path, [json.loads(l) for l in lines[i:i + a.chunk]]))

        def ingest(path):
            return [a.binary, "--data-dir", data, "--now", NOW, "ingest", "--quiet",
                    "--batch-size", str(a.batch), path]

        # How long an uninterrupted run takes, and how much of it is starting up (opening the
        # store, loading the rules) before the first batch, to kill within the batches. Both grow
        # with the store and vary with the machine's load, so they are measured again as it goes.
        empty = os.path.join(tmp, "empty.ndjson")
        open(empty, "w").close()

        def timed(command):
            start = time.monotonic()
            r = subprocess.run(command, capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                fail("calibration run: exit %d: %s" % (r.returncode, r.stderr))
            return time.monotonic() - start

        duration = timed(ingest(chunks[0][0]))
        startup = min(timed(ingest(empty)), 0.9 * duration)
        acked = [0]
        killed = []  # chunk indexes
        kills = 0
        next_chunk = 1
        while kills < a.kills:
            if next_chunk >= len(chunks):
                fail("ran out of chunks after %d kills" % kills)
            index = next_chunk
            next_chunk += 1
            proc = subprocess.Popen(ingest(chunks[index][0]), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
            time.sleep(startup + rng.uniform(0, 1.15 * (duration - startup)))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed.append(index)
                kills += 1
            else:
                stderr = proc.stderr.read()
                if proc.returncode != 0:
                    fail("run of chunk %d: exit %d: %s" % (index, proc.returncode, stderr))
                acked.append(index)
            proc.stderr.close()
            if kills % a.verify_every == 0 and proc.returncode == -signal.SIGKILL:
                startup = min(timed(ingest(empty)), 0.9 * duration)
            if kills % a.verify_every == 0 or kills == a.kills:
                verify(a, data, chunks, acked, killed)
        # A run that completes after the last kill, then a backfill with nothing left to do.
        r = subprocess.run(ingest(chunks[next_chunk][0]), capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 0:
            fail("run after the last kill: exit %d: %s" % (r.returncode, r.stderr))
        acked.append(next_chunk)
        verify(a, data, chunks, acked, killed)
        stored = dump(a.binary, data)
        partial = sum(1 for i in killed
                      if 0 < sum((f["ProductArn"], f["Id"]) in stored for f in chunks[i][1]) <
                      len(chunks[i][1]))
        # Kills that all landed before the first batch or after the last would test little.
        if partial < len(killed) // 5:
            fail("only %d of %d kills landed between batches: retime the test" %
                 (partial, len(killed)))
        r = run(a.binary, data, "correlate", "--quiet")
        if r.returncode != 0 or "0 incident(s) created, 0 updated, 0 withdrawn" not in r.stdout:
            fail("correlation is not consistent with its evidence after the crashes: " +
                 r.stdout + r.stderr)
        print("%d kills (%d between batches), %d acknowledged runs, %d findings stored; every "
              "acknowledged finding intact, every killed run whole batches, indexes and "
              "correlation consistent" % (kills, partial, len(acked), len(stored)))


def verify(a, data, chunks, acked, killed):
    stored = dump(a.binary, data)
    for index in acked:
        for f in chunks[index][1]:
            got = stored.get((f["ProductArn"], f["Id"]))
            if got is None:
                fail("acknowledged finding %s of chunk %d is missing" % (f["Id"], index))
            if got["Title"] != f["Title"] or got["UpdatedAt"] < f["UpdatedAt"]:
                fail("acknowledged finding %s is not what was ingested" % f["Id"])
    for index in killed:
        present = [(f["ProductArn"], f["Id"]) in stored for f in chunks[index][1]]
        k = sum(present)
        # The first k findings exactly, k a whole number of batches (or the whole chunk): the
        # corpus has no repeated identity within a chunk, so each stored one is from its batch.
        if present != [True] * k + [False] * (len(present) - k):
            fail("killed run of chunk %d left findings that are not its first batches" % index)
        if k % a.batch != 0 and k != len(present):
            fail("killed run of chunk %d left %d findings: not whole batches of %d" %
                 (index, k, a.batch))
    # The ProductName index against the records.
    products = {f.get("ProductName") for f in stored.values()}
    for product in sorted(p for p in products if p)[:3]:
        indexed = dump(a.binary, data, {"ProductName": [{"Value": product, "Comparison": "EQUALS"}]})
        expected = {k for k, f in stored.items() if f.get("ProductName") == product}
        if set(indexed) != expected:
            fail("the ProductName index disagrees with the records for %s" % product)


if __name__ == "__main__":
    main()
