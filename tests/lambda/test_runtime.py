"""`corroborate lambda` against a local Runtime API (fake_runtime_api.py, 127.0.0.1 only): the loop
serves several invocations, posts responses and errors in Lambda's shapes, reports init errors,
survives handler failures, respects the deadline header, and what it stores is what
`corroborate findings` then reads from the data directory."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from fake_runtime_api import FakeRuntimeApi

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
import test_iot_pull  # noqa: E402  (its fake IoT API, which checks each signature with botocore)

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("CORROBORATE_BIN", os.path.join(SOURCE_DIR, "build", "corroborate"))
IOT_DATA = os.path.join(SOURCE_DIR, "tests", "iot", "data")
TIMEOUT = 120
ACCOUNT = "111122223333"
PRODUCT = f"arn:aws:securityhub:eu-west-1:{ACCOUNT}:product/{ACCOUNT}/default"
NOW = "2026-11-23T00:00:00Z"  # just after the examples, so rule windows hold them


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def finding(fid, title="A finding"):
    return {"SchemaVersion": "2018-10-08", "Id": fid, "ProductArn": PRODUCT, "GeneratorId": "gen",
            "AwsAccountId": ACCOUNT,
            "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
            "CreatedAt": "2026-11-20T00:00:00Z", "UpdatedAt": "2026-11-20T00:00:00Z",
            "Severity": {"Label": "HIGH"}, "Title": title, "Description": "d",
            "Resources": [{"Type": "AwsEc2Instance",
                           "Id": f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0123456789abcdef0"}]}


def imported_event(findings):
    return {"version": "0", "id": "e1", "detail-type": "Security Hub Findings - Imported",
            "source": "aws.securityhub", "account": ACCOUNT, "region": "eu-west-1",
            "time": "2026-11-20T00:00:00Z", "resources": [], "detail": {"findings": findings}}


def lambda_sns(message, topic=f"arn:aws:sns:eu-west-1:{ACCOUNT}:device-defender"):
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "Sns": {"Type": "Notification", "TopicArn": topic, "Message": message}}]}


class LambdaRuntimeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="corroborate-lambda-test-")
        self.data = os.path.join(self.tmp, "data")
        self.api = FakeRuntimeApi()

    def tearDown(self):
        self.api.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_lambda(self, *args, env=None):
        e = {k: v for k, v in os.environ.items() if not k.startswith("CORROBORATE_")}
        e.update({"AWS_LAMBDA_RUNTIME_API": self.api.address, "CORROBORATE_DATA_DIR": self.data,
                  "CORROBORATE_NOW": NOW})
        e.update(env or {})
        return subprocess.run([BIN, "lambda", *args], env=e, capture_output=True, text=True,
                              timeout=TIMEOUT)

    def stored(self):
        out = subprocess.run([BIN, "--data-dir", self.data, "--now", NOW, "findings", "--max",
                              "0", "-o", "ndjson"], capture_output=True, text=True,
                             timeout=TIMEOUT, check=True).stdout
        return {f["Id"]: f for f in map(json.loads, out.splitlines())}

    def expect(self, request_id, kind):
        result = self.api.result(request_id)
        self.assertIsNotNone(result, f"nothing posted for {request_id}")
        self.assertEqual(result[0], kind, result)
        return result[1], result[2]

    def test_events_of_each_kind_are_stored_and_failures_do_not_stop_the_loop(self):
        violation = read(os.path.join(IOT_DATA, "05-violation-in-alarm-ml.sns-message.json"))
        verification = read(os.path.join(IOT_DATA,
                                          "09-verification-false-positive.cloudtrail-eventbridge.json"))
        self.api.add(imported_event([finding("sh-1"), finding("sh-2")]), "r-securityhub")
        self.api.add(lambda_sns(violation), "r-sns")
        self.api.add({"detail-type": "EC2 Instance State-change Notification",
                      "source": "aws.ec2", "detail": {}}, "r-unsupported")
        self.api.add("{not json", "r-not-json")
        self.api.add(verification, "r-cloudtrail")
        self.api.add({"Findings": [finding("direct-good"), finding("direct-bad", "x" * 300)]},
                     "r-batch")
        p = self.run_lambda("--max-invocations", "6")
        self.assertEqual(p.returncode, 0, p.stderr)

        body, _ = self.expect("r-securityhub", "response")
        self.assertEqual((body["Event"], body["SuccessCount"], body["FailedCount"]),
                         ("SecurityHubFindings", 2, 0))
        body, _ = self.expect("r-sns", "response")
        self.assertEqual(body["Event"], "SnsNotification")
        self.assertEqual(body["IotMessages"]["Created"], 1)
        body, headers = self.expect("r-unsupported", "error")
        self.assertEqual(set(body), {"errorMessage", "errorType", "stackTrace"})
        self.assertEqual(body["errorType"], "Corroborate.UnsupportedEvent")
        self.assertEqual(headers["lambda-runtime-function-error-type"],
                         "Corroborate.UnsupportedEvent")
        self.assertIn("EC2 Instance State-change Notification", body["errorMessage"])
        self.assertIn("Security Hub Findings - Imported", body["errorMessage"])
        body, _ = self.expect("r-not-json", "error")
        self.assertEqual(body["errorType"], "Corroborate.InvalidInput")
        body, _ = self.expect("r-cloudtrail", "response")
        self.assertEqual(body["Event"], "CloudTrailVerificationState")
        body, _ = self.expect("r-batch", "response")
        self.assertEqual((body["SuccessCount"], body["FailedCount"]), (1, 1))
        self.assertEqual(len(body["FailedFindings"]), 1)
        failed = body["FailedFindings"][0]
        self.assertEqual((failed["Id"], failed["ErrorCode"]), ("direct-bad", "InvalidInput"))
        self.assertIn("Title", failed["ErrorMessage"])

        stored = self.stored()
        for fid in ("sh-1", "sh-2", "direct-good"):
            self.assertIn(fid, stored)
        self.assertNotIn("direct-bad", stored)
        violations = [f for f in stored.values() if "detect/" in f["Id"]]
        self.assertEqual(len(violations), 1, list(stored))
        # The region and account came from the topic; the operator's FALSE_POSITIVE suppressed it.
        self.assertIn(f"arn:aws:iot:eu-west-1:{ACCOUNT}:thing/pump-017",
                      [r["Id"] for r in violations[0]["Resources"]])
        self.assertEqual(violations[0]["Workflow"]["Status"], "SUPPRESSED")
        # Every invocation is logged as one JSON line, without the payload.
        lines = [json.loads(l) for l in p.stderr.splitlines() if '"requestId"' in l]
        self.assertEqual([l["requestId"] for l in lines],
                         ["r-securityhub", "r-sns", "r-unsupported", "r-not-json", "r-cloudtrail",
                          "r-batch"])
        self.assertNotIn("pump-017", p.stderr)

    def test_an_audit_notice_is_completed_from_the_iot_api_with_the_functions_credentials(self):
        iot = test_iot_pull.FakeIot()
        try:
            self.api.add(json.loads(read(os.path.join(IOT_DATA,
                                                       "02-audit-complete.lambda-sns-event.json"))),
                         "r-notice")
            p = self.run_lambda("--max-invocations", "1", "--no-builtin-rules", env={
                "AWS_ACCESS_KEY_ID": test_iot_pull.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": test_iot_pull.SECRET_KEY,
                "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_IOT": iot.endpoint,
                "AWS_EC2_METADATA_DISABLED": "true"})
        finally:
            iot.stop()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(iot.bad_signatures, [])
        self.assertEqual([(c[0], c[1]) for c in iot.calls],
                         [("GET", f"/audit/tasks/{test_iot_pull.TASK}")] * 2 +  # throttled once
                         [("POST", "/audit/findings")] * 2)
        body, _ = self.expect("r-notice", "response")
        self.assertEqual(body["FailedFindings"], [])  # no check waits for its findings now
        self.assertIn(f"audit task {test_iot_pull.TASK}: pulled from the IoT API, 4 finding(s) in "
                      "2 ListAuditFindings page(s)", body["Info"])
        audit = [f for f in self.stored().values() if ":audit/" in f["Id"]]
        self.assertEqual(len(audit), 4)
        self.assertNotIn(test_iot_pull.SECRET_KEY, p.stderr)

    def test_an_invocation_past_its_deadline_is_an_error_and_stores_nothing(self):
        self.api.add(imported_event([finding("too-late")]), "r-late", deadline_in_ms=-1000)
        self.api.add(imported_event([finding("in-time")]), "r-ok", deadline_in_ms=60_000)
        p = self.run_lambda("--max-invocations", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        body, headers = self.expect("r-late", "error")
        self.assertEqual(body["errorType"], "Corroborate.DeadlineExceeded")
        self.assertEqual(headers["lambda-runtime-function-error-type"],
                         "Corroborate.DeadlineExceeded")
        self.expect("r-ok", "response")
        stored = self.stored()
        self.assertIn("in-time", stored)
        self.assertNotIn("too-late", stored)

    def test_the_deadline_margin_is_configurable(self):
        self.api.add(imported_event([finding("tight")]), "r-tight", deadline_in_ms=20_000)
        p = self.run_lambda("--max-invocations", "1",
                            env={"CORROBORATE_DEADLINE_MARGIN_MS": "30000"})
        self.assertEqual(p.returncode, 0, p.stderr)
        body, _ = self.expect("r-tight", "error")
        self.assertEqual(body["errorType"], "Corroborate.DeadlineExceeded")
        self.assertIn("30000 ms", body["errorMessage"])

    def test_a_store_that_cannot_open_is_an_init_error(self):
        with open(os.path.join(self.tmp, "a-file"), "w") as f:
            f.write("not a directory")
        self.data = os.path.join(self.tmp, "a-file")
        self.api.add(imported_event([finding("x")]), "r-never")
        p = self.run_lambda()
        self.assertEqual(p.returncode, 3, p.stderr)
        errors = self.api.init_errors()
        self.assertEqual(len(errors), 1)
        body, headers = errors[0]
        self.assertEqual(set(body), {"errorMessage", "errorType", "stackTrace"})
        self.assertEqual(body["errorType"], "Corroborate.InitError")
        self.assertEqual(headers["lambda-runtime-function-error-type"], "Corroborate.InitError")
        self.assertIn("a-file", body["errorMessage"])
        self.assertEqual(self.api.nexts, 0, "no invocation is taken after a failed init")

    def test_a_refused_rule_is_an_init_error(self):
        rules = os.path.join(self.tmp, "bad-rule.yaml")
        with open(rules, "w") as f:
            f.write("rules:\n  - id: broken\n    conditions: 12\n")
        p = self.run_lambda(env={"CORROBORATE_RULES": rules})
        self.assertEqual(p.returncode, 3, p.stderr)
        errors = self.api.init_errors()
        self.assertEqual(len(errors), 1, p.stderr)
        self.assertIn("bad-rule.yaml", errors[0][0]["errorMessage"])

    def test_the_process_exits_when_the_runtime_api_fails(self):
        self.api.add(imported_event([finding("only")]), "r-only")
        p = self.run_lambda()  # no --max-invocations: the second next gets a 500
        self.assertEqual(p.returncode, 3, p.stderr)
        self.expect("r-only", "response")
        self.assertEqual(self.api.nexts, 2)
        self.assertIn("HTTP 500", p.stderr)
        self.assertIn("only", self.stored())

    def test_without_a_runtime_api_it_is_a_usage_error(self):
        e = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_RUNTIME_API"}
        p = subprocess.run([BIN, "lambda"], env=e, capture_output=True, text=True,
                           timeout=TIMEOUT)
        self.assertEqual(p.returncode, 2)
        self.assertIn("AWS_LAMBDA_RUNTIME_API", p.stderr)


if __name__ == "__main__":
    unittest.main()
