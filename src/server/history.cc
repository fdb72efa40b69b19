#include "server/history.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "asff/json_writer.h"
#include "aws/sigv4.h"

namespace corroborate::server {
namespace {

constexpr std::array<std::string_view, 5> kTopLevelTimes = {
    "CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt", "ProcessedAt"};
constexpr std::size_t kMaxRecordBytes = std::size_t{60} << 10;

std::string ValueText(simdjson::dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  std::string out;
  asff::AppendMinified(out, e);
  return out;
}

std::optional<std::string> Bounded(std::string value) {
  if (value.size() > kMaxHistoryValue) return std::nullopt;
  return value;
}

bool SameValue(simdjson::dom::element a, simdjson::dom::element b) {
  if (a.type() != b.type()) return false;
  std::string x, y;
  asff::AppendMinified(x, a);
  asff::AppendMinified(y, b);
  return x == y;
}

void Diff(const simdjson::dom::object* old_obj, const simdjson::dom::object* new_obj,
          const std::string& prefix, bool top, std::vector<HistoryUpdate>& out) {
  auto skip = [&](std::string_view key) {
    return top &&
           std::find(kTopLevelTimes.begin(), kTopLevelTimes.end(), key) != kTopLevelTimes.end();
  };
  auto path = [&](std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
  };
  if (old_obj != nullptr) {
    for (auto [key, old_value] : *old_obj) {
      if (skip(key)) continue;
      simdjson::dom::element new_value;
      const bool present =
          new_obj != nullptr && new_obj->at_key(key).get(new_value) == simdjson::SUCCESS;
      simdjson::dom::object a, b;
      if (present && old_value.get_object().get(a) == simdjson::SUCCESS &&
          new_value.get_object().get(b) == simdjson::SUCCESS) {
        Diff(&a, &b, path(key), false, out);
        continue;
      }
      if (present && SameValue(old_value, new_value)) continue;
      out.push_back({path(key), Bounded(ValueText(old_value)),
                     present ? Bounded(ValueText(new_value)) : std::nullopt});
    }
  }
  if (new_obj != nullptr) {
    for (auto [key, new_value] : *new_obj) {
      if (skip(key)) continue;
      simdjson::dom::element ignored;
      if (old_obj != nullptr && old_obj->at_key(key).get(ignored) == simdjson::SUCCESS) continue;
      simdjson::dom::object b;
      if (new_value.get_object().get(b) == simdjson::SUCCESS) {
        Diff(nullptr, &b, path(key), false, out);
        continue;
      }
      out.push_back({path(key), std::nullopt, Bounded(ValueText(new_value))});
    }
  }
}

std::string Hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::vector<HistoryUpdate> DiffFindings(std::string_view old_json, std::string_view new_json) {
  std::vector<HistoryUpdate> out;
  simdjson::dom::parser old_parser, new_parser;
  simdjson::dom::object old_obj, new_obj;
  const bool has_old =
      !old_json.empty() &&
      old_parser.parse(old_json.data(), old_json.size()).get_object().get(old_obj) ==
          simdjson::SUCCESS;
  const bool has_new =
      !new_json.empty() &&
      new_parser.parse(new_json.data(), new_json.size()).get_object().get(new_obj) ==
          simdjson::SUCCESS;
  Diff(has_old ? &old_obj : nullptr, has_new ? &new_obj : nullptr, "", true, out);
  return out;
}

std::string HistoryPrefix(const asff::FindingIdentifier& id) {
  std::string identity = id.product_arn;
  identity += '\0';
  identity += id.id;
  return "h/" + aws::Sha256Hex(identity) + "/";
}

std::string HistoryKey(const asff::FindingIdentifier& id, asff::TimeMs time, std::uint64_t seq) {
  return HistoryPrefix(id) + Hex16(static_cast<std::uint64_t>(time)) + "/" + Hex16(seq);
}

std::string HistoryKeyBefore(const asff::FindingIdentifier& id, asff::TimeMs time) {
  // Keys at `time` continue with '/' after this, so they all sort after it.
  return HistoryPrefix(id) + Hex16(static_cast<std::uint64_t>(std::max<asff::TimeMs>(time, 0)));
}

std::optional<asff::TimeMs> HistoryKeyTime(std::string_view key) {
  // h/ + 64 hex + / + 16 hex time + / + 16 hex seq
  if (key.size() != 2 + 64 + 1 + 16 + 1 + 16 || !key.starts_with("h/")) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : key.substr(67, 16)) {
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<std::uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<std::uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
  }
  return static_cast<asff::TimeMs>(v);
}

std::string EncodeHistoryRecord(asff::TimeMs time, bool created, std::string_view source_type,
                                std::string_view identity, std::vector<HistoryUpdate> updates) {
  while (true) {
    std::string out;
    asff::JsonWriter w(out);
    w.BeginObject()
        .Key("UpdateTime")
        .String(asff::FormatTimestamp(time))
        .Key("FindingCreated")
        .Bool(created)
        .Key("UpdateSource")
        .BeginObject()
        .Key("Type")
        .String(source_type)
        .Key("Identity")
        .String(identity)
        .EndObject()
        .Key("Updates")
        .BeginArray();
    for (const HistoryUpdate& u : updates) {
      w.BeginObject().Key("UpdatedField").String(u.field);
      if (u.old_value) w.Key("OldValue").String(*u.old_value);
      if (u.new_value) w.Key("NewValue").String(*u.new_value);
      w.EndObject();
    }
    w.EndArray().EndObject();
    if (out.size() <= kMaxRecordBytes || updates.empty()) return out;
    // Too big for one record: drop the largest value and try again.
    std::optional<std::string>* largest = nullptr;
    for (HistoryUpdate& u : updates) {
      for (auto* v : {&u.old_value, &u.new_value}) {
        if (*v && (largest == nullptr || (*v)->size() > (*largest)->size())) largest = v;
      }
    }
    if (largest == nullptr) {
      updates.resize(updates.size() / 2);  // only field names left: keep the first half
    } else {
      largest->reset();
    }
  }
}

}  // namespace corroborate::server
