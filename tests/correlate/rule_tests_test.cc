// Rule tests (rule_tests.h): the file format and its errors, case edits, running cases, and the
// in-memory evidence they run on; and the built-in rules against their fixtures in rules/tests/.
#include "correlate/rule_tests.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "correlate/builtin_rules.h"
#include "correlate/memory_evidence.h"

namespace corroborate::correlate {
namespace {

// GuardDuty activity and two distinct Inspector CVEs on one instance.
constexpr const char* kRule = R"(
id: activity-and-cves
title: "Instance {resource} has activity and {cves.count} CVEs"
resource_type: AwsEc2Instance
conditions:
  activity:
    filter: {ProductName: GuardDuty}
  cves:
    filter: {ProductName: Inspector}
    distinct: Vulnerabilities[].Id
    at_least: 2
)";

// A valid ASFF finding as a YAML flow map; `extra` is appended inside the map.
std::string Finding(const std::string& id, const std::string& product,
                    const std::string& resource = "i-0a1b2c3d4e5f60718",
                    const std::string& extra = "") {
  std::string lower = product;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return "{SchemaVersion: '2018-10-08', Id: " + id +
         ", ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/" + lower +
         "', ProductName: " + product +
         ", GeneratorId: g, AwsAccountId: '111122223333', Types: ['Unusual Behaviors/VM/x'], "
         "CreatedAt: '2026-11-20T00:00:00Z', UpdatedAt: '2026-11-20T00:00:00Z', "
         "Severity: {Label: HIGH, Normalized: 70, Original: '8'}, Title: t, Description: d, "
         "Resources: [{Type: AwsEc2Instance, Id: " +
         resource + "}]" + extra + "}";
}

std::string Cve(const std::string& id, const std::string& cve) {
  return Finding(id, "Inspector", "i-0a1b2c3d4e5f60718", ", Vulnerabilities: [{Id: " + cve + "}]");
}

constexpr const char* kInstance = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718";

// The base set: activity, and CVE-1 and CVE-2.
std::string Header() {
  return "rule: activity-and-cves\nfindings:\n  - " + Finding("gd-1", "GuardDuty") + "\n  - " +
         Cve("insp-1", "CVE-1") + "\n  - " + Cve("insp-2", "CVE-2") + "\n";
}

class RuleTestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LoadRules(kRule, "rule.yaml", rules_);
    ASSERT_TRUE(rules_.errors.empty()) << rules_.errors[0].ToString();
  }

  RuleTestFile Load(const std::string& yaml) {
    errors_.clear();
    return LoadRuleTests(yaml, "t.yaml", rules_.rules, errors_);
  }

  std::string Errors() const {
    std::string out;
    for (const auto& e : errors_) out += e.ToString() + "\n";
    return out;
  }

  RuleSet rules_;
  std::vector<RuleError> errors_;
};

TEST_F(RuleTestsTest, ErrorsNameFileAndLine) {
  Load("rule: activity-and-cves\ncases: [\n");
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].file, "t.yaml");
  EXPECT_NE(errors_[0].message.find("YAML"), std::string::npos);

  Load("rule: activity-and-cves\nfindngs: []\ncases: []\n");
  ASSERT_EQ(errors_.size(), 1u) << Errors();
  EXPECT_EQ(errors_[0].ToString(),
            "t.yaml:2: unknown key 'findngs' in a rule test file (rule, description, now, "
            "findings, cases)");

  Load("\n\nrule: no-such-rule\ncases: [{name: a, resource: x, expect: fire}]\n");
  ASSERT_EQ(errors_.size(), 1u) << Errors();
  EXPECT_EQ(errors_[0].ToString(),
            "t.yaml:3: no rule has the id 'no-such-rule' (loaded: activity-and-cves)");

  Load("rule: activity-and-cves\nnow: tomorrow\ncases: [{name: a, resource: x, expect: fire}]\n");
  ASSERT_EQ(errors_.size(), 1u) << Errors();
  EXPECT_EQ(errors_[0].line, 2);
}

TEST_F(RuleTestsTest, ACaseWithAnErrorIsLeftOutAndTheOthersLoad) {
  const RuleTestFile tests = Load(Header() + R"(cases:
  - name: fine
    resource: i-0a1b2c3d4e5f60718
    expect: fire
  - name: no resource
    expect: fire
  - name: bad expect
    resource: i-0a1b2c3d4e5f60718
    expect: fires
  - name: unknown key
    resource: i-0a1b2c3d4e5f60718
    expect: fire
    expected_type: AwsEc2Instance
  - name: patch of nothing
    resource: i-0a1b2c3d4e5f60718
    expect: no-fire
    patch: [{id: nope, set: {RecordState: ARCHIVED}}]
  - name: without nothing
    resource: i-0a1b2c3d4e5f60718
    expect: no-fire
    without: [nope]
  - name: fine
    resource: i-0a1b2c3d4e5f60718
    expect: fire
)");
  ASSERT_EQ(tests.cases.size(), 1u);
  EXPECT_EQ(tests.cases[0].name, "fine");
  EXPECT_EQ(tests.cases[0].line, 7);
  ASSERT_EQ(errors_.size(), 6u) << Errors();
  EXPECT_EQ(errors_[0].ToString(),
            "t.yaml:10: case 'no resource' needs a resource (the resource the rule groups, e.g. "
            "an instance ARN)");
  EXPECT_EQ(errors_[1].ToString(), "t.yaml:14: expect must be fire or no-fire, not 'fires'");
  EXPECT_EQ(errors_[2].line, 18);
  EXPECT_NE(errors_[2].message.find("unknown key 'expected_type' in a case"), std::string::npos);
  EXPECT_EQ(errors_[3].ToString(), "t.yaml:22: patch: no finding has the Id 'nope'");
  EXPECT_EQ(errors_[4].ToString(), "t.yaml:26: without: no finding has the Id 'nope'");
  EXPECT_EQ(errors_[5].ToString(), "t.yaml:27: duplicate case name 'fine'");
}

TEST_F(RuleTestsTest, AnInvalidFindingIsAnErrorWithSecurityHubsReason) {
  // Line 6: a finding without a Title; the whole file is refused, since every case uses it.
  std::string invalid = Finding("gd-2", "GuardDuty");
  invalid.replace(invalid.find("Title: t, "), 10, "");
  Load(Header() + "  - " + invalid + "\ncases: [{name: a, resource: x, expect: fire}]\n");
  ASSERT_EQ(errors_.size(), 1u) << Errors();
  EXPECT_EQ(errors_[0].ToString(),
            "t.yaml:6: finding 'gd-2': Finding does not adhere to Amazon Finding Format. data "
            "should have required property 'Title'");

  // A patch that makes a finding invalid is reported at the patch.
  Load(Header() + R"(cases:
  - name: lower-case state
    resource: i-0a1b2c3d4e5f60718
    expect: no-fire
    patch:
      - {id: gd-1, set: {RecordState: archived}}
)");
  ASSERT_EQ(errors_.size(), 1u) << Errors();
  EXPECT_EQ(errors_[0].line, 11);
  EXPECT_NE(errors_[0].message.find("patch of finding 'gd-1': Finding does not adhere"),
            std::string::npos)
      << Errors();
}

TEST_F(RuleTestsTest, PlainScalarsKeepTheirJsonTypesAndQuotedOnesStayStrings) {
  RuleTestFile tests = Load(Header() + "cases: [{name: a, resource: x, expect: fire}]\n");
  ASSERT_TRUE(errors_.empty()) << Errors();
  const std::string& json = tests.cases[0].findings[0].json;
  EXPECT_NE(json.find(R"("Normalized":70)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("Original":"8")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("AwsAccountId":"111122223333")"), std::string::npos) << json;

  // An unquoted account id is a number, which ASFF refuses.
  std::string unquoted = Finding("gd-1", "GuardDuty");
  unquoted.replace(unquoted.find("'111122223333'"), 14, "111122223333");
  Load("rule: activity-and-cves\nfindings:\n  - " + unquoted +
       "\ncases: [{name: a, resource: x, expect: fire}]\n");
  ASSERT_EQ(errors_.size(), 1u) << Errors();
  EXPECT_NE(errors_[0].message.find("AwsAccountId"), std::string::npos) << Errors();
}

TEST_F(RuleTestsTest, WithoutPatchAndWithEditTheBaseSet) {
  const RuleTestFile tests = Load(Header() + R"(cases:
  - name: edited
    resource: i-0a1b2c3d4e5f60718
    expect: no-fire
    without: [insp-2]
    patch:
      - id: gd-1
        set: {RecordState: ARCHIVED, Workflow: {Status: RESOLVED}, Types: null}
    with:
      - )" + Cve("insp-3", "CVE-3") +
                                  R"(
      - )" + Cve("insp-1", "CVE-9") +
                                  R"(
  - name: own findings
    resource: i-0a1b2c3d4e5f60718
    expect: no-fire
    findings:
      - )" + Cve("insp-7", "CVE-7") +
                                  "\n");
  ASSERT_TRUE(errors_.empty()) << Errors();
  ASSERT_EQ(tests.cases.size(), 2u);
  const RuleTestCase& edited = tests.cases[0];
  ASSERT_EQ(edited.start.size(), 3u);
  ASSERT_EQ(edited.findings.size(), 3u);
  EXPECT_EQ(edited.findings[0].id, "gd-1");
  EXPECT_EQ(edited.findings[0].record_state, asff::RecordState::kArchived);
  EXPECT_EQ(edited.findings[0].workflow_status, asff::WorkflowStatus::kResolved);
  EXPECT_EQ(edited.findings[0].json.find("Types"), std::string::npos);  // null removes it
  // insp-1 is replaced in place (same ProductArn and Id); insp-3 is added.
  EXPECT_EQ(edited.findings[1].id, "insp-1");
  EXPECT_EQ(edited.findings[1].vulnerability_ids, std::vector<std::string>{"CVE-9"});
  EXPECT_EQ(edited.findings[2].id, "insp-3");
  // The base set itself is unchanged for the next case, which replaces it.
  EXPECT_EQ(edited.start[0].record_state, asff::RecordState::kActive);
  ASSERT_EQ(tests.cases[1].findings.size(), 1u);
  EXPECT_EQ(tests.cases[1].findings[0].id, "insp-7");
}

TEST_F(RuleTestsTest, CasesPassAndAFailingCaseCarriesItsExplanation) {
  const RuleTestFile tests = Load(Header() + R"(cases:
  - name: fires
    resource: arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718
    expect: fire
    expect_resource_type: AwsEc2Instance
    explain_contains: ["cves: holds with 2 distinct"]
  - name: a resource id resolves to its canonical key
    resource: i-0a1b2c3d4e5f60718
    expect: fire
  - name: one CVE only, but expected to fire
    resource: i-0a1b2c3d4e5f60718
    expect: fire
    without: [insp-2]
  - name: wrong expectations about the explanation and the type
    resource: i-0a1b2c3d4e5f60718
    expect: fire
    expect_resource_type: AwsS3Bucket
    explain_contains: ["activity: no matching finding"]
  - name: a resource no finding names
    resource: i-0ffffffffffffffff
    expect: no-fire
)");
  ASSERT_TRUE(errors_.empty()) << Errors();
  const auto results = RunRuleTests(tests, rules_.rules);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].passed) << results[0].failures[0] << "\n" << results[0].explanation;
  EXPECT_TRUE(results[1].passed) << results[1].failures[0];

  const RuleTestResult& fails = results[2];
  EXPECT_FALSE(fails.passed);
  EXPECT_EQ(fails.rule_id, "activity-and-cves");
  EXPECT_EQ(fails.line, 15);
  ASSERT_EQ(fails.failures.size(), 1u);
  EXPECT_EQ(fails.failures[0],
            "expected the rule to fire on " + std::string(kInstance) + "; it does not");
  EXPECT_NE(fails.explanation.find("activity: holds with 1 matching finding (needs 1)\n"
                                   "  GuardDuty HIGH: t\n"),
            std::string::npos)
      << fails.explanation;
  EXPECT_NE(fails.explanation.find("cves: 1 distinct Vulnerabilities[].Id value of the 2 needed"),
            std::string::npos)
      << fails.explanation;
  EXPECT_TRUE(fails.explanation.ends_with("does not fire: require does not hold"))
      << fails.explanation;

  ASSERT_EQ(results[3].failures.size(), 2u);
  EXPECT_EQ(results[3].failures[0],
            "the explanation does not contain 'activity: no matching finding'");
  EXPECT_EQ(results[3].failures[1],
            "the correlated finding's Resources[0].Type is AwsEc2Instance, not AwsS3Bucket");

  ASSERT_EQ(results[4].failures.size(), 1u);
  EXPECT_EQ(results[4].failures[0],
            "no finding of the case names the resource i-0ffffffffffffffff");
}

TEST_F(RuleTestsTest, ArchivesChecksTheIncidentIsWithdrawn) {
  const RuleTestFile tests = Load(Header() + R"(cases:
  - name: resolved evidence archives the incident
    resource: i-0a1b2c3d4e5f60718
    expect: no-fire
    archives: true
    patch: [{id: gd-1, set: {Workflow: {Status: RESOLVED}, UpdatedAt: "2026-11-21T00:00:00Z"}}]
  - name: evidence that disappears archives it too
    resource: i-0a1b2c3d4e5f60718
    expect: no-fire
    archives: true
    without: [insp-1]
  - name: a change that does not matter archives nothing
    resource: i-0a1b2c3d4e5f60718
    expect: no-fire
    archives: true
    patch: [{id: gd-1, set: {Title: "new title"}}]
)");
  ASSERT_TRUE(errors_.empty()) << Errors();
  const auto results = RunRuleTests(tests, rules_.rules);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].passed) << results[0].failures[0];
  EXPECT_TRUE(results[1].passed) << results[1].failures[0];
  EXPECT_FALSE(results[2].passed);
  EXPECT_NE(std::find(results[2].failures.begin(), results[2].failures.end(),
                      "archives: importing the case's changes does not archive the incident on " +
                          std::string(kInstance)),
            results[2].failures.end());

  Load(Header() + "cases: [{name: a, resource: x, expect: no-fire, archives: true}]\n");
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].message.find("archives needs the case to change the starting findings"),
            std::string::npos);
}

TEST_F(RuleTestsTest, TheEvaluationTimeDecidesTheWindow) {
  const RuleTestFile tests = Load("now: 2027-02-01T00:00:00Z\n" + Header() + R"(cases:
  - name: too old
    resource: i-0a1b2c3d4e5f60718
    expect: no-fire
  - name: evaluated when it happened
    resource: i-0a1b2c3d4e5f60718
    expect: fire
    now: 2026-11-21T00:00:00Z
)");
  ASSERT_TRUE(errors_.empty()) << Errors();
  for (const auto& r : RunRuleTests(tests, rules_.rules)) {
    EXPECT_TRUE(r.passed) << r.name << ": " << r.failures[0];
  }
}

asff::Finding Decoded(const std::string& json) {
  asff::Finding f;
  const Status s = asff::DecodeFindingText(json, f);
  EXPECT_TRUE(s.ok()) << s.ToString();
  f.json = json;
  return f;
}

// A finding on an instance and its network interface, attached, with one security group.
std::string Attached(const std::string& id, const std::string& group) {
  return R"({"SchemaVersion":"2018-10-08","Id":")" + id +
         R"(","ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/guardduty",)"
         R"("GeneratorId":"g","AwsAccountId":"111122223333","Types":["Unusual Behaviors/x"],)"
         R"("CreatedAt":"2026-11-20T00:00:00Z","UpdatedAt":"2026-11-20T00:00:00Z",)"
         R"("Severity":{"Label":"LOW"},"Title":"t","Description":"d","Resources":[)"
         R"({"Type":"AwsEc2Instance","Id":"i-0f9e8d7c6b5a40312"},)"
         R"({"Type":"AwsEc2NetworkInterface","Id":"eni-0d4c3b2a1f0e98765","Details":)"
         R"({"AwsEc2NetworkInterface":{"NetworkInterfaceId":"eni-0d4c3b2a1f0e98765",)"
         R"("Attachment":{"InstanceId":"i-0f9e8d7c6b5a40312"},"SecurityGroups":[{"GroupId":")" +
         group + R"("}]}}}]})";
}

// "type key" of each related resource, once (Related lists one entry per stating version).
std::vector<std::string> Keys(const std::vector<RelatedResource>& related) {
  std::vector<std::string> out;
  out.reserve(related.size());
  for (const auto& r : related) out.push_back(r.type + " " + r.key);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

TEST(MemoryEvidenceTest, AnswersFromTheFindingsItHolds) {
  const std::string instance = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0f9e8d7c6b5a40312";
  const std::string eni =
      "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0d4c3b2a1f0e98765";
  const std::string group =
      "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123abcd4567ef890";
  MemoryEvidence evidence;
  const std::uint64_t one = evidence.Add(Decoded(Attached("one", "sg-0123abcd4567ef890")));
  const std::uint64_t two = evidence.Add(Decoded(Attached("two", "sg-0123abcd4567ef890")));

  std::vector<RelatedResource> related;
  ASSERT_TRUE(evidence.Related(instance, &related).ok());
  EXPECT_EQ(Keys(related), (std::vector<std::string>{"AwsEc2NetworkInterface " + eni,
                                                     "AwsEc2SecurityGroup " + group}));
  std::set<std::uint64_t> stating;  // both findings state the relation to the group
  for (const auto& r : related) {
    if (r.key == group) stating.insert(r.version);
  }
  EXPECT_EQ(stating, (std::set<std::uint64_t>{one, two}));
  ASSERT_TRUE(evidence.Related(group, &related).ok());  // the other direction
  EXPECT_EQ(Keys(related), (std::vector<std::string>{"AwsEc2Instance " + instance,
                                                     "AwsEc2NetworkInterface " + eni}));

  std::vector<std::uint64_t> versions;
  ASSERT_TRUE(evidence.Versions(eni, &versions).ok());
  ASSERT_EQ(versions.size(), 2u);
  asff::Finding read;
  ASSERT_TRUE(evidence.ReadVersion(versions[0], &read).ok());
  EXPECT_EQ(read.id, "one");
  EXPECT_FALSE(read.json.empty());

  // A relation stays while some finding states it.
  EXPECT_TRUE(evidence.Remove({"arn:aws:securityhub:eu-west-1::product/aws/guardduty", "one"}));
  ASSERT_TRUE(evidence.Related(instance, &related).ok());
  EXPECT_EQ(related.size(), 2u);  // the interface and the group, stated by "two" alone
  EXPECT_EQ(Keys(related).size(), 2u);
  EXPECT_EQ(evidence.ReadVersion(versions[0], &read).code(), Status::Code::kNotFound);
  // Replacing the last one by an update naming another group moves the relation; the update is a
  // new version and the one it replaced is gone.
  EXPECT_GT(evidence.Add(Decoded(Attached("two", "sg-0aaaaaaaaaaaaaaaa"))), versions[1]);
  EXPECT_EQ(evidence.size(), 1u);
  EXPECT_EQ(evidence.ReadVersion(versions[1], &read).code(), Status::Code::kNotFound);
  ASSERT_TRUE(evidence.Related(group, &related).ok());
  EXPECT_TRUE(related.empty()) << Keys(related)[0];

  asff::Finding stored;
  EXPECT_TRUE(
      evidence.Stored({"arn:aws:securityhub:eu-west-1::product/aws/guardduty", "two"}, &stored)
          .ok());
  EXPECT_EQ(stored.id, "two");
  EXPECT_EQ(evidence.Stored({"x", "two"}, &stored).code(), Status::Code::kNotFound);
  std::vector<asff::Finding> found;
  ASSERT_TRUE(evidence.ActiveCorrelated(&found).ok());
  EXPECT_TRUE(found.empty());
  int visited = 0;
  ASSERT_TRUE(evidence.ForEachFinding([&](const asff::Finding&) { ++visited; }).ok());
  EXPECT_EQ(visited, 1);
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every built-in rule has fixtures that fire and near misses that do not, and they pass.
TEST(BuiltinRuleFixturesTest, EveryBuiltinRuleIsTestedAndPasses) {
  RuleSet rules;
  for (const auto& file : BuiltinRuleFiles()) LoadRules(file.text, file.name, rules);
  ASSERT_TRUE(rules.errors.empty()) << rules.errors[0].ToString();
  std::vector<RuleError> errors;
  std::set<std::string> firing, near_misses;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(CORROBORATE_SOURCE_DIR) + "/rules/tests")) {
    const std::string path = entry.path().string();
    const RuleTestFile tests = LoadRuleTests(ReadFile(entry.path()), path, rules.rules, errors);
    for (const auto& r : RunRuleTests(tests, rules.rules)) {
      EXPECT_TRUE(r.passed) << r.file << ":" << r.line << ": " << r.name << ": " << r.failures[0]
                            << "\n"
                            << r.explanation;
    }
    for (const auto& c : tests.cases) (c.expect_fire ? firing : near_misses).insert(tests.rule_id);
  }
  for (const auto& e : errors) ADD_FAILURE() << e.ToString();
  for (const auto& r : rules.rules) {
    EXPECT_TRUE(firing.contains(r.id)) << r.id << " has no fixture that fires";
    EXPECT_TRUE(near_misses.contains(r.id)) << r.id << " has no near miss";
  }
}

}  // namespace
}  // namespace corroborate::correlate
