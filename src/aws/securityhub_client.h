// SecurityHubClient: signed calls to AWS Security Hub's BatchImportFindings and
// BatchUpdateFindings (REST-JSON, botocore's model: POST /findings/import and
// PATCH /findings/batchupdate), against AWS or any compatible endpoint (`--endpoint-url`).
//
// Contract:
// - Each call signs with SigV4 (service "securityhub") using the chain's current credentials
//   and a fresh X-Amz-Date on every attempt, and goes through HttpClient::Send, so throttling,
//   5xx and connection failures are retried there with backoff.
// - A 2xx answer is parsed into the operation's result; per-finding failures (FailedFindings,
//   UnprocessedFindings) are results, not errors: the caller decides what to retry.
// - Any other answer is a non-OK Status whose message names the operation, the endpoint, the HTTP
//   status, the AWS error type (x-amzn-ErrorType or __type) and AWS's message. The code says
//   what the caller can do: kLimitExceeded for throttling that outlasted the retries, kIOError
//   for 5xx and connection failures (both transient: IsTransient), kInvalidInput for a request
//   or credentials AWS refused (4xx: fix and try again), kNotFound for 404. Credential errors
//   come back as they are (aws/credentials.h). Secrets never appear in a message.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "asff/finding.h"
#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/status.h"

namespace corroborate::aws {

// Security Hub's limits for BatchImportFindings (the API reference's).
inline constexpr std::size_t kMaxFindingsPerImport = 100;
inline constexpr std::size_t kMaxImportRequestBytes = std::size_t{6} * 1024 * 1024;
inline constexpr std::size_t kMaxIdentifiersPerUpdate = 100;

struct SecurityHubOptions {
  std::string region;        // required: it is part of the signature
  std::string endpoint_url;  // empty: https://securityhub.<region>.amazonaws.com
};

struct ImportFailure {
  std::string id;
  std::string error_code;
  std::string error_message;
};
struct ImportResponse {
  int success_count = 0;
  int failed_count = 0;
  std::vector<ImportFailure> failed;
};

struct UpdateFailure {
  asff::FindingIdentifier identifier;
  std::string error_code;
  std::string error_message;
};
struct UpdateResponse {
  std::vector<asff::FindingIdentifier> processed;
  std::vector<UpdateFailure> unprocessed;
};

// The 2xx bodies of the two operations (exposed for tests and the fuzzer). IOError when the body
// is not a JSON object; members of the wrong type are ignored.
Result<ImportResponse> ParseImportResponse(std::string_view body);
Result<UpdateResponse> ParseUpdateResponse(std::string_view body);

// Whether a call's error may pass by itself (throttling, 5xx, connection): retry later.
bool IsTransient(const Status& status);

class SecurityHubClient {
 public:
  SecurityHubClient(HttpClient& http, CredentialChain& credentials, SecurityHubOptions options);

  // `findings_array` is a JSON array of ASFF findings ("[{...},{...}]").
  Result<ImportResponse> BatchImportFindings(std::string_view findings_array);
  // `request` is a BatchUpdateFindings request body (FindingIdentifiers and the changes).
  Result<UpdateResponse> BatchUpdateFindings(std::string_view request);

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

 private:
  Result<HttpResponse> Call(std::string_view operation, std::string method, const std::string& path,
                            std::string body);

  HttpClient& http_;
  CredentialChain& credentials_;
  SecurityHubOptions options_;
  std::string endpoint_;
};

}  // namespace corroborate::aws
