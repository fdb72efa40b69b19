#include "server/dashboard.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "asff/import.h"
#include "asff/json_writer.h"
#include "aws/sigv4.h"
#include "correlate/correlator.h"
#include "correlate/evaluate.h"
#include "filter/field_table.h"
#include "filter/filter.h"
#include "pipeline/correlation.h"
#include "pipeline/resource_view.h"

namespace corroborate::server {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// Counting reads every matching finding; past this many the answer says it stopped.
constexpr std::uint64_t kMaxCounted = 1'000'000;

std::string_view TypeName(filter::FilterType type) {
  switch (type) {
    case filter::FilterType::kString: return "string";
    case filter::FilterType::kNumber: return "number";
    case filter::FilterType::kDate: return "date";
    case filter::FilterType::kMap: return "map";
    case filter::FilterType::kBoolean: return "boolean";
    case filter::FilterType::kIp: return "ip";
    case filter::FilterType::kKeyword: return "keyword";
  }
  return "string";
}

// Calls `visit` with every stored finding matching `filter` (decoded), page by page; stops early
// when it returns false.
Status ForEachMatching(store::FindingStore& store, const filter::FindingFilter& filter,
                       asff::TimeMs now, const std::function<bool(const asff::Finding&)>& visit) {
  store::QueryRequest request;
  request.filter = &filter;
  request.max_results = 100;
  do {
    store::QueryPage page;
    if (Status s = store.Query(request, now, &page); !s.ok()) return s;
    for (const std::string& json : page.findings) {
      asff::Finding f;
      if (Status s = asff::DecodeFindingText(json, f); !s.ok()) {
        return Status::Corruption("a stored finding does not decode: " + s.message());
      }
      if (!visit(f)) return Status::Ok();
    }
    request.next_token = page.next_token;
  } while (!request.next_token.empty());
  return Status::Ok();
}

void WriteCounts(asff::JsonWriter& w, std::string_view name,
                 const std::map<std::string, std::uint64_t>& counts) {
  w.Key(name).BeginObject();
  for (const auto& [value, n] : counts) w.Key(value).Int(static_cast<std::int64_t>(n));
  w.EndObject();
}

Result<std::string> RequiredString(simdjson::dom::element request, std::string_view member) {
  object obj;
  if (request.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidInput("the request body must be a JSON object");
  }
  element e;
  std::string_view value;
  if (obj[member].get(e) != simdjson::SUCCESS || e.is_null()) {
    return Status::InvalidInput(std::string(member) + " is required");
  }
  if (e.get_string().get(value) != simdjson::SUCCESS) {
    return Status::InvalidInput(std::string(member) + " must be a string");
  }
  return std::string(value);
}

std::string_view ContentType(const std::filesystem::path& file) {
  static const std::map<std::string, std::string_view, std::less<>> kTypes{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? std::string_view("application/octet-stream") : it->second;
}

Response NotFoundPage(std::string_view what) {
  Response r;
  r.status = 404;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::string(what) + "\n";
  return r;
}

constexpr std::string_view kNotBuilt = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Corroborate</title></head>
<body><h1>Corroborate</h1>
<p>The dashboard's front end is not built. Build it with <code>npm ci &amp;&amp; npm run build</code>
in <code>web/</code> (scripts/setup.sh does), or point <code>corroborate serve --web-dir</code> at a
built <code>dist/</code> directory. The API answers meanwhile.</p></body></html>
)";

// The store's evidence without its incidents: a rule tried on history is told of no stored
// correlated finding (not even one of a loaded rule with the same id), so every group it holds on
// comes back as a creation.
class EvidenceWithoutIncidents final : public correlate::EvidenceSource {
 public:
  explicit EvidenceWithoutIncidents(store::FindingStore& store) : inner_(store) {}
  Status Versions(std::string_view key, std::vector<std::uint64_t>* out) override {
    return inner_.Versions(key, out);
  }
  Status ReadVersion(std::uint64_t version, asff::Finding* out) override {
    return inner_.ReadVersion(version, out);
  }
  Status Related(std::string_view key, std::vector<correlate::RelatedResource>* out) override {
    return inner_.Related(key, out);
  }
  Status Stored(const asff::FindingIdentifier& id, asff::Finding*) override {
    return Status::NotFound("not looked up when trying a rule: " + id.id);
  }
  Status ActiveCorrelated(std::vector<asff::Finding>* out) override {
    out->clear();
    return Status::Ok();
  }
  Status ForEachFinding(const std::function<void(const asff::Finding&)>& visit) override {
    return inner_.ForEachFinding(visit);
  }

 private:
  pipeline::StoreEvidence inner_;
};

}  // namespace

Status DashboardVersion(store::FindingStore& store, std::string* json) {
  std::uint64_t version = 0;
  if (Status s = store.LastVersion(&version); !s.ok()) return s;
  json->clear();
  asff::JsonWriter w(*json);
  w.BeginObject().Key("Version").Int(static_cast<std::int64_t>(version)).EndObject();
  return Status::Ok();
}

std::string DashboardFilterFields() {
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject().Key("Fields").BeginArray();
  for (const filter::FieldInfo& f : filter::AllFields()) {
    w.BeginObject().Key("Name").String(f.name).Key("Type").String(TypeName(f.type)).EndObject();
  }
  w.EndArray().EndObject();
  return out;
}

Status DashboardCounts(store::FindingStore& store, simdjson::dom::element request, asff::TimeMs now,
                       std::string* json) {
  filter::FindingFilter filter;
  object obj;
  if (request.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidInput("the request body must be a JSON object");
  }
  element e;
  if (obj["Filters"].get(e) == simdjson::SUCCESS && !e.is_null()) {
    auto parsed = filter::FindingFilter::Parse(e);
    if (!parsed.ok()) return Status::InvalidInput("Filters: " + parsed.status().message());
    filter = std::move(parsed).value();
  }
  std::map<std::string, std::uint64_t> severity, product, resource_type;
  std::uint64_t total = 0;
  std::vector<std::string_view> types;
  Status s = ForEachMatching(store, filter, now, [&](const asff::Finding& f) {
    ++total;
    ++severity[std::string(asff::ToString(f.severity_label))];
    ++product[f.product_name];
    types.clear();
    for (const asff::Resource& r : f.resources) {
      if (std::find(types.begin(), types.end(), r.type) == types.end()) types.push_back(r.type);
    }
    for (std::string_view t : types) ++resource_type[std::string(t)];
    return total < kMaxCounted;
  });
  if (!s.ok()) return s;
  json->clear();
  asff::JsonWriter w(*json);
  w.BeginObject().Key("Total").Int(static_cast<std::int64_t>(total));
  w.Key("Truncated").Bool(total >= kMaxCounted);
  WriteCounts(w, "SeverityLabel", severity);
  WriteCounts(w, "ProductName", product);
  WriteCounts(w, "ResourceType", resource_type);
  w.EndObject();
  return Status::Ok();
}

Status DashboardRules(store::FindingStore& store, const std::vector<correlate::Rule>& rules,
                      asff::TimeMs now, std::string* json) {
  auto incidents = filter::FindingFilter::ParseText(
      std::string(R"({"ProductName": [{"Value": ")") + std::string(correlate::kProductName) +
      R"(", "Comparison": "EQUALS"}], "GeneratorId": [{"Value": ")" +
      std::string(correlate::kGeneratorPrefix) + R"(", "Comparison": "PREFIX"}]})");
  if (!incidents.ok()) return incidents.status();
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> counts;  // active, fired
  Status s = ForEachMatching(store, *incidents, now, [&](const asff::Finding& f) {
    const std::string rule_id = f.generator_id.substr(correlate::kGeneratorPrefix.size());
    auto& [active, fired] = counts[rule_id];
    ++fired;
    if (f.record_state == asff::RecordState::kActive) ++active;
    return true;
  });
  if (!s.ok()) return s;
  json->clear();
  asff::JsonWriter w(*json);
  w.BeginObject().Key("Rules").BeginArray();
  for (const correlate::Rule& r : rules) {
    const auto it = counts.find(r.id);
    w.BeginObject().Key("Id").String(r.id).Key("Title").String(r.title);
    w.Key("Severity").String(asff::ToString(r.severity));
    w.Key("ResourceType").String(r.resource_type);
    w.Key("File").String(r.file).Key("Line").Int(r.line);
    w.Key("Conditions").BeginArray();
    for (const correlate::Condition& c : r.conditions) {
      w.BeginObject().Key("Name").String(c.name).Key("Filter").Raw(c.filter_json);
      w.Key("AtLeast").Int(c.at_least);
      if (!c.distinct.empty()) w.Key("Distinct").String(c.distinct);
      if (!c.related_type.empty()) w.Key("OnRelated").String(c.related_type);
      w.EndObject();
    }
    w.EndArray();
    w.Key("Require").String(correlate::RequireText(r));
    w.Key("Source").String(correlate::RuleToYaml(r));
    w.Key("Active").Int(static_cast<std::int64_t>(it == counts.end() ? 0 : it->second.first));
    w.Key("Fired").Int(static_cast<std::int64_t>(it == counts.end() ? 0 : it->second.second));
    w.EndObject();
  }
  w.EndArray().EndObject();
  return Status::Ok();
}

Status DashboardExplain(store::FindingStore& store, const std::vector<correlate::Rule>& rules,
                        simdjson::dom::element request, asff::TimeMs now, std::string* json) {
  auto resource = RequiredString(request, "Resource");
  if (!resource.ok()) return resource.status();
  std::string rule_id;
  element e;
  std::string_view text;
  if (request["Rule"].get(e) == simdjson::SUCCESS && !e.is_null()) {
    if (e.get_string().get(text) != simdjson::SUCCESS) {
      return Status::InvalidInput("Rule must be a string (a rule id, or empty for every rule)");
    }
    rule_id = std::string(text);
  }
  auto key = pipeline::ResolveResourceKey(store, *resource, now);
  if (!key.ok()) return key.status();
  pipeline::StoreEvidence evidence(store);
  correlate::Correlator correlator(rules, evidence);
  std::vector<correlate::RuleExplanation> explanations;
  if (Status s = correlator.Explain(*key, rule_id, now, &explanations); !s.ok()) return s;
  json->clear();
  asff::JsonWriter w(*json);
  w.BeginObject().Key("Resource").String(*key).Key("Explanations").BeginArray();
  for (const correlate::RuleExplanation& x : explanations) pipeline::WriteRuleExplanationJson(w, x);
  w.EndArray().EndObject();
  return Status::Ok();
}

Status DashboardResource(store::FindingStore& store, const std::vector<correlate::Rule>& rules,
                         std::string_view resource, asff::TimeMs now, std::string* json) {
  if (resource.empty()) return Status::InvalidInput("give the resource's ARN or id in the path");
  pipeline::ResourceView view;
  Status s = pipeline::DescribeResource(store, rules, resource, now, &view);
  if (s.code() == Status::Code::kNotFound) {
    // Not a stored key as given: an id findings name the resource by (i-0abc..., a bucket).
    auto key = pipeline::ResolveResourceKey(store, resource, now);
    s = key.ok() ? pipeline::DescribeResource(store, rules, *key, now, &view) : key.status();
  }
  if (!s.ok()) return s;
  *json = pipeline::ResourceViewJson(view);
  return Status::Ok();
}

Status DashboardTryRule(store::FindingStore& store, simdjson::dom::element request,
                        asff::TimeMs now, std::string* json) {
  auto yaml = RequiredString(request, "Rule");
  if (!yaml.ok()) return yaml.status();
  correlate::RuleSet set;
  correlate::LoadRules(*yaml, "dashboard", set);
  if (set.errors.empty() && set.rules.empty()) {
    set.errors.push_back({"dashboard", 0, "the text holds no rule"});
  }
  json->clear();
  asff::JsonWriter w(*json);
  w.BeginObject().Key("Errors").BeginArray();
  for (const correlate::RuleError& e : set.errors) {
    w.BeginObject().Key("Line").Int(e.line).Key("Message").String(e.message).EndObject();
  }
  w.EndArray();
  if (!set.errors.empty()) {
    w.EndObject();
    return Status::Ok();
  }
  // A correlator of its own that knows no stored incident; nothing it returns is stored.
  EvidenceWithoutIncidents evidence(store);
  correlate::Correlator correlator(set.rules, evidence);
  std::vector<correlate::CorrelatedChange> changes;
  if (Status s = correlator.RunAll(now, &changes); !s.ok()) return s;
  std::sort(changes.begin(), changes.end(), [](const auto& a, const auto& b) {
    return a.group.canonical_key < b.group.canonical_key;
  });
  w.Key("Evaluated").Int(static_cast<std::int64_t>(correlator.groups_evaluated()));
  w.Key("Truncated").Bool(changes.size() > kMaxTryResults);
  w.Key("Results").BeginArray();
  std::size_t written = 0;
  for (const correlate::CorrelatedChange& c : changes) {
    if (c.kind != correlate::CorrelatedChange::Kind::kCreated) continue;
    if (++written > kMaxTryResults) break;
    w.BeginObject().Key("Rule").String(c.rule->id);
    w.Key("Group")
        .BeginObject()
        .Key("Id")
        .String(c.group.canonical_key)
        .Key("Type")
        .String(c.group.type);
    w.EndObject();
    w.Key("Fires").Bool(true).Key("Title").String(c.title);
    w.Key("Evidence").BeginArray();
    for (const correlate::EvidenceItem& item : c.evidence) {
      w.BeginObject().Key("ProductArn").String(item.id.product_arn).Key("Id").String(item.id.id);
      w.Key("ProductName").String(item.product_name).Key("Title").String(item.title);
      w.Key("SeverityLabel").String(asff::ToString(item.severity)).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return Status::Ok();
}

Response ServeStaticFile(const std::string& web_dir, std::string_view raw_path) {
  namespace fs = std::filesystem;
  const std::string decoded = aws::UriDecode(raw_path);
  if (decoded.find('\0') != std::string::npos || decoded.empty() || decoded[0] != '/') {
    return NotFoundPage("Not found");
  }
  std::string relative = decoded.substr(1);
  if (relative.empty()) relative = "index.html";
  // No segment may climb out, whatever the canonical check below would say.
  for (std::string_view rest = relative; !rest.empty();) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment == ".." || segment == "." || segment.find('\\') != std::string_view::npos) {
      return NotFoundPage("Not found");
    }
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  std::error_code ec;
  const fs::path root = fs::canonical(web_dir, ec);
  if (ec) {
    if (relative != "index.html") return NotFoundPage("Not found");
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string(kNotBuilt);
    return r;
  }
  const fs::path file = fs::canonical(root / relative, ec);
  const std::string root_text = root.string() + "/";
  if (ec || !file.string().starts_with(root_text) || !fs::is_regular_file(file, ec)) {
    return NotFoundPage("Not found: " + std::string(raw_path));
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  if (!in) return NotFoundPage("Not found");
  Response r;
  r.content_type = std::string(ContentType(file));
  r.body = body.str();
  // Vite names built assets by their content's hash: they never change under one name.
  const bool hashed = relative.starts_with("assets/");
  r.headers.push_back(
      {"Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache"});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  r.headers.push_back({"Referrer-Policy", "no-referrer"});
  r.headers.push_back(
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"});
  return r;
}

}  // namespace corroborate::server
