// corroborate serve: the Security Hub compatible HTTP API (src/server), configured from flags and
// an optional YAML file with the same names.
#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include <simdjson.h>

#include "cli/aws_sink.h"
#include "cli/commands.h"
#include "cli/yaml_config.h"
#include "iot/iot.h"
#include "server/server.h"

namespace corroborate::cli {
namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1";
  int port = 8080;
  std::string port_file;
  int threads = 2;
  std::string tls_cert, tls_key;
  std::string credentials_file;
  std::string bearer_tokens_file;
  bool allow_anonymous = false;
  int max_clock_skew = 900;
  std::vector<std::string> auth_services{"securityhub"};
  std::string region = "us-east-1";
  AwsOptions aws;         // --sink securityhub (issue 6)
  int push_interval = 5;  // seconds between outbox drains
  std::string account_id = "000000000000";
  std::size_t max_body_bytes = std::size_t{6} << 20;
  std::size_t max_header_bytes = std::size_t{16} << 10;
  std::size_t max_connections = 1024;
  int request_timeout = 30;
  int idle_timeout = 60;
  double rate_limit = 50;
  double rate_burst = 100;
  std::size_t max_queued_findings = 50'000;
  std::size_t max_group_findings = 5000;
  int sweep_interval = 900;
  int retention_interval = 3600;
  bool no_history = false;
  std::string iot_account, iot_region, iot_partition = "aws", iot_severity_config;
  bool sns_verify = true;
  bool sns_confirm = true;
  std::vector<std::string> sns_topics;
  std::vector<std::string> sns_url_prefixes;
  long sns_timeout_ms = 5000;
  std::string log_level = "info";
  bool no_access_log = false;
  bool metrics_require_auth = false;
  int stats_interval = 60;
  int shutdown_timeout = 30;
  RuleOptions rules;
  std::string web_dir;  // empty: next to the binary (DefaultWebDir)
};

// The built front end beside the binary: <dir of corroborate>/../web/dist, as the build tree
// has it (build/corroborate, web/dist).
std::string DefaultWebDir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::canonical("/proc/self/exe", ec);
  if (ec) return "web/dist";
  return (exe.parent_path().parent_path() / "web" / "dist").string();
}

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// An AWS shared-credentials file (~/.aws/credentials format): every profile with
// aws_access_key_id and aws_secret_access_key is a key the server accepts; `principal` (an
// extension) names the caller's ARN for history and CreatedBy.
Result<std::vector<server::AccessKey>> LoadCredentials(const std::string& path,
                                                       const std::string& account_id) {
  std::ifstream in(path);
  if (!in) return Status::IOError("--credentials: cannot read " + path);
  std::vector<server::AccessKey> keys;
  std::string profile, line;
  server::AccessKey current;
  auto flush = [&]() -> Status {
    if (profile.empty()) return Status::Ok();
    if (current.access_key_id.empty() || current.secret_access_key.empty()) {
      return Status::InvalidInput("--credentials: profile [" + profile +
                                  "] lacks aws_access_key_id or aws_secret_access_key");
    }
    if (current.principal.empty()) {
      current.principal = "arn:aws:iam::" + account_id + ":user/" + profile;
    }
    keys.push_back(current);
    current = {};
    return Status::Ok();
  };
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      if (Status s = flush(); !s.ok()) return s;
      profile = Trim(line.substr(1, line.size() - 2));
      if (profile.starts_with("profile ")) profile = Trim(profile.substr(8));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos || profile.empty()) {
      return Status::InvalidInput("--credentials: " + path + ":" + std::to_string(number) +
                                  ": expected [profile] or key = value");
    }
    const std::string key = Trim(line.substr(0, eq));
    const std::string value = Trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") current.access_key_id = value;
    if (key == "aws_secret_access_key") current.secret_access_key = value;
    if (key == "aws_session_token") current.session_token = value;
    if (key == "principal") current.principal = value;
  }
  if (Status s = flush(); !s.ok()) return s;
  if (keys.empty()) return Status::InvalidInput("--credentials: no profile with keys in " + path);
  return keys;
}

// One token per line: "name token", or just "token" (named token<N>).
Result<std::vector<server::BearerToken>> LoadTokens(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError("--bearer-tokens: cannot read " + path);
  std::vector<server::BearerToken> tokens;
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find_first_of(" \t");
    server::BearerToken t;
    if (space == std::string::npos) {
      t.name = "token" + std::to_string(tokens.size() + 1);
      t.token = line;
    } else {
      t.name = line.substr(0, space);
      t.token = Trim(line.substr(space + 1));
    }
    if (t.token.size() < 16) {
      return Status::InvalidInput("--bearer-tokens: the token named " + t.name +
                                  " is shorter than 16 characters");
    }
    tokens.push_back(std::move(t));
  }
  return tokens;
}

void Run(const ServeArgs& args, GlobalOptions& global, int* exit_code) {
  server::LogLevel level = server::LogLevel::kInfo;
  if (!server::ParseLogLevel(args.log_level, &level)) {
    PrintError("--log-level: expected debug, info, warn or error");
    *exit_code = kExitUsage;
    return;
  }
  server::Logger logger(level);
  server::ServerOptions options;
  options.http.address = args.listen;
  options.http.port = args.port;
  options.http.threads = args.threads;
  options.http.tls_cert_file = args.tls_cert;
  options.http.tls_key_file = args.tls_key;
  options.http.max_body_bytes = args.max_body_bytes;
  options.http.max_header_bytes = args.max_header_bytes;
  options.http.max_connections = args.max_connections;
  options.http.request_timeout_seconds = args.request_timeout;
  options.http.idle_timeout_seconds = args.idle_timeout;
  options.port_file = args.port_file;
  options.stats_interval_seconds = args.stats_interval;
  options.shutdown_timeout_seconds = args.shutdown_timeout;
  auto& api = options.api;
  api.region = args.region;
  api.account_id = args.account_id;
  api.rate_limit = args.rate_limit;
  api.rate_burst = args.rate_burst;
  api.access_log = !args.no_access_log;
  api.metrics_require_auth = args.metrics_require_auth;
  api.clock = [&global] { return Now(global); };
  api.auth.allow_anonymous = args.allow_anonymous;
  api.auth.max_skew_seconds = args.max_clock_skew;
  api.auth.services = args.auth_services;
  api.auth.account_id = args.account_id;
  if (!args.credentials_file.empty()) {
    auto keys = LoadCredentials(args.credentials_file, args.account_id);
    if (!keys.ok()) {
      PrintError(keys.status().message());
      *exit_code = keys.status().code() == Status::Code::kIOError ? kExitFatal : kExitUsage;
      return;
    }
    api.auth.access_keys = std::move(keys).value();
  }
  if (!args.bearer_tokens_file.empty()) {
    auto tokens = LoadTokens(args.bearer_tokens_file);
    if (!tokens.ok()) {
      PrintError(tokens.status().message());
      *exit_code = tokens.status().code() == Status::Code::kIOError ? kExitFatal : kExitUsage;
      return;
    }
    api.auth.bearer_tokens = std::move(tokens).value();
  }
  if (const char* token = std::getenv("CORROBORATE_BEARER_TOKEN"); token != nullptr && *token) {
    api.auth.bearer_tokens.push_back({"env", token});
  }
  if (api.auth.access_keys.empty() && api.auth.bearer_tokens.empty() && !args.allow_anonymous) {
    PrintError(
        "serve: no way to authenticate: give --credentials FILE and/or --bearer-tokens "
        "FILE (or CORROBORATE_BEARER_TOKEN), or --allow-anonymous for local experiments");
    *exit_code = kExitUsage;
    return;
  }
  if (args.listen != "127.0.0.1" && args.listen != "::1" && args.tls_cert.empty()) {
    logger.Warn("listening beyond the loopback interface without TLS")
        .Field("address", args.listen);
  }
  api.sns.verify_signatures = args.sns_verify;
  api.sns.confirm_subscriptions = args.sns_confirm;
  api.sns.topic_arns = args.sns_topics;
  api.sns.url_prefixes = args.sns_url_prefixes;
  api.sns.timeout_ms = args.sns_timeout_ms;
  auto& writer = options.writer;
  writer.max_group_findings = args.max_group_findings;
  writer.max_queued_findings = args.max_queued_findings;
  writer.sweep_interval = std::chrono::seconds(args.sweep_interval);
  writer.retention_interval = std::chrono::seconds(args.retention_interval);
  writer.clock = api.clock;
  writer.history = !args.no_history;
  writer.iot.defaults = {args.iot_partition, args.iot_region, args.iot_account};
  if (!args.iot_severity_config.empty()) {
    auto text = ReadJsonArgument(args.iot_severity_config, "--iot-severity-config");
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (!text.ok() || parser.parse(*text).get(doc) != simdjson::SUCCESS) {
      PrintError("--iot-severity-config: not readable JSON");
      *exit_code = kExitUsage;
      return;
    }
    auto config = iot::SeverityConfig::Parse(doc);
    if (!config.ok()) {
      PrintError("--iot-severity-config: " + config.status().message());
      *exit_code = kExitUsage;
      return;
    }
    writer.iot.detect_severity = std::move(config).value();
  }
  correlate::RuleSet rules;
  if (!LoadRulesOrReport(args.rules, &rules, exit_code)) return;
  api.rules = &rules.rules;
  api.web_dir = args.web_dir.empty() ? DefaultWebDir() : args.web_dir;
  // SIGTERM and SIGINT are taken by one thread (sigwait), so every other thread must have them
  // blocked from its start: the store's background threads (started when it opens) included.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto store = OpenStoreOrReport(global, exit_code);
  if (!store) return;
  // With a sink, every write the server makes is queued in the outbox before it is stored (and
  // so before it is acknowledged); a thread of its own drains the outbox to Security Hub.
  std::unique_ptr<SecurityHubPusher> pusher;
  std::unique_ptr<sinks::OutboxStore> outbox_store;
  store::FindingStore* serving = store.get();
  if (args.aws.sink == "securityhub") {
    AwsOptions aws_options = args.aws;
    aws::CredentialOptions chain_options;
    chain_options.profile = aws_options.profile;
    auto region = aws::ResolveRegion(chain_options);
    aws_options.region = region.ok() ? *region : args.region;
    auto created = SecurityHubPusher::Create(*store, aws_options, /*dry_run=*/false);
    if (!created.ok()) {
      PrintError("serve: --sink securityhub: " + created.status().message());
      *exit_code = kExitFatal;
      return;
    }
    pusher = std::move(created).value();
    outbox_store = std::make_unique<sinks::OutboxStore>(*store, pusher->outbox());
    serving = outbox_store.get();
  }
  auto drain = [&pusher, &logger] {
    sinks::DrainReport report;
    const Status s = pusher->Drain(&report);
    if (report.imported + report.updated + report.dead_lettered > 0 || !s.ok()) {
      logger.Info("pushed to Security Hub")
          .Field("endpoint", pusher->endpoint())
          .Field("findings", report.imported)
          .Field("updated", report.updated)
          .Field("refused", report.dead_lettered)
          .Field("outbox", report.remaining);
    }
    for (const auto& d : report.dead) {
      logger.Warn("Security Hub refused a finding; kept as a dead letter")
          .Field("operation", d.operation)
          .Field("id", d.finding.id)
          .Field("error_code", d.error_code)
          .Field("error_message", d.error_message);
    }
    if (!s.ok()) {
      logger.Warn("push to Security Hub stopped; the outbox keeps the rest")
          .Field("error", s.message());
    }
  };
  std::mutex push_mu;
  std::condition_variable push_cv;
  bool push_stop = false;
  std::thread pushing;
  if (pusher) {
    pushing = std::thread([&] {
      std::unique_lock lock(push_mu);
      while (!push_stop) {
        push_cv.wait_for(lock, std::chrono::seconds(args.push_interval));
        if (push_stop) break;
        lock.unlock();
        drain();
        lock.lock();
      }
    });
  }
  auto stop_pushing = [&] {
    if (!pushing.joinable()) return;
    {
      std::lock_guard lock(push_mu);
      push_stop = true;
    }
    push_cv.notify_all();
    pushing.join();
  };
  auto server = server::Server::Create(*serving, &rules.rules, std::move(options), logger);
  if (!server.ok()) {
    stop_pushing();
    PrintError("serve: " + server.status().message());
    *exit_code = server.status().code() == Status::Code::kInvalidInput ? kExitUsage : kExitFatal;
    return;
  }
  std::fprintf(stdout, "corroborate serve: listening on %s://%s:%d\n",
               args.tls_cert.empty() ? "http" : "https", args.listen.c_str(), (*server)->port());
  std::fprintf(stdout, "corroborate serve: dashboard at %s://%s:%d/\n",
               args.tls_cert.empty() ? "http" : "https", args.listen.c_str(), (*server)->port());
  std::fflush(stdout);
  server::Server* running = server->get();
  std::thread waiter([&signals, running, &logger] {
    int sig = 0;
    sigwait(&signals, &sig);
    logger.Info("signal received").Field("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    running->Shutdown();
  });
  const Status s = running->Run();
  waiter.join();
  stop_pushing();
  if (pusher) drain();  // what the writer stored last
  server->reset();
  if (!s.ok()) {
    PrintError("serve: " + s.message());
    *exit_code = kExitFatal;
    return;
  }
  *exit_code = kExitOk;
}

}  // namespace

void RegisterServe(CLI::App& app, GlobalOptions& global, int* exit_code) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve a Security Hub compatible HTTP API over the store (docs/server.md).\n"
      "awscli and boto3 work unchanged with --endpoint-url http://127.0.0.1:PORT: \n"
      "BatchImportFindings, GetFindings, BatchUpdateFindings, GetFindingHistory, the automation\n"
      "rule and insight calls; POST /events/eventbridge and /events/sns take events; /healthz and\n"
      "/metrics (Prometheus) for operations. Requests must be SigV4-signed with a key from\n"
      "--credentials, or carry a bearer token from --bearer-tokens. Every write is durable before\n"
      "it is answered; SIGTERM or SIGINT shut down gracefully, finishing acknowledged work.\n"
      "Every option can also be set in a YAML file (--config), e.g. `port: 8443` or\n"
      "`sns-topic-arn: [arn:...]`; the command line wins.\n"
      "Exit status: 0 after a graceful shutdown, 2 bad option or config, 3 store or socket error.");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config,
                  "YAML file setting any of these options by their long names (the command line "
                  "wins)");
  // The store's options, also here so that the config file can set them.
  cmd->add_option("--data-dir", global.data_dir,
                  "Where findings are stored (as the global option)");
  cmd->add_option("--retention-active-days", global.retention_active_days,
                  "Delete ACTIVE findings not updated for this many days (as the global option)")
      ->check(CLI::Range(1, 36500));
  cmd->add_option("--retention-archived-days", global.retention_archived_days,
                  "Delete ARCHIVED findings not updated for this many days (as the global option)")
      ->check(CLI::Range(1, 36500));
  // Listening.
  cmd->add_option("--listen", args->listen,
                  "Address to bind; 127.0.0.1 unless you mean to expose the API (then use TLS)")
      ->default_val("127.0.0.1");
  cmd->add_option("--port", args->port, "TCP port; 0 picks a free one (see --port-file)")
      ->default_val(8080)
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--web-dir", args->web_dir,
                  "Directory of the dashboard's built front end, served at / (default: "
                  "web/dist beside the build directory of this binary)");
  cmd->add_option("--port-file", args->port_file,
                  "Write the bound port to this file once listening (for scripts and tests)");
  cmd->add_option("--threads", args->threads, "I/O threads (requests, reads, validation)")
      ->default_val(2)
      ->check(CLI::Range(1, 64));
  cmd->add_option("--tls-cert", args->tls_cert,
                  "PEM certificate chain: serve HTTPS (with --tls-key)");
  cmd->add_option("--tls-key", args->tls_key, "PEM private key for --tls-cert");
  // Authentication.
  cmd->add_option("--credentials", args->credentials_file,
                  "AWS shared-credentials file (INI, as ~/.aws/credentials): every profile's "
                  "aws_access_key_id/aws_secret_access_key may sign requests (SigV4); an optional "
                  "`principal = ARN` names the caller in history");
  cmd->add_option(
      "--bearer-tokens", args->bearer_tokens_file,
      "File of accepted bearer tokens, one per line: `name token` (Authorization: "
      "Bearer <token>; on /events/* also ?token=<token>). Also $CORROBORATE_BEARER_TOKEN");
  cmd->add_flag("--allow-anonymous", args->allow_anonymous,
                "Accept requests without authentication (local experiments only)");
  cmd->add_option("--max-clock-skew", args->max_clock_skew,
                  "Seconds a signed request's time may differ from the server's; older or newer "
                  "ones are refused as replayed (403)")
      ->default_val(900)
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--auth-service", args->auth_services,
                  "SigV4 service names accepted in the credential scope (repeatable)")
      ->default_val(std::vector<std::string>{"securityhub"});
  cmd->add_option("--region", args->region, "Region in the ARNs of rules and insights")
      ->default_val("us-east-1");
  cmd->add_option("--account-id", args->account_id,
                  "Account in the ARNs of rules, insights and bearer-token principals")
      ->default_val("000000000000");
  // Limits.
  cmd->add_option("--max-body-bytes", args->max_body_bytes,
                  "Largest request body (Security Hub: 6 MB); larger ones get 413")
      ->default_val(6 * 1024 * 1024);
  cmd->add_option("--max-header-bytes", args->max_header_bytes,
                  "Largest request header block; larger ones get 431")
      ->default_val(16 * 1024);
  cmd->add_option("--max-connections", args->max_connections, "Connections served at once")
      ->default_val(1024);
  cmd->add_option("--request-timeout", args->request_timeout,
                  "Seconds to receive a request once it started, and to send its answer")
      ->default_val(30);
  cmd->add_option("--idle-timeout", args->idle_timeout,
                  "Seconds a keep-alive connection may wait for its next request")
      ->default_val(60);
  cmd->add_option("--rate-limit", args->rate_limit,
                  "Requests per second per client (access key, token or address); over it "
                  "requests get 429 LimitExceededException, which AWS clients retry with backoff. "
                  "0: unlimited")
      ->default_val(50);
  cmd->add_option("--rate-burst", args->rate_burst, "Requests a client may send at once")
      ->default_val(100);
  cmd->add_option("--max-queued-findings", args->max_queued_findings,
                  "Findings waiting for the writer before imports get 429")
      ->default_val(50'000);
  cmd->add_option("--max-group-findings", args->max_group_findings,
                  "Findings of concurrent imports written as one durable batch (group commit)")
      ->default_val(5000)
      ->check(CLI::Range(1, 100'000));
  // Correlation, retention, history.
  AddRuleOptions(cmd, args->rules);
  cmd->add_option("--correlation-sweep-interval", args->sweep_interval,
                  "Seconds between re-evaluations of active incidents (evidence that ages out of "
                  "a window withdraws them); 0: never")
      ->default_val(900);
  cmd->add_option("--retention-interval", args->retention_interval,
                  "Seconds between retention passes (see --retention-*-days); 0: never")
      ->default_val(3600);
  cmd->add_flag("--no-history", args->no_history,
                "Keep no finding history (GetFindingHistory then answers empty records)");
  // IoT Device Defender messages on the event endpoints.
  cmd->add_option("--iot-account", args->iot_account,
                  "Account for Device Defender messages that name none (else the SNS topic's)");
  cmd->add_option("--iot-region", args->iot_region,
                  "Region for Device Defender messages that name none (else the SNS topic's)");
  cmd->add_option("--iot-partition", args->iot_partition, "Partition for Device Defender messages")
      ->default_val("aws");
  cmd->add_option("--iot-severity-config", args->iot_severity_config,
                  "Detect severities by behavior or metric, JSON or @FILE (docs/iot.md)");
  // SNS.
  cmd->add_flag("--sns-verify-signatures,!--no-sns-verify-signatures", args->sns_verify,
                "Verify SNS message signatures with the SigningCertURL certificate (default on)");
  cmd->add_flag("--sns-confirm-subscriptions,!--no-sns-confirm-subscriptions", args->sns_confirm,
                "Confirm SNS subscriptions by visiting their SubscribeURL (default on)");
  cmd->add_option("--sns-topic-arn", args->sns_topics,
                  "Accept SNS messages only from these topics (repeatable; default any)");
  cmd->add_option("--sns-url-prefix", args->sns_url_prefixes,
                  "Also allow SubscribeURL/SigningCertURL under this prefix, beyond "
                  "https://sns.<region>.amazonaws.com (repeatable; for tests)");
  cmd->add_option("--sns-timeout-ms", args->sns_timeout_ms,
                  "Timeout of the requests to SNS (certificates, confirmations)")
      ->default_val(5000);
  // Operations.
  cmd->add_option("--log-level", args->log_level,
                  "debug, info, warn or error (JSON lines on stderr)")
      ->default_val("info");
  cmd->add_flag("--no-access-log", args->no_access_log, "Log only failed requests (5xx)");
  cmd->add_flag("--metrics-require-auth", args->metrics_require_auth,
                "Require authentication for /metrics too");
  AddAwsOptions(cmd, args->aws, /*sink_flag=*/true, /*region_flag=*/false);
  cmd->add_option("--push-interval", args->push_interval,
                  "With --sink securityhub: seconds between pushes of the outbox")
      ->default_val(5)
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--stats-interval", args->stats_interval,
                  "Seconds between refreshes of the store size metrics")
      ->default_val(60);
  cmd->add_option("--shutdown-timeout", args->shutdown_timeout,
                  "Seconds a graceful shutdown waits for requests in progress")
      ->default_val(30);
  cmd->callback([cmd, config, args, &global, exit_code] {
    if (!config->empty()) {
      if (Status s = ApplyYamlConfig(*cmd, *config); !s.ok()) {
        PrintError(s.message());
        *exit_code = s.code() == Status::Code::kIOError ? kExitFatal : kExitUsage;
        return;
      }
    }
    Run(*args, global, exit_code);
  });
}

}  // namespace corroborate::cli
