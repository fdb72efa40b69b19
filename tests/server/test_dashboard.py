"""The dashboard's routes: /dashboard/* over a store loaded with the bundled examples (ingested by
the real binary, as the quick start does), and the front end's static files, with the answers
checked against what GetFindings says about the same store."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BEARER, BIN, SOURCE_DIR, TIMEOUT, ServerProcess, finding

NOW = "2026-11-23T00:00:00Z"  # just after the examples happened, as scripts/quickstart.sh


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="corroborate-dashboard-test-")
        data = os.path.join(cls.tmp, "data")
        r = subprocess.run([BIN, "--data-dir", data, "--now", NOW, "ingest", "--quiet",
                            os.path.join(SOURCE_DIR, "examples")],
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        # A front end of our own, and a secret beside it that no path may reach.
        cls.web = os.path.join(cls.tmp, "web")
        os.makedirs(os.path.join(cls.web, "assets"))
        with open(os.path.join(cls.web, "index.html"), "w") as f:
            f.write('<!doctype html><div id="root"></div><script src="/assets/app-1.js"></script>')
        with open(os.path.join(cls.web, "assets", "app-1.js"), "w") as f:
            f.write("console.log('dashboard');")
        with open(os.path.join(cls.tmp, "secret.txt"), "w") as f:
            f.write("not to be served")
        os.symlink(os.path.join(cls.tmp, "secret.txt"), os.path.join(cls.web, "link.txt"))
        cls.server = ServerProcess("--web-dir", cls.web, data_dir=data)
        cls.server.args.insert(1, "--now")
        cls.server.args.insert(2, NOW)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        try:
            assert cls.server.stop() == 0, cls.server.stderr()[-2000:]
        finally:
            cls.server.cleanup()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def call(self, method, path, body=None, token=BEARER):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self.server.raw(method, path, json.dumps(body) if body is not None else b"",
                               headers=headers, sign=False)

    def ok(self, method, path, body=None):
        status, _, answer = self.call(method, path, body)
        self.assertEqual(status, 200, answer)
        return answer

    def all_findings(self, filters):
        found, token = [], None
        while True:
            kwargs = {"Filters": filters, "MaxResults": 100}
            if token:
                kwargs["NextToken"] = token
            page = self.server.client().get_findings(**kwargs)
            found += page["Findings"]
            token = page.get("NextToken")
            if not token:
                return found

    def incidents(self):
        return self.all_findings({"ProductName": [{"Value": "Corroborate", "Comparison": "EQUALS"}],
                                  "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}]})

    # --- static files ----------------------------------------------------------------------
    def test_the_page_and_its_assets_need_no_credentials(self):
        status, headers, body = self.call("GET", "/", token=None)
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn('<div id="root">', body)
        self.assertIn("frame-ancestors 'none'", headers["content-security-policy"])
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        status, headers, body = self.call("GET", "/assets/app-1.js", token=None)
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/javascript"))
        self.assertIn("immutable", headers["cache-control"])

    def test_no_path_leaves_the_web_directory(self):
        for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
                     "/assets/%2E%2E/%2E%2E/secret.txt", "/link.txt", "/assets", "/nothing.js",
                     "/%00index.html", "/index.html%00.js", "/..\\secret.txt"]:
            status, _, body = self.call("GET", path, token=None)
            self.assertEqual(status, 404, path)
            self.assertNotIn("not to be served", str(body), path)

    def test_api_paths_are_never_files_and_the_data_needs_credentials(self):
        status, headers, _ = self.call("GET", "/findings/nothing", token=None)
        self.assertEqual(status, 404)
        self.assertTrue(headers["x-amzn-errortype"].startswith("UnknownOperationException"))
        for method, path in [("GET", "/dashboard/version"), ("GET", "/dashboard/rules"),
                             ("POST", "/dashboard/counts"), ("GET", "/dashboard/resources/x")]:
            status, _, _ = self.call(method, path, {} if method == "POST" else None, token=None)
            self.assertIn(status, (401, 403), path)
            status, _, _ = self.call(method, path, {} if method == "POST" else None,
                                     token="not-a-token")
            self.assertIn(status, (401, 403), path)

    # --- data ------------------------------------------------------------------------------
    def test_filter_fields_are_security_hubs_104(self):
        fields = self.ok("GET", "/dashboard/filter-fields")["Fields"]
        self.assertEqual(len(fields), 104)
        types = {f["Name"]: f["Type"] for f in fields}
        self.assertEqual(types["SeverityLabel"], "string")
        self.assertEqual(types["SeverityNormalized"], "number")
        self.assertEqual(types["UpdatedAt"], "date")
        self.assertEqual(types["ProductFields"], "map")
        self.assertEqual(types["Sample"], "boolean")
        self.assertEqual(types["NetworkSourceIpV4"], "ip")
        self.assertEqual(types["Keyword"], "keyword")

    def test_counts_agree_with_get_findings(self):
        for filters in [{}, {"SeverityLabel": [{"Value": "CRITICAL", "Comparison": "EQUALS"}]},
                        {"ProductName": [{"Value": "GuardDuty", "Comparison": "EQUALS"}]}]:
            counts = self.ok("POST", "/dashboard/counts", {"Filters": filters})
            found = self.all_findings(filters)
            self.assertEqual(counts["Total"], len(found), filters)
            self.assertFalse(counts["Truncated"])
            by_severity = {}
            for f in found:
                by_severity[f["Severity"]["Label"]] = by_severity.get(f["Severity"]["Label"], 0) + 1
            self.assertEqual(counts["SeverityLabel"], by_severity, filters)
            self.assertEqual(sum(counts["ProductName"].values()), len(found))
            types = {}
            for f in found:
                for t in {r["Type"] for r in f["Resources"]}:
                    types[t] = types.get(t, 0) + 1
            self.assertEqual(counts["ResourceType"], types)
        self.assertGreater(self.ok("POST", "/dashboard/counts", {})["Total"], 10)

    def test_counts_refuse_bad_filters_as_get_findings_does(self):
        status, headers, body = self.call("POST", "/dashboard/counts",
                                          {"Filters": {"NoSuchField": [{"Value": "x"}]}})
        self.assertEqual(status, 400)
        self.assertTrue(headers["x-amzn-errortype"].startswith("InvalidInputException"))
        self.assertIn("NoSuchField", body["Message"])

    def test_rules_list_the_builtin_rules_with_their_incidents(self):
        rules = {r["Id"]: r for r in self.ok("GET", "/dashboard/rules")["Rules"]}
        self.assertGreaterEqual(len(rules), 5)
        active = {}
        for f in self.incidents():
            rule = f["ProductFields"]["corroborate/RuleId"]
            active[rule] = active.get(rule, 0) + 1
        self.assertTrue(active, "the examples make incidents")
        for rule_id, rule in rules.items():
            self.assertEqual(rule["Active"], active.get(rule_id, 0), rule_id)
            self.assertGreaterEqual(rule["Fired"], rule["Active"])
            self.assertTrue(rule["Conditions"], rule_id)
            self.assertTrue(rule["Require"], rule_id)
            self.assertIn(f"id: {rule_id}", rule["Source"])

    def test_explain_says_why_each_incident_fires(self):
        for incident in self.incidents():
            resource = incident["Resources"][0]["Id"]
            rule = incident["ProductFields"]["corroborate/RuleId"]
            answer = self.ok("POST", "/dashboard/explain", {"Resource": resource, "Rule": rule})
            [explanation] = answer["Explanations"]
            self.assertEqual(explanation["Rule"]["Id"], rule)
            self.assertEqual(explanation["Group"]["Id"], resource)
            self.assertTrue(explanation["Fires"], explanation)
            self.assertEqual(explanation["Verdict"], "fires")
            self.assertEqual(explanation["Incident"]["Id"], incident["Id"])
            evidence = {e["Id"] for c in explanation["Conditions"] for e in c["Evidence"]}
            self.assertTrue({r["Id"] for r in incident["RelatedFindings"]} <= evidence)

    def test_explain_errors_name_what_is_wrong(self):
        status, _, body = self.call("POST", "/dashboard/explain", {})
        self.assertEqual(status, 400)
        self.assertIn("Resource", body["Message"])
        status, _, body = self.call("POST", "/dashboard/explain", {"Resource": "i-00000000nothing"})
        self.assertEqual(status, 404)
        self.assertIn("i-00000000nothing", body["Message"])

    def test_resource_view_of_an_incidents_resource(self):
        incident = self.incidents()[0]
        resource = incident["Resources"][0]["Id"]
        view = self.ok("GET", "/dashboard/resources/" + resource.replace("/", "%2F"))
        self.assertEqual(view["Resource"]["Id"], resource)
        ids = {f["Id"] for f in view["Findings"]}
        self.assertIn(incident["Id"], ids)
        self.assertTrue(any(r["Fires"] for r in view["Rules"]))
        self.assertEqual(self.ok("GET", "/resources/" + resource.replace("/", "%2F")), view)
        status, _, _ = self.call("GET", "/dashboard/resources/arn%3Aaws%3As3%3A%3A%3Anobody")
        self.assertEqual(status, 404)

    def test_trying_a_rule_shows_what_it_would_fire_on_and_stores_nothing(self):
        rules = {r["Id"]: r for r in self.ok("GET", "/dashboard/rules")["Rules"]}
        incidents = self.incidents()
        rule_id = incidents[0]["ProductFields"]["corroborate/RuleId"]
        before = self.ok("GET", "/dashboard/version")["Version"]
        copy = rules[rule_id]["Source"].replace(f"id: {rule_id}", "id: my-copy")
        tried = self.ok("POST", "/dashboard/rules/try", {"Rule": copy})
        self.assertEqual(tried["Errors"], [])
        self.assertGreater(tried["Evaluated"], 0)
        fired_on = {r["Group"]["Id"] for r in tried["Results"]}
        expected = {f["Resources"][0]["Id"] for f in incidents
                    if f["ProductFields"]["corroborate/RuleId"] == rule_id}
        self.assertEqual(fired_on, expected)
        self.assertTrue(all(r["Evidence"] for r in tried["Results"]))
        self.assertEqual(self.ok("GET", "/dashboard/version")["Version"], before)
        self.assertEqual(len(self.incidents()), len(incidents))
        # The loaded rule itself, under its own id, tells the same (its incidents are stored).
        tried = self.ok("POST", "/dashboard/rules/try", {"Rule": rules[rule_id]["Source"]})
        self.assertEqual({r["Group"]["Id"] for r in tried["Results"]}, expected)

    def test_a_rule_that_does_not_load_says_which_line(self):
        tried = self.ok("POST", "/dashboard/rules/try",
                        {"Rule": "id: bad\ntitle: t\nconditions:\n  a:\n    filter: {Nope: 1}\n"})
        self.assertEqual(tried.get("Results"), None)
        [error] = tried["Errors"]
        self.assertEqual(error["Line"], 5)
        self.assertIn("Nope", error["Message"])
        tried = self.ok("POST", "/dashboard/rules/try", {"Rule": "# nothing\n"})
        self.assertEqual(len(tried["Errors"]), 1)
        status, _, body = self.call("POST", "/dashboard/rules/try", {"Rule": 3})
        self.assertEqual(status, 400)
        self.assertIn("Rule", body["Message"])

    def test_the_version_moves_with_an_import(self):
        before = self.ok("GET", "/dashboard/version")["Version"]
        self.server.client().batch_import_findings(Findings=[finding(90210)])
        self.assertGreater(self.ok("GET", "/dashboard/version")["Version"], before)


if __name__ == "__main__":
    unittest.main()
