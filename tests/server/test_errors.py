"""Every error class the API answers, in Security Hub's shape: the HTTP status, the
x-amzn-ErrorType header (botocore's error code) and a message that says what is wrong."""
import json
import unittest

from harness import PRODUCT, ServerTestCase, finding


class ErrorsTest(ServerTestCase):
    ARGS = ("--no-builtin-rules", "--rate-limit", "0", "--max-body-bytes", "1048576",
            "--max-header-bytes", "8192")

    def raw_error(self, method, path, body=b"", headers=None, status=None, code=None):
        got_status, hdrs, parsed = self.server.raw(method, path, body, headers)
        if status is not None:
            self.assertEqual(got_status, status, parsed)
        if code is not None:
            self.assertEqual(hdrs.get("x-amzn-errortype"), code, parsed)
            self.assertEqual(parsed["Code"], code)
            self.assertTrue(parsed["Message"])
        self.assertIn("x-amzn-requestid", hdrs)
        return parsed

    def test_malformed_json(self):
        msg = self.raw_error("POST", "/findings/import", '{"Findings": [', 
                             {"Content-Type": "application/json"}, 400, "InvalidInputException")
        self.assertIn("not valid JSON", msg["Message"])

    def test_body_that_is_not_an_object(self):
        msg = self.raw_error("POST", "/findings", "[1, 2]", {"Content-Type": "application/json"},
                             400, "InvalidInputException")
        self.assertIn("JSON object", msg["Message"])

    def test_wrong_content_type(self):
        msg = self.raw_error("POST", "/findings", "<Filters/>", {"Content-Type": "application/xml"},
                             415, "UnsupportedMediaTypeException")
        self.assertIn("application/xml", msg["Message"])

    def test_unknown_route_and_wrong_method(self):
        msg = self.raw_error("POST", "/no/such/route", "{}", {"Content-Type": "application/json"},
                             404, "UnknownOperationException")
        self.assertIn("/no/such/route", msg["Message"])
        msg = self.raw_error("GET", "/findings", "", None, 405, "UnknownOperationException")
        self.assertIn("takes POST", msg["Message"])
        msg = self.raw_error("GET", "/accounts", "", None, 404, "UnknownOperationException")
        self.assertIn("not implemented", msg["Message"])
        msg = self.raw_error("PATCH", "/findings", "{}", {"Content-Type": "application/json"}, 404,
                             "UnknownOperationException")
        self.assertIn("BatchUpdateFindings", msg["Message"])

    def test_oversized_body(self):
        # Refused from the headers alone (Content-Length), before the body is read.
        import socket
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as sock:
            sock.sendall(b"POST /findings/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 2000000\r\n"
                         b"Expect: 100-continue\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 413"), head)
        self.assertIn(b"x-amzn-ErrorType: RequestEntityTooLargeException", head)
        self.assertIn("larger than 1048576 bytes", json.loads(body)["Message"])

    def test_oversized_headers(self):
        status, hdrs, parsed = self.server.raw("POST", "/findings", "{}",
                                               {"Content-Type": "application/json",
                                                "X-Padding": "p" * 10000})
        self.assertEqual(status, 431)
        self.assertEqual(hdrs["x-amzn-errortype"], "RequestHeaderFieldsTooLargeException")

    def test_too_many_and_too_few_findings(self):
        sh = self.server.client(validate=False)
        err = self.assertError(lambda: sh.batch_import_findings(
            Findings=[finding(i) for i in range(101)]), "InvalidInputException", 400)
        self.assertEqual(err["Error"]["Message"],
                         "Invalid parameter 'Findings'. Size '101' is greater than maximum value: 100")
        self.assertError(lambda: sh.batch_import_findings(Findings=[]), "InvalidInputException", 400)
        # Nothing of the refused request was stored.
        got = sh.get_findings(Filters={"Id": [{"Value": "test-finding-0", "Comparison": "EQUALS"}]})
        self.assertEqual(got["Findings"], [])

    def test_non_object_finding_in_a_batch(self):
        body = json.dumps({"Findings": [finding(700), "not an object"]})
        status, _, parsed = self.server.raw("POST", "/findings/import", body,
                                            {"Content-Type": "application/json"})
        self.assertEqual(status, 200)
        self.assertEqual(parsed["SuccessCount"], 1)
        self.assertEqual(parsed["FailedCount"], 1)
        self.assertIn("should be object", parsed["FailedFindings"][0]["ErrorMessage"])

    def test_bad_filters(self):
        sh = self.server.client(validate=False)
        msg = self.raw_error("POST", "/findings", json.dumps({"Filters": {
            "SeverityLable": [{"Value": "HIGH", "Comparison": "EQUALS"}]}}),
            {"Content-Type": "application/json"}, 400, "InvalidInputException")
        self.assertIn("did you mean 'SeverityLabel'", msg["Message"])
        err = self.assertError(lambda: sh.get_findings(Filters={
            "Title": [{"Value": "a", "Comparison": "CONTAINS"},
                      {"Value": "b", "Comparison": "NOT_CONTAINS"}]}),
            "InvalidInputException", 400)
        self.assertIn("Title", err["Error"]["Message"])
        self.assertError(lambda: sh.get_findings(SortCriteria=[{"Field": "NoSuchField"}]),
                         "InvalidInputException", 400)

    def test_bad_max_results_and_token(self):
        sh = self.server.client(validate=False)
        err = self.assertError(lambda: sh.get_findings(MaxResults=101), "InvalidInputException", 400)
        self.assertIn("MaxResults", err["Error"]["Message"])
        err = self.assertError(lambda: sh.get_findings(NextToken="not-a-token"),
                               "InvalidInputException", 400)
        self.assertIn("NextToken", err["Error"]["Message"])
        self.assertError(lambda: self.server.client().list_automation_rules(NextToken="zz"),
                         "InvalidInputException", 400)

    def test_bad_batch_update(self):
        sh = self.server.client(validate=False)
        err = self.assertError(lambda: sh.batch_update_findings(
            FindingIdentifiers=[{"Id": "x", "ProductArn": PRODUCT}],
            Workflow={"Status": "DONE"}), "InvalidInputException", 400)
        self.assertIn("Workflow.Status", err["Error"]["Message"])
        self.assertError(lambda: sh.batch_update_findings(FindingIdentifiers=[]),
                         "InvalidInputException", 400)

    def test_resource_not_found_and_conflict(self):
        sh = self.server.client()
        missing = "arn:aws:securityhub:eu-west-1:111122223333:insight/111122223333/custom/nope"
        self.assertError(lambda: sh.get_insight_results(InsightArn=missing),
                         "ResourceNotFoundException", 404)
        self.assertError(lambda: sh.update_insight(InsightArn=missing, Name="x"),
                         "ResourceNotFoundException", 404)
        self.assertError(lambda: sh.delete_insight(InsightArn=missing),
                         "ResourceNotFoundException", 404)
        filters = {"SeverityLabel": [{"Value": "HIGH", "Comparison": "EQUALS"}]}
        sh.create_insight(Name="dup", Filters=filters, GroupByAttribute="ResourceId")
        err = self.assertError(lambda: sh.create_insight(Name="dup", Filters=filters,
                                                         GroupByAttribute="ResourceId"),
                               "ResourceConflictException", 409)
        self.assertIn("dup", err["Error"]["Message"])

    def test_limit_exceeded_for_too_many_rules(self):
        sh = self.server.client()
        action = [{"Type": "FINDING_FIELDS_UPDATE",
                   "FindingFieldsUpdate": {"Note": {"Text": "n", "UpdatedBy": "rules"}}}]
        arns = [sh.create_automation_rule(
            RuleName=f"r{i}", Description="d", RuleOrder=1 + i % 1000,
            Criteria={"GeneratorId": [{"Value": f"never-{i}", "Comparison": "EQUALS"}]},
            Actions=action)["RuleArn"] for i in range(100)]
        err = self.assertError(lambda: sh.create_automation_rule(
            RuleName="one too many", Description="d", RuleOrder=5,
            Criteria={"GeneratorId": [{"Value": "never", "Comparison": "EQUALS"}]}, Actions=action),
            "LimitExceededException", 429)
        self.assertIn("100", err["Error"]["Message"])
        for start in range(0, 100, 50):
            sh.batch_delete_automation_rules(AutomationRulesArns=arns[start:start + 50])

    def test_bad_automation_rule(self):
        sh = self.server.client(validate=False)
        action = [{"Type": "FINDING_FIELDS_UPDATE",
                   "FindingFieldsUpdate": {"Workflow": {"Status": "SUPPRESSED"}}}]
        msg = self.raw_error("POST", "/automationrules/create", json.dumps({
            "RuleName": "r", "Description": "d", "RuleOrder": 1,
            "Criteria": {"Region": [{"Value": "eu-west-1", "Comparison": "EQUALS"}]},
            "Actions": action}), {"Content-Type": "application/json"}, 400, "InvalidInputException")
        self.assertIn("'Region' is not one of them", msg["Message"])
        err = self.assertError(lambda: sh.create_automation_rule(
            RuleName="r", Description="d", RuleOrder=1001, Criteria={}, Actions=action),
            "InvalidInputException", 400)
        self.assertIn("RuleOrder", err["Error"]["Message"])
        err = self.assertError(lambda: sh.create_automation_rule(
            RuleName="r", Description="d", RuleOrder=1, Criteria={},
            Actions=[{"Type": "FINDING_FIELDS_UPDATE",
                      "FindingFieldsUpdate": {"Workflow": {"Status": "GONE"}}}]),
            "InvalidInputException", 400)
        self.assertIn("Workflow.Status", err["Error"]["Message"])

    def test_bad_insight(self):
        sh = self.server.client(validate=False)
        err = self.assertError(lambda: sh.create_insight(
            Name="x", Filters={}, GroupByAttribute="NoSuchAttribute"), "InvalidInputException", 400)
        self.assertIn("GroupByAttribute", err["Error"]["Message"])
        msg = self.raw_error("POST", "/insights", json.dumps({
            "Name": "x", "Filters": {"Nope": []}, "GroupByAttribute": "ResourceId"}),
            {"Content-Type": "application/json"}, 400, "InvalidInputException")
        self.assertIn("Nope", msg["Message"])

    def test_bad_history_request(self):
        sh = self.server.client(validate=False)
        self.assertError(lambda: sh.get_finding_history(FindingIdentifier={"Id": "x"}),
                         "InvalidInputException", 400)
        self.assertError(lambda: sh.get_finding_history(
            FindingIdentifier={"Id": "x", "ProductArn": PRODUCT}, NextToken="bogus"),
            "InvalidInputException", 400)

    def test_awscli_reports_the_error(self):
        code, _, err = self.server.aws("get-finding-history", "--finding-identifier",
                                       f"Id=x,ProductArn={PRODUCT}", "--next-token", "bogus",
                                       check=False)
        self.assertIn(code, (254, 255))  # awscli v2 and v1 for a service error
        self.assertIn("InvalidInputException", err)
        self.assertIn("NextToken", err)


if __name__ == "__main__":
    unittest.main()
