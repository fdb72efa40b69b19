"""Authentication (SigV4 as awscli and boto3 sign, bearer tokens), its failures, and the
per-client rate limit that AWS clients back off from."""
import datetime
import http.client
import json
import os
import ssl
import subprocess
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError

from harness import (ACCESS_KEY, BEARER, OTHER_KEY, OTHER_SECRET, REGION, SECRET_KEY,
                     ServerProcess, ServerTestCase, TIMEOUT, finding)


class AuthTest(ServerTestCase):
    ARGS = ("--no-builtin-rules", "--rate-limit", "0")

    def test_signed_requests_from_both_configured_keys(self):
        self.assertIn("Findings", self.server.client().get_findings(MaxResults=1))
        other = self.server.client(access_key=OTHER_KEY, secret_key=OTHER_SECRET)
        self.assertIn("Findings", other.get_findings(MaxResults=1))

    def test_unsigned_request(self):
        status, hdrs, body = self.server.raw("POST", "/findings", "{}",
                                             {"Content-Type": "application/json"}, sign=False)
        self.assertEqual(status, 403)
        self.assertEqual(hdrs["x-amzn-errortype"], "MissingAuthenticationTokenException")
        self.assertIn("SigV4", body["Message"])

    def test_wrong_secret(self):
        sh = self.server.client(secret_key="not-the-secret")
        err = self.assertError(lambda: sh.get_findings(), "InvalidSignatureException", 403)
        self.assertIn("signature we calculated does not match", err["Error"]["Message"])
        self.assertNotIn("not-the-secret", err["Error"]["Message"])

    def test_unknown_access_key(self):
        sh = self.server.client(access_key="AKIAUNKNOWNUNKNOWN00")
        self.assertError(lambda: sh.get_findings(), "UnrecognizedClientException", 403)

    def test_awscli_with_a_wrong_secret_fails(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY="wrong",
                   AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        p = subprocess.run(["aws", "securityhub", "get-findings", "--endpoint-url",
                            self.server.endpoint], env=env, capture_output=True, text=True,
                           timeout=TIMEOUT)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("InvalidSignatureException", p.stderr)

    def test_skewed_or_replayed_request(self):
        for minutes in (-16, 16, -60 * 24):
            when = datetime.datetime.utcnow() + datetime.timedelta(minutes=minutes)
            status, hdrs, body = self.server.raw("POST", "/findings", "{}",
                                                 {"Content-Type": "application/json"}, when=when)
            self.assertEqual(status, 403, (minutes, body))
            self.assertEqual(hdrs["x-amzn-errortype"], "InvalidSignatureException")
            self.assertIn("Signature expired" if minutes < 0 else "not yet current", body["Message"])
        # Within the window it is accepted.
        when = datetime.datetime.utcnow() - datetime.timedelta(minutes=10)
        status, _, body = self.server.raw("POST", "/findings", "{}",
                                          {"Content-Type": "application/json"}, when=when)
        self.assertEqual(status, 200, body)

    def test_tampered_body(self):
        # Signed for one body, sent with another: the payload hash differs.
        import botocore.auth
        import botocore.credentials
        from botocore.awsrequest import AWSRequest
        request = AWSRequest(method="POST", url=self.server.endpoint + "/findings", data=b"{}",
                             headers={"Content-Type": "application/json"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY),
                                "securityhub", REGION).add_auth(request)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=TIMEOUT)
        conn.request("POST", "/findings", body=b'{"MaxResults": 1}',
                     headers=dict(request.headers.items()))
        resp = conn.getresponse()
        self.assertEqual(resp.status, 403)
        self.assertEqual(resp.getheader("x-amzn-ErrorType"), "InvalidSignatureException")
        conn.close()

    def test_wrong_service_in_scope(self):
        status, hdrs, _ = self.server.raw("POST", "/findings", "{}",
                                          {"Content-Type": "application/json"}, service="s3")
        self.assertEqual(status, 403)
        self.assertEqual(hdrs["x-amzn-errortype"], "InvalidSignatureException")

    def test_bearer_tokens(self):
        ok, _, body = self.server.raw("POST", "/findings", "{}",
                                      {"Content-Type": "application/json",
                                       "Authorization": f"Bearer {BEARER}"}, sign=False)
        self.assertEqual(ok, 200, body)
        bad, hdrs, _ = self.server.raw("POST", "/findings", "{}",
                                       {"Content-Type": "application/json",
                                        "Authorization": "Bearer wrong-token-wrong-token"},
                                       sign=False)
        self.assertEqual(bad, 403)
        self.assertEqual(hdrs["x-amzn-errortype"], "AccessDeniedException")
        # A token in the query string is for the event endpoints only.
        no, hdrs, _ = self.server.raw("POST", f"/findings?token={BEARER}", "{}",
                                      {"Content-Type": "application/json"}, sign=False)
        self.assertEqual(no, 403)
        event = {"version": "0", "id": "1", "detail-type": "Security Hub Findings - Imported",
                 "source": "aws.securityhub", "account": "111122223333",
                 "time": "2026-01-01T00:00:00Z", "region": REGION, "resources": [],
                 "detail": {"findings": [finding(9100)]}}
        yes, _, body = self.server.raw("POST", f"/events/eventbridge?token={BEARER}",
                                       json.dumps(event), {"Content-Type": "application/json"},
                                       sign=False)
        self.assertEqual(yes, 200, body)

    def test_healthz_needs_no_auth_and_logs_have_no_secrets(self):
        status, _, body = self.server.raw("GET", "/healthz", sign=False)
        self.assertEqual((status, body), (200, {"status": "ok"}))
        self.server.raw("POST", "/findings", "{}", {"Content-Type": "application/json",
                                                   "Authorization": f"Bearer {BEARER}"},
                        sign=False)
        self.server.client(secret_key="not-the-secret-either")
        log = self.server.stderr()
        for secret in (SECRET_KEY, OTHER_SECRET, BEARER, "Signature="):
            self.assertNotIn(secret, log)


class ThrottlingTest(unittest.TestCase):
    def test_botocore_backs_off_and_retries_on_429(self):
        with ServerProcess("--no-builtin-rules", "--rate-limit", "1", "--rate-burst", "2") as server:
            def throttled():
                _, _, metrics = server.raw("GET", "/metrics", sign=False)
                line = [l for l in metrics.splitlines()
                        if l.startswith("corroborate_throttled_requests_total")][0]
                return float(line.split()[-1])

            # Burst used up: a client that may not retry sees the 429 itself.
            for _ in range(3):
                server.raw("POST", "/findings", "{}", {"Content-Type": "application/json"})
            impatient = server.client(retries={"mode": "standard", "max_attempts": 1})
            with self.assertRaises(ClientError) as ctx:
                for _ in range(20):  # faster than 1/s, however slow this machine is
                    impatient.get_findings(MaxResults=1)
            self.assertEqual(ctx.exception.response["Error"]["Code"], "LimitExceededException")
            self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 429)
            # A client that may retry gets every answer: botocore backs off on 429
            # LimitExceededException until the bucket has refilled.
            before = throttled()
            patient = server.client(retries={"mode": "standard", "max_attempts": 10})
            for _ in range(6):
                self.assertIn("Findings", patient.get_findings(MaxResults=1))
            self.assertGreater(throttled(), before)
            # awscli retries too (with its jittered backoff, three attempts can all land before
            # the bucket refills on a slow machine: give it as many as the patient client).
            for _ in range(3):
                server.raw("POST", "/findings", "{}", {"Content-Type": "application/json"})
            _, out, _ = server.aws("get-findings", "--max-items", "1", max_attempts=10)
            self.assertIn("Findings", out)


class TlsTest(unittest.TestCase):
    def test_https_with_a_certificate_and_key(self):
        tmp = ServerProcess().tmp
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=TIMEOUT)
        with ServerProcess("--tls-cert", cert, "--tls-key", key, "--no-builtin-rules") as server:
            sh = boto3.session.Session().client(
                "securityhub", endpoint_url=f"https://127.0.0.1:{server.port}", region_name=REGION,
                aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, verify=cert,
                config=botocore.config.Config(connect_timeout=5, read_timeout=TIMEOUT))
            self.assertEqual(sh.batch_import_findings(Findings=[finding(1)])["SuccessCount"], 1)
            self.assertEqual(len(sh.get_findings()["Findings"]), 1)
            # Plain HTTP to the TLS port is not served.
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
                conn.request("GET", "/healthz")
                conn.getresponse().read()
            ctx = ssl.create_default_context(cafile=cert)
            tls = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=10)
            tls.request("GET", "/healthz")
            self.assertEqual(tls.getresponse().status, 200)


if __name__ == "__main__":
    unittest.main()
