"""BatchImportFindings, GetFindings (filters, sort, pagination), BatchUpdateFindings through
awscli and boto3, as a user of Security Hub would call them."""
import json
import os
import tempfile
import threading
import unittest

from harness import ACCOUNT, PRODUCT, ServerTestCase, finding, now_iso


class FindingsTest(ServerTestCase):
    ARGS = ("--no-builtin-rules", "--rate-limit", "0")

    def test_awscli_import_get_update_roundtrip(self):
        findings = [finding(1000 + i, Title=f"cli finding {i}") for i in range(3)]
        path = os.path.join(self.server.tmp, "findings.json")
        with open(path, "w") as f:
            json.dump(findings, f)
        _, out, _ = self.server.aws("batch-import-findings", "--findings", f"file://{path}")
        self.assertEqual(out, {"FailedCount": 0, "SuccessCount": 3, "FailedFindings": []})
        _, got, _ = self.server.aws(
            "get-findings", "--filters",
            json.dumps({"Title": [{"Value": "cli finding", "Comparison": "PREFIX"}]}))
        self.assertEqual(sorted(f["Id"] for f in got["Findings"]),
                         sorted(f["Id"] for f in findings))
        stored = got["Findings"][0]
        # Service-populated fields, as Security Hub sets them on import.
        self.assertEqual(stored["RecordState"], "ACTIVE")
        self.assertEqual(stored["Workflow"]["Status"], "NEW")
        self.assertIn("ProcessedAt", stored)
        ident = f"Id={findings[0]['Id']},ProductArn={PRODUCT}"
        _, upd, _ = self.server.aws("batch-update-findings", "--finding-identifiers", ident,
                                    "--workflow", "Status=NOTIFIED", "--note",
                                    "Text=looked at it,UpdatedBy=alice")
        self.assertEqual(upd["ProcessedFindings"], [{"Id": findings[0]["Id"], "ProductArn": PRODUCT}])
        self.assertEqual(upd["UnprocessedFindings"], [])
        _, got, _ = self.server.aws(
            "get-findings", "--filters",
            json.dumps({"Id": [{"Value": findings[0]["Id"], "Comparison": "EQUALS"}]}))
        f = got["Findings"][0]
        self.assertEqual(f["Workflow"]["Status"], "NOTIFIED")
        self.assertEqual(f["Note"]["Text"], "looked at it")
        self.assertEqual(f["UpdatedAt"], findings[0]["UpdatedAt"])  # never changed by an update

    def test_awscli_pagination_with_max_items(self):
        sh = self.server.client()
        batch = [finding(2000 + i, GeneratorId="page-cli") for i in range(30)]
        self.assertEqual(sh.batch_import_findings(Findings=batch)["SuccessCount"], 30)
        # awscli pages with NextToken under the hood (page size 7) and joins the pages.
        _, out, _ = self.server.aws(
            "get-findings", "--page-size", "7", "--filters",
            json.dumps({"GeneratorId": [{"Value": "page-cli", "Comparison": "EQUALS"}]}))
        self.assertEqual(len(out["Findings"]), 30)
        self.assertEqual(len({f["Id"] for f in out["Findings"]}), 30)
        _, first, _ = self.server.aws(
            "get-findings", "--max-items", "10", "--filters",
            json.dumps({"GeneratorId": [{"Value": "page-cli", "Comparison": "EQUALS"}]}))
        self.assertEqual(len(first["Findings"]), 10)
        self.assertIn("NextToken", first)
        _, rest, _ = self.server.aws(
            "get-findings", "--starting-token", first["NextToken"], "--filters",
            json.dumps({"GeneratorId": [{"Value": "page-cli", "Comparison": "EQUALS"}]}))
        self.assertEqual(len(rest["Findings"]), 20)
        self.assertFalse({f["Id"] for f in first["Findings"]} & {f["Id"] for f in rest["Findings"]})

    def test_boto3_paginator_stays_valid_while_data_changes(self):
        sh = self.server.client()
        ids = [f"pager-{i}" for i in range(250)]
        for start in range(0, 250, 100):
            resp = sh.batch_import_findings(Findings=[
                finding(3000 + i, Id=ids[i], GeneratorId="pager",
                        UpdatedAt=f"2026-03-01T00:{i // 60:02d}:{i % 60:02d}.000Z")
                for i in range(start, min(start + 100, 250))])
            self.assertEqual(resp["FailedCount"], 0)
        paginator = sh.get_paginator("get_findings")
        seen = []
        filters = {"GeneratorId": [{"Value": "pager", "Comparison": "EQUALS"}]}
        for n, page in enumerate(paginator.paginate(Filters=filters,
                                                    PaginationConfig={"PageSize": 40})):
            seen.extend(f["Id"] for f in page["Findings"])
            self.assertLessEqual(len(page["Findings"]), 40)
            if n == 1:
                # Findings added (newer, so they sort before the position) and changed while
                # paging: the token names a position in the order, so nothing is skipped or
                # repeated among the findings that were there from the start.
                sh.batch_import_findings(Findings=[
                    finding(3500 + i, Id=f"pager-late-{i}", GeneratorId="pager") for i in range(5)])
                sh.batch_update_findings(
                    FindingIdentifiers=[{"Id": ids[0], "ProductArn": PRODUCT}],
                    Workflow={"Status": "RESOLVED"})
        original = [i for i in seen if not i.startswith("pager-late")]
        self.assertEqual(len(original), 250)
        self.assertEqual(len(set(original)), 250)
        # Newest first by default (UpdatedAt desc).
        self.assertEqual(original[0], ids[-1])
        self.assertEqual(original[-1], ids[0])

    def test_sort_criteria_and_filters(self):
        sh = self.server.client()
        batch = [finding(4000 + i, GeneratorId="sorted", Severity={"Normalized": n})
                 for i, n in enumerate([10, 95, 50, 70, 0])]
        sh.batch_import_findings(Findings=batch)
        filters = {"GeneratorId": [{"Value": "sorted", "Comparison": "EQUALS"}]}
        got = sh.get_findings(Filters=filters,
                              SortCriteria=[{"Field": "SeverityNormalized", "SortOrder": "asc"}])
        self.assertEqual([f["Severity"]["Normalized"] for f in got["Findings"]], [0, 10, 50, 70, 95])
        self.assertEqual([f["Severity"]["Label"] for f in got["Findings"]],
                         ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"])
        paginator = sh.get_paginator("get_findings")
        pages = list(paginator.paginate(
            Filters=filters, SortCriteria=[{"Field": "SeverityNormalized", "SortOrder": "desc"}],
            PaginationConfig={"PageSize": 2}))
        self.assertEqual([len(p["Findings"]) for p in pages], [2, 2, 1])
        self.assertEqual([f["Severity"]["Normalized"] for p in pages for f in p["Findings"]],
                         [95, 70, 50, 10, 0])
        both = sh.get_findings(Filters={
            "GeneratorId": [{"Value": "sorted", "Comparison": "EQUALS"}],
            "SeverityLabel": [{"Value": "HIGH", "Comparison": "EQUALS"},
                              {"Value": "CRITICAL", "Comparison": "EQUALS"}],
            "SeverityNormalized": [{"Gte": 71}]})
        self.assertEqual([f["Severity"]["Normalized"] for f in both["Findings"]], [95])

    def test_reads_see_acknowledged_writes_under_concurrency(self):
        errors = []

        def worker(w):
            sh = self.server.client()
            try:
                for k in range(5):
                    fid = f"ryw-{w}-{k}"
                    r = sh.batch_import_findings(Findings=[finding(5000 + w * 10 + k, Id=fid)])
                    assert r["SuccessCount"] == 1, r
                    got = sh.get_findings(Filters={"Id": [{"Value": fid, "Comparison": "EQUALS"}]})
                    assert [f["Id"] for f in got["Findings"]] == [fid], got
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(errors, [])

    def test_provider_update_keeps_analyst_fields_and_older_update_changes_nothing(self):
        sh = self.server.client()
        f = finding(6000, UpdatedAt="2026-04-01T00:00:00Z", Title="v1")
        sh.batch_import_findings(Findings=[f])
        sh.batch_update_findings(FindingIdentifiers=[{"Id": f["Id"], "ProductArn": PRODUCT}],
                                 Workflow={"Status": "SUPPRESSED"})
        newer = dict(f, UpdatedAt="2026-04-02T00:00:00Z", Title="v2",
                     Workflow={"Status": "NEW"})
        older = dict(f, UpdatedAt="2026-03-01T00:00:00Z", Title="v0")
        self.assertEqual(sh.batch_import_findings(Findings=[newer])["SuccessCount"], 1)
        self.assertEqual(sh.batch_import_findings(Findings=[older])["SuccessCount"], 1)
        got = sh.get_findings(Filters={"Id": [{"Value": f["Id"], "Comparison": "EQUALS"}]})
        stored = got["Findings"][0]
        self.assertEqual(stored["Title"], "v2")
        self.assertEqual(stored["Workflow"]["Status"], "SUPPRESSED")

    def test_batch_update_reports_unprocessed(self):
        sh = self.server.client()
        f = finding(6100)
        sh.batch_import_findings(Findings=[f])
        resp = sh.batch_update_findings(
            FindingIdentifiers=[{"Id": f["Id"], "ProductArn": PRODUCT},
                                {"Id": "no-such-finding", "ProductArn": PRODUCT}],
            Severity={"Label": "LOW"})
        self.assertEqual(resp["ProcessedFindings"], [{"Id": f["Id"], "ProductArn": PRODUCT}])
        self.assertEqual(resp["UnprocessedFindings"][0]["ErrorCode"], "FindingNotFound")
        dup = sh.batch_update_findings(
            FindingIdentifiers=[{"Id": f["Id"], "ProductArn": PRODUCT}] * 2,
            Severity={"Label": "LOW"})
        self.assertEqual({u["ErrorCode"] for u in dup["UnprocessedFindings"]},
                         {"DuplicatedFindingIdentifier"})

    def test_partial_batch_stores_the_valid_findings(self):
        sh = self.server.client(validate=False)
        good = finding(6200)
        bad_title = finding(6201, Title="x" * 300)
        no_resources = finding(6202)
        del no_resources["Resources"]
        resp = sh.batch_import_findings(Findings=[good, bad_title, no_resources])
        self.assertEqual(resp["SuccessCount"], 1)
        self.assertEqual(resp["FailedCount"], 2)
        by_id = {f["Id"]: f for f in resp["FailedFindings"]}
        self.assertIn("Title should NOT be longer than 256 characters",
                      by_id[bad_title["Id"]]["ErrorMessage"])
        self.assertIn("Resources", by_id[no_resources["Id"]]["ErrorMessage"])
        self.assertTrue(all(f["ErrorCode"] == "InvalidInput" for f in resp["FailedFindings"]))
        got = sh.get_findings(Filters={"Id": [{"Value": good["Id"], "Comparison": "EQUALS"}]})
        self.assertEqual(len(got["Findings"]), 1)
        none = sh.get_findings(Filters={"Id": [{"Value": bad_title["Id"], "Comparison": "EQUALS"}]})
        self.assertEqual(none["Findings"], [])


if __name__ == "__main__":
    unittest.main()
