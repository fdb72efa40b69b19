// corroborate lambda: the AWS Lambda custom runtime (src/lambda). Lambda's provided.al2023 runs
// deploy/bootstrap, which execs this command; it opens the store, loads the rules, then serves
// invocations from the Runtime API until Lambda ends the process.
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "asff/json_writer.h"
#include "aws/iot_client.h"
#include "cli/aws_sink.h"
#include "cli/commands.h"
#include "correlate/builtin_rules.h"
#include "lambda/handler.h"
#include "lambda/runtime.h"
#include "lambda/transport.h"

namespace corroborate::cli {
namespace {

// Lambda gives a function one writable place, /tmp (512 MB to 10 GB of ephemeral storage).
constexpr const char* kLambdaDataDir = "/tmp/corroborate";

struct LambdaArgs {
  std::string runtime_api;
  std::uint64_t max_invocations = 0;
  std::int64_t deadline_margin_ms = 1000;
  std::vector<std::string> rule_paths;
  bool no_builtin_rules = false;
  std::string iot_account, iot_region, iot_partition;
  bool pull_audits = true;
};

// The rules as `ingest` loads them, except that a refused rule is an initialisation error: a
// function should not run for weeks without a rule someone meant it to have.
Status LoadRules(const LambdaArgs& args, correlate::RuleSet* rules) {
  if (!args.no_builtin_rules) {
    for (const auto& file : correlate::BuiltinRuleFiles()) {
      correlate::LoadRules(file.text, "builtin:" + std::string(file.name), *rules);
    }
  }
  auto files = ListRuleFiles(args.rule_paths);
  if (!files.ok()) return files.status().WithContext("--rules");
  for (const auto& f : *files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return Status::IOError("cannot read the rule file " + f);
    std::ostringstream text;
    text << in.rdbuf();
    correlate::LoadRules(text.str(), f, *rules);
  }
  if (!rules->errors.empty()) {
    return Status::InvalidInput(
        "rule refused: " + rules->errors.front().ToString() +
        (rules->errors.size() > 1 ? " (and " + std::to_string(rules->errors.size() - 1) + " more)"
                                  : ""));
  }
  return Status::Ok();
}

void Log(std::string_view level, std::string_view message) {
  std::string line;
  asff::JsonWriter(line)
      .BeginObject()
      .Key("level")
      .String(level)
      .Key("message")
      .String(message)
      .EndObject();
  fmt::print(stderr, "{}\n", line);
}

void Run(const LambdaArgs& args, GlobalOptions global, int* exit_code) {
  if (args.runtime_api.empty()) {
    PrintError(
        "lambda: no Runtime API: this command runs inside AWS Lambda, which sets "
        "AWS_LAMBDA_RUNTIME_API (or give --runtime-api HOST:PORT)");
    *exit_code = kExitUsage;
    return;
  }
  auto transport = lambda::MakeCurlTransport(args.runtime_api);
  lambda::RuntimeClient client(*transport);
  // Initialisation errors go to /runtime/init/error, so Lambda reports them as such (and to the
  // log), instead of as a process that died.
  auto init_failed = [&](const std::string& message) {
    Log("error", message);
    if (Status s = client.InitFailed({"Corroborate.InitError", message}); !s.ok()) {
      Log("error", "could not report the initialisation error: " + s.message());
    }
    *exit_code = kExitFatal;
  };
  if (global.data_dir.empty()) global.data_dir = kLambdaDataDir;
  correlate::RuleSet rules;
  if (Status s = LoadRules(args, &rules); !s.ok()) return init_failed(s.message());
  auto store = OpenStore(global);
  if (!store.ok()) return init_failed("opening the store: " + store.status().message());

  lambda::HandlerOptions options;
  options.iot.defaults = {args.iot_partition, args.iot_region, args.iot_account};
  options.clock = [&global] { return Now(global); };
  // Audit-complete notices come without their findings: the function's own credentials (the
  // execution role, in the environment) read them from the IoT API.
  std::optional<AwsSession> session;
  std::unique_ptr<aws::IotClient> iot_client;
  std::unique_ptr<IotApiOverClient> iot_api;
  if (args.pull_audits) {
    auto opened = AwsSession::Open("", args.iot_region, 5);
    if (opened.ok()) {
      session = std::move(opened).value();
      iot_client = std::make_unique<aws::IotClient>(
          *session->http, *session->credentials,
          aws::IotOptions{session->region,
                          EnvOr("AWS_ENDPOINT_URL_IOT", EnvOr("AWS_ENDPOINT_URL", ""))});
      iot_api = std::make_unique<IotApiOverClient>(*iot_client);
      options.iot_api = iot_api.get();
    } else {
      Log("warning", "audit-complete notices will not be completed from the IoT API: " +
                         opened.status().message());
    }
  }
  lambda::EventHandler handler(**store, &rules.rules, options);
  Log("info", fmt::format("corroborate lambda ready: store {}, {} correlation rule(s)",
                          global.data_dir, rules.rules.size()));

  lambda::LoopOptions loop;
  loop.max_invocations = args.max_invocations;
  loop.deadline_margin_ms = args.deadline_margin_ms;
  lambda::LoopReport report;
  const Status s = lambda::RunLoop(client, handler, loop, &report);
  if (!s.ok()) {
    Log("error", "the Runtime API cannot be used, exiting: " + s.message());
    *exit_code = kExitFatal;
    return;
  }
  *exit_code = kExitOk;
}

}  // namespace

void RegisterLambda(CLI::App& app, GlobalOptions& global, int* exit_code) {
  auto args = std::make_shared<LambdaArgs>();
  CLI::App* cmd = app.add_subcommand(
      "lambda",
      "Run as an AWS Lambda custom runtime (provided.al2023; deploy/bootstrap execs this): take\n"
      "invocations from the Runtime API and store their events: EventBridge 'Security Hub\n"
      "Findings - Imported' and IoT CloudTrail verification-state events, SNS events carrying\n"
      "Device Defender messages, BatchImportFindings requests. The store is --data-dir (default\n"
      "$CORROBORATE_DATA_DIR, else /tmp/corroborate). See docs/deploy.md.");
  cmd->add_option("--runtime-api", args->runtime_api,
                  "HOST:PORT of the Lambda Runtime API (Lambda sets AWS_LAMBDA_RUNTIME_API)")
      ->envname("AWS_LAMBDA_RUNTIME_API");
  cmd->add_option("--max-invocations", args->max_invocations,
                  "Exit after this many invocations (0: serve until Lambda ends the process)")
      ->default_val(0);
  cmd->add_option("--deadline-margin-ms", args->deadline_margin_ms,
                  "Answer an invocation with less time than this left before its deadline with "
                  "the error Corroborate.DeadlineExceeded instead of starting it")
      ->envname("CORROBORATE_DEADLINE_MARGIN_MS")
      ->default_val(1000)
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{900'000}));
  cmd->add_option("--rules", args->rule_paths,
                  "Correlation rule file or directory of *.yaml rules, in addition to the "
                  "built-in ones (repeatable; $CORROBORATE_RULES: one path)")
      ->envname("CORROBORATE_RULES");
  cmd->add_flag("--no-builtin-rules", args->no_builtin_rules,
                "Do not load the built-in rules (rules/*.yaml, compiled in)");
  cmd->add_option("--iot-account", args->iot_account,
                  "Account of Device Defender messages that name none (default: the function's)")
      ->envname("CORROBORATE_IOT_ACCOUNT");
  cmd->add_option("--iot-region", args->iot_region,
                  "Region of Device Defender messages not from an SNS topic (default: the "
                  "function's)")
      ->envname("CORROBORATE_IOT_REGION");
  cmd->add_option("--iot-partition", args->iot_partition,
                  "Partition of such messages (default: the function's)")
      ->check(CLI::IsMember({"aws", "aws-cn", "aws-us-gov"}));
  cmd->add_flag("!--no-audit-pull", args->pull_audits,
                "Do not read an audit-complete notice's findings from the IoT API "
                "(DescribeAuditTask, ListAuditFindings, with the function's credentials); its "
                "checks are then reported NotArchived ($CORROBORATE_NO_AUDIT_PULL)")
      ->envname("CORROBORATE_NO_AUDIT_PULL");
  cmd->callback([args, &global, exit_code] { Run(*args, global, exit_code); });
}

}  // namespace corroborate::cli
