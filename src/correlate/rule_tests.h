// Rule tests: fixture findings a rule must fire on, and near misses it must not fire on.
//
// Contract:
// - LoadRuleTests parses one rule test file (YAML; the format is in docs/rules.md, "Testing
//   rules"): the rule it tests, an optional evaluation time, an optional base set of findings, and
//   cases. A case starts from the base set (or its own `findings`), drops findings by Id
//   (`without`), shallow-merges top-level keys into findings (`patch`, a null value removes the
//   key) and adds findings (`with`, replacing one of the same ProductArn and Id), so a near miss is
//   a small edit of the firing set.
// - Findings are written as YAML (or JSON) maps and converted to JSON: quoted, block and tagged
//   scalars are strings; a plain scalar is a JSON number when it has JSON's number syntax, true or
//   false when it is exactly that, and a string otherwise; `null`, `~` and empty values are null.
//   So account ids and other digit strings must be quoted, as in JSON. Every finding, as written
//   and after each patch, must pass asff::DecodeFindingText.
// - Every problem in the file (YAML syntax, unknown keys, an unknown rule id, a case without a
//   resource, a bad expect value, an invalid finding, a patch or `without` naming no finding ...)
//   is a RuleError naming the file, the line and what is wrong. A problem outside the cases
//   refuses the whole file; a problem in a case leaves out that case only.
// - RunRuleTestCase puts the case's findings into a MemoryEvidence, asks Correlator::Explain
//   whether the rule fires on the case's resource at the evaluation time, and checks: the verdict
//   against `expect`; `explain_contains`; that importing the findings (Correlator Touch and Run)
//   emits the incident exactly when Explain says the rule fires; with `expect: fire`, that the
//   correlated finding passes asff::DecodeFindingText and names the grouped resource with its real
//   type (and `expect_resource_type`, when given); with `archives: true`, that the incident the
//   starting findings raise is archived once the case's edits are imported (and a Sweep has run).
//   The result carries the rule's explanation (what held, with which evidence, and what was
//   missing) so a failure shows why.
// - Nothing here does I/O: callers pass the file's text and name.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asff/finding.h"
#include "asff/timestamp.h"
#include "correlate/rules.h"

namespace corroborate::correlate {

struct RuleTestCase {
  std::string name;
  int line = 0;
  std::string resource;  // canonical key, or a resource Id one of the case's findings uses
  bool expect_fire = false;
  std::string expect_resource_type;           // with expect_fire: Resources[0].Type to check
  std::vector<std::string> explain_contains;  // lines the explanation must contain
  bool archives = false;                      // the edits archive the starting set's incident
  std::optional<asff::TimeMs> now;
  std::vector<asff::Finding> start;     // the set the case starts from (base or its own), decoded
  std::vector<asff::Finding> findings;  // `start` after without, patch and with, decoded
};

struct RuleTestFile {
  std::string file;
  int line = 0;
  std::string rule_id;
  std::optional<asff::TimeMs> now;  // default: one second after the latest finding of each case
  std::vector<RuleTestCase> cases;  // the cases that parsed
};

// Parses a rule test file for `rules` (which must hold the rule it names). Problems are appended
// to `errors`; see the contract above.
RuleTestFile LoadRuleTests(std::string_view yaml_text, std::string_view file_name,
                           const std::vector<Rule>& rules, std::vector<RuleError>& errors);

struct RuleTestResult {
  std::string file;
  int line = 0;  // of the case
  std::string rule_id;
  std::string name;
  bool passed = false;
  std::vector<std::string> failures;  // why it failed, one sentence each
  std::string explanation;  // the rule on the resource: each condition, its evidence, the verdict
};

RuleTestResult RunRuleTestCase(const RuleTestFile& tests, const RuleTestCase& test_case,
                               const std::vector<Rule>& rules);
std::vector<RuleTestResult> RunRuleTests(const RuleTestFile& tests, const std::vector<Rule>& rules);

}  // namespace corroborate::correlate
