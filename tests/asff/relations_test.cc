#include "asff/relations.h"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace corroborate::asff
