// The AWS Lambda custom runtime (provided.al2023): the Runtime API loop that runs handlers.
//
// Contract:
// - RuntimeClient speaks the Runtime API (version 2018-06-01) over an HttpTransport: Next
//   long-polls GET /runtime/invocation/next and returns the invocation (the body, and the
//   Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Trace-Id and -Invoked-Function-Arn headers;
//   a next without a request id is an error); Respond posts the handler's JSON to
//   /runtime/invocation/{id}/response; Fail posts {"errorMessage", "errorType", "stackTrace": []}
//   to /runtime/invocation/{id}/error, and InitFailed the same to /runtime/init/error, each with
//   the Lambda-Runtime-Function-Error-Type header. A post the API does not accept (not 2xx) is
//   an error that quotes its answer.
// - RunLoop takes invocations one after another until max_invocations were handled (0: for
//   ever). For each: _X_AMZN_TRACE_ID is set to the trace id (removed when there is none); an
//   invocation whose deadline is less than deadline_margin_ms away is not handled but answered
//   with the error Corroborate.DeadlineExceeded, so that nothing starts that Lambda would cut
//   short and the event is retried; else the handler runs and its response or error is posted.
//   A handler error, a handler that throws, and a response the API refuses (too large: it is
//   then reported as an error for that invocation) never stop the loop. RunLoop returns an error
//   only when the Runtime API cannot be used (no answer, or an unexpected one to next): the
//   process should then exit, and Lambda starts a new one.
// - Every invocation is logged as one JSON line through `log` (request id, outcome, error type,
//   milliseconds taken); payloads and responses are not logged.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "lambda/transport.h"

namespace corroborate::lambda {

struct Invocation {
  std::string request_id;
  std::int64_t deadline_ms = 0;  // Unix epoch milliseconds; 0 when the header was missing
  std::string trace_id;
  std::string function_arn;  // arn:aws:lambda:<region>:<account>:function:<name>[:alias]
  std::string payload;
};

struct FunctionError {
  std::string type;  // errorType, e.g. "Corroborate.UnsupportedEvent"
  std::string message;
};

// What a handler made of one invocation: a JSON response, or an error.
struct Outcome {
  bool ok = false;
  std::string response;  // when ok
  FunctionError error;   // when not ok
  static Outcome Response(std::string json) { return {true, std::move(json), {}}; }
  static Outcome Error(std::string type, std::string message) {
    return {false, {}, {std::move(type), std::move(message)}};
  }
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual Outcome Handle(const Invocation& invocation) = 0;
};

// {"errorMessage": ..., "errorType": ..., "stackTrace": []}: Lambda's error document.
std::string ErrorJson(const FunctionError& error);

class RuntimeClient {
 public:
  explicit RuntimeClient(HttpTransport& transport) : transport_(transport) {}
  Result<Invocation> Next();
  Status Respond(const std::string& request_id, std::string response);
  Status Fail(const std::string& request_id, const FunctionError& error);
  Status InitFailed(const FunctionError& error);

 private:
  Status PostError(const std::string& path, const FunctionError& error);
  Status Post(const std::string& path, std::string body,
              std::vector<std::pair<std::string, std::string>> headers);
  HttpTransport& transport_;
};

struct LoopOptions {
  std::int64_t deadline_margin_ms = 1000;
  std::uint64_t max_invocations = 0;          // 0: until the Runtime API fails
  std::function<std::int64_t()> now_ms;       // Unix epoch milliseconds; default: the system clock
  std::function<void(std::string_view)> log;  // one JSON line per invocation; default: stderr
};

struct LoopReport {
  std::uint64_t invocations = 0;
  std::uint64_t responses = 0;
  std::uint64_t errors = 0;  // invocations answered with an error (handler's, deadline, refused)
};

Status RunLoop(RuntimeClient& client, Handler& handler, const LoopOptions& options,
               LoopReport* report);

}  // namespace corroborate::lambda
