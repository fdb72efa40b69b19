#include "asff/timestamp.h"

#include <array>
#include <chrono>
#include <cstdio>

namespace corroborate::asff {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::optional<TimeMs> ParseTimestamp(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, month) ||
      s[7] != '-' || !Digits(s, 8, 2, day) || s[10] != 'T' || !Digits(s, 11, 2, hour) ||
      s[13] != ':' || !Digits(s, 14, 2, minute) || s[16] != ':' || !Digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year},
                           std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;

  size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (++digits > 9) return std::nullopt;
      nanos = nanos * 10 + (s[pos] - '0');
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (pos == s.size()) return std::nullopt;  // a zone is required
  if (s[pos] == 'Z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int sign = s[pos] == '+' ? 1 : -1;
    int oh = 0, om = 0;
    if (!Digits(s, pos + 1, 2, oh)) return std::nullopt;
    size_t after = pos + 3;
    if (after < s.size() && s[after] == ':') ++after;
    if (!Digits(s, after, 2, om)) return std::nullopt;
    pos = after + 2;
    if (om > 59 || oh * 60 + om > 18 * 60) return std::nullopt;
    offset_minutes = static_cast<std::int64_t>(sign) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;

  const std::int64_t days = sys_days{ymd}.time_since_epoch().count();
  const std::int64_t secs = days * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 +
                            second - offset_minutes * 60;
  return secs * 1000 + (nanos + 500'000) / 1'000'000;
}

std::string FormatTimestamp(TimeMs ms) {
  using namespace std::chrono;
  std::int64_t days = ms / kMsPerDay;
  std::int64_t rem = ms % kMsPerDay;
  if (rem < 0) {
    rem += kMsPerDay;
    --days;
  }
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  const int year = static_cast<int>(ymd.year());
  const int fields[] = {year,
                        static_cast<int>(static_cast<unsigned>(ymd.month())),
                        static_cast<int>(static_cast<unsigned>(ymd.day())),
                        static_cast<int>(rem / 3'600'000),
                        static_cast<int>(rem / 60'000 % 60),
                        static_cast<int>(rem / 1000 % 60),
                        static_cast<int>(rem % 1000)};
  if (year < 0 || year > 9999) {
    std::array<char, 40> buf{};
    const auto n =
        std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", fields[0],
                      fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
    return {buf.data(), static_cast<size_t>(n)};
  }
  // Digits written in place: every import stamps ProcessedAt, and snprintf was a percent of it.
  std::string out = "0000-00-00T00:00:00.000Z";
  constexpr std::array<std::pair<size_t, size_t>, 7> kPlaces{
      {{0, 4}, {5, 2}, {8, 2}, {11, 2}, {14, 2}, {17, 2}, {20, 3}}};  // (offset, width)
  for (size_t f = 0; f < kPlaces.size(); ++f) {
    int v = fields[f];
    for (size_t i = kPlaces[f].second; i-- > 0; v /= 10) {
      out[kPlaces[f].first + i] = static_cast<char>('0' + v % 10);
    }
  }
  return out;
}

}  // namespace corroborate::asff
