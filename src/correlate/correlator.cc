#include "correlate/correlator.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <unordered_set>

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

std::string_view ProductField(const asff::Finding& f, std::string_view name) {
  for (const auto& [k, v] : f.product_fields) {
    if (k == name) return v;
  }
  return {};
}

// Whether a require expression negates a condition: then a condition that cannot hold may make
// the rule fire, and counting matches says nothing about whether it can.
bool Negates(const Expr& expr) {
  if (expr.kind == Expr::Kind::kNot) return true;
  return std::any_of(expr.operands.begin(), expr.operands.end(), Negates);
}

std::int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Correlator::Correlator(const std::vector<Rule>& rules, EvidenceSource& source,
                       std::size_t cache_limit)
    : rules_(rules), plan_(rules_), source_(source), cache_limit_(cache_limit) {
  std::size_t conditions = 0;
  active_per_rule_.assign(rules_.size(), 0);
  for (std::size_t i = 0; i < rules_.size(); ++i) rule_index_.emplace(rules_[i].id, i);
  for (const Rule& r : rules_) {
    any_includes_correlated_ |= r.include_correlated;
    condition_base_.push_back(conditions);
    conditions += r.conditions.size();
    has_related_.push_back(std::any_of(r.conditions.begin(), r.conditions.end(),
                                       [](const Condition& c) { return !c.related_type.empty(); }));
    decided_by_counts_.push_back(!Negates(r.require));
    rule_of_condition_.insert(rule_of_condition_.end(), r.conditions.size(),
                              condition_base_.size() - 1);
  }
  condition_count_ = conditions;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    asff::TimeMs& w = window_of_bit_[i % 64];
    w = std::max(w, rules_[i].window);
  }
}

Correlator::~Correlator() = default;

Status Correlator::Start() {
  std::vector<asff::Finding> active;
  if (Status s = source_.ActiveCorrelated(&active); !s.ok()) return s;
  for (const asff::Finding& f : active) {
    if (f.resources.empty()) continue;
    const std::string rule_id(ProductField(f, "corroborate/RuleId"));
    auto [it, inserted] = active_.insert_or_assign(
        ActiveKey(rule_id, f.resources[0].canonical_key),
        Active{rule_id, GroupKey{f.resources[0].canonical_key, f.resources[0].type},
               std::string(ProductField(f, kDigestField))});
    if (inserted) NoteActive(rule_id, f.resources[0].canonical_key, true);
  }
  return Status::Ok();
}

Correlator::Summary& Correlator::Remember(std::uint64_t version, FindingFacts facts,
                                          const asff::Finding& finding, ConditionResults results) {
  auto [it, inserted] = cache_.try_emplace(version);
  Summary& summary = it->second;
  summary.facts = std::move(facts);
  summary.product_name = finding.product_name;
  summary.title = finding.title;
  summary.severity = finding.severity_label;
  summary.results = std::move(results);
  summary.used = ++use_clock_;
  summary.rules = RulesOf(summary.facts, summary.results);
  return summary;
}

Status Correlator::Lookup(std::uint64_t version, const Summary** out, std::uint64_t identity) {
  if (auto it = cache_.find(version); it != cache_.end()) {
    // Kept means current (Touch drops what a new version supersedes): one lookup, not two, per
    // member, and these lookups into tables of a million entries are most of an evaluation.
    it->second.used = ++use_clock_;
    *out = &it->second;
    return Status::Ok();
  }
  if (identity != 0) {  // a version already replaced is not read from the source at all
    const auto current = current_.find(identity);
    if (current != current_.end() && current->second != version) {
      return Status::NotFound("replaced");
    }
  }
  asff::Finding f;
  if (Status s = source_.ReadVersion(version, &f); !s.ok()) return s;
  // Kept versions are current ones (Candidates relies on it): one Touch replaced already is not
  // kept, and the identity is noted so that the Touch of its successor drops this one.
  const auto [current, inserted] = current_.try_emplace(IdentityHash(f.product_arn, f.id), version);
  if (!inserted && current->second != version) return Status::NotFound("replaced");
  simdjson::dom::element root;
  if (parser_.parse(f.json).get(root) != simdjson::SUCCESS) {
    return Status::Corruption("stored finding " + f.id + " is not JSON");
  }
  // As of the pass that reads it (every entry point sets now_), as Touch computes them as of the
  // import: a filter on a date relative to now means the same for a version read and one touched.
  ConditionResults results;
  results.Compute(plan_, root, now_);
  *out = &Remember(version, FindingFacts::Of(f), f, std::move(results));
  return Status::Ok();
}

// Only between group evaluations: candidates point into the cache.
void Correlator::TrimCache() {
  if (cache_.size() <= cache_limit_) return;
  // The least recently used half goes at once: amortised over the insertions that filled it, and
  // no list to keep in order on every lookup.
  std::vector<std::uint64_t> uses;
  uses.reserve(cache_.size());
  for (const auto& entry : cache_) uses.push_back(entry.second.used);
  const auto middle = uses.begin() + static_cast<std::ptrdiff_t>(uses.size() / 2);
  std::nth_element(uses.begin(), middle, uses.end());
  const std::uint64_t cutoff = *middle;
  std::erase_if(cache_, [&](const auto& entry) { return entry.second.used < cutoff; });
  // Read again, a version's results are computed as of the pass reading it (Lookup), which for a
  // filter on a date relative to now can differ from what Touch computed at the import: the
  // counts and the rules each member is known to count for are set again from what is read.
  ++counts_generation_;
}

void Correlator::Forget() {
  cache_.clear();
  members_.clear();
  current_.clear();
  adjacency_.clear();
  adjacency_of_version_.clear();
}

void Correlator::ForgetFindings(std::span<const asff::FindingIdentifier> findings) {
  if (findings.empty()) return;
  std::unordered_set<std::uint64_t> identities;
  for (const asff::FindingIdentifier& f : findings) {
    identities.insert(IdentityHash(f.product_arn, f.id));
  }
  std::erase_if(
      cache_, [&](const auto& entry) { return identities.contains(entry.second.facts.identity); });
  // Changed in place, they may match conditions they did not: no count kept is a bound any more.
  ++counts_generation_;
}

std::uint64_t Correlator::RulesOf(const FindingFacts& facts,
                                  const ConditionResults& results) const {
  std::uint64_t bits = 0;
  const std::size_t n = std::min(results.matches.size(), condition_count_);
  for (std::size_t c = 0; c < n; ++c) {
    const std::size_t rule = rule_of_condition_[c];
    if (results.matches[c] && correlate::Counts(rules_[rule], facts)) bits |= RuleBit(rule);
  }
  return bits;
}

void Correlator::Count(MemberList& members, const Summary& summary, std::uint64_t rules,
                       asff::TimeMs at) const {
  // Only the rules the version counts for (RulesOf): most versions count for one or two of
  // dozens, and this runs for every finding an evaluation reads.
  const std::uint64_t wanted = summary.rules & rules;
  if (wanted == 0) return;
  const std::vector<bool>& matches = summary.results.matches;
  const std::size_t n = std::min(matches.size(), condition_count_);
  for (std::size_t rule = 0; rule < rules_.size(); ++rule) {
    if ((RuleBit(rule) & wanted) == 0) continue;
    const Rule& r = rules_[rule];
    // As Evaluate: out of the window as of `at` (and so of any later time), it counts for none.
    if (!correlate::Counts(r, summary.facts) ||
        (at != INT64_MIN && summary.facts.observed < at - r.window)) {
      continue;
    }
    for (std::size_t k = 0; k < r.conditions.size(); ++k) {
      const std::size_t c = condition_base_[rule] + k;
      if (c >= n) break;
      if (!matches[c]) continue;
      // The distinct values of any set of findings are at most the sum of each one's. Saturating:
      // a bound raised by every re-import of a resource never read again must not wrap.
      std::uint64_t add = 1;
      if (!r.conditions[k].distinct.empty()) {
        const std::vector<std::string>* values = summary.results.ValuesOf(c);
        add = values == nullptr ? 0 : values->size();
      }
      members.matching[c] = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(UINT32_MAX, std::uint64_t{members.matching[c]} + add));
    }
  }
}

Status Correlator::CouldHold(std::size_t rule, const GroupKey& group, asff::TimeMs now,
                             bool* could_hold) {
  *could_hold = true;
  MemberList* members = nullptr;
  if (Status s = MembersOf(group.key, &members); !s.ok()) return s;
  if (!decided_by_counts_[rule] || !Counted(*members) || now < members->counted_at) {
    return Status::Ok();
  }
  const Rule& r = rules_[rule];
  const std::size_t base = condition_base_[rule];
  // A buffer kept for it: this runs per rule per touched group.
  std::vector<bool>& could = could_hold_scratch_;
  could.assign(r.conditions.size(), false);
  for (std::size_t k = 0; k < r.conditions.size(); ++k) {
    const Condition& c = r.conditions[k];
    could[k] = !c.related_type.empty() ||
               members->matching[base + k] >= static_cast<std::uint32_t>(std::max(c.at_least, 0));
  }
  *could_hold = correlate::Evaluate(r.require, could);
  if (!*could_hold || !has_related_[rule]) return Status::Ok();
  // Its own conditions leave it open: a condition on_related is bounded by what the related
  // resources' counts say (the walk is the one the evaluation makes, memoised for the pass).
  // Most groups a rule with related conditions is evaluated on have nothing related that matches.
  std::vector<RelatedResource> related;
  for (std::size_t k = 0; k < r.conditions.size(); ++k) {
    const Condition& c = r.conditions[k];
    if (c.related_type.empty()) continue;
    if (Status s = Walk(group.key, group.type, c.related_type, &related); !s.ok()) return s;
    std::uint64_t bound = 0;
    bool known = true;
    for (const RelatedResource& rel : related) {
      MemberList* theirs = nullptr;
      if (Status s = MembersOf(rel.key, &theirs); !s.ok()) return s;
      if (!Counted(*theirs) || now < theirs->counted_at) {
        known = false;
        break;
      }
      bound += theirs->matching[base + k];
    }
    could_hold_scratch_[k] = !known || bound >= static_cast<std::uint64_t>(std::max(c.at_least, 0));
  }
  *could_hold = correlate::Evaluate(r.require, could_hold_scratch_);
  return Status::Ok();
}

bool Correlator::Applies(const Rule& rule, std::string_view type) const {
  return rule.resource_type.empty() || rule.resource_type == type;
}

bool Correlator::IsActive(std::size_t rule, std::string_view key) const {
  return Includes(ActiveRulesOf(key), rule);
}

bool Correlator::Includes(const std::vector<std::size_t>* rules, std::size_t rule) {
  return rules != nullptr && std::find(rules->begin(), rules->end(), rule) != rules->end();
}

bool Correlator::RelatedKindOfActiveRule(std::string_view type) const {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (active_per_rule_[i] == 0 || !has_related_[i]) continue;
    for (const Condition& c : rules_[i].conditions) {
      if (c.related_type == type) return true;
    }
  }
  return false;
}

const std::vector<std::size_t>* Correlator::ActiveRulesOf(std::string_view key) const {
  const auto it = active_rules_of_.find(key);
  return it == active_rules_of_.end() ? nullptr : &it->second;
}

void Correlator::NoteActive(std::string_view rule_id, const std::string& group_key, bool active) {
  const auto rule = rule_index_.find(rule_id);
  if (rule == rule_index_.end()) return;  // an incident of a rule not loaded now
  if (active) {
    ++active_per_rule_[rule->second];
    active_rules_of_[group_key].push_back(rule->second);
    return;
  }
  --active_per_rule_[rule->second];
  const auto it = active_rules_of_.find(group_key);
  if (it == active_rules_of_.end()) return;
  std::erase(it->second, rule->second);
  if (it->second.empty()) active_rules_of_.erase(it);
}

void Correlator::Touch(const asff::Finding& finding, std::string_view json, asff::TimeMs now,
                       std::uint64_t version, bool exact, std::uint64_t replaced) {
  // The rules the version this one supersedes counted for (every rule when not known): one that
  // stops matching can make a rule whose require negates fire, so those rules are touched too.
  std::uint64_t previous_rules = version == 0 ? ~std::uint64_t{0} : 0;
  auto note_previous = [&](std::uint64_t superseded) {
    const auto kept = cache_.find(superseded);
    previous_rules |= kept != cache_.end() ? kept->second.rules : ~std::uint64_t{0};
  };
  // Whether an earlier version of this finding was stored (what it counted for and the relations
  // it stated are then for the evaluations to compare).
  bool superseded = version == 0 || replaced != 0;
  if (replaced != 0) {
    note_previous(replaced);
    // A replaced version is never read again (the store answers NotFound for it): what was kept
    // for it goes now, so a working set re-imported over and over keeps one entry per finding,
    // not one per revision until the cache limit.
    cache_.erase(replaced);
    if (auto it = adjacency_of_version_.find(replaced); it != adjacency_of_version_.end()) {
      // The relations it stated go; the rest of each entry stays current, and what this version
      // states is added below (reading a busy security group's relations again after every
      // revision of one of its instances was most of the relation walks).
      for (const std::string& key : it->second) {
        if (const auto kept = adjacency_.find(key); kept != adjacency_.end()) {
          std::erase_if(kept->second,
                        [&](const RelatedResource& r) { return r.version == replaced; });
        }
      }
      adjacency_of_version_.erase(it);
    }
  }
  for (const asff::ResourceRelation& rel : finding.relations) {
    for (bool forward : {true, false}) {
      const std::string& from = forward ? rel.from_key : rel.to_key;
      const auto it = adjacency_.find(from);
      if (it == adjacency_.end()) continue;  // read from the source when first needed
      if (version == 0) {
        ForgetRelations(from);
        continue;
      }
      it->second.push_back(
          {forward ? rel.to_key : rel.from_key, forward ? rel.to_type : rel.from_type, version});
      adjacency_of_version_[version].push_back(from);
    }
  }
  std::uint64_t identity = 0;
  // No member list holds an identity current_ has not seen (lists are of versions Touch or Lookup
  // noted there): a new one is appended without a search of lists that grow with the resource.
  bool first_seen = false;
  if (version != 0) {
    identity = IdentityHash(finding.product_arn, finding.id);
    // Whatever the caller says it replaced, the version this one supersedes is not kept either:
    // a kept version is a current one, which Candidates relies on.
    auto [it, inserted] = current_.try_emplace(identity, version);
    first_seen = inserted;
    if (!inserted && it->second != version) {
      superseded = true;
      if (it->second != replaced) note_previous(it->second);
      cache_.erase(it->second);
      it->second = version;
    }
  }
  if (!any_includes_correlated_ && finding.generator_id.starts_with(kGeneratorPrefix)) {
    // Counts for no rule whatever it says: no count changes (incidents are stored after every
    // change, and a resource read whole after each would undo what the counts save).
    if (version != 0) UpdateMembers(finding, identity, version, 0, nullptr, now, first_seen);
    return;
  }
  if (version == 0 || !exact) {
    // What the stored version matches is not known here: the counts are set again when next read.
    for (const asff::Resource& r : finding.resources) {
      if (const auto it = members_.find(r.canonical_key); it != members_.end()) {
        it->second->generation = 0;
      }
    }
  }
  simdjson::dom::element root;
  ConditionResults results;
  if (parser_.parse(json.data(), json.size()).get(root) == simdjson::SUCCESS) {
    // Filters with dates relative to now are evaluated as of the import.
    results.Compute(plan_, root, now);
  }
  results.matches.resize(condition_count_, false);
  FindingFacts facts = FindingFacts::Of(finding);
  const bool relations_may_change = superseded || !finding.relations.empty();
  std::vector<std::uint8_t> flags;
  for (const asff::Resource& r : finding.resources) {
    flags.assign(rules_.size(), 0);
    bool any = false;
    for (size_t i = 0; i < rules_.size(); ++i) {
      const Rule& rule = rules_[i];
      std::uint8_t f = 0;
      for (size_t k = 0; k < rule.conditions.size(); ++k) {
        const Condition& c = rule.conditions[k];
        if (!results.matches[condition_base_[i] + k]) continue;
        if (c.related_type.empty()) {
          f |= Touched::kOwnMatch;
        } else if (c.related_type == r.type) {
          f |= Touched::kRelatedMatch;
        }
      }
      const bool counted_before = (previous_rules & RuleBit(i)) != 0;
      if (!decided_by_counts_[i] && counted_before) {
        f |= Touched::kOwnMatch | Touched::kRelatedMatch;
      }
      any = any || f != 0;
      // A version that matches a condition but counts for nothing (resolved, say, or observed
      // before the window) changes no evidence unless the one it supersedes counted, nor do
      // relations change unless it states some or supersedes a version. What an unexact touch
      // matches is of the imported JSON, not of the stored version.
      if (!exact || counted_before) {
        f |= Touched::kMayChangeActive | Touched::kMayChangeRelated;
      } else {
        const bool counts =
            f != 0 && correlate::Counts(rule, facts) && facts.observed >= now - rule.window;
        if ((counts && (f & Touched::kOwnMatch) != 0) ||
            (has_related_[i] && relations_may_change)) {
          f |= Touched::kMayChangeActive;
        }
        if ((counts && (f & Touched::kRelatedMatch) != 0) || relations_may_change) {
          f |= Touched::kMayChangeRelated;
        }
      }
      flags[i] = f;
    }
    // Nothing matched, now or before (for a negating rule): only an active incident on the
    // resource, or on one related to it for a rule with a condition on resources of its type, can
    // change; Run checks them.
    if (!any && ActiveRulesOf(r.canonical_key) == nullptr && !RelatedKindOfActiveRule(r.type)) {
      continue;
    }
    touched_.push_back({r.canonical_key, r.type, flags});
  }
  if (version == 0) return;
  if (!exact) {
    UpdateMembers(finding, identity, version, ~std::uint64_t{0}, nullptr, now, first_seen);
    return;
  }
  const Summary& summary = Remember(version, std::move(facts), finding, std::move(results));
  UpdateMembers(finding, identity, version, summary.rules, &summary, now, first_seen);
}

void Correlator::UpdateMembers(const asff::Finding& finding, std::uint64_t identity,
                               std::uint64_t version, std::uint64_t rules, const Summary* summary,
                               asff::TimeMs now, bool first_seen) {
  for (const asff::Resource& r : finding.resources) {
    const auto it = members_.find(r.canonical_key);
    if (it == members_.end()) continue;  // read from the source when first needed
    MemberList& members = *it->second;
    auto& list = members.list;
    auto m = first_seen ? list.end() : std::find_if(list.begin(), list.end(), [&](const Member& x) {
      return x.identity == identity;
    });
    const asff::TimeMs observed = summary != nullptr ? summary->facts.observed : INT64_MAX;
    if (m == list.end()) {
      list.push_back({identity, version, rules, observed});
    } else {
      m->version = version;
      m->rules = rules;
      m->observed = observed;
    }
    if (summary != nullptr && Counted(members)) {
      // Counted as of `now`, the counts now bound evaluations at `now` or later only.
      Count(members, *summary, ~std::uint64_t{0}, now);
      members.counted_at = std::max(members.counted_at, now);
    }
  }
}

Status Correlator::Walk(std::string_view from, std::string_view from_type,
                        std::string_view wanted_type, std::vector<RelatedResource>* out) {
  // Rules and touched resources ask for the same walks many times in one evaluation pass, and
  // the relations cannot change during one (the changes are stored after it).
  auto memo_key = std::make_pair(std::string(from), std::string(wanted_type));
  if (auto it = walks_.find(memo_key); it != walks_.end()) {
    *out = it->second;
    return Status::Ok();
  }
  out->clear();
  // Relations come once per finding version stating them: visit each resource once.
  std::unordered_set<std::string> seen{memo_key.first};
  std::vector<RelatedResource> hop;  // resources to go through (a copy: RelatedOf may add)
  const std::vector<RelatedResource>* first = nullptr;
  if (Status s = RelatedOf(memo_key.first, &first); !s.ok()) return s;
  for (const RelatedResource& r : *first) {
    if (!Counts(r) || !seen.insert(r.key).second) continue;
    if (wanted_type.empty() || r.type == wanted_type) out->push_back({r.key, r.type, 0});
    // Only the middle of a chain of use leads on (asff::JoinsThrough): going through a policy or
    // a VPC would reach other devices' certificates and other instances' groups.
    if (r.type != wanted_type && asff::ChainMiddle(r.type)) hop.push_back({r.key, r.type, 0});
  }
  for (const RelatedResource& through : hop) {
    const std::vector<RelatedResource>* second = nullptr;
    if (Status s = RelatedOf(through.key, &second); !s.ok()) return s;
    for (const RelatedResource& r : *second) {
      if (!wanted_type.empty() && r.type != wanted_type) continue;
      if (!Counts(r) || !asff::JoinsThrough(from_type, through.type, r.type)) continue;
      if (seen.insert(r.key).second) out->push_back({r.key, r.type, 0});
    }
  }
  walks_.emplace(std::move(memo_key), *out);
  return Status::Ok();
}

Status Correlator::Run(asff::TimeMs now, std::vector<CorrelatedChange>* changes) {
  const std::int64_t start = SteadyMs();
  now_ = now;
  walks_.clear();
  std::map<GroupKey, std::set<size_t>> groups;
  std::vector<RelatedResource> related;
  for (const Touched& t : touched_) {
    // Looked up once per resource, not once per rule.
    const std::vector<std::size_t>* active_here = ActiveRulesOf(t.key);
    std::set<size_t>* group_rules = nullptr;
    for (size_t i = 0; i < rules_.size(); ++i) {
      const Rule& rule = rules_[i];
      // An active incident is evaluated again only when the finding may change it; evidence
      // that ages out of the window with nothing relevant arriving is for Sweep.
      if (Applies(rule, t.type) &&
          t.Has(i, Includes(active_here, i) ? Touched::kMayChangeActive : Touched::kOwnMatch)) {
        if (group_rules == nullptr) group_rules = &groups[{t.key, t.type}];
        group_rules->insert(i);
      }
      const bool related_kind =
          std::any_of(rule.conditions.begin(), rule.conditions.end(),
                      [&](const Condition& c) { return c.related_type == t.type; });
      const bool rule_active = active_per_rule_[i] > 0;
      if (!related_kind || (!t.Has(i, Touched::kRelatedMatch) &&
                            !(rule_active && t.Has(i, Touched::kMayChangeRelated)))) {
        continue;
      }
      if (Status s = Walk(t.key, t.type, rule.resource_type, &related); !s.ok()) return s;
      for (const RelatedResource& r : related) {
        if (r.type == t.type) continue;
        // Reached through relations: possibly very many (one group on 50,000 instances), so
        // queued and evaluated within the budget.
        if (t.Has(i, Touched::kRelatedMatch) || IsActive(i, r.key)) Defer({r.key, r.type}, i);
      }
    }
  }
  touched_.clear();
  HoldAndRelease(groups, HoldNow(now), /*all=*/false);
  for (const asff::ResourceRelation& relation : relations_touched_) {
    if (Status s = DeferRelationChange(relation); !s.ok()) return s;
  }
  relations_touched_.clear();
  // A group evaluated now need not wait in the queue as well.
  for (auto& [group, rules] : groups) {
    if (auto it = deferred_.find(group); it != deferred_.end()) {
      rules.insert(it->second.begin(), it->second.end());
      deferred_.erase(it);
    }
  }
  if (Status s = EvaluateGroups(groups, now, changes); !s.ok()) return s;
  return EvaluateDeferred(now, /*all=*/false, start, changes);
}

// --- Added for inventory (issue 9) ------------------------------------------------------------

void Correlator::TouchRelations(const RelationChange& change) {
  // What was kept for the versions involved is read again when needed: the replaced version's
  // relations are gone, and a refreshed version's expiry moved.
  for (const std::uint64_t v : {change.replaced, change.version}) {
    if (v == 0) continue;
    if (auto it = adjacency_of_version_.find(v); it != adjacency_of_version_.end()) {
      for (const std::string& key : it->second) ForgetRelations(key);
      adjacency_of_version_.erase(it);
    }
  }
  for (const auto* list : {&change.stated, &change.added, &change.removed}) {
    for (const asff::ResourceRelation& r : *list) {
      ForgetRelations(r.from_key);
      ForgetRelations(r.to_key);
    }
  }
  relations_touched_.insert(relations_touched_.end(), change.added.begin(), change.added.end());
  relations_touched_.insert(relations_touched_.end(), change.removed.begin(), change.removed.end());
}

void Correlator::HoldAndRelease(std::map<GroupKey, std::set<size_t>>& groups, asff::TimeMs hold_now,
                                bool all) {
  while (!held_by_due_.empty() && (all || held_by_due_.begin()->first <= hold_now)) {
    auto node = held_by_due_.extract(held_by_due_.begin());
    if (auto it = held_.find(node.value().second); it != held_.end()) {
      groups[it->first].insert(it->second.rules.begin(), it->second.rules.end());
      held_.erase(it);
    }
  }
  if (update_interval_ms_ <= 0 || all) return;
  for (auto g = groups.begin(); g != groups.end();) {
    const std::vector<std::size_t>* active_here = ActiveRulesOf(g->first.key);
    for (auto r = g->second.begin(); active_here != nullptr && r != g->second.end();) {
      const auto a = Includes(active_here, *r)
                         ? active_.find(ScratchActiveKey(rules_[*r].id, g->first.key))
                         : active_.end();
      if (a == active_.end() || a->second.evaluated_at == INT64_MIN ||
          hold_now - a->second.evaluated_at >= update_interval_ms_) {
        ++r;
        continue;
      }
      const asff::TimeMs due = a->second.evaluated_at + update_interval_ms_;
      auto [held, inserted] = held_.try_emplace(g->first);
      if (inserted || due < held->second.due) {
        if (!inserted) held_by_due_.erase({held->second.due, g->first});
        held->second.due = due;
        held_by_due_.emplace(due, g->first);
      }
      held->second.rules.insert(*r);
      r = g->second.erase(r);
    }
    g = g->second.empty() ? groups.erase(g) : std::next(g);
  }
}

void Correlator::Defer(const GroupKey& group, std::size_t rule) {
  auto [it, inserted] = deferred_.try_emplace(group);
  if (inserted) deferred_order_.push_back(group);
  it->second.insert(rule);
}

Status Correlator::DeferRelationChange(const asff::ResourceRelation& relation) {
  for (const bool forward : {true, false}) {
    const std::string& end = forward ? relation.from_key : relation.to_key;
    const std::string& end_type = forward ? relation.from_type : relation.to_type;
    const std::string& other_type = forward ? relation.to_type : relation.from_type;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      if (has_related_[i] && Applies(rules_[i], end_type)) Defer({end, end_type}, i);
    }
    // The groups joined to `end` through the relation (an instance behind an interface whose
    // group changed); only a chain's middle joins anything through itself.
    if (!asff::ChainMiddle(end_type)) continue;
    const std::vector<RelatedResource>* neighbours = nullptr;
    if (Status s = RelatedOf(end, &neighbours); !s.ok()) return s;
    for (const RelatedResource& n : *neighbours) {
      if (!Counts(n) || !asff::JoinsThrough(n.type, end_type, other_type)) continue;
      for (std::size_t i = 0; i < rules_.size(); ++i) {
        if (has_related_[i] && Applies(rules_[i], n.type)) Defer({n.key, n.type}, i);
      }
    }
  }
  return Status::Ok();
}

Status Correlator::EvaluateDeferred(asff::TimeMs now, bool all, std::int64_t start_ms,
                                    std::vector<CorrelatedChange>* changes, std::size_t limit) {
  std::size_t done = 0;
  while (!deferred_order_.empty() && done < limit) {
    if (!all && done >= budget_.min_groups &&
        (done >= budget_.max_groups || SteadyMs() - start_ms >= budget_.max_ms)) {
      break;
    }
    GroupKey key = std::move(deferred_order_.front());
    deferred_order_.pop_front();
    auto it = deferred_.find(key);
    if (it == deferred_.end()) continue;  // evaluated meanwhile with the touched groups
    std::set<size_t> rules = std::move(it->second);
    deferred_.erase(it);
    if (Status s = EvaluateGroup(key, rules, now, changes, nullptr); !s.ok()) {
      // Back in the queue, so a later pass still evaluates it.
      deferred_order_.push_front(key);
      deferred_.emplace(std::move(key), std::move(rules));
      walks_.clear();
      return s;
    }
    ++done;
  }
  walks_.clear();
  return Status::Ok();
}

Status Correlator::Drain(asff::TimeMs now, std::vector<CorrelatedChange>* changes,
                         std::size_t max_groups) {
  now_ = now;
  walks_.clear();
  // What is held waits in the queue with the rest, so that `max_groups` bounds both.
  std::map<GroupKey, std::set<size_t>> held;
  HoldAndRelease(held, now, /*all=*/true);
  for (const auto& [group, rules] : held) {
    for (const size_t rule : rules) Defer(group, rule);
  }
  return EvaluateDeferred(now, /*all=*/true, 0, changes, max_groups);
}

std::optional<asff::TimeMs> Correlator::NextHeldDue() const {
  if (held_by_due_.empty()) return std::nullopt;
  return held_by_due_.begin()->first;
}

Status Correlator::EvaluateDue(asff::TimeMs now, std::vector<CorrelatedChange>* changes) {
  now_ = now;
  walks_.clear();
  std::map<GroupKey, std::set<size_t>> groups;
  HoldAndRelease(groups, HoldNow(now), /*all=*/false);
  return EvaluateGroups(groups, now, changes);
}

// --- end of the inventory additions -----------------------------------------------------------

Status Correlator::Sweep(asff::TimeMs now, std::vector<CorrelatedChange>* changes) {
  now_ = now;
  walks_.clear();
  std::map<GroupKey, std::set<size_t>> groups;
  for (const auto& [key, active] : active_) {
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (rules_[i].id == active.rule_id) groups[active.group].insert(i);
    }
  }
  HoldAndRelease(groups, now, /*all=*/true);
  return EvaluateGroups(groups, now, changes);
}

Status Correlator::RunAll(asff::TimeMs now, std::vector<CorrelatedChange>* changes) {
  now_ = now;
  walks_.clear();
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
      if (Status w = Walk(group.key, group.type, rule.resource_type, &related); !w.ok()) {
        return w;
      }
      for (const RelatedResource& r : related) groups[{r.key, r.type}].insert(i);
    }
  }
  // Everything waiting is evaluated here anyway.
  HoldAndRelease(groups, now, /*all=*/true);
  for (auto& [group, rules] : deferred_) groups[group].insert(rules.begin(), rules.end());
  deferred_.clear();
  deferred_order_.clear();
  if (s = EvaluateGroups(groups, now, changes); !s.ok()) return s;
  return Sweep(now, changes);
}

Status Correlator::EvaluateGroups(const std::map<GroupKey, std::set<size_t>>& groups,
                                  asff::TimeMs now, std::vector<CorrelatedChange>* changes) {
  for (const auto& [group, rules] : groups) {
    if (Status s = EvaluateGroup(group, rules, now, changes, nullptr); !s.ok()) {
      walks_.clear();
      return s;
    }
  }
  walks_.clear();
  return Status::Ok();
}

Status Correlator::MembersOf(std::string_view key, MemberList** out) {
  if (auto it = members_.find(key); it != members_.end()) {
    *out = it->second.get();
    return Status::Ok();
  }
  if (members_.size() >= cache_limit_) members_.clear();
  std::vector<std::uint64_t> versions;
  if (Status s = source_.Versions(key, &versions); !s.ok()) return s;
  MemberList members;
  for (std::uint64_t v : versions) {
    const Summary* summary = nullptr;
    Status s = Lookup(v, &summary);
    if (s.code() == Status::Code::kNotFound) continue;  // replaced or deleted meanwhile
    if (!s.ok()) return s;
    members.list.push_back({summary->facts.identity, v, summary->rules, summary->facts.observed});
  }
  *out = members_.emplace(std::string(key), std::make_unique<MemberList>(std::move(members)))
             .first->second.get();
  return Status::Ok();
}

Status Correlator::Candidates(std::string_view key, const std::string& related_type,
                              std::vector<Candidate>* out, std::uint64_t rules, asff::TimeMs now) {
  MemberList* members = nullptr;
  if (Status s = MembersOf(key, &members); !s.ok()) return s;
  std::vector<Member>& list = members->list;
  // What is read is counted exactly: every condition when every member is read, else the
  // conditions of `rules` (the members passed over count for none of those).
  const bool all = rules == ~std::uint64_t{0} || now == INT64_MIN || !Counted(*members) ||
                   now < members->counted_at;
  asff::TimeMs not_before = INT64_MIN;
  if (all) {
    rules = ~std::uint64_t{0};
    members->matching.assign(condition_count_, 0);
    members->counted_at = now;
  } else {
    asff::TimeMs window = 0;
    for (std::size_t b = 0; b < 64; ++b) {
      if ((rules >> b & 1U) != 0) window = std::max(window, window_of_bit_[b]);
    }
    not_before = now - window;
    members->counted_at = std::max(members->counted_at, now);
    for (std::size_t c = 0; c < condition_count_; ++c) {
      if ((RuleBit(rule_of_condition_[c]) & rules) != 0) members->matching[c] = 0;
    }
  }
  for (size_t i = 0; i < list.size();) {
    const Member m = list[i];
    if (!all && ((m.rules & rules) == 0 || m.observed < not_before)) {
      ++i;
      continue;
    }
    const Summary* summary = nullptr;
    Status s = Lookup(m.version, &summary, m.identity);
    if (s.code() == Status::Code::kNotFound) {  // replaced or deleted since it was read
      list[i] = list.back();
      list.pop_back();
      continue;
    }
    if (!s.ok()) {
      members->generation = 0;
      return s;
    }
    list[i].rules = summary->rules;
    list[i].observed = summary->facts.observed;
    if (all || ((summary->rules & rules) != 0 && summary->facts.observed >= not_before)) {
      out->push_back({&summary->facts, m.version, {}, related_type, &summary->results});
      ++findings_read_;
      Count(*members, *summary, rules, members->counted_at);
    }
    ++i;
  }
  members->generation = counts_generation_;
  return Status::Ok();
}

Status Correlator::EvaluateGroup(const GroupKey& key, const std::set<size_t>& rules,
                                 asff::TimeMs now, std::vector<CorrelatedChange>* changes,
                                 std::vector<RuleExplanation>* explanations) {
  TrimCache();
  std::vector<Candidate> candidates;
  bool have_candidates = false;
  std::set<size_t> could_hold;
  const std::set<size_t>* evaluated = &rules;
  if (explanations == nullptr) {
    // Rules that cannot hold here and have no incident to withdraw would change nothing: most
    // touches are of a finding matching one condition of a rule whose other conditions nothing
    // on the resource matches. Deciding that from the counts kept per resource costs the same
    // however many findings the resource has.
    MemberList* members = nullptr;
    if (Status s = MembersOf(key.key, &members); !s.ok()) return s;
    if (!Counted(*members)) {
      if (Status s = Candidates(key.key, "", &candidates, ~std::uint64_t{0}, now); !s.ok()) {
        return s;
      }
      have_candidates = true;
    }
    for (size_t i : rules) {
      bool could = true;
      if (!IsActive(i, key.key)) {
        if (Status s = CouldHold(i, key, now, &could); !s.ok()) return s;
      }
      if (could) could_hold.insert(i);
    }
    if (could_hold.empty()) {
      ++groups_ruled_out_;
      return Status::Ok();
    }
    evaluated = &could_hold;
  }
  ++groups_evaluated_;
  // Only the findings that could count for a rule evaluated here are read (all, for explain).
  std::uint64_t wanted = explanations != nullptr ? ~std::uint64_t{0} : 0;
  if (explanations == nullptr) {
    for (size_t i : *evaluated) wanted |= RuleBit(i);
  }
  if (!have_candidates) {
    if (Status s = Candidates(key.key, "", &candidates, wanted, now); !s.ok()) return s;
  }
  std::set<std::string> related_types;
  for (size_t i : *evaluated) {
    for (const Condition& c : rules_[i].conditions) {
      if (!c.related_type.empty()) related_types.insert(c.related_type);
    }
  }
  std::vector<RelatedResource> related;
  for (const std::string& type : related_types) {
    if (Status s = Walk(key.key, key.type, type, &related); !s.ok()) return s;
    for (const RelatedResource& r : related) {
      if (Status s = Candidates(r.key, type, &candidates, wanted, now); !s.ok()) return s;
    }
  }
  Group group = FromKey(key);
  bool located = false;
  for (size_t i : *evaluated) {
    const Rule& rule = rules_[i];
    Evaluation evaluation =
        Evaluate(rule, candidates, now, condition_base_[i], explanations != nullptr);
    if (explanations != nullptr) {
      if (Status s = Locate(candidates, &group, &located); !s.ok()) return s;
      RuleExplanation& e = explanations->emplace_back();
      e.rule = &rule;
      e.group = group;
      for (const ConditionOutcome& c : evaluation.conditions) {
        auto& items = e.condition_evidence.emplace_back();
        for (size_t k : c.evidence) {
          if (Status s = Item(candidates[k], &items.emplace_back()); !s.ok()) return s;
        }
      }
      asff::Finding stored;
      Status s =
          source_.Stored({CorrelatedProductArn(group), CorrelatedFindingId(rule, group)}, &stored);
      if (s.ok()) e.stored = std::move(stored);
      if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
      e.evaluation = std::move(evaluation);
      continue;
    }
    if (Status s = Decide(rule, group, located, evaluation, candidates, now, changes); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Status Correlator::Decide(const Rule& rule, Group& group, bool& located,
                          const Evaluation& evaluation, std::span<const Candidate> candidates,
                          asff::TimeMs now, std::vector<CorrelatedChange>* changes) {
  const auto active = active_.find(ScratchActiveKey(rule.id, group.canonical_key));
  if (active != active_.end()) active->second.evaluated_at = HoldNow(now);  // its interval starts
  if (!evaluation.fires && active == active_.end()) return Status::Ok();    // nothing to withdraw
  // Computed once: it renders the title and description and sorts the evidence.
  const std::string digest =
      evaluation.fires ? MaterialDigest(rule, group, evaluation, candidates) : std::string();
  if (evaluation.fires && active != active_.end() && active->second.digest == digest) {
    return Status::Ok();  // nothing material changed
  }
  if (Status s = Locate(candidates, &group, &located); !s.ok()) return s;
  const asff::FindingIdentifier id{CorrelatedProductArn(group), CorrelatedFindingId(rule, group)};
  asff::Finding stored;
  Status s = source_.Stored(id, &stored);
  if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
  const bool exists = s.ok();
  const bool stored_active = exists && stored.record_state == asff::RecordState::kActive;
  CorrelatedChange change;
  if (evaluation.fires) {
    if (stored_active && ProductField(stored, kDigestField) == digest) return Status::Ok();
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
  change.digest = evaluation.fires ? digest : MaterialDigest(rule, group, evaluation, candidates);
  if (Status items = Items(rule, evaluation, candidates, &change.evidence); !items.ok()) {
    return items;
  }
  changes->push_back(std::move(change));
  return Status::Ok();
}

const std::string& Correlator::ScratchActiveKey(std::string_view rule_id,
                                                std::string_view group_key) {
  active_key_scratch_.assign(rule_id);
  active_key_scratch_ += '\n';
  active_key_scratch_ += group_key;
  return active_key_scratch_;
}

std::string Correlator::ActiveKey(std::string_view rule_id, std::string_view group_key) {
  std::string k(rule_id);
  k += '\n';  // not in a rule id
  k += group_key;
  return k;
}

Status Correlator::RelatedOf(const std::string& key, const std::vector<RelatedResource>** out) {
  if (auto it = adjacency_.find(key); it != adjacency_.end()) {
    *out = &it->second;
    return Status::Ok();
  }
  std::vector<RelatedResource> related;
  if (Status s = source_.Related(key, &related); !s.ok()) return s;
  const bool versioned = std::all_of(related.begin(), related.end(),
                                     [](const RelatedResource& r) { return r.version != 0; });
  if (!versioned) {
    unkept_ = std::move(related);
    *out = &unkept_;
    return Status::Ok();
  }
  if (adjacency_.size() >= cache_limit_) {
    adjacency_.clear();
    adjacency_of_version_.clear();
  }
  for (const RelatedResource& r : related) adjacency_of_version_[r.version].push_back(key);
  *out = &adjacency_.emplace(key, std::move(related)).first->second;
  return Status::Ok();
}

void Correlator::ForgetRelations(const std::string& key) {
  adjacency_.erase(key);
}

Group Correlator::FromKey(const GroupKey& key) {
  Group group;
  group.canonical_key = key.key;
  group.type = key.type;
  FromArn(key.key, group);
  return group;
}

Status Correlator::Locate(std::span<const Candidate> candidates, Group* group, bool* located) {
  if (*located) return Status::Ok();
  *located = true;
  const bool partial = group->region.empty() || group->account.empty();
  if (!partial) return Status::Ok();
  // What the ARN leaves out (a bucket's has neither region nor account), from a finding naming
  // the resource, else from any candidate (a group reached only through related resources).
  std::optional<asff::Finding> any;
  bool found = false;
  auto search = [&](std::span<const Candidate> in) {
    for (const Candidate& c : in) {
      asff::Finding f;
      Status s = source_.ReadVersion(c.version, &f);
      if (s.code() == Status::Code::kNotFound) continue;
      if (!s.ok()) return s;
      for (const asff::Resource& r : f.resources) {
        if (r.canonical_key != group->canonical_key) continue;
        if (!r.partition.empty()) group->partition = r.partition;
        if (!r.region.empty()) group->region = r.region;
        if (group->account.empty()) group->account = f.aws_account_id;
        found = true;
        return Status::Ok();
      }
      if (!any) any = std::move(f);
    }
    return Status::Ok();
  };
  // Every finding on the resource, in the order of its members, rather than the candidates read
  // for the rules evaluated: the incident's ProductArn comes from this, and must not depend on
  // which rules were evaluated (an archive reached with other candidates would miss it).
  std::vector<Candidate> everything;
  if (Status s = Candidates(group->canonical_key, "", &everything); !s.ok()) return s;
  if (Status s = search(everything); !s.ok() || found) return s;
  if (Status s = search(candidates); !s.ok() || found) return s;
  if (any) {
    if (group->region.empty()) group->region = any->region;
    if (group->account.empty()) group->account = any->aws_account_id;
  }
  return Status::Ok();
}

Status Correlator::Item(const Candidate& c, EvidenceItem* item) {
  item->id = {c.facts->product_arn, c.facts->id};
  if (auto it = cache_.find(c.version); it != cache_.end()) {
    item->product_name = it->second.product_name;
    item->title = it->second.title;
    item->severity = it->second.severity;
    return Status::Ok();
  }
  asff::Finding f;
  Status s = source_.ReadVersion(c.version, &f);
  if (s.code() == Status::Code::kNotFound) return Status::Ok();  // replaced since: identity only
  if (!s.ok()) return s;
  item->product_name = std::move(f.product_name);
  item->title = std::move(f.title);
  item->severity = f.severity_label;
  return Status::Ok();
}

Status Correlator::Items(const Rule& rule, const Evaluation& evaluation,
                         std::span<const Candidate> candidates, std::vector<EvidenceItem>* out) {
  for (size_t i : evaluation.evidence) {
    EvidenceItem& item = out->emplace_back();
    if (Status s = Item(candidates[i], &item); !s.ok()) return s;
    for (size_t k = 0; k < evaluation.conditions.size(); ++k) {
      const auto& ev = evaluation.conditions[k].evidence;
      if (evaluation.conditions[k].holds && std::find(ev.begin(), ev.end(), i) != ev.end()) {
        item.conditions.push_back(rule.conditions[k].name);
      }
    }
  }
  return Status::Ok();
}

void Correlator::Stored(const std::vector<CorrelatedChange>& changes) {
  for (const CorrelatedChange& c : changes) {
    const std::string k = ActiveKey(c.rule->id, c.group.canonical_key);
    if (c.kind == CorrelatedChange::Kind::kArchived) {
      if (active_.erase(k) > 0) NoteActive(c.rule->id, c.group.canonical_key, false);
    } else {
      auto [it, inserted] = active_.insert_or_assign(
          k, Active{c.rule->id, GroupKey{c.group.canonical_key, c.group.type}, c.digest,
                    HoldNow(now_)});
      if (inserted) NoteActive(c.rule->id, c.group.canonical_key, true);
    }
  }
}

Status Correlator::Explain(std::string_view resource_key, std::string_view rule_id,
                           asff::TimeMs now, std::vector<RuleExplanation>* out,
                           std::string_view type_if_unnamed) {
  out->clear();
  now_ = now;
  walks_.clear();
  std::vector<Candidate> found;
  if (Status s = Candidates(resource_key, "", &found); !s.ok()) return s;
  std::string type;
  for (const auto& c : found) {
    asff::Finding f;
    Status s = source_.ReadVersion(c.version, &f);
    if (s.code() == Status::Code::kNotFound) continue;
    if (!s.ok()) return s;
    for (const auto& r : f.resources) {
      if (r.canonical_key == resource_key && type.empty()) type = r.type;
    }
    if (!type.empty()) break;
  }
  if (type.empty()) type = std::string(type_if_unnamed);
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
