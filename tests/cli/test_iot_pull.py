"""`corroborate iot pull` end to end: the real binary against a local fake of the IoT API (moto
has no Device Defender) that serves recorded pages, checks every request's SigV4 signature with
botocore's own signer, and throttles the first call; the store must end up as `iot import-audit`
leaves it from the SNS notice and the page file, and AWS's errors must be said."""
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import unittest
import urllib.parse

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest

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


class FakeIot:
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

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, body, headers=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


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
