"""The function on the DynamoDB store, against moto_server (started here on 127.0.0.1) with the
table exactly as deploy/corroborate.yaml declares it: the store opens on that table (so the
stack and the code agree on keys, indexes and TTL), two execution environments share it, and
evidence that arrives in different environments still makes one incident."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from cfnlint.decode import cfn_yaml

from fake_runtime_api import FakeRuntimeApi
from test_runtime import BIN, NOW, SOURCE_DIR, TIMEOUT, imported_event

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from harness import MotoServer  # noqa: E402

TEMPLATE = os.path.join(SOURCE_DIR, "deploy", "corroborate.yaml")
EXAMPLES = os.path.join(SOURCE_DIR, "examples")
TABLE = "corroborate-stack-table"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAMOTOFAKE", "AWS_SECRET_ACCESS_KEY": "fake",
               "AWS_REGION": "eu-west-1"}


def example_s3_evidence():
    """The Macie sensitive-data finding and the GuardDuty S3 exfiltration one of examples/."""
    with open(os.path.join(EXAMPLES, "guardduty-findings.ndjson"), encoding="utf-8") as f:
        guardduty = [json.loads(line) for line in f if line.strip()]
    with open(os.path.join(EXAMPLES, "eventbridge-imported-events.json"), encoding="utf-8") as f:
        events = json.load(f)
    events = events if isinstance(events, list) else [events]
    macie = [x for e in events for x in e["detail"]["findings"]
             if "SensitiveData:S3Object" in " ".join(x["Types"])]
    exfiltration = [x for x in guardduty if "Exfiltration:S3" in " ".join(x["Types"])]
    assert macie and exfiltration
    return macie[0], exfiltration[0]


class DynamoDbStackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoServer()
        table = cfn_yaml.load(TEMPLATE)["Resources"]["StateTable"]["Properties"]
        client = cls.moto.client("dynamodb")
        client.create_table(TableName=TABLE, BillingMode=table["BillingMode"],
                            AttributeDefinitions=table["AttributeDefinitions"],
                            KeySchema=table["KeySchema"],
                            GlobalSecondaryIndexes=table["GlobalSecondaryIndexes"])
        ttl = table["TimeToLiveSpecification"]
        client.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={
            "Enabled": ttl["Enabled"], "AttributeName": ttl["AttributeName"]})

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="corroborate-dynamodb-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, **extra):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("CORROBORATE_") and not k.startswith("AWS_")}
        e.update(CREDENTIALS)
        e.update({"CORROBORATE_DYNAMODB_TABLE": TABLE, "AWS_ENDPOINT_URL_DYNAMODB": self.moto.endpoint,
                  "CORROBORATE_DATA_DIR": os.path.join(self.tmp, "unused"), "CORROBORATE_NOW": NOW})
        e.update(extra)
        return e

    def run_environment(self, events):
        """One execution environment: `corroborate lambda` serving `events`, then exiting."""
        api = FakeRuntimeApi()
        try:
            for n, event in enumerate(events):
                api.add(event, f"r-{n}")
            p = subprocess.run([BIN, "lambda", "--max-invocations", str(len(events))],
                               env=self.env(AWS_LAMBDA_RUNTIME_API=api.address),
                               capture_output=True, text=True, timeout=TIMEOUT)
            self.assertEqual(p.returncode, 0, p.stderr)
            return [api.result(f"r-{n}") for n in range(len(events))]
        finally:
            api.close()

    def stored(self):
        out = subprocess.run([BIN, "findings", "--max", "0", "-o", "ndjson"], env=self.env(),
                             capture_output=True, text=True, timeout=TIMEOUT, check=True).stdout
        return [json.loads(line) for line in out.splitlines()]

    def test_evidence_from_two_execution_environments_makes_one_incident(self):
        macie, exfiltration = example_s3_evidence()
        first = self.run_environment([imported_event([macie])])
        self.assertEqual(first[0][0], "response", first)
        self.assertEqual(first[0][1]["SuccessCount"], 1)
        incidents = [f for f in self.stored() if f["GeneratorId"].startswith("corroborate")]
        self.assertEqual(incidents, [])
        # Another environment (another process, nothing shared but the table) gets the GuardDuty
        # half of the evidence and finds the Macie half in the table.
        second = self.run_environment([imported_event([exfiltration])])
        self.assertEqual(second[0][0], "response", second)
        stored = self.stored()
        incidents = [f for f in stored if "s3-sensitive-data-exfiltration" in f["GeneratorId"]]
        self.assertEqual(len(incidents), 1, [f["GeneratorId"] for f in stored])
        self.assertEqual(sorted(r["Id"] for r in incidents[0]["RelatedFindings"]),
                         sorted([macie["Id"], exfiltration["Id"]]))
        self.assertEqual(incidents[0]["Severity"]["Label"], "CRITICAL")
        # Nothing went to the local data directory.
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "unused")))

    def test_the_cli_reads_and_updates_what_the_function_stored(self):
        macie, _ = example_s3_evidence()
        revised = dict(macie, Id=macie["Id"] + "-cli", UpdatedAt="2026-11-21T00:00:00Z")
        self.run_environment([imported_event([revised])])
        p = subprocess.run([BIN, "update", "--id", revised["Id"], "--product-arn",
                            revised["ProductArn"], "--workflow-status", "NOTIFIED"],
                           env=self.env(), capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        mine = [f for f in self.stored() if f["Id"] == revised["Id"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["Workflow"]["Status"], "NOTIFIED")
        # A re-delivery of the same revision changes nothing; the analyst's status stays.
        self.run_environment([imported_event([revised])])
        mine = [f for f in self.stored() if f["Id"] == revised["Id"]]
        self.assertEqual(mine[0]["Workflow"]["Status"], "NOTIFIED")

    def test_a_table_that_is_not_a_store_is_an_init_error_naming_it(self):
        api = FakeRuntimeApi()
        try:
            api.add(imported_event([]), "r-0")
            p = subprocess.run([BIN, "lambda", "--max-invocations", "1"],
                               env=self.env(AWS_LAMBDA_RUNTIME_API=api.address,
                                            CORROBORATE_DYNAMODB_TABLE="not-there"),
                               capture_output=True, text=True, timeout=TIMEOUT)
            self.assertNotEqual(p.returncode, 0)
            errors = api.init_errors()
            self.assertEqual(len(errors), 1, p.stderr)
            self.assertIn("not-there", errors[0][0]["errorMessage"])
            self.assertIn("does not exist", errors[0][0]["errorMessage"])
        finally:
            api.close()


if __name__ == "__main__":
    unittest.main()
