#include "server/insights.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "filter/field_table.h"

namespace corroborate::server {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Status Invalid(std::string_view member, std::string_view what) {
  return Status::InvalidInput("Invalid parameter '" + std::string(member) + "'. " +
                              std::string(what));
}

Status CheckFilters(element filters) {
  auto parsed = filter::FindingFilter::Parse(filters);
  if (!parsed.ok()) return parsed.status().WithContext("Filters");
  return Status::Ok();
}

Status CheckGroupBy(element value, std::string* out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS || s.empty()) {
    return Invalid("GroupByAttribute", "Expected a filter name, e.g. ResourceId.");
  }
  const filter::FieldInfo* field = filter::FindField(s);
  if (field == nullptr) {
    return Invalid("GroupByAttribute",
                   "'" + std::string(s) + "' is not an AwsSecurityFindingFilters name.");
  }
  if (field->type == filter::FilterType::kMap || field->type == filter::FilterType::kKeyword) {
    return Invalid("GroupByAttribute",
                   "'" + std::string(s) + "' has no single value to group by (map or keyword).");
  }
  *out = std::string(s);
  return Status::Ok();
}

std::string Minify(element e) {
  std::string out;
  asff::AppendMinified(out, e);
  return out;
}

std::string ValueText(element e) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  bool b = false;
  if (e.get_bool().get(b) == simdjson::SUCCESS) return b ? "true" : "false";
  return Minify(e);
}

// Calls `emit` with every value found under `path` ("Resources[].Type", "Types[]").
template <typename Emit>
void Walk(element e, std::string_view path, Emit&& emit) {
  if (path.empty()) {
    if (!e.is_null() && !e.is_object() && !e.is_array()) emit(ValueText(e));
    return;
  }
  const size_t dot = path.find('.');
  std::string_view part = path.substr(0, dot);
  const std::string_view rest = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  bool each = false;
  if (part.ends_with("[]")) {
    each = true;
    part.remove_suffix(2);
  }
  element child;
  if (e.at_key(part).get(child) != simdjson::SUCCESS) return;
  if (!each) return Walk(child, rest, emit);
  simdjson::dom::array items;
  if (child.get_array().get(items) != simdjson::SUCCESS) return;
  for (element item : items) Walk(item, rest, emit);
}

}  // namespace

std::string InsightKey(std::string_view arn) {
  return std::string(kInsightKeyPrefix) + std::string(arn);
}

Result<Insight> ParseInsight(element request, std::string_view arn, asff::TimeMs now) {
  object obj;
  if (request.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidInput("The request body must be a JSON object.");
  }
  Insight insight;
  insight.arn = std::string(arn);
  insight.created_at = now;
  bool has_name = false, has_filters = false, has_group = false;
  for (auto [key, value] : obj) {
    if (value.is_null()) continue;
    if (key == "Name") {
      std::string_view s;
      if (value.get_string().get(s) != simdjson::SUCCESS ||
          s.find_first_not_of(" \t") == std::string_view::npos) {
        return Invalid("Name", "Expected a non-blank string.");
      }
      insight.name = std::string(s);
      has_name = true;
    } else if (key == "Filters") {
      if (Status s = CheckFilters(value); !s.ok()) return s;
      insight.filters_json = Minify(value);
      has_filters = true;
    } else if (key == "GroupByAttribute") {
      if (Status s = CheckGroupBy(value, &insight.group_by); !s.ok()) return s;
      has_group = true;
    }
  }
  for (auto [present, name] :
       {std::pair{has_name, "Name"}, {has_filters, "Filters"}, {has_group, "GroupByAttribute"}}) {
    if (!present) return Invalid(name, "Missing required parameter.");
  }
  return insight;
}

Status ApplyInsightUpdate(element request, Insight& insight) {
  object obj;
  if (request.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidInput("The request body must be a JSON object.");
  }
  Insight next = insight;
  for (auto [key, value] : obj) {
    if (value.is_null()) continue;
    if (key == "Name") {
      std::string_view s;
      if (value.get_string().get(s) != simdjson::SUCCESS ||
          s.find_first_not_of(" \t") == std::string_view::npos) {
        return Invalid("Name", "Expected a non-blank string.");
      }
      next.name = std::string(s);
    } else if (key == "Filters") {
      if (Status s = CheckFilters(value); !s.ok()) return s;
      next.filters_json = Minify(value);
    } else if (key == "GroupByAttribute") {
      if (Status s = CheckGroupBy(value, &next.group_by); !s.ok()) return s;
    }
  }
  insight = std::move(next);
  return Status::Ok();
}

std::string InsightStorageJson(const Insight& insight) {
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject();
  WriteInsightJson(w, insight);
  w.Key("CreatedAt").Int(insight.created_at);
  w.EndObject();
  return out;
}

void WriteInsightJson(asff::JsonWriter& w, const Insight& insight) {
  w.Key("InsightArn").String(insight.arn);
  w.Key("Name").String(insight.name);
  w.Key("Filters").Raw(insight.filters_json);
  w.Key("GroupByAttribute").String(insight.group_by);
}

Result<Insight> InsightFromStorage(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Status::Corruption("stored insight is not JSON");
  }
  Insight insight;
  std::string_view s;
  if (root["InsightArn"].get_string().get(s) == simdjson::SUCCESS) insight.arn = std::string(s);
  if (root["Name"].get_string().get(s) == simdjson::SUCCESS) insight.name = std::string(s);
  if (root["GroupByAttribute"].get_string().get(s) == simdjson::SUCCESS) {
    insight.group_by = std::string(s);
  }
  element filters;
  if (root["Filters"].get(filters) == simdjson::SUCCESS) insight.filters_json = Minify(filters);
  int64_t created = 0;
  if (root["CreatedAt"].get_int64().get(created) == simdjson::SUCCESS) {
    insight.created_at = created;
  }
  return insight;
}

Status InsightResults(store::FindingStore& store, const Insight& insight, asff::TimeMs now,
                      std::vector<std::pair<std::string, std::uint64_t>>* values) {
  values->clear();
  auto filter = filter::FindingFilter::ParseText(insight.filters_json);
  if (!filter.ok()) return filter.status().WithContext("the insight's Filters");
  const filter::FieldInfo* field = filter::FindField(insight.group_by);
  if (field == nullptr) return Status::Corruption("the insight's GroupByAttribute is unknown");
  std::unordered_map<std::string, std::uint64_t> counts;
  store::QueryRequest request;
  request.filter = &*filter;
  request.max_results = 100;
  simdjson::dom::parser parser;
  std::vector<std::string> seen;
  do {
    store::QueryPage page;
    if (Status s = store.Query(request, now, &page); !s.ok()) return s;
    for (const std::string& json : page.findings) {
      element root;
      if (parser.parse(json).get(root) != simdjson::SUCCESS) continue;
      seen.clear();
      Walk(root, field->path, [&](const std::string& value) {
        if (std::find(seen.begin(), seen.end(), value) != seen.end()) return;
        seen.push_back(value);
        ++counts[value];
      });
    }
    request.next_token = page.next_token;
  } while (!request.next_token.empty());
  values->assign(counts.begin(), counts.end());
  std::sort(values->begin(), values->end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (values->size() > kMaxInsightValues) values->resize(kMaxInsightValues);
  return Status::Ok();
}

}  // namespace corroborate::server
