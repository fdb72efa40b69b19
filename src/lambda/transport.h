// HttpTransport: how the Lambda runtime talks HTTP to the Runtime API.
//
// Contract: Send makes one HTTP/1.1 request to the Runtime API endpoint the transport was made
// for and returns the response whatever its status (a 4xx or 5xx is a response, not an error);
// a non-OK Status means there was no response (connection refused or reset, timeout) and says
// why. `timeout_ms` 0 waits as long as it takes (the long poll for the next invocation, during
// which Lambda may freeze the process). Header names in responses are lower-cased. The
// interface is small so that the transport can be swapped (for the project's aws::HttpClient
// once it lands, or an in-memory fake in tests) without touching the loop.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace corroborate::lambda {

struct HttpRequest {
  std::string method;  // GET or POST
  std::string path;    // "/2018-06-01/runtime/invocation/next"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  long timeout_ms = 0;  // 0: no limit
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

// Plain HTTP with libcurl to `host_port` (AWS_LAMBDA_RUNTIME_API, e.g. "127.0.0.1:9001"); the
// connection is kept alive between requests. Never follows redirects, never uses a proxy.
std::unique_ptr<HttpTransport> MakeCurlTransport(std::string host_port);

}  // namespace corroborate::lambda
