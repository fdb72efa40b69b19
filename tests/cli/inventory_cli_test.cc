// corroborate inventory import / pull and corroborate resource, end to end with the real binary
// and store: the examples/inventory/ story (an open group attached only by the EC2 API, then
// fixed), the IoT relation from list-thing-principals on stdin, provenance, errors and exit codes.
#include <gtest/gtest.h>

#include <simdjson.h>

#include "cli_harness.h"

namespace corroborate::testing {
namespace {

const std::string kNow = "--now=2026-11-23T00:00:00Z";
const std::string kWebInstance = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0c1d2e3f4a5b60789";
const std::string kOpenGroup =
    "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0aa1bb2cc3dd4ee55";

class InventoryCliTest : public CliHarness {
 protected:
  static std::string Inventory(const std::string& file) {
    return Examples() + "/inventory/" + file;
  }
};

TEST_F(InventoryCliTest, TheExampleStoryAnOpenGroupAttachedOnlyByTheEc2Api) {
  auto r = Corroborate({kNow, "ingest", Inventory("web-tier-findings.ndjson")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 incident(s) created"), std::string::npos) << r.out;

  r = Corroborate({kNow, "inventory", "import", Inventory("ec2-describe-instances.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 item(s): 1 created"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("relations: 3 added"), std::string::npos) << r.out;
  EXPECT_NE(
      r.out.find("incident created: ec2-exposed-under-attack on AwsEc2Instance " + kWebInstance),
      std::string::npos)
      << r.out;

  // The group's view: who relates it to what, from where, and until when it counts.
  r = Corroborate({kNow, "resource", kOpenGroup});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("resource AwsEc2SecurityGroup " + kOpenGroup), std::string::npos);
  EXPECT_NE(r.out.find("ec2:DescribeInstances item of " + kWebInstance +
                       " (SecurityGroups): last "
                       "seen 2026-11-23T00:00:00.000Z, counts until 2026-12-23T00:00:00.000Z"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("EC2.18"), std::string::npos);  // its finding
  // The instance's view in JSON, the API's document: the rule fires.
  r = Corroborate({kNow, "resource", "-o", "json", "i-0c1d2e3f4a5b60789"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(doc["Resource"]["Id"].get_string().value(), kWebInstance);
  EXPECT_EQ(doc["Inventory"].get_array().size(), 1U);
  EXPECT_EQ(doc["Findings"].get_array().size(), 4U);  // three evidence, one incident
  bool fires = false;
  for (auto rule : doc["Rules"].get_array()) {
    if (rule["RuleId"].get_string().value() == "ec2-exposed-under-attack") {
      fires = rule["Fires"].get_bool().value();
    }
  }
  EXPECT_TRUE(fires);

  // Fixed: the instance now uses another group. The incident is withdrawn.
  r = Corroborate({"--now=2026-11-23T06:00:00Z", "inventory", "import",
                   Inventory("ec2-describe-instances-after-fix.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 replaced"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("relations: 2 added, 2 removed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("incident archived: ec2-exposed-under-attack"), std::string::npos) << r.out;
}

TEST_F(InventoryCliTest, ListThingPrincipalsOnStdinWithTheThingGiven) {
  auto r = Corroborate({kNow, "ingest", Examples() + "/sns-lambda-device-defender.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Without the thingName member the output does not say whose principals these are.
  r = Corroborate(
      {kNow, "inventory", "import", "-"},
      R"({"principals": ["arn:aws:iot:eu-west-1:111122223333:cert/3f8a9c1d2b4e6f7081928374655647382910abcdef0123456789abcdef012345"]})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("-:1: InvalidInput: list-thing-principals output does not name its thing: "
                       "give --thing NAME|ARN"),
            std::string::npos)
      << r.err;
  r = Corroborate(
      {kNow, "inventory", "import", "--thing", "pump-017", "-"},
      R"({"principals": ["arn:aws:iot:eu-west-1:111122223333:cert/3f8a9c1d2b4e6f7081928374655647382910abcdef0123456789abcdef012345"]})");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("relations: 1 added"), std::string::npos) << r.out;
  // The self-describing form (the request's thingName beside the answer) is the same item.
  r = Corroborate({kNow, "inventory", "import", Inventory("iot-thing-principals-pump-017.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 refreshed"), std::string::npos) << r.out;
  r = Corroborate({kNow, "resource", "arn:aws:iot:eu-west-1:111122223333:thing/pump-017"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("iot:ListThingPrincipals item of "
                       "arn:aws:iot:eu-west-1:111122223333:thing/pump-017 (principal)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("rule iot-device-with-compromised-certificate on AwsIotRegisteredThing"),
            std::string::npos);
}

TEST_F(InventoryCliTest, BadInputUsageAndExitStatuses) {
  const auto bad = Write("bad.ndjson",
                         "{\"hello\": 1}\n"
                         "{\"Reservations\": [{\"OwnerId\": \"111122223333\", \"Instances\": "
                         "[{\"State\": {\"Name\": \"running\"}}]}]}\n"
                         "{\"principals\": [\n");
  auto r = Corroborate({kNow, "inventory", "import", bad.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.ndjson:1: UnsupportedDocument: not an inventory document"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("bad.ndjson:2 Reservations[0].Instances[0]: InvalidInput: instance "
                       "without InstanceId"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("bad.ndjson:3: InvalidInput: truncated"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("3 rejected"), std::string::npos) << r.out;

  r = Corroborate({"inventory", "import", "--account", "12", "-"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("12-digit"), std::string::npos);
  r = Corroborate({"inventory", "import", "--observed-at", "yesterday", "-"});
  EXPECT_EQ(r.exit_code, 2);
  r = Corroborate({"inventory", "import", (dir_ / "missing.json").string()});
  EXPECT_EQ(r.exit_code, 3);
  r = Corroborate({"inventory", "import"});
  EXPECT_EQ(r.exit_code, 2);
  r = Corroborate({"inventory", "import", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("list-thing-principals"), std::string::npos);

  r = Corroborate({"inventory", "pull", "--region", "eu-west-1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("say what to read"), std::string::npos) << r.err;

  r = Corroborate(
      {kNow, "resource", "arn:aws:ec2:eu-west-1:111122223333:instance/i-0999999999999999a"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nothing stored names the resource"), std::string::npos) << r.err;
}

TEST_F(InventoryCliTest, StaleInventoryIsSaidAndRetentionDeletesWhatExpired) {
  auto r =
      Corroborate({kNow, "--inventory-expiry-days", "7", "inventory", "import", "--observed-at",
                   "2026-11-01T00:00:00Z", Inventory("ec2-describe-instances.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("longer ago than the inventory expiry window"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 observed longer ago than the expiry window"), std::string::npos);
  r = Corroborate({kNow, "--inventory-expiry-days", "7", "resource", kOpenGroup});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(does not count)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("EXPIRED at 2026-11-08T00:00:00.000Z"), std::string::npos) << r.out;
  r = Corroborate({kNow, "--inventory-expiry-days", "7", "retention"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 inventory item(s) not seen within the expiry window"), std::string::npos)
      << r.out;
  r = Corroborate({kNow, "resource", kOpenGroup});
  EXPECT_EQ(r.exit_code, 1);
}

}  // namespace
}  // namespace corroborate::testing
