#include "asff/resource_key.h"

#include <gtest/gtest.h>

namespace corroborate::asff {
namespace {

TEST(ResourceKeyTest, InstanceIdAndArnMeet) {
  const std::string arn = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0";
  EXPECT_EQ(CanonicalResourceKey("AwsEc2Instance", "i-0123456789abcdef0", "aws", "eu-west-1",
                                 "111122223333"),
            arn);
  EXPECT_EQ(CanonicalResourceKey("AwsEc2Instance", arn, "aws", "eu-west-1", "111122223333"), arn);
  // Old 8-digit ids too, and an instance id reported under the generic type.
  EXPECT_EQ(CanonicalResourceKey("Other", "i-0abc1234", "aws", "us-east-1", "111122223333"),
            "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc1234");
}

TEST(ResourceKeyTest, TheLastTenCharactersOfTwoInstancesDoNotMakeThemOne) {
  // The public sample joined on ResourceId[-10:]; 17-digit ids that share a tail must stay apart.
  EXPECT_NE(
      CanonicalResourceKey("AwsEc2Instance", "i-0aaaaaaa456789abc", "aws", "r", "111122223333"),
      CanonicalResourceKey("AwsEc2Instance", "i-0bbbbbbb456789abc", "aws", "r", "111122223333"));
}

TEST(ResourceKeyTest, SecurityGroupsAndInterfaces) {
  EXPECT_EQ(CanonicalResourceKey("AwsEc2SecurityGroup", "sg-0123456789abcdef0", "aws", "eu-west-1",
                                 "111122223333"),
            "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123456789abcdef0");
  EXPECT_EQ(CanonicalResourceKey("AwsEc2NetworkInterface", "eni-0123456789abcdef0", "aws-cn",
                                 "cn-north-1", "111122223333"),
            "arn:aws-cn:ec2:cn-north-1:111122223333:network-interface/eni-0123456789abcdef0");
}

TEST(ResourceKeyTest, BucketNameAndArnMeet) {
  EXPECT_EQ(CanonicalResourceKey("AwsS3Bucket", "my-bucket", "aws", "eu-west-1", "111122223333"),
            "arn:aws:s3:::my-bucket");
  EXPECT_EQ(CanonicalResourceKey("AwsS3Bucket", "arn:aws:s3:::my-bucket", "aws", "", ""),
            "arn:aws:s3:::my-bucket");
}

TEST(ResourceKeyTest, IotThingNameAndArnMeet) {
  const std::string arn = "arn:aws:iot:eu-west-1:111122223333:thing/sensor-7";
  EXPECT_EQ(CanonicalResourceKey("AwsIotThing", "sensor-7", "aws", "eu-west-1", "111122223333"),
            arn);
  EXPECT_EQ(CanonicalResourceKey("AwsIotRegisteredThing", arn, "aws", "eu-west-1", "111122223333"),
            arn);
}

TEST(ResourceKeyTest, UnknownIdsAreScopedByAccountAndRegion) {
  EXPECT_NE(CanonicalResourceKey("Other", "web-1", "aws", "eu-west-1", "111122223333"),
            CanonicalResourceKey("Other", "web-1", "aws", "eu-west-1", "444455556666"));
  EXPECT_NE(CanonicalResourceKey("Other", "web-1", "aws", "eu-west-1", "111122223333"),
            CanonicalResourceKey("Container", "web-1", "aws", "eu-west-1", "111122223333"));
}

}  // namespace
}  // namespace corroborate::asff
