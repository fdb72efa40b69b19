// Security Hub's AwsSecurityFindingFilters: the one predicate language of Corroborate.
//
// Contract:
// - FindingFilter::Parse accepts the JSON object GetFindings takes as `Filters` (all 104 filter
//   names of botocore's model, see field_table.h) and rejects, with Status::InvalidInput naming the
//   filter and the problem, what Security Hub rejects: unknown filter names (suggesting the closest
//   name when one is clearly meant), unknown comparisons, wrong value types, CONTAINS mixed with
//   anything but CONTAINS on one field, NOT_CONTAINS likewise, EQUALS together with NOT_EQUALS or
//   PREFIX_NOT_EQUALS on one field, and (when the limits are on) more than 10 filter names or more
//   than 20 values for one name. It is stricter than the wire format where a mistake would
//   otherwise match silently: unknown members inside a filter object, blank values, a name given
//   twice, a NumberFilter or DateFilter without any bound, and Start/End together with DateRange
//   are rejected too. A JSON null stands for an absent value (REST-JSON), so `null` filters and
//   `"Name": null` impose nothing.
// - Matches evaluates a parsed filter against one finding's JSON with AWS's combination rules:
//   different names AND; for one name, positive comparisons (EQUALS, PREFIX, CONTAINS,
//   CONTAINS_WORD) OR together, negative ones (NOT_EQUALS, PREFIX_NOT_EQUALS, NOT_CONTAINS) AND
//   together, and a finding must pass both groups. On array-valued paths (Types[], Resources[].Id)
//   a positive comparison holds if any element matches and a negative one only if none does; a
//   missing value (or one of the wrong JSON type) fails every positive and passes every negative
//   comparison, and never satisfies a Number, Date, Ip or Boolean filter. String comparisons are
//   case-sensitive; CONTAINS_WORD needs the value not to be glued to a neighbouring letter, digit
//   or `_`. Number filters: the bounds inside one object AND (a range), several objects OR; a
//   number the finding writes as a string ("443") compares numerically. Date filters: Start/End
//   inclusive, or DateRange {Value, Unit DAYS, WITHIN (default) | OLDER_THAN} relative to `now`:
//   WITHIN N holds from now - N days on (later timestamps, e.g. from clock skew, included),
//   OLDER_THAN N strictly before now - N days; several objects OR. Ip filters: the address lies
//   inside the CIDR (a bare address is /32 or /128); IPv4 is compared as IPv4-mapped IPv6, so
//   either family may appear in the filter or the finding. Map filters select the entry by Key.
// - Keyword (KeywordFilter, no ASFF field behind it) matches when its Value occurs as a whole word
//   (CONTAINS_WORD rules, case-sensitive) in Title, Description or any Types[] entry; several
//   Keyword values OR together.
// - The evaluator is pure: no I/O, no clock (the caller passes `now`), thread-safe for concurrent
//   Matches calls on one FindingFilter, and Matches does not allocate. A caller testing one
//   finding against many filters (correlation conditions, automation rules) passes a FindingView,
//   which finds each top-level member once however many filters read it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <simdjson.h>

#include "asff/timestamp.h"
#include "common/status.h"

namespace corroborate::filter {

struct ParseOptions {
  // GetFindings' limits: 10 filter names per request, 20 values per name. Automation rules and
  // correlation rules raise them, or lift them with std::numeric_limits<size_t>::max().
  size_t max_fields = 10;
  size_t max_values_per_field = 20;
};

// One finding as Matches reads it: the top-level members filters ask for (Compliance, Severity,
// ProductName, Resources, ...) are each looked up once, on first use, instead of by every
// condition that reads them (a linear search of the finding's 20-40 members each time). Cheap
// to make (no allocation); not for concurrent use; must not outlive the document of `finding`.
class FindingView {
 public:
  explicit FindingView(simdjson::dom::element finding) : finding_(finding) {}
  [[nodiscard]] simdjson::dom::element element() const { return finding_; }

 private:
  friend struct FindingViewAccess;             // filter.cc
  static constexpr std::size_t kMembers = 48;  // distinct top-level members of filter paths
  simdjson::dom::element finding_;
  mutable std::uint64_t looked_up_ = 0;  // per member slot: looked up already
  mutable std::uint64_t found_ = 0;      // per member slot: present
  mutable std::array<simdjson::dom::element, kMembers> members_;
};

class FindingFilter {
 public:
  FindingFilter();
  ~FindingFilter();
  FindingFilter(FindingFilter&&) noexcept;
  FindingFilter& operator=(FindingFilter&&) noexcept;
  FindingFilter(const FindingFilter&);
  FindingFilter& operator=(const FindingFilter&);

  static Result<FindingFilter> Parse(simdjson::dom::element filters,
                                     const ParseOptions& options = {});
  static Result<FindingFilter> ParseText(std::string_view json, const ParseOptions& options = {});

  // True when the finding passes every condition. An empty filter matches everything.
  [[nodiscard]] bool Matches(const FindingView& finding, asff::TimeMs now) const;
  [[nodiscard]] bool Matches(simdjson::dom::element finding, asff::TimeMs now) const {
    return Matches(FindingView(finding), now);
  }

  [[nodiscard]] bool empty() const;

  // For query planning: when every finding that can match must have one of a known set of exact
  // values under `filter_name` (the name has only EQUALS among its positive comparisons, as
  // StringFilters), returns those values; otherwise nullopt. The full filter must still be applied.
  [[nodiscard]] std::optional<std::vector<std::string>> ExactValues(
      std::string_view filter_name) const;

  // Filter names used, in the order given.
  [[nodiscard]] std::vector<std::string> FieldNames() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SortCriteria: [{"Field": <filter name>, "SortOrder": "asc"|"desc"}]. Field must be a filter
// name with a value to sort by (not a MapFilter or the Keyword name). SortOrder is case-sensitive
// and defaults to desc: AWS documents no default, and newest/most severe first is what a findings
// list wants. null stands for no criteria.
struct SortCriterion {
  std::string field;  // a filter name, e.g. "UpdatedAt", "SeverityNormalized", "Title"
  bool ascending = false;
};
Result<std::vector<SortCriterion>> ParseSortCriteria(simdjson::dom::element criteria);

// The value a finding sorts by for one filter name: the first readable value found under its path
// (numbers as double, dates as ms since the epoch, booleans as "false"/"true", everything else as
// string), or monostate when the finding has none or the name has no sortable value. Findings
// without a value sort after all findings with one.
using SortValue = std::variant<std::monostate, double, std::string>;
SortValue SortValueOf(simdjson::dom::element finding, std::string_view filter_name);

// Orders two sort values (<0, 0, >0); monostate (missing) is greatest. A descending sort should
// negate the result only when both values are present, so that missing values stay last.
int CompareSortValues(const SortValue& a, const SortValue& b);

}  // namespace corroborate::filter
