// Correlator: runs the rules over the resources an import touched and keeps each correlated
// finding in step with its evidence.
//
// Contract:
// - Evidence comes through an EvidenceSource, which the application implements over a store;
//   nothing here does I/O.
// - Touch(finding) notes the resources a changed finding names (every one of its Resources). A
//   resource is evaluated for a rule when the finding matches one of the rule's condition filters;
//   one with an active correlated finding of the rule, when the finding may change it: it counts
//   for a condition (matching, in the window, active), the version it supersedes counted (so
//   evidence that stops matching, e.g. a control that now PASSES, withdraws the incident), what it
//   matches is not known (`exact` false), or the rule has a condition on_related and the finding
//   states relations or supersedes a version. Evidence ageing out of a window is for Sweep.
//   Correlated findings touch nothing unless a rule includes them (no loops). A resource of a type
//   some rule matches `on_related` also touches the groups related to it (up to two hops, along the
//   chains of asff::JoinsThrough: instance - interface - security group, thing - certificate -
//   policy).
// - TouchRelations notes relations that appeared or disappeared without a finding (an inventory
//   source, store::FindingStore::ImportInventory): the groups at both ends of each, and those
//   joined to an end through it (the instance behind an interface whose group changed), are
//   evaluated for every rule with an `on_related` condition. Relations past their expires_at
//   (EvidenceSource::Related) no longer count at the time a pass evaluates.
// - Groups reached through relations (from a touched finding's resource, or from a relation
//   change) are coalesced and evaluated in Run within a budget (DeferralBudget: a number of
//   groups and a time from the start of the Run); the rest wait for the next Run, so one security
//   group on 50,000 instances changing state does not hold up the import that changed it. Drain
//   evaluates everything waiting; callers drain before they finish (CorrelationStage::Finish).
// - Updates of an active incident are coalesced when SetUpdateInterval gives an interval (0, the
//   default, turns it off), measured on the hold clock it is given (else on the `now` callers
//   pass, which --now may stop): a group touched for a rule with an active incident there that
//   was evaluated less than the interval ago is held, not evaluated, and Run (or EvaluateDue)
//   evaluates it once the interval since that evaluation has passed, with every touch it
//   gathered meanwhile. A busy resource then costs an evaluation, and at most one update to
//   import and push, per interval instead of one per import batch. Nothing else waits:
//   a rule without an active incident on the group is evaluated at once, so an incident is
//   created as soon as it holds; an update or withdrawal waits until a Run or EvaluateDue at
//   least the interval later (NextHeldDue says when), which callers whose input pauses call.
//   Drain, Sweep and RunAll evaluate what is held with the rest.
// - Run evaluates the touched groups and returns what to import, one change per (rule, group):
//   created (fires, none stored), updated (fires, and the evidence, title, description or severity
//   changed, or it was archived and fires again), archived (a stored active one no longer holds:
//   evidence resolved, suppressed, archived, gone or out of the window). Nothing changes when
//   nothing material did. A change's UpdatedAt is later than the stored one's and CreatedAt is
//   kept, so importing it replaces the stored finding with Security Hub's semantics, which keep
//   an analyst's Workflow, Note and other BatchUpdateFindings fields.
// - Sweep re-evaluates every group with an active correlated finding (for evidence that ages out
//   of a window with nothing new arriving); RunAll evaluates every group of every stored finding.
// - A touched group is evaluated only for the rules that could hold there or have an active
//   incident to withdraw: per resource, how many of its findings match each condition (and count
//   for its rule) is kept as an upper bound, set exactly whenever the group is evaluated, so a rule
//   whose needed condition too few findings match is ruled out without reading the group (rules
//   whose require expression negates are always evaluated). A condition on_related is bounded by
//   the counts of the related resources (once each of them has been read). Nothing else changes: a
//   rule ruled out would neither fire nor withdraw anything.
// - Explain evaluates the rules for one resource without changing anything.
// - What each finding version gives each condition is computed once and kept (up to
//   `cache_limit` versions, the least recently used half out when full), and which versions name
//   each resource is read from the source once and then kept current by Touch, and so are the
//   relations read for each resource, so evaluating a group reads only what it has not seen: its
//   cost does not grow with what is stored. Touch must therefore see every version the source
//   stores (correlated findings included, and updates with `exact` false: their stored JSON is
//   merged with analyst fields). After findings change or go in any other way (BatchUpdateFindings
//   changes them in place, retention deletes them), callers call Forget().
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "asff/finding.h"
#include "common/status.h"
#include "common/string_map.h"
#include "correlate/evaluate.h"
#include "correlate/rules.h"

namespace corroborate::correlate {

struct RelatedResource {
  std::string key;
  std::string type;
  std::uint64_t version = 0;  // the finding version stating the relation (0: not known)
  // Added for inventory (issue 9): when an inventory source's relation stops counting unless it is
  // seen again (0: never, as for relations findings state, which live as long as their finding).
  asff::TimeMs expires_at = 0;
};

// Added for inventory (issue 9): relations a source other than a finding changed.
struct RelationChange {
  std::uint64_t version = 0;   // the version stating `stated` now (0: none, e.g. a deleted item)
  std::uint64_t replaced = 0;  // the version whose relations these replace (0: none)
  std::vector<asff::ResourceRelation> stated;   // every relation `version` states
  std::vector<asff::ResourceRelation> added;    // relations that appeared (or counted again)
  std::vector<asff::ResourceRelation> removed;  // relations that disappeared
};

// How much of the work waiting to be evaluated Run does per call (see the contract).
// The defaults keep a Run that meets 50,000 waiting groups well under a second together with the
// storing of what changed (docs/performance.md): evaluating a group costs about 20 us, storing the
// incident it changes about twice that.
struct DeferralBudget {
  std::size_t max_groups = 5'000;
  std::int64_t max_ms = 200;    // from the start of the Run
  std::size_t min_groups = 64;  // evaluated even when the time is up, so the queue moves
};

class EvidenceSource {
 public:
  virtual ~EvidenceSource() = default;
  // The versions of the stored findings naming the resource: tokens that change with every
  // accepted import of a finding (store::FindingStore::ResourceVersions).
  virtual Status Versions(std::string_view resource_key, std::vector<std::uint64_t>* out) = 0;
  // One finding version (core view with its JSON in `json`); NotFound when no longer stored.
  virtual Status ReadVersion(std::uint64_t version, asff::Finding* out) = 0;
  // The resources stored findings relate to this one (asff/relations.h): one entry per related
  // resource and version stating it.
  virtual Status Related(std::string_view resource_key, std::vector<RelatedResource>* out) = 0;
  // The stored finding with this identity; NotFound when there is none.
  virtual Status Stored(const asff::FindingIdentifier& id, asff::Finding* out) = 0;
  // The stored correlated findings (GeneratorId prefix kGeneratorPrefix) that are ACTIVE.
  virtual Status ActiveCorrelated(std::vector<asff::Finding>* out) = 0;
  // Calls `visit` with every stored finding, for RunAll.
  virtual Status ForEachFinding(const std::function<void(const asff::Finding&)>& visit) = 0;
};

// A piece of evidence, with enough to show it without reading it again.
struct EvidenceItem {
  asff::FindingIdentifier id;
  std::string product_name;
  std::string title;
  asff::SeverityLabel severity = asff::SeverityLabel::kInformational;
  std::vector<std::string> conditions;  // the rule's conditions it was counted for
};

struct CorrelatedChange {
  enum class Kind : std::uint8_t { kCreated, kUpdated, kArchived };
  Kind kind = Kind::kCreated;
  const Rule* rule = nullptr;
  Group group;
  std::string title;                   // rendered
  std::string json;                    // the finding to import
  std::string digest;                  // its material digest (evaluate.h)
  std::vector<EvidenceItem> evidence;  // by observation time
};

std::string_view ToString(CorrelatedChange::Kind kind);

// One rule evaluated on one resource, for explain.
struct RuleExplanation {
  const Rule* rule = nullptr;
  Group group;
  Evaluation evaluation;
  // Per condition, the findings it counted, parallel to rule->conditions.
  std::vector<std::vector<EvidenceItem>> condition_evidence;
  std::optional<asff::Finding> stored;  // the correlated finding stored for it, if any
};

class Correlator {
 public:
  // `rules` must outlive the correlator.
  Correlator(const std::vector<Rule>& rules, EvidenceSource& source,
             std::size_t cache_limit = 2'000'000);
  ~Correlator();
  Correlator(const Correlator&) = delete;
  Correlator& operator=(const Correlator&) = delete;

  // Loads which correlated findings are active (call once before Run/Sweep).
  Status Start();

  // Notes a stored (created or updated) finding; `version` is the version it was stored as (0:
  // unknown, or unchanged by a BatchUpdateFindings) and `replaced` the version it replaced (0:
  // none), `json` its JSON: what was stored when `exact`, else what was imported.
  void Touch(const asff::Finding& finding, std::string_view json, asff::TimeMs now,
             std::uint64_t version = 0, bool exact = true, std::uint64_t replaced = 0);
  // Drops what is kept per finding version and per resource (see the contract).
  void Forget();
  // Drops what is kept for these findings' versions, which BatchUpdateFindings changed in place
  // (same version, new analyst fields); what is kept per resource stays valid.
  void ForgetFindings(std::span<const asff::FindingIdentifier> findings);

  // --- Added for inventory (issue 9); see the contract.
  void TouchRelations(const RelationChange& change);
  void SetDeferralBudget(const DeferralBudget& budget) { budget_ = budget; }
  // Evaluates groups waiting for evaluation (at most `max_groups`, so a caller can store the
  // changes a part at a time: 50,000 incidents at once are a lot of memory) and appends the
  // changes.
  Status Drain(asff::TimeMs now, std::vector<CorrelatedChange>* changes,
               std::size_t max_groups = SIZE_MAX);
  [[nodiscard]] std::size_t deferred() const { return deferred_.size(); }
  // ---
  // Coalescing of incident updates (see the contract); `interval_ms` 0 turns it off. The hold
  // clock, when given, is read for every decision on an active incident.
  void SetUpdateInterval(asff::TimeMs interval_ms, std::function<asff::TimeMs()> hold_clock = {}) {
    update_interval_ms_ = interval_ms;
    hold_clock_ = std::move(hold_clock);
  }
  // Groups held (a group once, whatever the number of its rules held), and when the first of them
  // is due on the hold clock (nullopt: none).
  [[nodiscard]] std::size_t held() const { return held_.size(); }
  [[nodiscard]] std::optional<asff::TimeMs> NextHeldDue() const;
  // Evaluates the held groups that are due, and nothing else (what waits in the deferral queue
  // stays there): for callers whose input paused, so that no Run comes.
  Status EvaluateDue(asff::TimeMs now, std::vector<CorrelatedChange>* changes);

  // Evaluates what was touched since the last Run and appends the changes.
  Status Run(asff::TimeMs now, std::vector<CorrelatedChange>* changes);
  Status Sweep(asff::TimeMs now, std::vector<CorrelatedChange>* changes);
  Status RunAll(asff::TimeMs now, std::vector<CorrelatedChange>* changes);

  // Tells the correlator its changes were stored (keeps the active set current).
  void Stored(const std::vector<CorrelatedChange>& changes);

  // Every rule that applies to the resource (or only `rule_id`), evaluated. The resource's type
  // is the one a stored finding gives it, else `type_if_unnamed` (added for inventory, issue 9:
  // a resource only an inventory source names); NotFound when neither says.
  Status Explain(std::string_view resource_key, std::string_view rule_id, asff::TimeMs now,
                 std::vector<RuleExplanation>* out, std::string_view type_if_unnamed = {});

  [[nodiscard]] std::uint64_t groups_evaluated() const { return groups_evaluated_; }
  // Touched groups not evaluated because no rule they were touched for could hold there (too few
  // of their findings match a condition the rule needs) and none has an active incident there.
  [[nodiscard]] std::uint64_t groups_ruled_out() const { return groups_ruled_out_; }
  // Findings (versions, on the grouped resource or a related one) evaluations read.
  [[nodiscard]] std::uint64_t findings_read() const { return findings_read_; }
  // Finding versions whose condition results are kept (for tests and metrics).
  [[nodiscard]] std::size_t versions_kept() const { return cache_.size(); }

 private:
  struct GroupKey {
    std::string key;
    std::string type;
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    auto operator<=>(const GroupKey&) const = default;
  };
  struct Touched {
    std::string key;
    std::string type;
    // Per rule, what the finding is to it:
    enum : std::uint8_t {
      kOwnMatch = 1,      // it matches one of the rule's own conditions
      kRelatedMatch = 2,  // it matches a condition on_related its type
      // It may change what an active incident of the rule on the resource says. Not so for a
      // version that counts for none of the rule's conditions when there is no earlier one that
      // counted (both known), and, for a rule with a condition on_related, that states no
      // relations and supersedes no version: evaluating the incident again would find what it
      // found.
      kMayChangeActive = 4,
      // The same for an active incident on a resource related to this one (its conditions
      // on_related, and the relations it states).
      kMayChangeRelated = 8,
    };
    std::vector<std::uint8_t> flags;
    [[nodiscard]] bool Has(std::size_t rule, std::uint8_t flag) const {
      return (flags[rule] & flag) != 0;
    }
  };
  // A finding version as evaluation needs it: its facts and condition results, and what an
  // incident shows of it (a few hundred bytes).
  struct Summary {
    FindingFacts facts;
    ConditionResults results;
    std::string product_name;
    std::string title;
    asff::SeverityLabel severity = asff::SeverityLabel::kInformational;
    std::uint64_t used = 0;   // use_clock_ when last used
    std::uint64_t rules = 0;  // RuleBits of the rules it could count for (RulesOf)
  };
  // The stored findings naming a resource: their identity (a hash of ProductArn and Id), the
  // version last seen of each, and the rules that version could count for (RuleBits; all when
  // not known), so that an evaluation of some rules passes over the others' findings without
  // reading what is kept for them (reading it is a cache miss per finding, most of an
  // evaluation on a resource with thousands of findings).
  struct Member {
    std::uint64_t identity;
    std::uint64_t version;
    std::uint64_t rules = ~std::uint64_t{0};
    // Its observation time (FindingFacts::observed; the latest possible when not known): one
    // observed before the longest window of the rules evaluated counts for none of them.
    asff::TimeMs observed = INT64_MAX;
  };
  // A set of loaded rules as 64 bits, rule i as bit i % 64: with more rules, a bit stands for
  // several, and a set is then a superset, which is all its uses need.
  static std::uint64_t RuleBit(std::size_t rule) { return std::uint64_t{1} << (rule % 64); }
  // The rules a version matches a condition of and counts for (evaluate.h Counts).
  [[nodiscard]] std::uint64_t RulesOf(const FindingFacts& facts,
                                      const ConditionResults& results) const;
  // A resource's members, and per condition (numbered as condition_base_) how many of them match
  // its filter and count for its rule (evaluate.h Counts; within its window as of counted_at;
  // for a distinct condition, the sum of their values): an upper bound when `generation` is
  // counts_generation_, unknown otherwise. Set exactly from the candidates whenever the resource's
  // members are read for an evaluation, then only raised, by Touch as versions arrive: a version
  // that replaced one or stopped naming the resource leaves the bound loose (never too low) until
  // the next evaluation sets it again.
  struct MemberList {
    std::vector<Member> list;
    std::vector<std::uint32_t> matching;
    std::uint64_t generation = 0;  // 0: never counted
    // The counts leave out findings observed before the windows of their rules as of this time
    // (or of an earlier one), so they bound what evaluations at this time or later can count
    // (INT64_MIN: none left out).
    asff::TimeMs counted_at = INT64_MIN;
  };
  Status MembersOf(std::string_view key, MemberList** out);
  // Whether loaded rule `rule` could hold on the group, from the counts kept (`matching`): its
  // require expression with each condition that too few findings match taken as false, for a
  // condition on_related the findings of the resources related to the group (when all of theirs
  // are counted). A rule whose expression negates is not decided this way.
  Status CouldHold(std::size_t rule, const GroupKey& group, asff::TimeMs now, bool* could_hold);
  [[nodiscard]] bool Counted(const MemberList& members) const {
    return members.generation == counts_generation_;
  }
  // Adds what a version contributes to `matching`, for the conditions of `rules` (RuleBit), as of
  // time `at`: nothing for a rule whose window it is out of then (INT64_MIN: no time), one for a
  // condition counting findings, the number of its values for one counting distinct values.
  void Count(MemberList& members, const Summary& summary, std::uint64_t rules,
             asff::TimeMs at) const;
  // Notes a new version of `identity` among the members of each resource `finding` names whose
  // members are kept, counting it as of `now` when `summary` says what it matches.
  // `first_seen`: the identity is new to current_, so no list holds it yet.
  void UpdateMembers(const asff::Finding& finding, std::uint64_t identity, std::uint64_t version,
                     std::uint64_t rules, const Summary* summary, asff::TimeMs now,
                     bool first_seen);
  Summary& Remember(std::uint64_t version, FindingFacts facts, const asff::Finding& finding,
                    ConditionResults results);
  // What is kept for a version, else read from the source and kept; NotFound when the version is
  // gone or replaced (`identity`, when known, lets a replaced one go without a read).
  Status Lookup(std::uint64_t version, const Summary** out, std::uint64_t identity = 0);
  void TrimCache();
  // The stored findings naming `key` that could count for one of `rules` (RuleBit), appended to
  // `out`. Sets the resource's counts as of `now` (Count): for every condition when it reads them
  // all (the counts were not kept, `rules` is every rule, or there is no `now`: INT64_MIN), else
  // for the conditions of `rules`, leaving out the findings observed before the longest window of
  // `rules` as of `now`.
  Status Candidates(std::string_view key, const std::string& related_type,
                    std::vector<Candidate>* out, std::uint64_t rules = ~std::uint64_t{0},
                    asff::TimeMs now = INT64_MIN);

  bool Applies(const Rule& rule, std::string_view type) const;
  // The resources of `wanted_type` (any, when empty) related to `from` directly or through one
  // other resource along a chain (asff::JoinsThrough), counting only relations unexpired at now_.
  Status Walk(std::string_view from, std::string_view from_type, std::string_view wanted_type,
              std::vector<RelatedResource>* out);
  [[nodiscard]] bool Counts(const RelatedResource& r) const {
    return r.expires_at == 0 || r.expires_at > now_;
  }
  // Queues a group reached through relations (deferred_).
  void Defer(const GroupKey& group, std::size_t rule);
  // Moves from `groups` to held_ each (group, rule) with an active incident evaluated less than
  // update_interval_ms_ before `hold_now`, and from held_ to `groups` what is due at `hold_now`
  // (or all of it, with `all`).
  void HoldAndRelease(std::map<GroupKey, std::set<size_t>>& groups, asff::TimeMs hold_now,
                      bool all);
  // The groups a relation change reaches (the contract), queued.
  Status DeferRelationChange(const asff::ResourceRelation& relation);
  // Evaluates queued groups: up to `limit` of them when `all`, else within budget_ measured from
  // `start_ms`.
  Status EvaluateDeferred(asff::TimeMs now, bool all, std::int64_t start_ms,
                          std::vector<CorrelatedChange>* changes, std::size_t limit = SIZE_MAX);
  // The source's Related, kept (see adjacency_).
  Status RelatedOf(const std::string& key, const std::vector<RelatedResource>** out);
  void ForgetRelations(const std::string& key);
  Status EvaluateGroup(const GroupKey& group, const std::set<size_t>& rules, asff::TimeMs now,
                       std::vector<CorrelatedChange>* changes,
                       std::vector<RuleExplanation>* explanations);
  // `group` is completed by Locate (once, `located`) only when a change needs its region and
  // account: most evaluations change nothing.
  Status Decide(const Rule& rule, Group& group, bool& located, const Evaluation& evaluation,
                std::span<const Candidate> candidates, asff::TimeMs now,
                std::vector<CorrelatedChange>* changes);
  static Group FromKey(const GroupKey& key);
  Status Locate(std::span<const Candidate> candidates, Group* group, bool* located);
  Status Item(const Candidate& c, EvidenceItem* item);
  Status Items(const Rule& rule, const Evaluation& evaluation,
               std::span<const Candidate> candidates, std::vector<EvidenceItem>* out);
  Status EvaluateGroups(const std::map<GroupKey, std::set<size_t>>& groups, asff::TimeMs now,
                        std::vector<CorrelatedChange>* changes);
  // Whether loaded rule `rule` (an index of rules_) has an active incident on the group key: one
  // lookup of the key, no string built (this is asked per rule per touched resource).
  [[nodiscard]] bool IsActive(std::size_t rule, std::string_view key) const;
  // Whether a loaded rule with an active incident somewhere has a condition on_related `type`.
  [[nodiscard]] bool RelatedKindOfActiveRule(std::string_view type) const;
  // The loaded rules with an active incident on the group key (nullptr: none).
  [[nodiscard]] const std::vector<std::size_t>* ActiveRulesOf(std::string_view key) const;
  // Whether `rule` is among `rules` (an ActiveRulesOf answer).
  [[nodiscard]] static bool Includes(const std::vector<std::size_t>* rules, std::size_t rule);

  const std::vector<Rule>& rules_;
  const ConditionPlan plan_;  // over rules_
  EvidenceSource& source_;
  bool any_includes_correlated_ = false;
  std::vector<Touched> touched_;
  // Added for inventory (issue 9): relations changed by TouchRelations since the last Run, the
  // groups waiting for evaluation (in the order queued, each once, with its rules), the budget,
  // and the time the current pass evaluates at (for expires_at).
  std::vector<asff::ResourceRelation> relations_touched_;
  std::map<GroupKey, std::set<std::size_t>> deferred_;
  std::deque<GroupKey> deferred_order_;
  // Held groups (the contract's coalescing): the rules held on each and when it is due, and the
  // groups by due time.
  struct Held {
    std::set<std::size_t> rules;
    asff::TimeMs due = 0;
  };
  asff::TimeMs update_interval_ms_ = 0;
  std::function<asff::TimeMs()> hold_clock_;
  // The hold clock's time, else `now`.
  [[nodiscard]] asff::TimeMs HoldNow(asff::TimeMs now) const {
    return hold_clock_ ? hold_clock_() : now;
  }
  std::map<GroupKey, Held> held_;
  std::set<std::pair<asff::TimeMs, GroupKey>> held_by_due_;
  DeferralBudget budget_;
  asff::TimeMs now_ = 0;
  std::vector<bool> has_related_;            // per rule: some condition is on_related
  std::vector<std::size_t> condition_base_;  // per rule: the number of its first condition
  // Active incidents: ActiveKey(rule id, group key) -> the group and the incident's material
  // digest; and how many each rule has.
  struct Active {
    std::string rule_id;
    GroupKey group;
    std::string digest;
    // When an evaluation last decided on it (HoldNow; INT64_MIN: not since Start): the start of
    // its update interval.
    asff::TimeMs evaluated_at = INT64_MIN;
  };
  static std::string ActiveKey(std::string_view rule_id, std::string_view group_key);
  // ActiveKey into a buffer kept for it (lookups are on the hot path).
  const std::string& ScratchActiveKey(std::string_view rule_id, std::string_view group_key);
  std::string active_key_scratch_;
  std::unordered_map<std::string, Active> active_;
  // Records that rule `rule_id` has (or no longer has) an active incident on `group_key`, in
  // active_rules_of_ and active_per_rule_; active_ itself is the caller's.
  void NoteActive(std::string_view rule_id, const std::string& group_key, bool active);
  std::unordered_map<std::uint64_t, Summary> cache_;
  std::uint64_t use_clock_ = 0;
  std::size_t cache_limit_;
  // Resources whose members were read from the source, kept current by Touch; cleared whole when
  // it holds more than cache_limit_ resources (they are read again when needed).
  // Open addressing (common/string_map.h), the lists behind pointers: callers hold a MemberList*
  // while others are read in. Most touches look up a resource not read in: one probe of the
  // metadata.
  StringMap<std::unique_ptr<MemberList>> members_;
  // Bumped when counts kept in members_ may be too low (findings changed in place).
  std::uint64_t counts_generation_ = 1;
  std::size_t condition_count_ = 0;
  std::vector<std::size_t> rule_of_condition_;    // per condition number: its rule
  std::vector<bool> decided_by_counts_;           // per rule: CouldHold may rule it out
  std::array<asff::TimeMs, 64> window_of_bit_{};  // the longest window of the rules of a RuleBit
  std::uint64_t groups_ruled_out_ = 0;
  std::vector<bool> could_hold_scratch_;  // CouldHold's, kept to avoid an allocation
  std::uint64_t findings_read_ = 0;
  // The loaded rules by id; for each group key, the loaded rules with an active incident on it
  // (few); and how many each loaded rule has. They index active_ for the hot path.
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> rule_index_;
  // Open addressing for the two tables every touch looks up (one entry per resource with an
  // incident, one per stored identity): a node-based map's lookup was a cache miss in its bucket
  // array and another in its node. References into them do not survive an insertion.
  StringMap<std::vector<std::size_t>> active_rules_of_;
  std::vector<std::size_t> active_per_rule_;
  // The latest version Touch saw of each identity: a member with an older one was replaced by a
  // version that no longer names that resource.
  boost::unordered_flat_map<std::uint64_t, std::uint64_t> current_;
  // The relations read from the source for a resource, kept current by Touch: a new version
  // adds what it states; a replaced version's relations go with the whole entry of every
  // resource it stated one for (adjacency_of_version_). Sources that cannot say which version
  // states a relation are not kept.
  std::unordered_map<std::string, std::vector<RelatedResource>> adjacency_;
  std::unordered_map<std::uint64_t, std::vector<std::string>> adjacency_of_version_;
  std::vector<RelatedResource> unkept_;  // RelatedOf's answer when it is not kept
  // Walks done in the current evaluation pass: (from, wanted type) -> related resources.
  std::map<std::pair<std::string, std::string>, std::vector<RelatedResource>> walks_;
  simdjson::dom::parser parser_;
  std::uint64_t groups_evaluated_ = 0;
};

}  // namespace corroborate::correlate
