// Routing: which Security Hub operation (or server endpoint) a method and path name.
//
// Contract: Route matches the paths and methods of botocore's securityhub model for the
// operations the server implements, plus the event and operations endpoints. Greedy labels
// ({InsightArn+}) are percent-decoded. A path the model knows under another method answers 405
// naming the methods it takes; a Security Hub operation the server does not implement, or an
// unknown path, answers 404 UnknownOperationException naming what was asked. The dashboard's
// routes are /dashboard/* ({Resource+} greedy in /dashboard/resources/); any other GET of a path
// outside the API's prefixes is a static file of the front end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "server/errors.h"

namespace corroborate::server {

enum class Operation : std::uint8_t {
  kBatchImportFindings,
  kGetFindings,
  kBatchUpdateFindings,
  kGetFindingHistory,
  kCreateAutomationRule,
  kBatchGetAutomationRules,
  kBatchUpdateAutomationRules,
  kBatchDeleteAutomationRules,
  kListAutomationRules,
  kCreateInsight,
  kGetInsights,
  kGetInsightResults,
  kUpdateInsight,
  kDeleteInsight,
  kEventBridge,
  kSns,
  kHealthz,
  kMetrics,
  // The dashboard (dashboard.h): its data, then its static files (any other GET outside the API).
  kDashboardVersion,
  kDashboardFilterFields,
  kDashboardCounts,
  kDashboardRules,
  kDashboardExplain,
  kDashboardResource,
  kDashboardTryRule,
  kStaticFile,
  kCount,  // not an operation: the number of them
};

std::string_view OperationName(Operation op);
// Whether the operation changes stored state (and so goes through the writer).
bool IsWrite(Operation op);

struct Route {
  Operation operation = Operation::kHealthz;
  std::string resource;  // the decoded greedy label (InsightArn), when the route has one
};

std::variant<Route, ApiError> MatchRoute(std::string_view method, std::string_view raw_path);

}  // namespace corroborate::server
