"""`corroborate inventory pull` end to end: the real binary against local fakes of the IoT API and
AWS Config that serve recorded pages and check every request's SigV4 signature (service iot or
config, the JSON 1.1 X-Amz-Target included) with botocore's signer; the relations land in the
resource graph with their provenance."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from harness import JsonHandler, LocalFake  # noqa: E402

BIN = os.environ.get("CORROBORATE_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "corroborate")
TIMEOUT = float(os.environ.get("CORROBORATE_TEST_TIMEOUT", "60"))
ACCESS_KEY, SECRET_KEY = "AKIAINVPULLTEST00001", "inventory/pull/test/secret/not/real/key0"
REGION, ACCOUNT = "eu-west-1", "111122223333"
CERT = (f"arn:aws:iot:{REGION}:{ACCOUNT}:cert/"
        "9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544")
ENI, INSTANCE, GROUP = "eni-0f0e0d0c0b0a09080", "i-0c1d2e3f4a5b60789", "sg-0aa1bb2cc3dd4ee55"
NOW = "2026-11-23T00:00:00Z"


class FakeAws(LocalFake):
    def __init__(self, service):
        self.service, self.calls, self.bad_signatures = service, [], []
        fake = self

        class Handler(JsonHandler):
            def handle_call(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signed = {k: self.headers[k] for k in ("Host", "Content-Type", "X-Amz-Date",
                                                       "X-Amz-Target") if self.headers.get(k)}
                request = AWSRequest(method=self.command,
                                     url=f"http://{self.headers['Host']}{self.path}", data=body,
                                     headers=signed)
                request.context["timestamp"] = self.headers["X-Amz-Date"]
                botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY),
                                        fake.service, REGION).add_auth(request)
                if (self.headers.get("Authorization", "").split("Signature=")[-1]
                        != request.headers["Authorization"].split("Signature=")[1]):
                    fake.bad_signatures.append(self.path)
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                target = self.headers.get("X-Amz-Target", "")
                fake.calls.append((self.command, url.path, target))
                if fake.service == "iot":
                    if url.path == "/things/pump-117":
                        return self.answer(200, {
                            "thingName": "pump-117", "thingTypeName": "pump",
                            "thingArn": f"arn:aws:iot:{REGION}:{ACCOUNT}:thing/pump-117",
                            "attributes": {"site": "north"}, "version": 3})
                    if url.path == "/things/pump-117/principals":
                        return self.answer(200, {"principals": [CERT]})
                    if url.path == "/attached-policies/" + urllib.parse.quote(CERT, safe=""):
                        return self.answer(200, {"policies": [{
                            "policyName": "PumpFleetPolicy",
                            "policyArn": f"arn:aws:iot:{REGION}:{ACCOUNT}:policy/PumpFleetPolicy"}]})
                if target == "StarlingDoveService.ListDiscoveredResources":
                    if json.loads(body)["resourceType"] != "AWS::EC2::NetworkInterface":
                        return self.answer(400, {"__type": "AccessDeniedException",
                                                 "message": "not allowed: config:List..."})
                    page = {"resourceIdentifiers": [{"resourceType": "AWS::EC2::NetworkInterface",
                                                     "resourceId": ENI}]}
                    if not json.loads(body).get("nextToken"):
                        page = {"resourceIdentifiers": [], "nextToken": "n2"}  # an empty page
                    return self.answer(200, page)
                if target == "StarlingDoveService.GetResourceConfigHistory":
                    return self.answer(200, {"configurationItems": [{
                        "accountId": ACCOUNT, "configurationItemCaptureTime": 1795300000.0,
                        "configurationItemStatus": "OK",
                        "resourceType": "AWS::EC2::NetworkInterface", "resourceId": ENI,
                        "awsRegion": REGION, "relationships": [
                            {"resourceType": "AWS::EC2::Instance", "resourceId": INSTANCE,
                             "relationshipName": "Is attached to Instance"},
                            {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": GROUP,
                             "relationshipName": "Is associated with SecurityGroup"}]}]})
                return self.answer(400, {"__type": "ValidationException",
                                         "message": f"unexpected {self.command} {self.path} {target}"})

            do_GET = handle_call
            do_POST = handle_call

        self.serve(Handler)


class InventoryPullTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="corroborate-inventory-pull-")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                        AWS_EC2_METADATA_DISABLED="true", HOME=self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cli(self, *args):
        return subprocess.run([BIN, "--data-dir", os.path.join(self.tmp, "data"), "--now", NOW,
                               *args], capture_output=True, text=True, env=self.env,
                              timeout=TIMEOUT)

    def test_things_and_config_items_are_pulled_into_the_graph(self):
        iot, config = FakeAws("iot"), FakeAws("config")
        try:
            p = self.cli("inventory", "pull", "--region", REGION, "--account", ACCOUNT,
                         "--iot-thing", "pump-117", "--config-type", "AWS::EC2::NetworkInterface",
                         "--iot-endpoint-url", iot.endpoint, "--config-endpoint-url",
                         config.endpoint, "--no-builtin-rules")
        finally:
            iot.stop()
            config.stop()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(iot.bad_signatures + config.bad_signatures, [])
        self.assertEqual([c[2] for c in config.calls],
                         ["StarlingDoveService.ListDiscoveredResources"] * 2 +
                         ["StarlingDoveService.GetResourceConfigHistory"])
        self.assertEqual([c[1] for c in iot.calls],
                         ["/things/pump-117", "/things/pump-117/principals",
                          "/attached-policies/" + urllib.parse.quote(CERT, safe="")])
        self.assertIn("imported the IoT API and AWS Config", p.stdout)
        view = self.cli("resource", "--output", "json", "--no-builtin-rules",
                        f"arn:aws:iot:{REGION}:{ACCOUNT}:thing/pump-117")
        self.assertEqual(view.returncode, 0, view.stderr)
        relations = json.loads(view.stdout)["Relations"]
        self.assertEqual([r["Id"] for r in relations], [CERT])
        self.assertEqual(relations[0]["Provenance"][0]["Source"], "iot:ListThingPrincipals")
        described = [i for i in json.loads(view.stdout)["Inventory"]
                     if i["Source"] == "iot:DescribeThing"]
        self.assertEqual(len(described), 1)
        self.assertEqual(described[0]["Attributes"].get("attributes.site"), "north")
        view = self.cli("resource", "--output", "json", "--no-builtin-rules",
                        f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/{ENI}")
        self.assertEqual(view.returncode, 0, view.stderr)
        ids = {r["Id"] for r in json.loads(view.stdout)["Relations"]}
        self.assertEqual(ids, {f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{INSTANCE}",
                               f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{GROUP}"})

    def test_nothing_to_read_is_a_usage_error_and_aws_errors_are_said(self):
        p = self.cli("inventory", "pull", "--region", REGION)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--iot-thing", p.stderr)
        config = FakeAws("config")
        try:
            p = self.cli("inventory", "pull", "--region", REGION, "--config-type",
                         "AWS::S3::Bucket", "--config-endpoint-url", config.endpoint)
        finally:
            config.stop()
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertIn("AWS Config ListDiscoveredResources", p.stderr)
        self.assertNotIn(SECRET_KEY, p.stderr + p.stdout)


if __name__ == "__main__":
    unittest.main()
