"""`corroborate iot pull` end to end: the real binary against a local fake of the IoT API (moto
has no Device Defender) that serves recorded pages, checks every request's SigV4 signature with
botocore's own signer, and throttles the first call; the store must end up as `iot import-audit`
leaves it from the SNS notice and the page file, and AWS's errors must be said."""
import json
import os
import random
import shutil
import socket
import sys
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from harness import JsonHandler, LocalFake  # noqa: E402

BIN = os.environ.get("CORROBORATE_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "corroborate")
DATA = os.path.join(os.path.dirname(__file__), "..", "iot", "data")
TIMEOUT = float(os.environ.get("CORROBORATE_TEST_TIMEOUT", "60"))
ACCESS_KEY, SECRET_KEY = "AKIAIOTPULLTEST00001", "iot/pull/test/secret/key/not/a/real/one0"
ACCOUNT, REGION = "111122223333", "eu-west-1"
TASK = "9f2c1b7e4d8a4c0f8e61a3b5d7c9e012"
NOW = "2026-11-23T00:00:00Z"


def load(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def describe_response():
    """The reference notice as DescribeAuditTask answers it: details by check, statistics apart."""
    notice = load("01-audit-complete.sns-message.json")
    details = {}
    for d in notice["auditDetails"]:
        d = dict(d)
        details[d.pop("checkName")] = d
    return {"taskStatus": notice["taskStatus"], "taskType": notice["taskType"],
            "taskStartTime": notice["taskStartTime"],
            "scheduledAuditName": notice["scheduledAuditName"],
            "taskStatistics": {"totalChecks": notice["totalChecksCount"],
                               "compliantChecks": notice["compliantChecksCount"],
                               "nonCompliantChecks": notice["nonCompliantChecksCount"],
                               "failedChecks": notice["failedChecksCount"],
                               "canceledChecks": notice["canceledChecksCount"]},
            "auditDetails": details}


class FakeIot(LocalFake):
    def __init__(self, deny=False):
        page = load("03-list-audit-findings.page.json")["findings"]
        self.pages = {"": {"findings": page[:2], "nextToken": "p2"},
                      "p2": {"findings": page[2:]}}
        self.violations = {"": {"activeViolations": [{
            "violationId": "live-1", "thingName": "pump-017", "securityProfileName": "PumpBaseline",
            "behavior": {"name": "MessagesSent-High", "metric": "aws:num-messages-sent",
                         "criteria": {"comparisonOperator": "greater-than",
                                      "value": {"count": 100}, "durationSeconds": 300}},
            "lastViolationValue": {"count": 4120}, "lastViolationTime": 1795340100}]}}
        self.calls = []
        self.bad_signatures = []
        self.throttle_next = True
        fake = self

        class Handler(JsonHandler):
            def verify(self, body):
                # Recompute the signature with botocore for what arrived.
                auth = self.headers.get("Authorization", "")
                url = f"http://{self.headers['Host']}{self.path}"
                request = AWSRequest(method=self.command, url=url, data=body,
                                     headers={"Host": self.headers["Host"],
                                              "Content-Type": self.headers.get("Content-Type"),
                                              "X-Amz-Date": self.headers["X-Amz-Date"]})
                creds = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY)
                signer = botocore.auth.SigV4Auth(creds, "iot", REGION)
                request.context["timestamp"] = self.headers["X-Amz-Date"]
                signer.add_auth(request)
                expected = request.headers["Authorization"].split("Signature=")[1]
                if auth.split("Signature=")[-1] != expected:
                    fake.bad_signatures.append(self.path)

            def handle_call(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.verify(body)
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                fake.calls.append((self.command, url.path, query, body))
                if deny:
                    return self.answer(403, {"message": "User is not authorized to perform: "
                                                        "iot:DescribeAuditTask"},
                                       [("x-amzn-ErrorType", "AccessDeniedException")])
                if fake.throttle_next:
                    fake.throttle_next = False
                    return self.answer(429, {"message": "Rate exceeded"},
                                       [("x-amzn-ErrorType", "ThrottlingException"),
                                        ("Retry-After", "0")])
                if self.command == "GET" and url.path == f"/audit/tasks/{TASK}":
                    return self.answer(200, describe_response())
                if self.command == "POST" and url.path == "/audit/findings":
                    request = json.loads(body)
                    assert request["taskId"] == TASK and request["listSuppressedFindings"] is True
                    return self.answer(200, fake.pages[request.get("nextToken", "")])
                if self.command == "GET" and url.path == "/active-violations":
                    return self.answer(200, fake.violations[query.get("nextToken", "")])
                return self.answer(404, {"message": "no such route " + url.path},
                                   [("x-amzn-ErrorType", "ResourceNotFoundException")])

            do_GET = handle_call
            do_POST = handle_call

        self.serve(Handler)


OLD_TASK, NEW_TASK = "0ld0ld0ld0ld0ld0ld0ld0ld0ld0ld01", "4ew4ew4ew4ew4ew4ew4ew4ew4ew4ew01"
OLD_START, NEW_START = 1795248000, 1795334400


def shared_certificate_audit(task, start, certificates):
    """DescribeAuditTask's answer and the ListAuditFindings findings of an audit whose one check,
    DEVICE_CERTIFICATE_SHARED_CHECK, finds each of `certificates` shared."""
    findings = [{
        "findingId": f"{task[:8]}-{n:04d}-4000-8000-{n:012d}", "taskId": task,
        "checkName": "DEVICE_CERTIFICATE_SHARED_CHECK", "taskStartTime": start,
        "findingTime": start + 600, "severity": "CRITICAL",
        "nonCompliantResource": {"resourceType": "DEVICE_CERTIFICATE", "resourceIdentifier": {
            "deviceCertificateId": f"{n:064x}"}},
        "reasonForNonCompliance": "Certificate shared by two or more client ids",
        "reasonForNonComplianceCode": "CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES",
        "isSuppressed": False} for n in certificates]
    describe = {"taskStatus": "COMPLETED", "taskType": "SCHEDULED_AUDIT_TASK",
                "taskStartTime": start, "scheduledAuditName": "DailyFleetAudit",
                "taskStatistics": {"totalChecks": 1, "compliantChecks": 0,
                                   "nonCompliantChecks": 1, "failedChecks": 0,
                                   "canceledChecks": 0},
                "auditDetails": {"DEVICE_CERTIFICATE_SHARED_CHECK": {
                    "checkRunStatus": "COMPLETED_NON_COMPLIANT",
                    "nonCompliantResourcesCount": len(findings),
                    "totalResourcesCount": 5000, "suppressedNonCompliantResourcesCount": 0}}}
    return describe, findings


class ChaoticIot(LocalFake):
    """A fake IoT API serving two audits (25 findings a page) and 150 active violations (50 a
    page) that misbehaves at random, seeded: throttles (429, Retry-After), fails (500, 503),
    drops the connection without answering, answers slowly, and answers 200 with a truncated
    page (which no retry may paper over: the pull must stop and say which page). Requests 12-14
    fail whatever the dice say: an outage the first run cannot outlast, between audit pages."""

    def __init__(self, seed, chaos=True):
        self.rng = random.Random(seed)
        self.faults = {"throttled": 0, "failed": 0, "dropped": 0, "slow": 0, "truncated": 0}
        self.requests = 0
        self.audits = {OLD_TASK: shared_certificate_audit(OLD_TASK, OLD_START, range(0, 40)),
                       NEW_TASK: shared_certificate_audit(NEW_TASK, NEW_START, range(20, 620))}
        violations = [{
            "violationId": f"chaos-{n}", "thingName": f"pump-{n:03d}",
            "securityProfileName": "PumpBaseline",
            "behavior": {"name": "MessagesSent-High", "metric": "aws:num-messages-sent",
                         "criteria": {"comparisonOperator": "greater-than",
                                      "value": {"count": 100}, "durationSeconds": 300}},
            "lastViolationValue": {"count": 4000 + n},
            "lastViolationTime": NEW_START + n} for n in range(150)]
        fake = self

        def page(items, token, size):
            start = int(token or 0)
            out = items[start:start + size]
            return out, (str(start + size) if start + size < len(items) else None)

        class Handler(JsonHandler):
            def handle_call(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                fake.requests += 1
                roll = fake.rng.random() if chaos else 1.0
                if chaos and 12 <= fake.requests <= 14:
                    roll = 0.14  # an outage the 3 attempts do not outlast, mid-audit: a 503
                if roll < 0.10:
                    fake.faults["throttled"] += 1
                    return self.answer(429, {"message": "Rate exceeded"},
                                       [("x-amzn-ErrorType", "ThrottlingException"),
                                        ("Retry-After", "0")])
                if roll < 0.16:
                    fake.faults["failed"] += 1
                    return self.answer(500 if roll < 0.13 else 503, {"message": "oops"},
                                       [("x-amzn-ErrorType", "InternalFailureException")])
                if roll < 0.23:
                    fake.faults["dropped"] += 1
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return None
                if roll < 0.28:
                    fake.faults["slow"] += 1
                    time.sleep(0.3)
                truncate = chaos and roll > 0.985
                if self.command == "GET" and url.path.startswith("/audit/tasks/"):
                    reply = fake.audits[url.path.rsplit("/", 1)[1]][0]
                elif self.command == "POST" and url.path == "/audit/findings":
                    request = json.loads(body)
                    items, token = page(fake.audits[request["taskId"]][1],
                                        request.get("nextToken"), 25)
                    reply = {"findings": items}
                    if token:
                        reply["nextToken"] = token
                elif self.command == "GET" and url.path == "/active-violations":
                    items, token = page(violations, query.get("nextToken"), 50)
                    reply = {"activeViolations": items}
                    if token:
                        reply["nextToken"] = token
                else:
                    return self.answer(404, {"message": "no such route " + url.path},
                                       [("x-amzn-ErrorType", "ResourceNotFoundException")])
                if truncate:
                    fake.faults["truncated"] += 1
                    return self.answer(200, json.dumps(reply).encode()[:40])
                return self.answer(200, reply)

            do_GET = handle_call
            do_POST = handle_call

        self.serve(Handler)


class IotPullTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="corroborate-iot-pull-")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                        AWS_EC2_METADATA_DISABLED="true", HOME=self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cli(self, data, *args):
        return subprocess.run([BIN, "--data-dir", os.path.join(self.tmp, data), "--now", NOW,
                               *args], capture_output=True, text=True, env=self.env,
                              timeout=TIMEOUT)

    def stored(self, data):
        p = self.cli(data, "findings", "--output", "ndjson", "--max", "0")
        self.assertEqual(p.returncode, 0, p.stderr)
        return sorted((f["Id"], f["RecordState"], f["Compliance"]["Status"],
                       f.get("Workflow", {}).get("Status"), f["Title"])
                      for f in map(json.loads, p.stdout.splitlines()))

    def test_an_audit_and_the_active_violations_pulled_page_by_page(self):
        fake = FakeIot()
        try:
            p = self.cli("pulled", "iot", "pull", "--account", ACCOUNT, "--region", REGION,
                         "--endpoint-url", fake.endpoint, "--task-id", TASK,
                         "--active-violations", "--no-builtin-rules")
        finally:
            fake.stop()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(fake.bad_signatures, [])
        paths = [(c[0], c[1], c[2].get("nextToken")) for c in fake.calls]
        self.assertEqual(paths, [("GET", f"/audit/tasks/{TASK}", None),  # throttled, retried
                                 ("GET", f"/audit/tasks/{TASK}", None),
                                 ("POST", "/audit/findings", None),
                                 ("POST", "/audit/findings", None),
                                 ("GET", "/active-violations", None)])
        self.assertEqual(json.loads(fake.calls[3][3])["nextToken"], "p2")
        self.assertIn("4 audit finding(s), 1 violation(s)", p.stdout)
        pulled = self.stored("pulled")
        # The same audit from the SNS notice and page file, as import-audit reads them.
        q = self.cli("imported", "iot", "import-audit", "--region", REGION, "--no-builtin-rules",
                     os.path.join(DATA, "01-audit-complete.sns-message.json"),
                     os.path.join(DATA, "03-list-audit-findings.page.json"))
        self.assertEqual(q.returncode, 0, q.stdout + q.stderr)
        audit = [f for f in pulled if ":audit/" in f[0]]
        self.assertEqual(audit, self.stored("imported"))
        self.assertEqual(len(audit), 4)
        [violation] = [f for f in pulled if ":audit/" not in f[0]]
        self.assertEqual(violation[1:3], ("ACTIVE", "FAILED"))
        self.assertTrue(violation[0].endswith(":detect/violation/live-1"), violation)

    def test_faults_of_every_kind_lose_nothing_and_a_partial_pull_settles_nothing(self):
        """Fault injection (docs/reliability.md): runs with bounded attempts (--max-attempts 3)
        are repeated until one completes. A run that gives up exits 3 naming the call and page;
        before an audit's last page has been read nothing of the earlier audit is archived; the
        store the faults leave equals the one a fault-free pull of the same API leaves (every
        finding once, by its stable Id)."""
        def pull(data, fake, task):
            return self.cli(data, "iot", "pull", "--account", ACCOUNT, "--region", REGION,
                            "--endpoint-url", fake.endpoint, "--task-id", task,
                            "--active-violations", "--no-builtin-rules", "--max-attempts", "3")

        def archived(data):
            return sum(1 for f in self.stored(data) if f[1] == "ARCHIVED")

        calm = ChaoticIot(seed=0, chaos=False)
        try:
            for task in (OLD_TASK, NEW_TASK):
                p = pull("calm", calm, task)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            p = pull("chaos", calm, OLD_TASK)  # the earlier audit, stored before the faults
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        finally:
            calm.stop()
        self.assertEqual(archived("calm"), 20)  # certificates 0-19: no longer reported

        fake = ChaoticIot(seed=int(os.environ.get("CORROBORATE_CHAOS_SEED", "20261201")))
        runs, gave_up = 0, []
        try:
            while True:
                runs += 1
                p = pull("chaos", fake, NEW_TASK)
                if p.returncode == 0:
                    break
                self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
                what = p.stderr.strip()
                self.assertRegex(what, r"(DescribeAuditTask|ListAuditFindings page \d+|"
                                       r"ListActiveViolations page \d+)")
                gave_up.append(what)
                if "ListActiveViolations" not in what:
                    self.assertEqual(archived("chaos"), 0, "a partial audit pull settled: " + what)
                self.assertLess(runs, 40, "the pull never completed: " + what)
        finally:
            fake.stop()
        self.assertEqual(self.stored("chaos"), self.stored("calm"))
        self.assertEqual(archived("chaos"), 20)
        self.assertTrue(any("ListAuditFindings page" in g for g in gave_up),
                        f"no run gave up between an audit's pages: {gave_up}")
        for kind, n in fake.faults.items():
            self.assertGreater(n, 0, f"no {kind} fault was injected: {fake.faults}")
        print(f"\niot pull fault injection: {sum(fake.faults.values())} faults {fake.faults} "
              f"in {fake.requests} requests over {runs} run(s), {len(gave_up)} gave up; store "
              f"equal to a fault-free pull's ({len(self.stored('calm'))} findings)",
              file=sys.stderr)

    def test_what_aws_refuses_is_said_with_the_credentials_used(self):
        fake = FakeIot(deny=True)
        try:
            p = self.cli("denied", "iot", "pull", "--account", ACCOUNT, "--region", REGION,
                         "--endpoint-url", fake.endpoint, "--task-id", TASK)
        finally:
            fake.stop()
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertIn("IoT DescribeAuditTask", p.stderr)
        self.assertIn("HTTP 403 AccessDeniedException", p.stderr)
        self.assertIn("iot:DescribeAuditTask", p.stderr)
        self.assertIn(ACCESS_KEY, p.stderr)
        self.assertNotIn(SECRET_KEY, p.stderr + p.stdout)

    def test_usage_errors(self):
        p = self.cli("usage", "iot", "pull", "--region", REGION)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--task-id", p.stderr)
        p = self.cli("usage", "iot", "pull", "--region", REGION, "--task-id", TASK)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--account is needed", p.stderr)
        env = dict(self.env)
        env.pop("AWS_ACCESS_KEY_ID")
        env.pop("AWS_SECRET_ACCESS_KEY")
        p = subprocess.run([BIN, "--data-dir", os.path.join(self.tmp, "x"), "iot", "pull",
                            "--region", REGION, "--active-violations"], capture_output=True,
                           text=True, env=env, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 3)
        self.assertIn("environment", p.stderr)


if __name__ == "__main__":
    unittest.main()
