// Security Hub's AwsSecurityFindingFilters: the one predicate language of Corroborate.
//
// Contract:
// - FindingFilter::Parse accepts the JSON object GetFindings takes as `Filters` (all 104 filter
//   names of botocore's model, see field_table.h) and rejects, with Status::InvalidInput naming the
//   filter and the problem, what Security Hub rejects: unknown filter names, unknown comparisons,
//   wrong value types, CONTAINS mixed with anything but CONTAINS on one field, NOT_CONTAINS likewise,
//   EQUALS together with NOT_EQUALS or PREFIX_NOT_EQUALS on one field, and (when the limits are on)
//   more than 10 filter names or more than 20 values for one name.
// - Matches evaluates a parsed filter against one finding's JSON with AWS's combination rules:
//   different names AND; for one name, positive comparisons (EQUALS, PREFIX, CONTAINS,
//   CONTAINS_WORD) OR together, negative ones (NOT_EQUALS, PREFIX_NOT_EQUALS, NOT_CONTAINS) AND
//   together, and a finding must pass both groups. On array-valued paths (Types[], Resources[].Id)
//   a positive comparison holds if any element matches and a negative one only if none does; a
//   missing value fails every positive and passes every negative comparison. String comparisons are
//   case-sensitive. Number filters: the bounds inside one object AND (a range), several objects OR.
//   Date filters: Start/End inclusive, or DateRange {Value, Unit DAYS, WITHIN|OLDER_THAN} relative
//   to `now`. Ip filters: the address lies inside the CIDR. Map filters select the entry by Key.
// - The evaluator is pure: no I/O, no clock (the caller passes `now`), thread-safe for concurrent
//   Matches calls on one FindingFilter.
#pragma once

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
  // correlation rules raise or lift them.
  size_t max_fields = 10;
  size_t max_values_per_field = 20;
};

class FindingFilter {
 public:
  FindingFilter();
  ~FindingFilter();
  FindingFilter(FindingFilter&&) noexcept;
  FindingFilter& operator=(FindingFilter&&) noexcept;
  FindingFilter(const FindingFilter&);
  FindingFilter& operator=(const FindingFilter&);

  static Result<FindingFilter> Parse(simdjson::dom::element filters, const ParseOptions& options = {});
  static Result<FindingFilter> ParseText(std::string_view json, const ParseOptions& options = {});

  // True when the finding passes every condition. An empty filter matches everything.
  [[nodiscard]] bool Matches(simdjson::dom::element finding, asff::TimeMs now) const;

  [[nodiscard]] bool empty() const;

  // For query planning: when every finding that can match must have one of a known set of exact
  // values under `filter_name` (the name has only EQUALS among its positive comparisons, as
  // StringFilters), returns those values; otherwise nullopt. The full filter must still be applied.
  [[nodiscard]] std::optional<std::vector<std::string>> ExactValues(std::string_view filter_name) const;

  // Filter names used, in the order given.
  [[nodiscard]] std::vector<std::string> FieldNames() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SortCriteria: [{"Field": <filter name>, "SortOrder": "asc"|"desc"}].
struct SortCriterion {
  std::string field;  // a filter name, e.g. "UpdatedAt", "SeverityNormalized", "Title"
  bool ascending = false;
};
Result<std::vector<SortCriterion>> ParseSortCriteria(simdjson::dom::element criteria);

// The value a finding sorts by for one filter name: the first value found under its path
// (numbers as double, dates as ms since the epoch, everything else as string), or monostate when
// the finding has none. Findings without a value sort after all findings with one.
using SortValue = std::variant<std::monostate, double, std::string>;
SortValue SortValueOf(simdjson::dom::element finding, std::string_view filter_name);

// Orders two sort values; monostate (missing) is greatest.
int CompareSortValues(const SortValue& a, const SortValue& b);

}  // namespace corroborate::filter
