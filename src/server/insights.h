// Insights (CreateInsight, GetInsights, GetInsightResults, UpdateInsight, DeleteInsight):
// saved GetFindings filters with a grouping attribute.
//
// Contract:
// - An insight has a Name (non-blank), Filters (AwsSecurityFindingFilters, the limits of
//   GetFindings: 10 filter names, 20 values each, parsed by src/filter) and a GroupByAttribute,
//   which must be a filter name with a value to group by (not a map filter, not Keyword).
//   ParseInsight / ApplyInsightUpdate say which member is wrong.
// - Results counts the findings matching the filters per distinct value of the attribute; a
//   finding with several values (Types, ResourceId of several Resources) counts once under each,
//   a finding without one is not counted. Values are ordered by count, largest first (then by
//   value), and at most kMaxInsightValues are returned. It reads every matching finding, page by
//   page, through the store's query (so it sees every acknowledged write).
// - Custom insights only: Security Hub's managed insights are not provided.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "asff/json_writer.h"
#include "common/status.h"
#include "filter/filter.h"
#include "store/store.h"

namespace corroborate::server {

inline constexpr std::size_t kMaxInsightValues = 100;
inline constexpr std::string_view kInsightKeyPrefix = "i/";

struct Insight {
  std::string arn;
  std::string name;
  std::string filters_json;  // minified, as given
  std::string group_by;
  asff::TimeMs created_at = 0;
};

Result<Insight> ParseInsight(simdjson::dom::element request, std::string_view arn,
                             asff::TimeMs now);
// An UpdateInsight body: any of Name, Filters, GroupByAttribute.
Status ApplyInsightUpdate(simdjson::dom::element request, Insight& insight);

std::string InsightStorageJson(const Insight& insight);
Result<Insight> InsightFromStorage(std::string_view json);
void WriteInsightJson(asff::JsonWriter& w, const Insight& insight);
std::string InsightKey(std::string_view arn);

Status InsightResults(store::FindingStore& store, const Insight& insight, asff::TimeMs now,
                      std::vector<std::pair<std::string, std::uint64_t>>* values);

}  // namespace corroborate::server
