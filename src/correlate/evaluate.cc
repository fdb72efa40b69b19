#include "correlate/evaluate.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "asff/json_writer.h"

namespace corroborate::correlate {
namespace {

asff::TimeMs Observed(const FindingFacts& f) {
  return f.observed;
}
asff::TimeMs Occurred(const FindingFacts& f) {
  return f.occurred;
}

// The values under an ASFF path such as "Vulnerabilities[].Id", as strings.
void CollectValues(simdjson::dom::element e, std::string_view path, std::vector<std::string>& out) {
  if (path.empty()) {
    std::string_view s;
    if (e.get_string().get(s) == simdjson::SUCCESS) {
      out.emplace_back(s);
    } else if (e.is_number()) {
      out.push_back(simdjson::minify(e));
    }
    return;
  }
  const size_t dot = path.find('.');
  std::string_view segment = path.substr(0, dot);
  const std::string_view rest =
      dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  const bool each = segment.ends_with("[]");
  if (each) segment.remove_suffix(2);
  simdjson::dom::element child;
  if (e[segment].get(child) != simdjson::SUCCESS) return;
  if (!each) {
    CollectValues(child, rest, out);
    return;
  }
  simdjson::dom::array items;
  if (child.get_array().get(items) != simdjson::SUCCESS) return;
  for (simdjson::dom::element item : items) CollectValues(item, rest, out);
}

std::string Plural(int n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

ConditionOutcome EvaluateCondition(const Rule& rule, const Condition& c, std::size_t number,
                                   std::span<const Candidate> candidates, asff::TimeMs now,
                                   bool explain) {
  // Matching findings with the values they contribute, by observation time.
  struct Match {
    size_t index;
    asff::TimeMs observed;
    std::vector<std::string> collected;  // from `json`, when there are no results
    const std::vector<std::string>* values = nullptr;
  };
  std::vector<Match> matches;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& cand = candidates[i];
    if (cand.related_type != c.related_type) continue;
    const FindingFacts& f = *cand.facts;
    if (!Counts(rule, f) || Observed(f) < now - rule.window) continue;
    const bool matched =
        cand.results != nullptr ? cand.results->matches[number] : c.filter.Matches(cand.json, now);
    if (!matched) continue;
    Match m{i, Observed(f), {}, nullptr};
    if (!c.distinct.empty()) {
      if (cand.results != nullptr) {
        m.values = cand.results->ValuesOf(number);
      } else {
        CollectValues(cand.json, c.distinct, m.collected);
      }
      if ((m.values == nullptr || m.values->empty()) && m.collected.empty()) continue;
    }
    matches.push_back(std::move(m));
  }
  std::sort(matches.begin(), matches.end(),
            [](const Match& a, const Match& b) { return a.observed < b.observed; });

  // The best span: everything, or with `within` the window of that length counting the most.
  size_t best_begin = 0, best_end = matches.size();
  int best = 0;
  auto count_of = [&](size_t begin, size_t end) {
    if (c.distinct.empty()) return static_cast<int>(end - begin);
    std::set<std::string_view> values;
    for (size_t k = begin; k < end; ++k) {
      const Match& m = matches[k];
      for (const auto& v : m.values != nullptr ? *m.values : m.collected) values.insert(v);
    }
    return static_cast<int>(values.size());
  };
  if (!c.within) {
    best = count_of(0, matches.size());
  } else {
    for (size_t begin = 0, end = 0; begin < matches.size(); ++begin) {
      end = std::max(end, begin);
      while (end < matches.size() && matches[end].observed - matches[begin].observed <= *c.within)
        ++end;
      const int n = count_of(begin, end);
      if (n > best) {
        best = n;
        best_begin = begin;
        best_end = end;
      }
    }
  }
  ConditionOutcome out;
  out.count = best;
  out.holds = best >= c.at_least;
  if (out.holds) {
    for (size_t k = best_begin; k < best_end; ++k) out.evidence.push_back(matches[k].index);
  }
  if (!explain) return out;
  const std::string what =
      c.distinct.empty() ? "matching finding" : "distinct " + c.distinct + " value";
  const std::string where = c.related_type.empty() ? "" : " on a related " + c.related_type;
  if (out.holds) {
    out.explanation = c.name + ": holds with " + Plural(best, what) + where + " (needs " +
                      std::to_string(c.at_least) + ")";
  } else if (matches.empty()) {
    out.explanation = c.name + ": no " + what + where + " in the last " +
                      std::to_string(rule.window / asff::kMsPerDay) + " days";
  } else {
    out.explanation = c.name + ": " + Plural(best, what) + where + " of the " +
                      std::to_string(c.at_least) + " needed" +
                      (c.within ? " within " + std::to_string(*c.within / 3'600'000) + "h" : "");
  }
  return out;
}

std::uint64_t Fnv1a(std::string_view s, std::uint64_t h = 14695981039346656037ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string Hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// At most `max` bytes, cut at a UTF-8 character boundary.
std::string Truncate(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

}  // namespace

bool Counts(const Rule& rule, const FindingFacts& f) {
  if (!rule.include_correlated && f.correlated) return false;
  if (rule.include_inactive) return true;
  return f.record_state == asff::RecordState::kActive &&
         f.workflow_status != asff::WorkflowStatus::kResolved &&
         f.workflow_status != asff::WorkflowStatus::kSuppressed;
}

std::uint64_t IdentityHash(std::string_view product_arn, std::string_view id) {
  return Fnv1a(id, Fnv1a(std::string_view("\0", 1), Fnv1a(product_arn)));
}

FindingFacts FindingFacts::Of(const asff::Finding& f) {
  FindingFacts facts;
  facts.product_arn = f.product_arn;
  facts.id = f.id;
  facts.identity = IdentityHash(f.product_arn, f.id);
  facts.observed = f.last_observed_at.value_or(f.updated_at);
  facts.occurred = f.first_observed_at.value_or(f.created_at);
  facts.record_state = f.record_state;
  facts.workflow_status = f.workflow_status;
  facts.correlated = f.generator_id.starts_with(kGeneratorPrefix);
  return facts;
}

ConditionPlan::ConditionPlan(std::span<const Rule> rules) {
  std::unordered_map<std::string_view, std::size_t> filter_of_text;
  for (const Rule& rule : rules) {
    for (const Condition& c : rule.conditions) {
      const std::size_t number = conditions_.size();
      conditions_.push_back(&c);
      const auto [it, inserted] = filter_of_text.try_emplace(c.filter_json, filters_.size());
      if (inserted) {
        filters_.push_back({&c.filter, {}});
        if (!c.product_names) {
          unrestricted_.push_back(it->second);
        } else {
          for (const std::string& product : *c.product_names) {
            std::vector<std::size_t>& filters = by_product_[product];
            if (filters.empty() || filters.back() != it->second) filters.push_back(it->second);
          }
        }
      }
      filters_[it->second].conditions.push_back(number);
    }
  }
}

void ConditionResults::Compute(const ConditionPlan& plan, simdjson::dom::element finding,
                               asff::TimeMs now) {
  matches.assign(plan.conditions_.size(), false);
  distinct_values.clear();
  const filter::FindingView view(finding);  // the filters read the same few members
  auto test = [&](std::size_t f) {
    const ConditionPlan::DistinctFilter& filter = plan.filters_[f];
    if (!filter.filter->Matches(view, now)) return;
    for (const std::size_t number : filter.conditions) {
      matches[number] = true;
      const Condition& c = *plan.conditions_[number];
      if (c.distinct.empty()) continue;
      std::vector<std::string> values;
      CollectValues(finding, c.distinct, values);
      if (!values.empty()) distinct_values.emplace_back(number, std::move(values));
    }
  };
  std::string_view product;
  if (finding["ProductName"].get_string().get(product) == simdjson::SUCCESS) {
    if (const auto it = plan.by_product_.find(product); it != plan.by_product_.end()) {
      for (const std::size_t f : it->second) test(f);
    }
  }
  for (const std::size_t f : plan.unrestricted_) test(f);
}

const std::vector<std::string>* ConditionResults::ValuesOf(std::size_t condition) const {
  for (const auto& [number, values] : distinct_values) {
    if (number == condition) return &values;
  }
  return nullptr;
}

Evaluation Evaluate(const Rule& rule, std::span<const Candidate> candidates, asff::TimeMs now,
                    std::size_t condition_base, bool explain) {
  Evaluation out;
  std::vector<bool> holds;
  for (size_t k = 0; k < rule.conditions.size(); ++k) {
    const Condition& c = rule.conditions[k];
    out.conditions.push_back(
        EvaluateCondition(rule, c, condition_base + k, candidates, now, explain));
    holds.push_back(out.conditions.back().holds);
    if (explain) out.explanation += out.conditions.back().explanation + "\n";
  }
  const bool required = correlate::Evaluate(rule.require, holds);
  bool in_order = true;
  for (const auto& [a, b] : rule.ordered) {
    if (!holds[a] || !holds[b]) continue;  // `require` decides whether they must hold
    auto first = [&](size_t cond) {
      asff::TimeMs t = INT64_MAX;
      for (size_t i : out.conditions[cond].evidence)
        t = std::min(t, Occurred(*candidates[i].facts));
      return t;
    };
    if (!(first(a) < first(b))) {
      in_order = false;
      if (explain) {
        out.explanation +=
            rule.conditions[a].name + " did not happen before " + rule.conditions[b].name + "\n";
      }
    }
  }
  out.fires = required && in_order;
  if (explain) {
    out.explanation += out.fires ? "fires"
                                 : (required ? "does not fire: out of order"
                                             : "does not fire: require does not hold");
  }
  for (size_t k = 0; k < out.conditions.size(); ++k) {
    if (holds[k]) {
      out.evidence.insert(out.evidence.end(), out.conditions[k].evidence.begin(),
                          out.conditions[k].evidence.end());
    }
  }
  std::sort(out.evidence.begin(), out.evidence.end());
  out.evidence.erase(std::unique(out.evidence.begin(), out.evidence.end()), out.evidence.end());
  std::sort(out.evidence.begin(), out.evidence.end(), [&](size_t x, size_t y) {
    return Observed(*candidates[x].facts) < Observed(*candidates[y].facts);
  });
  for (size_t i : out.evidence) {
    const FindingFacts& f = *candidates[i].facts;
    out.first_observed =
        out.first_observed == 0 ? Occurred(f) : std::min(out.first_observed, Occurred(f));
    out.last_observed = std::max(out.last_observed, Observed(f));
  }
  return out;
}

std::string CorrelatedFindingId(const Rule& rule, const Group& group) {
  std::string id = std::string("corroborate/") + rule.id + "/" + group.canonical_key;
  if (id.size() > 512)
    id = std::string("corroborate/") + rule.id + "/" + Hex(Fnv1a(group.canonical_key));
  return id;
}

std::string Render(std::string_view text, const Rule& rule, const Group& group,
                   const Evaluation& evaluation) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      out += text[i];
      continue;
    }
    const size_t close = text.find('}', i);
    if (close == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    const std::string_view name = text.substr(i + 1, close - i - 1);
    std::string value;
    bool known = true;
    if (name == "resource") {
      value = group.canonical_key;
    } else if (name == "resource_type") {
      value = group.type;
    } else if (name == "rule") {
      value = rule.id;
    } else if (name.ends_with(".count")) {
      known = false;
      for (size_t k = 0; k < rule.conditions.size(); ++k) {
        if (rule.conditions[k].name == name.substr(0, name.size() - 6)) {
          value =
              std::to_string(k < evaluation.conditions.size() ? evaluation.conditions[k].count : 0);
          known = true;
        }
      }
    } else {
      known = false;
    }
    out += known ? value : std::string(text.substr(i, close - i + 1));
    i = close;
  }
  return out;
}

std::string CorrelatedProductArn(const Group& group) {
  return "arn:" + group.partition + ":securityhub:" + group.region + ":" + group.account +
         ":product/" + group.account + "/default";
}

namespace {

struct Rendered {
  std::string title;
  std::string description;
  std::string digest;
};

Rendered RenderFinding(const Rule& rule, const Group& group, const Evaluation& evaluation,
                       std::span<const Candidate> candidates) {
  Rendered out;
  out.title = Truncate(Render(rule.title, rule, group, evaluation), 256);
  out.description = Truncate(Render(rule.description, rule, group, evaluation), 1024);
  // The evidence by identity hash: evaluations of a firing rule compute this every time, and
  // joining the identities as strings was most of it.
  std::vector<std::uint64_t> evidence_ids;
  evidence_ids.reserve(evaluation.evidence.size());
  for (size_t i : evaluation.evidence) evidence_ids.push_back(candidates[i].facts->identity);
  std::sort(evidence_ids.begin(), evidence_ids.end());
  std::uint64_t digest = Fnv1a(rule.id);
  for (std::uint64_t id : evidence_ids) {
    digest =
        Fnv1a(std::string_view(reinterpret_cast<const char*>(&id), sizeof id), Fnv1a("\n", digest));
  }
  digest = Fnv1a(out.title, Fnv1a("\n", digest));
  digest = Fnv1a(out.description, Fnv1a("\n", digest));
  digest = Fnv1a(asff::ToString(rule.severity), Fnv1a("\n", digest));
  out.digest = Hex(digest);
  return out;
}

}  // namespace

std::string MaterialDigest(const Rule& rule, const Group& group, const Evaluation& evaluation,
                           std::span<const Candidate> candidates) {
  return RenderFinding(rule, group, evaluation, candidates).digest;
}

std::string BuildCorrelatedFinding(const Rule& rule, const Group& group,
                                   const Evaluation& evaluation,
                                   std::span<const Candidate> candidates, asff::TimeMs created_at,
                                   asff::TimeMs now, bool active) {
  const std::string product_arn = CorrelatedProductArn(group);
  const Rendered rendered = RenderFinding(rule, group, evaluation, candidates);
  std::string json;
  asff::JsonWriter w(json);
  w.BeginObject();
  w.Key("SchemaVersion").String(asff::kSchemaVersion);
  w.Key("Id").String(CorrelatedFindingId(rule, group));
  w.Key("ProductArn").String(product_arn);
  w.Key("ProductName").String(kProductName);
  w.Key("CompanyName").String(kProductName);
  w.Key("GeneratorId").String(std::string(kGeneratorPrefix) + rule.id);
  w.Key("AwsAccountId").String(group.account);
  w.Key("Types").BeginArray();
  for (const auto& t : rule.types) w.String(t);
  if (rule.types.empty()) w.String("Unusual Behaviors/Correlation");
  w.EndArray();
  if (evaluation.first_observed != 0)
    w.Key("FirstObservedAt").String(asff::FormatTimestamp(evaluation.first_observed));
  if (evaluation.last_observed != 0)
    w.Key("LastObservedAt").String(asff::FormatTimestamp(evaluation.last_observed));
  w.Key("CreatedAt").String(asff::FormatTimestamp(created_at));
  w.Key("UpdatedAt").String(asff::FormatTimestamp(now));
  w.Key("Severity").BeginObject().Key("Label").String(asff::ToString(rule.severity)).EndObject();
  w.Key("Title").String(rendered.title);
  w.Key("Description").String(rendered.description);
  if (!rule.remediation_text.empty() || !rule.remediation_url.empty()) {
    w.Key("Remediation").BeginObject().Key("Recommendation").BeginObject();
    if (!rule.remediation_text.empty()) w.Key("Text").String(Truncate(rule.remediation_text, 512));
    if (!rule.remediation_url.empty()) w.Key("Url").String(rule.remediation_url);
    w.EndObject().EndObject();
  }
  w.Key("ProductFields").BeginObject();
  w.Key("corroborate/RuleId").String(rule.id);
  w.Key("corroborate/EvidenceCount").String(std::to_string(evaluation.evidence.size()));
  w.Key(kDigestField).String(rendered.digest);
  w.EndObject();
  w.Key("Resources").BeginArray().BeginObject();
  w.Key("Type").String(group.type).Key("Id").String(group.canonical_key);
  w.Key("Partition").String(group.partition).Key("Region").String(group.region);
  w.EndObject().EndArray();
  // ASFF allows 10 related findings: the most recent evidence.
  w.Key("RelatedFindings").BeginArray();
  const size_t n = evaluation.evidence.size();
  for (size_t k = n > asff::kMaxRelatedFindings ? n - asff::kMaxRelatedFindings : 0; k < n; ++k) {
    const FindingFacts& f = *candidates[evaluation.evidence[k]].facts;
    w.BeginObject().Key("ProductArn").String(f.product_arn).Key("Id").String(f.id).EndObject();
  }
  w.EndArray();
  w.Key("RecordState").String(active ? "ACTIVE" : "ARCHIVED");
  w.EndObject();
  return json;
}

}  // namespace corroborate::correlate
