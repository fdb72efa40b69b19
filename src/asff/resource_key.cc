#include "asff/resource_key.h"

#include <algorithm>
#include <array>

namespace corroborate::asff {
namespace {

bool IsHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

struct Ec2IdKind {
  std::string_view prefix;        // "i-"
  std::string_view arn_resource;  // "instance"
  std::string_view type;          // "AwsEc2Instance"
};

constexpr std::array<Ec2IdKind, 7> kEc2Kinds{{
    {"i-", "instance", "AwsEc2Instance"},
    {"sg-", "security-group", "AwsEc2SecurityGroup"},
    {"eni-", "network-interface", "AwsEc2NetworkInterface"},
    {"vol-", "volume", "AwsEc2Volume"},
    {"vpc-", "vpc", "AwsEc2Vpc"},
    {"subnet-", "subnet", "AwsEc2Subnet"},
    {"ami-", "image", "AwsEc2Image"},
}};

// An EC2 id such as i-0123456789abcdef0: prefix plus 8 or 17 lowercase hex digits.
const Ec2IdKind* Ec2Kind(std::string_view id) {
  for (const auto& kind : kEc2Kinds) {
    if (id.starts_with(kind.prefix)) {
      const auto hex = id.substr(kind.prefix.size());
      if ((hex.size() == 8 || hex.size() == 17) && IsHex(hex)) return &kind;
    }
  }
  return nullptr;
}

std::string Arn(std::string_view partition, std::string_view service, std::string_view region,
                std::string_view account, std::string_view resource) {
  std::string out;
  out.reserve(16 + partition.size() + service.size() + region.size() + account.size() +
              resource.size());
  out.append("arn:").append(partition).append(":").append(service).append(":");
  out.append(region).append(":").append(account).append(":").append(resource);
  return out;
}

bool IsIotThingType(std::string_view type) {
  return type == "AwsIotThing" || type == "AwsIotRegisteredThing";
}

}  // namespace

std::string CanonicalResourceKey(std::string_view type, std::string_view id,
                                 std::string_view partition, std::string_view region,
                                 std::string_view account) {
  if (partition.empty()) partition = "aws";
  if (id.starts_with("arn:")) {
    // ARNs are already canonical, except that some producers upper-case nothing and some lower-case
    // nothing; we keep them byte-for-byte to avoid merging resources that differ in case.
    return std::string(id);
  }
  if (const Ec2IdKind* kind = Ec2Kind(id);
      kind != nullptr && (type == kind->type || type == "Other" || type.empty())) {
    return Arn(partition, "ec2", region, account,
               std::string(kind->arn_resource) + "/" + std::string(id));
  }
  if (type == "AwsS3Bucket") return Arn(partition, "s3", "", "", id);
  if (IsIotThingType(type))
    return Arn(partition, "iot", region, account, "thing/" + std::string(id));
  if (type == "AwsIotCertificate")
    return Arn(partition, "iot", region, account, "cert/" + std::string(id));
  if (type == "AwsIotCaCertificate")
    return Arn(partition, "iot", region, account, "cacert/" + std::string(id));
  if (type == "AwsIotPolicy")
    return Arn(partition, "iot", region, account, "policy/" + std::string(id));
  std::string out(type);
  out.append(":").append(partition).append(":").append(region).append(":").append(account);
  out.append(":").append(id);
  return out;
}

}  // namespace corroborate::asff
