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
namespace {

// The canonical key of the resource the user named: an ARN as given (canonicalized), or an id
// such as i-0abc… or a bucket name, looked up among the stored findings' resources (as given, or
// as the last part of an ARN).
Result<std::string> ResolveResource(store::FindingStore& store, const std::string& given,
                                    asff::TimeMs now) {
  std::vector<store::StoredFinding> found;
  if (Status s = store.FindingsForResource(given, &found); !s.ok()) return s;
  if (!found.empty()) return given;
  std::string filter_json;
  asff::JsonWriter w(filter_json);
  w.BeginObject().Key("ResourceId").BeginArray();
  w.BeginObject().Key("Value").String(given).Key("Comparison").String("CONTAINS").EndObject();
  w.EndArray().EndObject();
  auto filter = filter::FindingFilter::ParseText(filter_json);
  if (!filter.ok()) return filter.status();
  std::set<std::string> keys;
  store::QueryRequest request;
  request.filter = &*filter;
  do {
    store::QueryPage page;
    if (Status s = store.Query(request, now, &page); !s.ok()) return s;
    for (const auto& json : page.findings) {
      asff::Finding f;
      if (!asff::DecodeFindingText(json, f).ok()) continue;
      for (const auto& r : f.resources) {
        const std::string_view id = r.id;
        if (id == given || id.ends_with("/" + given) || id.ends_with(":" + given)) {
          keys.insert(r.canonical_key);
        }
      }
    }
    request.next_token = page.next_token;
  } while (!request.next_token.empty() && keys.size() < 2);
  if (keys.empty()) return Status::NotFound("no stored finding names the resource " + given);
  if (keys.size() > 1) {
    std::string list;
    for (const auto& k : keys) list += "\n  " + k;
    return Status::InvalidInput("several resources match " + given + "; give one of:" + list);
  }
  return *keys.begin();
}

std::string ProductOf(const asff::FindingIdentifier& id) {
  const auto slash = id.product_arn.rfind('/');
  return slash == std::string::npos ? id.product_arn : id.product_arn.substr(slash + 1);
}

}  // namespace

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
    for (const auto& e : explanations) {
      const auto& rule = *e.rule;
      fmt::print("{}rule {} on {} {}: {}\n", &e == &explanations.front() ? "" : "\n", rule.id,
                 e.group.type, e.group.canonical_key,
                 e.evaluation.fires ? "FIRES" : "does not fire");
      if (e.stored) {
        fmt::print("  incident {} ({}, workflow {})\n", e.stored->id,
                   asff::ToString(e.stored->record_state),
                   asff::ToString(e.stored->workflow_status));
      }
      for (size_t k = 0; k < rule.conditions.size(); ++k) {
        const auto& outcome = e.evaluation.conditions[k];
        fmt::print("  [{}] {}\n", outcome.holds ? "x" : " ", outcome.explanation);
        for (const auto& item : e.condition_evidence[k]) {
          fmt::print("      - {} {}: {}\n        {}\n", ProductOf(item.id),
                     asff::ToString(item.severity), item.title, item.id.id);
        }
      }
      // The last line of the evaluator's explanation is the verdict on require/ordered.
      const std::string& text = e.evaluation.explanation;
      const auto last = text.rfind('\n', text.size() - 2);
      fmt::print("  {}\n", last == std::string::npos ? text : text.substr(last + 1));
    }
    *exit_code = kExitOk;
  });
}

}  // namespace corroborate::cli
