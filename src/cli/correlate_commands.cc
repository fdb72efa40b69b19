// corroborate correlate (run the rules over everything stored) and corroborate explain (why a
// rule does or does not fire on one resource).
#include <cstdio>
#include <set>

#include <fmt/format.h>

#include "asff/json_writer.h"
#include "cli/commands.h"
#include "filter/filter.h"
#include "pipeline/correlation.h"
#include "pipeline/pipeline.h"

namespace corroborate::cli {

void RegisterCorrelate(CLI::App& app, GlobalOptions& global, int* exit_code) {
  struct Args {
    RuleOptions rules;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "correlate",
      "Run every rule over every stored finding: for backfill after loading history, and to try\n"
      "a new rule on what is stored. Incidents are created, updated or withdrawn exactly as\n"
      "during ingest, and printed.\n"
      "Exit status: 0 done, 1 done but a rule was refused, 3 store or file error.");
  AddRuleOptions(cmd, args->rules);
  cmd->add_flag("-q,--quiet", args->quiet, "Print only the summary");
  cmd->callback([args, &global, exit_code] {
    correlate::RuleSet rules;
    if (!LoadRulesOrReport(args->rules, &rules, exit_code)) return;
    auto store = OpenStoreOrReport(global, exit_code);
    if (!store) return;
    std::vector<correlate::CorrelatedChange> incidents;
    pipeline::CorrelationStage stage(
        *store, rules.rules, [&](const correlate::CorrelatedChange& c) { incidents.push_back(c); });
    Status s = stage.Start();
    if (s.ok()) s = stage.RunAll(Now(global));
    if (!s.ok()) {
      PrintError(s.message());
      *exit_code = kExitFatal;
      return;
    }
    const auto r = stage.report();
    fmt::print(
        "correlated {} resource group(s) with {} rule(s): {} incident(s) created, {} "
        "updated, {} withdrawn\n",
        r.groups_evaluated, rules.rules.size(), r.created, r.updated, r.archived);
    if (!args->quiet) {
      for (const auto& c : incidents) {
        fmt::print("\n");
        PrintIncident(stdout, c);
      }
    }
    *exit_code = rules.errors.empty() ? kExitOk : kExitPartial;
  });
}

void RegisterExplain(CLI::App& app, GlobalOptions& global, int* exit_code) {
  struct Args {
    RuleOptions rules;
    std::string resource;
    std::string rule;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "explain",
      "Show, for one resource, each rule's conditions: which hold and with which findings, and\n"
      "what is missing. Nothing is changed.\n"
      "Example: corroborate explain --resource arn:aws:s3:::acme-payroll-exports\n"
      "Exit status: 0 explained, 1 no stored finding names the resource or no such rule,\n"
      "2 usage error, 3 store or file error.");
  cmd->add_option("--resource", args->resource,
                  "The resource: its ARN, or an id (i-0abc…, a bucket name) as findings name it")
      ->required();
  cmd->add_option("--rule", args->rule, "Only this rule id");
  AddRuleOptions(cmd, args->rules);
  cmd->callback([args, &global, exit_code] {
    correlate::RuleSet rules;
    if (!LoadRulesOrReport(args->rules, &rules, exit_code)) return;
    auto store = OpenStoreOrReport(global, exit_code);
    if (!store) return;
    auto key = ResolveResource(*store, args->resource, Now(global));
    if (!key.ok()) {
      PrintError(key.status().message());
      *exit_code = key.status().code() == Status::Code::kIOError ? kExitFatal : kExitPartial;
      return;
    }
    pipeline::StoreEvidence evidence(*store);
    correlate::Correlator correlator(rules.rules, evidence);
    std::vector<correlate::RuleExplanation> explanations;
    const Status s = correlator.Explain(*key, args->rule, Now(global), &explanations);
    if (!s.ok()) {
      PrintError(s.message());
      *exit_code = s.code() == Status::Code::kInvalidInput || s.code() == Status::Code::kNotFound
                       ? kExitPartial
                       : kExitFatal;
      return;
    }
    PrintExplanations(stdout, explanations);
    *exit_code = kExitOk;
  });
}

}  // namespace corroborate::cli
