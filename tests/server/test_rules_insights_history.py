"""Automation rules (CRUD, and applied at import as Security Hub applies them), insights (CRUD,
results grouped by an attribute) and finding history, through boto3 and awscli."""
import datetime
import json
import os
import time
import unittest

from harness import ACCOUNT, PRODUCT, ServerTestCase, finding, now_iso


def action(**fields):
    return [{"Type": "FINDING_FIELDS_UPDATE", "FindingFieldsUpdate": fields}]


def eq(value):
    return [{"Value": value, "Comparison": "EQUALS"}]


class AutomationRulesTest(ServerTestCase):
    ARGS = ("--no-builtin-rules", "--rate-limit", "0", "--region", "eu-west-1",
            "--account-id", ACCOUNT)

    def setUp(self):
        self.sh = self.server.client()
        # Each test starts without rules.
        arns = [r["RuleArn"] for r in self.sh.list_automation_rules()["AutomationRulesMetadata"]]
        if arns:
            self.sh.batch_delete_automation_rules(AutomationRulesArns=arns)

    def get(self, fid):
        got = self.sh.get_findings(Filters={"Id": eq(fid)})["Findings"]
        self.assertEqual(len(got), 1)
        return got[0]

    def test_crud(self):
        arn = self.sh.create_automation_rule(
            RuleName="suppress noise", Description="informational findings are noise",
            RuleOrder=10, RuleStatus="ENABLED", IsTerminal=False, Tags={"team": "sec"},
            Criteria={"SeverityLabel": eq("INFORMATIONAL")},
            Actions=action(Workflow={"Status": "SUPPRESSED"}))["RuleArn"]
        self.assertTrue(arn.startswith(f"arn:aws:securityhub:eu-west-1:{ACCOUNT}:automation-rule/"))
        got = self.sh.batch_get_automation_rules(AutomationRulesArns=[arn, arn + "-missing"])
        self.assertEqual(len(got["Rules"]), 1)
        rule = got["Rules"][0]
        self.assertEqual(rule["RuleName"], "suppress noise")
        self.assertEqual(rule["Criteria"], {"SeverityLabel": eq("INFORMATIONAL")})
        self.assertEqual(rule["Actions"], action(Workflow={"Status": "SUPPRESSED"}))
        self.assertEqual(rule["CreatedBy"], f"arn:aws:iam::{ACCOUNT}:user/alice")
        self.assertIsInstance(rule["CreatedAt"], datetime.datetime)
        self.assertEqual(got["UnprocessedAutomationRules"][0]["RuleArn"], arn + "-missing")
        self.assertEqual(got["UnprocessedAutomationRules"][0]["ErrorCode"], 404)
        upd = self.sh.batch_update_automation_rules(UpdateAutomationRulesRequestItems=[
            {"RuleArn": arn, "RuleStatus": "DISABLED", "RuleOrder": 3},
            {"RuleArn": arn + "-missing", "RuleOrder": 3}])
        self.assertEqual(upd["ProcessedAutomationRules"], [arn])
        self.assertEqual(upd["UnprocessedAutomationRules"][0]["ErrorCode"], 404)
        listed = self.sh.list_automation_rules()["AutomationRulesMetadata"]
        self.assertEqual([(r["RuleArn"], r["RuleStatus"], r["RuleOrder"]) for r in listed],
                         [(arn, "DISABLED", 3)])
        self.assertNotIn("Criteria", listed[0])
        deleted = self.sh.batch_delete_automation_rules(AutomationRulesArns=[arn, arn + "-x"])
        self.assertEqual(deleted["ProcessedAutomationRules"], [arn])
        self.assertEqual(len(deleted["UnprocessedAutomationRules"]), 1)
        self.assertEqual(self.sh.list_automation_rules()["AutomationRulesMetadata"], [])

    def test_list_pages_in_rule_order(self):
        arns = []
        for order in (30, 10, 20):
            arns.append(self.sh.create_automation_rule(
                RuleName=f"rule {order}", Description="d", RuleOrder=order,
                Criteria={"GeneratorId": eq(f"none-{order}")},
                Actions=action(Note={"Text": "n", "UpdatedBy": "r"}))["RuleArn"])
        orders, token = [], None
        while True:
            kwargs = {"MaxResults": 1} | ({"NextToken": token} if token else {})
            page = self.sh.list_automation_rules(**kwargs)
            orders += [r["RuleOrder"] for r in page["AutomationRulesMetadata"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(orders, [10, 20, 30])
        _, out, _ = self.server.aws("list-automation-rules", "--max-results", "2")
        self.assertEqual([r["RuleOrder"] for r in out["AutomationRulesMetadata"]], [10, 20])

    def test_rules_apply_at_import_in_order_and_terminal_stops(self):
        def rule(order, criteria, update, terminal=False, status="ENABLED"):
            return self.sh.create_automation_rule(
                RuleName=f"r{order}", Description="d", RuleOrder=order, IsTerminal=terminal,
                RuleStatus=status, Criteria=criteria, Actions=action(**update))["RuleArn"]

        r1 = rule(1, {"Title": [{"Value": "escalate", "Comparison": "PREFIX"}]},
                  {"Severity": {"Label": "CRITICAL"}})
        # Sees the finding as r1 left it: CRITICAL now.
        r2 = rule(2, {"SeverityLabel": eq("CRITICAL"), "GeneratorId": eq("rules")},
                  {"UserDefinedFields": {"escalated": "yes"}, "Note": {"Text": "escalated",
                                                                      "UpdatedBy": "rules"}})
        rule(3, {"Title": [{"Value": "escalate stop", "Comparison": "PREFIX"}]},
             {"Workflow": {"Status": "NOTIFIED"}}, terminal=True)
        rule(4, {"GeneratorId": eq("rules")}, {"VerificationState": "TRUE_POSITIVE"})
        rule(5, {"GeneratorId": eq("rules")}, {"Confidence": 42}, status="DISABLED")
        a = finding(1, GeneratorId="rules", Title="escalate me")
        b = finding(2, GeneratorId="rules", Title="escalate stop here")
        c = finding(3, GeneratorId="rules", Title="plain", Severity={"Label": "LOW"})
        self.assertEqual(self.sh.batch_import_findings(Findings=[a, b, c])["SuccessCount"], 3)
        fa, fb, fc = self.get(a["Id"]), self.get(b["Id"]), self.get(c["Id"])
        self.assertEqual(fa["Severity"]["Label"], "CRITICAL")
        self.assertEqual(fa["UserDefinedFields"], {"escalated": "yes"})
        self.assertEqual(fa["Note"]["Text"], "escalated")
        self.assertEqual(fa["VerificationState"], "TRUE_POSITIVE")
        self.assertNotIn("Confidence", fa)  # r5 is disabled
        self.assertEqual(fb["Workflow"]["Status"], "NOTIFIED")
        self.assertNotIn("VerificationState", fb)  # r3 is terminal: r4 never ran
        self.assertEqual(fc["Severity"]["Label"], "LOW")
        self.assertEqual(fc["VerificationState"], "TRUE_POSITIVE")
        self.assertNotIn("UserDefinedFields", fc)
        # The provider's own severity stays in FindingProviderFields.
        self.assertEqual(fa["FindingProviderFields"]["Severity"]["Label"], "HIGH")
        # A re-import (newer) runs the rules again; a stale one runs none.
        self.sh.batch_update_findings(FindingIdentifiers=[{"Id": c["Id"], "ProductArn": PRODUCT}],
                                      VerificationState="FALSE_POSITIVE")
        stale = dict(c, UpdatedAt="2020-01-01T00:00:00Z")
        self.sh.batch_import_findings(Findings=[stale])
        self.assertEqual(self.get(c["Id"])["VerificationState"], "FALSE_POSITIVE")
        newer = dict(c, UpdatedAt=now_iso(5))
        self.sh.batch_import_findings(Findings=[newer])
        self.assertEqual(self.get(c["Id"])["VerificationState"], "TRUE_POSITIVE")
        history = self.sh.get_finding_history(
            FindingIdentifier={"Id": a["Id"], "ProductArn": PRODUCT})["Records"]
        sources = [(r["UpdateSource"]["Type"], r["UpdateSource"]["Identity"]) for r in history]
        self.assertEqual(sources[0][0], "BATCH_IMPORT_FINDINGS")
        self.assertTrue(history[0]["FindingCreated"])
        self.assertIn(("BATCH_UPDATE_FINDINGS", r1), sources)
        self.assertIn(("BATCH_UPDATE_FINDINGS", r2), sources)
        r1_record = next(r for r in history if r["UpdateSource"]["Identity"] == r1)
        self.assertIn({"UpdatedField": "Severity.Label", "OldValue": "HIGH", "NewValue": "CRITICAL"},
                      r1_record["Updates"])

    def test_rules_created_later_do_not_touch_existing_findings_and_awscli_creates(self):
        f = finding(10, GeneratorId="later")
        self.sh.batch_import_findings(Findings=[f])
        path = os.path.join(self.server.tmp, "rule.json")
        with open(path, "w") as out:
            json.dump({"RuleName": "later", "Description": "d", "RuleOrder": 1,
                       "Criteria": {"GeneratorId": eq("later")},
                       "Actions": action(Workflow={"Status": "RESOLVED"})}, out)
        _, created, _ = self.server.aws("create-automation-rule", "--cli-input-json",
                                        f"file://{path}")
        self.assertIn("RuleArn", created)
        self.assertEqual(self.get(f["Id"])["Workflow"]["Status"], "NEW")
        g = finding(11, GeneratorId="later")
        self.sh.batch_import_findings(Findings=[g])
        self.assertEqual(self.get(g["Id"])["Workflow"]["Status"], "RESOLVED")

    def test_equal_rule_order_applies_earlier_updated_rule_first(self):
        first = self.sh.create_automation_rule(
            RuleName="first", Description="d", RuleOrder=7, Criteria={"GeneratorId": eq("tie")},
            Actions=action(Note={"Text": "first", "UpdatedBy": "r"}))["RuleArn"]
        time.sleep(0.01)
        self.sh.create_automation_rule(
            RuleName="second", Description="d", RuleOrder=7, Criteria={"GeneratorId": eq("tie")},
            Actions=action(Note={"Text": "second", "UpdatedBy": "r"}))
        f = finding(20, GeneratorId="tie")
        self.sh.batch_import_findings(Findings=[f])
        self.assertEqual(self.get(f["Id"])["Note"]["Text"], "second")  # applied last
        # Editing `first` makes it the most recently updated: it now applies last.
        self.sh.batch_update_automation_rules(UpdateAutomationRulesRequestItems=[
            {"RuleArn": first, "Description": "edited"}])
        g = finding(21, GeneratorId="tie")
        self.sh.batch_import_findings(Findings=[g])
        self.assertEqual(self.get(g["Id"])["Note"]["Text"], "first")


class InsightsTest(ServerTestCase):
    ARGS = ("--no-builtin-rules", "--rate-limit", "0")

    def test_insight_lifecycle_and_results(self):
        sh = self.server.client()
        batch = [finding(100 + i, GeneratorId="ins",
                         Severity={"Label": ["HIGH", "HIGH", "LOW", "CRITICAL", "HIGH"][i]},
                         Types=[["A/B/C"], ["A/B/C", "D/E"], ["D/E"], ["A/B/C"], ["X/Y"]][i])
                 for i in range(5)]
        sh.batch_import_findings(Findings=batch)
        arn = sh.create_insight(Name="by severity", Filters={"GeneratorId": eq("ins")},
                                GroupByAttribute="SeverityLabel")["InsightArn"]
        self.assertIn(":insight/", arn)
        res = sh.get_insight_results(InsightArn=arn)["InsightResults"]
        self.assertEqual(res["GroupByAttribute"], "SeverityLabel")
        self.assertEqual(res["ResultValues"], [
            {"GroupByAttributeValue": "HIGH", "Count": 3},
            {"GroupByAttributeValue": "CRITICAL", "Count": 1},
            {"GroupByAttributeValue": "LOW", "Count": 1}])
        sh.update_insight(InsightArn=arn, Name="by type", GroupByAttribute="Type")
        res = sh.get_insight_results(InsightArn=arn)["InsightResults"]
        self.assertEqual({v["GroupByAttributeValue"]: v["Count"] for v in res["ResultValues"]},
                         {"A/B/C": 3, "D/E": 2, "X/Y": 1})
        # Results follow the data: a new finding counts at once.
        sh.batch_import_findings(Findings=[finding(120, GeneratorId="ins", Types=["X/Y"])])
        res = sh.get_insight_results(InsightArn=arn)["InsightResults"]
        self.assertEqual({v["GroupByAttributeValue"]: v["Count"] for v in res["ResultValues"]}["X/Y"], 2)
        _, cli, _ = self.server.aws("get-insight-results", "--insight-arn", arn)
        self.assertEqual(cli["InsightResults"]["InsightArn"], arn)
        got = sh.get_insights(InsightArns=[arn])["Insights"]
        self.assertEqual(got[0]["Name"], "by type")
        self.assertEqual(got[0]["Filters"], {"GeneratorId": eq("ins")})
        self.assertEqual(sh.delete_insight(InsightArn=arn)["InsightArn"], arn)
        self.assertError(lambda: sh.get_insights(InsightArns=[arn]), "ResourceNotFoundException", 404)

    def test_get_insights_paginator(self):
        sh = self.server.client()
        arns = {sh.create_insight(Name=f"p{i}", Filters={"RecordState": eq("ACTIVE")},
                                  GroupByAttribute="ResourceType")["InsightArn"] for i in range(7)}
        pages = list(sh.get_paginator("get_insights").paginate(PaginationConfig={"PageSize": 3}))
        seen = [i["InsightArn"] for p in pages for i in p["Insights"]]
        self.assertTrue(arns <= set(seen))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertGreaterEqual(len(pages), 3)


class HistoryTest(ServerTestCase):
    ARGS = ("--no-builtin-rules", "--rate-limit", "0")

    def test_history_of_imports_and_updates_with_paging_and_windows(self):
        sh = self.server.client()
        f = finding(300, UpdatedAt="2026-05-01T00:00:00Z", Title="v1")
        ident = {"Id": f["Id"], "ProductArn": PRODUCT}
        sh.batch_import_findings(Findings=[f])
        sh.batch_import_findings(Findings=[dict(f, UpdatedAt="2026-05-02T00:00:00Z", Title="v2")])
        sh.batch_import_findings(Findings=[dict(f, UpdatedAt="2026-04-01T00:00:00Z", Title="old")])
        time.sleep(0.01)
        middle = datetime.datetime.now(datetime.timezone.utc)
        time.sleep(0.01)
        for status in ("NOTIFIED", "RESOLVED", "NEW"):
            sh.batch_update_findings(FindingIdentifiers=[ident], Workflow={"Status": status})
        # An update that changes nothing is no record.
        sh.batch_update_findings(FindingIdentifiers=[ident], Workflow={"Status": "NEW"})
        records = [r for page in sh.get_paginator("get_finding_history").paginate(
            FindingIdentifier=ident, PaginationConfig={"PageSize": 2}) for r in page["Records"]]
        self.assertEqual(len(records), 5)  # created, v2 (the stale one changed nothing), 3 updates
        self.assertTrue(records[0]["FindingCreated"])
        self.assertEqual(records[0]["UpdateSource"]["Identity"], f"arn:aws:iam::{ACCOUNT}:user/alice")
        self.assertEqual(records[1]["Updates"], [
            {"UpdatedField": "Title", "OldValue": "v1", "NewValue": "v2"}])  # no timestamps
        self.assertEqual([r["UpdateSource"]["Type"] for r in records],
                         ["BATCH_IMPORT_FINDINGS"] * 2 + ["BATCH_UPDATE_FINDINGS"] * 3)
        self.assertEqual(records[2]["Updates"], [
            {"UpdatedField": "Workflow.Status", "OldValue": "NEW", "NewValue": "NOTIFIED"}])
        times = [r["UpdateTime"] for r in records]
        self.assertEqual(times, sorted(times))
        after = sh.get_finding_history(FindingIdentifier=ident, StartTime=middle)["Records"]
        self.assertEqual(len(after), 3)
        before = sh.get_finding_history(FindingIdentifier=ident, EndTime=middle)["Records"]
        self.assertEqual(len(before), 2)
        _, cli, _ = self.server.aws("get-finding-history", "--finding-identifier",
                                    f"Id={f['Id']},ProductArn={PRODUCT}")
        self.assertEqual(len(cli["Records"]), 5)
        none = sh.get_finding_history(FindingIdentifier={"Id": "never", "ProductArn": PRODUCT})
        self.assertEqual(none["Records"], [])


if __name__ == "__main__":
    unittest.main()
