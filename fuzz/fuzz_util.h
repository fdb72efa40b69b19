// Shared by the fuzz targets: the fuzzer's bytes as padded JSON, and a finding to evaluate on.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace corroborate::fuzz {

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A valid finding with most of the members filters and rules look at.
inline constexpr std::string_view kFinding = R"({"SchemaVersion":"2018-10-08",
 "Id":"arn:aws:guardduty:eu-west-1:111122223333:detector/d/finding/f",
 "ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/guardduty","ProductName":"GuardDuty",
 "CompanyName":"Amazon","GeneratorId":"arn:aws:guardduty:eu-west-1:111122223333:detector/d",
 "AwsAccountId":"111122223333","Types":["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B"],
 "CreatedAt":"2026-11-20T10:00:00Z","UpdatedAt":"2026-11-20T11:00:00.123Z",
 "FirstObservedAt":"2026-11-20T09:00:00Z","LastObservedAt":"2026-11-20T10:59:00Z",
 "Severity":{"Label":"HIGH","Normalized":70,"Original":"8"},"Confidence":80,"Criticality":50,
 "Title":"t","Description":"d","Resources":[{"Type":"AwsEc2Instance","Id":"i-0123456789abcdef0",
 "Partition":"aws","Region":"eu-west-1","Tags":{"env":"prod"},"Details":{"AwsEc2Instance":
 {"IpV4Addresses":["10.0.0.1"],"NetworkInterfaces":[{"NetworkInterfaceId":"eni-0123456789abcdef0"}]}}}],
 "Compliance":{"Status":"FAILED","SecurityControlId":"EC2.9"},"RecordState":"ACTIVE",
 "Workflow":{"Status":"NEW"},"ProductFields":{"aws/guardduty/service/action/actionType":"DNS_REQUEST"},
 "UserDefinedFields":{"ticket":"SEC-1"},"Network":{"SourceIpV4":"198.51.100.7","DestinationPort":443},
 "Vulnerabilities":[{"Id":"CVE-2021-44228"}],"Note":{"Text":"n","UpdatedBy":"a","UpdatedAt":"2026-11-20T10:00:00Z"}})";

}  // namespace corroborate::fuzz
