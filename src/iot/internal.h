// Helpers shared by the iot module's files; not part of its public API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "asff/json_writer.h"
#include "asff/timestamp.h"
#include "iot/iot.h"

namespace corroborate::iot::internal {

// ASFF's limits on what we write (asff/finding.h checks them).
inline constexpr std::size_t kMaxId = 512;
inline constexpr std::size_t kMaxTitle = 256;
inline constexpr std::size_t kMaxDescription = 1024;
inline constexpr std::size_t kMaxOtherValue = 1024;
inline constexpr std::size_t kMaxProductFieldValue = 2048;
inline constexpr std::size_t kMaxNoteText = 512;
inline constexpr std::size_t kMaxRemediationText = 512;

// The string member `key` of `object`, or empty when it is absent or not a string.
std::string_view StringMember(simdjson::dom::element object, std::string_view key);
bool HasMember(simdjson::dom::element object, std::string_view key);

// A time as Device Defender writes it: epoch seconds (integer or fraction), epoch milliseconds
// (a value too large to be seconds before the year 5000), or an ISO 8601 timestamp string.
std::optional<asff::TimeMs> TimeValue(simdjson::dom::element value);
// The member `key` as such a time: nullopt when absent; InvalidInput when present but not a time.
Result<std::optional<asff::TimeMs>> TimeMember(simdjson::dom::element object, std::string_view key);

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence, ending with "..." when cut.
std::string Cut(std::string_view text, std::size_t max);
// '%' and '/' written as %25 and %2F, so joined parts cannot run into each other.
std::string EncodePart(std::string_view part);
// `prefix` + `rest`, or, when longer than `max`, as much of it as fits followed by "~" and a
// 16-hex-digit digest of all of it: stable, and distinct for distinct inputs in practice.
std::string BoundedId(std::string_view prefix, std::string_view rest, std::size_t max = kMaxId);

std::string Arn(const Scope& scope, std::string_view service, std::string_view resource);
// The AWS IoT console for the scope's region, ending with "#" (routes are appended).
std::string ConsoleUrl(const Scope& scope);

// The object or array `e` is (the caller has checked its type); by value, so a range-for over it
// does not dangle as one over simdjson_result::value_unsafe() would.
inline simdjson::dom::object ObjectOf(simdjson::dom::element e) {
  simdjson::dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return {};
  return o;
}
inline simdjson::dom::array ArrayOf(simdjson::dom::element e) {
  simdjson::dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) return {};
  return a;
}

// The ProductFields member `key`: `value` cut to ASFF's limit; nothing when `value` is empty.
void WriteProductField(asff::JsonWriter& w, std::string_view key, std::string_view value);
// Whether `s` is a verification state an operator can give a Device Defender alarm.
bool IsVerificationState(std::string_view s);

// A number rendered without a needless fraction ("100", "918273645", "0.5").
std::string NumberText(simdjson::dom::element number);

}  // namespace corroborate::iot::internal
