// The 104 GetFindings filter names with their filter type and the ASFF path each one reads.
//
// Contract: generated from botocore's securityhub service model by tools/gen_filter_fields.py
// (run it after a botocore upgrade; the test suite checks the table against the model). Paths use
// `.` between members, `[]` after a list member (every element is visited) and `{}` after a map
// member (MapFilter selects the entry by Key). Keyword has no ASFF path.
#pragma once

#include <span>
#include <string_view>

namespace corroborate::filter {

enum class FilterType : unsigned char { kString, kNumber, kDate, kMap, kBoolean, kIp, kKeyword };

struct FieldInfo {
  std::string_view name;  // e.g. "ResourceAwsEc2InstanceIpV4Addresses"
  FilterType type;
  std::string_view path;  // e.g. "Resources[].Details.AwsEc2Instance.IpV4Addresses[]"
};

std::span<const FieldInfo> AllFields();
const FieldInfo* FindField(std::string_view name);  // nullptr when unknown

}  // namespace corroborate::filter
