// corroborate rules lint: load rule files and report every problem with file:line.
// corroborate rules test: run rule test files (fixtures that must fire, near misses that must not).
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "correlate/rule_tests.h"
#include "correlate/rules.h"

namespace corroborate::cli {
namespace {

// The text of `path`; on failure prints why, sets *exit_code to kExitFatal and returns false.
bool ReadTextFile(const std::string& path, std::string* text, int* exit_code) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  if (in) contents << in.rdbuf();
  if (!in) {
    PrintError("cannot read " + path);
    *exit_code = kExitFatal;
    return false;
  }
  *text = contents.str();
  return true;
}

// The *.yaml and *.yml files named by `paths` (directories expanded); on failure prints why, sets
// *exit_code to kExitFatal and returns false.
bool ListYamlFiles(const std::vector<std::string>& paths, std::vector<std::string>* files,
                   int* exit_code) {
  auto listed = ListRuleFiles(paths);
  if (!listed.ok()) {
    PrintError(listed.status().message());
    *exit_code = kExitFatal;
    return false;
  }
  *files = std::move(listed).value();
  return true;
}

void Lint(const std::vector<std::string>& paths, int* exit_code) {
  std::vector<std::string> files;
  if (!ListYamlFiles(paths.empty() ? std::vector<std::string>{"rules"} : paths, &files,
                     exit_code)) {
    return;
  }
  correlate::RuleSet set;
  for (const auto& f : files) {
    std::string text;
    if (!ReadTextFile(f, &text, exit_code)) return;
    correlate::LoadRules(text, f, set);
  }
  for (const auto& e : set.errors) fmt::print(stderr, "{}\n", e.ToString());
  for (const auto& r : set.rules) {
    fmt::print("{}:{}: {} ({} condition{}, window {} days, {})\n", r.file, r.line, r.id,
               r.conditions.size(), r.conditions.size() == 1 ? "" : "s", r.window / asff::kMsPerDay,
               asff::ToString(r.severity));
  }
  fmt::print("{} rule{} valid, {} refused, in {} file{}\n", set.rules.size(),
             set.rules.size() == 1 ? "" : "s", set.errors.size(), files.size(),
             files.size() == 1 ? "" : "s");
  *exit_code = set.errors.empty() ? kExitOk : kExitPartial;
}

struct TestArgs {
  std::vector<std::string> paths;
  RuleOptions rules;
  bool explain = false;
};

void PrintIndented(std::string_view text, std::string_view indent) {
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    fmt::print("{}{}\n", indent, text.substr(0, eol));
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
}

void Test(const TestArgs& args, int* exit_code) {
  correlate::RuleSet rules;
  if (!LoadRulesOrReport(args.rules, &rules, exit_code)) return;
  std::vector<std::string> files;
  if (!ListYamlFiles(args.paths.empty() ? std::vector<std::string>{"rules/tests"} : args.paths,
                     &files, exit_code)) {
    return;
  }
  if (files.empty()) {
    PrintError("no rule test files (*.yaml, *.yml) found");
    *exit_code = kExitUsage;
    return;
  }
  std::vector<correlate::RuleError> errors;
  size_t passed = 0, failed = 0;
  for (const auto& f : files) {
    std::string text;
    if (!ReadTextFile(f, &text, exit_code)) return;
    const correlate::RuleTestFile tests = correlate::LoadRuleTests(text, f, rules.rules, errors);
    for (const correlate::RuleTestResult& r : correlate::RunRuleTests(tests, rules.rules)) {
      fmt::print("{} {}: {}\n", r.passed ? "PASS" : "FAIL", r.rule_id, r.name);
      if (!r.passed) {
        fmt::print("  at {}:{}\n", r.file, r.line);
        for (const auto& why : r.failures) fmt::print("  {}\n", why);
      }
      if (!r.passed || args.explain) PrintIndented(r.explanation, "    | ");
      ++(r.passed ? passed : failed);
    }
  }
  for (const auto& e : errors) fmt::print(stderr, "{}\n", e.ToString());
  fmt::print("{} passed, {} failed, {} error{} in {} file{}\n", passed, failed, errors.size(),
             errors.size() == 1 ? "" : "s", files.size(), files.size() == 1 ? "" : "s");
  if (!errors.empty()) {
    *exit_code = kExitFatal;
  } else {
    *exit_code = failed == 0 ? kExitOk : kExitPartial;
  }
}

}  // namespace

void RegisterRules(CLI::App& app, GlobalOptions& /*global*/, int* exit_code) {
  auto* rules =
      app.add_subcommand("rules", "Work with correlation rules (YAML; see docs/rules.md).");
  rules->require_subcommand(1);
  auto paths = std::make_shared<std::vector<std::string>>();
  auto* lint = rules->add_subcommand(
      "lint",
      "Load rule files (or every *.yaml in directories) and report each problem as file:line.\n"
      "Exit status: 0 all rules valid, 1 some rules refused, 3 a file could not be read.");
  lint->add_option("paths", *paths, "Rule files or directories (default: rules/)");
  lint->callback([paths, exit_code] { Lint(*paths, exit_code); });

  auto args = std::make_shared<TestArgs>();
  auto* test = rules->add_subcommand(
      "test",
      "Run rule test files: for each case, load its fixture findings, evaluate the rule it tests "
      "on\n"
      "the case's resource and check the rule fires (expect: fire) or does not (expect: no-fire),\n"
      "and that the incident it raises is valid ASFF naming the grouped resource. Prints PASS or\n"
      "FAIL per case, and for a failure why and the rule's explanation (what held, with which\n"
      "evidence, and what was missing). The rules are the built-in ones plus any --rules. The\n"
      "test file format is in docs/rules.md, \"Testing rules\".\n"
      "Exit status: 0 every case passed, 1 some failed, 2 usage, 3 a file could not be read or\n"
      "a test file has errors (reported as file:line).");
  test->add_option("paths", args->paths,
                   "Rule test files or directories of *.yaml tests (default: rules/tests/)");
  AddRuleOptions(test, args->rules);
  test->add_flag("--explain", args->explain, "Print the explanation of passing cases too");
  test->callback([args, exit_code] { Test(*args, exit_code); });
}

}  // namespace corroborate::cli
