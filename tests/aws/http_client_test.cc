// HttpClient against a local fake server: what is retried (429, throttling error types, 5xx,
// connection failures) and what is not, Retry-After, the full-jitter backoff, keep-alive, and
// re-preparing (re-signing) every attempt. Sleeps are recorded, never taken.
#include "aws/http_client.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/aws/fake_http_server.h"

namespace corroborate::aws {
namespace {

using corroborate::testing::FakeHttpServer;
using corroborate::testing::FakeRequest;
using corroborate::testing::FakeResponse;

struct Recorder {
  std::vector<std::chrono::milliseconds> sleeps;
  double random = 0.5;
};

std::unique_ptr<HttpClient> MakeClient(Recorder& r, int max_attempts = 4) {
  HttpClientOptions o;
  o.retry.max_attempts = max_attempts;
  o.retry.base_delay = std::chrono::milliseconds(100);
  o.retry.max_delay = std::chrono::milliseconds(1000);
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.total_timeout = std::chrono::milliseconds(10000);
  o.sleep = [&r](std::chrono::milliseconds d) { r.sleeps.push_back(d); };
  o.random = [&r] { return r.random; };
  o.now_seconds = [] { return std::int64_t{1767225600}; };  // 2026-01-01T00:00:00Z
  auto c = HttpClient::Create(o);
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

HttpRequest Get(const FakeHttpServer& server, const std::string& path = "/x") {
  HttpRequest r;
  r.url = server.url() + path;
  return r;
}

TEST(HttpClientTest, ThrottledWith429ThenRetryAfterIsHonoured) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest&) {
    if (calls++ == 0) return FakeResponse{429, {{"Retry-After", "3"}}, "{}"};
    return FakeResponse{200, {}, "ok"};
  });
  Recorder rec;
  rec.random = 0.0;  // the jitter alone would not wait at all
  auto client = MakeClient(rec);
  auto r = client->Send(Get(server));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(r->attempts, 2);
  ASSERT_EQ(rec.sleeps.size(), 1U);
  EXPECT_EQ(rec.sleeps[0], std::chrono::milliseconds(3000));
}

TEST(HttpClientTest, RetryAfterAsHttpDate) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest&) {
    if (calls++ == 0) {
      return FakeResponse{503, {{"Retry-After", "Thu, 01 Jan 2026 00:00:07 GMT"}}, ""};
    }
    return FakeResponse{200, {}, ""};
  });
  Recorder rec;
  rec.random = 0.0;
  auto client = MakeClient(rec);
  auto r = client->Send(Get(server));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(rec.sleeps.size(), 1U);
  EXPECT_EQ(rec.sleeps[0], std::chrono::milliseconds(7000));
}

TEST(HttpClientTest, ThrottlingErrorTypesOn400AreRetried) {
  for (const char* type : {"ThrottlingException", "TooManyRequestsException",
                           "ProvisionedThroughputExceededException"}) {
    std::atomic<int> calls{0};
    FakeHttpServer server([&](const FakeRequest&) {
      if (calls++ == 0) {
        return FakeResponse{400,
                            {{"x-amzn-ErrorType", std::string(type) + ":http://x/"}},
                            R"({"message":"slow down"})"};
      }
      return FakeResponse{200, {}, "{}"};
    });
    Recorder rec;
    auto client = MakeClient(rec);
    auto r = client->Send(Get(server));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << type;
    EXPECT_EQ(r->attempts, 2) << type;
  }
}

TEST(HttpClientTest, ServerErrorsRetriedUpToMaxAttemptsThenReturned) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest&) {
    ++calls;
    return FakeResponse{503, {}, R"({"__type":"ServiceUnavailable","message":"down"})"};
  });
  Recorder rec;
  auto client = MakeClient(rec, 3);
  auto r = client->Send(Get(server));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(rec.sleeps.size(), 2U);
}

TEST(HttpClientTest, ClientErrorsAndNotImplementedAreNotRetried) {
  for (int status : {400, 403, 404, 501}) {
    std::atomic<int> calls{0};
    FakeHttpServer server([&](const FakeRequest&) {
      ++calls;
      return FakeResponse{status, {}, R"({"__type":"InvalidInputException","message":"bad"})"};
    });
    Recorder rec;
    auto client = MakeClient(rec);
    auto r = client->Send(Get(server));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, status);
    EXPECT_EQ(calls.load(), 1) << status;
    EXPECT_TRUE(rec.sleeps.empty());
  }
}

TEST(HttpClientTest, ConnectionRefusedIsRetriedThenAnIOErrorNamingTheHost) {
  Recorder rec;
  auto client = MakeClient(rec, 3);
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(corroborate::testing::UnusedPort()) + "/";
  auto r = client->Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kIOError);
  EXPECT_NE(r.status().message().find("127.0.0.1"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("3 attempt"), std::string::npos) << r.status().message();
  EXPECT_EQ(rec.sleeps.size(), 2U);
}

TEST(HttpClientTest, BackoffIsFullJitterOfACappedExponential) {
  Recorder rec;
  auto client = MakeClient(rec);
  rec.random = 0.5;
  EXPECT_EQ(client->RetryDelay(1, nullptr), std::chrono::milliseconds(50));    // 0.5 * 100
  EXPECT_EQ(client->RetryDelay(2, nullptr), std::chrono::milliseconds(100));   // 0.5 * 200
  EXPECT_EQ(client->RetryDelay(3, nullptr), std::chrono::milliseconds(200));   // 0.5 * 400
  EXPECT_EQ(client->RetryDelay(10, nullptr), std::chrono::milliseconds(500));  // capped at 1000
  rec.random = 0.0;
  EXPECT_EQ(client->RetryDelay(5, nullptr), std::chrono::milliseconds(0));
  // Retry-After beyond max_retry_after (60 s) is capped.
  HttpResponse r;
  r.headers.push_back({"Retry-After", "3600"});
  EXPECT_EQ(client->RetryDelay(1, &r), std::chrono::milliseconds(60000));
}

TEST(HttpClientTest, OneConnectionIsKeptAliveAcrossRequests) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse{200, {}, "ok"}; });
  Recorder rec;
  auto client = MakeClient(rec);
  for (int i = 0; i < 3; ++i) {
    auto r = client->Send(Get(server));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(server.requests().size(), 3U);
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClientTest, PrepareRunsBeforeEveryAttemptAndBodiesAreSent) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest&) {
    if (calls++ == 0) return FakeResponse{500, {}, ""};
    return FakeResponse{200, {}, ""};
  });
  Recorder rec;
  auto client = MakeClient(rec);
  HttpRequest req;
  req.method = "PATCH";
  req.url = server.url() + "/findings/batchupdate";
  req.body = R"({"a":1})";
  int prepared = 0;
  auto r = client->Send(req, [&](HttpRequest& attempt) {
    attempt.headers.push_back({"X-Attempt", std::to_string(++prepared)});
  });
  ASSERT_TRUE(r.ok());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].headers.at("x-attempt"), "1");
  EXPECT_EQ(requests[1].headers.at("x-attempt"), "2");
  EXPECT_EQ(requests[1].method, "PATCH");
  EXPECT_EQ(requests[1].body, R"({"a":1})");
  EXPECT_EQ(requests[1].headers.count("expect"), 0U);
}

TEST(HttpClientTest, AwsErrorsAreReadFromHeadersJsonAndXml) {
  HttpResponse header;
  header.headers.push_back({"X-Amzn-ErrorType", "AccessDeniedException:http://internal/"});
  header.body = R"({"Message":"no"})";
  EXPECT_EQ(ParseAwsError(header).type, "AccessDeniedException");
  EXPECT_EQ(ParseAwsError(header).message, "no");
  HttpResponse json;
  json.body = R"({"__type":"com.amazonaws.securityhub#InvalidInputException","message":"bad"})";
  EXPECT_EQ(ParseAwsError(json).type, "InvalidInputException");
  EXPECT_EQ(ParseAwsError(json).message, "bad");
  HttpResponse xml;
  xml.body =
      "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>expired</Message>"
      "</Error></ErrorResponse>";
  EXPECT_EQ(ParseAwsError(xml).type, "InvalidIdentityToken");
  EXPECT_EQ(ParseAwsError(xml).message, "expired");
}

TEST(HttpClientTest, TrimsSpaceAndReadsTheFirstXmlElement) {
  EXPECT_EQ(TrimSpace(" \t\r\nvalue with space\r\n "), "value with space");
  EXPECT_EQ(TrimSpace(" \r\n\t"), "");
  EXPECT_EQ(TrimSpace(""), "");
  const std::string_view body =
      "<R><Code>\n  Throttling\n</Code><Code>second</Code><Empty></Empty></R>";
  EXPECT_EQ(XmlElementText(body, "Code"), "\n  Throttling\n");  // as it is: callers trim
  EXPECT_EQ(XmlElementText(body, "Empty"), "");
  EXPECT_EQ(XmlElementText(body, "Missing"), "");
  EXPECT_EQ(XmlElementText("<Code>never closed", "Code"), "");
}

}  // namespace
}  // namespace corroborate::aws
