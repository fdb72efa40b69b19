// findings, update, stats, retention: the commands that read or change stored findings.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <simdjson.h>

#include "asff/import.h"
#include "asff/json_writer.h"
#include "cli/aws_sink.h"
#include "cli/commands.h"
#include "filter/filter.h"
#include "pipeline/correlation.h"
#include "pipeline/pipeline.h"

namespace corroborate::cli {
namespace {

// "UpdatedAt:desc,SeverityNormalized:asc" -> SortCriteria JSON, or the JSON itself.
Result<std::vector<filter::SortCriterion>> ParseSortOption(const std::string& text) {
  std::string json;
  if (!text.empty() && (text[0] == '[' || text[0] == '@')) {
    auto r = ReadJsonArgument(text, "--sort");
    if (!r.ok()) return r.status();
    json = *r;
  } else {
    json = "[";
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = text.find(',', start);
      if (comma == std::string::npos) comma = text.size();
      const std::string item = text.substr(start, comma - start);
      const size_t colon = item.find(':');
      const std::string field = item.substr(0, colon);
      const std::string order = colon == std::string::npos ? "desc" : item.substr(colon + 1);
      if (json.size() > 1) json += ",";
      json += "{";
      asff::AppendJsonString(json, "Field");
      json += ":";
      asff::AppendJsonString(json, field);
      json += ",\"SortOrder\":";
      asff::AppendJsonString(json, order);
      json += "}";
      start = comma + 1;
    }
    json += "]";
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json).get(root); err != simdjson::SUCCESS) {
    return Status::InvalidInput(std::string("--sort: malformed JSON: ") +
                                simdjson::error_message(err));
  }
  return filter::ParseSortCriteria(root);
}

}  // namespace

void RegisterFindings(CLI::App& app, GlobalOptions& global, int* exit_code) {
  struct Args {
    std::string filters;
    std::string sort;
    std::size_t max = 100;
    std::string output = "table";
    std::string next_token;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "findings",
      "Query stored findings with Security Hub's GetFindings filters.\n"
      "Example: corroborate findings --filters '{\"SeverityLabel\":[{\"Value\":\"CRITICAL\","
      "\"Comparison\":\"EQUALS\"}]}' --sort SeverityNormalized:desc --output json");
  cmd->add_option("--filters", args->filters,
                  "AwsSecurityFindingFilters as JSON, or @file (all 104 filter names)");
  cmd->add_option(
      "--sort", args->sort,
      "Field:asc|desc[,Field:asc|desc...] (filter names), or SortCriteria JSON / @file; "
      "default UpdatedAt:desc");
  cmd->add_option("--max", args->max, "Print at most N findings (0 = all)")->default_val(100);
  cmd->add_option("--output,-o", args->output,
                  "table, json ({\"Findings\": [...]}, as awscli) or ndjson")
      ->default_val("table")
      ->check(CLI::IsMember({"table", "json", "ndjson"}));
  cmd->add_option("--starting-token", args->next_token,
                  "Continue from a NextToken printed by --output json");
  cmd->callback([args, &global, exit_code] {
    filter::FindingFilter filter;
    if (!args->filters.empty()) {
      auto text = ReadJsonArgument(args->filters, "--filters");
      if (!text.ok()) {
        PrintError(text.status().message());
        *exit_code = kExitUsage;
        return;
      }
      auto parsed = filter::FindingFilter::ParseText(*text);
      if (!parsed.ok()) {
        PrintError("--filters: " + parsed.status().message());
        *exit_code = kExitUsage;
        return;
      }
      filter = std::move(parsed).value();
    }
    store::QueryRequest request;
    request.filter = &filter;
    if (!args->sort.empty()) {
      auto sort = ParseSortOption(args->sort);
      if (!sort.ok()) {
        PrintError(sort.status().message());
        *exit_code = kExitUsage;
        return;
      }
      request.sort = std::move(sort).value();
    }
    auto store = OpenStoreOrReport(global, exit_code);
    if (!store) return;
    request.next_token = args->next_token;
    std::size_t printed = 0;
    bool first = true;
    if (args->output == "json") fmt::print("{{\"Findings\":[");
    if (args->output == "table") PrintFindingsTableHeader(stdout);
    std::string next_token;
    const auto now = Now(global);
    while (true) {
      const std::size_t want =
          args->max == 0 ? 100 : std::min<std::size_t>(100, args->max - printed);
      request.max_results = want;
      store::QueryPage page;
      const Status s = store->Query(request, now, &page);
      if (!s.ok()) {
        if (args->output == "json") fmt::print("]}}\n");
        PrintError(s.message());
        *exit_code = s.code() == Status::Code::kInvalidInput ? kExitUsage : kExitFatal;
        return;
      }
      for (const auto& json : page.findings) {
        if (args->output == "json") {
          fmt::print("{}{}", first ? "" : ",", json);
        } else if (args->output == "ndjson") {
          fmt::print("{}\n", json);
        } else {
          PrintFindingsTableRow(stdout, json);
        }
        first = false;
      }
      printed += page.findings.size();
      next_token = page.next_token;
      if (next_token.empty() || (args->max != 0 && printed >= args->max)) break;
      request.next_token = next_token;
    }
    if (args->output == "json") {
      fmt::print("]");
      if (!next_token.empty()) fmt::print(",\"NextToken\":\"{}\"", next_token);
      fmt::print("}}\n");
    } else if (args->output == "table") {
      fmt::print("({} finding{}{})\n", printed, printed == 1 ? "" : "s",
                 next_token.empty()
                     ? ""
                     : "; more match, raise --max or use --output json for a NextToken");
    }
    *exit_code = kExitOk;
  });
}

void RegisterUpdate(CLI::App& app, GlobalOptions& global, int* exit_code) {
  struct Args {
    std::string input_json;
    std::vector<std::string> ids;
    std::string product_arn;
    std::string workflow_status, note_text, note_by, severity_label, verification_state;
    RuleOptions rules;
    AwsOptions aws;  // --sink securityhub (issue 6)
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "update",
      "Change analyst fields of stored findings, with BatchUpdateFindings semantics (UpdatedAt is\n"
      "not changed; provider re-imports keep what you set). Either --cli-input-json with the "
      "API's\n"
      "request body, or --id/--product-arn with the field options.\n"
      "Incidents whose evidence this resolves or suppresses are withdrawn (printed on stderr).\n"
      "Exit status: 0 all processed, 1 some unprocessed (printed), 2 bad request, 3 store error.");
  cmd->add_option("--cli-input-json", args->input_json,
                  "BatchUpdateFindings request body as JSON, or @file");
  cmd->add_option("--id", args->ids, "Finding Id (repeatable)");
  cmd->add_option("--product-arn", args->product_arn, "ProductArn of the findings named by --id");
  cmd->add_option("--workflow-status", args->workflow_status,
                  "NEW, NOTIFIED, RESOLVED or SUPPRESSED");
  cmd->add_option("--note", args->note_text, "Note text (with --note-updated-by)");
  cmd->add_option("--note-updated-by", args->note_by, "Who wrote the note");
  cmd->add_option("--severity-label", args->severity_label,
                  "INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL");
  cmd->add_option("--verification-state", args->verification_state,
                  "UNKNOWN, TRUE_POSITIVE, FALSE_POSITIVE or BENIGN_POSITIVE");
  AddRuleOptions(cmd, args->rules);
  AddAwsOptions(cmd, args->aws, /*sink_flag=*/true);
  cmd->callback([args, &global, exit_code] {
    std::string body;
    if (!args->input_json.empty()) {
      auto text = ReadJsonArgument(args->input_json, "--cli-input-json");
      if (!text.ok()) {
        PrintError(text.status().message());
        *exit_code = kExitUsage;
        return;
      }
      body = *text;
    } else {
      if (args->ids.empty() || args->product_arn.empty()) {
        PrintError("update: give --cli-input-json, or --id and --product-arn");
        *exit_code = kExitUsage;
        return;
      }
      asff::JsonWriter w(body);
      w.BeginObject().Key("FindingIdentifiers").BeginArray();
      for (const auto& id : args->ids) {
        w.BeginObject()
            .Key("Id")
            .String(id)
            .Key("ProductArn")
            .String(args->product_arn)
            .EndObject();
      }
      w.EndArray();
      if (!args->workflow_status.empty()) {
        w.Key("Workflow").BeginObject().Key("Status").String(args->workflow_status).EndObject();
      }
      if (!args->note_text.empty() || !args->note_by.empty()) {
        w.Key("Note")
            .BeginObject()
            .Key("Text")
            .String(args->note_text)
            .Key("UpdatedBy")
            .String(args->note_by.empty() ? "corroborate-cli" : args->note_by)
            .EndObject();
      }
      if (!args->severity_label.empty()) {
        w.Key("Severity").BeginObject().Key("Label").String(args->severity_label).EndObject();
      }
      if (!args->verification_state.empty())
        w.Key("VerificationState").String(args->verification_state);
      w.EndObject();
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto err = parser.parse(body).get(root); err != simdjson::SUCCESS) {
      PrintError(std::string("update: malformed JSON: ") + simdjson::error_message(err));
      *exit_code = kExitUsage;
      return;
    }
    auto update = asff::ParseBatchUpdate(root);
    if (!update.ok()) {
      PrintError("update: " + update.status().message());
      *exit_code = kExitUsage;
      return;
    }
    correlate::RuleSet rules;
    if (!LoadRulesOrReport(args->rules, &rules, exit_code)) return;
    auto opened = OpenStoreOrReport(global, exit_code);
    if (!opened) return;
    // With a sink, the change (and the incidents it withdraws) is queued for Security Hub.
    std::unique_ptr<SecurityHubPusher> pusher;
    std::unique_ptr<sinks::OutboxStore> outbox_store;
    store::FindingStore* store = opened.get();
    if (args->aws.sink == "securityhub") {
      auto created = SecurityHubPusher::Create(*opened, args->aws, /*dry_run=*/false);
      if (!created.ok()) {
        PrintError("--sink securityhub: " + created.status().message());
        *exit_code = kExitFatal;
        return;
      }
      pusher = std::move(created).value();
      outbox_store = std::make_unique<sinks::OutboxStore>(*opened, pusher->outbox());
      store = outbox_store.get();
    }
    store::BatchUpdateResult result;
    const asff::TimeMs now = Now(global);
    Status s = store->BatchUpdate(*update, now, &result);
    if (s.ok() && !rules.rules.empty() && !result.processed.empty()) {
      pipeline::CorrelationStage correlation(
          *store, rules.rules,
          [](const correlate::CorrelatedChange& c) { PrintIncident(stderr, c); });
      s = correlation.Start();
      if (s.ok()) s = correlation.AfterUpdate(result.processed, now);
      if (s.ok()) s = correlation.Drain(now);  // groups reached through relations too
      if (s.ok()) s = correlation.Done();
      if (!s.ok()) s = s.WithContext("correlating");
    }
    if (!s.ok()) {
      PrintError(s.message());
      *exit_code = kExitFatal;
      return;
    }
    std::string out;
    asff::JsonWriter w(out);
    w.BeginObject().Key("ProcessedFindings").BeginArray();
    for (const auto& id : result.processed) {
      w.BeginObject().Key("Id").String(id.id).Key("ProductArn").String(id.product_arn).EndObject();
    }
    w.EndArray().Key("UnprocessedFindings").BeginArray();
    for (const auto& u : result.unprocessed) {
      w.BeginObject().Key("FindingIdentifier").BeginObject().Key("Id").String(u.identifier.id);
      w.Key("ProductArn").String(u.identifier.product_arn).EndObject();
      w.Key("ErrorCode")
          .String(u.error_code)
          .Key("ErrorMessage")
          .String(u.error_message)
          .EndObject();
    }
    w.EndArray().EndObject();
    fmt::print("{}\n", out);
    *exit_code = result.unprocessed.empty() ? kExitOk : kExitPartial;
    if (pusher) {
      sinks::DrainReport pushed;
      const Status pushed_status = pusher->Drain(&pushed);
      PrintDrainReport(stderr, pushed, pusher->endpoint(), false);
      if (!pushed_status.ok()) {
        PrintError("--sink securityhub: " + pushed_status.message() +
                   "; the change is stored and stays in the outbox: `corroborate push` sends it");
      }
      if (!pushed_status.ok() || pushed.dead_lettered > 0) *exit_code = kExitPartial;
    }
  });
}

void RegisterStats(CLI::App& app, GlobalOptions& global, int* exit_code) {
  auto output = std::make_shared<std::string>("table");
  auto* cmd = app.add_subcommand(
      "stats",
      "Count stored findings by product, severity, resource type, record state and workflow.");
  cmd->add_option("--output,-o", *output, "table or json")
      ->default_val("table")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->callback([output, &global, exit_code] {
    auto store = OpenStoreOrReport(global, exit_code);
    if (!store) return;
    store::StoreStats stats;
    const Status s = store->Stats(&stats);
    if (!s.ok()) {
      PrintError(s.message());
      *exit_code = kExitFatal;
      return;
    }
    const std::pair<const char*, const std::map<std::string, std::uint64_t>*> groups[] = {
        {"ProductName", &stats.by_product},
        {"SeverityLabel", &stats.by_severity},
        {"ResourceType", &stats.by_resource_type},
        {"RecordState", &stats.by_record_state},
        {"WorkflowStatus", &stats.by_workflow_status},
    };
    if (*output == "json") {
      std::string out;
      asff::JsonWriter w(out);
      w.BeginObject().Key("Findings").Int(static_cast<std::int64_t>(stats.findings));
      for (const auto& [name, counts] : groups) {
        w.Key(name).BeginObject();
        for (const auto& [k, n] : *counts) w.Key(k).Int(static_cast<std::int64_t>(n));
        w.EndObject();
      }
      w.EndObject();
      fmt::print("{}\n", out);
    } else {
      fmt::print("{} findings\n", stats.findings);
      for (const auto& [name, counts] : groups) {
        fmt::print("\n{}\n", name);
        std::vector<std::pair<std::uint64_t, std::string>> rows;
        for (const auto& [k, n] : *counts) rows.emplace_back(n, k);
        std::sort(rows.rbegin(), rows.rend());
        for (const auto& [n, k] : rows) fmt::print("  {:>9}  {}\n", n, k);
      }
    }
    *exit_code = kExitOk;
  });
}

void RegisterRetention(CLI::App& app, GlobalOptions& global, int* exit_code) {
  auto as_of = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("retention",
                                 "Delete findings past the retention window, as Security Hub does: "
                                 "ACTIVE findings not updated\n"
                                 "for --retention-active-days (default 90), ARCHIVED ones for "
                                 "--retention-archived-days (30);\n"
                                 "and inventory items not seen for --inventory-expiry-days (30), "
                                 "with their relations.");
  cmd->add_option("--as-of", *as_of,
                  "Apply the windows as if it were this time (ISO 8601); default now");
  cmd->callback([as_of, &global, exit_code] {
    asff::TimeMs now = Now(global);
    if (!as_of->empty()) {
      auto t = asff::ParseTimestamp(*as_of);
      if (!t) {
        PrintError("--as-of: not an ISO 8601 timestamp with a zone: " + *as_of);
        *exit_code = kExitUsage;
        return;
      }
      now = *t;
    }
    auto store = OpenStoreOrReport(global, exit_code);
    if (!store) return;
    store::RetentionResult result;
    const Status s = store->ApplyRetention(now, &result);
    if (!s.ok()) {
      PrintError(s.message());
      *exit_code = kExitFatal;
      return;
    }
    fmt::print(
        "deleted {} active and {} archived findings past retention, {} inventory item(s) not "
        "seen within the expiry window\n",
        result.deleted_active, result.deleted_archived, result.deleted_inventory);
    *exit_code = kExitOk;
  });
}

}  // namespace corroborate::cli
