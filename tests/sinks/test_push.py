"""`corroborate push` and `ingest/update --sink securityhub` end to end, with the real binary.

Targets, all on 127.0.0.1 and started here: our own `corroborate serve` (which verifies SigV4,
so a signing mistake fails), moto_server's Security Hub, and small http.server fakes that
throttle or fail. Findings are checked to arrive (by Id, every one), throttling and 5xx to be
retried, an outbox left by a failed push to be resumed by a later process, and bad or missing
credentials to give an error that names the source and never the secret.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from harness import (ACCESS_KEY, ACCOUNT, BIN, PRODUCT, REGION, SECRET_KEY, TIMEOUT,  # noqa: E402
                     JsonHandler, LocalFake, MotoServer, ServerProcess, finding, free_port,
                     now_iso)


class Moto(MotoServer):
    """moto_server with the Security Hub client the push tests read back through."""

    def client(self, service="securityhub"):
        return super().client(service)

    def finding_ids(self):
        ids, token = set(), None
        while True:
            kwargs = {"MaxResults": 100}
            if token:
                kwargs["NextToken"] = token
            page = self.client().get_findings(**kwargs)
            ids.update(f["Id"] for f in page["Findings"])
            token = page.get("NextToken")
            if not token:
                return ids


class ScriptedHub(LocalFake):
    """A fake Security Hub: answers each POST /findings/import with the next scripted status
    (then 200, accepting everything), and records what it accepted."""

    def __init__(self, script, refuse=None):
        self.script = list(script)
        self.refuse = dict(refuse or {})  # Id -> ErrorCode, answered in FailedFindings
        self.requests = []
        self.accepted = []
        hub = self

        class Handler(JsonHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hub.requests.append((self.path, dict(self.headers), body))
                status, headers = hub.script.pop(0) if hub.script else (200, {})
                if status == 200:
                    findings = json.loads(body)["Findings"]
                    failed = [{"Id": f["Id"], "ErrorCode": hub.refuse[f["Id"]],
                               "ErrorMessage": "refused by the scripted hub"}
                              for f in findings if f["Id"] in hub.refuse]
                    hub.accepted.extend(f["Id"] for f in findings if f["Id"] not in hub.refuse)
                    out = {"FailedCount": len(failed),
                           "SuccessCount": len(findings) - len(failed), "FailedFindings": failed}
                else:
                    out = {"__type": "TooManyRequestsException" if status == 429
                           else "InternalException", "message": f"scripted {status}"}
                self.answer(status, out, headers.items())

        self.serve(Handler)


class ChaoticHub(LocalFake):
    """A fake Security Hub that misbehaves at random (seeded): it throttles (429 with
    Retry-After), fails (500, 503), drops the connection without answering, answers slowly, and
    fails some findings of a request it accepts (InternalException in FailedFindings: retryable).
    It records every finding it accepted, so a test can tell exactly-once-in-effect delivery."""

    def __init__(self, seed, slow_seconds=0.3):
        import random
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.accepted = {}  # Id -> times accepted
        self.faults = {"throttled": 0, "failed": 0, "dropped": 0, "answer_lost": 0, "slow": 0,
                       "partial": 0}
        hub = self

        class Handler(JsonHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with hub.lock:
                    roll = hub.rng.random()
                    fail_ids = None
                    if roll < 0.12:
                        hub.faults["throttled"] += 1
                        kind = "throttle"
                    elif roll < 0.22:
                        hub.faults["failed"] += 1
                        kind = "fail"
                    elif roll < 0.32:
                        hub.faults["dropped"] += 1
                        kind = "drop"
                    elif roll < 0.36:  # accepted, then the answer is lost
                        hub.faults["answer_lost"] += 1
                        kind = "drop"
                        for f in json.loads(body)["Findings"]:
                            hub.accepted[f["Id"]] = hub.accepted.get(f["Id"], 0) + 1
                    else:
                        kind = "ok"
                        if roll < 0.40:
                            hub.faults["slow"] += 1
                            time.sleep(slow_seconds)
                        findings = json.loads(body)["Findings"]
                        if hub.rng.random() < 0.3:
                            hub.faults["partial"] += 1
                            fail_ids = {f["Id"] for f in findings if hub.rng.random() < 0.2}
                        else:
                            fail_ids = set()
                        for f in findings:
                            if f["Id"] not in fail_ids:
                                hub.accepted[f["Id"]] = hub.accepted.get(f["Id"], 0) + 1
                if kind == "throttle":
                    return self.answer(429, {"__type": "TooManyRequestsException",
                                             "message": "Rate exceeded"}, [("Retry-After", "0")])
                if kind == "fail":
                    return self.answer(500, {"__type": "InternalException", "message": "oops"})
                if kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return None
                failed = [{"Id": i, "ErrorCode": "InternalException",
                           "ErrorMessage": "try again"} for i in sorted(fail_ids)]
                return self.answer(200, {"FailedCount": len(failed),
                                         "SuccessCount": len(findings) - len(failed),
                                         "FailedFindings": failed})

        self.serve(Handler)


class PushTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="corroborate-push-test-")
        self.data = os.path.join(self.tmp, "data")
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        self.findings_file = os.path.join(self.tmp, "findings.ndjson")
        self.findings = [finding(i, updated_at=now_iso()) for i in range(130)]
        with open(self.findings_file, "w") as f:
            for x in self.findings:
                f.write(json.dumps(x) + "\n")
        self.ids = {f["Id"] for f in self.findings}

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, access_key=ACCESS_KEY, secret_key=SECRET_KEY, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(HOME=self.home, AWS_EC2_METADATA_DISABLED="true", AWS_REGION=REGION)
        if access_key:
            env.update(AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key)
        env.update(extra)
        return env

    def run_cli(self, *args, env=None, check_rc=None):
        p = subprocess.run([BIN, "--data-dir", self.data, *args], capture_output=True, text=True,
                           env=env or self.env(), timeout=TIMEOUT)
        if check_rc is not None:
            self.assertEqual(p.returncode, check_rc, f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def ingest(self, endpoint, *extra, env=None, check_rc=0):
        return self.run_cli("ingest", "--no-builtin-rules", "--sink", "securityhub",
                            "--endpoint-url", endpoint, *extra, self.findings_file, env=env,
                            check_rc=check_rc)

    def pending(self):
        p = self.run_cli("push", "--dry-run", "--endpoint-url", "http://127.0.0.1:9",
                         check_rc=0)
        return int(p.stdout.split(" left in the outbox")[0].rsplit(" ", 1)[1])

    def test_ingest_sink_and_update_reach_our_own_server(self):
        with ServerProcess("--no-builtin-rules", "--rate-limit", "0") as server:
            p = self.ingest(server.endpoint)
            self.assertIn("pushed 130 finding(s) in 2 BatchImportFindings request(s)", p.stdout)
            self.assertIn("0 left in the outbox", p.stdout)
            hub = server.client()
            got = set()
            for page in hub.get_paginator("get_findings").paginate():
                got.update(f["Id"] for f in page["Findings"])
            self.assertEqual(got, self.ids)

            # A workflow change through `update --sink` arrives as BatchUpdateFindings.
            self.run_cli("update", "--no-builtin-rules", "--sink", "securityhub",
                         "--endpoint-url", server.endpoint, "--id", "test-finding-7",
                         "--product-arn", PRODUCT, "--workflow-status", "RESOLVED",
                         "--note", "fixed upstream", "--note-updated-by", "alice", check_rc=0)
            f = hub.get_findings(Filters={"Id": [{"Value": "test-finding-7",
                                                  "Comparison": "EQUALS"}]})["Findings"][0]
            self.assertEqual(f["Workflow"]["Status"], "RESOLVED")
            self.assertEqual(f["Note"]["Text"], "fixed upstream")
            self.assertEqual(self.pending(), 0)

    def test_push_filters_to_moto(self):
        moto = Moto()
        try:
            self.run_cli("ingest", "--no-builtin-rules", "-q", self.findings_file, check_rc=0)
            self.assertEqual(self.pending(), 0)  # no sink: nothing queued
            p = self.run_cli("push", "--endpoint-url", moto.endpoint, "--filters",
                             json.dumps({"Id": [{"Value": "test-finding-1",
                                                 "Comparison": "PREFIX"}]}), check_rc=0)
            expected = {i for i in self.ids if i.startswith("test-finding-1")}
            self.assertIn(f"queued {len(expected)} stored finding(s)", p.stdout)
            self.assertEqual(moto.finding_ids(), expected)
            self.run_cli("push", "--endpoint-url", moto.endpoint, "--filters", "{}", check_rc=0)
            self.assertEqual(moto.finding_ids(), self.ids)
        finally:
            moto.stop()

    def test_throttling_and_5xx_are_retried_honouring_retry_after(self):
        hub = ScriptedHub([(429, {"Retry-After": "1"}), (503, {})])
        try:
            # (That the wait is Retry-After's is checked without waiting in tests/aws.)
            p = self.ingest(hub.endpoint)
            self.assertIn("pushed 130 finding(s)", p.stdout)
            self.assertEqual(len(hub.requests), 4)  # 429, 503, then two batches of 100 + 30
            self.assertEqual(sorted(hub.accepted), sorted(self.ids))
            self.assertEqual(len(hub.accepted), 130)
            path, headers, _ = hub.requests[0]
            self.assertEqual(path, "/findings/import")
            self.assertTrue(headers["Authorization"].startswith(
                f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/"))
            self.assertIn(f"/{REGION}/securityhub/aws4_request", headers["Authorization"])
        finally:
            hub.stop()

    def test_faults_of_every_kind_lose_nothing_and_what_is_pending_is_said(self):
        """Fault injection (docs/reliability.md): every finding arrives, in effect once (a repeat
        of an accepted finding is what Security Hub's UpdatedAt rule makes harmless, and is
        counted), with bounded attempts per run, and a run that gives up says how many are left."""
        self.findings = [finding(i, updated_at=now_iso()) for i in range(1500)]
        with open(self.findings_file, "w") as f:
            for x in self.findings:
                f.write(json.dumps(x) + "\n")
        ids = {f["Id"] for f in self.findings}
        hub = ChaoticHub(seed=20261201)
        try:
            p = self.ingest(hub.endpoint, "--max-attempts", "3", check_rc=None)
            runs = 1
            while p.returncode != 0 and runs < 30:
                # ingest: stored, not all pushed (1); push: could not complete (3).
                self.assertIn(p.returncode, (1, 3), p.stdout + p.stderr)
                self.assertTrue(p.stderr.strip(), "a run that gives up says why")
                left = int(p.stdout.split(" left in the outbox")[0].rsplit(" ", 1)[1])
                self.assertGreater(left, 0)
                p = self.run_cli("push", "--endpoint-url", hub.endpoint, "--max-attempts", "3")
                runs += 1
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("0 left in the outbox", p.stdout)
        finally:
            hub.stop()
        self.assertEqual(set(hub.accepted), ids)
        repeats = sum(n - 1 for n in hub.accepted.values())
        # Repeats only where an accepted request's answer was lost: at most a request's worth
        # (100 findings) each time.
        self.assertLessEqual(repeats, 100 * hub.faults["answer_lost"], hub.faults)
        for kind, n in hub.faults.items():
            self.assertGreater(n, 0, f"no {kind} fault was injected: {hub.faults}")
        self.assertEqual(self.pending(), 0)
        print(f"\nfault injection: {sum(hub.faults.values())} faults {hub.faults} over {runs} "
              f"run(s); {len(ids)} findings delivered, {repeats} sent again", file=sys.stderr)

    def test_outbox_left_by_a_failed_push_is_resumed_by_a_later_process(self):
        down = ScriptedHub([(500, {})] * 10)
        try:
            p = self.ingest(down.endpoint, "--max-attempts", "2", check_rc=1)
            self.assertIn("InternalException", p.stderr)
            self.assertIn("stay in the outbox", p.stderr)
        finally:
            down.stop()
        self.assertEqual(self.pending(), 130)
        moto = Moto()
        try:
            p = self.run_cli("push", "--endpoint-url", moto.endpoint, check_rc=0)
            self.assertIn("pushed 130 finding(s)", p.stdout)
            self.assertEqual(moto.finding_ids(), self.ids)
            self.assertEqual(self.pending(), 0)
        finally:
            moto.stop()

    def test_refused_findings_are_dead_letters_with_aws_error(self):
        hub = ScriptedHub([], refuse={"test-finding-5": "InvalidInput"})
        try:
            p = self.ingest(hub.endpoint, check_rc=1)
            self.assertIn("pushed 129 finding(s)", p.stdout)
            self.assertIn("1 refused (dead letters)", p.stdout)
            self.assertIn("refused: BatchImportFindings test-finding-5", p.stdout)
            self.assertEqual(len(hub.accepted), 129)
            self.assertEqual(self.pending(), 0)
            p = self.run_cli("push", "--dead-letters", check_rc=0)
            line = p.stdout.strip()
            self.assertEqual(len(line.splitlines()), 1)
            self.assertIn(f"BatchImportFindings\t{PRODUCT}\ttest-finding-5\tInvalidInput: "
                          "refused by the scripted hub", line)
        finally:
            hub.stop()

    def test_bad_credentials_give_a_clear_error_and_keep_the_outbox(self):
        wrong_secret = "wrong/secret/for/the/push/test/000000000"
        with ServerProcess("--no-builtin-rules") as server:
            p = self.ingest(server.endpoint, env=self.env(secret_key=wrong_secret), check_rc=1)
            self.assertIn("Security Hub BatchImportFindings at " + server.endpoint, p.stderr)
            self.assertIn("HTTP 403", p.stderr)
            self.assertIn("credentials from environment, access key id " + ACCESS_KEY, p.stderr)
            self.assertNotIn(wrong_secret, p.stderr + p.stdout)
            self.assertEqual(self.pending(), 130)
            # Fixed credentials: the same outbox goes through.
            self.run_cli("push", "--endpoint-url", server.endpoint, check_rc=0)
            self.assertEqual(len(server.client().get_findings(MaxResults=100)["Findings"]), 100)
            self.assertEqual(self.pending(), 0)

    def test_missing_credentials_name_every_source_before_anything_is_stored(self):
        p = self.ingest("http://127.0.0.1:9", env=self.env(access_key=None), check_rc=3)
        for source in ("environment", "web identity", "shared credentials file", "config file",
                       "container endpoint", "IMDS: disabled"):
            self.assertIn(source, p.stderr)
        self.assertEqual(self.pending(), 0)
        p = self.run_cli("findings", "-o", "ndjson", check_rc=0)
        self.assertEqual(p.stdout.strip(), "")  # the misconfiguration stopped it first

    def test_profile_from_the_shared_credentials_file(self):
        creds = os.path.join(self.tmp, "credentials")
        with open(creds, "w") as f:
            f.write(f"[hub]\naws_access_key_id = {ACCESS_KEY}\n"
                    f"aws_secret_access_key = {SECRET_KEY}\n")
        with ServerProcess("--no-builtin-rules") as server:
            env = self.env(access_key="AKIAWRONGENVFAKE", secret_key="wrong",
                           AWS_SHARED_CREDENTIALS_FILE=creds)
            # --profile skips the (wrong) environment keys, as the AWS CLI does.
            p = self.ingest(server.endpoint, "--profile", "hub", env=env)
            self.assertIn("pushed 130 finding(s)", p.stdout)

    def test_serve_with_a_sink_forwards_imports_and_updates(self):
        with ServerProcess("--no-builtin-rules", "--rate-limit", "0") as target:
            env = {k: v for k, v in self.env().items() if k.startswith("AWS_")}
            with ServerProcess("--no-builtin-rules", "--rate-limit", "0", "--sink",
                               "securityhub", "--endpoint-url", target.endpoint,
                               "--push-interval", "1", env=env) as hub:
                batch = self.findings[:40]
                out = hub.client().batch_import_findings(Findings=batch)
                self.assertEqual(out["SuccessCount"], 40)
                hub.client().batch_update_findings(
                    FindingIdentifiers=[{"Id": batch[3]["Id"], "ProductArn": PRODUCT}],
                    Workflow={"Status": "SUPPRESSED"})

                def arrived():
                    got = {}
                    for page in target.client().get_paginator("get_findings").paginate():
                        got.update({f["Id"]: f for f in page["Findings"]})
                    return got

                deadline = time.time() + TIMEOUT
                got = arrived()
                while time.time() < deadline and (
                        len(got) < 40 or got[batch[3]["Id"]]["Workflow"]["Status"] != "SUPPRESSED"):
                    time.sleep(0.2)
                    got = arrived()
                self.assertEqual(set(got), {f["Id"] for f in batch})
                self.assertEqual(got[batch[3]["Id"]]["Workflow"]["Status"], "SUPPRESSED")

    def test_a_restarted_server_resumes_its_outbox(self):
        env = {k: v for k, v in self.env().items() if k.startswith("AWS_")}
        data = os.path.join(self.tmp, "hub-data")
        down = f"http://127.0.0.1:{free_port()}"  # nothing listens: every push fails
        with ServerProcess("--no-builtin-rules", "--rate-limit", "0", "--sink", "securityhub",
                           "--endpoint-url", down, "--max-attempts", "1", "--push-interval", "1",
                           env=env, data_dir=data) as hub:
            out = hub.client().batch_import_findings(Findings=self.findings[:25])
            self.assertEqual(out["SuccessCount"], 25)
            deadline = time.time() + TIMEOUT
            while time.time() < deadline and "push to Security Hub stopped" not in hub.stderr():
                time.sleep(0.2)
            self.assertIn("push to Security Hub stopped", hub.stderr())
        with ServerProcess("--no-builtin-rules", "--rate-limit", "0") as target:
            with ServerProcess("--no-builtin-rules", "--rate-limit", "0", "--sink",
                               "securityhub", "--endpoint-url", target.endpoint,
                               "--push-interval", "1", env=env, data_dir=data):
                deadline = time.time() + TIMEOUT
                got = set()
                while time.time() < deadline and len(got) < 25:
                    time.sleep(0.2)
                    got = {f["Id"] for f in
                           target.client().get_findings(MaxResults=100)["Findings"]}
                self.assertEqual(got, {f["Id"] for f in self.findings[:25]})

    def test_push_help_explains_the_modes(self):
        p = subprocess.run([BIN, "push", "--help"], capture_output=True, text=True,
                           timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0)
        for text in ("drains the outbox", "--filters", "--dry-run", "--endpoint-url",
                     "--profile", "dead letter"):
            self.assertIn(text, p.stdout)


if __name__ == "__main__":
    unittest.main()
