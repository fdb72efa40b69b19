// corroborate rules lint: load rule files and report every problem with file:line.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "correlate/rules.h"

namespace corroborate::cli {

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
  lint->callback([paths, exit_code] {
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    const std::vector<std::string> inputs =
        paths->empty() ? std::vector<std::string>{"rules"} : *paths;
    for (const auto& p : inputs) {
      std::error_code ec;
      if (fs::is_directory(p, ec)) {
        for (const auto& e : fs::directory_iterator(p, ec)) {
          const auto ext = e.path().extension();
          if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
            files.push_back(e.path().string());
        }
      } else if (fs::exists(p, ec)) {
        files.push_back(p);
      } else {
        PrintError("no such file or directory: " + p);
        *exit_code = kExitFatal;
        return;
      }
    }
    std::sort(files.begin(), files.end());
    correlate::RuleSet set;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      if (!in) {
        PrintError("cannot read " + f);
        *exit_code = kExitFatal;
        return;
      }
      std::ostringstream text;
      text << in.rdbuf();
      correlate::LoadRules(text.str(), f, set);
    }
    for (const auto& e : set.errors) fmt::print(stderr, "{}\n", e.ToString());
    for (const auto& r : set.rules) {
      fmt::print("{}:{}: {} ({} condition{}, window {} days, {})\n", r.file, r.line, r.id,
                 r.conditions.size(), r.conditions.size() == 1 ? "" : "s",
                 r.window / asff::kMsPerDay, asff::ToString(r.severity));
    }
    fmt::print("{} rule{} valid, {} refused, in {} file{}\n", set.rules.size(),
               set.rules.size() == 1 ? "" : "s", set.errors.size(), files.size(),
               files.size() == 1 ? "" : "s");
    *exit_code = set.errors.empty() ? kExitOk : kExitPartial;
  });
}

}  // namespace corroborate::cli
