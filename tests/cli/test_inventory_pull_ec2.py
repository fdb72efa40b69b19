"""`corroborate inventory pull --ec2` end to end against moto_server's EC2 (its XML Query API),
started here on 127.0.0.1: the pulled instances, interfaces and groups are the graph that
importing awscli's own `aws ec2 describe-*` JSON of the same account gives, pages are followed,
and the network-exposure incident starts when a pull finds the open group attached and ends when
a later pull finds it detached."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "server"))
from harness import BIN, REGION, TIMEOUT, MotoServer  # noqa: E402

MOTO_ACCOUNT = "123456789012"  # the account moto answers for
NOW = "2026-11-23T00:00:00Z"
SECURITY_HUB = f"arn:aws:securityhub:{REGION}::product/aws/securityhub"
GUARD_DUTY = f"arn:aws:securityhub:{REGION}::product/aws/guardduty"


def finding(product, name, fid, ftype, resource_type, resource_id, **extra):
    f = {"SchemaVersion": "2018-10-08", "Id": fid, "ProductArn": product, "ProductName": name,
         "GeneratorId": "g", "AwsAccountId": MOTO_ACCOUNT, "Types": [ftype],
         "CreatedAt": "2026-11-20T10:00:00Z", "UpdatedAt": "2026-11-20T10:00:00Z",
         "Severity": {"Label": "HIGH"}, "Title": fid, "Description": "d",
         "Resources": [{"Type": resource_type, "Id": resource_id, "Region": REGION}]}
    f.update(extra)
    return f


def exposure_findings(instance, group):
    standards = "Software and Configuration Checks/Industry and Regulatory Standards"
    return [
        finding(SECURITY_HUB, "Security Hub", "ec2-9", standards, "AwsEc2Instance", instance,
                Compliance={"Status": "FAILED", "SecurityControlId": "EC2.9"}),
        finding(GUARD_DUTY, "GuardDuty", "gd-port", "TTPs/Discovery/Behavior:EC2-NetworkPortUnusual",
                "AwsEc2Instance", instance),
        finding(GUARD_DUTY, "GuardDuty", "gd-ssh",
                "TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce", "AwsEc2Instance",
                instance),
        finding(SECURITY_HUB, "Security Hub", "ec2-18", standards, "AwsEc2SecurityGroup", group,
                Compliance={"Status": "FAILED", "SecurityControlId": "EC2.18"}),
    ]


class Ec2PullTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoServer()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="corroborate-ec2-pull-")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(AWS_ACCESS_KEY_ID="AKIAMOTOFAKE", AWS_SECRET_ACCESS_KEY="fake",
                        AWS_EC2_METADATA_DISABLED="true", HOME=self.tmp)
        self.ec2 = self.moto.client("ec2")
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24",
                                        AvailabilityZone=REGION + "a")["Subnet"]["SubnetId"]
        self.closed = self.ec2.create_security_group(GroupName="closed", Description="none",
                                                     VpcId=vpc)["GroupId"]
        self.open = self.ec2.create_security_group(GroupName="open", Description="ssh",
                                                   VpcId=vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=self.open, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        # Seven instances, so a page size of 5 takes two pages; the first has the open group.
        instances = self.ec2.run_instances(ImageId="ami-12c6146b", MinCount=7, MaxCount=7,
                                           SubnetId=subnet, SecurityGroupIds=[self.closed])
        self.ids = [i["InstanceId"] for i in instances["Instances"]]
        self.target = self.ids[0]
        self.ec2.modify_instance_attribute(InstanceId=self.target, Groups=[self.open])

    def tearDown(self):
        self.ec2.terminate_instances(InstanceIds=self.ids)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cli(self, data, *args, stdin=None):
        return subprocess.run([BIN, "--data-dir", os.path.join(self.tmp, data), "--now", NOW,
                               *args], capture_output=True, text=True, env=self.env,
                              input=stdin, timeout=TIMEOUT)

    def pull(self, data, *extra):
        return self.cli(data, "inventory", "pull", "--region", REGION, "--ec2",
                        "--ec2-endpoint-url", self.moto.endpoint, *extra)

    def view(self, data, arn):
        p = self.cli(data, "resource", "--output", "json", "--no-builtin-rules", arn)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def relations(self, data, arn):
        return sorted((r["Id"], r["Type"], tuple(sorted(p["Source"] for p in r["Provenance"])))
                      for r in self.view(data, arn)["Relations"])

    def inventory(self, data, arn):
        """What each source stated about the resource: its attributes and relations."""
        return sorted((i["Source"], sorted(i["Attributes"].items()),
                       sorted((r["To"], r["Name"]) for r in i["Relations"]))
                      for i in self.view(data, arn)["Inventory"])

    def test_a_pull_is_the_graph_awscli_output_gives(self):
        p = self.pull("pulled", "--ec2-page-size", "5", "--no-builtin-rules")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("imported the EC2 API", p.stdout)

        # The same account through awscli (a real client of the same API), imported from files.
        for command in ("describe-security-groups", "describe-network-interfaces",
                        "describe-instances"):
            out = subprocess.run(["aws", "ec2", command, "--endpoint-url", self.moto.endpoint,
                                  "--region", REGION, "--output", "json"], capture_output=True,
                                 text=True, env=self.env, timeout=TIMEOUT, check=True).stdout
            imported = self.cli("from-awscli", "inventory", "import", "--region", REGION,
                                "--no-builtin-rules", "-", stdin=out)
            self.assertEqual(imported.returncode, 0, imported.stdout + imported.stderr)

        instance = f"arn:aws:ec2:{REGION}:{MOTO_ACCOUNT}:instance/{self.target}"
        group = f"arn:aws:ec2:{REGION}:{MOTO_ACCOUNT}:security-group/{self.open}"
        pulled = self.relations("pulled", instance)
        self.assertEqual(pulled, self.relations("from-awscli", instance))
        related = {r[0] for r in pulled}
        self.assertIn(group, related)  # attached directly
        self.assertTrue(any(":network-interface/eni-" in r for r in related), related)
        self.assertEqual(self.inventory("pulled", instance), self.inventory("from-awscli", instance))
        group_items = self.inventory("pulled", group)
        self.assertEqual(group_items, self.inventory("from-awscli", group))
        self.assertIn("tcp/22", json.dumps(group_items))  # what it opens to the internet
        # Every instance arrived, the second page's too.
        last = f"arn:aws:ec2:{REGION}:{MOTO_ACCOUNT}:instance/{self.ids[-1]}"
        self.assertEqual(self.relations("pulled", last), self.relations("from-awscli", last))
        self.assertIn(f"arn:aws:ec2:{REGION}:{MOTO_ACCOUNT}:security-group/{self.closed}",
                      {r[0] for r in self.relations("pulled", last)})

    def test_the_exposure_incident_follows_the_group_as_pulls_see_it(self):
        evidence = "\n".join(json.dumps(f) for f in exposure_findings(self.target, self.open))
        p = self.cli("store", "ingest", "-", stdin=evidence)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("ec2-exposed-under-attack", p.stdout)  # nothing relates them yet

        p = self.pull("store")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("created", p.stdout)
        self.assertIn("ec2-exposed-under-attack", p.stdout)

        self.ec2.modify_instance_attribute(InstanceId=self.target, Groups=[self.closed])
        p = self.pull("store")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("archived", p.stdout)
        self.assertIn("ec2-exposed-under-attack", p.stdout)

    def test_ec2_errors_name_the_call_and_what_ec2_said(self):
        p = self.cli("errors", "inventory", "pull", "--region", REGION, "--ec2",
                     "--ec2-endpoint-url", self.moto.endpoint, "--ec2-page-size", "2")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)  # EC2 takes 5..1000
        self.assertIn("--ec2-page-size", p.stderr)
        # Something that answers, but not EC2's XML: the page is refused, not half-read.
        p = self.cli("errors", "inventory", "pull", "--region", REGION, "--ec2",
                     "--ec2-endpoint-url", self.moto.endpoint + "/moto-api/data.json")
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertIn("DescribeSecurityGroups", p.stderr)
        self.assertNotIn("fake", p.stderr.replace("AKIAMOTOFAKE", ""))


if __name__ == "__main__":
    unittest.main()
