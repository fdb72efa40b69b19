// SignedCall: one SigV4-signed REST-JSON call to an AWS service, the part every client of the AWS
// edge shares (Security Hub, IoT).
//
// Contract:
// - Signs with the chain's current credentials for `service` in `region`, a fresh X-Amz-Date on
//   every attempt, and sends through HttpClient::Send (so throttling, 5xx and connection
//   failures are retried there with backoff). `raw_path` and `raw_query` are sent and signed as
//   given (already percent-encoded).
// - A 2xx answer is returned as it is. Any other answer is a non-OK Status whose message names
//   "<display> <operation> at <endpoint>", the HTTP status, the AWS error type and AWS's
//   message, and, for an authentication failure, the credentials' source and access key id
//   (never a secret). Codes: kLimitExceeded for throttling that outlasted the retries, kIOError
//   for 5xx and connection failures, kNotFound for 404, kInvalidInput for the other 4xx.
//   `failed_response`, when given, receives the non-2xx answer itself, for callers that act on
//   the error's details (DynamoDB's transaction cancellation reasons).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/status.h"

namespace corroborate::aws {

struct ServiceEndpoint {
  std::string endpoint;  // "https://iot.eu-west-1.amazonaws.com" (no trailing '/')
  std::string region;
  std::string service;  // the signing name: "securityhub", "iot"
  std::string display;  // for messages: "Security Hub", "IoT"
};

// The JSON 1.1 protocol's extras (AWS Config): its content type and X-Amz-Target, both signed.
struct JsonProtocol {
  std::string content_type = "application/json";
  std::string target;  // X-Amz-Target ("StarlingDoveService.ListDiscoveredResources"); empty: none
};

Result<HttpResponse> SignedCall(HttpClient& http, CredentialChain& credentials,
                                const ServiceEndpoint& target, std::string_view operation,
                                std::string method, std::string_view raw_path,
                                std::string_view raw_query, std::string body,
                                const JsonProtocol& protocol = {},
                                HttpResponse* failed_response = nullptr);

// "https://host:port/prefix" -> ("host:port", "/prefix").
std::pair<std::string, std::string> HostAndPath(std::string_view url);

}  // namespace corroborate::aws
