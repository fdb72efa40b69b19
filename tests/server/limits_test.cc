// Rate limits, the error shape, request helpers and the metrics' text format.
#include <gtest/gtest.h>

#include "server/errors.h"
#include "server/http_types.h"
#include "server/metrics.h"
#include "server/rate_limit.h"

namespace corroborate::server {
namespace {

using Clock = RateLimiter::Clock;

TEST(RateLimiter, BurstThenRefillPerClient) {
  RateLimiter limiter(2, 3);
  const auto t0 = Clock::now();
  EXPECT_TRUE(limiter.Allow("a", t0));
  EXPECT_TRUE(limiter.Allow("a", t0));
  EXPECT_TRUE(limiter.Allow("a", t0));
  EXPECT_FALSE(limiter.Allow("a", t0));
  EXPECT_TRUE(limiter.Allow("b", t0));  // another client has its own bucket
  EXPECT_FALSE(limiter.Allow("a", t0 + std::chrono::milliseconds(400)));
  EXPECT_TRUE(limiter.Allow("a", t0 + std::chrono::milliseconds(600)));  // 1.2 tokens refilled
  EXPECT_FALSE(limiter.Allow("a", t0 + std::chrono::milliseconds(600)));
}

TEST(RateLimiter, ZeroRateIsUnlimitedAndIdleBucketsAreForgotten) {
  RateLimiter off(0, 1);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(off.Allow("x", Clock::now()));
  RateLimiter limiter(10, 10);
  const auto t0 = Clock::now();
  for (int i = 0; i < 100; ++i) limiter.Allow("client" + std::to_string(i), t0);
  EXPECT_EQ(limiter.tracked(), 100U);
  limiter.Allow("late", t0 + std::chrono::seconds(60));
  EXPECT_EQ(limiter.tracked(), 1U);
}

TEST(Errors, SecurityHubShape) {
  const Response r = ErrorResponse(InvalidInput("Invalid parameter 'Findings'."));
  EXPECT_EQ(r.status, 400);
  ASSERT_EQ(r.headers.size(), 1U);
  EXPECT_EQ(r.headers[0].name, "x-amzn-ErrorType");
  EXPECT_EQ(r.headers[0].value, "InvalidInputException");
  EXPECT_EQ(r.body,
            R"({"Code":"InvalidInputException","Message":"Invalid parameter 'Findings'."})");
  EXPECT_EQ(LimitExceeded("x").status, 429);
  EXPECT_EQ(FromStatus(Status::NotFound("gone")).type, "ResourceNotFoundException");
  EXPECT_EQ(FromStatus(Status::IOError("disk")).status, 500);
}

TEST(Request, HeadersAndQueryParameters) {
  Request r;
  r.headers = {{"Content-Type", "application/json"}, {"X-Amz-Date", "20260101T000000Z"}};
  r.raw_query = "MaxResults=5&NextToken=a%2Fb&flag";
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_TRUE(r.HasHeader("x-amz-date"));
  EXPECT_EQ(r.Header("missing"), "");
  EXPECT_EQ(r.QueryParam("NextToken"), "a/b");
  EXPECT_EQ(r.QueryParam("MaxResults"), "5");
  EXPECT_EQ(r.QueryParam("nope"), "");
}

TEST(Metrics, PrometheusText) {
  Metrics m;
  m.Request("GetFindings", 200, 0.003);
  m.Request("GetFindings", 400, 0.0001);
  m.FindingsIngested(5, 1, 2);
  m.FindingsRejected("InvalidInput", 3);
  m.SetStore(6, 4096);
  const std::string text = m.Render();
  EXPECT_NE(text.find("# TYPE corroborate_http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find(R"(corroborate_http_requests_total{operation="GetFindings",code="200"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(corroborate_findings_ingested_total{outcome="created"} 5)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(corroborate_findings_rejected_total{reason="InvalidInput"} 3)"),
            std::string::npos);
  EXPECT_NE(
      text.find(
          R"(corroborate_http_request_duration_seconds_bucket{operation="GetFindings",le="0.005"} 2)"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(R"(corroborate_http_request_duration_seconds_count{operation="GetFindings"} 2)"),
      std::string::npos);
  EXPECT_NE(text.find("corroborate_store_findings 6\n"), std::string::npos);
}

}  // namespace
}  // namespace corroborate::server
