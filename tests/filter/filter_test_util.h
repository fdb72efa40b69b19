// Shared fixtures for the filter tests: one finding that exercises nested, list and map paths, and
// helpers that parse a filter and a finding and evaluate one against the other.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include <simdjson.h>

#include "asff/timestamp.h"
#include "filter/filter.h"

namespace corroborate::filter::testing {

// 2026-11-21T10:00:00Z: exactly 20 days after CreatedAt and 1 day after UpdatedAt below.
inline const asff::TimeMs kNow = *asff::ParseTimestamp("2026-11-21T10:00:00Z");

inline constexpr std::string_view kFinding = R"({
  "SchemaVersion": "2018-10-08",
  "Id": "arn:aws:securityhub:eu-west-1:111122223333:security-control/EC2.19/finding/f1",
  "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
  "ProductName": "Security Hub",
  "CompanyName": "AWS",
  "GeneratorId": "security-control/EC2.19",
  "AwsAccountId": "111122223333",
  "Region": "eu-west-1",
  "Types": ["Software and Configuration Checks/Industry and Regulatory Standards",
            "Effects/Data Exposure"],
  "CreatedAt": "2026-11-01T10:00:00.000Z",
  "UpdatedAt": "2026-11-20T10:00:00Z",
  "Severity": {"Label": "HIGH", "Normalized": 70, "Product": 7.5},
  "Confidence": 80,
  "Title": "Security groups should not allow unrestricted access to ports with high risk",
  "Description": "This control checks whether unrestricted incoming traffic is allowed.",
  "Remediation": {"Recommendation": {"Text": "Restrict the security group ingress rules"}},
  "ProductFields": {"aws/securityhub/ProductName": "Security Hub",
                    "RelatedAWSResources:0/type": "AWS::Config::ConfigRule"},
  "UserDefinedFields": {"owner": "team-network"},
  "Network": {"Direction": "IN", "Protocol": "TCP", "SourceIpV4": "198.51.100.7",
              "SourcePort": "443", "DestinationIpV6": "2001:db8::10", "DestinationPort": 22},
  "Process": {"Pid": 1234},
  "Resources": [
    {"Type": "AwsEc2SecurityGroup",
     "Id": "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1",
     "Partition": "aws", "Region": "eu-west-1", "Tags": {"env": "prod", "team": "network"}},
    {"Type": "AwsEc2Instance", "Id": "i-0123456789abcdef0", "Partition": "aws",
     "Region": "eu-west-1", "Tags": {"env": "staging"},
     "Details": {"AwsEc2Instance": {"Type": "t3.micro",
                                    "IpV4Addresses": ["10.0.1.5", "172.16.0.9"],
                                    "IpV6Addresses": ["2001:db8:1::5"],
                                    "LaunchedAt": "2026-10-01T00:00:00Z"},
                 "Other": {"k": "v"}}}
  ],
  "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.19",
                 "AssociatedStandards": [
                   {"StandardsId": "standards/aws-foundational-security-best-practices/v/1.0.0"},
                   {"StandardsId": "standards/cis-aws-foundations-benchmark/v/1.4.0"}]},
  "FindingProviderFields": {"Severity": {"Label": "CRITICAL", "Original": "9.8"},
                            "Types": ["Software and Configuration Checks"]},
  "Vulnerabilities": [{"Id": "CVE-2024-0001", "FixAvailable": "NO"},
                      {"Id": "CVE-2024-0002", "FixAvailable": "YES"}],
  "Workflow": {"Status": "NEW"},
  "RecordState": "ACTIVE",
  "Sample": false
})";

// kFinding with the first occurrence of `from` replaced by `to`.
inline std::string FindingWith(std::string_view from, std::string_view to) {
  std::string json(kFinding);
  const size_t pos = json.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) json.replace(pos, from.size(), to);
  return json;
}

// Parses `filters`, failing the test if it is rejected, and evaluates it against `finding`.
inline bool Matches(std::string_view filters, std::string_view finding = kFinding,
                    asff::TimeMs now = kNow) {
  auto filter = FindingFilter::ParseText(filters, ParseOptions{});
  EXPECT_TRUE(filter.ok()) << filters << "\n" << filter.status().ToString();
  if (!filter.ok()) return false;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(finding.data(), finding.size()).get(root), simdjson::SUCCESS) << finding;
  return filter->Matches(root, now);
}

// The rejection message for `filters`, or "accepted" when they parse.
inline std::string RejectionOf(std::string_view filters, const ParseOptions& options = {}) {
  auto filter = FindingFilter::ParseText(filters, options);
  if (filter.ok()) return "accepted";
  EXPECT_EQ(filter.status().code(), Status::Code::kInvalidInput) << filter.status().ToString();
  return filter.status().message();
}

}  // namespace corroborate::filter::testing
