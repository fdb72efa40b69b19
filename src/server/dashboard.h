// The dashboard's endpoints (/dashboard/*) and the static files of its front end (web/dist).
//
// Contract:
// - Every Dashboard* function reads the store (as GetFindings does: it sees every acknowledged
//   write), changes nothing, and writes one JSON document into `json`. Bad requests are
//   InvalidInput naming the member; a resource nothing names is NotFound. Shapes are in
//   docs/server.md ("Dashboard").
// - DashboardVersion: {"Version": the store's newest version}, which moves with every accepted
//   write, so the page polls it for live updates.
// - DashboardFilterFields: the 104 GetFindings filter names with their filter type.
// - DashboardCounts: for {"Filters": AwsSecurityFindingFilters}, how many findings match in all
//   and by SeverityLabel, ProductName and ResourceType (a finding with several resource types
//   counts once under each); it reads every matching finding.
// - DashboardRules: the loaded correlation rules, each with its conditions, require expression,
//   YAML source (correlate::RuleToYaml) and how many incidents it has: Active (ACTIVE) and Fired
//   (every stored one, withdrawn ones too).
// - DashboardExplain: {"Resource": ARN or id, "Rule": id or ""}: every rule's explanation for the
//   resource (pipeline::WriteRuleExplanationJson), as `corroborate explain`.
// - DashboardResource: pipeline::ResourceViewJson of the resource (`corroborate resource`).
// - DashboardTryRule: {"Rule": YAML}: the rule's load errors (line and message; nothing else is
//   done when there is one), else what it would fire on over every stored finding, evaluated in
//   memory and stored nowhere: {"Errors": [], "Evaluated": groups evaluated, "Results": [{Group,
//   Fires, Title, Evidence}]}. At most kMaxTryResults results; Truncated says when there were more.
// - ServeStaticFile answers a GET of a file under `web_dir` ("/" is index.html) with its
//   content type; a path that leaves the directory (.., encoded or not, a NUL, a symlink out) or
//   names no regular file is 404, never a file elsewhere. Without a built front end, "/" answers a
//   page saying how to build it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "common/status.h"
#include "correlate/rules.h"
#include "server/http_types.h"
#include "store/store.h"

namespace corroborate::server {

inline constexpr std::size_t kMaxTryResults = 500;

Status DashboardVersion(store::FindingStore& store, std::string* json);
std::string DashboardFilterFields();
Status DashboardCounts(store::FindingStore& store, simdjson::dom::element request, asff::TimeMs now,
                       std::string* json);
Status DashboardRules(store::FindingStore& store, const std::vector<correlate::Rule>& rules,
                      asff::TimeMs now, std::string* json);
Status DashboardExplain(store::FindingStore& store, const std::vector<correlate::Rule>& rules,
                        simdjson::dom::element request, asff::TimeMs now, std::string* json);
Status DashboardResource(store::FindingStore& store, const std::vector<correlate::Rule>& rules,
                         std::string_view resource, asff::TimeMs now, std::string* json);
Status DashboardTryRule(store::FindingStore& store, simdjson::dom::element request,
                        asff::TimeMs now, std::string* json);

Response ServeStaticFile(const std::string& web_dir, std::string_view raw_path);

}  // namespace corroborate::server
