// The Correlator over an in-memory source: what it keeps between evaluations (condition results
// per version, members per resource) must not change what it decides, however small its cache.
#include "correlate/correlator.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "correlate/builtin_rules.h"
#include "correlate/memory_evidence.h"
#include "sources/sources.h"

namespace corroborate::correlate {
namespace {

constexpr asff::TimeMs kNow = 1795392000000;  // 2026-11-23T00:00:00Z, just after the examples

class Decode final : public sources::FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element e, const sources::Location&) override {
    asff::Finding f;
    ASSERT_TRUE(asff::DecodeFinding(e, f).ok());
    f.json = simdjson::minify(e);
    findings.push_back(std::move(f));
  }
  void OnError(const sources::Location& where, const Status& error) override {
    ADD_FAILURE() << where.ToString() << ": " << error.ToString();
  }
  std::vector<asff::Finding> findings;
};

std::vector<asff::Finding> Examples() {
  Decode d;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(CORROBORATE_SOURCE_DIR) + "/examples")) {
    if (e.is_regular_file() && e.path().extension() != ".md") {
      EXPECT_TRUE(sources::ReadFindingsFromFile(e.path().string(), d).ok());
    }
  }
  return d.findings;
}

// Touches the examples one by one, running after each (as small import batches would), and
// returns "kind rule resource" of every change.
std::multiset<std::string> Changes(std::size_t cache_limit) {
  RuleSet rules;
  for (const auto& file : BuiltinRuleFiles()) LoadRules(file.text, file.name, rules);
  EXPECT_TRUE(rules.errors.empty());
  MemoryEvidence evidence;
  Correlator correlator(rules.rules, evidence, cache_limit);
  EXPECT_TRUE(correlator.Start().ok());
  std::multiset<std::string> out;
  for (asff::Finding& f : Examples()) {
    const std::string json = f.json;
    const asff::Finding copy = f;
    const std::uint64_t version = evidence.Add(std::move(f));
    correlator.Touch(copy, json, kNow, version);
    std::vector<CorrelatedChange> changes;
    EXPECT_TRUE(correlator.Run(kNow, &changes).ok());
    for (const CorrelatedChange& c : changes) {
      out.insert(std::string(ToString(c.kind)) + " " + c.rule->id + " " + c.group.canonical_key);
      asff::Finding incident;
      EXPECT_TRUE(asff::DecodeFindingText(c.json, incident).ok());
      incident.json = c.json;
      const asff::Finding incident_copy = incident;
      const std::uint64_t v = evidence.Add(std::move(incident));
      correlator.Touch(incident_copy, c.json, kNow, v);
    }
    correlator.Stored(changes);
  }
  return out;
}

TEST(CorrelatorTest, ATinyCacheDecidesTheSameAsALargeOne) {
  const auto large = Changes(1'000'000);
  EXPECT_EQ(large.count("created ec2-backdoor-with-critical-cves "
                        "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718"),
            1U);
  EXPECT_EQ(large.count("created s3-sensitive-data-exfiltration arn:aws:s3:::acme-payroll-exports"),
            1U);
  EXPECT_EQ(large.count("created ec2-exposed-under-attack "
                        "arn:aws:ec2:eu-west-1:111122223333:instance/i-0f9e8d7c6b5a40312"),
            1U);
  // Two versions and two resources kept: every evaluation evicts and reads again.
  EXPECT_EQ(Changes(2), large);
}

TEST(CorrelatorTest, ReImportingAFindingKeepsOneVersionOfItNotOnePerRevision) {
  RuleSet rules;
  for (const auto& file : BuiltinRuleFiles()) LoadRules(file.text, file.name, rules);
  MemoryEvidence evidence;
  Correlator correlator(rules.rules, evidence);
  ASSERT_TRUE(correlator.Start().ok());
  std::vector<asff::Finding> examples = Examples();
  ASSERT_FALSE(examples.empty());
  std::vector<std::uint64_t> current(examples.size(), 0);
  for (int revision = 0; revision < 50; ++revision) {
    for (size_t i = 0; i < examples.size(); ++i) {
      asff::Finding f = examples[i];
      const std::string json = f.json;
      const std::uint64_t version = evidence.Add(std::move(f));
      correlator.Touch(examples[i], json, kNow, version, true, current[i]);
      current[i] = version;
    }
    std::vector<CorrelatedChange> changes;
    ASSERT_TRUE(correlator.Run(kNow, &changes).ok());
    correlator.Stored(changes);
  }
  // One kept version per finding (and what the evaluations read), not 50 per finding.
  EXPECT_LE(correlator.versions_kept(), 2 * examples.size());
}

// Driven finding by finding, with the counts kept per resource: evaluations are ruled out, never
// a change.
class CouldHoldTest : public ::testing::Test {
 public:
  // GuardDuty activity and at least two CRITICAL Inspector findings on an instance.
  static constexpr const char* kBoth = R"(
id: activity-and-findings
title: "{resource}"
resource_type: AwsEc2Instance
conditions:
  activity: {filter: {ProductName: GuardDuty}}
  findings: {filter: {ProductName: Inspector, SeverityLabel: CRITICAL}, at_least: 2}
)";

 protected:
  void Load(const char* text) {
    LoadRules(text, "test.yaml", rules_);
    ASSERT_TRUE(rules_.errors.empty()) << rules_.errors[0].ToString();
    correlator_ = std::make_unique<Correlator>(rules_.rules, evidence_);
    ASSERT_TRUE(correlator_->Start().ok());
  }

  static std::string Json(const std::string& id, const std::string& product,
                          const std::string& severity = "CRITICAL",
                          const std::string& instance = "i-0a1b2c3d4e5f60718") {
    std::string lower = product;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return R"({"SchemaVersion":"2018-10-08","Id":")" + id +
           R"(","ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/)" + lower +
           R"(","ProductName":")" + product +
           R"(","GeneratorId":"g","AwsAccountId":"111122223333","Types":["Unusual Behaviors/VM/x"],)"
           R"("CreatedAt":"2026-11-20T00:00:00Z","UpdatedAt":"2026-11-20T00:00:00Z",)"
           R"("Severity":{"Label":")" +
           severity +
           R"("},"Title":"t","Description":"d","Resources":[{"Type":"AwsEc2Instance",)"
           R"("Id":"arn:aws:ec2:eu-west-1:111122223333:instance/)" +
           instance + R"("}]})";
  }

  // Stores and touches the finding (replacing version `replaced`), runs, stores what changed, and
  // returns "kind rule" of each change.
  // `run_now`: when the run evaluates, if not when the finding was touched.
  std::vector<std::string> Import(const std::string& json, std::uint64_t replaced = 0,
                                  asff::TimeMs now = kNow,
                                  std::optional<asff::TimeMs> run_now = std::nullopt) {
    asff::Finding f;
    EXPECT_TRUE(asff::DecodeFindingText(json, f).ok()) << json;
    f.json = json;
    const asff::Finding copy = f;
    last_version_ = evidence_.Add(std::move(f));
    correlator_->Touch(copy, json, now, last_version_, true, replaced);
    std::vector<CorrelatedChange> changes;
    EXPECT_TRUE(correlator_->Run(run_now.value_or(now), &changes).ok());
    return StoreChanges(changes);
  }

  // A pass at `now` with nothing new touched; what changed is stored, as Import does.
  enum class Pass : std::uint8_t { kRun, kDrain, kSweep };
  std::vector<std::string> PassAt(asff::TimeMs now, Pass pass = Pass::kRun) {
    std::vector<CorrelatedChange> changes;
    const Status s = pass == Pass::kRun     ? correlator_->Run(now, &changes)
                     : pass == Pass::kDrain ? correlator_->Drain(now, &changes)
                                            : correlator_->Sweep(now, &changes);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return StoreChanges(changes);
  }

  // Stores the changes as the source's next versions, touches them, and returns "kind rule" of
  // each.
  std::vector<std::string> StoreChanges(const std::vector<CorrelatedChange>& changes) {
    std::vector<std::string> out;
    for (const CorrelatedChange& c : changes) {
      out.push_back(std::string(ToString(c.kind)) + " " + c.rule->id);
      asff::Finding incident;
      EXPECT_TRUE(asff::DecodeFindingText(c.json, incident).ok());
      incident.json = c.json;
      const asff::Finding incident_copy = incident;
      const std::uint64_t v = evidence_.Add(std::move(incident));
      correlator_->Touch(incident_copy, c.json, kNow, v);
    }
    correlator_->Stored(changes);
    return out;
  }

  // `json` observed on `day` ("2026-11-22") instead of 2026-11-20.
  static std::string ObservedOn(std::string json, const std::string& day) {
    const std::string from = R"("UpdatedAt":"2026-11-20T00:00:00Z")";
    json.replace(json.find(from), from.size(), R"("UpdatedAt":")" + day + R"(T00:00:00Z")");
    return json;
  }
  // `json` with these CVEs.
  static std::string WithCves(std::string json, const std::vector<std::string>& cves) {
    std::string list;
    for (const std::string& cve : cves) {
      if (!list.empty()) list += ',';
      list += R"({"Id":")" + cve + R"("})";
    }
    json.replace(json.find(R"("Resources")"), 0, R"("Vulnerabilities":[)" + list + "],");
    return json;
  }

  RuleSet rules_;
  MemoryEvidence evidence_;
  std::unique_ptr<Correlator> correlator_;
  std::uint64_t last_version_ = 0;
};

// CouldHoldTest::kBoth within two days.
std::string BothWithinTwoDays() {
  std::string rule = CouldHoldTest::kBoth;
  rule.insert(rule.find("conditions:"), "window: 2d\n");
  return rule;
}

TEST_F(CouldHoldTest, FindingsOutOfTheWindowAreNotCounted) {
  Load(BothWithinTwoDays().c_str());
  EXPECT_TRUE(Import(ObservedOn(Json("gd-1", "GuardDuty"), "2026-11-22")).empty());
  // Observed 2026-11-20, three days before kNow: out of the window, and not counted when touched
  // (the resource's members are kept since gd-1).
  EXPECT_TRUE(Import(Json("insp-old", "Inspector")).empty());
  EXPECT_TRUE(Import(ObservedOn(Json("insp-1", "Inspector"), "2026-11-22")).empty());
  EXPECT_EQ(correlator_->groups_evaluated(), 0U);  // one CRITICAL finding counts of the two
  EXPECT_EQ(correlator_->groups_ruled_out(), 3U);
  EXPECT_EQ(Import(ObservedOn(Json("insp-2", "Inspector"), "2026-11-22")),
            std::vector<std::string>{"created activity-and-findings"});
  EXPECT_EQ(correlator_->groups_evaluated(), 1U);
}

TEST_F(CouldHoldTest, FindingsObservedExactlyAWindowAgoStillCount) {
  Load(BothWithinTwoDays().c_str());
  EXPECT_TRUE(Import(ObservedOn(Json("gd-1", "GuardDuty"), "2026-11-22")).empty());
  // 2026-11-21T00:00:00Z is kNow less the window: the window's first instant.
  EXPECT_TRUE(Import(ObservedOn(Json("insp-1", "Inspector"), "2026-11-21")).empty());
  EXPECT_EQ(Import(ObservedOn(Json("insp-2", "Inspector"), "2026-11-21")),
            std::vector<std::string>{"created activity-and-findings"});
}

TEST_F(CouldHoldTest, WhatATouchLeftOutOfTheWindowCountsForAnEarlierEvaluation) {
  Load(BothWithinTwoDays().c_str());
  const asff::TimeMs earlier = kNow - 2 * asff::kMsPerDay;  // 2026-11-21: 11-20 is in the window
  EXPECT_TRUE(Import(Json("gd-1", "GuardDuty"), 0, earlier).empty());
  EXPECT_TRUE(Import(Json("insp-1", "Inspector"), 0, earlier).empty());
  // Touched as of kNow, when it is out of the window; evaluated as of the earlier time, when it
  // is in: counted or not, it must count.
  EXPECT_EQ(Import(Json("insp-2", "Inspector"), 0, kNow, earlier),
            std::vector<std::string>{"created activity-and-findings"});
}

constexpr const char* kActivityAndThreeCves = R"(
id: activity-and-cves
title: "{resource}"
resource_type: AwsEc2Instance
conditions:
  activity: {filter: {ProductName: GuardDuty}}
  cves: {filter: {ProductName: Inspector}, distinct: "Vulnerabilities[].Id", at_least: 3}
)";

TEST_F(CouldHoldTest, ADistinctConditionIsRuledOutUntilItsFindingsCouldHoldEnoughValues) {
  Load(kActivityAndThreeCves);
  EXPECT_TRUE(Import(Json("gd-1", "GuardDuty")).empty());
  EXPECT_TRUE(Import(WithCves(Json("insp-1", "Inspector"), {"CVE-2026-0001"})).empty());
  EXPECT_TRUE(Import(WithCves(Json("insp-2", "Inspector"), {"CVE-2026-0001"})).empty());
  EXPECT_EQ(correlator_->groups_evaluated(), 0U);  // two values at most: ruled out
  // Four values at most, two distinct: evaluated, and does not fire.
  EXPECT_TRUE(
      Import(WithCves(Json("insp-3", "Inspector"), {"CVE-2026-0001", "CVE-2026-0002"})).empty());
  EXPECT_EQ(correlator_->groups_evaluated(), 1U);
  EXPECT_EQ(Import(WithCves(Json("insp-4", "Inspector"), {"CVE-2026-0003"})),
            std::vector<std::string>{"created activity-and-cves"});
}

TEST_F(CouldHoldTest, OneFindingWithEnoughDistinctValuesIsNotRuledOut) {
  Load(kActivityAndThreeCves);
  EXPECT_TRUE(Import(WithCves(Json("insp-1", "Inspector"),
                              {"CVE-2026-0001", "CVE-2026-0002", "CVE-2026-0003"}))
                  .empty());
  EXPECT_EQ(Import(Json("gd-1", "GuardDuty")),
            std::vector<std::string>{"created activity-and-cves"});
}

TEST_F(CouldHoldTest, ARuleIsRuledOutUntilItsLastPieceArrivesInEitherOrder) {
  Load(kBoth);
  // Inspector first: no activity, so nothing is evaluated.
  EXPECT_TRUE(Import(Json("insp-1", "Inspector")).empty());
  EXPECT_TRUE(Import(Json("insp-2", "Inspector")).empty());
  EXPECT_EQ(correlator_->groups_evaluated(), 0U);
  EXPECT_EQ(correlator_->groups_ruled_out(), 2U);
  EXPECT_EQ(Import(Json("gd-1", "GuardDuty")),
            std::vector<std::string>{"created activity-and-findings"});
  EXPECT_EQ(correlator_->groups_evaluated(), 1U);
}

TEST_F(CouldHoldTest, ActivityFirstWaitsForTheSecondCriticalFinding) {
  Load(kBoth);
  EXPECT_TRUE(Import(Json("gd-1", "GuardDuty")).empty());
  EXPECT_TRUE(Import(Json("insp-1", "Inspector")).empty());
  EXPECT_TRUE(Import(Json("insp-2", "Inspector", "HIGH")).empty());  // does not count
  EXPECT_EQ(correlator_->groups_evaluated(), 0U);
  EXPECT_EQ(correlator_->groups_ruled_out(), 2U);  // the HIGH one touched no condition
  EXPECT_EQ(Import(Json("insp-3", "Inspector")),
            std::vector<std::string>{"created activity-and-findings"});
}

TEST_F(CouldHoldTest, AReimportThatStopsMatchingLeavesTheBoundLooseNeverWrong) {
  Load(kBoth);
  ASSERT_TRUE(Import(Json("gd-1", "GuardDuty")).empty());
  ASSERT_TRUE(Import(Json("insp-1", "Inspector")).empty());
  // Re-imported as HIGH: one CRITICAL is still counted, none is there.
  ASSERT_TRUE(Import(Json("insp-1", "Inspector", "HIGH"), last_version_).empty());
  const std::uint64_t evaluated = correlator_->groups_evaluated();
  // The bound says two, so the group is evaluated, and the rule does not fire on one.
  EXPECT_TRUE(Import(Json("insp-2", "Inspector")).empty());
  EXPECT_EQ(correlator_->groups_evaluated(), evaluated + 1);
  EXPECT_EQ(Import(Json("insp-3", "Inspector")),
            std::vector<std::string>{"created activity-and-findings"});
}

TEST_F(CouldHoldTest, CountsLeavingOutWhatAgedOutDoNotHoldForAnEarlierNow) {
  Load(R"(
id: activity-and-findings
title: "{resource}"
resource_type: AwsEc2Instance
window: 2d
conditions:
  activity: {filter: {ProductName: GuardDuty}}
  findings: {filter: {ProductName: Inspector, SeverityLabel: CRITICAL}}
)");
  // Both observed 2026-11-20, three days before kNow: out of the window then.
  EXPECT_TRUE(Import(Json("insp-1", "Inspector")).empty());
  EXPECT_TRUE(Import(Json("gd-1", "GuardDuty")).empty());
  // Evaluated as of two days earlier (a backfill, a clock set back), both are in the window.
  EXPECT_EQ(Import(Json("gd-2", "GuardDuty"), 0, kNow - 2 * asff::kMsPerDay),
            std::vector<std::string>{"created activity-and-findings"});
}

TEST_F(CouldHoldTest, AVersionReadFromTheStoreIsDroppedWhenAnotherWriterReplacedIt) {
  Load(kBoth);
  // insp-1 stored by another writer, then read for an evaluation of the instance.
  asff::Finding first;
  ASSERT_TRUE(asff::DecodeFindingText(Json("insp-1", "Inspector"), first).ok());
  first.json = Json("insp-1", "Inspector");
  evidence_.Add(first);
  EXPECT_TRUE(Import(Json("insp-2", "Inspector")).empty());
  // The other writer revises it (still on the instance); this one then moves it to another
  // instance, replacing the other writer's revision, not the version it read.
  const std::uint64_t theirs = evidence_.Add(first);
  EXPECT_TRUE(
      Import(Json("insp-1", "Inspector", "CRITICAL", "i-0ffffffffffffffff"), theirs).empty());
  // One CRITICAL finding is left on the instance: the version read first must not count.
  EXPECT_TRUE(Import(Json("gd-1", "GuardDuty")).empty());
}

TEST_F(CouldHoldTest, EvidenceThatStopsMatchingTouchesARuleThatNegates) {
  Load(R"(
id: activity-without-critical-findings
title: "{resource}"
resource_type: AwsEc2Instance
conditions:
  activity: {filter: {ProductName: GuardDuty}}
  findings: {filter: {ProductName: Inspector, SeverityLabel: CRITICAL}}
require: activity and not findings
)");
  ASSERT_EQ(Import(Json("gd-1", "GuardDuty")),
            std::vector<std::string>{"created activity-without-critical-findings"});
  ASSERT_EQ(Import(Json("insp-1", "Inspector")),
            std::vector<std::string>{"archived activity-without-critical-findings"});
  // Re-imported as HIGH, it matches no condition now: the rule holds again.
  EXPECT_EQ(Import(Json("insp-1", "Inspector", "HIGH"), last_version_),
            std::vector<std::string>{"updated activity-without-critical-findings"});
}

TEST_F(CouldHoldTest, AFilterRelativeToNowMeansTheSameForAVersionReadFromTheStore) {
  Load(R"(
id: recent-activity-and-findings
title: "{resource}"
resource_type: AwsEc2Instance
conditions:
  activity: {filter: {ProductName: GuardDuty}}
  recent: {filter: {ProductName: [{Value: Inspector, Comparison: EQUALS}], UpdatedAt: [{DateRange: {Value: 7, Unit: DAYS}}]}}
)");
  // Stored by another writer (never touched here), so read from the store when the instance is
  // evaluated: updated 13 days before kNow, not within the last seven days.
  auto store = [&](const std::string& json) {
    asff::Finding stored;
    ASSERT_TRUE(asff::DecodeFindingText(json, stored).ok());
    stored.json = json;
    evidence_.Add(stored);
  };
  store(ObservedOn(Json("insp-old", "Inspector"), "2026-11-10"));
  EXPECT_TRUE(Import(Json("gd-1", "GuardDuty")).empty());
  // Updated three days before kNow: within them.
  store(Json("insp-1", "Inspector"));
  correlator_->Forget();  // what is kept per resource goes: the instance is read again
  EXPECT_EQ(Import(Json("gd-2", "GuardDuty")),
            std::vector<std::string>{"created recent-activity-and-findings"});
}

TEST_F(CouldHoldTest, AnIncidentIsNotEvaluatedAgainForAFindingThatCountsForNone) {
  Load(BothWithinTwoDays().c_str());
  const std::string day = "2026-11-22";
  ASSERT_TRUE(Import(ObservedOn(Json("gd-1", "GuardDuty"), day)).empty());
  ASSERT_TRUE(Import(ObservedOn(Json("insp-1", "Inspector"), day)).empty());
  const std::uint64_t insp_1 = last_version_;
  ASSERT_EQ(Import(ObservedOn(Json("insp-2", "Inspector"), day)),
            std::vector<std::string>{"created activity-and-findings"});
  const std::uint64_t evaluated = correlator_->groups_evaluated();
  // Another product's finding matches no condition; an old Inspector one matches a filter but is
  // out of the window. Neither can change the incident.
  EXPECT_TRUE(Import(ObservedOn(Json("macie-1", "Macie"), day)).empty());
  EXPECT_TRUE(Import(Json("insp-old", "Inspector")).empty());
  EXPECT_EQ(correlator_->groups_evaluated(), evaluated);
  // Evidence revised so that it no longer matches: the version it replaces counted, so the
  // incident is evaluated and withdrawn.
  EXPECT_EQ(Import(ObservedOn(Json("insp-1", "Inspector", "HIGH"), day), insp_1),
            std::vector<std::string>{"archived activity-and-findings"});
  EXPECT_EQ(correlator_->groups_evaluated(), evaluated + 1);
}

// GuardDuty activity on an instance whose security group fails a control.
constexpr const char* kActivityAndOpenGroup = R"(
id: activity-and-open-group
title: "{resource}"
resource_type: AwsEc2Instance
conditions:
  activity: {filter: {ProductName: GuardDuty}}
  open_group: {on_related: AwsEc2SecurityGroup, filter: {ComplianceStatus: FAILED}}
)";

// A GuardDuty finding on instance i-0a1b2c3d4e5f60718 naming its interface, which is attached
// to sg-0123abcd.
std::string ActivityWithInterface(const std::string& id) {
  return R"({"SchemaVersion":"2018-10-08","Id":")" + id +
         R"(","ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/guardduty",)"
         R"("ProductName":"GuardDuty","GeneratorId":"g","AwsAccountId":"111122223333",)"
         R"("Types":["Unusual Behaviors/VM/x"],"CreatedAt":"2026-11-20T00:00:00Z",)"
         R"("UpdatedAt":"2026-11-20T00:00:00Z","Severity":{"Label":"HIGH"},"Title":"t",)"
         R"("Description":"d","Resources":[{"Type":"AwsEc2Instance",)"
         R"("Id":"arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718"},)"
         R"({"Type":"AwsEc2NetworkInterface","Id":"eni-0123abcd","Region":"eu-west-1",)"
         R"("Details":{"AwsEc2NetworkInterface":{"Attachment":{"InstanceId":"i-0a1b2c3d4e5f60718"},)"
         R"("SecurityGroups":[{"GroupId":"sg-0123abcd"}]}}}]})";
}

std::string GroupControl(const std::string& id, const std::string& status) {
  return R"({"SchemaVersion":"2018-10-08","Id":")" + id +
         R"(","ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/securityhub",)"
         R"("ProductName":"Security Hub","GeneratorId":"g","AwsAccountId":"111122223333",)"
         R"("Types":["Software and Configuration Checks/x"],"CreatedAt":"2026-11-20T00:00:00Z",)"
         R"("UpdatedAt":"2026-11-20T00:00:00Z","Severity":{"Label":"HIGH"},"Title":"t",)"
         R"("Description":"d","Compliance":{"Status":")" +
         status +
         R"("},"Resources":[{"Type":"AwsEc2SecurityGroup",)"
         R"("Id":"arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123abcd"}]})";
}

TEST_F(CouldHoldTest, AConditionOnRelatedResourcesIsRuledOutByTheirCounts) {
  Load(kActivityAndOpenGroup);
  // The first evaluation reads the security group and counts what its findings match.
  EXPECT_TRUE(Import(ActivityWithInterface("gd-1")).empty());
  EXPECT_TRUE(Import(GroupControl("sh-passed", "PASSED")).empty());
  const std::uint64_t evaluated = correlator_->groups_evaluated();
  const std::uint64_t ruled_out = correlator_->groups_ruled_out();
  // Nothing on the group fails a control: more activity is ruled out without reading it.
  EXPECT_TRUE(Import(ActivityWithInterface("gd-2")).empty());
  EXPECT_EQ(correlator_->groups_evaluated(), evaluated);
  EXPECT_GT(correlator_->groups_ruled_out(), ruled_out);
  // A failed control on the group raises its count: the instance is evaluated and fires.
  EXPECT_EQ(Import(GroupControl("sh-failed", "FAILED")),
            std::vector<std::string>{"created activity-and-open-group"});
}

TEST_F(CouldHoldTest, AFailedControlReplacedByAPassedOneWithdrawsThroughTheRelation) {
  Load(kActivityAndOpenGroup);
  EXPECT_TRUE(Import(ActivityWithInterface("gd-1")).empty());
  EXPECT_EQ(Import(GroupControl("sh-1", "FAILED")),
            std::vector<std::string>{"created activity-and-open-group"});
  // Unrelated passing controls on the group change nothing; the failed one passing withdraws.
  EXPECT_TRUE(Import(GroupControl("sh-2", "PASSED")).empty());
  const std::uint64_t sh_1 = last_version_ - 1;
  EXPECT_EQ(Import(GroupControl("sh-1", "PASSED"), sh_1),
            std::vector<std::string>{"archived activity-and-open-group"});
}

TEST_F(CouldHoldTest, ARuleThatNegatesIsNeverRuledOutByCounting) {
  Load(R"(
id: activity-without-findings
title: "{resource}"
resource_type: AwsEc2Instance
conditions:
  activity: {filter: {ProductName: GuardDuty}}
  findings: {filter: {ProductName: Inspector}}
require: activity and not findings
)");
  EXPECT_EQ(Import(Json("gd-1", "GuardDuty")),
            std::vector<std::string>{"created activity-without-findings"});
  EXPECT_EQ(Import(Json("insp-1", "Inspector")),
            std::vector<std::string>{"archived activity-without-findings"});
  EXPECT_EQ(correlator_->groups_ruled_out(), 0U);
}

// Coalescing (SetUpdateInterval): kBoth fires on gd-1, insp-1 and insp-2 at kNow.
class UpdateIntervalTest : public CouldHoldTest {
 protected:
  void SetUp() override {
    Load(kBoth);
    correlator_->SetUpdateInterval(1000);
    ASSERT_TRUE(Import(Json("gd-1", "GuardDuty")).empty());
    ASSERT_TRUE(Import(Json("insp-1", "Inspector")).empty());
    insp_1_ = last_version_;
    ASSERT_EQ(Import(Json("insp-2", "Inspector")),
              std::vector<std::string>{"created activity-and-findings"});
  }
  std::uint64_t insp_1_ = 0;
};

const std::vector<std::string> kUpdated{"updated activity-and-findings"};

TEST_F(UpdateIntervalTest, NewEvidenceWithinTheIntervalIsHeldUntilItEnds) {
  const std::uint64_t evaluated = correlator_->groups_evaluated();
  EXPECT_TRUE(Import(Json("insp-3", "Inspector"), 0, kNow + 500).empty());
  EXPECT_EQ(correlator_->held(), 1U);
  EXPECT_TRUE(PassAt(kNow + 999).empty());
  EXPECT_EQ(correlator_->groups_evaluated(), evaluated);  // not even read
  EXPECT_EQ(PassAt(kNow + 1000), kUpdated);
  EXPECT_EQ(correlator_->held(), 0U);
}

TEST_F(UpdateIntervalTest, WhatArrivesMeanwhileIsOneEvaluationAndOneUpdate) {
  const std::uint64_t evaluated = correlator_->groups_evaluated();
  EXPECT_TRUE(Import(Json("insp-3", "Inspector"), 0, kNow + 100).empty());
  EXPECT_TRUE(Import(Json("insp-4", "Inspector"), 0, kNow + 400).empty());
  EXPECT_TRUE(Import(Json("gd-2", "GuardDuty"), 0, kNow + 800).empty());
  EXPECT_EQ(correlator_->held(), 1U);
  // Touched again once due: evaluated with everything it gathered.
  EXPECT_EQ(Import(Json("insp-5", "Inspector"), 0, kNow + 1200), kUpdated);
  EXPECT_EQ(correlator_->groups_evaluated(), evaluated + 1);
  // The update started a new interval.
  EXPECT_TRUE(Import(Json("insp-6", "Inspector"), 0, kNow + 1500).empty());
  EXPECT_EQ(PassAt(kNow + 2200), kUpdated);
}

TEST_F(UpdateIntervalTest, AnIncidentElsewhereIsCreatedAtOnce) {
  EXPECT_TRUE(Import(Json("insp-3", "Inspector"), 0, kNow + 100).empty());  // held
  const std::string other = "i-0ffffffffffffffff";
  EXPECT_TRUE(Import(Json("gd-9", "GuardDuty", "HIGH", other), 0, kNow + 200).empty());
  EXPECT_TRUE(Import(Json("insp-9", "Inspector", "CRITICAL", other), 0, kNow + 300).empty());
  EXPECT_EQ(Import(Json("insp-10", "Inspector", "CRITICAL", other), 0, kNow + 400),
            std::vector<std::string>{"created activity-and-findings"});
  EXPECT_EQ(correlator_->held(), 1U);  // the first instance's update still waits
}

TEST_F(UpdateIntervalTest, AWithdrawalWaitsAtMostTheInterval) {
  // insp-1 becomes HIGH: one CRITICAL finding is left of the two the rule needs.
  EXPECT_TRUE(Import(Json("insp-1", "Inspector", "HIGH"), insp_1_, kNow + 10).empty());
  EXPECT_EQ(PassAt(kNow + 1010), std::vector<std::string>{"archived activity-and-findings"});
}

TEST_F(UpdateIntervalTest, DrainAndSweepMakeWhatIsHeldAtOnce) {
  EXPECT_TRUE(Import(Json("insp-3", "Inspector"), 0, kNow + 100).empty());
  EXPECT_EQ(PassAt(kNow + 100, Pass::kDrain), kUpdated);
  EXPECT_EQ(correlator_->held(), 0U);
  EXPECT_TRUE(Import(Json("insp-4", "Inspector"), 0, kNow + 200).empty());
  EXPECT_EQ(PassAt(kNow + 200, Pass::kSweep), kUpdated);
  EXPECT_EQ(correlator_->held(), 0U);
}

TEST_F(UpdateIntervalTest, EvaluateDueMakesWhatIsDueAndNothingBefore) {
  EXPECT_TRUE(Import(Json("insp-3", "Inspector"), 0, kNow + 100).empty());
  std::vector<CorrelatedChange> changes;
  ASSERT_TRUE(correlator_->EvaluateDue(kNow + 999, &changes).ok());
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(correlator_->NextHeldDue(), kNow + 1000);
  ASSERT_TRUE(correlator_->EvaluateDue(kNow + 1000, &changes).ok());
  EXPECT_EQ(StoreChanges(changes), kUpdated);
  EXPECT_EQ(correlator_->held(), 0U);
  EXPECT_EQ(correlator_->NextHeldDue(), std::nullopt);
}

// The interval on a clock of its own: the findings' `now` standing still (--now) holds nothing
// longer.
TEST_F(CouldHoldTest, AHoldClockMeasuresTheIntervalWhateverNowSays) {
  Load(kBoth);
  asff::TimeMs clock = 5'000;
  correlator_->SetUpdateInterval(1000, [&clock] { return clock; });
  ASSERT_TRUE(Import(Json("gd-1", "GuardDuty")).empty());
  ASSERT_TRUE(Import(Json("insp-1", "Inspector")).empty());
  ASSERT_EQ(Import(Json("insp-2", "Inspector")),
            std::vector<std::string>{"created activity-and-findings"});
  clock += 10;
  EXPECT_TRUE(Import(Json("insp-3", "Inspector")).empty());  // every `now` is kNow
  EXPECT_EQ(correlator_->NextHeldDue(), 6'000);
  clock = 5'999;
  EXPECT_TRUE(PassAt(kNow).empty());
  clock = 6'000;
  EXPECT_EQ(PassAt(kNow), kUpdated);
}

// Two rules on one instance, each with its own interval.
TEST_F(CouldHoldTest, EachRulesIntervalIsItsOwnOnASharedGroup) {
  Load((std::string(kBoth) + R"(
---
id: activity-only
title: "{resource}"
resource_type: AwsEc2Instance
conditions:
  activity: {filter: {ProductName: GuardDuty}}
)")
           .c_str());
  correlator_->SetUpdateInterval(1000);
  EXPECT_EQ(Import(Json("gd-1", "GuardDuty")), std::vector<std::string>{"created activity-only"});
  EXPECT_TRUE(Import(Json("insp-1", "Inspector"), 0, kNow + 100).empty());
  // activity-only's evaluation waits; the other rule, with no incident here, fires at once.
  EXPECT_EQ(Import(Json("insp-2", "Inspector"), 0, kNow + 200),
            std::vector<std::string>{"created activity-and-findings"});
  EXPECT_TRUE(Import(Json("gd-2", "GuardDuty"), 0, kNow + 300).empty());  // new evidence for both
  EXPECT_EQ(correlator_->held(), 1U);
  // Due for activity-only (evaluated at kNow); activity-and-findings (at +200) is held again.
  EXPECT_EQ(PassAt(kNow + 1000), std::vector<std::string>{"updated activity-only"});
  EXPECT_EQ(correlator_->held(), 1U);
  EXPECT_TRUE(PassAt(kNow + 1199).empty());
  EXPECT_EQ(PassAt(kNow + 1200), std::vector<std::string>{"updated activity-and-findings"});
  EXPECT_EQ(correlator_->held(), 0U);
}

TEST_F(UpdateIntervalTest, WithoutAnIntervalEveryTouchIsEvaluated) {
  correlator_->SetUpdateInterval(0);
  EXPECT_EQ(Import(Json("insp-3", "Inspector"), 0, kNow + 100), kUpdated);
  EXPECT_EQ(Import(Json("insp-4", "Inspector"), 0, kNow + 200), kUpdated);
  EXPECT_EQ(correlator_->held(), 0U);
}

}  // namespace
}  // namespace corroborate::correlate
