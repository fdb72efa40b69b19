// DynamoDbClient: signed calls to DynamoDB (JSON 1.0 protocol, botocore's model: POST / with
// X-Amz-Target DynamoDB_20120810.<Operation>), against AWS or any compatible endpoint (moto).
//
// Contract: as SignedCall (aws/signed_call.h), for service "dynamodb": throttling
// (ProvisionedThroughputExceededException, ThrottlingException, RequestLimitExceeded) and 5xx are
// retried by the HTTP client; a non-2xx answer is an error naming the operation, the endpoint and
// what AWS said; a 2xx body is returned as it is. When `failure` is given, a failed call also
// fills it with the AWS error type and, for TransactionCanceledException, the cancellation reason
// code of each item of the transaction in order ("None", "ConditionalCheckFailed", ...), so a
// caller can tell a lost optimistic race (retry) from a real failure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/status.h"

namespace corroborate::aws {

struct DynamoDbOptions {
  std::string region;
  std::string endpoint_url;  // empty: https://dynamodb.<region>.amazonaws.com
};

struct DynamoDbFailure {
  int http_status = 0;
  std::string type;                       // "ConditionalCheckFailedException", ...
  std::vector<std::string> cancellation;  // TransactionCanceledException: a code per item
};

class DynamoDbClient {
 public:
  DynamoDbClient(HttpClient& http, CredentialChain& credentials, DynamoDbOptions options);

  Result<std::string> Call(std::string_view operation, std::string body,
                           DynamoDbFailure* failure = nullptr);

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

 private:
  HttpClient& http_;
  CredentialChain& credentials_;
  DynamoDbOptions options_;
  std::string endpoint_;
};

}  // namespace corroborate::aws
