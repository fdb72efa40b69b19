#include "inventory/inventory.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <unordered_set>

#include "asff/resource_key.h"
#include "inventory/internal.h"

namespace corroborate::inventory {
namespace internal {

std::string_view Str(simdjson::dom::element e, std::string_view key) {
  std::string_view s;
  if (e[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

bool Has(simdjson::dom::element e, std::string_view key) {
  return e.is_object() && e[key].error() == simdjson::SUCCESS;
}

bool Array(simdjson::dom::element e, std::string_view key, simdjson::dom::array* out) {
  return e[key].get_array().get(*out) == simdjson::SUCCESS;
}

std::optional<asff::TimeMs> Time(simdjson::dom::element e) {
  std::string_view text;
  if (e.get_string().get(text) == simdjson::SUCCESS) {
    return asff::ParseTimestamp(text);  // "2026-11-20T10:15:42.123000+00:00", "...Z"
  }
  double seconds = 0;
  if (e.get_double().get(seconds) == simdjson::SUCCESS && std::isfinite(seconds) && seconds > 0 &&
      seconds < 1e11) {
    return static_cast<asff::TimeMs>(std::llround(seconds * 1000.0));
  }
  return std::nullopt;
}

std::string Path(std::string_view where, std::string_view key) {
  std::string out(where);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string Path(std::string_view where, std::string_view key, std::size_t index) {
  return Path(where, key) + "[" + std::to_string(index) + "]";
}

Scope FromArn(std::string_view arn) {
  Scope scope;
  scope.partition.clear();
  if (!arn.starts_with("arn:")) return scope;
  std::array<std::string_view, 5> parts;
  std::size_t start = 0;
  for (std::string_view& part : parts) {
    const std::size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return Scope{"", "", ""};
    part = arn.substr(start, colon - start);
    start = colon + 1;
  }
  scope.partition = std::string(parts[1]);
  scope.region = std::string(parts[3]);
  scope.account = std::string(parts[4]);
  return scope;
}

Scope Merge(Scope scope, const Scope& fallback) {
  if (scope.partition.empty()) scope.partition = fallback.partition;
  if (scope.region.empty()) scope.region = fallback.region;
  if (scope.account.empty()) scope.account = fallback.account;
  if (scope.partition.empty()) scope.partition = "aws";
  return scope;
}

std::string Key(std::string_view type, std::string_view id, const Scope& scope) {
  return asff::CanonicalResourceKey(type, id, scope.partition, scope.region, scope.account);
}

void Relate(Item& item, std::string from_key, std::string_view from_type, std::string to_key,
            std::string_view to_type, std::string_view name) {
  if (from_key.empty() || to_key.empty() || from_key == to_key) return;
  item.relations.push_back({std::move(from_key), std::string(from_type), std::move(to_key),
                            std::string(to_type), std::string(name)});
}

void Deduplicate(Item& item) {
  // Once per item, with a hash set: a security group's item may list 50,000 instances, and
  // checking each new relation against the list was quadratic.
  if (item.relations.size() < 2) return;
  std::unordered_set<std::string> seen;
  seen.reserve(item.relations.size());
  std::string pair;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < item.relations.size(); ++i) {
    const Relation& r = item.relations[i];
    const bool ordered = r.from_key < r.to_key;
    pair.assign(ordered ? r.from_key : r.to_key).append(1, '\0');
    pair.append(ordered ? r.to_key : r.from_key);
    if (!seen.insert(pair).second) continue;
    if (kept != i) item.relations[kept] = std::move(item.relations[i]);
    ++kept;
  }
  item.relations.resize(kept);
}

}  // namespace internal

using internal::Has;

namespace {
Status ParseKind(simdjson::dom::element document, const Context& context, Parsed* out);
}  // namespace

std::string_view ToString(Kind kind) {
  switch (kind) {
    case Kind::kConfigItem: return "AWS Config configuration item";
    case Kind::kConfigItems: return "AWS Config configuration items";
    case Kind::kConfigBaseItems: return "batch-get-resource-config output";
    case Kind::kConfigNotification: return "AWS Config change notification";
    case Kind::kConfigOtherMessage: return "AWS Config message";
    case Kind::kEc2Instances: return "describe-instances output";
    case Kind::kEc2Reservation: return "EC2 reservation";
    case Kind::kEc2NetworkInterfaces: return "describe-network-interfaces output";
    case Kind::kEc2NetworkInterface: return "EC2 network interface";
    case Kind::kEc2SecurityGroups: return "describe-security-groups output";
    case Kind::kEc2SecurityGroup: return "EC2 security group";
    case Kind::kIotThingPrincipals: return "list-thing-principals output";
    case Kind::kIotPrincipalThings: return "list-principal-things output";
    case Kind::kIotAttachedPolicies: return "list-attached-policies output";
    case Kind::kIotTargetsForPolicy: return "list-targets-for-policy output";
    case Kind::kIotThing: return "describe-thing output";
    case Kind::kIotInventorySnapshot: return "IoT inventory snapshot";
    case Kind::kUnknown: return "unknown document";
  }
  return "?";
}

Kind Classify(simdjson::dom::element d) {
  if (!d.is_object()) return Kind::kUnknown;
  simdjson::dom::array array;
  auto is_array = [&](std::string_view key) { return internal::Array(d, key, &array); };
  if (Has(d, "resourceType") &&
      (Has(d, "configurationItemCaptureTime") || Has(d, "configurationItemStatus") ||
       Has(d, "configurationStateId"))) {
    return Kind::kConfigItem;  // one lacking its capture time is refused by name, not as unknown
  }
  if (Has(d, "messageType")) {
    return internal::Str(d, "messageType") == "ConfigurationItemChangeNotification" &&
                   Has(d, "configurationItem")
               ? Kind::kConfigNotification
               : Kind::kConfigOtherMessage;
  }
  if (is_array("configurationItems")) return Kind::kConfigItems;
  if (is_array("baseConfigurationItems")) return Kind::kConfigBaseItems;
  if (is_array("Reservations")) return Kind::kEc2Instances;
  if (Has(d, "ReservationId") || (is_array("Instances") && Has(d, "OwnerId"))) {
    return Kind::kEc2Reservation;
  }
  if (Has(d, "InstanceId") && (Has(d, "State") || Has(d, "Placement") || Has(d, "ImageId"))) {
    return Kind::kEc2Reservation;  // one instance (describe-instances --query ...Instances[])
  }
  if (Has(d, "NetworkInterfaceId")) return Kind::kEc2NetworkInterface;
  if (is_array("NetworkInterfaces")) return Kind::kEc2NetworkInterfaces;
  if (Has(d, "GroupId") && (Has(d, "IpPermissions") || Has(d, "GroupName"))) {
    return Kind::kEc2SecurityGroup;
  }
  if (is_array("SecurityGroups")) return Kind::kEc2SecurityGroups;
  if (is_array("principals") || is_array("thingPrincipalObjects")) {
    return Kind::kIotThingPrincipals;
  }
  if (is_array("things") || is_array("principalThingObjects")) return Kind::kIotPrincipalThings;
  if (is_array("policies")) return Kind::kIotAttachedPolicies;
  if (is_array("targets")) return Kind::kIotTargetsForPolicy;
  if (Has(d, "thingPrincipals") || Has(d, "principalPolicies")) {
    return Kind::kIotInventorySnapshot;
  }
  if (Has(d, "thingArn") ||
      (Has(d, "thingName") && (Has(d, "thingId") || Has(d, "attributes") || Has(d, "version")))) {
    return Kind::kIotThing;
  }
  return Kind::kUnknown;
}

Status Parse(simdjson::dom::element document, const Context& context, Parsed* out) {
  Status s = ParseKind(document, context, out);
  for (Item& item : out->items) internal::Deduplicate(item);
  return s;
}

namespace {
Status ParseKind(simdjson::dom::element document, const Context& context, Parsed* out) {
  *out = {};
  out->kind = Classify(document);
  switch (out->kind) {
    case Kind::kConfigItem:
    case Kind::kConfigItems:
    case Kind::kConfigBaseItems:
    case Kind::kConfigNotification:
    case Kind::kConfigOtherMessage: internal::ParseConfig(document, out->kind, context, out); break;
    case Kind::kEc2Instances:
    case Kind::kEc2Reservation:
    case Kind::kEc2NetworkInterfaces:
    case Kind::kEc2NetworkInterface:
    case Kind::kEc2SecurityGroups:
    case Kind::kEc2SecurityGroup: internal::ParseEc2(document, out->kind, context, out); break;
    case Kind::kIotThingPrincipals:
    case Kind::kIotPrincipalThings:
    case Kind::kIotAttachedPolicies:
    case Kind::kIotTargetsForPolicy:
    case Kind::kIotThing:
    case Kind::kIotInventorySnapshot: return internal::ParseIot(document, out->kind, context, out);
    case Kind::kUnknown:
      return Status::InvalidInput(
          document.is_object()
              ? "not an inventory document: expected an AWS Config configuration item, snapshot, "
                "history file or notification, EC2 describe-instances / "
                "describe-network-interfaces / describe-security-groups output, or IoT "
                "list-thing-principals / list-principal-things / list-attached-policies / "
                "list-targets-for-policy / describe-thing output (docs/inventory.md)"
              : "not an inventory document: expected a JSON object");
  }
  return Status::Ok();
}
}  // namespace

Status ParseEvent(simdjson::dom::element event, std::string_view detail_type,
                  const Context& context, Parsed* out) {
  *out = {};
  simdjson::dom::element detail;
  if (detail_type == "Config Configuration Item Change") {
    if (event["detail"].get(detail) != simdjson::SUCCESS || !detail.is_object()) {
      return Status::InvalidInput("EventBridge event '" + std::string(detail_type) +
                                  "' has no detail object");
    }
    out->kind = Classify(detail);
    if (out->kind != Kind::kConfigNotification && out->kind != Kind::kConfigOtherMessage) {
      return Status::InvalidInput("EventBridge event '" + std::string(detail_type) +
                                  "' has no detail.configurationItem");
    }
    internal::ParseConfig(detail, out->kind, context, out);
    for (Item& item : out->items) internal::Deduplicate(item);
    return Status::Ok();
  }
  if (detail_type.starts_with("Config ")) {
    out->kind = Kind::kConfigOtherMessage;
    out->notes.push_back("EventBridge event '" + std::string(detail_type) +
                         "' carries no configuration item; passed over");
    return Status::Ok();
  }
  return Status::InvalidInput("EventBridge event of type '" + std::string(detail_type) +
                              "' carries no inventory (expected 'Config Configuration Item "
                              "Change')");
}

namespace {

// AWS Config types whose ASFF type is not the mechanical one.
struct TypeName {
  std::string_view config;
  std::string_view asff;
};
constexpr std::array<TypeName, 12> kTypeTable{{
    {"AWS::ElasticLoadBalancingV2::LoadBalancer", "AwsElbv2LoadBalancer"},
    {"AWS::ElasticLoadBalancing::LoadBalancer", "AwsElbLoadBalancer"},
    {"AWS::EC2::EIP", "AwsEc2Eip"},
    {"AWS::DynamoDB::Table", "AwsDynamoDbTable"},
    {"AWS::CloudFront::Distribution", "AwsCloudFrontDistribution"},
    {"AWS::CloudTrail::Trail", "AwsCloudTrailTrail"},
    {"AWS::CodeBuild::Project", "AwsCodeBuildProject"},
    {"AWS::SecretsManager::Secret", "AwsSecretsManagerSecret"},
    {"AWS::AutoScaling::AutoScalingGroup", "AwsAutoScalingAutoScalingGroup"},
    {"AWS::ApiGateway::RestApi", "AwsApiGatewayRestApi"},
    {"AWS::OpenSearch::Domain", "AwsOpenSearchServiceDomain"},
    {"AWS::WAFv2::WebACL", "AwsWafv2WebAcl"},
}};

bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}

// "DBInstance" -> "DbInstance", "VPC" -> "Vpc", "EC2" -> "Ec2": a run of capitals is a word,
// except its last one when a lower-case letter follows (it starts the next word).
std::string Words(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    if (!IsUpper(name[i])) {
      out += name[i++];
      continue;
    }
    std::size_t end = i;
    while (end < name.size() && IsUpper(name[end])) ++end;
    if (end < name.size() && IsLower(name[end]) && end - i > 1) --end;
    out += name[i];
    for (std::size_t k = i + 1; k < end; ++k) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(name[k])));
    }
    i = end;
  }
  return out;
}

}  // namespace

std::string AsffType(std::string_view config_type) {
  for (const TypeName& t : kTypeTable) {
    if (t.config == config_type) return std::string(t.asff);
  }
  // AWS::Service::Type, each part letters and digits.
  if (!config_type.starts_with("AWS::")) return std::string(internal::kOther);
  const std::string_view rest = config_type.substr(5);
  const std::size_t sep = rest.find("::");
  if (sep == std::string_view::npos || sep == 0 || sep + 2 >= rest.size()) {
    return std::string(internal::kOther);
  }
  const std::string_view service = rest.substr(0, sep);
  const std::string_view type = rest.substr(sep + 2);
  auto alnum = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
  };
  if (!alnum(service) || !alnum(type)) return std::string(internal::kOther);
  if (service == "IoT") {
    // Corroborate's (and Device Defender's) names: a thing is an AwsIotRegisteredThing.
    if (type == "Thing") return std::string(asff::kIotThingType);
    return "AwsIot" + std::string(type);
  }
  std::string out = "Aws" + Words(service) + Words(type);
  return out;
}

std::string TypeOfKey(std::string_view key) {
  if (!key.starts_with("arn:")) {
    // "<Type>:<partition>:<region>:<account>:<id>" (resource_key.h)
    const std::size_t colon = key.find(':');
    if (colon == std::string_view::npos || colon == 0) return {};
    const std::string_view type = key.substr(0, colon);
    if (!std::all_of(type.begin(), type.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
      return {};
    }
    return std::string(type);
  }
  std::array<std::string_view, 6> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    const std::size_t colon = key.find(':', start);
    if (colon == std::string_view::npos) return {};
    parts[i] = key.substr(start, colon - start);
    start = colon + 1;
  }
  parts[5] = key.substr(start);
  const std::string_view service = parts[2];
  const std::string_view resource = parts[5];
  struct Shape {
    std::string_view service;
    std::string_view prefix;
    std::string_view type;
  };
  static constexpr std::array<Shape, 14> kShapes{{
      {"ec2", "instance/", "AwsEc2Instance"},
      {"ec2", "security-group/", "AwsEc2SecurityGroup"},
      {"ec2", "network-interface/", "AwsEc2NetworkInterface"},
      {"ec2", "volume/", "AwsEc2Volume"},
      {"ec2", "vpc/", "AwsEc2Vpc"},
      {"ec2", "subnet/", "AwsEc2Subnet"},
      {"iot", "thing/", asff::kIotThingType},
      {"iot", "cert/", "AwsIotCertificate"},
      {"iot", "cacert/", "AwsIotCaCertificate"},
      {"iot", "policy/", "AwsIotPolicy"},
      {"iot", "thinggroup/", "AwsIotThingGroup"},
      {"iam", "role/", "AwsIamRole"},
      {"iam", "user/", "AwsIamUser"},
      {"lambda", "function:", "AwsLambdaFunction"},
  }};
  for (const Shape& s : kShapes) {
    if (service == s.service && resource.starts_with(s.prefix)) return std::string(s.type);
  }
  if (service == "s3" && parts[3].empty() && parts[4].empty() &&
      resource.find('/') == std::string_view::npos) {
    return "AwsS3Bucket";
  }
  return {};
}

std::string RegionOfZone(std::string_view zone) {
  // <2 letters>[-gov|-iso...]-<letters>-<digits>, then the zone's own suffix.
  std::size_t i = 0;
  auto letters = [&] {
    const std::size_t from = i;
    while (i < zone.size() && IsLower(zone[i])) ++i;
    return i - from;
  };
  auto digits = [&] {
    const std::size_t from = i;
    while (i < zone.size() && zone[i] >= '0' && zone[i] <= '9') ++i;
    return i - from;
  };
  auto dash = [&] {
    if (i < zone.size() && zone[i] == '-') {
      ++i;
      return true;
    }
    return false;
  };
  if (letters() != 2 || !dash()) return {};
  const std::size_t word_start = i;
  if (letters() == 0 || !dash()) return {};
  if (zone.substr(word_start, 3) == "gov" || zone.substr(word_start, 3) == "iso") {
    if (letters() == 0 || !dash()) return {};
  }
  if (digits() == 0) return {};
  return std::string(zone.substr(0, i));
}

}  // namespace corroborate::inventory
