// Amazon SNS HTTP(S) subscriptions: checking what SNS posts, and confirming subscriptions.
//
// Contract:
// - Check parses an SNS message (Notification, SubscriptionConfirmation,
//   UnsubscribeConfirmation), requires the members its type needs, refuses a topic not in
//   `topic_arns` (when given), and, with `verify_signatures`, verifies its signature: the
//   SigningCertURL must be an SNS URL, the certificate is downloaded (and kept, by URL) and the
//   canonical string SNS signs is checked with its public key, SHA1withRSA for SignatureVersion 1
//   and SHA256withRSA for 2. Refusals are ApiErrors that say why (403 for a bad signature or a
//   topic not allowed, 400 for a malformed message).
// - Only SNS URLs are ever fetched: https, host sns.<region>.amazonaws.com (or .com.cn), default
//   port, no user info; or a URL starting with one of `url_prefixes` (for tests with a local
//   stand-in). No redirects are followed, and responses are capped (64 KB), so a message cannot
//   make the server reach arbitrary hosts (SSRF).
// - Confirm visits a SubscriptionConfirmation's SubscribeURL (same URL rules) and succeeds when
//   SNS answers 2xx.
// - The fetcher is injectable (tests); the default uses libcurl with a timeout. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "server/errors.h"

namespace corroborate::server {

struct SnsOptions {
  bool verify_signatures = true;
  bool confirm_subscriptions = true;
  std::vector<std::string> topic_arns;    // empty: any topic
  std::vector<std::string> url_prefixes;  // extra URL prefixes allowed (tests)
  long timeout_ms = 5000;
};

struct SnsMessage {
  std::string type;  // Notification | SubscriptionConfirmation | UnsubscribeConfirmation
  std::string message_id;
  std::string topic_arn;
  std::string subject;
  std::string message;
  std::string timestamp;
  std::string subscribe_url;
  std::string token;
  std::string signature_version;
  std::string signature;
  std::string signing_cert_url;
  bool has_subject = false;
};

// GET `url`: the body on a 2xx answer, else an error naming the status or transport failure.
using Fetcher = std::function<Result<std::string>(const std::string& url, long timeout_ms)>;
Result<std::string> CurlGet(const std::string& url, long timeout_ms);

class SnsEndpoint {
 public:
  explicit SnsEndpoint(SnsOptions options, Fetcher fetcher = CurlGet);

  std::variant<SnsMessage, ApiError> Check(std::string_view body, std::string_view header_type);
  Status Confirm(const SnsMessage& message);

  [[nodiscard]] bool UrlAllowed(std::string_view url) const;
  // The text SNS signs for a message of its type.
  static std::string StringToSign(const SnsMessage& m);

 private:
  Status Verify(const SnsMessage& m);

  SnsOptions options_;
  Fetcher fetcher_;
  std::mutex mu_;
  std::map<std::string, std::string> certificates_;  // SigningCertURL -> PEM
};

}  // namespace corroborate::server
