// Evaluating one correlation rule over the findings of one resource, and the finding it emits.
//
// Contract:
// - Evaluate is pure: given a rule, the candidate findings of one group (the grouped resource's
//   findings, and findings of related resources tagged with the related resource's type) and `now`,
//   it decides for each condition whether it holds, with which evidence, and what is missing, and
//   whether the rule fires (its `require` expression holds and every `ordered` pair is in order).
//   Only findings observed within the rule's window count (last observation = LastObservedAt, else
//   UpdatedAt); unless the rule says otherwise only ACTIVE findings that are not RESOLVED or
//   SUPPRESSED count, and never Corroborate's own correlated findings (no loops).
// - A condition counts matching findings, or with `distinct` the distinct values found under that
//   ASFF path (e.g. "Vulnerabilities[].Id": three findings of one CVE count once); with `within`,
//   the best span of that length is taken.
// - BuildCorrelatedFinding writes the ASFF finding for a firing (or, with active = false, an
//   archived) rule: a stable Id from the rule and the canonical resource, the grouped resource with
//   its real type, RelatedFindings = the evidence (the 10 most recent: ASFF's limit; the count and
//   a digest of the evidence, title, description and severity are in ProductFields), times from the
//   evidence, title and description rendered from the rule's templates. The result passes
//   asff::DecodeFinding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "asff/finding.h"
#include "common/string_map.h"
#include "correlate/rules.h"

namespace corroborate::correlate {

// GeneratorId prefix of correlated findings; findings with it are not evidence by default.
inline constexpr std::string_view kGeneratorPrefix = "corroborate/rule/";
// ProductName and CompanyName of correlated findings (allowed for a custom integration's findings).
inline constexpr std::string_view kProductName = "Corroborate";
// ProductFields key holding the digest of what makes an update of a correlated finding material.
inline constexpr std::string_view kDigestField = "corroborate/EvidenceDigest";

// Which filters a finding is tested against, worked out once per rule set. Conditions with the
// same filter (rules written from one template share most of theirs) are tested once, and a
// finding is tested only against the filters that allow its ProductName: one lookup by product,
// not a search of every condition's list. Conditions are numbered across every rule of the set,
// as ConditionResults numbers them. The plan points into `rules`, which must outlive it.
class ConditionPlan {
 public:
  explicit ConditionPlan(std::span<const Rule> rules);

  [[nodiscard]] std::size_t condition_count() const { return conditions_.size(); }

 private:
  friend struct ConditionResults;
  struct DistinctFilter {
    const filter::FindingFilter* filter = nullptr;
    std::vector<std::size_t> conditions;  // the conditions with this filter, by number
  };
  std::vector<const Condition*> conditions_;  // by number
  std::vector<DistinctFilter> filters_;
  std::vector<std::size_t> unrestricted_;  // filters allowing any ProductName
  // Per ProductName: the filters that allow it, among those that allow only some.
  StringMap<std::vector<std::size_t>> by_product_;
};

// What a finding gives each condition, computed once per finding version by callers that
// evaluate the same findings many times (the Correlator). Conditions are numbered across every
// rule of the caller's set; Evaluate's `condition_base` is the rule's first.
struct ConditionResults {
  std::vector<bool> matches;  // per condition: its filter matches the finding
  // Per condition with `distinct` that matches: the values found under its path.
  std::vector<std::pair<std::size_t, std::vector<std::string>>> distinct_values;

  // Fills matches and distinct_values for the plan's conditions. A condition whose filter allows
  // only some ProductNames is not evaluated on a finding of another product (most conditions
  // name one; this is most of the cost saved).
  void Compute(const ConditionPlan& plan, simdjson::dom::element finding, asff::TimeMs now);
  [[nodiscard]] const std::vector<std::string>* ValuesOf(std::size_t condition) const;
};

// What evaluation reads of a finding version. Kept small: the Correlator holds one for every
// version it has seen (correlator.h); the rest of a finding is read again only for what an
// incident shows (titles of its evidence).
// A 64-bit hash of a finding's identity (ProductArn, Id).
std::uint64_t IdentityHash(std::string_view product_arn, std::string_view id);

struct FindingFacts {
  std::string product_arn;
  std::string id;
  std::uint64_t identity = 0;  // IdentityHash(product_arn, id)
  asff::TimeMs observed = 0;   // LastObservedAt, else UpdatedAt
  asff::TimeMs occurred = 0;   // FirstObservedAt, else CreatedAt
  asff::RecordState record_state = asff::RecordState::kActive;
  asff::WorkflowStatus workflow_status = asff::WorkflowStatus::kNew;
  bool correlated = false;  // one of Corroborate's own correlated findings (kGeneratorPrefix)

  static FindingFacts Of(const asff::Finding& f);
};

// Whether a finding can count for the rule at all, whatever it matches: correlated findings only
// when the rule includes them, and ARCHIVED, RESOLVED or SUPPRESSED ones only when it includes
// inactive findings.
bool Counts(const Rule& rule, const FindingFacts& f);

struct Candidate {
  const FindingFacts* facts = nullptr;
  std::uint64_t version = 0;                  // the stored version, to read the whole finding
  simdjson::dom::element json;                // the stored JSON, parsed (unless `results`)
  std::string related_type;                   // empty: about the grouped resource itself
  const ConditionResults* results = nullptr;  // when given, used instead of `json`
};

struct ConditionOutcome {
  bool holds = false;
  int count = 0;                 // findings, or distinct values, counted
  std::vector<size_t> evidence;  // indexes into the candidates
  std::string explanation;       // what holds, or what is missing
};

struct Evaluation {
  bool fires = false;
  std::vector<ConditionOutcome> conditions;  // parallel to Rule::conditions
  std::vector<size_t> evidence;              // of the conditions that hold, by observation time
  asff::TimeMs first_observed = 0;
  asff::TimeMs last_observed = 0;
  std::string explanation;  // one line per condition, and the require/ordered verdict
};

// `condition_base`: the number of the rule's first condition in the candidates' `results`.
// Without `explain` the explanations are left empty (they are text for people, and building
// them was a good part of an evaluation that changes nothing).
Evaluation Evaluate(const Rule& rule, std::span<const Candidate> candidates, asff::TimeMs now,
                    std::size_t condition_base = 0, bool explain = true);

// The grouped resource.
struct Group {
  std::string canonical_key;  // also the Resources[0].Id of the correlated finding
  std::string type;           // e.g. AwsEc2Instance
  std::string partition = "aws";
  std::string region;
  std::string account;
};

std::string CorrelatedFindingId(const Rule& rule, const Group& group);
// arn:<partition>:securityhub:<region>:<account>:product/<account>/default
std::string CorrelatedProductArn(const Group& group);

// The digest BuildCorrelatedFinding puts under kDigestField: it changes exactly when an update is
// material (the evidence, the rendered title or description, or the severity changed).
std::string MaterialDigest(const Rule& rule, const Group& group, const Evaluation& evaluation,
                           std::span<const Candidate> candidates);

std::string BuildCorrelatedFinding(const Rule& rule, const Group& group,
                                   const Evaluation& evaluation,
                                   std::span<const Candidate> candidates, asff::TimeMs created_at,
                                   asff::TimeMs now, bool active);

// Renders {resource}, {resource_type}, {rule} and {<condition>.count} in a template. Nothing
// here may depend on the group's region, account or partition: the Correlator computes the
// material digest before it looks those up (Correlator::Locate).
std::string Render(std::string_view text, const Rule& rule, const Group& group,
                   const Evaluation& evaluation);

}  // namespace corroborate::correlate
