// HttpClient: the outbound HTTP client of the AWS edge, on libcurl.
//
// Contract:
// - One client owns one curl handle and reuses it for every request, so connections are kept
//   alive between calls. A client is used by one thread at a time.
// - Send() makes at most `retry.max_attempts` attempts. It retries what AWS SDKs retry:
//   connection-level failures (refused, reset, timed out, nothing received), HTTP 429, 5xx but
//   501, and any response whose AWS error type (IsThrottlingErrorType) says throttling. Between
//   attempts it waits a full-jitter exponential backoff (random in [0, min(max_delay,
//   base_delay * 2^n))), and at least what a Retry-After header asks (seconds or an HTTP date),
//   capped at `retry.max_retry_after`. The wait goes through the injectable `sleep`, and the
//   randomness and the clock are injectable too, so tests never wait.
// - An HTTP response of any status is a successful Result (the caller maps it); only a transport
//   failure after the last attempt is an error: IOError naming the URL's host and curl's reason.
// - `prepare`, when given, runs before every attempt on a copy of the request: signers use it so
//   that each attempt carries a fresh X-Amz-Date.
// - No exceptions cross the interface; nothing here logs, so no header or body (which may hold a
//   secret) ever reaches a log.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sigv4.h"
#include "common/status.h"

namespace corroborate::aws {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http(s)://host[:port]/path?query
  std::vector<Header> headers;
  std::string body;
};

struct HttpResponse {
  long status = 0;  // NOLINT(google-runtime-int): libcurl's type
  std::vector<Header> headers;
  std::string body;
  int attempts = 0;  // how many attempts Send() made to get this response

  // The first header named `name` (case-insensitive), if any.
  [[nodiscard]] std::optional<std::string> HeaderValue(std::string_view name) const;
};

struct RetryPolicy {
  int max_attempts = 5;  // 1: no retry
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{20000};
  std::chrono::milliseconds max_retry_after{60000};
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds total_timeout{30000};  // per attempt
  RetryPolicy retry;
  // Injectable for tests; defaults: std::this_thread::sleep_for, a uniform [0, 1) generator, the
  // system clock in seconds since the epoch.
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<double()> random;
  std::function<std::int64_t()> now_seconds;
};

// The error an AWS service answered, read from x-amzn-ErrorType, a JSON body's __type / code, or
// an XML body's <Code>; the message from "message" / "Message" / <Message>. Empty when none.
struct AwsError {
  std::string type;  // "ThrottlingException" (namespace and suffix after ':' or '#' removed)
  std::string message;
};
AwsError ParseAwsError(const HttpResponse& response);

// The error types botocore's standard retry mode treats as throttling.
bool IsThrottlingErrorType(std::string_view type);
// Whether Send() would retry this response.
bool IsRetryableResponse(const HttpResponse& response);

// `s` without the spaces, tabs and line ends around it (header values, credential files, XML
// text, metadata answers).
std::string_view TrimSpace(std::string_view s);
// The text of the first <tag>...</tag> in an XML body, as it is; empty when there is none (STS,
// EC2 and the instance metadata service answer in XML).
std::string XmlElementText(std::string_view body, std::string_view tag);

class HttpClient {
 public:
  static Result<std::unique_ptr<HttpClient>> Create(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request,
                            const std::function<void(HttpRequest&)>& prepare = {});
  // One attempt, no retry.
  Result<HttpResponse> SendOnce(const HttpRequest& request);

  // The wait before attempt `attempt` + 1 (attempt counts from 1) given the response that failed
  // (null after a transport error). Exposed for tests of the backoff.
  std::chrono::milliseconds RetryDelay(int attempt, const HttpResponse* failed);

  [[nodiscard]] const HttpClientOptions& options() const { return options_; }

 private:
  HttpClient(void* curl, HttpClientOptions options);
  void* curl_;                         // CURL*
  bool last_error_retryable_ = false;  // whether SendOnce's last transport error may pass
  HttpClientOptions options_;
};

}  // namespace corroborate::aws
