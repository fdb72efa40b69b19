#include "asff/import.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "asff/json_writer.h"

namespace corroborate::asff {

using simdjson::dom::element;
using simdjson::dom::object;

namespace {

// A top-level member to write instead of the input's: a raw JSON value, or nullopt to drop it.
struct Override {
  std::string_view key;
  std::optional<std::string> raw;
};

std::string Minify(element e) {
  std::string out;
  AppendMinified(out, e);
  return out;
}

std::optional<element> Member(object obj, std::string_view key) {
  element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

std::optional<object> ObjectMember(object obj, std::string_view key) {
  object o;
  if (obj[key].get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
  return o;
}

// The top-level members of the JSON text an object was parsed from, each as its minified
// `"key":value` text, in order. Copying these is several times cheaper than re-serializing the
// parsed values, which is most of normalizing a finding.
class MemberTexts {
 public:
  // False (and nothing to use) when `text` is not one JSON object with the keys of `parsed`, in
  // its order and spelled without escapes: then it is not the text `parsed` came from, or its
  // keys would need unescaping to compare.
  bool Split(std::string_view text, object parsed) {
    minified_.resize(text.size() + simdjson::SIMDJSON_PADDING);
    size_t length = 0;
    if (simdjson::minify(text.data(), text.size(), minified_.data(), length) != simdjson::SUCCESS)
      return false;
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    if (parser_.iterate(minified_.data(), length, minified_.size()).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(obj) != simdjson::SUCCESS) {
      return false;
    }
    starts_.clear();
    auto expected = parsed.begin();
    for (auto field : obj) {
      simdjson::ondemand::raw_json_string key;
      if (field.key().get(key) != simdjson::SUCCESS || expected == parsed.end() ||
          !key.unsafe_is_equal(expected.key())) {
        return false;
      }
      ++expected;
      // Unread values are skipped by the iteration; the key's text starts at its opening quote.
      starts_.push_back(static_cast<size_t>(key.raw() - 1 - minified_.data()));
    }
    // Nothing may follow the object: its last member ends before the closing brace at the end.
    if (expected != parsed.end() || length == 0 || minified_[length - 1] != '}' ||
        doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
      return false;
    }
    starts_.push_back(length);  // so that member i ends where member i + 1 starts, less the comma
    return true;
  }
  [[nodiscard]] std::string_view operator[](size_t i) const {
    return std::string_view(minified_).substr(starts_[i], starts_[i + 1] - 1 - starts_[i]);
  }

 private:
  std::string minified_;
  std::vector<size_t> starts_;
  simdjson::ondemand::parser parser_;
};

// Writes `obj` with `overrides` applied: replaced members keep their position, dropped members
// vanish, and overrides for members the object lacks are appended in the order given. Members
// kept as they are come from `texts` when given, else are re-serialized.
std::string RewriteTopLevel(object obj, const std::vector<Override>& overrides,
                            const MemberTexts* texts = nullptr) {
  std::string out;
  out.reserve(4096);
  JsonWriter w(out);
  w.BeginObject();
  std::vector<bool> used(overrides.size(), false);
  size_t member = 0;
  for (auto [key, value] : obj) {
    size_t i = 0;
    for (; i < overrides.size(); ++i) {
      if (overrides[i].key == key) break;
    }
    if (i == overrides.size()) {
      if (texts != nullptr) {
        w.Member((*texts)[member++]);
      } else {
        w.Key(key).Element(value);
      }
      continue;
    }
    ++member;
    used[i] = true;
    if (overrides[i].raw) w.Key(key).Raw(*overrides[i].raw);
  }
  for (size_t i = 0; i < overrides.size(); ++i) {
    if (!used[i] && overrides[i].raw) w.Key(overrides[i].key).Raw(*overrides[i].raw);
  }
  w.EndObject();
  return out;
}

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

// The Severity object with Label and Normalized both present and consistent with `core`, keeping
// the other members (Original, Product) of `base`.
std::string CompleteSeverity(std::optional<object> base, SeverityLabel label, int normalized) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  if (base) {
    for (auto [key, value] : *base) {
      if (key != "Label" && key != "Normalized") w.Key(key).Element(value);
    }
  }
  w.Key("Label").String(ToString(label)).Key("Normalized").Int(normalized);
  w.EndObject();
  return out;
}

// FindingProviderFields.Severity for a top-level Severity: Label and Original only (the shape has
// no Normalized).
std::string ProviderSeverity(std::optional<object> top, SeverityLabel label) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("Label").String(ToString(label));
  if (top) {
    if (auto original = Member(*top, "Original")) w.Key("Original").Element(*original);
  }
  w.EndObject();
  return out;
}

constexpr std::array<std::string_view, 4> kProviderTwins{"Types", "Confidence", "Criticality",
                                                         "RelatedFindings"};

// The top-level members normalization looks at, found in one pass over the finding (the first
// of each name, as a lookup by key finds): a lookup per member would walk the object a dozen times.
struct InputMembers {
  std::optional<element> region, severity, provider_fields, record_state, workflow_state,
      product_fields;
  std::array<std::optional<element>, kProviderTwins.size()> twins;  // in kProviderTwins' order

  explicit InputMembers(object obj) {
    for (auto [key, value] : obj) {
      std::optional<element>* slot = Slot(key);
      if (slot != nullptr && !slot->has_value()) *slot = value;
    }
  }

  static std::optional<object> AsObject(const std::optional<element>& e) {
    object o;
    if (!e || e->get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
    return o;
  }

 private:
  std::optional<element>* Slot(std::string_view key) {
    if (key == "Region") return &region;
    if (key == "Severity") return &severity;
    if (key == "FindingProviderFields") return &provider_fields;
    if (key == "RecordState") return &record_state;
    if (key == "WorkflowState") return &workflow_state;
    if (key == "ProductFields") return &product_fields;
    for (size_t i = 0; i < kProviderTwins.size(); ++i) {
      if (key == kProviderTwins[i]) return &twins[i];
    }
    return nullptr;
  }
};

bool WorkflowResets(const Finding& stored, const Finding& incoming) {
  if (stored.workflow_status != WorkflowStatus::kNotified &&
      stored.workflow_status != WorkflowStatus::kResolved) {
    return false;
  }
  const bool reactivated = stored.record_state == RecordState::kArchived &&
                           incoming.record_state == RecordState::kActive;
  const bool fails_again =
      stored.compliance_status == "PASSED" &&
      (incoming.compliance_status == "FAILED" || incoming.compliance_status == "WARNING" ||
       incoming.compliance_status == "NOT_AVAILABLE");
  return reactivated || fails_again;
}

Status Invalid(std::string_view field, std::string_view problem) {
  return Status::InvalidInput("Invalid parameter '" + std::string(field) + "'. " +
                              std::string(problem));
}

Result<int> ParsePercent(element e, std::string_view field) {
  double d = 0;
  if (e.is_int64()) {
    d = static_cast<double>(e.get_int64().value());
  } else if (e.is_double()) {
    d = e.get_double().value();
  } else {
    return Invalid(field, "Value must be an integer between 0 and 100.");
  }
  if (d != std::floor(d) || d < 0 || d > 100) {
    return Invalid(field, "Value must be an integer between 0 and 100.");
  }
  return static_cast<int>(d);
}

Result<std::vector<FindingIdentifier>> ParseIdentifiers(element e, std::string_view field,
                                                        size_t min, size_t max) {
  simdjson::dom::array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) return Invalid(field, "Expected a list.");
  if (arr.size() < min || arr.size() > max) {
    return Invalid(field, "Size '" + std::to_string(arr.size()) + "' must be between " +
                              std::to_string(min) + " and " + std::to_string(max) + ".");
  }
  std::vector<FindingIdentifier> out;
  for (element item : arr) {
    std::string_view id, arn;
    if (item["Id"].get_string().get(id) != simdjson::SUCCESS ||
        item["ProductArn"].get_string().get(arn) != simdjson::SUCCESS || id.empty() ||
        arn.empty()) {
      return Invalid(field, "Each entry needs string members Id and ProductArn.");
    }
    out.push_back({std::string(arn), std::string(id)});
  }
  return out;
}

}  // namespace

// A ProductArn part as a ProductName or CompanyName: at most 128 characters (whole UTF-8 ones).
std::string NameOf(std::string_view part) {
  if (part.size() <= 128) return std::string(part);
  size_t cut = 128;
  while (cut > 0 && (static_cast<unsigned char>(part[cut]) & 0xC0) == 0x80) --cut;
  return std::string(part.substr(0, cut));
}

std::pair<std::string, std::string> ProductAndCompanyNames(std::string_view product_arn) {
  const auto parts = ParseProductArn(product_arn);
  if (!parts) return {"", ""};
  struct Known {
    std::string_view product, name;
  };
  static constexpr std::array<Known, 14> kAws{{
      {"guardduty", "GuardDuty"},
      {"inspector", "Inspector"},
      {"macie", "Macie"},
      {"securityhub", "Security Hub"},
      {"config", "Config"},
      {"access-analyzer", "IAM Access Analyzer"},
      {"firewall-manager", "Firewall Manager"},
      {"health", "Health"},
      {"ssm-patch-manager", "Systems Manager Patch Manager"},
      {"detective", "Detective"},
      {"iot-device-defender-audit", "IoT Device Defender - Audit"},
      {"iot-device-defender-detect", "IoT Device Defender - Detect"},
      {"ecr", "ECR"},
      {"shield", "Shield"},
  }};
  if (parts->company == "aws") {
    for (const auto& k : kAws) {
      if (k.product == parts->product) return {std::string(k.name), "AWS"};
    }
    return {NameOf(parts->product), "AWS"};
  }
  if (parts->product == "default" && parts->company == parts->account)
    return {"Default", "Personal"};
  return {NameOf(parts->product), NameOf(parts->company)};
}

std::string NormalizeNewFinding(element input, Finding& core, TimeMs now,
                                std::string_view input_text) {
  object obj = input.get_object().value_unsafe();  // DecodeFinding checked it is an object
  std::vector<Override> overrides;
  overrides.reserve(16);
  const auto [product_name, company_name] = ProductAndCompanyNames(core.product_arn);
  // Derived from the ProductArn, whose parts may be longer than the 128 characters the names
  // may have (found by fuzz/fuzz_asff): the stored finding must stay valid.
  if (core.product_name.empty()) {
    core.product_name = product_name;
    overrides.push_back({"ProductName", JsonString(product_name)});
  }
  if (core.company_name.empty()) {
    core.company_name = company_name;
    overrides.push_back({"CompanyName", JsonString(company_name)});
  }
  core.processed_at = now;
  const InputMembers in(obj);
  if (!in.region) overrides.push_back({"Region", JsonString(core.region)});

  const auto top_severity = InputMembers::AsObject(in.severity);
  const auto fpf = InputMembers::AsObject(in.provider_fields);
  const auto fpf_severity = fpf ? ObjectMember(*fpf, "Severity") : std::nullopt;
  overrides.push_back(
      {"Severity", CompleteSeverity(top_severity ? top_severity : fpf_severity, core.severity_label,
                                    core.severity_normalized)});
  // Top-level twins missing from the input come from FindingProviderFields.
  if (fpf) {
    for (size_t i = 0; i < kProviderTwins.size(); ++i) {
      if (!in.twins[i]) {
        if (auto v = Member(*fpf, kProviderTwins[i])) {
          overrides.push_back({kProviderTwins[i], Minify(*v)});
        }
      }
    }
  }
  // FindingProviderFields: the provider's own values, filled from the top level where absent.
  {
    // Reserved for the usual size of these objects (and ProductFields below): growing from empty
    // reallocated and copied them several times, 3% of normalizing's instructions (callgrind).
    std::string out;
    out.reserve(1024);
    JsonWriter w(out);
    w.BeginObject();
    if (fpf) {
      for (auto [key, value] : *fpf) w.Key(key).Element(value);
    }
    if (!fpf_severity) w.Key("Severity").Raw(ProviderSeverity(top_severity, core.severity_label));
    for (size_t i = 0; i < kProviderTwins.size(); ++i) {
      if (fpf && Member(*fpf, kProviderTwins[i])) continue;
      if (in.twins[i]) w.Key(kProviderTwins[i]).Element(*in.twins[i]);
    }
    w.EndObject();
    overrides.push_back({"FindingProviderFields", std::move(out)});
  }
  overrides.push_back({"ProcessedAt", JsonString(FormatTimestamp(now))});
  if (!in.record_state) overrides.push_back({"RecordState", R"("ACTIVE")"});
  if (!core.has_workflow) overrides.push_back({"Workflow", R"({"Status":"NEW"})"});
  if (!in.workflow_state) overrides.push_back({"WorkflowState", R"("NEW")"});
  {
    std::string out;
    out.reserve(1024);
    JsonWriter w(out);
    w.BeginObject();
    if (auto pf = InputMembers::AsObject(in.product_fields)) {
      for (auto [key, value] : *pf) {
        if (!key.starts_with("aws/securityhub/")) w.Key(key).Element(value);
      }
    }
    w.Key("aws/securityhub/FindingId").String(core.product_arn + "/" + core.id);
    w.Key("aws/securityhub/ProductName").String(product_name);
    w.Key("aws/securityhub/CompanyName").String(company_name);
    w.EndObject();
    overrides.push_back({"ProductFields", std::move(out)});
  }
  // A text far over the size limit (which the stored finding is checked against next) is not
  // copied: the buffers kept for copying would keep its size for the thread's life.
  if (!input_text.empty() && input_text.size() <= 8 * kMaxFindingBytes) {
    thread_local MemberTexts texts;
    if (texts.Split(input_text, obj)) return RewriteTopLevel(obj, overrides, &texts);
  }
  return RewriteTopLevel(obj, overrides);
}

Result<MergeResult> MergeImport(std::string_view incoming_json, const Finding& incoming,
                                std::string_view stored_json, const Finding& stored,
                                AnalystMask mask, TimeMs now) {
  (void)now;  // ProcessedAt was set by NormalizeNewFinding
  MergeResult result;
  if (incoming.updated_at <= stored.updated_at) return result;  // kIgnoredStale

  thread_local simdjson::dom::parser incoming_parser;
  thread_local simdjson::dom::parser stored_parser;
  object in_obj, st_obj;
  if (incoming_parser.parse(incoming_json.data(), incoming_json.size()).get_object().get(in_obj) !=
      simdjson::SUCCESS) {
    return Status::Internal("normalized finding is not a JSON object");
  }
  if (stored_parser.parse(stored_json.data(), stored_json.size()).get_object().get(st_obj) !=
      simdjson::SUCCESS) {
    return Status::Corruption("stored finding " + stored.id + " is not a JSON object");
  }
  std::vector<Override> overrides;
  auto keep_stored = [&](std::string_view key) {
    auto v = Member(st_obj, key);
    overrides.push_back({key, v ? std::optional<std::string>(Minify(*v)) : std::nullopt});
  };
  for (std::string_view key : {"Note", "UserDefinedFields", "VerificationState"}) keep_stored(key);
  if (WorkflowResets(stored, incoming)) {
    overrides.push_back({"Workflow", R"({"Status":"NEW"})"});
    overrides.push_back({"WorkflowState", R"("NEW")"});
  } else {
    keep_stored("Workflow");
    keep_stored("WorkflowState");
  }
  if ((mask & kAnalystSeverity) != 0) keep_stored("Severity");
  if ((mask & kAnalystTypes) != 0) keep_stored("Types");
  if ((mask & kAnalystConfidence) != 0) keep_stored("Confidence");
  if ((mask & kAnalystCriticality) != 0) keep_stored("Criticality");
  if ((mask & kAnalystRelatedFindings) != 0) keep_stored("RelatedFindings");
  result.action = ImportAction::kUpdated;
  result.json = RewriteTopLevel(in_obj, overrides);
  return result;
}

Result<BatchUpdate> ParseBatchUpdate(element request) {
  object obj;
  if (request.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidInput("The request body must be a JSON object.");
  }
  BatchUpdate u;
  auto ids_el = Member(obj, "FindingIdentifiers");
  if (!ids_el) return Invalid("FindingIdentifiers", "Missing required parameter.");
  auto ids = ParseIdentifiers(*ids_el, "FindingIdentifiers", 1, 100);
  if (!ids.ok()) return ids.status();
  u.identifiers = std::move(ids).value();
  bool any = false;
  for (auto [key, value] : obj) {
    any = any || key != "FindingIdentifiers";
    if (key == "FindingIdentifiers") continue;
    if (key == "Note") {
      std::string_view text, by;
      if (value["Text"].get_string().get(text) != simdjson::SUCCESS ||
          value["UpdatedBy"].get_string().get(by) != simdjson::SUCCESS) {
        return Invalid("Note", "Note requires string members Text and UpdatedBy.");
      }
      if (text.empty() || text.size() > 512) return Invalid("Note.Text", "Length must be 1..512.");
      if (by.empty() || by.size() > 512) return Invalid("Note.UpdatedBy", "Length must be 1..512.");
      u.note = Note{std::string(text), std::string(by), ""};
    } else if (key == "Severity") {
      object sev;
      if (value.get_object().get(sev) != simdjson::SUCCESS)
        return Invalid("Severity", "Expected an object.");
      for (auto [sk, sv] : sev) {
        if (sk == "Label") {
          std::string_view s;
          if (sv.get_string().get(s) != simdjson::SUCCESS || !ParseSeverityLabel(s)) {
            return Invalid("Severity.Label",
                           "Value must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL.");
          }
        } else if (sk == "Normalized") {
          auto n = ParsePercent(sv, "Severity.Normalized");
          if (!n.ok()) return n.status();
        } else if (sk == "Product") {
          if (!sv.is_number()) return Invalid("Severity.Product", "Expected a number.");
        } else {
          return Invalid("Severity." + std::string(sk), "Unknown member.");
        }
      }
      u.severity_json = Minify(value);
    } else if (key == "VerificationState") {
      std::string_view s;
      static constexpr std::array<std::string_view, 4> kStates{"UNKNOWN", "TRUE_POSITIVE",
                                                               "FALSE_POSITIVE", "BENIGN_POSITIVE"};
      if (value.get_string().get(s) != simdjson::SUCCESS ||
          std::find(kStates.begin(), kStates.end(), s) == kStates.end()) {
        return Invalid(
            "VerificationState",
            "Value must be one of UNKNOWN, TRUE_POSITIVE, FALSE_POSITIVE, BENIGN_POSITIVE.");
      }
      u.verification_state = std::string(s);
    } else if (key == "Confidence" || key == "Criticality") {
      auto n = ParsePercent(value, key);
      if (!n.ok()) return n.status();
      (key == "Confidence" ? u.confidence : u.criticality) = *n;
    } else if (key == "Types") {
      simdjson::dom::array arr;
      if (value.get_array().get(arr) != simdjson::SUCCESS)
        return Invalid("Types", "Expected a list.");
      std::vector<std::string> types;
      for (element t : arr) {
        std::string_view s;
        if (t.get_string().get(s) != simdjson::SUCCESS || s.empty()) {
          return Invalid("Types", "Each type must be a non-empty string.");
        }
        // Checked here as the finding itself would check it, so a bad type is a bad request
        // rather than every finding of it coming back unprocessed.
        if (s.size() > kMaxTypeLength) {
          return Invalid("Types", "Each type must be at most 128 characters.");
        }
        if (!MatchesTypePattern(s)) {
          return Invalid("Types", "Each type must be namespace[/category[/classifier]], not \"" +
                                      std::string(s) + "\".");
        }
        types.emplace_back(s);
      }
      if (types.size() > kMaxTypes) return Invalid("Types", "At most 50 types.");
      u.types = std::move(types);
    } else if (key == "UserDefinedFields") {
      object m;
      if (value.get_object().get(m) != simdjson::SUCCESS) {
        return Invalid("UserDefinedFields", "Expected a map of strings.");
      }
      std::vector<std::pair<std::string, std::string>> fields;
      for (auto [mk, mv] : m) {
        std::string_view s;
        const std::string field = "UserDefinedFields." + std::string(mk.substr(0, 128));
        if (mv.get_string().get(s) != simdjson::SUCCESS) {
          return Invalid(field, "Expected a string value.");
        }
        // The finding's own limits (found by fuzz/fuzz_batch_update): a bad field is a bad
        // request, not every finding of it coming back unprocessed.
        if (mk.empty() || mk.size() > 128) {
          return Invalid(field, "Field names must be 1 to 128 characters.");
        }
        if (s.size() > 1024) return Invalid(field, "Values must be at most 1024 characters.");
        fields.emplace_back(mk, s);
      }
      u.user_defined_fields = std::move(fields);
    } else if (key == "Workflow") {
      std::string_view s;
      if (value["Status"].get_string().get(s) != simdjson::SUCCESS || !ParseWorkflowStatus(s)) {
        return Invalid("Workflow.Status",
                       "Value must be one of NEW, NOTIFIED, RESOLVED, SUPPRESSED.");
      }
      u.workflow_status = std::string(s);
    } else if (key == "RelatedFindings") {
      auto related = ParseIdentifiers(value, "RelatedFindings", 0, kMaxRelatedFindings);
      if (!related.ok()) return related.status();
      u.related_findings = std::move(related).value();
    } else {
      return Invalid(key, "Unknown parameter for BatchUpdateFindings.");
    }
  }
  if (!any) {
    return Status::InvalidInput(
        "BatchUpdateFindings needs at least one field to update besides FindingIdentifiers.");
  }
  return u;
}

Result<std::string> ApplyBatchUpdate(std::string_view stored_json, const BatchUpdate& u, TimeMs now,
                                     AnalystMask& mask) {
  thread_local simdjson::dom::parser parser;
  object obj;
  if (parser.parse(stored_json.data(), stored_json.size()).get_object().get(obj) !=
      simdjson::SUCCESS) {
    return Status::Corruption("stored finding is not a JSON object");
  }
  std::vector<Override> overrides;
  if (u.note) {
    std::string out;
    JsonWriter(out)
        .BeginObject()
        .Key("Text")
        .String(u.note->text)
        .Key("UpdatedBy")
        .String(u.note->updated_by)
        .Key("UpdatedAt")
        .String(FormatTimestamp(now))
        .EndObject();
    overrides.push_back({"Note", std::move(out)});
  }
  if (u.severity_json) {
    thread_local simdjson::dom::parser sev_parser;
    object change = sev_parser.parse(*u.severity_json).get_object().value_unsafe();
    const auto current = ObjectMember(obj, "Severity");
    std::optional<SeverityLabel> label;
    std::optional<int> normalized;
    std::string_view s;
    if (change["Label"].get_string().get(s) == simdjson::SUCCESS) label = ParseSeverityLabel(s);
    if (auto n = Member(change, "Normalized"))
      normalized = static_cast<int>(n->get_double().value_unsafe());
    if (!label && !normalized && current) {
      // Only Product changes: keep the current scale values.
      if (current->at_key("Label").get_string().get(s) == simdjson::SUCCESS)
        label = ParseSeverityLabel(s);
    }
    if (!label)
      label = normalized ? LabelForNormalized(*normalized) : SeverityLabel::kInformational;
    if (!normalized) normalized = NormalizedForLabel(*label);
    std::string out;
    JsonWriter w(out);
    w.BeginObject();
    if (current) {
      for (auto [key, value] : *current) {
        if (key != "Label" && key != "Normalized" &&
            !(key == "Product" && Member(change, "Product"))) {
          w.Key(key).Element(value);
        }
      }
    }
    if (auto p = Member(change, "Product")) w.Key("Product").Element(*p);
    w.Key("Label").String(ToString(*label)).Key("Normalized").Int(*normalized).EndObject();
    overrides.push_back({"Severity", std::move(out)});
    mask |= kAnalystSeverity;
  }
  if (u.verification_state)
    overrides.push_back({"VerificationState", JsonString(*u.verification_state)});
  if (u.confidence) {
    overrides.push_back({"Confidence", std::to_string(*u.confidence)});
    mask |= kAnalystConfidence;
  }
  if (u.criticality) {
    overrides.push_back({"Criticality", std::to_string(*u.criticality)});
    mask |= kAnalystCriticality;
  }
  if (u.types) {
    std::string out;
    JsonWriter w(out);
    w.BeginArray();
    for (const auto& t : *u.types) w.String(t);
    w.EndArray();
    overrides.push_back({"Types", std::move(out)});
    mask |= kAnalystTypes;
  }
  if (u.user_defined_fields) {
    std::string out;
    JsonWriter w(out);
    w.BeginObject();
    if (auto current = ObjectMember(obj, "UserDefinedFields")) {
      for (auto [key, value] : *current) {
        bool replaced = false;
        for (const auto& [k, v] : *u.user_defined_fields) replaced = replaced || k == key;
        if (!replaced) w.Key(key).Element(value);
      }
    }
    for (const auto& [k, v] : *u.user_defined_fields) w.Key(k).String(v);
    w.EndObject();
    overrides.push_back({"UserDefinedFields", std::move(out)});
  }
  if (u.workflow_status) {
    std::string out;
    JsonWriter(out).BeginObject().Key("Status").String(*u.workflow_status).EndObject();
    overrides.push_back({"Workflow", std::move(out)});
  }
  if (u.related_findings) {
    std::string out;
    JsonWriter w(out);
    w.BeginArray();
    for (const auto& r : *u.related_findings) {
      w.BeginObject().Key("ProductArn").String(r.product_arn).Key("Id").String(r.id).EndObject();
    }
    w.EndArray();
    overrides.push_back({"RelatedFindings", std::move(out)});
    mask |= kAnalystRelatedFindings;
  }
  return RewriteTopLevel(obj, overrides);
}

}  // namespace corroborate::asff
