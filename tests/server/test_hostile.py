"""Hostile input over HTTP (docs/reliability.md): each bad request gets its exact answer, the valid
findings beside a bad one are stored, and no client (bad bodies, connections that send headers a
byte at a time, connections dropped mid-body) stops the server from serving the others."""
import http.client
import json
import socket
import threading
import time
import unittest

from harness import ServerTestCase, TIMEOUT, finding

JSON = {"Content-Type": "application/json"}


class HostileInputTest(ServerTestCase):
    def post(self, path, body):
        return self.server.raw("POST", path, body, headers=JSON)

    def import_body(self, body):
        return self.post("/findings/import", body)

    def stored(self, finding_id):
        page = self.server.client().get_findings(
            Filters={"Id": [{"Value": finding_id, "Comparison": "EQUALS"}]})
        return page["Findings"]

    def test_each_bad_body_gets_its_exact_answer(self):
        good = json.dumps(finding(1))
        cases = [
            ("deep nesting",
             '{"Findings":[' + good.replace('"Test finding 1"', "[" * 100000 + "]" * 100000) + "]}",
             "The request body is not valid JSON: The JSON document was too deep (too many nested "
             "objects and arrays)"),
            ("invalid UTF-8", json.dumps({"Findings": [finding(2)]}).encode().replace(
                b"Test finding 2", b"bad \xff\xfe"),
             "The request body is not valid JSON: The input is not valid UTF-8"),
            ("a number out of range",
             json.dumps({"Findings": [finding(3)]}).replace('"HIGH"', '"HIGH", "Normalized": 1e400'),
             "The request body is not valid JSON: Problem while parsing a number"),
        ]
        for name, body, message in cases:
            status, headers, answer = self.import_body(body)
            self.assertEqual(status, 400, name)
            self.assertTrue(headers["x-amzn-errortype"].startswith("InvalidInputException"), name)
            self.assertEqual(answer["Message"], message, name)
        self.assertEqual(self.stored("test-finding-2"), [])

    def test_each_bad_finding_gets_its_exact_answer_and_the_good_ones_are_stored(self):
        huge = finding(10)
        huge["Title"] = "x" * (1 << 20)
        many = finding(11)
        many["Resources"] = [{"Type": "AwsEc2Instance", "Id": f"i-{100000000000 + i}"}
                             for i in range(10000)]
        body = json.dumps({"Findings": [huge, many, finding(12), finding(13)]}).replace(
            '"Id": "test-finding-13",', '"Id": "test-finding-13", "AwsAccountId": "444455556666",')
        status, _, answer = self.import_body(body)
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["SuccessCount"], 1)
        prefix = "Finding does not adhere to Amazon Finding Format. "
        self.assertEqual(answer["FailedFindings"], [
            {"Id": "test-finding-10", "ErrorCode": "InvalidInput",
             "ErrorMessage": prefix + "data.Title should NOT be longer than 256 characters"},
            {"Id": "test-finding-11", "ErrorCode": "InvalidInput",
             "ErrorMessage": prefix + "data.Resources should NOT have more than 32 items"},
            {"Id": "test-finding-13", "ErrorCode": "InvalidInput",
             "ErrorMessage": prefix + "data should NOT have the member 'AwsAccountId' twice"},
        ])
        self.assertEqual(len(self.stored("test-finding-12")), 1)
        for rejected in ("test-finding-10", "test-finding-11", "test-finding-13"):
            self.assertEqual(self.stored(rejected), [], rejected)

    def test_filters_are_bounded_and_literal(self):
        status, _, answer = self.post("/findings", json.dumps({"Filters": {"Title": [
            {"Value": str(i), "Comparison": "EQUALS"} for i in range(5000)]}}))
        self.assertEqual(status, 400)
        self.assertEqual(answer["Message"], "Filters: Invalid parameter 'Filters.Title'. Size "
                                            "'5000' is greater than maximum value: 20")
        self.import_body(json.dumps({"Findings": [finding(20, Title="literally .*(a+)+$ here")]}))
        for value, hits in [(".*(a+)+$", 0), ("literally .*(a+)+$", 1)]:
            status, _, answer = self.post("/findings", json.dumps({"Filters": {"Title": [
                {"Value": value, "Comparison": "PREFIX"}]}}))
            self.assertEqual(status, 200)
            self.assertEqual(len(answer["Findings"]), hits, value)

    def test_every_route_needs_authentication(self):
        routes = [("POST", "/findings/import"), ("POST", "/findings"),
                  ("PATCH", "/findings/batchupdate"), ("POST", "/findingHistory/get"),
                  ("POST", "/automationrules/create"), ("POST", "/automationrules/get"),
                  ("PATCH", "/automationrules/update"), ("POST", "/automationrules/delete"),
                  ("GET", "/automationrules/list"), ("POST", "/insights"),
                  ("POST", "/insights/get"), ("GET", "/insights/results/arn%3Ax"),
                  ("PATCH", "/insights/arn%3Ax"), ("DELETE", "/insights/arn%3Ax"),
                  ("POST", "/events/eventbridge"), ("POST", "/events/sns"),
                  ("GET", "/dashboard/version"), ("GET", "/dashboard/filter-fields"),
                  ("POST", "/dashboard/counts"), ("GET", "/dashboard/rules"),
                  ("POST", "/dashboard/explain"), ("GET", "/dashboard/resources/x"),
                  ("POST", "/dashboard/rules/try")]
        for method, path in routes:
            for headers in ({}, {"Authorization": "Bearer wrong-token"},
                            {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/"
                                              "eu-west-1/securityhub/aws4_request, "
                                              "SignedHeaders=host, Signature=00"}):
                status, _, _ = self.server.raw(method, path, b"{}",
                                               headers=dict(JSON, **headers), sign=False)
                self.assertIn(status, (401, 403), f"{method} {path} {headers}")
        # Only these answer without credentials: health, metrics (unless told otherwise) and the
        # dashboard's files, none of which holds findings.
        for path in ("/healthz", "/metrics", "/"):
            status, _, _ = self.server.raw("GET", path, sign=False)
            self.assertNotIn(status, (401, 403), path)

    def test_slow_and_broken_clients_do_not_stop_the_others(self):
        port = self.server.port
        stop = threading.Event()
        sockets = []

        def slowloris():
            # Headers one byte at a time, never finished.
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            sockets.append(s)
            for b in b"POST /findings/import HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n":
                if stop.is_set():
                    return
                try:
                    s.send(bytes([b]))
                except OSError:
                    return  # the server hung up on us: fine
                time.sleep(0.05)

        def dropped_mid_body():
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.send(b"POST /findings/import HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 1000000\r\n\r\n{\"Findings\": [")
            s.close()

        threads = [threading.Thread(target=slowloris) for _ in range(40)]
        for t in threads:
            t.start()
        for _ in range(20):
            dropped_mid_body()
        try:
            # Meanwhile, ordinary clients are served, promptly.
            client = self.server.client()
            for i in range(30):
                started = time.monotonic()
                r = client.batch_import_findings(Findings=[finding(1000 + i)])
                self.assertEqual(r["SuccessCount"], 1)
                self.assertLess(time.monotonic() - started, TIMEOUT / 4)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
            for s in sockets:
                s.close()
        self.assertEqual(len(self.stored("test-finding-1029")), 1)


if __name__ == "__main__":
    unittest.main()
