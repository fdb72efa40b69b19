// Resource relations stated by findings: the small resource graph correlation rules match through.
//
// Contract: AddResourceRelations reads one resource's Details and appends the relations they state,
// with both ends as canonical resource keys (resource_key.h):
// - AwsEc2Instance Details.AwsEc2Instance.NetworkInterfaces[].NetworkInterfaceId:
//   instance <-> network interface;
// - AwsEc2NetworkInterface Details.AwsEc2NetworkInterface: Attachment.InstanceId gives
//   interface <-> instance; SecurityGroups[].GroupId gives interface <-> security group and, when
//   the interface is attached, instance <-> security group (the relation rules ask for).
// Relations are undirected; each is listed once. Malformed or missing details add nothing: they are
// facts learned opportunistically, never a reason to refuse a finding. Nothing here does I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace corroborate::asff {

struct ResourceRelation {
  std::string from_key;
  std::string from_type;
  std::string to_key;
  std::string to_type;
  friend bool operator==(const ResourceRelation&, const ResourceRelation&) = default;
};

struct Resource;

// `details` is the resource's Details object; `account` the finding's AwsAccountId.
void AddResourceRelations(simdjson::dom::element details, const Resource& resource,
                          std::string_view account, std::vector<ResourceRelation>& out);

}  // namespace corroborate::asff
