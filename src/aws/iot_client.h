// IotClient: signed calls to the AWS IoT API for Device Defender (REST-JSON, botocore's model):
// DescribeAuditTask (GET /audit/tasks/{taskId}), ListAuditFindings (POST /audit/findings) and
// ListActiveViolations (GET /active-violations), against AWS or any compatible endpoint.
//
// Contract: as SignedCall (aws/signed_call.h): signed for service "iot", retried by the HTTP
// client, every non-2xx answer an error naming the operation, the endpoint and what AWS said.
// A 2xx answer's body is returned as it is (the caller parses it: pipeline/iot_pull.h). Pages:
// ListAuditFindings asks for 250 findings a page (the API's maximum) with
// listSuppressedFindings true; ListActiveViolations asks for 250 with listSuppressedAlerts true.
#pragma once

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/status.h"

namespace corroborate::aws {

struct IotOptions {
  std::string region;        // required: it is part of the signature
  std::string endpoint_url;  // empty: https://iot.<region>.amazonaws.com
};

class IotClient {
 public:
  IotClient(HttpClient& http, CredentialChain& credentials, IotOptions options);

  Result<std::string> DescribeAuditTask(std::string_view task_id);
  Result<std::string> ListAuditFindings(std::string_view task_id, std::string_view next_token);
  Result<std::string> ListActiveViolations(std::string_view next_token);
  // For the inventory (corroborate inventory pull): GET /things, GET /things/{thingName}, GET
  // /things/{thingName}/principals, POST /attached-policies/{target} (its page token is `marker`).
  Result<std::string> ListThings(std::string_view next_token);
  Result<std::string> DescribeThing(std::string_view thing_name);
  Result<std::string> ListThingPrincipals(std::string_view thing_name, std::string_view next_token);
  Result<std::string> ListAttachedPolicies(std::string_view target, std::string_view marker);

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

 private:
  HttpClient& http_;
  CredentialChain& credentials_;
  IotOptions options_;
  std::string endpoint_;
};

}  // namespace corroborate::aws
