// Shared by the inventory parsers (config.cc, ec2.cc, iot.cc); not part of the module's API.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "inventory/inventory.h"

namespace corroborate::inventory::internal {

inline constexpr std::string_view kInstance = "AwsEc2Instance";
inline constexpr std::string_view kInterface = "AwsEc2NetworkInterface";
inline constexpr std::string_view kSecurityGroup = "AwsEc2SecurityGroup";
inline constexpr std::string_view kIotCertificate = "AwsIotCertificate";
inline constexpr std::string_view kIotPolicy = "AwsIotPolicy";
inline constexpr std::string_view kIotThingGroup = "AwsIotThingGroup";
inline constexpr std::string_view kOther = "Other";

// The string member `key` of `e`, or empty when it is absent or not a string.
std::string_view Str(simdjson::dom::element e, std::string_view key);
bool Has(simdjson::dom::element e, std::string_view key);
// The array member `key`, or false.
bool Array(simdjson::dom::element e, std::string_view key, simdjson::dom::array* out);
// A timestamp as the AWS CLI prints one: ISO 8601 text, or epoch seconds (CLI v1's default).
std::optional<asff::TimeMs> Time(simdjson::dom::element e);

// "where.key" / "where.key[i]" for problem reports.
std::string Path(std::string_view where, std::string_view key);
std::string Path(std::string_view where, std::string_view key, std::size_t index);

// The partition, region and account an ARN names (empty parts stay empty; not an ARN: all empty).
Scope FromArn(std::string_view arn);
// `scope` with its empty parts from `fallback`.
Scope Merge(Scope scope, const Scope& fallback);

std::string Key(std::string_view type, std::string_view id, const Scope& scope);

// Adds a relation to `item` unless it relates a resource to itself.
void Relate(Item& item, std::string from_key, std::string_view from_type, std::string to_key,
            std::string_view to_type, std::string_view name);
// Leaves each relation of `item` once (either direction), the first of its kind.
void Deduplicate(Item& item);

void ParseConfig(simdjson::dom::element document, Kind kind, const Context& context, Parsed* out);
void ParseEc2(simdjson::dom::element document, Kind kind, const Context& context, Parsed* out);
Status ParseIot(simdjson::dom::element document, Kind kind, const Context& context, Parsed* out);

}  // namespace corroborate::inventory::internal
