// Correlation rules: the declarative language of docs/rules.md, parsed and validated.
//
// Contract:
// - LoadRules parses YAML text (one rule per document, or a list of rules, or `rules: [...]`)
//   into Rules, and reports every problem as a RuleError naming the file, the line and what is
//   wrong: YAML syntax, unknown keys, unknown filter fields or comparisons (the filter is compiled
//   with the one filter evaluator, filter::FindingFilter), impossible thresholds, a `require`
//   expression naming an undefined condition or not parsing, durations that do not parse, duplicate
//   rule ids. A rule with an error is left out; the other rules of the text still load.
// - A condition's filter is Security Hub's AwsSecurityFindingFilters, in its own JSON/YAML form or
//   in a compact shorthand: `Field: value` (EQUALS; a number field: Eq), `Field: [v1, v2]` (any
//   of), `Field: {prefix: v}` (any comparison in lower case: equals, prefix, not_equals,
//   prefix_not_equals, contains, not_contains, contains_word), `MapField: {key: value}`.
// - Nothing here does I/O: the caller reads the files and passes their text and name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asff/finding.h"
#include "asff/timestamp.h"
#include "filter/filter.h"

namespace corroborate::correlate {

inline constexpr asff::TimeMs kDefaultWindow = 30 * asff::kMsPerDay;

struct Condition {
  std::string name;
  filter::FindingFilter filter;
  std::string filter_json;             // the AwsSecurityFindingFilters it compiled to
  int at_least = 1;                    // how many findings (or distinct values) must match
  std::string distinct;                // ASFF path whose distinct values are counted, e.g.
                                       // "Vulnerabilities[].Id"; empty: count findings
  std::optional<asff::TimeMs> within;  // the counted findings all fall within this span
  std::string related_type;            // match findings on a related resource of this type instead
                                       // of the grouped resource (e.g. AwsEc2SecurityGroup)
  // The ProductNames the filter allows, when it allows only some (FindingFilter::ExactValues).
  std::optional<std::vector<std::string>> product_names;
  int line = 0;
};

// The `require` expression: conditions combined with and, or, not and parentheses.
struct Expr {
  enum class Kind : std::uint8_t { kCondition, kAnd, kOr, kNot };
  Kind kind = Kind::kCondition;
  size_t condition = 0;  // index into Rule::conditions, for kCondition
  std::vector<Expr> operands;
};

struct Rule {
  std::string id;
  std::string title;        // template: {resource}, {resource_type}, {rule}, {<condition>.count}
  std::string description;  // template, as title
  asff::SeverityLabel severity = asff::SeverityLabel::kCritical;
  std::string remediation_text;
  std::string remediation_url;
  std::vector<std::string> types;
  asff::TimeMs window = kDefaultWindow;
  std::string resource_type;  // group only resources of this ASFF type; empty: any
  std::vector<Condition> conditions;
  Expr require;                                    // default: every condition
  std::vector<std::pair<size_t, size_t>> ordered;  // (a, b): a's evidence starts before b's
  bool include_correlated = false;                 // let correlated findings count as evidence
  bool include_inactive = false;  // count ARCHIVED, RESOLVED and SUPPRESSED findings too
  std::string file;
  int line = 0;
};

struct RuleError {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string message;
  [[nodiscard]] std::string ToString() const;
};

struct RuleSet {
  std::vector<Rule> rules;
  std::vector<RuleError> errors;
};

// Adds the rules of `yaml_text` to `into` (see the contract above).
void LoadRules(std::string_view yaml_text, std::string_view file_name, RuleSet& into);

// "30d", "12h", "90m", "45s" -> milliseconds.
std::optional<asff::TimeMs> ParseDuration(std::string_view text);

// Parses a require expression over the named conditions.
Result<Expr> ParseRequire(std::string_view text, const std::vector<Condition>& conditions);

// Evaluates a require expression given which conditions hold.
bool Evaluate(const Expr& expr, const std::vector<bool>& holds);

// The rule's require expression as text ("a and (b or not c)").
std::string RequireText(const Rule& rule);
// The rule as YAML that LoadRules reads back to the same rule (filters in their compiled JSON
// form; the dashboard offers it as a copy to edit).
std::string RuleToYaml(const Rule& rule);

}  // namespace corroborate::correlate
