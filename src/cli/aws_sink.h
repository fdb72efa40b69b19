// The AWS Security Hub sink as the commands use it: the options `push`, `ingest --sink
// securityhub` and `update --sink securityhub` share, and a SecurityHubPusher that owns the
// HTTP client, the credential chain, the client, the outbox and the drain for one store.
//
// Contract: the endpoint is --endpoint-url, else $AWS_ENDPOINT_URL_SECURITYHUB, else
// $AWS_ENDPOINT_URL, else Security Hub's regional endpoint; the region is --region, else the
// chain's (aws/credentials.h). Create checks both, and the credentials unless `dry_run`, before
// the command does anything, so a misconfiguration stops it early with the reason.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "aws/iot_client.h"
#include "aws/securityhub_client.h"
#include "common/status.h"
#include "pipeline/iot_pull.h"
#include "sinks/securityhub_sink.h"
#include "store/store.h"

namespace corroborate::cli {

struct AwsOptions {
  std::string sink;  // "securityhub" or empty (ingest/update/serve only)
  std::string endpoint_url;
  std::string region;
  std::string profile;
  int max_attempts = 5;
};

// The IoT API as a Device Defender pull sees it (pipeline/iot_pull.h), over the signed client:
// `iot pull`, and the Lambda completing audit-complete notices.
class IotApiOverClient final : public pipeline::IotApi {
 public:
  explicit IotApiOverClient(aws::IotClient& client) : client_(client) {}
  Result<std::string> DescribeAuditTask(std::string_view task_id) override {
    return client_.DescribeAuditTask(task_id);
  }
  Result<std::string> ListAuditFindings(std::string_view task_id, std::string_view token) override {
    return client_.ListAuditFindings(task_id, token);
  }
  Result<std::string> ListActiveViolations(std::string_view token) override {
    return client_.ListActiveViolations(token);
  }

 private:
  aws::IotClient& client_;
};

// The environment variable's value, or `fallback` when it is unset or empty.
std::string EnvOr(const char* name, std::string fallback);

// --endpoint-url, --region (unless !region_flag: `serve` has a --region of its own), --profile,
// --max-attempts; with `sink_flag`, also --sink.
void AddAwsOptions(CLI::App* command, AwsOptions& options, bool sink_flag, bool region_flag = true);

// What a command needs to call AWS: the region (given, else the chain's), the credential chain
// (checked: Create fails with the chain's reason when no source has credentials), an HTTP
// client with `max_attempts` attempts per call.
struct AwsSession {
  std::string region;
  std::unique_ptr<aws::CredentialChain> credentials;
  std::unique_ptr<aws::HttpClient> http;

  // InvalidInput when there is no region (a usage error), the chain's or the client's error
  // otherwise.
  static Result<AwsSession> Open(const std::string& profile, std::string region, int max_attempts);
};

class SecurityHubPusher {
 public:
  static Result<std::unique_ptr<SecurityHubPusher>> Create(store::FindingStore& store,
                                                           const AwsOptions& options, bool dry_run);

  sinks::Outbox& outbox() { return outbox_; }
  Status Drain(sinks::DrainReport* report) { return sink_->Drain(report); }
  [[nodiscard]] const std::string& endpoint() const { return client_->endpoint(); }

 private:
  explicit SecurityHubPusher(store::FindingStore& store) : outbox_(store) {}
  std::unique_ptr<aws::HttpClient> http_;
  std::unique_ptr<aws::CredentialChain> credentials_;
  std::unique_ptr<aws::SecurityHubClient> client_;
  std::unique_ptr<sinks::ClientApi> api_;
  sinks::Outbox outbox_;
  std::unique_ptr<sinks::SecurityHubSink> sink_;
};

// "pushed 3 finding(s) in 1 request(s) ... to <endpoint>", each dead letter, and what is left.
void PrintDrainReport(std::FILE* out, const sinks::DrainReport& report, const std::string& endpoint,
                      bool dry_run);

}  // namespace corroborate::cli
