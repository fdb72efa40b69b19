// Automation rules (CreateAutomationRule and friends): Security Hub's field updates applied to
// findings as they are imported.
//
// Contract:
// - ParseNewRule validates a CreateAutomationRule body the way Security Hub's model does:
//   RuleName and Description non-blank, RuleOrder 1..1000, RuleStatus ENABLED | DISABLED
//   (default ENABLED), IsTerminal (default false), Tags (1..50 string pairs), Criteria with only
//   the 38 AutomationRulesFindingFilters names (at most 20 values each, 100 for AwsAccountId,
//   GeneratorId, Title and ResourceId), parsed by the one filter evaluator (src/filter), and
//   exactly one action of Type FINDING_FIELDS_UPDATE whose FindingFieldsUpdate is validated as a
//   BatchUpdateFindings request (the fields a rule may set are exactly those). Errors name the
//   member at fault.
// - ApplyRuleUpdate applies one BatchUpdateAutomationRules item (any of the members above).
// - Rules are applied in RuleOrder, then by UpdatedAt (earlier first), as Security Hub documents;
//   RuleOrderLess gives that order. Applying them is the writer's job (hub_store.h).
// - StorageJson / FromStorage keep a rule as one small JSON document; Write*Json produce the API's
//   AutomationRulesConfig and AutomationRulesMetadata shapes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "asff/import.h"
#include "asff/json_writer.h"
#include "common/status.h"
#include "filter/filter.h"

namespace corroborate::server {

inline constexpr std::size_t kMaxAutomationRules = 100;

struct AutomationRule {
  std::string arn;
  std::string name;
  std::string description;
  int order = 1;
  bool enabled = true;
  bool terminal = false;
  std::string criteria_json;  // minified, as given
  std::string actions_json;   // minified, as given
  std::string tags_json;      // minified; empty when none
  asff::TimeMs created_at = 0;
  asff::TimeMs updated_at = 0;
  std::string created_by;
  // Compiled from criteria_json and actions_json.
  filter::FindingFilter criteria;
  asff::BatchUpdate action;  // identifiers empty
};

struct RuleContext {
  std::string region;
  std::string account_id;
  std::string caller_arn;
  asff::TimeMs now = 0;
};

Result<AutomationRule> ParseNewRule(simdjson::dom::element request, const RuleContext& context);
Status ApplyRuleUpdate(simdjson::dom::element item, AutomationRule& rule, asff::TimeMs now);
bool RuleOrderLess(const AutomationRule& a, const AutomationRule& b);

std::string StorageJson(const AutomationRule& rule);
Result<AutomationRule> FromStorage(std::string_view json);

void WriteConfigJson(asff::JsonWriter& w, const AutomationRule& rule);
void WriteMetadataJson(asff::JsonWriter& w, const AutomationRule& rule);

// The auxiliary-space key of a rule.
std::string RuleKey(std::string_view arn);
inline constexpr std::string_view kRuleKeyPrefix = "r/";

// A random UUID (version 4), for ARNs.
std::string NewUuid();

}  // namespace corroborate::server
