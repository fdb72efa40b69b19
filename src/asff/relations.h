// Resource relations stated by findings: the small resource graph correlation rules match through.
//
// Contract: AddResourceRelations reads one resource's Details and appends the relations they state,
// with both ends as canonical resource keys (resource_key.h):
// - AwsEc2Instance Details.AwsEc2Instance.NetworkInterfaces[].NetworkInterfaceId:
//   instance <-> network interface;
// - AwsEc2NetworkInterface Details.AwsEc2NetworkInterface: Attachment.InstanceId gives
//   interface <-> instance; SecurityGroups[].GroupId gives interface <-> security group and, when
//   the interface is attached, instance <-> security group (the relation rules ask for);
// - AWS IoT resources (a Type starting with AwsIot, or Other with an Id starting with `iot-`, such
// as
//   an MQTT client id `iot-client-id/<id>`), Details.Other lists in the form of FormatIotList:
//   `ThingNames` (resource <-> AwsIotRegisteredThing), `CertificateIds` (<-> AwsIotCertificate, an
//   id or a certificate ARN), `PolicyNames` (<-> AwsIotPolicy), `ClientIds` (<-> Other
//   `iot-client-id/<id>`); on an AwsIotCertificate, each of its ThingNames <-> each of its
//   PolicyNames too, since a thing holds the policies attached to the certificate it connects with.
//   IoT Device Defender findings carry them (src/iot/iot.h).
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

// The Details.Other list format of the IoT relation keys: items joined with ',', where a ',' or '%'
// inside an item is written %2C or %25 (policy names and MQTT client ids may contain commas).
// Empty items are left out.
std::string FormatIotList(const std::vector<std::string>& items);
std::vector<std::string> ParseIotList(std::string_view text);

// Two-hop joins (added for inventory, issue 9). One relation says two resources belong together;
// two in a row say so only along a chain of use: an instance uses its network interfaces, which
// use their security groups (AwsEc2Instance - AwsEc2NetworkInterface - AwsEc2SecurityGroup), and
// a thing connects with certificates, to which policies are attached (AwsIotRegisteredThing -
// AwsIotCertificate - AwsIotPolicy). JoinsThrough(a, b, c) says whether a resource of type `a` is
// related to one of type `c` through one of type `b`, in either direction along a chain. Other
// paths do not join: a thing's policy is also attached to every other device's certificate, an
// instance's VPC contains every group of the VPC, and neither makes those the thing's certificates
// or the instance's groups. ChainMiddle(b) says whether `b` is the middle of some chain.
bool JoinsThrough(std::string_view from_type, std::string_view through_type,
                  std::string_view to_type);
bool ChainMiddle(std::string_view type);

// The resource Type and Id Corroborate gives an MQTT client id (an IoT Device Defender audit
// resource that is not an AWS resource).
inline constexpr std::string_view kIotThingType = "AwsIotRegisteredThing";
inline constexpr std::string_view kIotClientIdPrefix = "iot-client-id/";

}  // namespace corroborate::asff
