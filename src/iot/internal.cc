#include "iot/internal.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace corroborate::iot::internal {

std::string_view StringMember(simdjson::dom::element object, std::string_view key) {
  std::string_view s;
  if (object[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

void WriteProductField(asff::JsonWriter& w, std::string_view key, std::string_view value) {
  if (!value.empty()) w.Key(key).String(Cut(value, kMaxProductFieldValue));
}

bool IsVerificationState(std::string_view s) {
  return s == "FALSE_POSITIVE" || s == "BENIGN_POSITIVE" || s == "TRUE_POSITIVE" || s == "UNKNOWN";
}

bool HasMember(simdjson::dom::element object, std::string_view key) {
  return object.is_object() && object[key].error() == simdjson::SUCCESS;
}

std::optional<asff::TimeMs> TimeValue(simdjson::dom::element value) {
  // 1e11 seconds is the year 5138, so anything larger is milliseconds.
  constexpr double kLargestSeconds = 1e11;
  double number = 0;
  if (value.is_int64()) {
    number = static_cast<double>(value.get_int64().value());
  } else if (value.is_uint64()) {
    number = static_cast<double>(value.get_uint64().value());
  } else if (value.is_double()) {
    number = value.get_double().value();
  } else {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
    return asff::ParseTimestamp(text);
  }
  if (!std::isfinite(number) || number < 0 || number > kLargestSeconds * 1000) return std::nullopt;
  const double ms = number > kLargestSeconds ? number : number * 1000;
  return static_cast<asff::TimeMs>(std::llround(ms));
}

Result<std::optional<asff::TimeMs>> TimeMember(simdjson::dom::element object,
                                               std::string_view key) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) {
    return std::optional<asff::TimeMs>();
  }
  auto t = TimeValue(value);
  if (!t) {
    return Status::InvalidInput(std::string(key) +
                                " should be a time: epoch seconds, epoch milliseconds or an ISO "
                                "8601 timestamp");
  }
  return std::optional<asff::TimeMs>(*t);
}

std::string Cut(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  constexpr std::string_view kEllipsis = "...";
  std::size_t end = max > kEllipsis.size() ? max - kEllipsis.size() : 0;
  // Back up over continuation bytes so the cut falls between characters.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  std::string out(text.substr(0, end));
  if (max >= kEllipsis.size()) out += kEllipsis;
  return out;
}

std::string EncodePart(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  for (char c : part) {
    if (c == '%') {
      out += "%25";
    } else if (c == '/') {
      out += "%2F";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

std::uint64_t Fnv1a(std::string_view a, std::string_view b) {
  std::uint64_t h = 1469598103934665603ULL;
  for (std::string_view part : {a, b}) {
    for (char c : part) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
  }
  return h;
}

}  // namespace

std::string BoundedId(std::string_view prefix, std::string_view rest, std::size_t max) {
  if (prefix.size() + rest.size() <= max) return std::string(prefix) + std::string(rest);
  std::array<char, 17> digest{};
  std::snprintf(digest.data(), digest.size(), "%016llx",
                static_cast<unsigned long long>(Fnv1a(prefix, rest)));
  const std::size_t room = max > prefix.size() + 17 ? max - prefix.size() - 17 : 0;
  std::size_t end = std::min(room, rest.size());
  while (end > 0 && (static_cast<unsigned char>(rest[end]) & 0xC0) == 0x80) --end;
  return std::string(prefix) + std::string(rest.substr(0, end)) + "~" + digest.data();
}

std::string Arn(const Scope& scope, std::string_view service, std::string_view resource) {
  std::string out = "arn:";
  out.append(scope.partition).append(":").append(service).append(":").append(scope.region);
  out.append(":").append(scope.account).append(":").append(resource);
  return out;
}

std::string ConsoleUrl(const Scope& scope) {
  std::string host = "console.aws.amazon.com";
  if (scope.partition == "aws-cn") host = "console.amazonaws.cn";
  if (scope.partition == "aws-us-gov") host = "console.amazonaws-us-gov.com";
  return "https://" + host + "/iot/home?region=" + scope.region + "#";
}

std::string NumberText(simdjson::dom::element number) {
  if (number.is_int64()) return std::to_string(number.get_int64().value());
  if (number.is_uint64()) return std::to_string(number.get_uint64().value());
  double d = 0;
  if (number.get_double().get(d) != simdjson::SUCCESS) return {};
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<long long>(d));
  }
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.15g", d);
  return buffer.data();
}

}  // namespace corroborate::iot::internal
