#include "server/router.h"

#include <algorithm>
#include <array>

#include "aws/sigv4.h"

namespace corroborate::server {
namespace {

struct Fixed {
  std::string_view method;
  std::string_view path;
  Operation operation;
};

constexpr std::array<Fixed, 21> kFixed{{
    {"POST", "/findings/import", Operation::kBatchImportFindings},
    {"POST", "/findings", Operation::kGetFindings},
    {"PATCH", "/findings/batchupdate", Operation::kBatchUpdateFindings},
    {"POST", "/findingHistory/get", Operation::kGetFindingHistory},
    {"POST", "/automationrules/create", Operation::kCreateAutomationRule},
    {"POST", "/automationrules/get", Operation::kBatchGetAutomationRules},
    {"PATCH", "/automationrules/update", Operation::kBatchUpdateAutomationRules},
    {"POST", "/automationrules/delete", Operation::kBatchDeleteAutomationRules},
    {"GET", "/automationrules/list", Operation::kListAutomationRules},
    {"POST", "/insights", Operation::kCreateInsight},
    {"POST", "/insights/get", Operation::kGetInsights},
    {"POST", "/events/eventbridge", Operation::kEventBridge},
    {"POST", "/events/sns", Operation::kSns},
    {"GET", "/healthz", Operation::kHealthz},
    {"GET", "/metrics", Operation::kMetrics},
    {"GET", "/dashboard/version", Operation::kDashboardVersion},
    {"GET", "/dashboard/filter-fields", Operation::kDashboardFilterFields},
    {"POST", "/dashboard/counts", Operation::kDashboardCounts},
    {"GET", "/dashboard/rules", Operation::kDashboardRules},
    {"POST", "/dashboard/explain", Operation::kDashboardExplain},
    {"POST", "/dashboard/rules/try", Operation::kDashboardTryRule},
}};

// Paths of the API: never static files, so an unknown operation is told as such.
constexpr std::string_view kApiPrefixes[] = {"/findings", "/findingHistory", "/automationrules",
                                             "/insights", "/events",         "/dashboard",
                                             "/healthz",  "/metrics",        "/resources"};

// Security Hub operations of the model this server does not implement, by path prefix, so that a
// client gets told which operation it reached rather than a bare 404.
constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kNotImplemented{{
    {"/accounts", "EnableSecurityHub/DescribeHub/DisableSecurityHub"},
    {"/actionTargets", "the action target operations"},
    {"/productSubscriptions", "the product subscription operations"},
    {"/products", "DescribeProducts"},
    {"/members", "the member account operations"},
    {"/tags", "the tagging operations"},
    {"/standards", "the standards operations"},
    {"/findingsv2", "the V2 (OCSF) findings operations"},
    {"/automationrulesv2", "the V2 automation rule operations"},
    {"/resourcesv2", "the V2 resource operations"},
    {"/organization", "the organization operations"},
    {"/administrator", "the administrator account operations"},
    {"/invitations", "the invitation operations"},
    {"/findingAggregator", "the finding aggregator operations"},
}};

std::string Methods(std::string_view path) {
  std::string out;
  for (const Fixed& f : kFixed) {
    if (f.path != path) continue;
    if (!out.empty()) out += ", ";
    out += f.method;
  }
  return out;
}

}  // namespace

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kBatchImportFindings: return "BatchImportFindings";
    case Operation::kGetFindings: return "GetFindings";
    case Operation::kBatchUpdateFindings: return "BatchUpdateFindings";
    case Operation::kGetFindingHistory: return "GetFindingHistory";
    case Operation::kCreateAutomationRule: return "CreateAutomationRule";
    case Operation::kBatchGetAutomationRules: return "BatchGetAutomationRules";
    case Operation::kBatchUpdateAutomationRules: return "BatchUpdateAutomationRules";
    case Operation::kBatchDeleteAutomationRules: return "BatchDeleteAutomationRules";
    case Operation::kListAutomationRules: return "ListAutomationRules";
    case Operation::kCreateInsight: return "CreateInsight";
    case Operation::kGetInsights: return "GetInsights";
    case Operation::kGetInsightResults: return "GetInsightResults";
    case Operation::kUpdateInsight: return "UpdateInsight";
    case Operation::kDeleteInsight: return "DeleteInsight";
    case Operation::kEventBridge: return "EventBridge";
    case Operation::kSns: return "Sns";
    case Operation::kHealthz: return "Healthz";
    case Operation::kMetrics: return "Metrics";
    case Operation::kDashboardVersion: return "DashboardVersion";
    case Operation::kDashboardFilterFields: return "DashboardFilterFields";
    case Operation::kDashboardCounts: return "DashboardCounts";
    case Operation::kDashboardRules: return "DashboardRules";
    case Operation::kDashboardExplain: return "DashboardExplain";
    case Operation::kDashboardResource: return "DashboardResource";
    case Operation::kDashboardTryRule: return "DashboardTryRule";
    case Operation::kStaticFile: return "StaticFile";
    case Operation::kCount: break;
  }
  return "Unknown";
}

bool IsWrite(Operation op) {
  switch (op) {
    case Operation::kBatchImportFindings:
    case Operation::kBatchUpdateFindings:
    case Operation::kCreateAutomationRule:
    case Operation::kBatchUpdateAutomationRules:
    case Operation::kBatchDeleteAutomationRules:
    case Operation::kCreateInsight:
    case Operation::kUpdateInsight:
    case Operation::kDeleteInsight:
    case Operation::kEventBridge:
    case Operation::kSns: return true;
    default: return false;
  }
}

std::variant<Route, ApiError> MatchRoute(std::string_view method, std::string_view raw_path) {
  for (const Fixed& f : kFixed) {
    if (f.method == method && f.path == raw_path) return Route{f.operation, {}};
  }
  // The greedy {InsightArn+} routes. "/insights/get" and "/insights/results/..." are taken first,
  // as the fixed routes above and this order make sure.
  constexpr std::string_view kResults = "/insights/results/";
  constexpr std::string_view kInsight = "/insights/";
  if (raw_path.starts_with(kResults) && raw_path.size() > kResults.size()) {
    if (method == "GET") {
      return Route{Operation::kGetInsightResults, aws::UriDecode(raw_path.substr(kResults.size()))};
    }
    return MethodNotAllowed("GetInsightResults (" + std::string(raw_path) + ") takes GET, not " +
                            std::string(method));
  }
  if (raw_path.starts_with(kInsight) && raw_path.size() > kInsight.size() &&
      raw_path != "/insights/get") {
    const std::string arn = aws::UriDecode(raw_path.substr(kInsight.size()));
    if (method == "PATCH") return Route{Operation::kUpdateInsight, arn};
    if (method == "DELETE") return Route{Operation::kDeleteInsight, arn};
    return MethodNotAllowed(
        "/insights/{InsightArn} takes PATCH (UpdateInsight) or DELETE "
        "(DeleteInsight), not " +
        std::string(method));
  }
  // The resource view, for the dashboard and as the inventory's GET /resources/{arn}.
  for (const std::string_view prefix : {"/dashboard/resources/", "/resources/"}) {
    if (!raw_path.starts_with(prefix) || raw_path.size() == prefix.size()) continue;
    if (method == "GET") {
      return Route{Operation::kDashboardResource, aws::UriDecode(raw_path.substr(prefix.size()))};
    }
    return MethodNotAllowed(std::string(prefix) + "{Resource} takes GET, not " +
                            std::string(method));
  }
  if (const std::string allowed = Methods(raw_path); !allowed.empty()) {
    if (raw_path == "/findings" && method == "PATCH") {
      return UnknownOperation(
          "UpdateFindings (PATCH /findings) is deprecated and not implemented by this server; use "
          "BatchUpdateFindings (PATCH /findings/batchupdate)");
    }
    return MethodNotAllowed(std::string(raw_path) + " takes " + allowed + ", not " +
                            std::string(method));
  }
  for (const auto& [prefix, what] : kNotImplemented) {
    if (raw_path == prefix || (raw_path.starts_with(prefix) && raw_path[prefix.size()] == '/')) {
      return UnknownOperation("Security Hub's " + std::string(what) + " (" + std::string(method) +
                              " " + std::string(raw_path) + ") are not implemented by this server");
    }
  }
  const bool api =
      std::any_of(std::begin(kApiPrefixes), std::end(kApiPrefixes), [&](std::string_view p) {
        return raw_path == p || (raw_path.starts_with(p) && raw_path[p.size()] == '/');
      });
  if (method == "GET" && !api) return Route{Operation::kStaticFile, {}};
  return UnknownOperation("No operation at " + std::string(method) + " " + std::string(raw_path) +
                          "; the routes are listed in docs/server.md");
}

}  // namespace corroborate::server
