// corroborate iot import-audit / import-detect: AWS IoT Device Defender messages from files or
// stdin, through the IotImporter (pipeline/iot_import.h), correlated like ingest.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>

#include <fmt/format.h>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "aws/iot_client.h"
#include "cli/aws_sink.h"
#include "cli/commands.h"
#include "pipeline/correlation.h"
#include "pipeline/iot_import.h"
#include "pipeline/iot_pull.h"
#include "sources/sources.h"

namespace corroborate::cli {
namespace {

struct IotArgs {
  std::vector<std::string> paths;
  bool recursive = false;
  bool quiet = false;
  std::size_t batch_size = 1000;
  std::size_t max_errors_shown = 100;
  std::string account;
  std::string region;
  std::string partition = "aws";
  std::string inventory;
  std::string severity_config;
  bool client_ids_are_not_thing_names = false;
  RuleOptions rules;
};

// Parses a JSON|@FILE option; on failure prints why and sets *exit_code (usage: nothing done).
bool ParseJsonOption(const std::string& text, const std::string& option,
                     simdjson::dom::parser& parser, simdjson::dom::element* out, int* exit_code) {
  auto json = ReadJsonArgument(text, option);
  if (!json.ok()) {
    PrintError(json.status().message());
    *exit_code = kExitUsage;
    return false;
  }
  if (auto error = parser.parse(*json).get(*out); error != simdjson::SUCCESS) {
    PrintError(option + ": not JSON: " + simdjson::error_message(error));
    *exit_code = kExitUsage;
    return false;
  }
  return true;
}

// Where an import's messages come from: files (import-audit, import-detect) or the IoT API
// (pull). `feed` gives them to the importer; an error it returns stops the run (exit 3).
struct IotSource {
  std::string what;  // "2 file(s)", "1 audit task(s) and the active violations"
  std::function<Status(pipeline::IotImporter&)> feed;
};

void RunImport(const IotArgs& args, pipeline::IotAccept accept, GlobalOptions& global,
               int* exit_code, const IotSource& source) {
  if (!args.account.empty() &&
      (args.account.size() != 12 ||
       args.account.find_first_not_of("0123456789") != std::string::npos)) {
    PrintError("--account: '" + args.account + "' is not a 12-digit AWS account id");
    *exit_code = kExitUsage;
    return;
  }
  pipeline::IotImportOptions options;
  options.accept = accept;
  options.batch_size = args.batch_size;
  options.iot.defaults = {args.partition, args.region, args.account};
  options.iot.client_ids_are_thing_names = !args.client_ids_are_not_thing_names;
  simdjson::dom::parser config_parser;
  iot::Inventory inventory;
  if (!args.inventory.empty()) {
    simdjson::dom::element doc;
    if (!ParseJsonOption(args.inventory, "--inventory", config_parser, &doc, exit_code)) return;
    if (Status s = inventory.AddDocument(doc); !s.ok()) {
      PrintError("--inventory: " + s.message());
      *exit_code = kExitUsage;
      return;
    }
    options.iot.inventory = &inventory;
  }
  if (!args.severity_config.empty()) {
    simdjson::dom::element doc;
    if (!ParseJsonOption(args.severity_config, "--severity-config", config_parser, &doc,
                         exit_code)) {
      return;
    }
    auto config = iot::SeverityConfig::Parse(doc);
    if (!config.ok()) {
      PrintError("--severity-config: " + config.status().message());
      *exit_code = kExitUsage;
      return;
    }
    options.iot.detect_severity = std::move(config).value();
  }
  CorrelatedStore run;
  if (!run.Open(args.rules, global, exit_code)) return;
  auto& store = run.store;
  auto& rules = run.rules;
  auto& correlation = run.correlation;
  std::uint64_t errors_shown = 0;
  options.correlation = correlation.get();
  options.clock = [&global] { return Now(global); };
  options.on_failure = [&](const pipeline::IotFailure& f) {
    if (errors_shown++ >= args.max_errors_shown) return;
    fmt::print(stderr, "{}: {}{}: {}\n", f.location, f.subject.empty() ? "" : f.subject + ": ",
               f.error_code, f.error_message);
  };
  options.on_info = [&](const std::string& line) {
    if (!args.quiet) fmt::print("{}\n", line);
  };
  pipeline::IotImporter importer(*store, options);
  const auto start = std::chrono::steady_clock::now();
  const Status fed = source.feed(importer);
  const bool read_failed = !fed.ok();
  if (!fed.ok() && !fed.message().empty()) PrintError(fed.message());
  const Status finished = importer.Finish();
  const auto& r = importer.report();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (errors_shown > args.max_errors_shown) {
    fmt::print(stderr, "... and {} more rejected\n", errors_shown - args.max_errors_shown);
  }
  if (!args.quiet || r.failed > 0 || !finished.ok()) {
    fmt::print(
        "imported {}: {} message(s), {} audit finding(s), {} violation(s): {} created, {} "
        "updated, {} unchanged (not newer than stored), {} archived as resolved by a later audit, "
        "{} resolved by alarm-cleared; verification states: {} applied, {} kept until their "
        "violation arrives, {} ignored; {} rejected ({:.2f} s)\n",
        source.what, r.messages, r.audit_findings, r.violations, r.created, r.updated, r.unchanged,
        r.archived_resolved, r.resolved_cleared, r.verifications_applied, r.verifications_kept,
        r.verifications_ignored, r.failed, secs);
  }
  std::fflush(stdout);
  run.PrintOutcome(args.quiet, finished.ok());
  if (!finished.ok()) {
    PrintError(finished.message());
    *exit_code = kExitFatal;
  } else if (read_failed) {
    *exit_code = kExitFatal;
  } else {
    *exit_code = r.failed > 0 || !rules.errors.empty() ? kExitPartial : kExitOk;
  }
}

// The files of import-audit and import-detect.
void RunFileImport(const IotArgs& args, pipeline::IotAccept accept, GlobalOptions& global,
                   int* exit_code) {
  auto files = ExpandPaths(args.paths, args.recursive);
  if (!files.ok()) {
    PrintError(files.status().message());
    *exit_code = kExitFatal;
    return;
  }
  IotSource source;
  source.what = std::to_string(files->size()) + " file(s)";
  source.feed = [&files](pipeline::IotImporter& importer) {
    sources::ReadOptions read;
    // ListAuditFindings output ({"findings": [...]}, however many pages awscli joined) is read
    // item by item, so memory stays at one item.
    read.streamed_array_key = "findings";
    // Each unreadable file is printed as it is met.
    return ReadEachInput(*files, importer, read) ? Status::Ok() : Status::IOError("");
  };
  RunImport(args, accept, global, exit_code, source);
}

struct PullArgs {
  std::vector<std::string> task_ids;
  bool violations = false;
  AwsOptions aws;
};

void RunPull(const IotArgs& args, const PullArgs& pull, GlobalOptions& global, int* exit_code) {
  if (pull.task_ids.empty() && !pull.violations) {
    PrintError("iot pull: give --task-id ID (repeatable) and/or --active-violations");
    *exit_code = kExitUsage;
    return;
  }
  if (!pull.task_ids.empty() && args.account.empty()) {
    PrintError(
        "iot pull: --account is needed with --task-id (DescribeAuditTask does not say whose "
        "audit it is)");
    *exit_code = kExitUsage;
    return;
  }
  auto session = AwsSession::Open(pull.aws.profile, args.region, pull.aws.max_attempts);
  if (!session.ok()) {
    PrintError("iot pull: " + session.status().message());
    *exit_code = session.status().code() == Status::Code::kInvalidInput ? kExitUsage : kExitFatal;
    return;
  }
  const std::string region = session->region;
  aws::IotOptions iot_options;
  iot_options.region = region;
  iot_options.endpoint_url = pull.aws.endpoint_url.empty()
                                 ? EnvOr("AWS_ENDPOINT_URL_IOT", EnvOr("AWS_ENDPOINT_URL", ""))
                                 : pull.aws.endpoint_url;
  aws::IotClient client(*session->http, *session->credentials, iot_options);
  IotApiOverClient api(client);
  IotArgs scoped = args;
  scoped.region = region;  // the pulled messages are the region's
  IotSource source;
  source.what = std::to_string(pull.task_ids.size()) + " audit task(s)" +
                (pull.violations ? " and the active violations" : "") + " from " +
                client.endpoint();
  source.feed = [&](pipeline::IotImporter& importer) -> Status {
    pipeline::IotPullReport report;
    for (const std::string& task : pull.task_ids) {
      if (Status s = pipeline::PullAudit(api, importer, task, args.account, &report); !s.ok()) {
        return s;
      }
    }
    if (pull.violations) return pipeline::PullActiveViolations(api, importer, &report);
    return Status::Ok();
  };
  RunImport(scoped, pipeline::IotAccept::kAll, global, exit_code, source);
}

void AddScopeOptions(CLI::App* cmd, IotArgs& args) {
  cmd->add_flag("-q,--quiet", args.quiet, "Print only errors");
  cmd->add_option("--account", args.account,
                  "AWS account of messages that do not name theirs (12 digits)");
  cmd->add_option("--region", args.region,
                  "AWS region of messages that did not come through an SNS topic (whose ARN says)");
  cmd->add_option("--partition", args.partition, "AWS partition of such messages")
      ->default_val("aws")
      ->check(CLI::IsMember({"aws", "aws-cn", "aws-us-gov"}));
  cmd->add_option("--inventory", args.inventory,
                  "JSON|@FILE: which certificates things use and which policies are attached to "
                  "them, as the IoT API lists them (docs/iot.md), so findings relate things, "
                  "certificates and policies");
  cmd->add_option("--batch-size", args.batch_size,
                  "Findings per durable write (a crash loses no acknowledged batch)")
      ->default_val(1000)
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--max-errors-shown", args.max_errors_shown,
                  "Print at most this many rejected messages (all are counted)")
      ->default_val(100);
  AddRuleOptions(cmd, args.rules);
}

void AddCommonOptions(CLI::App* cmd, IotArgs& args) {
  cmd->add_option("paths", args.paths, "Files or directories to read; - for stdin")->required();
  cmd->add_flag("-r,--recursive", args.recursive, "Descend into subdirectories");
  AddScopeOptions(cmd, args);
}

}  // namespace

void RegisterIot(CLI::App& app, GlobalOptions& global, int* exit_code) {
  auto* iot = app.add_subcommand(
      "iot",
      "AWS IoT Device Defender: import audit and detect messages as ASFF findings (docs/iot.md).");
  iot->require_subcommand(1);

  auto audit = std::make_shared<IotArgs>();
  auto* import_audit = iot->add_subcommand(
      "import-audit",
      "Import Device Defender audits: audit-complete notices (bare, or in SNS/Lambda envelopes)\n"
      "and ListAuditFindings pages (`aws iot list-audit-findings` output; pass\n"
      "--list-suppressed-findings so suppressed findings are archived too). Each AuditFinding\n"
      "becomes one finding per check and resource, updated by later audits. Once the notice and\n"
      "all its findings are in, the older findings of each non-compliant check that the audit no\n"
      "longer reports, and all of a compliant check's, are archived as resolved. Give the notice\n"
      "before the pages, or --account and --region.\n"
      "Exit status: 0 all imported, 1 some messages rejected or not archived (each is printed),\n"
      "2 usage error, 3 store or file error.");
  AddCommonOptions(import_audit, *audit);
  import_audit->add_flag("--client-ids-are-not-thing-names", audit->client_ids_are_not_thing_names,
                         "Do not take MQTT client ids for the names of the things that use them "
                         "(AWS's convention, and how shared certificates reach their things)");
  import_audit->callback([audit, &global, exit_code] {
    RunFileImport(*audit, pipeline::IotAccept::kAudit, global, exit_code);
  });

  auto detect = std::make_shared<IotArgs>();
  auto* import_detect = iot->add_subcommand(
      "import-detect",
      "Import Device Defender detect messages: violation messages (in-alarm, alarm-cleared,\n"
      "alarm-invalidated; bare or in SNS/Lambda envelopes) and CloudTrail\n"
      "PutVerificationStateOnViolation events from EventBridge, in any order. in-alarm creates or\n"
      "updates a finding on the thing, alarm-cleared resolves it, alarm-invalidated archives it;\n"
      "FALSE_POSITIVE and BENIGN_POSITIVE suppress it, TRUE_POSITIVE sets it NOTIFIED.\n"
      "Exit status: 0 all imported, 1 some messages rejected (each is printed), 2 usage error,\n"
      "3 store or file error.");
  AddCommonOptions(import_detect, *detect);
  import_detect->add_option(
      "--severity-config", detect->severity_config,
      "JSON|@FILE: {\"<behavior name or metric>\": \"<severity>\", \"*\": \"<default>\"}; "
      "without an entry the behavior name's suffix (-High ...), then the ML confidence, then "
      "MEDIUM decide");
  import_detect->callback([detect, &global, exit_code] {
    RunFileImport(*detect, pipeline::IotAccept::kDetect, global, exit_code);
  });

  auto pulled = std::make_shared<IotArgs>();
  auto pull = std::make_shared<PullArgs>();
  auto* pull_cmd = iot->add_subcommand(
      "pull",
      "Read Device Defender data live from the IoT API and import it as import-audit and\n"
      "import-detect would: for each --task-id, DescribeAuditTask (as the audit's notice) and\n"
      "every page of ListAuditFindings (suppressed findings included), then the audit is\n"
      "settled (what it no longer reports is archived as resolved); with --active-violations,\n"
      "every page of ListActiveViolations, each an in-alarm violation with its verification\n"
      "state. Credentials and region come from the AWS SDKs' chain (docs/aws.md).\n"
      "Example: corroborate iot pull --account 111122223333 --region eu-west-1 --task-id 9f2c...\n"
      "Exit status: 0 all imported, 1 some messages rejected, 2 usage error, 3 AWS, store or\n"
      "credential error (the message says which call and what AWS answered).");
  pull_cmd->add_option("--task-id", pull->task_ids, "An audit task to read (repeatable)");
  pull_cmd->add_flag("--active-violations", pull->violations,
                     "Read the active detect violations too");
  AddScopeOptions(pull_cmd, *pulled);
  pull_cmd->add_option("--endpoint-url", pull->aws.endpoint_url,
                       "The IoT API's endpoint (default: $AWS_ENDPOINT_URL_IOT, $AWS_ENDPOINT_URL, "
                       "else https://iot.<region>.amazonaws.com)");
  pull_cmd->add_option("--profile", pull->aws.profile, "The shared-config profile to use");
  pull_cmd
      ->add_option("--max-attempts", pull->aws.max_attempts,
                   "Attempts per call (throttling and 5xx are retried with backoff)")
      ->default_val(5)
      ->check(CLI::Range(1, 20));
  pull_cmd->callback(
      [pulled, pull, &global, exit_code] { RunPull(*pulled, *pull, global, exit_code); });
}

}  // namespace corroborate::cli
