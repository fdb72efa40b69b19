// The built-in rules against the example findings (examples/README.md tells their stories), and
// near misses made by changing one piece of evidence.
#include "correlate/evaluate.h"

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sources/sources.h"

namespace corroborate::correlate {
namespace {

constexpr asff::TimeMs kNow = 1795392000000;  // 2026-11-23T00:00:00Z, just after the examples

struct Stored {
  asff::Finding core;
  std::string json;
};

// Every example finding, decoded.
class Collect final : public sources::FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element e, const sources::Location&) override {
    Stored s;
    ASSERT_TRUE(asff::DecodeFinding(e, s.core).ok());
    s.json = simdjson::minify(e);
    findings.push_back(std::move(s));
  }
  void OnError(const sources::Location& where, const Status& error) override {
    ADD_FAILURE() << where.ToString() << ": " << error.ToString();
  }
  std::deque<Stored> findings;
};

class EvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& e :
         std::filesystem::directory_iterator(std::string(CORROBORATE_SOURCE_DIR) + "/examples")) {
      if (e.is_regular_file() && e.path().extension() != ".md") {
        ASSERT_TRUE(sources::ReadFindingsFromFile(e.path().string(), examples_).ok());
      }
    }
    for (const auto& e :
         std::filesystem::directory_iterator(std::string(CORROBORATE_SOURCE_DIR) + "/rules")) {
      std::ifstream in(e.path());
      std::ostringstream text;
      text << in.rdbuf();
      LoadRules(text.str(), e.path().filename().string(), rules_);
    }
    ASSERT_TRUE(rules_.errors.empty());
  }

  const Rule& RuleById(std::string_view id) {
    for (const auto& r : rules_.rules) {
      if (r.id == id) return r;
    }
    ADD_FAILURE() << "no rule " << id;
    return rules_.rules.front();
  }

  // The candidates for a resource: findings naming it, plus findings naming `related` resources
  // tagged with their type. `edit` may change a finding's core view before it is used.
  std::vector<Candidate> CandidatesFor(const std::string& key,
                                       const std::map<std::string, std::string>& related = {}) {
    std::vector<Candidate> out;
    parsers_.clear();
    facts_.clear();
    for (const Stored& s : examples_.findings) {
      for (const auto& r : s.core.resources) {
        std::string related_type;
        if (r.canonical_key != key) {
          auto it = related.find(r.canonical_key);
          if (it == related.end()) continue;
          related_type = it->second;
        }
        simdjson::dom::element root = parsers_.emplace_back().parse(s.json).value();
        out.push_back({&facts_.emplace_back(FindingFacts::Of(s.core)), 0, root, related_type});
        break;
      }
    }
    return out;
  }

  Collect examples_;
  RuleSet rules_;
  std::deque<simdjson::dom::parser> parsers_;
  std::deque<FindingFacts> facts_;
};

constexpr const char* kBackdoorInstance =
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718";
constexpr const char* kExposedInstance =
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-0f9e8d7c6b5a40312";
constexpr const char* kOpenGroup =
    "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123abcd4567ef890";
constexpr const char* kBucket = "arn:aws:s3:::acme-payroll-exports";

TEST_F(EvaluateTest, BackdoorPlusThreeDistinctCvesOnAModernInstanceIdFires) {
  const Rule& rule = RuleById("ec2-backdoor-with-critical-cves");
  auto candidates = CandidatesFor(kBackdoorInstance);
  const Evaluation e = Evaluate(rule, candidates, kNow);
  EXPECT_TRUE(e.fires) << e.explanation;
  EXPECT_EQ(e.conditions[0].count, 1);  // backdoor
  EXPECT_EQ(e.conditions[1].count, 3);  // four CRITICAL findings, three distinct CVEs
  EXPECT_EQ(e.evidence.size(), 5u);

  Group group{kBackdoorInstance, "AwsEc2Instance", "aws", "eu-west-1", "111122223333"};
  const std::string json = BuildCorrelatedFinding(rule, group, e, candidates, kNow, kNow, true);
  asff::Finding f;
  const Status s = asff::DecodeFindingText(json, f);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << json;
  EXPECT_EQ(f.id, "corroborate/ec2-backdoor-with-critical-cves/" + std::string(kBackdoorInstance));
  EXPECT_EQ(f.product_arn,
            "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default");
  EXPECT_EQ(f.severity_label, asff::SeverityLabel::kCritical);
  EXPECT_EQ(f.related_findings.size(), 5u);
  EXPECT_EQ(f.resources[0].type, "AwsEc2Instance");
  EXPECT_EQ(f.title, "EC2 instance " + std::string(kBackdoorInstance) +
                         " contacts a command-and-control host and has 3 critical CVEs");
}

TEST_F(EvaluateTest, RepeatedCvesDoNotMakeThree) {
  const Rule& rule = RuleById("ec2-backdoor-with-critical-cves");
  // Without the zlib finding three CRITICAL findings remain, with two distinct CVEs between them.
  for (auto& s : examples_.findings) {
    if (!s.core.vulnerability_ids.empty() && s.core.vulnerability_ids[0] == "CVE-2022-37434") {
      s.core.record_state = asff::RecordState::kArchived;
    }
  }
  const Evaluation e = Evaluate(rule, CandidatesFor(kBackdoorInstance), kNow);
  EXPECT_FALSE(e.fires);
  EXPECT_EQ(e.conditions[1].count, 2);
  EXPECT_NE(e.explanation.find("cves: 2 distinct Vulnerabilities[].Id values of the 3 needed"),
            std::string::npos)
      << e.explanation;
}

TEST_F(EvaluateTest, ResolvedEvidenceStopsTheRuleAndArchivesTheIncident) {
  const Rule& rule = RuleById("ec2-backdoor-with-critical-cves");
  for (auto& s : examples_.findings) {
    if (s.core.product_name == "GuardDuty" && !s.core.types.empty() &&
        s.core.types[0].find("Backdoor") != std::string::npos) {
      s.core.workflow_status = asff::WorkflowStatus::kResolved;
    }
  }
  auto candidates = CandidatesFor(kBackdoorInstance);
  const Evaluation e = Evaluate(rule, candidates, kNow);
  EXPECT_FALSE(e.fires);
  EXPECT_NE(e.explanation.find("backdoor: no matching finding"), std::string::npos)
      << e.explanation;
  Group group{kBackdoorInstance, "AwsEc2Instance", "aws", "eu-west-1", "111122223333"};
  asff::Finding f;
  ASSERT_TRUE(asff::DecodeFindingText(
                  BuildCorrelatedFinding(rule, group, e, candidates, kNow - 1000, kNow, false), f)
                  .ok());
  EXPECT_EQ(f.record_state, asff::RecordState::kArchived);
}

TEST_F(EvaluateTest, EvidenceOutsideTheWindowDoesNotCount) {
  const Rule& rule = RuleById("ec2-backdoor-with-critical-cves");
  const Evaluation e =
      Evaluate(rule, CandidatesFor(kBackdoorInstance), kNow + 60 * asff::kMsPerDay);
  EXPECT_FALSE(e.fires);
}

TEST_F(EvaluateTest, SensitiveDataExfiltrationIsABucketIncident) {
  const Rule& rule = RuleById("s3-sensitive-data-exfiltration");
  auto candidates = CandidatesFor(kBucket);
  const Evaluation e = Evaluate(rule, candidates, kNow);
  ASSERT_TRUE(e.fires) << e.explanation;
  Group group{kBucket, "AwsS3Bucket", "aws", "eu-west-1", "111122223333"};
  asff::Finding f;
  ASSERT_TRUE(asff::DecodeFindingText(
                  BuildCorrelatedFinding(rule, group, e, candidates, kNow, kNow, true), f)
                  .ok());
  EXPECT_EQ(f.resources[0].type, "AwsS3Bucket");
  EXPECT_EQ(f.resources[0].id, kBucket);
  // The other instance's findings never meet the bucket's.
  EXPECT_FALSE(Evaluate(rule, CandidatesFor(kBackdoorInstance), kNow).fires);
}

TEST_F(EvaluateTest, ExposedInstanceNeedsTheOpenGroupAttachedToIt) {
  const Rule& rule = RuleById("ec2-exposed-under-attack");
  const Evaluation with_group =
      Evaluate(rule, CandidatesFor(kExposedInstance, {{kOpenGroup, "AwsEc2SecurityGroup"}}), kNow);
  EXPECT_TRUE(with_group.fires) << with_group.explanation;
  const Evaluation without = Evaluate(rule, CandidatesFor(kExposedInstance), kNow);
  EXPECT_FALSE(without.fires);
  EXPECT_NE(
      without.explanation.find("open_ports: no matching finding on a related AwsEc2SecurityGroup"),
      std::string::npos)
      << without.explanation;
}

TEST_F(EvaluateTest, CorrelatedFindingsAreNotEvidence) {
  const Rule& rule = RuleById("ec2-backdoor-with-critical-cves");
  auto candidates = CandidatesFor(kBackdoorInstance);
  Group group{kBackdoorInstance, "AwsEc2Instance", "aws", "eu-west-1", "111122223333"};
  const std::string json = BuildCorrelatedFinding(rule, group, Evaluate(rule, candidates, kNow),
                                                  candidates, kNow, kNow, true);
  Stored correlated;
  ASSERT_TRUE(asff::DecodeFindingText(json, correlated.core).ok());
  simdjson::dom::parser parser;
  const FindingFacts facts = FindingFacts::Of(correlated.core);
  candidates.push_back({&facts, 0, parser.parse(json).value(), ""});
  const Evaluation again = Evaluate(rule, candidates, kNow);
  EXPECT_EQ(again.evidence.size(), 5u);
}

// Two rules whose conditions share filters (as rules written from one template do), some limited
// to products, one with `distinct` on a filter another condition also has.
constexpr std::string_view kSharedFilterRules = R"(---
id: shared-a
title: a
conditions:
  gd: {filter: {ProductName: GuardDuty, SeverityLabel: [HIGH, CRITICAL]}}
  failed: {filter: {ComplianceStatus: FAILED}}
---
id: shared-b
title: b
conditions:
  gd_types: {filter: {ProductName: GuardDuty, SeverityLabel: [HIGH, CRITICAL]}, distinct: "Types[]"}
  failed_ids: {filter: {ComplianceStatus: FAILED}, distinct: "Resources[].Id"}
  either: {filter: {ProductName: [Inspector, GuardDuty]}}
  any_high: {filter: {SeverityLabel: HIGH}}
)";

std::string SharedFilterFinding(std::string_view product_member) {
  return R"({"Id": "f", )" + std::string(product_member) +
         R"("Types": ["TTPs/Discovery", "Effects/Data Exposure"], "Severity": {"Label": "HIGH"},
             "Compliance": {"Status": "FAILED"},
             "Resources": [{"Type": "AwsEc2Instance", "Id": "i-1"}, {"Type": "Other", "Id": "o-2"}]})";
}

TEST(ConditionPlanTest, SharedFiltersAndProductsGiveWhatEachConditionAloneWould) {
  RuleSet set;
  LoadRules(kSharedFilterRules, "shared.yaml", set);
  ASSERT_TRUE(set.errors.empty()) << set.errors[0].message;
  const ConditionPlan plan(set.rules);
  ASSERT_EQ(plan.condition_count(), 6u);
  struct Case {
    std::string finding;
    std::vector<bool> expected;  // gd, failed, gd_types, failed_ids, either, any_high
  };
  const std::vector<Case> cases = {
      {SharedFilterFinding(R"("ProductName": "GuardDuty", )"),
       {true, true, true, true, true, true}},
      {SharedFilterFinding(R"("ProductName": "Inspector", )"),
       {false, true, false, true, true, true}},
      {SharedFilterFinding(R"("ProductName": "Macie", )"), {false, true, false, true, false, true}},
      {SharedFilterFinding(""), {false, true, false, true, false, true}},  // no ProductName
      {SharedFilterFinding(R"("ProductName": 7, )"), {false, true, false, true, false, true}},
  };
  simdjson::dom::parser parser;
  for (const Case& c : cases) {
    const simdjson::dom::element root = parser.parse(c.finding).value();
    ConditionResults results;
    results.Compute(plan, root, kNow);
    ASSERT_EQ(results.matches.size(), 6u);
    std::size_t number = 0;
    for (const Rule& rule : set.rules) {
      for (const Condition& condition : rule.conditions) {
        EXPECT_EQ(results.matches[number], c.expected[number]) << condition.name << c.finding;
        // The reference: the condition's own filter, which allows only its products anyway.
        EXPECT_EQ(results.matches[number], condition.filter.Matches(root, kNow)) << condition.name;
        ++number;
      }
    }
    // Each `distinct` condition that matches has its own path's values, whoever shares its filter.
    const auto* types = results.ValuesOf(2);
    const auto* ids = results.ValuesOf(3);
    EXPECT_EQ(types != nullptr, c.expected[2]);
    if (types != nullptr) {
      EXPECT_EQ(*types, (std::vector<std::string>{"TTPs/Discovery", "Effects/Data Exposure"}));
    }
    ASSERT_NE(ids, nullptr);
    EXPECT_EQ(*ids, (std::vector<std::string>{"i-1", "o-2"}));
    EXPECT_EQ(results.ValuesOf(0), nullptr);  // no `distinct`
    EXPECT_EQ(results.ValuesOf(1), nullptr);
  }
}

TEST(RenderTest, FillsKnownPlaceholdersAndKeepsOthers) {
  Rule rule;
  rule.id = "r";
  rule.conditions.resize(1);
  rule.conditions[0].name = "cves";
  Evaluation e;
  e.conditions.resize(1);
  e.conditions[0].count = 4;
  const Group g{"arn:x", "AwsEc2Instance", "aws", "r", "1"};
  EXPECT_EQ(
      Render("{rule}: {resource} ({resource_type}) has {cves.count}, {unknown} {", rule, g, e),
      "r: arn:x (AwsEc2Instance) has 4, {unknown} {");
}

}  // namespace
}  // namespace corroborate::correlate
