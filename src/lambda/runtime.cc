#include "lambda/runtime.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "asff/json_writer.h"

namespace corroborate::lambda {
namespace {

constexpr std::string_view kApi = "/2018-06-01/runtime";
// Posting a result is a local call; a Runtime API that takes longer than this is broken.
constexpr long kPostTimeoutMs = 10'000;
// What an error message may quote of the Runtime API's answer.
constexpr std::size_t kQuoteBytes = 300;

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Header(const HttpResponse& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

std::string Quote(const HttpResponse& r) {
  std::string out = "HTTP " + std::to_string(r.status);
  if (!r.body.empty()) out += ": " + r.body.substr(0, kQuoteBytes);
  return out;
}

void SetTraceId(const std::string& trace_id) {
  // Lambda's convention for custom runtimes: the X-Ray SDKs read the trace header from here.
  if (trace_id.empty()) {
    unsetenv("_X_AMZN_TRACE_ID");
  } else {
    setenv("_X_AMZN_TRACE_ID", trace_id.c_str(), 1);
  }
}

}  // namespace

std::string ErrorJson(const FunctionError& error) {
  std::string out;
  asff::JsonWriter(out)
      .BeginObject()
      .Key("errorMessage")
      .String(error.message)
      .Key("errorType")
      .String(error.type)
      .Key("stackTrace")
      .BeginArray()
      .EndArray()
      .EndObject();
  return out;
}

Result<Invocation> RuntimeClient::Next() {
  HttpRequest request;
  request.method = "GET";
  request.path = std::string(kApi) + "/invocation/next";
  auto response = transport_.Send(request);
  if (!response.ok()) return response.status().WithContext("Runtime API invocation/next");
  if (response->status != 200) {
    return Status::IOError("Runtime API invocation/next answered " + Quote(*response));
  }
  Invocation invocation;
  invocation.request_id = Header(*response, "lambda-runtime-aws-request-id");
  if (invocation.request_id.empty()) {
    return Status::IOError("Runtime API invocation/next sent no Lambda-Runtime-Aws-Request-Id");
  }
  const std::string deadline = Header(*response, "lambda-runtime-deadline-ms");
  if (!deadline.empty()) {
    char* end = nullptr;
    const long long ms = std::strtoll(deadline.c_str(), &end, 10);
    if (end != nullptr && *end == '\0' && ms > 0) invocation.deadline_ms = ms;
  }
  invocation.trace_id = Header(*response, "lambda-runtime-trace-id");
  invocation.function_arn = Header(*response, "lambda-runtime-invoked-function-arn");
  invocation.payload = std::move(response->body);
  return invocation;
}

Status RuntimeClient::Post(const std::string& path, std::string body,
                           std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.method = "POST";
  request.path = path;
  request.body = std::move(body);
  request.headers = std::move(headers);
  request.headers.emplace_back("Content-Type", "application/json");
  request.timeout_ms = kPostTimeoutMs;
  auto response = transport_.Send(request);
  if (!response.ok()) return response.status().WithContext("Runtime API " + path);
  if (response->status < 200 || response->status > 299) {
    // 413 (response too large) and 400 are the caller's to handle; say which it was.
    std::string message = "Runtime API " + path + " answered " + Quote(*response);
    return response->status == 413 ? Status::LimitExceeded(std::move(message))
                                   : Status::InvalidInput(std::move(message));
  }
  return Status::Ok();
}

Status RuntimeClient::Respond(const std::string& request_id, std::string response) {
  return Post(std::string(kApi) + "/invocation/" + request_id + "/response", std::move(response),
              {});
}

Status RuntimeClient::PostError(const std::string& path, const FunctionError& error) {
  return Post(path, ErrorJson(error), {{"Lambda-Runtime-Function-Error-Type", error.type}});
}

Status RuntimeClient::Fail(const std::string& request_id, const FunctionError& error) {
  return PostError(std::string(kApi) + "/invocation/" + request_id + "/error", error);
}

Status RuntimeClient::InitFailed(const FunctionError& error) {
  return PostError(std::string(kApi) + "/init/error", error);
}

Status RunLoop(RuntimeClient& client, Handler& handler, const LoopOptions& options,
               LoopReport* report) {
  const auto now_ms = options.now_ms ? options.now_ms : SystemNowMs;
  const auto log = options.log ? options.log : [](std::string_view line) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  };
  LoopReport local;
  LoopReport& r = report != nullptr ? *report : local;
  while (options.max_invocations == 0 || r.invocations < options.max_invocations) {
    auto next = client.Next();
    if (!next.ok()) return next.status();
    const Invocation& invocation = *next;
    ++r.invocations;
    SetTraceId(invocation.trace_id);
    const std::int64_t started = now_ms();

    Outcome outcome;
    if (invocation.deadline_ms != 0 &&
        invocation.deadline_ms - started < options.deadline_margin_ms) {
      outcome = Outcome::Error(
          "Corroborate.DeadlineExceeded",
          "the invocation arrived with " + std::to_string(invocation.deadline_ms - started) +
              " ms left, less than the " + std::to_string(options.deadline_margin_ms) +
              " ms this function needs to start; nothing was done, so a retry is safe");
    } else {
      try {
        outcome = handler.Handle(invocation);
      } catch (const std::exception& e) {
        outcome = Outcome::Error("Corroborate.InternalError", e.what());
      }
    }

    Status posted;
    if (outcome.ok) {
      posted = client.Respond(invocation.request_id, std::move(outcome.response));
      if (posted.code() == Status::Code::kLimitExceeded ||
          posted.code() == Status::Code::kInvalidInput) {
        // The API refused the response (too large): the invocation must still end, as an error.
        outcome = Outcome::Error("Corroborate.ResponseRefused", posted.message());
        posted = Status::Ok();
      } else if (posted.ok()) {
        ++r.responses;
      }
    }
    if (!outcome.ok && posted.ok()) {
      posted = client.Fail(invocation.request_id, outcome.error);
      ++r.errors;
    }
    const std::int64_t took = now_ms() - started;

    std::string line;
    asff::JsonWriter w(line);
    w.BeginObject()
        .Key("level")
        .String(outcome.ok ? "info" : "error")
        .Key("requestId")
        .String(invocation.request_id)
        .Key("outcome")
        .String(outcome.ok ? "response" : "error");
    if (!outcome.ok) {
      w.Key("errorType")
          .String(outcome.error.type)
          .Key("errorMessage")
          .String(outcome.error.message);
    }
    w.Key("ms").Int(took);
    if (invocation.deadline_ms != 0 && now_ms() > invocation.deadline_ms) {
      w.Key("pastDeadline").Bool(true);
    }
    if (!posted.ok()) w.Key("postError").String(posted.message());
    w.EndObject();
    log(line);
    // A post that got no answer means the Runtime API is gone; one it refused is logged above.
    if (!posted.ok() && posted.code() == Status::Code::kIOError) return posted;
  }
  return Status::Ok();
}

}  // namespace corroborate::lambda
