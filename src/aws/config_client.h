// ConfigClient: signed calls to AWS Config for the inventory (JSON 1.1 protocol, botocore's
// model: POST / with X-Amz-Target StarlingDoveService.<Operation>): ListDiscoveredResources and
// GetResourceConfigHistory, against AWS or any compatible endpoint.
//
// Contract: as SignedCall (aws/signed_call.h), for service "config": retried by the HTTP client,
// a non-2xx answer an error naming the operation, the endpoint and what AWS said; a 2xx body is
// returned as it is. GetResourceConfigHistory asks for the newest item only (limit 1): the
// inventory wants what a resource is now.
#pragma once

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/status.h"

namespace corroborate::aws {

struct ConfigOptions {
  std::string region;
  std::string endpoint_url;  // empty: https://config.<region>.amazonaws.com
};

class ConfigClient {
 public:
  ConfigClient(HttpClient& http, CredentialChain& credentials, ConfigOptions options);

  // `resource_type` as Config names it: "AWS::EC2::Instance".
  Result<std::string> ListDiscoveredResources(std::string_view resource_type,
                                              std::string_view next_token);
  Result<std::string> GetResourceConfigHistory(std::string_view resource_type,
                                               std::string_view resource_id);

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

 private:
  Result<std::string> Call(std::string_view operation, std::string body);

  HttpClient& http_;
  CredentialChain& credentials_;
  ConfigOptions options_;
  std::string endpoint_;
};

}  // namespace corroborate::aws
