// Routing: botocore's paths and methods for the operations served, greedy ARN labels, and the
// 404/405 answers that say what was asked.
#include "server/router.h"

#include <gtest/gtest.h>

namespace corroborate::server {
namespace {

Route Ok(std::string_view method, std::string_view path) {
  auto r = MatchRoute(method, path);
  EXPECT_TRUE(std::holds_alternative<Route>(r)) << method << " " << path;
  return std::holds_alternative<Route>(r) ? std::get<Route>(r) : Route{};
}

ApiError Err(std::string_view method, std::string_view path) {
  auto r = MatchRoute(method, path);
  EXPECT_TRUE(std::holds_alternative<ApiError>(r)) << method << " " << path;
  return std::holds_alternative<ApiError>(r) ? std::get<ApiError>(r) : ApiError{};
}

TEST(Router, TheModelsRoutes) {
  EXPECT_EQ(Ok("POST", "/findings/import").operation, Operation::kBatchImportFindings);
  EXPECT_EQ(Ok("POST", "/findings").operation, Operation::kGetFindings);
  EXPECT_EQ(Ok("PATCH", "/findings/batchupdate").operation, Operation::kBatchUpdateFindings);
  EXPECT_EQ(Ok("POST", "/findingHistory/get").operation, Operation::kGetFindingHistory);
  EXPECT_EQ(Ok("POST", "/automationrules/create").operation, Operation::kCreateAutomationRule);
  EXPECT_EQ(Ok("POST", "/automationrules/get").operation, Operation::kBatchGetAutomationRules);
  EXPECT_EQ(Ok("PATCH", "/automationrules/update").operation,
            Operation::kBatchUpdateAutomationRules);
  EXPECT_EQ(Ok("POST", "/automationrules/delete").operation,
            Operation::kBatchDeleteAutomationRules);
  EXPECT_EQ(Ok("GET", "/automationrules/list").operation, Operation::kListAutomationRules);
  EXPECT_EQ(Ok("POST", "/insights").operation, Operation::kCreateInsight);
  EXPECT_EQ(Ok("POST", "/insights/get").operation, Operation::kGetInsights);
  EXPECT_EQ(Ok("POST", "/events/eventbridge").operation, Operation::kEventBridge);
  EXPECT_EQ(Ok("POST", "/events/sns").operation, Operation::kSns);
  EXPECT_EQ(Ok("GET", "/healthz").operation, Operation::kHealthz);
  EXPECT_EQ(Ok("GET", "/metrics").operation, Operation::kMetrics);
}

TEST(Router, GreedyInsightArnsAreDecoded) {
  // botocore encodes a greedy label with '/' kept: arn%3Aaws%3A...%3Ainsight/123/custom/uuid.
  const std::string encoded =
      "arn%3Aaws%3Asecurityhub%3Aeu-west-1%3A111122223333%3Ainsight/111122223333/custom/abc";
  const std::string arn =
      "arn:aws:securityhub:eu-west-1:111122223333:insight/111122223333/custom/abc";
  Route r = Ok("GET", "/insights/results/" + encoded);
  EXPECT_EQ(r.operation, Operation::kGetInsightResults);
  EXPECT_EQ(r.resource, arn);
  r = Ok("PATCH", "/insights/" + encoded);
  EXPECT_EQ(r.operation, Operation::kUpdateInsight);
  EXPECT_EQ(r.resource, arn);
  r = Ok("DELETE", "/insights/" + encoded);
  EXPECT_EQ(r.operation, Operation::kDeleteInsight);
  EXPECT_EQ(r.resource, arn);
}

TEST(Router, WrongMethodAndUnknownPathsSayWhat) {
  ApiError e = Err("GET", "/findings/import");
  EXPECT_EQ(e.status, 405);
  EXPECT_NE(e.message.find("takes POST"), std::string::npos);
  e = Err("POST", "/insights/results/x");
  EXPECT_EQ(e.status, 405);
  e = Err("GET", "/insights/x");
  EXPECT_EQ(e.status, 405);
  e = Err("PATCH", "/findings");
  EXPECT_EQ(e.status, 404);
  EXPECT_NE(e.message.find("deprecated"), std::string::npos);
  e = Err("POST", "/members");
  EXPECT_EQ(e.status, 404);
  EXPECT_NE(e.message.find("not implemented"), std::string::npos);
  e = Err("POST", "/nope");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.type, "UnknownOperationException");
  EXPECT_NE(e.message.find("POST /nope"), std::string::npos);
  // Under the API's prefixes a GET is never taken for a file of the dashboard.
  for (const char* path : {"/findings/nope", "/dashboard/nope", "/metrics/x"}) {
    e = Err("GET", path);
    EXPECT_EQ(e.type, "UnknownOperationException") << path;
  }
}

TEST(Router, TheDashboardsRoutesAndItsFiles) {
  EXPECT_EQ(Ok("GET", "/dashboard/version").operation, Operation::kDashboardVersion);
  EXPECT_EQ(Ok("GET", "/dashboard/filter-fields").operation, Operation::kDashboardFilterFields);
  EXPECT_EQ(Ok("POST", "/dashboard/counts").operation, Operation::kDashboardCounts);
  EXPECT_EQ(Ok("GET", "/dashboard/rules").operation, Operation::kDashboardRules);
  EXPECT_EQ(Ok("POST", "/dashboard/explain").operation, Operation::kDashboardExplain);
  EXPECT_EQ(Ok("POST", "/dashboard/rules/try").operation, Operation::kDashboardTryRule);
  const Route r = Ok("GET", "/dashboard/resources/arn%3Aaws%3As3%3A%3A%3Aacme-payroll-exports");
  EXPECT_EQ(r.operation, Operation::kDashboardResource);
  EXPECT_EQ(r.resource, "arn:aws:s3:::acme-payroll-exports");
  EXPECT_EQ(Err("POST", "/dashboard/resources/x").status, 405);
  const Route plain = Ok("GET", "/resources/arn%3Aaws%3As3%3A%3A%3Aacme-payroll-exports");
  EXPECT_EQ(plain.operation, Operation::kDashboardResource);
  EXPECT_EQ(plain.resource, "arn:aws:s3:::acme-payroll-exports");
  EXPECT_EQ(Err("GET", "/dashboard/counts").status, 405);
  for (const char* path : {"/", "/index.html", "/assets/index-abc.js", "/nope"}) {
    EXPECT_EQ(Ok("GET", path).operation, Operation::kStaticFile) << path;
  }
  EXPECT_FALSE(IsWrite(Operation::kDashboardTryRule));
  EXPECT_FALSE(IsWrite(Operation::kStaticFile));
}

TEST(Router, WritesAreKnown) {
  EXPECT_TRUE(IsWrite(Operation::kBatchImportFindings));
  EXPECT_TRUE(IsWrite(Operation::kSns));
  EXPECT_FALSE(IsWrite(Operation::kGetFindings));
  EXPECT_FALSE(IsWrite(Operation::kGetInsightResults));
  EXPECT_EQ(OperationName(Operation::kGetFindingHistory), "GetFindingHistory");
}

}  // namespace
}  // namespace corroborate::server
