#include "server/automation_rules.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <random>

#include "asff/timestamp.h"

namespace corroborate::server {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// botocore's AutomationRulesFindingFilters: the filters automation rules take.
constexpr std::array<std::string_view, 38> kCriteria = {
    "ProductArn",
    "AwsAccountId",
    "Id",
    "GeneratorId",
    "Type",
    "FirstObservedAt",
    "LastObservedAt",
    "CreatedAt",
    "UpdatedAt",
    "Confidence",
    "Criticality",
    "Title",
    "Description",
    "SourceUrl",
    "ProductName",
    "CompanyName",
    "SeverityLabel",
    "ResourceType",
    "ResourceId",
    "ResourcePartition",
    "ResourceRegion",
    "ResourceTags",
    "ResourceDetailsOther",
    "ComplianceStatus",
    "ComplianceSecurityControlId",
    "ComplianceAssociatedStandardsId",
    "VerificationState",
    "WorkflowStatus",
    "RecordState",
    "RelatedFindingsProductArn",
    "RelatedFindingsId",
    "NoteText",
    "NoteUpdatedAt",
    "NoteUpdatedBy",
    "UserDefinedFields",
    "ResourceApplicationArn",
    "ResourceApplicationName",
    "AwsAccountName",
};

// Criteria that take up to 100 values instead of 20.
constexpr std::array<std::string_view, 4> kWideCriteria = {"AwsAccountId", "GeneratorId", "Title",
                                                           "ResourceId"};

Status Invalid(std::string_view member, std::string_view what) {
  return Status::InvalidInput("Invalid parameter '" + std::string(member) + "'. " +
                              std::string(what));
}

std::string Minify(element e) {
  std::string out;
  asff::AppendMinified(out, e);
  return out;
}

bool NonBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") != std::string_view::npos;
}

Status ReadText(element value, std::string_view member, std::string* out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS || !NonBlank(s)) {
    return Invalid(member, "Expected a non-blank string.");
  }
  *out = std::string(s);
  return Status::Ok();
}

Status ReadOrder(element value, int* out) {
  int64_t n = 0;
  if (value.get_int64().get(n) != simdjson::SUCCESS || n < 1 || n > 1000) {
    return Invalid("RuleOrder", "Expected an integer between 1 and 1000.");
  }
  *out = static_cast<int>(n);
  return Status::Ok();
}

Status ReadStatus(element value, bool* enabled) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS || (s != "ENABLED" && s != "DISABLED")) {
    return Invalid("RuleStatus", "Value must be one of ENABLED, DISABLED.");
  }
  *enabled = s == "ENABLED";
  return Status::Ok();
}

Status ReadBool(element value, std::string_view member, bool* out) {
  if (value.get_bool().get(*out) != simdjson::SUCCESS)
    return Invalid(member, "Expected a boolean.");
  return Status::Ok();
}

Status CompileCriteria(element criteria, filter::FindingFilter* out) {
  object obj;
  if (criteria.get_object().get(obj) != simdjson::SUCCESS) {
    return Invalid("Criteria", "Expected an AutomationRulesFindingFilters object.");
  }
  for (auto [key, value] : obj) {
    if (std::find(kCriteria.begin(), kCriteria.end(), key) == kCriteria.end()) {
      return Invalid("Criteria." + std::string(key),
                     "Not an automation rule criterion: automation rules take 38 of the "
                     "GetFindings filters (AutomationRulesFindingFilters), and '" +
                         std::string(key) + "' is not one of them.");
    }
    simdjson::dom::array values;
    if (value.get_array().get(values) == simdjson::SUCCESS) {
      const size_t limit =
          std::find(kWideCriteria.begin(), kWideCriteria.end(), key) != kWideCriteria.end() ? 100
                                                                                            : 20;
      if (values.size() > limit) {
        return Invalid("Criteria." + std::string(key), "At most " + std::to_string(limit) +
                                                           " values, got " +
                                                           std::to_string(values.size()) + ".");
      }
    }
  }
  filter::ParseOptions options;
  options.max_fields = kCriteria.size();
  options.max_values_per_field = 100;
  auto parsed = filter::FindingFilter::Parse(criteria, options);
  if (!parsed.ok()) return parsed.status().WithContext("Criteria");
  *out = std::move(parsed).value();
  return Status::Ok();
}

Status CompileActions(element actions, asff::BatchUpdate* out) {
  simdjson::dom::array list;
  if (actions.get_array().get(list) != simdjson::SUCCESS || list.size() != 1) {
    return Invalid("Actions", "Expected a list of exactly 1 action.");
  }
  element action = list.at(0).value_unsafe();
  std::string_view type;
  if (action["Type"].get_string().get(type) != simdjson::SUCCESS ||
      type != "FINDING_FIELDS_UPDATE") {
    return Invalid("Actions[0].Type", "Value must be FINDING_FIELDS_UPDATE.");
  }
  object update;
  if (action["FindingFieldsUpdate"].get_object().get(update) != simdjson::SUCCESS) {
    return Invalid("Actions[0].FindingFieldsUpdate",
                   "Required with FINDING_FIELDS_UPDATE: the fields the rule sets.");
  }
  // The fields a rule may set are BatchUpdateFindings' own, so its validation is reused on a
  // request with a placeholder identifier.
  std::string request = R"({"FindingIdentifiers":[{"Id":"rule","ProductArn":"rule"}])";
  for (auto [key, value] : update) {
    request += ',';
    asff::AppendJsonString(request, key);
    request += ':';
    asff::AppendMinified(request, value);
  }
  request += '}';
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(request).get(root) != simdjson::SUCCESS) {
    return Status::Internal("rebuilt action is not JSON");
  }
  auto parsed = asff::ParseBatchUpdate(root);
  if (!parsed.ok()) return parsed.status().WithContext("Actions[0].FindingFieldsUpdate");
  *out = std::move(parsed).value();
  out->identifiers.clear();
  return Status::Ok();
}

Status Compile(AutomationRule& rule) {
  simdjson::dom::parser parser;
  element criteria, actions;
  if (parser.parse(rule.criteria_json).get(criteria) != simdjson::SUCCESS) {
    return Status::Corruption("stored rule criteria are not JSON");
  }
  if (Status s = CompileCriteria(criteria, &rule.criteria); !s.ok()) return s;
  simdjson::dom::parser action_parser;
  if (action_parser.parse(rule.actions_json).get(actions) != simdjson::SUCCESS) {
    return Status::Corruption("stored rule actions are not JSON");
  }
  return CompileActions(actions, &rule.action);
}

Status ReadTags(element value, std::string* out) {
  object tags;
  if (value.get_object().get(tags) != simdjson::SUCCESS || tags.size() < 1 || tags.size() > 50) {
    return Invalid("Tags", "Expected a map of 1..50 tags.");
  }
  for (auto [k, v] : tags) {
    if (k.empty() || k.size() > 128 || !v.is_string() ||
        v.get_string().value_unsafe().size() > 256) {
      return Invalid("Tags." + std::string(k),
                     "Tag keys are 1..128 characters, values strings of at most 256.");
    }
  }
  *out = Minify(value);
  return Status::Ok();
}

}  // namespace

std::string NewUuid() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t a = 0, b = 0;
  {
    std::lock_guard lock(mu);
    a = rng();
    b = rng();
  }
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(
      buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
      static_cast<unsigned long long>(a >> 32), static_cast<unsigned long long>((a >> 16) & 0xFFFF),
      static_cast<unsigned long long>(a & 0xFFFF), static_cast<unsigned long long>(b >> 48),
      static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string RuleKey(std::string_view arn) {
  return std::string(kRuleKeyPrefix) + std::string(arn);
}

Result<AutomationRule> ParseNewRule(element request, const RuleContext& context) {
  object obj;
  if (request.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidInput("The request body must be a JSON object.");
  }
  AutomationRule rule;
  bool has_name = false, has_description = false, has_order = false, has_criteria = false,
       has_actions = false;
  for (auto [key, value] : obj) {
    Status s;
    if (value.is_null()) continue;  // REST-JSON: null is absent
    if (key == "RuleName") {
      s = ReadText(value, key, &rule.name);
      has_name = true;
    } else if (key == "Description") {
      s = ReadText(value, key, &rule.description);
      has_description = true;
    } else if (key == "RuleOrder") {
      s = ReadOrder(value, &rule.order);
      has_order = true;
    } else if (key == "RuleStatus") {
      s = ReadStatus(value, &rule.enabled);
    } else if (key == "IsTerminal") {
      s = ReadBool(value, key, &rule.terminal);
    } else if (key == "Tags") {
      s = ReadTags(value, &rule.tags_json);
    } else if (key == "Criteria") {
      s = CompileCriteria(value, &rule.criteria);
      rule.criteria_json = Minify(value);
      has_criteria = true;
    } else if (key == "Actions") {
      s = CompileActions(value, &rule.action);
      rule.actions_json = Minify(value);
      has_actions = true;
    }
    if (!s.ok()) return s;
  }
  for (auto [present, name] : {std::pair{has_name, "RuleName"},
                               {has_description, "Description"},
                               {has_order, "RuleOrder"},
                               {has_criteria, "Criteria"},
                               {has_actions, "Actions"}}) {
    if (!present) return Invalid(name, "Missing required parameter.");
  }
  rule.arn = "arn:aws:securityhub:" + context.region + ":" + context.account_id +
             ":automation-rule/" + NewUuid();
  rule.created_at = rule.updated_at = context.now;
  rule.created_by = context.caller_arn;
  return rule;
}

Status ApplyRuleUpdate(element item, AutomationRule& rule, asff::TimeMs now) {
  object obj;
  if (item.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidInput("Each UpdateAutomationRulesRequestItems entry must be an object.");
  }
  AutomationRule next = rule;
  for (auto [key, value] : obj) {
    Status s;
    if (value.is_null() || key == "RuleArn") continue;
    if (key == "RuleName") {
      s = ReadText(value, key, &next.name);
    } else if (key == "Description") {
      s = ReadText(value, key, &next.description);
    } else if (key == "RuleOrder") {
      s = ReadOrder(value, &next.order);
    } else if (key == "RuleStatus") {
      s = ReadStatus(value, &next.enabled);
    } else if (key == "IsTerminal") {
      s = ReadBool(value, key, &next.terminal);
    } else if (key == "Criteria") {
      s = CompileCriteria(value, &next.criteria);
      next.criteria_json = Minify(value);
    } else if (key == "Actions") {
      s = CompileActions(value, &next.action);
      next.actions_json = Minify(value);
    }
    if (!s.ok()) return s;
  }
  next.updated_at = now;
  rule = std::move(next);
  return Status::Ok();
}

bool RuleOrderLess(const AutomationRule& a, const AutomationRule& b) {
  if (a.order != b.order) return a.order < b.order;
  if (a.updated_at != b.updated_at) return a.updated_at < b.updated_at;
  return a.arn < b.arn;
}

std::string StorageJson(const AutomationRule& rule) {
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject();
  w.Key("RuleArn").String(rule.arn);
  w.Key("RuleName").String(rule.name);
  w.Key("Description").String(rule.description);
  w.Key("RuleOrder").Int(rule.order);
  w.Key("RuleStatus").String(rule.enabled ? "ENABLED" : "DISABLED");
  w.Key("IsTerminal").Bool(rule.terminal);
  w.Key("Criteria").Raw(rule.criteria_json);
  w.Key("Actions").Raw(rule.actions_json);
  if (!rule.tags_json.empty()) w.Key("Tags").Raw(rule.tags_json);
  w.Key("CreatedAt").Int(rule.created_at);
  w.Key("UpdatedAt").Int(rule.updated_at);
  w.Key("CreatedBy").String(rule.created_by);
  w.EndObject();
  return out;
}

Result<AutomationRule> FromStorage(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Status::Corruption("stored automation rule is not JSON");
  }
  AutomationRule rule;
  std::string_view s;
  int64_t n = 0;
  auto text = [&](std::string_view key, std::string* out) {
    if (root[key].get_string().get(s) == simdjson::SUCCESS) *out = std::string(s);
  };
  text("RuleArn", &rule.arn);
  text("RuleName", &rule.name);
  text("Description", &rule.description);
  text("CreatedBy", &rule.created_by);
  if (root["RuleOrder"].get_int64().get(n) == simdjson::SUCCESS) rule.order = static_cast<int>(n);
  if (root["RuleStatus"].get_string().get(s) == simdjson::SUCCESS) rule.enabled = s == "ENABLED";
  if (root["IsTerminal"].get_bool().get(rule.terminal) != simdjson::SUCCESS) rule.terminal = false;
  if (root["CreatedAt"].get_int64().get(n) == simdjson::SUCCESS) rule.created_at = n;
  if (root["UpdatedAt"].get_int64().get(n) == simdjson::SUCCESS) rule.updated_at = n;
  element e;
  if (root["Criteria"].get(e) == simdjson::SUCCESS) rule.criteria_json = Minify(e);
  if (root["Actions"].get(e) == simdjson::SUCCESS) rule.actions_json = Minify(e);
  if (root["Tags"].get(e) == simdjson::SUCCESS) rule.tags_json = Minify(e);
  if (Status st = Compile(rule); !st.ok()) return st.WithContext("stored rule " + rule.arn);
  return rule;
}

void WriteMetadataJson(asff::JsonWriter& w, const AutomationRule& rule) {
  w.Key("RuleArn").String(rule.arn);
  w.Key("RuleStatus").String(rule.enabled ? "ENABLED" : "DISABLED");
  w.Key("RuleOrder").Int(rule.order);
  w.Key("RuleName").String(rule.name);
  w.Key("Description").String(rule.description);
  w.Key("IsTerminal").Bool(rule.terminal);
  w.Key("CreatedAt").String(asff::FormatTimestamp(rule.created_at));
  w.Key("UpdatedAt").String(asff::FormatTimestamp(rule.updated_at));
  w.Key("CreatedBy").String(rule.created_by);
}

void WriteConfigJson(asff::JsonWriter& w, const AutomationRule& rule) {
  w.BeginObject();
  WriteMetadataJson(w, rule);
  w.Key("Criteria").Raw(rule.criteria_json);
  w.Key("Actions").Raw(rule.actions_json);
  w.EndObject();
}

}  // namespace corroborate::server
