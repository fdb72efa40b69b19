// Inventory into the store's resource graph with the real embedded store and the built-in rules:
// the network-exposure incident fires when inventory attaches the open security group to the
// instance and is withdrawn once the group is detached; an IoT incident fires through the thing -
// certificate relation of list-thing-principals output; a group on thousands of instances is
// re-evaluated in bounded steps; relation cycles, expiry and bad input.
#include "pipeline/inventory_import.h"
#include "pipeline/inventory_pull.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "asff/import.h"
#include "correlate/builtin_rules.h"
#include "pipeline/correlation.h"
#include "pipeline/pipeline.h"
#include "sources/sources.h"

namespace corroborate::pipeline {
namespace {

constexpr asff::TimeMs kNow = 1795392000000;  // 2026-11-23T00:00:00Z
constexpr std::string_view kInstanceId = "i-0c1d2e3f4a5b60789";
constexpr std::string_view kInstance =
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-0c1d2e3f4a5b60789";
constexpr std::string_view kOpenGroupId = "sg-0aa1bb2cc3dd4ee55";
constexpr std::string_view kOtherGroupId = "sg-0bb2cc3dd4ee5ff66";
constexpr std::string_view kInterfaceId = "eni-0f0e0d0c0b0a09080";
constexpr std::string_view kCertificate =
    "arn:aws:iot:eu-west-1:111122223333:cert/"
    "9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544";
constexpr std::string_view kThing = "arn:aws:iot:eu-west-1:111122223333:thing/pump-117";
constexpr std::string_view kSecurityHub = "arn:aws:securityhub:eu-west-1::product/aws/securityhub";
constexpr std::string_view kGuardDuty = "arn:aws:securityhub:eu-west-1::product/aws/guardduty";
constexpr std::string_view kDefault =
    "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default";

std::string Finding(std::string_view product_arn, std::string_view product_name,
                    std::string_view id, std::string_view type, std::string_view resource_type,
                    std::string_view resource_id, std::string_view extra) {
  return std::string(R"({"SchemaVersion": "2018-10-08", "Id": ")") + std::string(id) +
         R"(", "ProductArn": ")" + std::string(product_arn) + R"(", "ProductName": ")" +
         std::string(product_name) + R"(", "GeneratorId": "g", "AwsAccountId": "111122223333",
         "Types": [")" +
         std::string(type) + R"("], "CreatedAt": "2026-11-20T10:00:00Z",
         "UpdatedAt": "2026-11-20T10:00:00Z", "Severity": {"Label": "HIGH"}, "Title": ")" +
         std::string(id) + R"(", "Description": "d", "Resources": [{"Type": ")" +
         std::string(resource_type) + R"(", "Id": ")" + std::string(resource_id) +
         R"(", "Region": "eu-west-1"}])" + std::string(extra) + "}";
}

// The evidence of the exposed-instance story for `instance_id`, with the group's EC2.18 finding,
// but no finding stating how they are related.
std::vector<std::string> ExposureFindings(std::string_view instance_id,
                                          bool with_group_finding = true) {
  std::vector<std::string> out{
      Finding(kSecurityHub, "Security Hub", "ec2-9-" + std::string(instance_id),
              "Software and Configuration Checks/Industry and Regulatory Standards",
              "AwsEc2Instance", instance_id,
              R"(, "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.9"})"),
      Finding(kGuardDuty, "GuardDuty", "gd-port-" + std::string(instance_id),
              "TTPs/Discovery/Behavior:EC2-NetworkPortUnusual", "AwsEc2Instance", instance_id, ""),
      Finding(kGuardDuty, "GuardDuty", "gd-ssh-" + std::string(instance_id),
              "TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce", "AwsEc2Instance",
              instance_id, "")};
  if (with_group_finding) {
    out.push_back(
        Finding(kSecurityHub, "Security Hub", "ec2-18-open",
                "Software and Configuration Checks/Industry and Regulatory Standards",
                "AwsEc2SecurityGroup", kOpenGroupId,
                R"(, "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.18"})"));
  }
  return out;
}

// describe-instances output: the instance, its interface and its group(s).
std::string DescribeInstances(std::string_view group_id) {
  return std::string(
             R"({"Reservations": [{"OwnerId": "111122223333", "ReservationId": "r-0123456789abcdef0",
      "Instances": [{"InstanceId": ")") +
         std::string(kInstanceId) + R"(", "State": {"Code": 16, "Name": "running"},
        "Placement": {"AvailabilityZone": "eu-west-1a"}, "PublicIpAddress": "198.51.100.7",
        "NetworkInterfaces": [{"NetworkInterfaceId": ")" +
         std::string(kInterfaceId) + R"(", "Groups": [{"GroupId": ")" + std::string(group_id) +
         R"(", "GroupName": "g"}]}],
        "SecurityGroups": [{"GroupId": ")" +
         std::string(group_id) + R"(", "GroupName": "g"}]}]}]})";
}

// An AWS Config item of the interface (attached to the instance, associated with a group),
// delivered form; `captured` its capture time.
std::string InterfaceItem(std::string_view group_id, std::string_view captured) {
  return std::string(R"({"configurationItemCaptureTime": ")") + std::string(captured) +
         R"(", "configurationItemStatus": "OK", "resourceType": "AWS::EC2::NetworkInterface",
      "resourceId": ")" +
         std::string(kInterfaceId) + R"(", "awsRegion": "eu-west-1",
      "awsAccountId": "111122223333", "relationships": [
        {"resourceType": "AWS::EC2::Instance", "resourceId": ")" +
         std::string(kInstanceId) +
         R"(", "name": "Is attached to Instance"},
        {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": ")" +
         std::string(group_id) + R"(", "name": "Is associated with SecurityGroup"}]})";
}

class InventoryImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("corroborate-inventory-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Open();
    for (const auto& file : correlate::BuiltinRuleFiles()) {
      correlate::LoadRules(file.text, file.name, rules_);
    }
    ASSERT_TRUE(rules_.errors.empty());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(int expiry_days = 30) {
    store_.reset();
    store::StoreOptions options;
    options.sync = false;
    options.inventory_expiry_days = expiry_days;
    auto opened = store::OpenEmbeddedStore(dir_.string(), options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  // One `corroborate ingest` run over inline findings; returns "kind rule resource" per change.
  std::vector<std::string> Ingest(const std::vector<std::string>& findings,
                                  asff::TimeMs now = kNow) {
    std::vector<std::string> out;
    CorrelationStage stage(*store_, rules_.rules, Recorder(&out));
    EXPECT_TRUE(stage.Start().ok());
    PipelineOptions options;
    options.clock = [now] { return now; };
    options.correlation = &stage;
    options.on_failure = [](const FailedFinding& f) { ADD_FAILURE() << f.error_message; };
    IngestPipeline pipe(*store_, options);
    simdjson::dom::parser parser;
    for (const auto& json : findings) pipe.OnFinding(parser.parse(json).value(), {"inline", 1, ""});
    EXPECT_TRUE(pipe.Finish().ok());
    return out;
  }

  // One `corroborate inventory import` run over `text`.
  std::vector<std::string> Inventory(const std::string& text, inventory::Context context = {},
                                     asff::TimeMs now = kNow,
                                     std::vector<InventoryFailure>* failures = nullptr) {
    std::vector<std::string> out;
    CorrelationStage stage(*store_, rules_.rules, Recorder(&out));
    EXPECT_TRUE(stage.Start().ok());
    InventoryImportOptions options;
    options.context = std::move(context);
    options.clock = [now] { return now; };
    options.correlation = &stage;
    options.on_failure = [&](const InventoryFailure& f) {
      if (failures != nullptr) {
        failures->push_back(f);
      } else {
        ADD_FAILURE() << f.location << ": " << f.error_message;
      }
    };
    InventoryImporter importer(*store_, options);
    sources::ReadFindingsFromBuffer(text, "inventory.json", importer,
                                    InventoryImporter::ReadOptions());
    const Status s = importer.Finish();
    EXPECT_TRUE(s.ok()) << s.ToString();
    report_ = importer.report();
    return out;
  }

  static CorrelationStage::ChangeHandler Recorder(std::vector<std::string>* out) {
    return [out](const correlate::CorrelatedChange& c) {
      out->push_back(std::string(correlate::ToString(c.kind)) + " " + c.rule->id + " " +
                     c.group.canonical_key);
    };
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::FindingStore> store_;
  correlate::RuleSet rules_;
  InventoryImportReport report_;
};

const std::string kExposed = "ec2-exposed-under-attack " + std::string(kInstance);

TEST_F(InventoryImportTest, TheNetworkExposureIncidentFollowsTheInventoryAttachment) {
  EXPECT_TRUE(Ingest(ExposureFindings(kInstanceId)).empty());  // nothing relates them yet

  // describe-instances: the open group is attached to the instance (directly and through its
  // interface): the incident fires, with the group's EC2.18 finding among its evidence.
  EXPECT_EQ(Inventory(DescribeInstances(kOpenGroupId)),
            std::vector<std::string>{"created " + kExposed});
  EXPECT_EQ(report_.created, 1U);
  EXPECT_EQ(report_.relations_added, 3U);
  store::StoredFinding incident;
  ASSERT_TRUE(store_
                  ->Get({std::string(kDefault),
                         "corroborate/ec2-exposed-under-attack/" + std::string(kInstance)},
                        &incident)
                  .ok());
  bool has_group_evidence = false;
  for (const auto& r : incident.core.related_findings) has_group_evidence |= r.id == "ec2-18-open";
  EXPECT_TRUE(has_group_evidence);

  // The same observation again a day later changes nothing.
  EXPECT_TRUE(Inventory(DescribeInstances(kOpenGroupId), {}, kNow + asff::kMsPerDay).empty());
  EXPECT_EQ(report_.refreshed, 1U);

  // The group is detached (the instance now uses another one): withdrawn.
  EXPECT_EQ(Inventory(DescribeInstances(kOtherGroupId), {}, kNow + 2 * asff::kMsPerDay),
            std::vector<std::string>{"archived " + kExposed});
  EXPECT_EQ(report_.replaced, 1U);
  EXPECT_EQ(report_.relations_removed, 2U);  // interface - group, instance - group
}

TEST_F(InventoryImportTest, AConfigItemRelatesThroughTheInterfaceAndAChangeNotificationDetaches) {
  Ingest(ExposureFindings(kInstanceId));
  // Only the interface's item: instance - interface - group is the two-hop chain.
  EXPECT_EQ(
      Inventory(R"({"fileVersion": "1.0", "configSnapshotId": "s-1", "configurationItems": [)" +
                InterfaceItem(kOpenGroupId, "2026-11-21T06:00:00.000Z") + "]}"),
      std::vector<std::string>{"created " + kExposed});
  // Config's notification of the change, through SNS: associated with the other group now.
  std::string message = R"({"messageType": "ConfigurationItemChangeNotification",
      "configurationItem": )" +
                        InterfaceItem(kOtherGroupId, "2026-11-22T06:00:00.000Z") + "}";
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  EXPECT_EQ(
      Inventory(R"({"Type": "Notification", "TopicArn": "arn:aws:sns:eu-west-1:111122223333:config",
                          "Message": ")" +
                escaped + R"("})"),
      std::vector<std::string>{"archived " + kExposed});
  // A late, older item does not bring the old group back.
  EXPECT_TRUE(Inventory(InterfaceItem(kOpenGroupId, "2026-11-21T12:00:00.000Z")).empty());
  EXPECT_EQ(report_.stale, 1U);
}

TEST_F(InventoryImportTest, InventoryFirstThenTheFindingsFireOnIngest) {
  Inventory(DescribeInstances(kOpenGroupId));
  EXPECT_EQ(Ingest(ExposureFindings(kInstanceId)), std::vector<std::string>{"created " + kExposed});
}

// Done when: "an IoT correlation firing via thing -> certificate relations from
// list-thing-principals output".
TEST_F(InventoryImportTest, AnIotIncidentFiresThroughListThingPrincipals) {
  const std::string violation =
      Finding(kDefault, "IoT Device Defender - Detect", "violation-117",
              "Unusual Behaviors/AWS IoT Device Defender/aws:num-messages-sent",
              "AwsIotRegisteredThing", kThing, R"(, "Compliance": {"Status": "FAILED"})");
  const std::string shared =
      Finding(kDefault, "IoT Device Defender - Audit", "audit-shared-9d8c",
              "Software and Configuration Checks/AWS IoT Device Defender/"
              "DEVICE_CERTIFICATE_SHARED_CHECK",
              "AwsIotCertificate", kCertificate,
              R"(, "ProductFields": {"CheckName": "DEVICE_CERTIFICATE_SHARED_CHECK"},
                  "Compliance": {"Status": "FAILED"})");
  EXPECT_TRUE(Ingest({violation, shared}).empty());

  inventory::Context context;
  context.thing = "pump-117";  // `aws iot list-thing-principals --thing-name pump-117`
  const std::string rule_and_thing =
      "iot-device-with-compromised-certificate " + std::string(kThing);
  EXPECT_EQ(Inventory(R"({"principals": [")" + std::string(kCertificate) + R"("]})", context),
            std::vector<std::string>{"created " + rule_and_thing});

  // The certificate detached from the thing: nothing left to say where the thing is, so the
  // scope is given.
  context.defaults.region = "eu-west-1";
  context.defaults.account = "111122223333";
  EXPECT_EQ(Inventory(R"({"principals": []})", context, kNow + 1000),
            std::vector<std::string>{"archived " + rule_and_thing});
}

// A group attached to thousands of instances whose EC2.18 finding arrives: the instances are
// evaluated within the budget per batch, the rest later, all of them by the end of the run.
TEST_F(InventoryImportTest, AGroupOnThousandsOfInstancesIsEvaluatedInBoundedSteps) {
  constexpr int kInstances = 2000;
  std::string reservations = R"({"Reservations": [)";
  std::vector<std::string> findings;
  for (int i = 0; i < kInstances; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "i-%017x", 0x100000 + i);
    if (i > 0) reservations += ",";
    reservations += R"({"OwnerId": "111122223333", "Instances": [{"InstanceId": ")" +
                    std::string(id) + R"(", "Placement": {"AvailabilityZone": "eu-west-1a"},
        "SecurityGroups": [{"GroupId": ")" +
                    std::string(kOpenGroupId) + R"("}]}]})";
    for (std::string& f : ExposureFindings(id, /*with_group_finding=*/false)) {
      findings.push_back(std::move(f));
    }
  }
  reservations += "]}";
  EXPECT_TRUE(Inventory(reservations).empty());
  EXPECT_EQ(report_.created, static_cast<std::uint64_t>(kInstances));
  EXPECT_TRUE(Ingest(findings).empty());

  std::vector<std::string> changes;
  CorrelationStage stage(*store_, rules_.rules, Recorder(&changes));
  ASSERT_TRUE(stage.Start().ok());
  correlate::DeferralBudget budget;
  budget.max_groups = 300;
  budget.min_groups = 300;
  stage.SetDeferralBudget(budget);
  // One import batch, as the ingest pipeline stores and correlates it.
  simdjson::dom::parser parser;
  const std::string group_finding = ExposureFindings("i-00000000000000000").back();
  std::vector<store::IncomingFinding> batch(1);
  auto root = parser.parse(group_finding).value();
  ASSERT_TRUE(asff::DecodeFinding(root, batch[0].core).ok());
  batch[0].json = asff::NormalizeNewFinding(root, batch[0].core, kNow);
  std::vector<store::ImportOutcome> outcomes;
  ASSERT_TRUE(store_->Import(batch, kNow, &outcomes).ok());
  ASSERT_TRUE(stage.AfterBatch(batch, outcomes, kNow).ok());
  EXPECT_EQ(changes.size(), 300U);  // one batch: at most the budget
  EXPECT_EQ(stage.deferred(), static_cast<std::size_t>(kInstances - 300));
  ASSERT_TRUE(stage.Finish(kNow).ok());  // the rest by the end of the run
  EXPECT_EQ(changes.size(), static_cast<std::size_t>(kInstances));
  EXPECT_EQ(stage.deferred(), 0U);
}

TEST_F(InventoryImportTest, RelationCyclesAreWalkedOnce) {
  Ingest(ExposureFindings(kInstanceId));
  // instance - interface - group - instance, and the group related to the interface again by a
  // second source: a cycle every way round.
  const std::string items = DescribeInstances(kOpenGroupId) + "\n" +
                            InterfaceItem(kOpenGroupId, "2026-11-21T06:00:00.000Z") + "\n" +
                            R"({"configurationItemCaptureTime": "2026-11-21T06:00:00Z",
      "configurationItemStatus": "OK", "resourceType": "AWS::EC2::SecurityGroup",
      "resourceId": ")" + std::string(kOpenGroupId) +
                            R"(", "awsRegion": "eu-west-1",
      "awsAccountId": "111122223333", "relationships": [
        {"resourceType": "AWS::EC2::Instance", "resourceId": ")" +
                            std::string(kInstanceId) +
                            R"(", "name": "Is associated with Instance"},
        {"resourceType": "AWS::EC2::NetworkInterface", "resourceId": ")" +
                            std::string(kInterfaceId) +
                            R"(", "name": "Is associated with NetworkInterface"}]})";
  EXPECT_EQ(Inventory(items), std::vector<std::string>{"created " + kExposed});
}

TEST_F(InventoryImportTest, ExpiredRelationsStopCountingAndTheSweepWithdrawsTheIncident) {
  Open(/*expiry_days=*/3);
  Ingest(ExposureFindings(kInstanceId));
  EXPECT_EQ(Inventory(DescribeInstances(kOpenGroupId)),
            std::vector<std::string>{"created " + kExposed});
  // Four days on, nothing seen again: the evidence is still within the rule's window, the
  // relation is not.
  EXPECT_EQ(Ingest({}, kNow + 4 * asff::kMsPerDay),
            std::vector<std::string>{"archived " + kExposed});
  // Seen again: it counts again.
  EXPECT_EQ(Inventory(DescribeInstances(kOpenGroupId), {}, kNow + 5 * asff::kMsPerDay),
            std::vector<std::string>{"updated " + kExposed});
}

TEST_F(InventoryImportTest, BadInputIsReportedWithWhereAndWhyAndTheRestIsStored) {
  std::vector<InventoryFailure> failures;
  const std::string text =
      "{\"hello\": 1}\n"
      "{\"principals\": []}\n"
      "{\"configurationItems\": [{\"resourceType\": \"AWS::EC2::Instance\",\n"
      "  \"configurationItemStatus\": \"OK\", \"resourceId\": \"i-1\"},\n"
      "  " +
      InterfaceItem(kOpenGroupId, "2026-11-21T06:00:00.000Z") + "]}\n{\"truncated\": [";
  Inventory(text, {}, kNow, &failures);
  ASSERT_EQ(failures.size(), 4U);
  EXPECT_EQ(failures[0].location, "inventory.json:1");
  EXPECT_EQ(failures[0].error_code, "UnsupportedDocument");
  EXPECT_EQ(failures[1].location, "inventory.json:2");
  EXPECT_NE(failures[1].error_message.find("--thing"), std::string::npos);
  EXPECT_EQ(failures[2].location, "inventory.json:3 configurationItems[0]");
  EXPECT_NE(failures[2].error_message.find("configurationItemCaptureTime"), std::string::npos);
  EXPECT_EQ(failures[3].location, "inventory.json:10");
  EXPECT_NE(failures[3].error_message.find("truncated"), std::string::npos);
  EXPECT_EQ(report_.created, 1U);  // the interface item
  EXPECT_EQ(report_.failed, 4U);
}

// --- Pulled live (pipeline/inventory_pull.h), from recorded pages -------------------------------

class RecordedInventoryApi final : public InventoryApi {
 public:
  std::map<std::string, std::string> pages;  // "<call> <args> <token>" -> answer
  std::vector<std::string> asked;
  Result<std::string> Answer(const std::string& key) {
    asked.push_back(key);
    const auto it = pages.find(key);
    if (it == pages.end()) return Status::IOError("AccessDeniedException: not recorded: " + key);
    return it->second;
  }
  Result<std::string> ListThings(std::string_view t) override {
    return Answer("ListThings " + std::string(t));
  }
  Result<std::string> DescribeThing(std::string_view thing) override {
    return Answer("DescribeThing " + std::string(thing));
  }
  Result<std::string> ListThingPrincipals(std::string_view thing, std::string_view t) override {
    return Answer("ListThingPrincipals " + std::string(thing) + " " + std::string(t));
  }
  Result<std::string> ListAttachedPolicies(std::string_view target, std::string_view m) override {
    return Answer("ListAttachedPolicies " + std::string(target) + " " + std::string(m));
  }
  Result<std::string> ListDiscoveredResources(std::string_view type, std::string_view t) override {
    return Answer("ListDiscoveredResources " + std::string(type) + " " + std::string(t));
  }
  Result<std::string> GetResourceConfigHistory(std::string_view type,
                                               std::string_view id) override {
    return Answer("GetResourceConfigHistory " + std::string(type) + " " + std::string(id));
  }
  Result<std::string> DescribeEc2(std::string_view operation, std::string_view t) override {
    return Answer(std::string(operation) + " " + std::string(t));
  }
};

TEST_F(InventoryImportTest, APulledThingPrincipalFiresTheIotIncidentAndPagesAreFollowed) {
  EXPECT_TRUE(
      Ingest({Finding(kDefault, "IoT Device Defender - Detect", "violation-117",
                      "Unusual Behaviors/AWS IoT Device Defender/aws:num-messages-sent",
                      "AwsIotRegisteredThing", kThing, R"(, "Compliance": {"Status": "FAILED"})"),
              Finding(kDefault, "IoT Device Defender - Audit", "audit-shared-9d8c",
                      "Software and Configuration Checks/AWS IoT Device Defender/"
                      "DEVICE_CERTIFICATE_SHARED_CHECK",
                      "AwsIotCertificate", kCertificate,
                      R"(, "ProductFields": {"CheckName": "DEVICE_CERTIFICATE_SHARED_CHECK"},
                         "Compliance": {"Status": "FAILED"})")})
          .empty());
  RecordedInventoryApi api;
  const std::string cert(kCertificate);
  api.pages["ListThings "] = R"({"things": [{"thingName": "pump-001"}], "nextToken": "t2"})";
  api.pages["ListThings t2"] = R"({"things": [{"thingName": "pump-117"}]})";
  api.pages["DescribeThing pump-001"] = R"({"thingName": "pump-001", "attributes": {}})";
  api.pages["DescribeThing pump-117"] =
      R"({"thingName": "pump-117", "thingArn": "arn:aws:iot:eu-west-1:111122223333:thing/pump-117",
          "thingTypeName": "pump", "attributes": {"site": "north"}, "version": 3})";
  api.pages["ListThingPrincipals pump-001 "] = R"({"principals": []})";
  api.pages["ListThingPrincipals pump-117 "] =
      R"({"principals": ["arn:aws:iot:eu-west-1:111122223333:cognito/other"], "nextToken": "p2"})";
  api.pages["ListThingPrincipals pump-117 p2"] = R"({"principals": [")" + cert + R"("]})";
  api.pages["ListAttachedPolicies " + cert + " "] =
      R"({"policies": [{"policyName": "PumpFleetPolicy",
          "policyArn": "arn:aws:iot:eu-west-1:111122223333:policy/PumpFleetPolicy"}]})";

  std::vector<std::string> changes;
  CorrelationStage stage(*store_, rules_.rules, Recorder(&changes));
  ASSERT_TRUE(stage.Start().ok());
  InventoryImportOptions options;
  options.context.defaults = {"aws", "eu-west-1", "111122223333"};  // things named by name
  options.clock = [] { return kNow; };
  options.correlation = &stage;
  std::vector<std::string> failures;
  options.on_failure = [&](const InventoryFailure& f) { failures.push_back(f.error_message); };
  InventoryImporter importer(*store_, options);
  InventoryPullReport report;
  ASSERT_TRUE(PullIotInventory(api, importer, {}, &report).ok());
  ASSERT_TRUE(importer.Finish().ok());
  EXPECT_TRUE(failures.empty()) << failures[0];
  EXPECT_EQ(report.things, 2U);
  EXPECT_EQ(report.certificates, 1U);  // the cognito principal is not a certificate
  EXPECT_EQ(report.calls, 8U);
  EXPECT_EQ(changes, std::vector<std::string>{"created iot-device-with-compromised-certificate " +
                                              std::string(kThing)});
  // The thing's relations now say where they come from.
  std::vector<store::StoredInventoryItem> items;
  ASSERT_TRUE(store_->InventoryItemsOf(kThing, &items).ok());
  ASSERT_EQ(items.size(), 2U);
  std::map<std::string, const inventory::Item*> by_source;
  for (const auto& stored : items) by_source[stored.item.source] = &stored.item;
  ASSERT_EQ(by_source.count(std::string(inventory::kListThingPrincipals)), 1U);
  ASSERT_EQ(by_source.count(std::string(inventory::kDescribeThing)), 1U);
  const auto& attributes = by_source[std::string(inventory::kDescribeThing)]->attributes;
  EXPECT_NE(std::find(attributes.begin(), attributes.end(),
                      std::pair<std::string, std::string>("attributes.site", "north")),
            attributes.end());
}

TEST_F(InventoryImportTest, PulledConfigItemsAttachTheOpenGroupAndCallsThatFailSayWhich) {
  EXPECT_TRUE(Ingest(ExposureFindings(kInstanceId)).empty());
  RecordedInventoryApi api;
  const std::string eni(kInterfaceId);
  api.pages["ListDiscoveredResources AWS::EC2::NetworkInterface "] =
      R"({"resourceIdentifiers": [{"resourceType": "AWS::EC2::NetworkInterface", "resourceId": ")" +
      eni + R"("}]})";
  // The API's form of a configuration item, as get-resource-config-history answers.
  api.pages["GetResourceConfigHistory AWS::EC2::NetworkInterface " + eni] =
      R"({"configurationItems": [{"version": "1.3", "accountId": "111122223333",
          "configurationItemCaptureTime": 1795300000.0, "configurationItemStatus": "OK",
          "resourceType": "AWS::EC2::NetworkInterface", "resourceId": ")" +
      eni + R"(", "awsRegion": "eu-west-1", "relationships": [
          {"resourceType": "AWS::EC2::Instance", "resourceId": ")" +
      std::string(kInstanceId) + R"(", "relationshipName": "Is attached to Instance"},
          {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": ")" +
      std::string(kOpenGroupId) +
      R"(", "relationshipName": "Is associated with SecurityGroup"}]}]})";
  std::vector<std::string> changes;
  CorrelationStage stage(*store_, rules_.rules, Recorder(&changes));
  ASSERT_TRUE(stage.Start().ok());
  InventoryImportOptions options;
  options.clock = [] { return kNow; };
  options.correlation = &stage;
  options.on_failure = [](const InventoryFailure& f) { ADD_FAILURE() << f.error_message; };
  InventoryImporter importer(*store_, options);
  InventoryPullReport report;
  ASSERT_TRUE(PullConfigInventory(api, importer, {"AWS::EC2::NetworkInterface"}, &report).ok());
  ASSERT_TRUE(importer.Finish().ok());
  EXPECT_EQ(report.config_resources, 1U);
  EXPECT_EQ(changes, std::vector<std::string>{"created " + kExposed});

  const Status failed = PullConfigInventory(api, importer, {"AWS::S3::Bucket"}, &report);
  EXPECT_NE(failed.message().find("ListDiscoveredResources AWS::S3::Bucket page 1"),
            std::string::npos)
      << failed.ToString();
  EXPECT_NE(failed.message().find("AccessDeniedException"), std::string::npos);
  api.pages["DescribeThing pump-9"] =
      R"({"thingName": "pump-9", "thingArn": "arn:aws:iot:eu-west-1:111122223333:thing/pump-9",
          "attributes": {}, "version": 1})";
  api.pages["ListThingPrincipals pump-9 "] = R"({"items": []})";
  const Status bad = PullIotInventory(api, importer, {"pump-9"}, &report);
  EXPECT_EQ(bad.code(), Status::Code::kInvalidInput);
  EXPECT_NE(bad.message().find("has no principals array"), std::string::npos) << bad.ToString();
}

TEST_F(InventoryImportTest, PulledEc2PagesAttachTheOpenGroupAndADetachingPullEndsTheIncident) {
  EXPECT_TRUE(Ingest(ExposureFindings(kInstanceId)).empty());
  RecordedInventoryApi api;
  const std::string instance(kInstanceId), eni(kInterfaceId), group(kOpenGroupId);
  api.pages["DescribeSecurityGroups "] =
      R"({"SecurityGroups": [{"GroupId": ")" + group +
      R"(", "GroupName": "open", "OwnerId": "111122223333", "VpcId": "vpc-1"}]})";
  api.pages["DescribeNetworkInterfaces "] = R"({"NetworkInterfaces": []})";
  // Two pages of instances: the instance with the open group is on the second.
  api.pages["DescribeInstances "] =
      R"({"Reservations": [{"OwnerId": "111122223333", "Instances": []}], "NextToken": "r2"})";
  const std::string attached =
      R"({"Reservations": [{"OwnerId": "111122223333", "Instances": [{"InstanceId": ")" + instance +
      R"(", "Placement": {"AvailabilityZone": "eu-west-1a"}, "State": {"Name": "running"},
          "NetworkInterfaces": [{"NetworkInterfaceId": ")" +
      eni + R"(", "Groups": [{"GroupId": ")" + group + R"(", "GroupName": "open"}]}],
          "SecurityGroups": [{"GroupId": ")" +
      group + R"(", "GroupName": "open"}]}]}]})";
  api.pages["DescribeInstances r2"] = attached;
  std::vector<std::string> changes;
  CorrelationStage stage(*store_, rules_.rules, Recorder(&changes));
  ASSERT_TRUE(stage.Start().ok());
  InventoryImportOptions options;
  options.context.defaults = {"aws", "eu-west-1", ""};  // the region pulled, as the CLI sets it
  options.clock = [] { return kNow; };
  options.correlation = &stage;
  options.on_failure = [](const InventoryFailure& f) { ADD_FAILURE() << f.error_message; };
  {
    InventoryImporter importer(*store_, options);
    InventoryPullReport report;
    ASSERT_TRUE(PullEc2Inventory(api, importer, &report).ok());
    ASSERT_TRUE(importer.Finish().ok());
    EXPECT_EQ(report.ec2_pages, 4U);
    EXPECT_EQ(report.calls, 4U);
  }
  EXPECT_EQ(api.asked,
            (std::vector<std::string>{"DescribeSecurityGroups ", "DescribeNetworkInterfaces ",
                                      "DescribeInstances ", "DescribeInstances r2"}));
  EXPECT_EQ(changes, std::vector<std::string>{"created " + kExposed});

  // A later pull finds the group detached from the instance and its interface.
  std::string detached = attached;
  for (const std::string& from :
       {R"("Groups": [{"GroupId": ")" + group + R"(", "GroupName": "open"}])",
        R"("SecurityGroups": [{"GroupId": ")" + group + R"(", "GroupName": "open"}])"}) {
    detached.replace(
        detached.find(from), from.size(),
        from.starts_with(R"("Groups")") ? R"("Groups": [])" : R"("SecurityGroups": [])");
  }
  api.pages["DescribeInstances "] = detached;
  changes.clear();
  {
    InventoryImporter importer(*store_, options);
    InventoryPullReport report;
    ASSERT_TRUE(PullEc2Inventory(api, importer, &report).ok());
    ASSERT_TRUE(importer.Finish().ok());
  }
  EXPECT_EQ(changes, std::vector<std::string>{"archived " + kExposed});

  // A page that is not what the API documents stops the pull and says which.
  api.pages["DescribeSecurityGroups "] = R"({"Groups": []})";
  InventoryImporter importer(*store_, options);
  InventoryPullReport report;
  const Status bad = PullEc2Inventory(api, importer, &report);
  EXPECT_EQ(bad.code(), Status::Code::kInvalidInput);
  EXPECT_NE(bad.message().find("DescribeSecurityGroups page 1 has no SecurityGroups array"),
            std::string::npos)
      << bad.ToString();
}

}  // namespace
}  // namespace corroborate::pipeline
