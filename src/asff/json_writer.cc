#include "asff/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace corroborate::asff {

namespace {

// Whether any of the 8 bytes of `w` is a control character, '"' or '\\' (SWAR: a byte below n
// shows as its high bit in (w - n * 0x01..) & ~w & 0x80..; bytes of 0x80 and above never do).
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
inline bool NeedsEscape(std::uint64_t w) {
  const std::uint64_t quote = w ^ (kOnes * '"');
  const std::uint64_t backslash = w ^ (kOnes * '\\');
  return (((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
          ((backslash - kOnes) & ~backslash)) &
         kHighs;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  // Most bytes need no escaping: clean text is skipped eight bytes at a time (this was a fifth of
  // ingest's instructions), and again after each escape, since strings that need one (a quoted
  // word, a line break) are mostly clean text too. NeedsEscape flags no word without a byte that
  // needs escaping, so the byte loop below always finds one in a flagged word.
  const size_t n = s.size();
  size_t run = 0;  // start of the pending run of characters that need no escaping
  size_t i = 0;
  for (;;) {
    while (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (NeedsEscape(w)) break;
      i += 8;
    }
    const size_t word_end = std::min(n, i + 8);
    auto needs_escape = [](unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; };
    while (i < word_end && !needs_escape(static_cast<unsigned char>(s[i]))) ++i;
    if (i == n) break;
    if (i == word_end) continue;  // only were a word flagged falsely
    const auto c = static_cast<unsigned char>(s[i]);
    out.append(s.data() + run, i - run);
    run = ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.data() + run, n - run);
  out += '"';
}

void AppendMinified(std::string& out, simdjson::dom::element e) {
  using simdjson::dom::element_type;
  char buf[32];
  switch (e.type()) {
    case element_type::OBJECT: {
      out += '{';
      bool first = true;
      const simdjson::dom::object object = e.get_object().value_unsafe();
      for (auto [key, value] : object) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, key);
        out += ':';
        AppendMinified(out, value);
      }
      out += '}';
      return;
    }
    case element_type::ARRAY: {
      out += '[';
      bool first = true;
      const simdjson::dom::array array = e.get_array().value_unsafe();
      for (auto item : array) {
        if (!first) out += ',';
        first = false;
        AppendMinified(out, item);
      }
      out += ']';
      return;
    }
    case element_type::STRING: AppendJsonString(out, e.get_string().value_unsafe()); return;
    case element_type::INT64: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, e.get_int64().value_unsafe());
      out.append(buf, end);
      return;
    }
    case element_type::UINT64: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, e.get_uint64().value_unsafe());
      out.append(buf, end);
      return;
    }
    case element_type::DOUBLE: {
      const double d = e.get_double().value_unsafe();
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, end);
      // Keep a double a double: 2.0 must not come back as the integer 2.
      if (std::string_view(buf, static_cast<size_t>(end - buf)).find_first_of(".eE") ==
          std::string_view::npos) {
        out += ".0";
      }
      return;
    }
    case element_type::BOOL: out += e.get_bool().value_unsafe() ? "true" : "false"; return;
    case element_type::NULL_VALUE: out += "null"; return;
  }
}

JsonWriter& JsonWriter::Double(double v) {
  Sep();
  if (!std::isfinite(v)) {
    out_ += "null";
    return *this;
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    out_ += std::to_string(static_cast<std::int64_t>(v));
    return *this;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, end);
  return *this;
}

}  // namespace corroborate::asff
