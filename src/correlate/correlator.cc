#include "correlate/correlator.h"

#include <algorithm>
#include <deque>

namespace corroborate::correlate {

std::string_view ToString(CorrelatedChange::Kind kind) {
  switch (kind) {
    case CorrelatedChange::Kind::kCreated: return "created";
    case CorrelatedChange::Kind::kUpdated: return "updated";
    case CorrelatedChange::Kind::kArchived: return "archived";
  }
  return "?";
}

namespace {

// partition, region and account of an ARN-shaped key ("arn:aws:ec2:eu-west-1:1111:instance/i-1").
void FromArn(std::string_view key, Group& group) {
  if (!key.starts_with("arn:")) return;
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const size_t colon = key.find(':', start);
    if (colon == std::string_view::npos) return;
    parts.push_back(key.substr(start, colon - start));
    start = colon + 1;
  }
  if (!parts[1].empty()) group.partition = std::string(parts[1]);
  if (!parts[3].empty()) group.region = std::string(parts[3]);
  if (!parts[4].empty()) group.account = std::string(parts[4]);
}

// Where the grouped resource lives: from a finding naming it, else from its ARN, else from any
// candidate (a group reached only through related resources).
Group Locate(std::string_view key, std::string_view type, std::span<const Candidate> candidates) {
  Group group;
  group.canonical_key = std::string(key);
  group.type = std::string(type);
  FromArn(key, group);
  for (const Candidate& c : candidates) {
    for (const asff::Resource& r : c.finding->resources) {
      if (r.canonical_key != key) continue;
      if (!r.partition.empty()) group.partition = r.partition;
      if (!r.region.empty()) group.region = r.region;
      if (group.account.empty()) group.account = c.finding->aws_account_id;
      return group;
    }
  }
  for (const Candidate& c : candidates) {
    if (group.region.empty()) group.region = c.finding->region;
    if (group.account.empty()) group.account = c.finding->aws_account_id;
  }
  return group;
}

std::string_view ProductField(const asff::Finding& f, std::string_view name) {
  for (const auto& [k, v] : f.product_fields) {
    if (k == name) return v;
  }
  return {};
}

EvidenceItem Item(const Candidate& c) {
  return {c.finding->identifier(),
          c.finding->product_name,
          c.finding->title,
          c.finding->severity_label,
          {}};
}

std::vector<EvidenceItem> Items(const Rule& rule, const Evaluation& evaluation,
                                std::span<const Candidate> candidates) {
  std::vector<EvidenceItem> out;
  for (size_t i : evaluation.evidence) {
    EvidenceItem item = Item(candidates[i]);
    for (size_t k = 0; k < evaluation.conditions.size(); ++k) {
      const auto& ev = evaluation.conditions[k].evidence;
      if (evaluation.conditions[k].holds && std::find(ev.begin(), ev.end(), i) != ev.end()) {
        item.conditions.push_back(rule.conditions[k].name);
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

Correlator::Correlator(const std::vector<Rule>& rules, EvidenceSource& source,
                       std::size_t cache_limit)
    : rules_(rules), source_(source), cache_limit_(cache_limit) {
  std::size_t conditions = 0;
  for (const Rule& r : rules_) {
    any_includes_correlated_ |= r.include_correlated;
    condition_base_.push_back(conditions);
    conditions += r.conditions.size();
  }
}

Correlator::~Correlator() = default;

Status Correlator::Start() {
  std::vector<asff::Finding> active;
  if (Status s = source_.ActiveCorrelated(&active); !s.ok()) return s;
  for (const asff::Finding& f : active) {
    if (f.resources.empty()) continue;
    const std::string rule_id(ProductField(f, "corroborate/RuleId"));
    active_[{rule_id, f.resources[0].canonical_key}] =
        Active{GroupKey{f.resources[0].canonical_key, f.resources[0].type},
               std::string(ProductField(f, kDigestField))};
  }
  return Status::Ok();
}

namespace {

// What evaluation and the emitted finding read of a finding; the rest is not kept.
asff::Finding Slim(const asff::Finding& f) {
  asff::Finding out;
  out.id = f.id;
  out.product_arn = f.product_arn;
  out.product_name = f.product_name;
  out.generator_id = f.generator_id;
  out.aws_account_id = f.aws_account_id;
  out.region = f.region;
  out.partition = f.partition;
  out.title = f.title;
  out.created_at = f.created_at;
  out.updated_at = f.updated_at;
  out.first_observed_at = f.first_observed_at;
  out.last_observed_at = f.last_observed_at;
  out.severity_label = f.severity_label;
  out.record_state = f.record_state;
  out.workflow_status = f.workflow_status;
  out.resources = f.resources;
  out.product_fields = f.product_fields;
  return out;
}

}  // namespace

Correlator::Summary& Correlator::Remember(std::uint64_t version, const asff::Finding& finding,
                                          ConditionResults results) {
  auto [it, inserted] = cache_.try_emplace(version);
  Summary& summary = it->second;
  if (!inserted) lru_.erase(summary.lru);
  summary.finding = Slim(finding);
  summary.results = std::move(results);
  lru_.push_front(version);
  summary.lru = lru_.begin();
  return summary;
}

Status Correlator::Lookup(std::uint64_t version, const Summary** out) {
  if (auto it = cache_.find(version); it != cache_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    *out = &it->second;
    return Status::Ok();
  }
  asff::Finding f;
  if (Status s = source_.ReadVersion(version, &f); !s.ok()) return s;
  simdjson::dom::element root;
  if (parser_.parse(f.json).get(root) != simdjson::SUCCESS) {
    return Status::Corruption("stored finding " + f.id + " is not JSON");
  }
  ConditionResults results;
  results.Compute(rules_, root, 0);
  *out = &Remember(version, f, std::move(results));
  return Status::Ok();
}

// Only between group evaluations: candidates point into the cache.
void Correlator::TrimCache() {
  while (cache_.size() > cache_limit_) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
}

void Correlator::Forget() {
  cache_.clear();
  lru_.clear();
}

bool Correlator::Applies(const Rule& rule, std::string_view type) const {
  return rule.resource_type.empty() || rule.resource_type == type;
}

bool Correlator::IsActive(const Rule& rule, const std::string& key) const {
  return active_.contains({rule.id, key});
}

void Correlator::Touch(const asff::Finding& finding, std::string_view json, asff::TimeMs now,
                       std::uint64_t version) {
  if (!any_includes_correlated_ && finding.generator_id.starts_with(kGeneratorPrefix)) return;
  simdjson::dom::element root;
  ConditionResults results;
  if (parser_.parse(json.data(), json.size()).get(root) == simdjson::SUCCESS) {
    // Filters with dates relative to now are evaluated as of the import.
    results.Compute(rules_, root, now);
  }
  results.matches.resize(
      rules_.empty() ? 0 : condition_base_.back() + rules_.back().conditions.size(), false);
  for (const asff::Resource& r : finding.resources) {
    Touched t{r.canonical_key, r.type, std::vector<bool>(rules_.size()),
              std::vector<bool>(rules_.size())};
    bool any = false;
    for (size_t i = 0; i < rules_.size(); ++i) {
      const Rule& rule = rules_[i];
      for (size_t k = 0; k < rule.conditions.size(); ++k) {
        const Condition& c = rule.conditions[k];
        const bool matched = results.matches[condition_base_[i] + k];
        if (c.related_type.empty()) {
          t.own_match[i] = t.own_match[i] || matched;
        } else if (c.related_type == r.type) {
          t.related_match[i] = t.related_match[i] || matched;
        }
      }
      any = any || t.own_match[i] || t.related_match[i];
    }
    // Nothing matched: only groups with an active incident can change; Run checks them.
    if (!any && active_.empty()) continue;
    touched_.push_back(std::move(t));
  }
  if (version != 0) Remember(version, finding, std::move(results));
}

Status Correlator::Walk(std::string_view from, std::string_view wanted_type,
                        std::vector<RelatedResource>* out) {
  out->clear();
  std::vector<RelatedResource> first, second;
  if (Status s = source_.Related(from, &first); !s.ok()) return s;
  auto add = [&](const RelatedResource& r) {
    if (r.key == from) return;
    if (!wanted_type.empty() && r.type != wanted_type) return;
    for (const auto& have : *out) {
      if (have.key == r.key) return;
    }
    out->push_back(r);
  };
  for (const RelatedResource& r : first) {
    add(r);
    if (r.type == wanted_type) continue;
    if (Status s = source_.Related(r.key, &second); !s.ok()) return s;
    for (const RelatedResource& next : second) add(next);
  }
  return Status::Ok();
}

Status Correlator::Run(asff::TimeMs now, std::vector<CorrelatedChange>* changes) {
  std::map<GroupKey, std::set<size_t>> groups;
  std::vector<RelatedResource> related;
  for (const Touched& t : touched_) {
    for (size_t i = 0; i < rules_.size(); ++i) {
      const Rule& rule = rules_[i];
      if (Applies(rule, t.type) && (t.own_match[i] || IsActive(rule, t.key))) {
        groups[{t.key, t.type}].insert(i);
      }
      const bool related_kind =
          std::any_of(rule.conditions.begin(), rule.conditions.end(),
                      [&](const Condition& c) { return c.related_type == t.type; });
      const auto first_active = active_.lower_bound({rule.id, std::string()});
      const bool rule_active =
          first_active != active_.end() && first_active->first.first == rule.id;
      if (!related_kind || (!t.related_match[i] && !rule_active)) continue;
      if (Status s = Walk(t.key, rule.resource_type, &related); !s.ok()) return s;
      for (const RelatedResource& r : related) {
        if (r.type == t.type) continue;
        if (t.related_match[i] || IsActive(rule, r.key)) groups[{r.key, r.type}].insert(i);
      }
    }
  }
  touched_.clear();
  return EvaluateGroups(groups, now, changes);
}

Status Correlator::Sweep(asff::TimeMs now, std::vector<CorrelatedChange>* changes) {
  std::map<GroupKey, std::set<size_t>> groups;
  for (const auto& [rule_and_key, active] : active_) {
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (rules_[i].id == rule_and_key.first) groups[active.group].insert(i);
    }
  }
  return EvaluateGroups(groups, now, changes);
}

Status Correlator::RunAll(asff::TimeMs now, std::vector<CorrelatedChange>* changes) {
  std::map<GroupKey, std::set<size_t>> groups;
  std::vector<RelatedResource> related;
  Status walk_status;
  Status s = source_.ForEachFinding([&](const asff::Finding& f) {
    if (!any_includes_correlated_ && f.generator_id.starts_with(kGeneratorPrefix)) return;
    for (const asff::Resource& r : f.resources) {
      for (size_t i = 0; i < rules_.size(); ++i) {
        if (Applies(rules_[i], r.type)) groups[{r.canonical_key, r.type}].insert(i);
      }
    }
  });
  if (!s.ok()) return s;
  // Groups whose own findings are all on related resources (e.g. only the security group has a
  // finding) are reached from those resources.
  std::set<std::pair<std::string, std::string>> walked;
  const auto snapshot = groups;
  for (const auto& entry : snapshot) {
    const GroupKey& group = entry.first;
    for (size_t i = 0; i < rules_.size(); ++i) {
      const Rule& rule = rules_[i];
      const bool related_kind =
          std::any_of(rule.conditions.begin(), rule.conditions.end(),
                      [&](const Condition& c) { return c.related_type == group.type; });
      if (!related_kind || !walked.emplace(group.key, rule.id).second) continue;
      if (Status w = Walk(group.key, rule.resource_type, &related); !w.ok()) return w;
      for (const RelatedResource& r : related) groups[{r.key, r.type}].insert(i);
    }
  }
  if (s = EvaluateGroups(groups, now, changes); !s.ok()) return s;
  return Sweep(now, changes);
}

Status Correlator::EvaluateGroups(const std::map<GroupKey, std::set<size_t>>& groups,
                                  asff::TimeMs now, std::vector<CorrelatedChange>* changes) {
  for (const auto& [group, rules] : groups) {
    if (Status s = EvaluateGroup(group, rules, now, changes, nullptr); !s.ok()) return s;
  }
  return Status::Ok();
}

Status Correlator::Candidates(std::string_view key, const std::string& related_type,
                              std::vector<Candidate>* out) {
  std::vector<std::uint64_t> versions;
  if (Status s = source_.Versions(key, &versions); !s.ok()) return s;
  for (std::uint64_t v : versions) {
    const Summary* summary = nullptr;
    Status s = Lookup(v, &summary);
    if (s.code() == Status::Code::kNotFound) continue;  // replaced or deleted meanwhile
    if (!s.ok()) return s;
    out->push_back({&summary->finding, {}, related_type, &summary->results});
  }
  return Status::Ok();
}

Status Correlator::EvaluateGroup(const GroupKey& key, const std::set<size_t>& rules,
                                 asff::TimeMs now, std::vector<CorrelatedChange>* changes,
                                 std::vector<RuleExplanation>* explanations) {
  ++groups_evaluated_;
  TrimCache();
  std::vector<Candidate> candidates;
  if (Status s = Candidates(key.key, "", &candidates); !s.ok()) return s;
  std::set<std::string> related_types;
  for (size_t i : rules) {
    for (const Condition& c : rules_[i].conditions) {
      if (!c.related_type.empty()) related_types.insert(c.related_type);
    }
  }
  std::vector<RelatedResource> related;
  for (const std::string& type : related_types) {
    if (Status s = Walk(key.key, type, &related); !s.ok()) return s;
    for (const RelatedResource& r : related) {
      if (Status s = Candidates(r.key, type, &candidates); !s.ok()) return s;
    }
  }
  const Group group = Locate(key.key, key.type, candidates);
  for (size_t i : rules) {
    const Rule& rule = rules_[i];
    Evaluation evaluation = Evaluate(rule, candidates, now, condition_base_[i]);
    if (explanations != nullptr) {
      RuleExplanation& e = explanations->emplace_back();
      e.rule = &rule;
      e.group = group;
      for (const ConditionOutcome& c : evaluation.conditions) {
        auto& items = e.condition_evidence.emplace_back();
        for (size_t k : c.evidence) items.push_back(Item(candidates[k]));
      }
      asff::Finding stored;
      Status s =
          source_.Stored({CorrelatedProductArn(group), CorrelatedFindingId(rule, group)}, &stored);
      if (s.ok()) e.stored = std::move(stored);
      if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
      e.evaluation = std::move(evaluation);
      continue;
    }
    if (Status s = Decide(rule, group, evaluation, candidates, now, changes); !s.ok()) return s;
  }
  return Status::Ok();
}

Status Correlator::Decide(const Rule& rule, const Group& group, const Evaluation& evaluation,
                          std::span<const Candidate> candidates, asff::TimeMs now,
                          std::vector<CorrelatedChange>* changes) {
  const auto active = active_.find({rule.id, group.canonical_key});
  if (!evaluation.fires && active == active_.end()) return Status::Ok();  // nothing to withdraw
  if (evaluation.fires && active != active_.end() &&
      active->second.digest == MaterialDigest(rule, group, evaluation, candidates)) {
    return Status::Ok();  // nothing material changed
  }
  const asff::FindingIdentifier id{CorrelatedProductArn(group), CorrelatedFindingId(rule, group)};
  asff::Finding stored;
  Status s = source_.Stored(id, &stored);
  if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
  const bool exists = s.ok();
  const bool stored_active = exists && stored.record_state == asff::RecordState::kActive;
  CorrelatedChange change;
  if (evaluation.fires) {
    if (stored_active &&
        ProductField(stored, kDigestField) == MaterialDigest(rule, group, evaluation, candidates)) {
      return Status::Ok();
    }
    change.kind = exists ? CorrelatedChange::Kind::kUpdated : CorrelatedChange::Kind::kCreated;
  } else {
    if (!stored_active) return Status::Ok();
    change.kind = CorrelatedChange::Kind::kArchived;
  }
  const asff::TimeMs created = exists ? stored.created_at : now;
  const asff::TimeMs updated = exists ? std::max(now, stored.updated_at + 1) : now;
  change.rule = &rule;
  change.group = group;
  change.title = Render(rule.title, rule, group, evaluation);
  change.json = BuildCorrelatedFinding(rule, group, evaluation, candidates, created, updated,
                                       evaluation.fires);
  change.digest = MaterialDigest(rule, group, evaluation, candidates);
  change.evidence = Items(rule, evaluation, candidates);
  changes->push_back(std::move(change));
  return Status::Ok();
}

void Correlator::Stored(const std::vector<CorrelatedChange>& changes) {
  for (const CorrelatedChange& c : changes) {
    const std::pair<std::string, std::string> k{c.rule->id, c.group.canonical_key};
    if (c.kind == CorrelatedChange::Kind::kArchived) {
      active_.erase(k);
    } else {
      active_[k] = Active{GroupKey{c.group.canonical_key, c.group.type}, c.digest};
    }
  }
}

Status Correlator::Explain(std::string_view resource_key, std::string_view rule_id,
                           asff::TimeMs now, std::vector<RuleExplanation>* out) {
  out->clear();
  std::vector<Candidate> found;
  if (Status s = Candidates(resource_key, "", &found); !s.ok()) return s;
  std::string type;
  for (const auto& c : found) {
    for (const auto& r : c.finding->resources) {
      if (r.canonical_key == resource_key && type.empty()) type = r.type;
    }
  }
  if (type.empty()) {
    return Status::NotFound("no stored finding names the resource " + std::string(resource_key));
  }
  std::set<size_t> rules;
  bool known = rule_id.empty();
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (!rule_id.empty() && rules_[i].id != rule_id) continue;
    known = true;
    if (Applies(rules_[i], type)) rules.insert(i);
  }
  if (!known) return Status::InvalidInput("no rule has the id " + std::string(rule_id));
  if (rules.empty()) {
    return Status::InvalidInput("no " + std::string(rule_id.empty() ? "" : "such ") +
                                "rule groups resources of type " + type);
  }
  return EvaluateGroup({std::string(resource_key), type}, rules, now, nullptr, out);
}

}  // namespace corroborate::correlate
