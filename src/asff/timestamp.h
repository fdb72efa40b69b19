// ASFF timestamps.
//
// Contract: ParseTimestamp accepts exactly the formats Security Hub accepts for ASFF date fields:
// YYYY-MM-DDTHH:MM:SS followed by an optional fraction of 1..9 digits and then either `Z` or a UTC
// offset `+HH:MM` / `-HH:MM` / `+HHMM` / `-HHMM` no larger than 18:00. It returns milliseconds
// since the Unix epoch (UTC), rounding fractions below a millisecond half-up the way Security Hub
// stores them, or nullopt when the text is not such a timestamp. FormatTimestamp writes the
// canonical form `YYYY-MM-DDTHH:MM:SS.mmmZ`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corroborate::asff {

using TimeMs = std::int64_t;  // milliseconds since 1970-01-01T00:00:00Z

std::optional<TimeMs> ParseTimestamp(std::string_view text);
std::string FormatTimestamp(TimeMs ms);

constexpr TimeMs kMsPerDay = 86'400'000;

}  // namespace corroborate::asff
