"""The event endpoints: EventBridge deliveries (Security Hub findings events, IoT Device Defender
and CloudTrail events) and SNS HTTP subscriptions (confirmation, signature verification,
notifications), against a local HTTP stand-in for SNS. Keys and certificates are made at test
time with openssl; nothing leaves 127.0.0.1."""
import base64
import http.server
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from harness import (ACCOUNT, BEARER, PRODUCT, REGION, SOURCE_DIR, ServerProcess, ServerTestCase,
                     TIMEOUT, finding)

IOT_DATA = os.path.join(SOURCE_DIR, "tests", "iot", "data")
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:device-defender-alerts"


def imported_event(findings):
    return {"version": "0", "id": "0d7ff1c2-2b9f-4d6a-9c55-6a8e0e9d2f11",
            "detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub",
            "account": ACCOUNT, "time": "2026-11-20T10:00:00Z", "region": REGION,
            "resources": [], "detail": {"findings": findings}}


class StandIn:
    """A local stand-in for SNS: serves the signing certificate and counts confirmations."""

    def __init__(self, cert_pem):
        self.confirmations = []
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/cert.pem"):
                    body = cert_pem
                elif self.path.startswith("/confirm"):
                    stand_in.confirmations.append(self.path)
                    body = b"<ConfirmSubscriptionResponse/>"
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Signer:
    def __init__(self, tmp):
        self.key = os.path.join(tmp, "sns-key.pem")
        self.cert = os.path.join(tmp, "sns-cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        self.key, "-out", self.cert, "-days", "1", "-subj", "/CN=sns.test"],
                       check=True, capture_output=True, timeout=TIMEOUT)

    def sign(self, message, version="1"):
        keys = (["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
                if message["Type"] == "Notification" else
                ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"])
        text = "".join(f"{k}\n{message[k]}\n" for k in keys if k in message)
        digest = "-sha1" if version == "1" else "-sha256"
        sig = subprocess.run(["openssl", "dgst", digest, "-sign", self.key], input=text.encode(),
                             capture_output=True, check=True, timeout=TIMEOUT).stdout
        message["SignatureVersion"] = version
        message["Signature"] = base64.b64encode(sig).decode()
        return message


class EventBridgeTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        # --now is a global option: it goes before `serve`.
        cls.server = ServerProcess("--rate-limit", "0", "--iot-account", ACCOUNT, "--iot-region",
                                   REGION)
        i = cls.server.args.index("serve")
        cls.server.args[i:i] = ["--now", "2026-11-23T00:00:00Z"]
        cls.server.start()

    def post(self, body, path="/events/eventbridge"):
        return self.server.raw("POST", path, json.dumps(body) if not isinstance(body, str) else body,
                               {"Content-Type": "application/json"})

    def test_findings_events_single_and_batch_are_stored_and_correlated(self):
        sh = self.server.client()
        # Story 1 of examples/README.md: Inspector's CVEs by BatchImportFindings (awscli), then
        # GuardDuty's backdoor finding arriving as EventBridge events: the incident follows.
        _, out, _ = self.server.aws(
            "batch-import-findings", "--findings",
            f"file://{os.path.join(SOURCE_DIR, 'examples', 'inspector-findings.json')}")
        self.assertEqual(out["FailedCount"], 0)
        with open(os.path.join(SOURCE_DIR, "examples", "guardduty-findings.ndjson")) as f:
            guardduty = [json.loads(line) for line in f if line.strip()]
        status, _, body = self.post(imported_event([guardduty[0]]))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["Findings"]["Created"], 1)
        status, _, body = self.post([imported_event([g]) for g in guardduty[1:]])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["Findings"]["Received"], len(guardduty) - 1)
        incidents = sh.get_findings(Filters={"ProductName": [{"Value": "Corroborate",
                                                              "Comparison": "EQUALS"}]})["Findings"]
        titles = [i["Title"] for i in incidents]
        self.assertTrue(any("i-0a1b2c3d4e5f60718" in t for t in titles), titles)
        incident = next(i for i in incidents if "i-0a1b2c3d4e5f60718" in i["Title"])
        self.assertEqual(incident["Severity"]["Label"], "CRITICAL")
        self.assertGreaterEqual(len(incident["RelatedFindings"]), 2)

    def test_iot_violation_and_cloudtrail_verification(self):
        sh = self.server.client()
        with open(os.path.join(IOT_DATA, "05-violation-in-alarm-ml.sns-message.json")) as f:
            violation = json.load(f)
        status, _, body = self.post({"version": "0", "id": "1", "detail-type": "Device Defender Violation",
                                     "source": "custom.iot", "account": ACCOUNT,
                                     "time": "2026-11-21T00:00:00Z", "region": REGION,
                                     "resources": [], "detail": violation})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["IotMessages"]["Created"], 1)
        with open(os.path.join(IOT_DATA, "09-verification-false-positive.cloudtrail-eventbridge.json")) as f:
            cloudtrail = json.load(f)
        status, _, body = self.post(cloudtrail)
        self.assertEqual(status, 200, body)
        got = sh.get_findings(Filters={"ProductFields": [{"Key": "ViolationId",
                                                          "Value": violation["violationId"],
                                                          "Comparison": "EQUALS"}]})["Findings"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["VerificationState"], "FALSE_POSITIVE")
        self.assertEqual(got[0]["Workflow"]["Status"], "SUPPRESSED")

    def test_unusable_deliveries(self):
        status, hdrs, body = self.post("{not json")
        self.assertEqual(status, 400)
        self.assertEqual(hdrs["x-amzn-errortype"], "InvalidInputException")
        status, _, body = self.post({"version": "0", "id": "2", "detail-type": "EC2 Instance State-change Notification",
                                     "source": "aws.ec2", "detail": {"state": "running"}})
        self.assertEqual(status, 400)
        self.assertIn("carries neither ASFF findings", body["Message"])
        bad = finding(1, Title="")
        status, _, body = self.post([imported_event([bad]), imported_event([finding(2)])])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["Findings"]["Created"] + body["Findings"]["Updated"], 1)
        self.assertEqual(body["FailedCount"], 1)
        self.assertEqual(body["Failures"][0]["Id"], bad["Id"])
        self.assertIn("Title", body["Failures"][0]["ErrorMessage"])
        self.assertIn("[0].detail.findings[0]", body["Failures"][0]["Location"])


class HeldIncidentUpdatesTest(ServerTestCase):
    """An incident's update within a second of its last evaluation is held (CorrelationStage), and
    the server makes it a second after it held it, however busy: here --now stops the findings'
    clock, and the requests that keep the queue busy change nothing to correlate."""

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess("--rate-limit", "0")
        i = cls.server.args.index("serve")
        cls.server.args[i:i] = ["--now", "2026-11-23T00:00:00Z"]
        cls.server.start()

    def test_evidence_that_goes_withdraws_the_incident_within_seconds_under_load(self):
        sh = self.server.client()
        with open(os.path.join(SOURCE_DIR, "examples", "inspector-findings.json")) as f:
            inspector = json.load(f)
        with open(os.path.join(SOURCE_DIR, "examples", "guardduty-findings.ndjson")) as f:
            guardduty = [json.loads(line) for line in f if line.strip()]
        self.assertEqual(sh.batch_import_findings(Findings=inspector)["FailedCount"], 0)
        self.assertEqual(sh.batch_import_findings(Findings=guardduty)["FailedCount"], 0)
        incident_filter = {"ProductName": [{"Value": "Corroborate", "Comparison": "EQUALS"}],
                           "Title": [{"Value": "i-0a1b2c3d4e5f60718", "Comparison": "CONTAINS"}]}
        incidents = sh.get_findings(Filters=incident_filter)["Findings"]
        self.assertEqual([i["RecordState"] for i in incidents], ["ACTIVE"])
        backdoor = next(g for g in guardduty if g["Id"].endswith("bc62a3847f2c6096106d1ec470129517"))
        gone = dict(backdoor, RecordState="ARCHIVED", UpdatedAt="2026-11-22T23:00:00Z")
        sent = time.monotonic()
        self.assertEqual(sh.batch_import_findings(Findings=[gone])["FailedCount"], 0)
        state = sh.get_findings(Filters=incident_filter)["Findings"][0]["RecordState"]
        if time.monotonic() - sent < 0.5:  # read well within the second it is held for
            self.assertEqual(state, "ACTIVE")
        deadline = time.monotonic() + 15
        while state != "ARCHIVED" and time.monotonic() < deadline:
            # Busy all along: re-imports of unchanged findings, nothing to correlate.
            self.assertEqual(sh.batch_import_findings(Findings=inspector)["FailedCount"], 0)
            time.sleep(0.1)
            state = sh.get_findings(Filters=incident_filter)["Findings"][0]["RecordState"]
        self.assertEqual(state, "ARCHIVED")
        self.assertLess(time.monotonic() - sent, 5)


class SnsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="corroborate-sns-test-")
        cls.signer = Signer(cls.tmp)
        with open(cls.signer.cert, "rb") as f:
            cls.stand_in = StandIn(f.read())
        cls.server = ServerProcess("--no-builtin-rules", "--rate-limit", "0",
                                   "--sns-url-prefix", cls.stand_in.base,
                                   "--sns-topic-arn", TOPIC).start()

    @classmethod
    def tearDownClass(cls):
        try:
            assert cls.server.stop() == 0
        finally:
            cls.server.cleanup()
            cls.stand_in.close()

    def message(self, type_, **extra):
        m = {"Type": type_, "MessageId": "5a4e1c5e-3c2d-4b8f-9a1e-0b2c3d4e5f60", "TopicArn": TOPIC,
             "Timestamp": "2026-11-21T00:00:00.000Z",
             "SigningCertURL": self.stand_in.base + "cert.pem"}
        if type_ != "Notification":
            m.update({"Token": "2336412f37fb687f5d51e6e241da92fd",
                      "SubscribeURL": self.stand_in.base + "confirm?Action=ConfirmSubscription"
                                      "&Token=2336412f37fb687f5d51e6e241da92fd",
                      "Message": f"You have chosen to subscribe to the topic {TOPIC}."})
        m.update(extra)
        return m

    def post(self, message, token=BEARER, content_type="text/plain; charset=UTF-8"):
        path = "/events/sns" + (f"?token={urllib.parse.quote(token)}" if token else "")
        return self.server.raw("POST", path, json.dumps(message),
                               {"Content-Type": content_type,
                                "x-amz-sns-message-type": message.get("Type", "")}, sign=False)

    def test_subscription_is_confirmed_after_the_signature_verifies(self):
        before = len(self.stand_in.confirmations)
        status, _, body = self.post(self.signer.sign(self.message("SubscriptionConfirmation"), "1"))
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"Confirmed": True, "TopicArn": TOPIC})
        self.assertEqual(len(self.stand_in.confirmations), before + 1)
        self.assertIn("Token=2336412f37fb687f5d51e6e241da92fd", self.stand_in.confirmations[-1])

    def test_notifications_with_findings_and_device_defender_messages(self):
        sh = self.server.client()
        f = finding(77)
        status, _, body = self.post(self.signer.sign(self.message(
            "Notification", Subject="findings", Message=json.dumps(imported_event([f]))), "2"))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["Findings"]["Created"], 1)
        got = sh.get_findings(Filters={"Id": [{"Value": f["Id"], "Comparison": "EQUALS"}]})
        self.assertEqual(len(got["Findings"]), 1)
        with open(os.path.join(IOT_DATA, "04-violation-in-alarm-rules.sns-message.json")) as m:
            violation = m.read()
        status, _, body = self.post(self.signer.sign(self.message("Notification", Message=violation)))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["IotMessages"]["Created"], 1)
        # Scope from the topic: the region and account of the SNS topic ARN.
        got = sh.get_findings(Filters={"ProductName": [{"Value": "IoT Device Defender - Detect",
                                                        "Comparison": "EQUALS"}]})["Findings"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["AwsAccountId"], ACCOUNT)
        self.assertEqual(got[0]["Region"], REGION)

    def test_unsubscribe_confirmation(self):
        status, _, body = self.post(self.signer.sign(self.message("UnsubscribeConfirmation")))
        self.assertEqual((status, body), (200, {"Unsubscribed": True}))

    def test_refusals(self):
        # A signature that does not verify (message changed after signing).
        m = self.signer.sign(self.message("Notification", Message="{}"))
        m["Message"] = json.dumps(imported_event([finding(78)]))
        status, hdrs, body = self.post(m)
        self.assertEqual(status, 403, body)
        self.assertEqual(hdrs["x-amzn-errortype"], "AccessDeniedException")
        self.assertIn("does not verify", body["Message"])
        # No signature at all.
        status, _, body = self.post(self.message("Notification", Message="{}"))
        self.assertEqual(status, 400, body)
        # Certificates only from SNS: another host is never fetched.
        m = self.message("Notification", Message="{}",
                         SigningCertURL="https://attacker.example.com/cert.pem")
        status, _, body = self.post(self.signer.sign(m))
        self.assertEqual(status, 400, body)
        self.assertIn("not an SNS URL", body["Message"])
        # A signed confirmation whose SubscribeURL is not SNS's is not visited (SSRF).
        before = len(self.stand_in.confirmations)
        m = self.message("SubscriptionConfirmation",
                         SubscribeURL="http://169.254.169.254/latest/meta-data/")
        status, _, body = self.post(self.signer.sign(m))
        self.assertEqual(status, 400, body)
        self.assertIn("not visited", body["Message"])
        self.assertEqual(len(self.stand_in.confirmations), before)
        # A topic not allowed.
        m = self.signer.sign(self.message("Notification", Message="{}",
                                          TopicArn=f"arn:aws:sns:{REGION}:999999999999:other"))
        status, _, body = self.post(m)
        self.assertEqual(status, 403, body)
        self.assertIn("not one this server accepts", body["Message"])
        # No token: SNS requests authenticate with ?token=.
        status, hdrs, _ = self.post(self.signer.sign(self.message("Notification", Message="{}")),
                                    token=None)
        self.assertEqual(status, 403)
        self.assertEqual(hdrs["x-amzn-errortype"], "MissingAuthenticationTokenException")
        # Not a JSON message.
        status, _, body = self.server.raw("POST", f"/events/sns?token={BEARER}", "hello",
                                          {"Content-Type": "text/plain"}, sign=False)
        self.assertEqual(status, 400, body)


if __name__ == "__main__":
    unittest.main()
