#include "asff/relations.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "asff/finding.h"

namespace corroborate::asff {
namespace {

std::string FindingWith(std::string_view resources) {
  return std::string(R"({"SchemaVersion": "2018-10-08", "Id": "f1",
  "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/guardduty",
  "GeneratorId": "g", "AwsAccountId": "111122223333", "Types": ["TTPs/x"],
  "CreatedAt": "2026-11-01T10:00:00Z", "UpdatedAt": "2026-11-01T10:00:00Z",
  "Severity": {"Label": "LOW"}, "Title": "t", "Description": "d", "Resources": )") +
         std::string(resources) + "}";
}

constexpr std::string_view kInstanceKey =
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-0f9e8d7c6b5a40312";
constexpr std::string_view kInterfaceKey =
    "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0d4c3b2a1f0e98765";
constexpr std::string_view kGroupKey =
    "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123abcd4567ef890";

TEST(RelationsTest, InstanceDetailsRelateTheInstanceToItsInterfaces) {
  Finding f;
  ASSERT_TRUE(DecodeFindingText(FindingWith(R"([{"Type": "AwsEc2Instance",
      "Id": "i-0f9e8d7c6b5a40312", "Details": {"AwsEc2Instance": {"NetworkInterfaces": [
      {"NetworkInterfaceId": "eni-0d4c3b2a1f0e98765"}, {"NetworkInterfaceId": ""}, {}]}}}])"),
                                f)
                  .ok());
  ASSERT_EQ(f.relations.size(), 1U);
  EXPECT_EQ(f.relations[0],
            (ResourceRelation{std::string(kInstanceKey), "AwsEc2Instance",
                              std::string(kInterfaceKey), "AwsEc2NetworkInterface"}));
}

TEST(RelationsTest, AttachedInterfaceRelatesInstanceInterfaceAndGroups) {
  Finding f;
  ASSERT_TRUE(DecodeFindingText(FindingWith(R"([{"Type": "AwsEc2NetworkInterface",
      "Id": "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0d4c3b2a1f0e98765",
      "Details": {"AwsEc2NetworkInterface": {
        "Attachment": {"InstanceId": "i-0f9e8d7c6b5a40312"},
        "SecurityGroups": [{"GroupId": "sg-0123abcd4567ef890", "GroupName": "ssh"}]}}}])"),
                                f)
                  .ok());
  ASSERT_EQ(f.relations.size(), 3U);
  EXPECT_EQ(f.relations[0].to_key, kInstanceKey);
  EXPECT_EQ(f.relations[1], (ResourceRelation{std::string(kInterfaceKey), "AwsEc2NetworkInterface",
                                              std::string(kGroupKey), "AwsEc2SecurityGroup"}));
  EXPECT_EQ(f.relations[2], (ResourceRelation{std::string(kInstanceKey), "AwsEc2Instance",
                                              std::string(kGroupKey), "AwsEc2SecurityGroup"}));
}

TEST(RelationsTest, DetachedInterfaceRelatesOnlyToItsGroups) {
  Finding f;
  ASSERT_TRUE(DecodeFindingText(FindingWith(R"([{"Type": "AwsEc2NetworkInterface",
      "Id": "eni-0d4c3b2a1f0e98765", "Details": {"AwsEc2NetworkInterface": {
        "SecurityGroups": [{"GroupId": "sg-0123abcd4567ef890"}, {"GroupName": "no id"}]}}}])"),
                                f)
                  .ok());
  ASSERT_EQ(f.relations.size(), 1U);
  EXPECT_EQ(f.relations[0].from_key, kInterfaceKey);
  EXPECT_EQ(f.relations[0].to_key, kGroupKey);
}

TEST(RelationsTest, RepeatedStatementsAreListedOnceAndOddDetailsAddNothing) {
  Finding f;
  ASSERT_TRUE(DecodeFindingText(FindingWith(R"([
      {"Type": "AwsEc2Instance", "Id": "i-0f9e8d7c6b5a40312", "Details": {"AwsEc2Instance": {
        "NetworkInterfaces": [{"NetworkInterfaceId": "eni-0d4c3b2a1f0e98765"}]}}},
      {"Type": "AwsEc2NetworkInterface", "Id": "eni-0d4c3b2a1f0e98765",
       "Details": {"AwsEc2NetworkInterface": {"Attachment": {"InstanceId": "i-0f9e8d7c6b5a40312"},
                                              "SecurityGroups": "not a list"}}},
      {"Type": "AwsEc2Instance", "Id": "i-0a1b2c3d4e5f60718",
       "Details": {"AwsEc2Instance": {"NetworkInterfaces": 7}}},
      {"Type": "AwsS3Bucket", "Id": "b", "Details": {"AwsS3Bucket": {"Owner": "x"}}}])"),
                                f)
                  .ok());
  ASSERT_EQ(f.relations.size(), 1U);  // instance <-> interface, stated from both sides
  EXPECT_EQ(f.relations[0].from_key, kInstanceKey);
}

constexpr std::string_view kThing = "arn:aws:iot:eu-west-1:111122223333:thing/pump-017";
constexpr std::string_view kOtherThing = "arn:aws:iot:eu-west-1:111122223333:thing/pump-044";
constexpr std::string_view kCertificate = "arn:aws:iot:eu-west-1:111122223333:cert/3f8a";
constexpr std::string_view kPolicy = "arn:aws:iot:eu-west-1:111122223333:policy/PumpFleetPolicy";

std::vector<std::pair<std::string, std::string>> Pairs(const Finding& f) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : f.relations) out.emplace_back(r.from_key, r.to_key);
  return out;
}

TEST(RelationsTest, IotCertificateRelatesItsThingsAndPoliciesAndTheThingsToThePolicies) {
  Finding f;
  ASSERT_TRUE(DecodeFindingText(FindingWith(R"([{"Type": "AwsIotCertificate",
      "Id": "arn:aws:iot:eu-west-1:111122223333:cert/3f8a", "Details": {"Other": {
        "ThingNames": "pump-017,pump-044", "PolicyNames": "PumpFleetPolicy",
        "ClientIds": "pump-017"}}}])"),
                                f)
                  .ok());
  const std::string client = "Other:aws:eu-west-1:111122223333:iot-client-id/pump-017";
  EXPECT_EQ(Pairs(f), (std::vector<std::pair<std::string, std::string>>{
                          {std::string(kCertificate), std::string(kThing)},
                          {std::string(kCertificate), std::string(kOtherThing)},
                          {std::string(kCertificate), std::string(kPolicy)},
                          {std::string(kCertificate), client},
                          {std::string(kThing), std::string(kPolicy)},
                          {std::string(kOtherThing), std::string(kPolicy)},
                      }));
  EXPECT_EQ(f.relations[0].to_type, "AwsIotRegisteredThing");
  EXPECT_EQ(f.relations[2].to_type, "AwsIotPolicy");
  EXPECT_EQ(f.relations[3].to_type, "Other");
}

TEST(RelationsTest, IotThingRelatesToCertificatesGivenAsIdsOrArns) {
  Finding f;
  ASSERT_TRUE(DecodeFindingText(FindingWith(R"([{"Type": "AwsIotRegisteredThing",
      "Id": "arn:aws:iot:eu-west-1:111122223333:thing/pump-017", "Details": {"Other": {
        "CertificateIds": "3f8a,arn:aws:iot:eu-west-1:111122223333:cert/9b9b",
        "PolicyNames": "Weird%2CName"}}}])"),
                                f)
                  .ok());
  EXPECT_EQ(Pairs(f),
            (std::vector<std::pair<std::string, std::string>>{
                {std::string(kThing), std::string(kCertificate)},
                {std::string(kThing), "arn:aws:iot:eu-west-1:111122223333:cert/9b9b"},
                {std::string(kThing), "arn:aws:iot:eu-west-1:111122223333:policy/Weird,Name"},
            }));
  EXPECT_EQ(f.relations[0].to_type, "AwsIotCertificate");
}

TEST(RelationsTest, IotListsOnlyCountOnIotResources) {
  Finding f;
  ASSERT_TRUE(DecodeFindingText(FindingWith(R"([
      {"Type": "AwsS3Bucket", "Id": "b", "Details": {"Other": {"ThingNames": "pump-017"}}},
      {"Type": "Other", "Id": "something", "Details": {"Other": {"ThingNames": "pump-017"}}},
      {"Type": "Other", "Id": "iot-client-id/pump-017",
       "Details": {"Other": {"ThingNames": "pump-017"}}},
      {"Type": "AwsIotPolicy", "Id": "PumpFleetPolicy",
       "Details": {"Other": {"ThingNames": ",,", "CertificateIds": ""}}}])"),
                                f)
                  .ok());
  EXPECT_EQ(Pairs(f),
            (std::vector<std::pair<std::string, std::string>>{
                {"Other:aws:eu-west-1:111122223333:iot-client-id/pump-017", std::string(kThing)},
            }));
}

TEST(RelationsTest, IotListsRoundTripCommasAndPercents) {
  const std::vector<std::string> items{"a,b", "100%", "", "plain"};
  const std::string text = FormatIotList(items);
  EXPECT_EQ(text, "a%2Cb,100%25,plain");
  EXPECT_EQ(ParseIotList(text), (std::vector<std::string>{"a,b", "100%", "plain"}));
  EXPECT_EQ(ParseIotList("50%off"), (std::vector<std::string>{"50%off"}));
  EXPECT_TRUE(ParseIotList("").empty());
}

// Added for inventory (issue 9): two-hop walks join only along chains of use.
TEST(RelationsTest, TwoHopsJoinOnlyAlongChainsOfUse) {
  EXPECT_TRUE(JoinsThrough("AwsEc2Instance", "AwsEc2NetworkInterface", "AwsEc2SecurityGroup"));
  EXPECT_TRUE(JoinsThrough("AwsEc2SecurityGroup", "AwsEc2NetworkInterface", "AwsEc2Instance"));
  EXPECT_TRUE(JoinsThrough("AwsIotRegisteredThing", "AwsIotCertificate", "AwsIotPolicy"));
  EXPECT_TRUE(JoinsThrough("AwsIotPolicy", "AwsIotCertificate", "AwsIotRegisteredThing"));
  // A thing's policy is attached to other devices' certificates; a VPC holds every group.
  EXPECT_FALSE(JoinsThrough("AwsIotRegisteredThing", "AwsIotPolicy", "AwsIotCertificate"));
  EXPECT_FALSE(JoinsThrough("AwsEc2Instance", "AwsEc2Vpc", "AwsEc2SecurityGroup"));
  EXPECT_FALSE(JoinsThrough("AwsEc2Instance", "AwsEc2SecurityGroup", "AwsEc2Instance"));
  EXPECT_TRUE(ChainMiddle("AwsEc2NetworkInterface"));
  EXPECT_TRUE(ChainMiddle("AwsIotCertificate"));
  EXPECT_FALSE(ChainMiddle("AwsEc2SecurityGroup"));
}

}  // namespace
}  // namespace corroborate::asff
