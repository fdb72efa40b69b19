// Authentication: who sent a request.
//
// Contract:
// - A request is accepted when it carries a valid AWS SigV4 signature (as awscli and boto3 sign)
//   by one of the configured access keys, or `Authorization: Bearer <token>` with a configured
//   token; on the event endpoints, whose senders (SNS, EventBridge API destinations) cannot sign,
//   also `?token=<token>` in the query string.
// - SigV4 is verified by recomputing the signature from the request as received (src/aws/sigv4):
//   the credential scope's service must be one of `services`; the request time (X-Amz-Date, or
//   Date) must be within `max_skew_seconds` of the server's clock (a replayed or stale request is
//   refused) and agree with the scope's date; `host` must be signed; an x-amz-content-sha256
//   header must match the body; a configured session token must be sent.
// - Every refusal is a 403 ApiError with the error type AWS's front door uses
//   (MissingAuthenticationTokenException, IncompleteSignatureException, InvalidSignatureException,
//   UnrecognizedClientException, AccessDeniedException) and a message that says what to fix.
//   Messages never contain a secret, a signature or a token.
// - With `allow_anonymous` every request is accepted as "anonymous" (for local experiments).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "server/errors.h"
#include "server/http_types.h"

namespace corroborate::server {

struct AccessKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // when set, requests must send it (X-Amz-Security-Token)
  std::string principal;      // the caller's ARN as history and CreatedBy show it
};

struct BearerToken {
  std::string name;  // shown in logs and history; never the token
  std::string token;
};

struct AuthOptions {
  std::vector<AccessKey> access_keys;
  std::vector<BearerToken> bearer_tokens;
  std::vector<std::string> services = {"securityhub"};
  std::int64_t max_skew_seconds = 900;  // 15 minutes, as AWS
  bool allow_anonymous = false;
  std::string account_id = "000000000000";  // for principals of bearer tokens
};

struct Principal {
  std::string id;   // "key:AKIA...", "token:<name>", "anonymous": what rate limits count by
  std::string arn;  // identity in history, CreatedBy
};

// `now_seconds`: the server's clock (epoch seconds). `query_token_allowed`: the event endpoints.
std::variant<Principal, ApiError> Authenticate(const Request& request, const AuthOptions& options,
                                               std::int64_t now_seconds, bool query_token_allowed);

}  // namespace corroborate::server
