// Ec2XmlToJson: EC2's XML answers as the AWS CLI's JSON, by botocore's model.
#include "aws/ec2_xml.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "aws/ec2_shapes.h"

namespace corroborate::aws {
namespace {

// The shape of a DescribeInstances answer as EC2 documents it (trimmed to what matters).
constexpr std::string_view kDescribeInstances = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>111122223333</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-0123456789abcdef0</instanceId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <placement><availabilityZone>eu-west-1a</availabilityZone></placement>
          <ipAddress>203.0.113.10</ipAddress>
          <ebsOptimized>false</ebsOptimized>
          <launchTime>2026-11-30T08:00:00.000Z</launchTime>
          <someFieldNewerThanTheModel>kept out</someFieldNewerThanTheModel>
          <groupSet>
            <item><groupId>sg-0aa1bb2cc3dd4ee55</groupId><groupName>open &amp; "wide"</groupName></item>
          </groupSet>
          <networkInterfaceSet>
            <item>
              <networkInterfaceId>eni-0a1b2c3d4e5f60718</networkInterfaceId>
              <groupSet>
                <item><groupId>sg-0aa1bb2cc3dd4ee55</groupId><groupName>open</groupName></item>
              </groupSet>
              <attachment><deviceIndex>0</deviceIndex><deleteOnTermination>true</deleteOnTermination></attachment>
            </item>
          </networkInterfaceSet>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
  <nextToken>eyJ2IjoiMiJ9</nextToken>
</DescribeInstancesResponse>)";

TEST(Ec2XmlTest, ADescribeInstancesAnswerBecomesTheCliJson) {
  auto json = Ec2XmlToJson("DescribeInstances", kDescribeInstances);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(*json).get(doc), simdjson::SUCCESS) << *json;
  EXPECT_EQ(doc["NextToken"].get_string().value(), "eyJ2IjoiMiJ9");
  const auto reservation = doc["Reservations"].at(0);
  EXPECT_EQ(reservation["OwnerId"].get_string().value(), "111122223333");
  EXPECT_EQ(reservation["Groups"].get_array().size(), 0U);  // <groupSet/>: an empty list
  const auto instance = reservation["Instances"].at(0);
  EXPECT_EQ(instance["InstanceId"].get_string().value(), "i-0123456789abcdef0");
  // The same element, groupSet, is SecurityGroups on an instance and Groups on an interface.
  EXPECT_EQ(instance["SecurityGroups"].at(0)["GroupName"].get_string().value(), "open & \"wide\"");
  const auto eni = instance["NetworkInterfaces"].at(0);
  EXPECT_EQ(eni["Groups"].at(0)["GroupId"].get_string().value(), "sg-0aa1bb2cc3dd4ee55");
  EXPECT_EQ(eni["Attachment"]["DeviceIndex"].get_int64().value(), 0);
  EXPECT_TRUE(eni["Attachment"]["DeleteOnTermination"].get_bool().value());
  EXPECT_EQ(instance["State"]["Code"].get_int64().value(), 16);
  EXPECT_EQ(instance["State"]["Name"].get_string().value(), "running");
  EXPECT_FALSE(instance["EbsOptimized"].get_bool().value());
  EXPECT_EQ(instance["PublicIpAddress"].get_string().value(), "203.0.113.10");
  EXPECT_EQ(instance["LaunchTime"].get_string().value(), "2026-11-30T08:00:00.000Z");
  EXPECT_EQ(instance["Placement"]["AvailabilityZone"].get_string().value(), "eu-west-1a");
  // What the model does not know is left out, as botocore leaves it (requestId included).
  EXPECT_EQ(json->find("kept out"), std::string::npos);
  EXPECT_EQ(json->find("8f7724cf"), std::string::npos);
}

TEST(Ec2XmlTest, EveryPulledOperationHasAShapeAndAnEmptyAnswerIsEmpty) {
  for (const auto& op : ec2::Operations()) {
    const std::string name(op.name);
    auto json = Ec2XmlToJson(name, "<" + name + "Response/>");
    ASSERT_TRUE(json.ok()) << name << ": " << json.status().ToString();
    EXPECT_EQ(*json, "{}");
  }
  auto groups = Ec2XmlToJson(
      "DescribeSecurityGroups",
      "<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-1</groupId>"
      "<ipPermissions><item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp>"
      "</item></ipRanges></item></ipPermissions></item></securityGroupInfo>"
      "</DescribeSecurityGroupsResponse>");
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  EXPECT_EQ(*groups, R"({"SecurityGroups":[{"GroupId":"sg-1","IpPermissions":[{"IpProtocol":"-1",)"
                     R"("IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]}]})");
}

TEST(Ec2XmlTest, BadAnswersSayWhatIsWrongAndWhere) {
  auto not_xml = Ec2XmlToJson("DescribeInstances", "{\"Reservations\": []}");
  EXPECT_EQ(not_xml.status().code(), Status::Code::kInvalidInput);
  EXPECT_NE(not_xml.status().message().find("is not XML"), std::string::npos);

  auto truncated =
      Ec2XmlToJson("DescribeInstances", "<DescribeInstancesResponse><reservationSet><item>");
  EXPECT_NE(truncated.status().message().find("is not XML"), std::string::npos);

  auto wrong_root = Ec2XmlToJson("DescribeInstances", "<Response><Errors/></Response>");
  EXPECT_NE(
      wrong_root.status().message().find("root is <Response>, not <DescribeInstancesResponse>"),
      std::string::npos)
      << wrong_root.status().ToString();

  auto bad_bool = Ec2XmlToJson(
      "DescribeInstances",
      "<DescribeInstancesResponse><reservationSet><item><instancesSet><item>"
      "<ebsOptimized>maybe</ebsOptimized></item></instancesSet></item></reservationSet>"
      "</DescribeInstancesResponse>");
  EXPECT_EQ(bad_bool.status().code(), Status::Code::kInvalidInput);
  EXPECT_NE(bad_bool.status().message().find(
                "DescribeInstancesResponse.reservationSet[0].instancesSet[0].ebsOptimized is not "
                "a boolean: \"maybe\""),
            std::string::npos)
      << bad_bool.status().ToString();

  auto bad_int = Ec2XmlToJson(
      "DescribeInstances",
      "<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceState>"
      "<code>16x</code></instanceState></item></instancesSet></item></reservationSet>"
      "</DescribeInstancesResponse>");
  EXPECT_NE(bad_int.status().message().find("instanceState.code is not an integer"),
            std::string::npos)
      << bad_int.status().ToString();
}

TEST(Ec2XmlTest, HostileXmlIsRefusedOrInert) {
  // A document type declaration is refused, so neither a local file nor a billion laughs is
  // read or expanded.
  const std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>&x;</groupId></item>"
      "</securityGroupInfo></DescribeSecurityGroupsResponse>";
  auto xxe_answer = Ec2XmlToJson("DescribeSecurityGroups", xxe);
  EXPECT_EQ(xxe_answer.status().code(), Status::Code::kInvalidInput);
  EXPECT_NE(xxe_answer.status().message().find("document type declaration"), std::string::npos);

  std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string refs;
    for (int i = 0; i < 10; ++i) refs += std::string("&") + static_cast<char>(c - 1) + ";";
    laughs += std::string("<!ENTITY ") + c + " \"" + refs + "\">";
  }
  laughs +=
      "]><DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>&j;</groupId>"
      "</item></securityGroupInfo></DescribeSecurityGroupsResponse>";
  auto bomb = Ec2XmlToJson("DescribeSecurityGroups", laughs);
  EXPECT_NE(bomb.status().message().find("document type declaration"), std::string::npos);

  // Nesting past libxml2's limit is an error, not a stack overflow.
  std::string deep = "<DescribeInstancesResponse>";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  auto too_deep = Ec2XmlToJson("DescribeInstances", deep);
  EXPECT_EQ(too_deep.status().code(), Status::Code::kInvalidInput);
}

}  // namespace
}  // namespace corroborate::aws
