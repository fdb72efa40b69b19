// The Runtime API loop against an in-memory Runtime API: what it posts, where, with which shape,
// and that nothing a handler does stops it.
#include "lambda/runtime.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include <simdjson.h>

namespace corroborate::lambda {
namespace {

constexpr std::int64_t kNow = 1'795'392'000'000;

// Hands out queued invocations on GET next and records every POST.
class FakeRuntimeApi final : public HttpTransport {
 public:
  struct Queued {
    std::string id, payload, trace;
    std::int64_t deadline_ms = kNow + 60'000;
  };
  std::deque<Queued> queue;
  std::vector<HttpRequest> posts;
  int response_status = 202;  // what POST .../response answers

  Result<HttpResponse> Send(const HttpRequest& request) override {
    if (request.method == "GET") {
      if (request.path != "/2018-06-01/runtime/invocation/next") return HttpResponse{404, {}, ""};
      if (queue.empty()) return Status::IOError("connection refused");
      Queued q = queue.front();
      queue.pop_front();
      HttpResponse r{200, {}, q.payload};
      r.headers["lambda-runtime-aws-request-id"] = q.id;
      r.headers["lambda-runtime-deadline-ms"] = std::to_string(q.deadline_ms);
      r.headers["lambda-runtime-invoked-function-arn"] =
          "arn:aws:lambda:eu-west-1:111122223333:function:corroborate";
      if (!q.trace.empty()) r.headers["lambda-runtime-trace-id"] = q.trace;
      return r;
    }
    posts.push_back(request);
    if (request.path.ends_with("/response")) return HttpResponse{response_status, {}, ""};
    return HttpResponse{202, {}, ""};
  }
};

// Answers "echo:<payload>", fails on "fail", throws on "throw"; records the trace ids it saw.
class ScriptedHandler final : public Handler {
 public:
  std::vector<std::string> seen, traces;
  Outcome Handle(const Invocation& invocation) override {
    seen.push_back(invocation.payload);
    const char* trace = std::getenv("_X_AMZN_TRACE_ID");
    traces.emplace_back(trace == nullptr ? "" : trace);
    if (invocation.payload == "fail") return Outcome::Error("Test.Failure", "it failed");
    if (invocation.payload == "throw") throw std::runtime_error("it threw");
    return Outcome::Response("{\"echo\":\"" + invocation.payload + "\"}");
  }
};

LoopOptions Options(std::uint64_t max) {
  LoopOptions o;
  o.max_invocations = max;
  o.now_ms = [] { return kNow; };
  o.log = [](std::string_view) {};
  return o;
}

std::string Header(const HttpRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(RunLoop, PostsEachResponseToItsRequestIdAndErrorsInLambdasShape) {
  FakeRuntimeApi api;
  api.queue = {
      {"req-1", "a", ""}, {"req-2", "fail", ""}, {"req-3", "throw", ""}, {"req-4", "b", ""}};
  ScriptedHandler handler;
  RuntimeClient client(api);
  LoopReport report;
  ASSERT_TRUE(RunLoop(client, handler, Options(4), &report).ok());
  EXPECT_EQ(handler.seen, (std::vector<std::string>{"a", "fail", "throw", "b"}));
  ASSERT_EQ(api.posts.size(), 4u);
  EXPECT_EQ(api.posts[0].path, "/2018-06-01/runtime/invocation/req-1/response");
  EXPECT_EQ(api.posts[0].body, R"({"echo":"a"})");
  EXPECT_EQ(api.posts[1].path, "/2018-06-01/runtime/invocation/req-2/error");
  EXPECT_EQ(api.posts[1].body,
            R"({"errorMessage":"it failed","errorType":"Test.Failure","stackTrace":[]})");
  EXPECT_EQ(Header(api.posts[1], "Lambda-Runtime-Function-Error-Type"), "Test.Failure");
  EXPECT_EQ(api.posts[2].path, "/2018-06-01/runtime/invocation/req-3/error");
  EXPECT_EQ(
      api.posts[2].body,
      R"({"errorMessage":"it threw","errorType":"Corroborate.InternalError","stackTrace":[]})");
  EXPECT_EQ(api.posts[3].path, "/2018-06-01/runtime/invocation/req-4/response");
  EXPECT_EQ(report.invocations, 4u);
  EXPECT_EQ(report.responses, 2u);
  EXPECT_EQ(report.errors, 2u);
}

TEST(RunLoop, AnInvocationPastItsDeadlineMarginIsAnsweredWithoutRunningTheHandler) {
  FakeRuntimeApi api;
  api.queue = {
      {"late", "a", "", kNow + 200}, {"gone", "b", "", kNow - 5}, {"ok", "c", "", kNow + 5000}};
  ScriptedHandler handler;
  RuntimeClient client(api);
  LoopOptions options = Options(3);
  options.deadline_margin_ms = 1000;
  ASSERT_TRUE(RunLoop(client, handler, options, nullptr).ok());
  EXPECT_EQ(handler.seen, std::vector<std::string>{"c"});
  ASSERT_EQ(api.posts.size(), 3u);
  EXPECT_EQ(api.posts[0].path, "/2018-06-01/runtime/invocation/late/error");
  EXPECT_EQ(Header(api.posts[0], "Lambda-Runtime-Function-Error-Type"),
            "Corroborate.DeadlineExceeded");
  EXPECT_NE(api.posts[0].body.find("200 ms left"), std::string::npos) << api.posts[0].body;
  EXPECT_EQ(api.posts[1].path, "/2018-06-01/runtime/invocation/gone/error");
  EXPECT_EQ(api.posts[2].path, "/2018-06-01/runtime/invocation/ok/response");
}

TEST(RunLoop, SetsTheTraceIdForEachInvocationAndClearsItWhenThereIsNone) {
  FakeRuntimeApi api;
  api.queue = {{"1", "a", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"}, {"2", "b", ""}};
  ScriptedHandler handler;
  RuntimeClient client(api);
  ASSERT_TRUE(RunLoop(client, handler, Options(2), nullptr).ok());
  EXPECT_EQ(handler.traces,
            (std::vector<std::string>{"Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", ""}));
}

TEST(RunLoop, AResponseTheApiRefusesEndsTheInvocationAsAnError) {
  FakeRuntimeApi api;
  api.response_status = 413;
  api.queue = {{"big", "a", ""}, {"next", "b", ""}};
  ScriptedHandler handler;
  RuntimeClient client(api);
  LoopReport report;
  ASSERT_TRUE(RunLoop(client, handler, Options(2), &report).ok());
  ASSERT_EQ(api.posts.size(), 4u);
  EXPECT_EQ(api.posts[1].path, "/2018-06-01/runtime/invocation/big/error");
  EXPECT_EQ(Header(api.posts[1], "Lambda-Runtime-Function-Error-Type"),
            "Corroborate.ResponseRefused");
  EXPECT_EQ(api.posts[3].path, "/2018-06-01/runtime/invocation/next/error");
  EXPECT_EQ(report.errors, 2u);
}

TEST(RunLoop, ReturnsAnErrorWhenTheRuntimeApiIsGone) {
  FakeRuntimeApi api;
  api.queue = {{"1", "a", ""}};
  ScriptedHandler handler;
  RuntimeClient client(api);
  LoopReport report;
  const Status s = RunLoop(client, handler, Options(0), &report);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("invocation/next"), std::string::npos) << s.message();
  EXPECT_EQ(report.invocations, 1u);
  EXPECT_EQ(report.responses, 1u);
}

class NoRequestId final : public HttpTransport {
 public:
  Result<HttpResponse> Send(const HttpRequest&) override { return HttpResponse{200, {}, "{}"}; }
};

TEST(RuntimeClient, ANextWithoutRequestIdIsAnError) {
  NoRequestId api;
  RuntimeClient client(api);
  auto next = client.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.status().message().find("Lambda-Runtime-Aws-Request-Id"), std::string::npos);
}

TEST(RuntimeClient, InitFailedPostsTheErrorDocumentToInitError) {
  FakeRuntimeApi api;
  RuntimeClient client(api);
  ASSERT_TRUE(client.InitFailed({"Corroborate.InitError", "no store: \"x\""}).ok());
  ASSERT_EQ(api.posts.size(), 1u);
  EXPECT_EQ(api.posts[0].path, "/2018-06-01/runtime/init/error");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(api.posts[0].body).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["errorMessage"]), "no store: \"x\"");
  EXPECT_EQ(std::string_view(doc["errorType"]), "Corroborate.InitError");
}

}  // namespace
}  // namespace corroborate::lambda
