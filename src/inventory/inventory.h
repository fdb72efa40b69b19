// Inventory: what AWS Config, the EC2 API and the IoT API say about resources and how they are
// related, as items of the resource graph correlation rules match through (asff/relations.h).
//
// Contract:
// - Parse takes one parsed JSON document as the AWS CLI prints it or as AWS delivers it, or one
//   element of such a document's item array (a reader that streams a snapshot hands its items over
//   one at a time), and returns the inventory items it holds. The kinds are told apart by their
//   members (Classify): AWS Config configuration items in both of Config's forms (the API's, as
//   `get-resource-config-history` prints them, and the delivered one of snapshot and history
//   files and of notifications), snapshot and history files, `batch-get-resource-config` output,
//   Config's SNS/EventBridge messages (a ConfigurationItemChangeNotification carries an item; the
//   other message types carry none and are noted, not refused); EC2 `describe-instances`,
//   `describe-network-interfaces`, `describe-security-groups` output and their elements; IoT
//   `list-thing-principals`, `list-principal-things`, `list-attached-policies`,
//   `list-targets-for-policy` (V1 and V2 forms) and `describe-thing` output; and the thing -
//   certificate - policy snapshot `corroborate iot --inventory` takes (docs/iot.md). Envelopes
//   (SNS, Lambda records) are the caller's (sources/sources.h); ParseEvent takes an EventBridge
//   "Config Configuration Item Change" event.
// - An item is what one source says about one subject resource at one time: the subject's
//   canonical key (asff/resource_key.h) and ASFF type, the relations it states with both ends
//   canonical, whether the resource is gone (Config's ResourceDeleted, EC2's terminated), and a
//   few attributes to show (public IP, state, thing attributes). An item's identity is (source,
//   subject): the store lets a newer item replace what an older one stated, which is how a
//   detached security group disappears. Relations are undirected, each listed once, never from a
//   resource to itself.
// - The IoT list outputs do not name their subject (`list-thing-principals --thing-name X` prints
//   only the principals), so it comes from Context (thing, principal, target, policy) or from the
//   request parameter written into the document beside the answer (`{"thingName": X,
//   "principals": [...]}`). Region and account come from the document (ARNs, OwnerId,
//   availability zones), else from Context::defaults; an item whose scope stays unknown is refused
//   with what to give.
// - AWS Config resource types map to ASFF types by a table (AWS::EC2::Instance -> AwsEc2Instance,
//   AWS::ElasticLoadBalancingV2::LoadBalancer -> AwsElbv2LoadBalancer ...), else mechanically
//   (AWS::Service::TypeName -> AwsServiceTypeName, acronym runs lower-cased: DBInstance ->
//   DbInstance), and anything not of the AWS::Service::Type shape is Other; a subject's key is its
//   ARN when the item gives one, else its id made canonical.
// - What cannot be used is said: an item lacking what it needs (a resourceType, a capture time,
//   an id) is returned in Parsed::rejected with where it is and what is wrong, the others are
//   still returned; a document of no known kind, or without the subject its kind needs, is an
//   InvalidInput Status. Nothing crashes on any JSON. Nothing here does I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "asff/relations.h"
#include "asff/timestamp.h"
#include "common/status.h"

namespace corroborate::inventory {

// The sources: the feed or API operation an item comes from (part of its identity).
inline constexpr std::string_view kConfigSource = "config";
inline constexpr std::string_view kDescribeInstances = "ec2:DescribeInstances";
inline constexpr std::string_view kDescribeNetworkInterfaces = "ec2:DescribeNetworkInterfaces";
inline constexpr std::string_view kDescribeSecurityGroups = "ec2:DescribeSecurityGroups";
inline constexpr std::string_view kListThingPrincipals = "iot:ListThingPrincipals";
inline constexpr std::string_view kListPrincipalThings = "iot:ListPrincipalThings";
inline constexpr std::string_view kListAttachedPolicies = "iot:ListAttachedPolicies";
inline constexpr std::string_view kListTargetsForPolicy = "iot:ListTargetsForPolicy";
inline constexpr std::string_view kDescribeThing = "iot:DescribeThing";

struct Relation {
  std::string from_key;
  std::string from_type;
  std::string to_key;
  std::string to_type;
  std::string name;  // what the source calls it ("Is associated with SecurityGroup"); may be empty
  friend bool operator==(const Relation&, const Relation&) = default;
  [[nodiscard]] asff::ResourceRelation ToResourceRelation() const {
    return {from_key, from_type, to_key, to_type};
  }
};

struct Item {
  std::string source;
  std::string subject_key;   // canonical
  std::string subject_type;  // ASFF resource type
  std::string subject_id;    // as the source names it (i-0abc..., a thing name, an ARN)
  asff::TimeMs observed_at = 0;
  bool deleted = false;
  std::vector<Relation> relations;
  std::vector<std::pair<std::string, std::string>> attributes;
};

struct Scope {
  std::string partition = "aws";
  std::string region;
  std::string account;
};

struct Context {
  Scope defaults;         // for documents that do not say
  std::string thing;      // the thing a list-thing-principals output is about (name or ARN)
  std::string principal;  // the certificate ARN a list-principal-things output is about
  std::string target;     // the target (certificate ARN) a list-attached-policies output is about
  std::string policy;     // the policy (name or ARN) a list-targets-for-policy output is about
  asff::TimeMs observed_at = 0;  // when the EC2 and IoT outputs, which carry no time, were taken
};

enum class Kind : std::uint8_t {
  kConfigItem,          // one configuration item (either form)
  kConfigItems,         // snapshot or history file, get-resource-config-history output
  kConfigBaseItems,     // batch-get-resource-config output
  kConfigNotification,  // a ConfigurationItemChangeNotification
  kConfigOtherMessage,  // any other Config message (snapshot delivered, oversized item ...)
  kEc2Instances,        // describe-instances output
  kEc2Reservation,      // one of its Reservations
  kEc2NetworkInterfaces,
  kEc2NetworkInterface,
  kEc2SecurityGroups,
  kEc2SecurityGroup,
  kIotThingPrincipals,
  kIotPrincipalThings,
  kIotAttachedPolicies,
  kIotTargetsForPolicy,
  kIotThing,              // describe-thing output
  kIotInventorySnapshot,  // {"thingPrincipals": [...], "principalPolicies": [...]}
  kUnknown,
};
std::string_view ToString(Kind kind);
Kind Classify(simdjson::dom::element document);

struct Problem {
  std::string
      where;  // inside the document: "configurationItems[3]", "Reservations[0].Instances[1]"
  std::string message;  // what is wrong
};

struct Parsed {
  Kind kind = Kind::kUnknown;
  std::vector<Item> items;
  std::vector<Problem> rejected;   // items left out, each with why
  std::vector<std::string> notes;  // what was passed over on purpose, and why
};

// `out` is cleared first. InvalidInput when the document is of no known kind or lacks what its
// kind needs; per-item problems go to out->rejected.
Status Parse(simdjson::dom::element document, const Context& context, Parsed* out);
// An EventBridge event (detail-type and detail): "Config Configuration Item Change" carries a
// change notification; other types are InvalidInput.
Status ParseEvent(simdjson::dom::element event, std::string_view detail_type,
                  const Context& context, Parsed* out);

// An AWS Config resource type (AWS::EC2::Instance) as an ASFF resource type (AwsEc2Instance).
std::string AsffType(std::string_view config_type);
// The ASFF type of the resource a canonical key names, when the key's shape says (an instance
// ARN, a thing ARN, "AwsFooBar:aws:region:account:id"); else empty.
std::string TypeOfKey(std::string_view canonical_key);
// The region of an availability zone ("eu-west-1a", "us-west-2-lax-1a" -> "us-west-2"); empty
// when it does not start with one.
std::string RegionOfZone(std::string_view zone);

}  // namespace corroborate::inventory
