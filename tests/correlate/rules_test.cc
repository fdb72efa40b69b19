#include "correlate/rules.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace corroborate::correlate {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RuleSet Load(const std::string& yaml) {
  RuleSet set;
  LoadRules(yaml, "test.yaml", set);
  return set;
}

constexpr const char* kMinimal = R"(
id: r1
title: "t"
conditions:
  a:
    filter: {ProductName: GuardDuty}
)";

TEST(RulesTest, BuiltInRulesLoadCleanly) {
  RuleSet set;
  size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(CORROBORATE_SOURCE_DIR) + "/rules")) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    LoadRules(ReadFile(entry.path()), entry.path().filename().string(), set);
  }
  for (const auto& e : set.errors) ADD_FAILURE() << e.ToString();
  EXPECT_EQ(files, 5u);
  ASSERT_EQ(set.rules.size(), 5u);
  for (const auto& r : set.rules) {
    EXPECT_EQ(r.severity, asff::SeverityLabel::kCritical) << r.id;
    EXPECT_EQ(r.window, 30 * asff::kMsPerDay) << r.id;
    EXPECT_FALSE(r.resource_type.empty()) << r.id;
  }
}

TEST(RulesTest, ShorthandCompilesToSecurityHubFilters) {
  RuleSet set = Load(R"(
id: r1
title: "t"
window: 7d
conditions:
  cves:
    filter:
      ProductName: Inspector
      SeverityLabel: [CRITICAL, HIGH]
      Type: {prefix: "Software and Configuration Checks/"}
      Title: {not_contains: [test, demo]}
      ProductFields: {ControlId: EC2.9}
      SeverityNormalized: {Gte: 70}
      Confidence: 50
    distinct: Vulnerabilities[].Id
    at_least: 3
    within: 2d
)");
  ASSERT_TRUE(set.errors.empty()) << set.errors[0].ToString();
  ASSERT_EQ(set.rules.size(), 1u);
  const Condition& c = set.rules[0].conditions[0];
  EXPECT_EQ(c.at_least, 3);
  EXPECT_EQ(c.distinct, "Vulnerabilities[].Id");
  EXPECT_EQ(c.within, 2 * asff::kMsPerDay);
  EXPECT_EQ(set.rules[0].window, 7 * asff::kMsPerDay);
  EXPECT_EQ(
      c.filter_json,
      R"({"ProductName":[{"Value":"Inspector","Comparison":"EQUALS"}],)"
      R"("SeverityLabel":[{"Value":"CRITICAL","Comparison":"EQUALS"},{"Value":"HIGH","Comparison":"EQUALS"}],)"
      R"("Type":[{"Value":"Software and Configuration Checks/","Comparison":"PREFIX"}],)"
      R"("Title":[{"Value":"test","Comparison":"NOT_CONTAINS"},{"Value":"demo","Comparison":"NOT_CONTAINS"}],)"
      R"("ProductFields":[{"Key":"ControlId","Value":"EC2.9","Comparison":"EQUALS"}],)"
      R"("SeverityNormalized":[{"Gte":70}],"Confidence":[{"Eq":50}]})");

  // The compiled filter is the real evaluator.
  simdjson::dom::parser parser;
  auto finding = parser.parse(std::string(
      R"({"ProductName":"Inspector","SeverityLabel":"x","Severity":{"Label":"HIGH","Normalized":75},)"
      R"("Types":["Software and Configuration Checks/Vulnerabilities/CVE"],"Title":"CVE-1 in openssl",)"
      R"("ProductFields":{"ControlId":"EC2.9"},"Confidence":50})"));
  EXPECT_TRUE(c.filter.Matches(finding.value(), 0));
  auto demo = parser.parse(std::string(
      R"({"ProductName":"Inspector","Severity":{"Label":"HIGH","Normalized":75},)"
      R"("Types":["Software and Configuration Checks/Vulnerabilities/CVE"],"Title":"demo box",)"
      R"("ProductFields":{"ControlId":"EC2.9"},"Confidence":50})"));
  EXPECT_FALSE(c.filter.Matches(demo.value(), 0));
}

TEST(RulesTest, SecurityHubsOwnFilterFormIsAcceptedToo) {
  RuleSet set = Load(R"(
id: r1
title: "t"
conditions:
  a:
    filter:
      ResourceType: [{Value: AwsEc2, Comparison: PREFIX}, {Value: AwsEc2Volume, Comparison: NOT_EQUALS}]
      UpdatedAt: [{DateRange: {Value: 7, Unit: DAYS}}]
      NetworkSourceIpV4: [{Cidr: 10.0.0.0/8}]
)");
  ASSERT_TRUE(set.errors.empty()) << set.errors[0].ToString();
  EXPECT_NE(set.rules[0].conditions[0].filter_json.find(R"("DateRange":{"Value":7,"Unit":"DAYS"})"),
            std::string::npos);
}

struct BadRule {
  std::string yaml;
  int line;
  std::string message_part;
  friend void PrintTo(const BadRule& r, std::ostream* os) { *os << r.message_part; }
};

class RulesRejectTest : public ::testing::TestWithParam<BadRule> {};

TEST_P(RulesRejectTest, NamesTheLineAndTheProblemAndKeepsTheGoodRules) {
  const BadRule& bad = GetParam();
  // The bad rule comes first, a good one after it in the same file.
  RuleSet set = Load(bad.yaml + "\n---\n" + R"(
id: good
title: "t"
conditions:
  a:
    filter: {ProductName: GuardDuty}
)");
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_EQ(set.errors[0].file, "test.yaml");
  EXPECT_EQ(set.errors[0].line, bad.line) << set.errors[0].ToString();
  EXPECT_NE(set.errors[0].message.find(bad.message_part), std::string::npos)
      << set.errors[0].ToString();
  if (bad.message_part.rfind("YAML", 0) != 0) {
    ASSERT_EQ(set.rules.size(), 1u);
    EXPECT_EQ(set.rules[0].id, "good");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Errors, RulesRejectTest,
    ::testing::Values(
        BadRule{"id: r\ntitle: t\nconditions:\n  a: {filter: {ProductName: [GuardDuty}}\n", 4,
                "YAML"},
        BadRule{"id: r\ntitle: t\nseverity: SEVERE\nconditions:\n  a: {filter: {Id: x}}\n", 3,
                "severity must be"},
        BadRule{"id: r\ntitle: t\nwindwo: 3d\nconditions:\n  a: {filter: {Id: x}}\n", 3,
                "unknown key 'windwo'"},
        BadRule{"id: r\ntitle: t\nconditions:\n  a:\n    filter: {SeverityLable: HIGH}\n", 5,
                "'SeverityLable' is not a Security Hub filter field"},
        BadRule{"id: r\ntitle: t\nconditions:\n  a:\n    filter: {Title: {startswith: x}}\n", 5,
                "unknown comparison 'startswith'"},
        BadRule{"id: r\ntitle: t\nconditions:\n  a:\n    filter: {Id: x}\n    at_least: 0\n", 6,
                "at_least must be a whole number"},
        BadRule{
            "id: r\ntitle: t\nwindow: 1d\nconditions:\n  a:\n    filter: {Id: x}\n    within: 2d\n",
            7, "within is longer than the rule's window"},
        BadRule{"id: r\ntitle: t\nwindow: forever\nconditions:\n  a: {filter: {Id: x}}\n", 3,
                "window must be a duration"},
        BadRule{"id: r\ntitle: t\nconditions:\n  a: {filter: {Id: x}}\nrequire: a and b\n", 5,
                "undefined condition 'b'"},
        BadRule{"id: r\ntitle: t\nconditions:\n  a: {filter: {Id: x}}\nrequire: (a or a\n", 5,
                "missing ')'"},
        BadRule{"id: r\ntitle: t\nconditions:\n  a: {filter: {Id: x}}\nordered: [a, c]\n", 5,
                "undefined condition 'c'"},
        BadRule{"title: t\nconditions:\n  a: {filter: {Id: x}}\n", 1, "needs an id"},
        BadRule{"id: good\ntitle: t\nconditions:\n  a: {filter: {Id: x}}\n", 8,
                "duplicate rule id 'good'"}),
    [](const ::testing::TestParamInfo<BadRule>& param) {
      return "case" + std::to_string(param.index);
    });

// yaml-cpp 0.7's LoadAll never returns on some malformed streams (found by fuzz/fuzz_rules); the
// loader splits documents itself, and errors keep the line of the document they are in.
TEST(RulesTest, MalformedStreamsEndAndDocumentsKeepTheirLines) {
  RuleSet rules;
  LoadRules(",\n", "comma.yaml", rules);  // looped forever through LoadAll
  EXPECT_TRUE(rules.rules.empty());
  RuleSet three;
  LoadRules(
      "id: a\ntitle: A\nconditions:\n  x: {filter: {ProductName: A}}\n"
      "---\nid: b\ntitle: B\nconditions:\n  x: {filter: {ProductName: B}}\n"
      "--- # the third\nid: c\ntitle: C\nconditions:\n  x: {filter: {Titel: C}}\n",
      "three.yaml", three);
  ASSERT_EQ(three.rules.size(), 2U);
  ASSERT_EQ(three.errors.size(), 1U);
  EXPECT_EQ(three.errors[0].line, 14) << three.errors[0].ToString();
}

TEST(RulesTest, DuplicateIdsAcrossFilesAreRefused) {
  RuleSet set;
  LoadRules(kMinimal, "a.yaml", set);
  LoadRules(kMinimal, "b.yaml", set);
  ASSERT_EQ(set.rules.size(), 1u);
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_EQ(set.errors[0].ToString(), "b.yaml:2: duplicate rule id 'r1'");
}

TEST(RulesTest, RequireCombinesConditions) {
  std::vector<Condition> conditions(3);
  conditions[0].name = "ssh";
  conditions[1].name = "rdp";
  conditions[2].name = "allowed";
  auto expr = ParseRequire("(ssh or rdp) and not allowed", conditions);
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  EXPECT_TRUE(Evaluate(*expr, {true, false, false}));
  EXPECT_TRUE(Evaluate(*expr, {false, true, false}));
  EXPECT_FALSE(Evaluate(*expr, {true, true, true}));
  EXPECT_FALSE(Evaluate(*expr, {false, false, false}));
  // and binds tighter than or
  auto precedence = ParseRequire("ssh or rdp and allowed", conditions);
  ASSERT_TRUE(precedence.ok());
  EXPECT_TRUE(Evaluate(*precedence, {true, false, false}));
  EXPECT_FALSE(Evaluate(*precedence, {false, true, false}));
  EXPECT_FALSE(ParseRequire("ssh and", conditions).ok());
  EXPECT_FALSE(ParseRequire("ssh allowed", conditions).ok());
}

TEST(RulesTest, DefaultRequireIsEveryCondition) {
  RuleSet set = Load(R"(
id: r1
title: "t"
conditions:
  a: {filter: {Id: x}}
  b: {filter: {Id: y}}
)");
  ASSERT_EQ(set.rules.size(), 1u);
  EXPECT_TRUE(Evaluate(set.rules[0].require, {true, true}));
  EXPECT_FALSE(Evaluate(set.rules[0].require, {true, false}));
}

TEST(RulesTest, ParsesDurations) {
  EXPECT_EQ(ParseDuration("30d"), 30 * asff::kMsPerDay);
  EXPECT_EQ(ParseDuration("12h"), 12 * 3'600'000);
  EXPECT_EQ(ParseDuration("90m"), 90 * 60'000);
  EXPECT_EQ(ParseDuration("45s"), 45'000);
  for (const char* bad : {"", "d", "30", "3x", "-1d", "1.5d"})
    EXPECT_FALSE(ParseDuration(bad)) << bad;
}

}  // namespace
}  // namespace corroborate::correlate

namespace corroborate::correlate {
namespace {

void ExpectSameRule(const Rule& a, const Rule& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.title, b.title) << a.id;
  EXPECT_EQ(a.description, b.description) << a.id;
  EXPECT_EQ(a.severity, b.severity) << a.id;
  EXPECT_EQ(a.remediation_text, b.remediation_text) << a.id;
  EXPECT_EQ(a.remediation_url, b.remediation_url) << a.id;
  EXPECT_EQ(a.types, b.types) << a.id;
  EXPECT_EQ(a.window, b.window) << a.id;
  EXPECT_EQ(a.resource_type, b.resource_type) << a.id;
  EXPECT_EQ(RequireText(a), RequireText(b)) << a.id;
  EXPECT_EQ(a.ordered, b.ordered) << a.id;
  EXPECT_EQ(a.include_correlated, b.include_correlated) << a.id;
  EXPECT_EQ(a.include_inactive, b.include_inactive) << a.id;
  ASSERT_EQ(a.conditions.size(), b.conditions.size()) << a.id;
  for (size_t i = 0; i < a.conditions.size(); ++i) {
    const Condition& x = a.conditions[i];
    const Condition& y = b.conditions[i];
    EXPECT_EQ(x.name, y.name) << a.id;
    EXPECT_EQ(x.filter_json, y.filter_json) << a.id << " " << x.name;
    EXPECT_EQ(x.at_least, y.at_least) << a.id << " " << x.name;
    EXPECT_EQ(x.distinct, y.distinct) << a.id << " " << x.name;
    EXPECT_EQ(x.within, y.within) << a.id << " " << x.name;
    EXPECT_EQ(x.related_type, y.related_type) << a.id << " " << x.name;
  }
}

TEST(RulesTest, EveryBuiltInRuleWrittenBackAsYamlLoadsAsTheSameRule) {
  RuleSet set;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(CORROBORATE_SOURCE_DIR) + "/rules")) {
    if (entry.path().extension() == ".yaml") {
      LoadRules(ReadFile(entry.path()), entry.path().filename().string(), set);
    }
  }
  ASSERT_FALSE(set.rules.empty());
  for (const Rule& rule : set.rules) {
    const std::string yaml = RuleToYaml(rule);
    RuleSet again;
    LoadRules(yaml, "copy.yaml", again);
    for (const auto& e : again.errors) ADD_FAILURE() << e.ToString() << "\n" << yaml;
    ASSERT_EQ(again.rules.size(), 1u) << yaml;
    ExpectSameRule(rule, again.rules[0]);
  }
}

TEST(RulesTest, EveryOptionalKeySurvivesTheWayBackToYaml) {
  const RuleSet set = Load(R"(
id: full
title: "Title: with {resource} and \"quotes\""
description: "a description"
severity: high
remediation: {text: "do this", url: "https://example.com/x"}
types: ["TTPs/Command and Control", "Software and Configuration Checks"]
window: 36h
resource_type: AwsEc2Instance
conditions:
  a: {filter: {ProductName: GuardDuty}, within: 90m}
  b: {filter: {ProductName: Inspector}, distinct: "Vulnerabilities[].Id", at_least: 3}
  c: {filter: {ProductName: Config}, on_related: AwsEc2SecurityGroup}
require: a and (b or not c)
ordered: [a, b]
include_correlated: true
include_inactive: true
)");
  ASSERT_TRUE(set.errors.empty()) << set.errors[0].ToString();
  ASSERT_EQ(set.rules.size(), 1u);
  EXPECT_EQ(RequireText(set.rules[0]), "a and (b or not c)");
  const RuleSet again = Load(RuleToYaml(set.rules[0]));
  ASSERT_TRUE(again.errors.empty()) << again.errors[0].ToString() << RuleToYaml(set.rules[0]);
  ASSERT_EQ(again.rules.size(), 1u);
  ExpectSameRule(set.rules[0], again.rules[0]);
}

}  // namespace
}  // namespace corroborate::correlate
