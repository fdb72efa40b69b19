// Automation rules: what CreateAutomationRule and BatchUpdateAutomationRules accept, their order,
// and their storage.
#include "server/automation_rules.h"

#include <gtest/gtest.h>

namespace corroborate::server {
namespace {

const RuleContext kContext{"eu-west-1", "111122223333", "arn:aws:iam::111122223333:user/alice",
                           1000};

Result<AutomationRule> Parse(const std::string& json) {
  simdjson::dom::parser parser;
  return ParseNewRule(parser.parse(json).value(), kContext);
}

constexpr std::string_view kAction =
    R"([{"Type":"FINDING_FIELDS_UPDATE","FindingFieldsUpdate":{"Workflow":{"Status":"SUPPRESSED"},"Note":{"Text":"auto","UpdatedBy":"rules"}}}])";

std::string Rule(std::string_view criteria, std::string_view actions = kAction,
                 std::string_view extra = "") {
  return R"({"RuleName":"n","Description":"d","RuleOrder":5,"Criteria":)" + std::string(criteria) +
         R"(,"Actions":)" + std::string(actions) + std::string(extra) + "}";
}

TEST(AutomationRules, ParsesAValidRule) {
  auto rule = Parse(Rule(R"({"SeverityLabel":[{"Value":"LOW","Comparison":"EQUALS"}]})", kAction,
                         R"(,"IsTerminal":true,"RuleStatus":"DISABLED","Tags":{"a":"b"})"));
  ASSERT_TRUE(rule.ok()) << rule.status().message();
  EXPECT_TRUE(rule->arn.starts_with("arn:aws:securityhub:eu-west-1:111122223333:automation-rule/"));
  EXPECT_EQ(rule->order, 5);
  EXPECT_TRUE(rule->terminal);
  EXPECT_FALSE(rule->enabled);
  EXPECT_EQ(rule->created_by, kContext.caller_arn);
  EXPECT_EQ(rule->action.workflow_status, "SUPPRESSED");
  ASSERT_TRUE(rule->action.note.has_value());
  EXPECT_EQ(rule->action.note->text, "auto");
  simdjson::dom::parser parser;
  EXPECT_TRUE(rule->criteria.Matches(
      parser.parse(std::string_view(R"({"Severity":{"Label":"LOW"}})")).value(), 0));
  // Stored and read back, it is the same rule.
  auto back = FromStorage(StorageJson(*rule));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(StorageJson(*back), StorageJson(*rule));
}

TEST(AutomationRules, RefusesWhatTheModelRefuses) {
  auto expect = [](const std::string& json, std::string_view needle) {
    auto rule = Parse(json);
    ASSERT_FALSE(rule.ok()) << json;
    EXPECT_NE(rule.status().message().find(needle), std::string::npos) << rule.status().message();
  };
  expect(Rule(R"({"Region":[{"Value":"x","Comparison":"EQUALS"}]})"), "'Region' is not one");
  expect(Rule(R"({"NetworkSourceIpV4":[{"Cidr":"10.0.0.0/8"}]})"), "NetworkSourceIpV4");
  expect(Rule("{}", "[]"), "exactly 1");
  expect(Rule("{}", R"([{"Type":"OTHER"}])"), "FINDING_FIELDS_UPDATE");
  expect(
      Rule(
          "{}",
          R"([{"Type":"FINDING_FIELDS_UPDATE","FindingFieldsUpdate":{"Workflow":{"Status":"X"}}}])"),
      "Workflow.Status");
  expect(Rule("{}", R"([{"Type":"FINDING_FIELDS_UPDATE","FindingFieldsUpdate":{"Title":"x"}}])"),
         "Title");
  expect(
      R"({"Description":"d","RuleOrder":1,"Criteria":{},"Actions":)" + std::string(kAction) + "}",
      "RuleName");
  expect(Rule("{}", kAction, R"(,"RuleOrder":0)"), "RuleOrder");
  expect(Rule("{}", kAction, R"(,"RuleStatus":"ON")"), "RuleStatus");
  std::string many = R"({"SeverityLabel":[)";
  for (int i = 0; i < 21; ++i)
    many += std::string(i ? "," : "") + R"({"Value":"LOW","Comparison":"EQUALS"})";
  expect(Rule(many + "]}"), "At most 20 values");
}

TEST(AutomationRules, UpdateChangesOnlyWhatIsGivenAndOrderTiesByUpdatedAt) {
  auto rule = Parse(Rule("{}"));
  ASSERT_TRUE(rule.ok());
  simdjson::dom::parser parser;
  ASSERT_TRUE(
      ApplyRuleUpdate(parser.parse(std::string_view(R"({"RuleOrder":9,"RuleName":"m"})")).value(),
                      *rule, 2000)
          .ok());
  EXPECT_EQ(rule->order, 9);
  EXPECT_EQ(rule->name, "m");
  EXPECT_EQ(rule->description, "d");
  EXPECT_EQ(rule->updated_at, 2000);
  const AutomationRule before = *rule;
  EXPECT_FALSE(
      ApplyRuleUpdate(parser.parse(std::string_view(R"({"RuleOrder":9000})")).value(), *rule, 3000)
          .ok());
  EXPECT_EQ(rule->order, 9);  // a refused update changes nothing
  AutomationRule later = before;
  later.updated_at = 5000;
  later.arn = "a";
  EXPECT_TRUE(RuleOrderLess(before, later));
  later.order = 1;
  EXPECT_TRUE(RuleOrderLess(later, before));
}

TEST(AutomationRules, UuidsAreVersion4) {
  const std::string u = NewUuid();
  ASSERT_EQ(u.size(), 36U);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(NewUuid(), u);
}

}  // namespace
}  // namespace corroborate::server
