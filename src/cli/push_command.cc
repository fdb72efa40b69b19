// `corroborate push`: sends the store's outbox to AWS Security Hub (docs/aws.md), or queues the
// stored findings matching --filters and sends them.
#include <simdjson.h>

#include <cstdio>
#include <memory>

#include "cli/aws_sink.h"
#include "cli/commands.h"
#include "filter/filter.h"

namespace corroborate::cli {
namespace {

// Queues every stored finding matching `filter` (a page at a time, durably) and returns how many.
Status QueueMatching(store::FindingStore& store, const filter::FindingFilter& filter,
                     asff::TimeMs now, sinks::Outbox* outbox, bool dry_run, std::uint64_t* queued) {
  *queued = 0;
  store::QueryRequest request;
  request.filter = &filter;
  request.max_results = 100;
  simdjson::dom::parser parser;
  for (;;) {
    store::QueryPage page;
    if (Status s = store.Query(request, now, &page); !s.ok()) return s;
    std::vector<asff::FindingIdentifier> ids;
    for (const auto& json : page.findings) {
      simdjson::dom::element doc;
      std::string_view product_arn;
      std::string_view id;
      if (parser.parse(json).get(doc) != simdjson::SUCCESS ||
          doc["ProductArn"].get_string().get(product_arn) != simdjson::SUCCESS ||
          doc["Id"].get_string().get(id) != simdjson::SUCCESS) {
        return Status::Corruption("a stored finding has no ProductArn or Id");
      }
      ids.push_back({std::string(product_arn), std::string(id)});
    }
    *queued += ids.size();
    if (!dry_run) {
      if (Status s = outbox->EnqueueImports(ids); !s.ok()) return s;
    }
    if (page.next_token.empty()) return Status::Ok();
    request.next_token = page.next_token;
  }
}

}  // namespace

void RegisterPush(CLI::App& app, GlobalOptions& global, int* exit_code) {
  struct Args {
    AwsOptions aws;
    std::string filters;
    bool dry_run = false;
    bool dead_letters = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "push",
      "Send findings to AWS Security Hub (or a compatible endpoint) with BatchImportFindings,\n"
      "and workflow changes with BatchUpdateFindings.\n"
      "Without --filters it drains the outbox: what `ingest --sink securityhub`, `update --sink\n"
      "securityhub` and `serve --sink securityhub` queued and could not send yet (AWS\n"
      "throttled, was down, or the credentials were wrong). With --filters it first queues the\n"
      "stored findings matching them (Security Hub's AwsSecurityFindingFilters), then drains.\n"
      "Findings go in batches of at most 100 and under 6 MB; throttling, 5xx and connection\n"
      "errors are retried with backoff; a finding leaves the outbox only once AWS accepted it, or\n"
      "refused it for good (then it is kept as a dead letter with AWS's error: --dead-letters).\n"
      "Credentials and region come from the AWS chain: environment, web identity, shared\n"
      "files (--profile), container endpoint, IMDSv2 (docs/aws.md).\n"
      "Exit status: 0 all sent, 1 some refused (dead letters), 2 usage error, 3 could not send\n"
      "(what is left stays in the outbox; run push again).");
  AddAwsOptions(cmd, args->aws, /*sink_flag=*/false);
  cmd->add_option("--filters", args->filters,
                  "Queue the stored findings matching these AwsSecurityFindingFilters (JSON or "
                  "@file), then push");
  cmd->add_flag("--dry-run", args->dry_run,
                "Say what would be sent (findings, requests, endpoint); send and queue nothing, "
                "need no credentials");
  cmd->add_flag("--dead-letters", args->dead_letters,
                "List the findings AWS refused (kept with its error) and exit");
  cmd->callback([args, &global, exit_code] {
    std::optional<filter::FindingFilter> filter;
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
    auto store = OpenStoreOrReport(global, exit_code);
    if (!store) return;
    if (args->dead_letters) {
      sinks::Outbox outbox(*store);
      std::vector<sinks::DeadLetter> dead;
      if (Status s = outbox.ReadDeadLetters(100000, &dead); !s.ok()) {
        PrintError(s.message());
        *exit_code = kExitFatal;
        return;
      }
      for (const auto& d : dead) {
        std::fprintf(stdout, "%s\t%s\t%s\t%s\t%s: %s\n", d.at.c_str(), d.operation.c_str(),
                     d.finding.product_arn.c_str(), d.finding.id.c_str(), d.error_code.c_str(),
                     d.error_message.c_str());
      }
      std::fprintf(stderr, "%zu dead letter(s)\n", dead.size());
      *exit_code = kExitOk;
      return;
    }
    auto pusher = SecurityHubPusher::Create(*store, args->aws, args->dry_run);
    if (!pusher.ok()) {
      PrintError("push: " + pusher.status().message());
      *exit_code = kExitFatal;
      return;
    }
    std::uint64_t matched = 0;
    if (filter) {
      if (Status s = QueueMatching(*store, *filter, Now(global), &(*pusher)->outbox(),
                                   args->dry_run, &matched);
          !s.ok()) {
        PrintError("push: " + s.message());
        *exit_code = kExitFatal;
        return;
      }
      std::fprintf(stdout, "%s %llu stored finding(s) matching --filters\n",
                   args->dry_run ? "would queue" : "queued",
                   static_cast<unsigned long long>(matched));
    }
    sinks::DrainReport report;
    const Status s = (*pusher)->Drain(&report);
    PrintDrainReport(stdout, report, (*pusher)->endpoint(), args->dry_run);
    if (!s.ok()) {
      PrintError("push: " + s.message());
      *exit_code = kExitFatal;
      return;
    }
    *exit_code = report.dead_lettered > 0 ? kExitPartial : kExitOk;
  });
}

}  // namespace corroborate::cli
