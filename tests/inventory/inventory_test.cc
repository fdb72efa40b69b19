// The inventory engine on documents shaped exactly as the AWS CLI prints them and as AWS Config
// delivers them (tests/inventory/data/), one kind at a time, plus the mapping and bad input.
#include "inventory/inventory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "sources/sources.h"

namespace corroborate::inventory {
namespace {

constexpr std::string_view kInstance =
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-0f9e8d7c6b5a40312";
constexpr std::string_view kInterface =
    "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0d4c3b2a1f0e98765";
constexpr std::string_view kOpenGroup =
    "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123abcd4567ef890";
constexpr std::string_view kRestrictedGroup =
    "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0fedcba9876543210";
constexpr std::string_view kThing = "arn:aws:iot:eu-west-1:111122223333:thing/pump-017";
constexpr std::string_view kCertificate =
    "arn:aws:iot:eu-west-1:111122223333:cert/"
    "3f8a9c1d2b4e6f7081928374655647382910abcdef0123456789abcdef012345";
constexpr std::string_view kPolicy = "arn:aws:iot:eu-west-1:111122223333:policy/PumpFleetPolicy";
constexpr asff::TimeMs kTaken = 1795392000000;  // 2026-11-23T00:00:00Z

// Everything the documents of a file yield, through the sources readers (which unwrap SNS,
// Lambda and EventBridge envelopes), as the importer sees it.
struct Collected {
  std::vector<Item> items;
  std::vector<Problem> rejected;
  std::vector<std::string> notes;
  std::vector<std::string> errors;
  std::vector<Kind> kinds;
};

class Collector final : public sources::FindingVisitor {
 public:
  explicit Collector(Context context) : context_(std::move(context)) {}
  void OnFinding(simdjson::dom::element document, const sources::Location& where) override {
    Parsed parsed;
    Take(Parse(document, context_, &parsed), parsed, where);
  }
  void OnEvent(simdjson::dom::element event, std::string_view detail_type,
               const sources::Location& where) override {
    Parsed parsed;
    Take(ParseEvent(event, detail_type, context_, &parsed), parsed, where);
  }
  void OnError(const sources::Location& where, const Status& error) override {
    out.errors.push_back(where.ToString() + ": " + error.message());
  }
  Collected out;

 private:
  void Take(const Status& s, Parsed& parsed, const sources::Location& where) {
    out.kinds.push_back(parsed.kind);
    if (!s.ok()) out.errors.push_back(where.ToString() + ": " + s.message());
    for (auto& i : parsed.items) out.items.push_back(std::move(i));
    for (auto& p : parsed.rejected) out.rejected.push_back(std::move(p));
    for (auto& n : parsed.notes) out.notes.push_back(std::move(n));
  }
  Context context_;
};

Context DefaultContext() {
  Context c;
  c.observed_at = kTaken;
  return c;
}

Collected Read(const std::string& file, Context context = DefaultContext()) {
  Collector collector(std::move(context));
  const Status s = sources::ReadFindingsFromFile(
      std::string(CORROBORATE_SOURCE_DIR) + "/tests/inventory/data/" + file, collector);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return collector.out;
}

Collected ReadText(const std::string& text, Context context = DefaultContext()) {
  Collector collector(std::move(context));
  sources::ReadFindingsFromBuffer(text, "inline", collector);
  return collector.out;
}

// "from_type from -> to_type to" for every relation, either direction normalised.
std::multiset<std::string> Relations(const Item& item) {
  std::multiset<std::string> out;
  for (const Relation& r : item.relations) {
    std::string a = r.from_key, b = r.to_key;
    if (b < a) std::swap(a, b);
    out.insert(a + " - " + b);
  }
  return out;
}

std::string Pair(std::string_view a, std::string_view b) {
  return a < b ? std::string(a) + " - " + std::string(b) : std::string(b) + " - " + std::string(a);
}

const Item* Find(const Collected& c, std::string_view subject) {
  for (const Item& i : c.items) {
    if (i.subject_key == subject) return &i;
  }
  return nullptr;
}

std::string Attribute(const Item& item, std::string_view name) {
  for (const auto& [k, v] : item.attributes) {
    if (k == name) return v;
  }
  return "";
}

TEST(InventoryConfigTest, ASnapshotStatesEveryRelationshipOfEveryType) {
  const Collected c = Read("config-snapshot.json");
  EXPECT_TRUE(c.errors.empty()) << c.errors[0];
  ASSERT_EQ(c.items.size(), 5U);
  const Item* instance = Find(c, kInstance);
  ASSERT_NE(instance, nullptr);
  EXPECT_EQ(instance->source, kConfigSource);
  EXPECT_EQ(instance->subject_type, "AwsEc2Instance");
  EXPECT_EQ(instance->subject_id, "i-0f9e8d7c6b5a40312");
  EXPECT_EQ(instance->observed_at, *asff::ParseTimestamp("2026-11-20T06:00:11.512Z"));
  EXPECT_FALSE(instance->deleted);
  EXPECT_EQ(
      Relations(*instance),
      (std::multiset<std::string>{
          Pair(kInstance, kInterface), Pair(kInstance, kOpenGroup),
          Pair(kInstance, "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-0a1b2c3d4e5f60718"),
          Pair(kInstance, "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0f1e2d3c4b5a69788")}));
  // The delivered form names a relationship `name`; the types are ASFF's.
  for (const Relation& r : instance->relations) {
    if (r.to_key == kOpenGroup) {
      EXPECT_EQ(r.name, "Is associated with SecurityGroup");
      EXPECT_EQ(r.to_type, "AwsEc2SecurityGroup");
    }
  }
  const Item* eni = Find(c, kInterface);
  ASSERT_NE(eni, nullptr);
  EXPECT_EQ(Relations(*eni), (std::multiset<std::string>{Pair(kInterface, kInstance),
                                                         Pair(kInterface, kOpenGroup)}));
  // A global IAM role keeps its ARN; its relationship to a policy named by an opaque id is kept
  // in the fallback key form, without a region (awsRegion "global").
  const Item* role = Find(c, "arn:aws:iam::111122223333:role/payroll-batch");
  ASSERT_NE(role, nullptr);
  EXPECT_EQ(role->subject_type, "AwsIamRole");
  ASSERT_EQ(role->relations.size(), 1U);
  EXPECT_EQ(role->relations[0].to_key, "AwsIamPolicy:aws::111122223333:ANPAEXAMPLE0POLICY01");
  // The bucket names the role by ARN.
  const Item* bucket = Find(c, "arn:aws:s3:::acme-payroll-exports");
  ASSERT_NE(bucket, nullptr);
  EXPECT_EQ(bucket->subject_type, "AwsS3Bucket");
  EXPECT_EQ(Relations(*bucket),
            (std::multiset<std::string>{Pair("arn:aws:s3:::acme-payroll-exports",
                                             "arn:aws:iam::111122223333:role/payroll-batch")}));
  // A third-party type: Other, keyed by its id in its scope.
  const Item* ledger = Find(c, "Other:aws:eu-west-1:111122223333:ledger-7");
  ASSERT_NE(ledger, nullptr);
  EXPECT_EQ(ledger->subject_type, "Other");
  // The item without a capture time is refused by name; the rest are still there.
  ASSERT_EQ(c.rejected.size(), 1U);
  EXPECT_EQ(c.rejected[0].where, "configurationItems[5]");
  EXPECT_NE(c.rejected[0].message.find("configurationItemCaptureTime"), std::string::npos);
  EXPECT_NE(c.rejected[0].message.find("i-0aaaaaaaaaaaaaaaa"), std::string::npos);
}

TEST(InventoryConfigTest, ResourceConfigHistoryInTheApisFormNewestFirst) {
  const Collected c = Read("config-history.json");
  ASSERT_TRUE(c.errors.empty());
  ASSERT_EQ(c.items.size(), 2U);
  EXPECT_EQ(c.items[0].observed_at, *asff::ParseTimestamp("2026-11-21T09:12:40.133Z"));
  EXPECT_EQ(c.items[1].observed_at, *asff::ParseTimestamp("2026-11-20T06:00:11.940Z"));  // epoch s
  EXPECT_EQ(Relations(c.items[0]),
            (std::multiset<std::string>{Pair(kInterface, kInstance),
                                        Pair(kInterface, kRestrictedGroup)}));
  EXPECT_EQ(c.items[0].relations[0].name, "Is attached to Instance");  // relationshipName
  EXPECT_EQ(Relations(c.items[1]), (std::multiset<std::string>{Pair(kInterface, kInstance),
                                                               Pair(kInterface, kOpenGroup)}));
}

TEST(InventoryConfigTest, ChangeNotificationsThroughSnsAndEventBridge) {
  for (const char* file : {"config-notification-sns.json", "config-eventbridge.json"}) {
    const Collected c = Read(file);
    ASSERT_TRUE(c.errors.empty()) << file << ": " << c.errors[0];
    ASSERT_EQ(c.items.size(), 1U) << file;
    EXPECT_EQ(c.kinds[0], Kind::kConfigNotification);
    EXPECT_EQ(c.items[0].subject_key, kInterface);
    EXPECT_EQ(Relations(c.items[0]),
              (std::multiset<std::string>{Pair(kInterface, kInstance),
                                          Pair(kInterface, kRestrictedGroup)}));
  }
}

TEST(InventoryConfigTest, MessagesWithoutItemsAreNotedOrRefusedWithWhatToDo) {
  Collected c = Read("config-snapshot-delivered-lambda.json");
  EXPECT_TRUE(c.errors.empty());
  EXPECT_TRUE(c.items.empty());
  ASSERT_EQ(c.notes.size(), 1U);
  EXPECT_NE(c.notes[0].find("ConfigurationSnapshotDeliveryCompleted"), std::string::npos);

  c = Read("config-oversized.json");
  EXPECT_TRUE(c.items.empty());
  ASSERT_EQ(c.rejected.size(), 1U);
  EXPECT_NE(c.rejected[0].message.find("AWS::EC2::SecurityGroup sg-0123abcd4567ef890"),
            std::string::npos);
  EXPECT_NE(c.rejected[0].message.find("OversizedChangeNotification"), std::string::npos);
}

TEST(InventoryConfigTest, BatchGetItemsHaveNoRelationshipsSoOnlyConfigurationsThatSayTheirsCount) {
  const Collected c = Read("config-batch-get.json");
  ASSERT_EQ(c.items.size(), 1U);
  EXPECT_EQ(c.items[0].subject_key, kInstance);
  EXPECT_EQ(Relations(c.items[0]),
            (std::multiset<std::string>{Pair(kInstance, kInterface), Pair(kInterface, kOpenGroup),
                                        Pair(kInstance, kOpenGroup)}));
  ASSERT_EQ(c.rejected.size(), 2U);
  EXPECT_NE(c.rejected[0].message.find("no relationships"), std::string::npos);
  EXPECT_EQ(c.rejected[1].where, "unprocessedResourceKeys[0]");
  EXPECT_NE(c.rejected[1].message.find("did not process AWS::EC2::SecurityGroup"),
            std::string::npos);
}

TEST(InventoryConfigTest, DeletedResourcesStateNothing) {
  const Collected c = ReadText(R"({"configurationItemCaptureTime": "2026-11-22T10:00:00.000Z",
      "configurationItemStatus": "ResourceDeleted", "resourceType": "AWS::EC2::NetworkInterface",
      "resourceId": "eni-0d4c3b2a1f0e98765", "awsRegion": "eu-west-1",
      "awsAccountId": "111122223333", "relationships": []})");
  ASSERT_EQ(c.items.size(), 1U);
  EXPECT_TRUE(c.items[0].deleted);
  EXPECT_EQ(c.items[0].subject_key, kInterface);  // made from the id, no ARN given
  EXPECT_TRUE(c.items[0].relations.empty());
}

TEST(InventoryConfigTest, BadItemsAreRefusedWithWhatIsWrong) {
  const Collected c = ReadText(R"({"fileVersion": "1.0", "configurationItems": [
      {"configurationItemCaptureTime": "2026-11-22T10:00:00Z", "configurationItemStatus": "OK",
       "resourceId": "i-0f9e8d7c6b5a40312"},
      {"configurationItemCaptureTime": "yesterday", "resourceType": "AWS::EC2::Instance",
       "resourceId": "i-0f9e8d7c6b5a40312"},
      {"configurationItemCaptureTime": "2026-11-22T10:00:00Z", "resourceType": "AWS::EC2::Instance",
       "resourceId": "i-0f9e8d7c6b5a40312", "awsRegion": "eu-west-1", "awsAccountId": "111122223333",
       "relationships": [{"resourceType": "AWS::EC2::SecurityGroup"}]},
      {"configurationItemCaptureTime": "2026-11-22T10:00:00Z", "resourceType": "AWS::EC2::Instance",
       "resourceId": "i-0f9e8d7c6b5a40312", "relationships": []},
      42]})");
  EXPECT_TRUE(c.items.empty());
  ASSERT_EQ(c.rejected.size(), 5U);
  EXPECT_NE(c.rejected[0].message.find("without resourceType"), std::string::npos);
  EXPECT_NE(c.rejected[1].message.find("not a timestamp"), std::string::npos);
  EXPECT_EQ(c.rejected[2].where, "configurationItems[2].relationships[0]");
  EXPECT_NE(c.rejected[3].message.find("--region"), std::string::npos);
  EXPECT_NE(c.rejected[4].message.find("JSON object"), std::string::npos);
}

TEST(InventoryEc2Test, DescribeInstancesRelatesInstanceInterfacesAndGroups) {
  const Collected c = Read("ec2-describe-instances.json");
  ASSERT_TRUE(c.errors.empty());
  ASSERT_EQ(c.items.size(), 2U);
  const Item& bastion = c.items[0];
  EXPECT_EQ(bastion.source, kDescribeInstances);
  EXPECT_EQ(bastion.subject_key, kInstance);
  EXPECT_EQ(bastion.observed_at, kTaken);
  EXPECT_EQ(Relations(bastion),
            (std::multiset<std::string>{Pair(kInstance, kInterface), Pair(kInterface, kOpenGroup),
                                        Pair(kInstance, kOpenGroup)}));
  EXPECT_EQ(Attribute(bastion, "PublicIpAddress"), "203.0.113.25");
  EXPECT_EQ(Attribute(bastion, "State"), "running");
  // Region from the availability zone, account from the reservation's OwnerId.
  EXPECT_EQ(c.items[1].subject_key,
            "arn:aws:ec2:eu-west-1:111122223333:instance/i-0b2c3d4e5f6a70819");
  EXPECT_TRUE(c.items[1].deleted);  // terminated
}

TEST(InventoryEc2Test, DescribeNetworkInterfacesAndSecurityGroups) {
  Collected c = Read("ec2-describe-network-interfaces.json");
  ASSERT_EQ(c.items.size(), 2U);
  EXPECT_EQ(c.items[0].source, kDescribeNetworkInterfaces);
  EXPECT_EQ(Relations(c.items[0]), (std::multiset<std::string>{Pair(kInterface, kInstance),
                                                               Pair(kInterface, kOpenGroup)}));
  EXPECT_EQ(Attribute(c.items[0], "PublicIp"), "203.0.113.25");
  EXPECT_EQ(Relations(c.items[1]).size(), 1U);  // detached: its group only

  // Groups: no region in the output but the newer SecurityGroupArn; the other needs --region.
  c = Read("ec2-describe-security-groups.json");
  ASSERT_EQ(c.items.size(), 1U);
  EXPECT_EQ(c.items[0].subject_key, kOpenGroup);
  EXPECT_TRUE(c.items[0].relations.empty());
  EXPECT_EQ(Attribute(c.items[0], "OpenToTheInternet"), "tcp/22, tcp/8443");
  ASSERT_EQ(c.rejected.size(), 1U);
  EXPECT_EQ(c.rejected[0].where, "SecurityGroups[1]");
  EXPECT_NE(c.rejected[0].message.find("--region"), std::string::npos);
  Context with_region = DefaultContext();
  with_region.defaults.region = "eu-west-1";
  c = Read("ec2-describe-security-groups.json", with_region);
  EXPECT_EQ(c.items.size(), 2U);
  EXPECT_TRUE(c.rejected.empty());
}

TEST(InventoryEc2Test, AQueriedListOfInstancesWorksToo) {
  Context context = DefaultContext();
  context.defaults.account = "111122223333";
  const Collected c =
      ReadText(R"([{"InstanceId": "i-0f9e8d7c6b5a40312", "State": {"Name": "running"},
      "Placement": {"AvailabilityZone": "eu-west-1a"},
      "SecurityGroups": [{"GroupId": "sg-0fedcba9876543210"}]}])",
               context);
  ASSERT_EQ(c.items.size(), 1U) << (c.errors.empty() ? "" : c.errors[0]);
  EXPECT_EQ(Relations(c.items[0]), (std::multiset<std::string>{Pair(kInstance, kRestrictedGroup)}));
}

TEST(InventoryIotTest, ThingPrincipalsNeedTheirThingFromTheContextOrTheDocument) {
  Collected c = Read("iot-list-thing-principals.json");
  ASSERT_EQ(c.errors.size(), 1U);
  EXPECT_NE(c.errors[0].find("--thing"), std::string::npos);
  EXPECT_TRUE(c.items.empty());

  Context context = DefaultContext();
  context.thing = "pump-017";  // a name: the certificate ARN gives region and account
  c = Read("iot-list-thing-principals.json", context);
  ASSERT_TRUE(c.errors.empty());
  ASSERT_EQ(c.items.size(), 1U);
  EXPECT_EQ(c.items[0].source, kListThingPrincipals);
  EXPECT_EQ(c.items[0].subject_key, kThing);
  EXPECT_EQ(c.items[0].subject_type, "AwsIotRegisteredThing");
  EXPECT_EQ(Relations(c.items[0]), (std::multiset<std::string>{Pair(kThing, kCertificate)}));

  // V2, with a Cognito identity that is not a certificate (noted).
  c = Read("iot-list-thing-principals-v2.json", context);
  ASSERT_EQ(c.items.size(), 1U);
  EXPECT_EQ(Relations(c.items[0]), (std::multiset<std::string>{Pair(kThing, kCertificate)}));
  ASSERT_EQ(c.notes.size(), 1U);
  EXPECT_NE(c.notes[0].find("not a certificate"), std::string::npos);

  // No principals left and a thing name: the scope must be given.
  c = ReadText(R"({"principals": []})", context);
  ASSERT_EQ(c.errors.size(), 1U);
  EXPECT_NE(c.errors[0].find("--region and --account"), std::string::npos);
  c = ReadText(R"({"thingName": "pump-017", "principals": []})", [] {
    Context x = DefaultContext();
    x.defaults.region = "eu-west-1";
    x.defaults.account = "111122223333";
    return x;
  }());
  ASSERT_EQ(c.items.size(), 1U);
  EXPECT_EQ(c.items[0].subject_key, kThing);
  EXPECT_TRUE(c.items[0].relations.empty());
}

TEST(InventoryIotTest, PrincipalThingsAttachedPoliciesAndTargets) {
  Context context = DefaultContext();
  context.principal = std::string(kCertificate);
  context.target = std::string(kCertificate);
  context.policy = "PumpFleetPolicy";
  Collected c = Read("iot-list-principal-things.json", context);
  ASSERT_EQ(c.items.size(), 1U);
  EXPECT_EQ(c.items[0].source, kListPrincipalThings);
  EXPECT_EQ(c.items[0].subject_key, kCertificate);
  EXPECT_EQ(Relations(c.items[0]),
            (std::multiset<std::string>{
                Pair(kCertificate, kThing),
                Pair(kCertificate, "arn:aws:iot:eu-west-1:111122223333:thing/pump-044")}));
  c = Read("iot-list-attached-policies.json", context);
  ASSERT_EQ(c.items.size(), 1U);
  EXPECT_EQ(c.items[0].source, kListAttachedPolicies);
  EXPECT_EQ(Relations(c.items[0]), (std::multiset<std::string>{Pair(kCertificate, kPolicy)}));
  c = Read("iot-list-targets-for-policy.json", context);
  ASSERT_EQ(c.items.size(), 1U);
  EXPECT_EQ(c.items[0].subject_key, kPolicy);
  ASSERT_EQ(c.items[0].relations.size(), 3U);
  EXPECT_EQ(c.items[0].relations[2].to_type, "AwsIotThingGroup");
}

TEST(InventoryIotTest, DescribeThingAndTheIotInventorySnapshot) {
  Collected c = Read("iot-describe-thing.json");
  ASSERT_EQ(c.items.size(), 1U);
  EXPECT_EQ(c.items[0].subject_key, kThing);
  EXPECT_EQ(Attribute(c.items[0], "attributes.site"), "dublin-2");
  EXPECT_EQ(Attribute(c.items[0], "thingTypeName"), "IndustrialPump");
  ASSERT_EQ(c.items[0].relations.size(), 1U);
  EXPECT_EQ(c.items[0].relations[0].to_key,
            "Other:aws:eu-west-1:111122223333:iot-client-id/pump-017");

  Context context = DefaultContext();
  context.defaults.region = "eu-west-1";
  context.defaults.account = "111122223333";
  c = ReadText(std::string(R"({"thingPrincipals": [{"thingName": "pump-017", "principals": [")") +
                   std::string(kCertificate) + R"("]}, {"principals": []}],
               "principalPolicies": [{"principal": ")" +
                   std::string(kCertificate) +
                   R"(", "policies": [{"policyName": "PumpFleetPolicy"}]}]})",
               context);
  ASSERT_EQ(c.items.size(), 2U);
  EXPECT_EQ(Relations(c.items[0]), (std::multiset<std::string>{Pair(kThing, kCertificate)}));
  EXPECT_EQ(Relations(c.items[1]), (std::multiset<std::string>{Pair(kCertificate, kPolicy)}));
  ASSERT_EQ(c.rejected.size(), 1U);
  EXPECT_EQ(c.rejected[0].where, "thingPrincipals[1]");
}

TEST(InventoryTest, UnknownDocumentsAndEventsAreRefused) {
  Collected c = ReadText(R"({"Findings": "no"} {"hello": 1} {"NetworkInterfaces": 5})");
  EXPECT_EQ(c.errors.size(), 3U);
  for (const std::string& e : c.errors) EXPECT_NE(e.find("inventory"), std::string::npos) << e;
  c = ReadText(R"({"detail-type": "EC2 Instance State-change Notification", "detail": {}})");
  ASSERT_EQ(c.errors.size(), 1U);
  EXPECT_NE(c.errors[0].find("Config Configuration Item Change"), std::string::npos);
  c = ReadText(R"({"detail-type": "Config Rules Compliance Change", "detail": {}})");
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(c.notes.size(), 1U);
}

TEST(InventoryTest, ConfigTypesMapToAsffTypes) {
  const std::map<std::string, std::string> expected{
      {"AWS::EC2::Instance", "AwsEc2Instance"},
      {"AWS::EC2::NetworkInterface", "AwsEc2NetworkInterface"},
      {"AWS::EC2::SecurityGroup", "AwsEc2SecurityGroup"},
      {"AWS::EC2::VPC", "AwsEc2Vpc"},
      {"AWS::EC2::NetworkACL", "AwsEc2NetworkAcl"},
      {"AWS::S3::Bucket", "AwsS3Bucket"},
      {"AWS::IAM::Role", "AwsIamRole"},
      {"AWS::RDS::DBInstance", "AwsRdsDbInstance"},
      {"AWS::DynamoDB::Table", "AwsDynamoDbTable"},
      {"AWS::Lambda::Function", "AwsLambdaFunction"},
      {"AWS::ElasticLoadBalancingV2::LoadBalancer", "AwsElbv2LoadBalancer"},
      {"AWS::IoT::Policy", "AwsIotPolicy"},
      {"AWS::IoT::Thing", "AwsIotRegisteredThing"},
      {"AWS::KMS::Key", "AwsKmsKey"},
      {"AWS::SNS::Topic", "AwsSnsTopic"},
      {"MyCompany::Billing::Ledger", "Other"},
      {"AWS::Broken", "Other"},
      {"AWS::A b::C", "Other"},
  };
  for (const auto& [config, asff_type] : expected) EXPECT_EQ(AsffType(config), asff_type) << config;
  EXPECT_EQ(TypeOfKey(kInstance), "AwsEc2Instance");
  EXPECT_EQ(TypeOfKey(kThing), "AwsIotRegisteredThing");
  EXPECT_EQ(TypeOfKey("arn:aws:s3:::acme-payroll-exports"), "AwsS3Bucket");
  EXPECT_EQ(TypeOfKey("Other:aws:eu-west-1:111122223333:iot-client-id/pump-017"), "Other");
  EXPECT_EQ(TypeOfKey("arn:aws:sqs:eu-west-1:111122223333:queue"), "");
  EXPECT_EQ(RegionOfZone("eu-west-1a"), "eu-west-1");
  EXPECT_EQ(RegionOfZone("us-west-2-lax-1a"), "us-west-2");
  EXPECT_EQ(RegionOfZone("us-gov-west-1b"), "us-gov-west-1");
  EXPECT_EQ(RegionOfZone("Regional"), "");
}

TEST(InventoryTest, HostileJsonNeverCrashes) {
  const Context context = DefaultContext();
  for (const char* text :
       {R"({"configurationItems": [null, [], {"resourceType": 5, "configurationItemStatus": []}]})",
        R"({"Reservations": [{"Instances": "x"}, {"Instances": [{"InstanceId": 7}]}, 3]})",
        R"({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "Groups": [{}]}]})",
        R"({"principals": [1, null, ""], "thingName": "t"})",
        R"({"policies": [1, {"policyName": null}], "target": "x"})", R"({"messageType": 5})",
        R"({"thingPrincipals": 7, "principalPolicies": [null]})",
        R"({"baseConfigurationItems": [{"resourceType": "AWS::EC2::Instance",
            "configurationItemCaptureTime": 1e300, "configuration": "{"}]})"}) {
    Collected c = ReadText(text, context);
    (void)c;
  }
  SUCCEED();
}

}  // namespace
}  // namespace corroborate::inventory
