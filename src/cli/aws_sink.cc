#include "cli/aws_sink.h"

#include <cstdlib>

namespace corroborate::cli {

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read only
  return v != nullptr && *v != 0 ? std::string(v) : std::move(fallback);
}

void AddAwsOptions(CLI::App* command, AwsOptions& options, bool sink_flag, bool region_flag) {
  if (sink_flag) {
    command
        ->add_option("--sink", options.sink,
                     "Also send what is stored to AWS Security Hub: queued in the store's outbox "
                     "with each batch, pushed when the command ends (serve: every --push-interval; "
                     "docs/aws.md)")
        ->check(CLI::IsMember({"securityhub"}));
  }
  command->add_option("--endpoint-url", options.endpoint_url,
                      "Security Hub endpoint (default $AWS_ENDPOINT_URL_SECURITYHUB, "
                      "$AWS_ENDPOINT_URL, else https://securityhub.<region>.amazonaws.com)");
  if (region_flag) {
    command->add_option("--region", options.region,
                        "AWS region (default $AWS_REGION, $AWS_DEFAULT_REGION, the profile's)");
  }
  command->add_option("--profile", options.profile,
                      "Shared config/credentials profile (default $AWS_PROFILE, else default)");
  command
      ->add_option("--max-attempts", options.max_attempts,
                   "Attempts per request on throttling, 5xx and connection errors")
      ->default_val(5)
      ->check(CLI::Range(1, 20));
}

Result<AwsSession> AwsSession::Open(const std::string& profile, std::string region,
                                    int max_attempts) {
  AwsSession session;
  aws::CredentialOptions credential_options;
  credential_options.profile = profile;
  if (region.empty()) {
    auto resolved = aws::ResolveRegion(credential_options);
    if (!resolved.ok()) return Status::InvalidInput(resolved.status().message());
    region = *resolved;
  }
  session.region = std::move(region);
  session.credentials = std::make_unique<aws::CredentialChain>(credential_options);
  if (auto got = session.credentials->Get(); !got.ok()) {
    return got.status().code() == Status::Code::kInvalidInput
               ? Status::IOError(got.status().message())
               : got.status();
  }
  aws::HttpClientOptions http_options;
  http_options.retry.max_attempts = max_attempts;
  auto http = aws::HttpClient::Create(http_options);
  if (!http.ok()) return http.status();
  session.http = std::move(http).value();
  return session;
}

Result<std::unique_ptr<SecurityHubPusher>> SecurityHubPusher::Create(store::FindingStore& store,
                                                                     const AwsOptions& options,
                                                                     bool dry_run) {
  std::unique_ptr<SecurityHubPusher> p(new SecurityHubPusher(store));
  aws::CredentialOptions credential_options;
  credential_options.profile = options.profile;
  std::string region = options.region;
  if (region.empty()) {
    auto resolved = aws::ResolveRegion(credential_options);
    if (!resolved.ok()) return resolved.status();
    region = *resolved;
  }
  p->credentials_ = std::make_unique<aws::CredentialChain>(credential_options);
  if (!dry_run) {
    auto credentials = p->credentials_->Get();
    if (!credentials.ok()) return credentials.status();
  }
  aws::HttpClientOptions http_options;
  http_options.retry.max_attempts = options.max_attempts;
  auto http = aws::HttpClient::Create(http_options);
  if (!http.ok()) return http.status();
  p->http_ = std::move(http).value();
  aws::SecurityHubOptions hub;
  hub.region = region;
  hub.endpoint_url = options.endpoint_url.empty()
                         ? EnvOr("AWS_ENDPOINT_URL_SECURITYHUB", EnvOr("AWS_ENDPOINT_URL", ""))
                         : options.endpoint_url;
  p->client_ = std::make_unique<aws::SecurityHubClient>(*p->http_, *p->credentials_, hub);
  p->api_ = std::make_unique<sinks::ClientApi>(*p->client_);
  sinks::SinkOptions sink_options;
  sink_options.dry_run = dry_run;
  sink_options.max_finding_attempts = options.max_attempts;
  p->sink_ = std::make_unique<sinks::SecurityHubSink>(store, p->outbox_, *p->api_, sink_options);
  return p;
}

void PrintDrainReport(std::FILE* out, const sinks::DrainReport& r, const std::string& endpoint,
                      bool dry_run) {
  std::fprintf(
      out,
      "%s %llu finding(s) in %llu BatchImportFindings request(s) and %llu update(s) in "
      "%llu BatchUpdateFindings request(s) to %s; %llu retried, %llu refused (dead "
      "letters), %llu no longer stored; %llu left in the outbox\n",
      dry_run ? "would push" : "pushed", static_cast<unsigned long long>(r.imported),
      static_cast<unsigned long long>(r.import_requests),
      static_cast<unsigned long long>(r.updated),
      static_cast<unsigned long long>(r.update_requests), endpoint.c_str(),
      static_cast<unsigned long long>(r.retried), static_cast<unsigned long long>(r.dead_lettered),
      static_cast<unsigned long long>(r.not_stored), static_cast<unsigned long long>(r.remaining));
  for (const auto& d : r.dead) {
    std::fprintf(out, "refused: %s %s (%s): %s: %s\n", d.operation.c_str(), d.finding.id.c_str(),
                 d.finding.product_arn.c_str(), d.error_code.c_str(), d.error_message.c_str());
  }
}

}  // namespace corroborate::cli
