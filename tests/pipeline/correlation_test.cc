// Correlation in the ingest path, with the real embedded store: the example stories become
// incidents, and incidents follow their evidence (material changes only, withdrawal, analyst
// workflow kept, windows, related resources, no loops).
#include "pipeline/correlation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "asff/import.h"
#include "correlate/builtin_rules.h"
#include "pipeline/pipeline.h"
#include "sources/sources.h"

namespace corroborate::pipeline {
namespace {

constexpr asff::TimeMs kNow = 1795392000000;  // 2026-11-23T00:00:00Z, just after the examples
constexpr std::string_view kBackdoorInstance =
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718";
constexpr std::string_view kExposedInstance =
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-0f9e8d7c6b5a40312";
constexpr std::string_view kBucket = "arn:aws:s3:::acme-payroll-exports";
constexpr std::string_view kCorrelatedProduct =
    "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default";

class CorrelationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("corroborate-correlation-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store::StoreOptions options;
    options.sync = false;
    auto opened = store::OpenEmbeddedStore(dir_.string(), options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    for (const auto& file : correlate::BuiltinRuleFiles()) {
      correlate::LoadRules(file.text, file.name, rules_);
    }
    ASSERT_TRUE(rules_.errors.empty());
    ASSERT_EQ(rules_.rules.size(), 5U);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Ingests files (or inline findings) at `now` through a pipeline with a fresh correlation stage,
  // as one `corroborate ingest` run does; returns the incident changes, keyed by rule id.
  std::multimap<std::string, correlate::CorrelatedChange> Ingest(
      const std::vector<std::string>& files, const std::vector<std::string>& findings = {},
      asff::TimeMs now = kNow) {
    std::multimap<std::string, correlate::CorrelatedChange> changes;
    CorrelationStage stage(*store_, rules_.rules, [&](const correlate::CorrelatedChange& c) {
      changes.emplace(c.rule->id, c);
    });
    EXPECT_TRUE(stage.Start().ok());
    IngestWith(stage, files, findings, now);
    return changes;
  }

  // The same through a given stage, which may have seen earlier ingests (as the server's does).
  void IngestWith(CorrelationStage& stage, const std::vector<std::string>& files,
                  const std::vector<std::string>& findings = {}, asff::TimeMs now = kNow) {
    PipelineOptions options;
    options.clock = [now] { return now; };
    options.correlation = &stage;
    options.on_failure = [](const FailedFinding& f) { ADD_FAILURE() << f.error_message; };
    IngestPipeline pipe(*store_, options);
    for (const auto& f : files) {
      EXPECT_TRUE(sources::ReadFindingsFromFile(
                      std::string(CORROBORATE_SOURCE_DIR) + "/examples/" + f, pipe)
                      .ok());
    }
    for (const auto& json : findings) {
      simdjson::dom::parser parser;
      pipe.OnFinding(parser.parse(json).value(), {"inline", 1, ""});
    }
    EXPECT_TRUE(pipe.Finish().ok());
  }

  std::multimap<std::string, correlate::CorrelatedChange> IngestAll(asff::TimeMs now = kNow) {
    return Ingest(
        {"guardduty-findings.ndjson", "inspector-findings.json", "eventbridge-imported-events.json",
         "securityhub-get-findings.json", "sns-lambda-device-defender.json"},
        {}, now);
  }

  store::StoredFinding Incident(const std::string& rule, std::string_view key) {
    store::StoredFinding f;
    const Status s = store_->Get(
        {std::string(kCorrelatedProduct), "corroborate/" + rule + "/" + std::string(key)}, &f);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return f;
  }

  // A stored finding's JSON with some top-level fields replaced, as the provider's next version.
  std::string NextVersion(std::string_view product_arn, std::string_view id,
                          const std::map<std::string, std::string>& set, asff::TimeMs updated) {
    store::StoredFinding f;
    EXPECT_TRUE(store_->Get({std::string(product_arn), std::string(id)}, &f).ok());
    simdjson::dom::parser parser;
    simdjson::dom::object obj = parser.parse(f.core.json).get_object().value();
    std::string out = "{";
    for (auto [k, v] : obj) {
      if (k == "UpdatedAt") continue;
      out += "\"" + std::string(k) + "\":";
      auto it = set.find(std::string(k));
      out += it != set.end() ? it->second : simdjson::minify(v);
      out += ",";
    }
    for (const auto& [k, v] : set) {
      if (obj[k].error() != simdjson::SUCCESS) out += "\"" + k + "\":" + v + ",";
    }
    return out + "\"UpdatedAt\":\"" + asff::FormatTimestamp(updated) + "\"}";
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::FindingStore> store_;
  correlate::RuleSet rules_;
};

constexpr std::string_view kGuardDuty = "arn:aws:securityhub:eu-west-1::product/aws/guardduty";
constexpr std::string_view kBackdoorFinding =
    "arn:aws:guardduty:eu-west-1:111122223333:detector/5ec2f1a8b3d94e7c0a6f2b1d8e4c9a37/finding/"
    "bc62a3847f2c6096106d1ec470129517";

TEST_F(CorrelationTest, TheExampleStoriesBecomeIncidentsWithTheirEvidence) {
  const auto changes = IngestAll();
  ASSERT_EQ(changes.size(), 4U);
  std::map<std::string, std::string> resource_by_rule;
  for (const auto& [rule, c] : changes) {
    EXPECT_EQ(c.kind, correlate::CorrelatedChange::Kind::kCreated);
    resource_by_rule[rule] = c.group.type + " " + c.group.canonical_key;
  }
  EXPECT_EQ(resource_by_rule["ec2-backdoor-with-critical-cves"],
            "AwsEc2Instance " + std::string(kBackdoorInstance));
  EXPECT_EQ(resource_by_rule["s3-sensitive-data-exfiltration"],
            "AwsS3Bucket " + std::string(kBucket));
  EXPECT_EQ(resource_by_rule["ec2-exposed-under-attack"],
            "AwsEc2Instance " + std::string(kExposedInstance));
  // The native Device Defender findings: the thing in alarm is one the shared certificate names.
  EXPECT_EQ(resource_by_rule["iot-device-with-compromised-certificate"],
            "AwsIotRegisteredThing arn:aws:iot:eu-west-1:111122223333:thing/pump-017");

  const auto backdoor = Incident("ec2-backdoor-with-critical-cves", kBackdoorInstance);
  EXPECT_EQ(backdoor.core.severity_label, asff::SeverityLabel::kCritical);
  EXPECT_EQ(backdoor.core.product_name, "Corroborate");
  EXPECT_EQ(backdoor.core.resources[0].type, "AwsEc2Instance");
  EXPECT_EQ(backdoor.core.related_findings.size(), 5U);  // 1 GuardDuty + 4 Inspector (3 CVEs)
  const auto bucket = Incident("s3-sensitive-data-exfiltration", kBucket);
  EXPECT_EQ(bucket.core.resources[0].type, "AwsS3Bucket");
  // The security group's EC2.18 finding counts through the instance's network interface.
  const auto exposed = Incident("ec2-exposed-under-attack", kExposedInstance);
  bool has_group_evidence = false;
  for (const auto& r : exposed.core.related_findings) {
    has_group_evidence |= r.id.find("EC2.18") != std::string::npos;
  }
  EXPECT_TRUE(has_group_evidence);
}

TEST_F(CorrelationTest, NothingChangesWithoutAMaterialChange) {
  IngestAll();
  EXPECT_TRUE(IngestAll().empty());  // the same findings again: stale, no evaluation
  // GuardDuty saw the activity again: a newer version, same evidence, no new incident version.
  const auto changes =
      Ingest({}, {NextVersion(kGuardDuty, kBackdoorFinding,
                              {{"LastObservedAt", "\"2026-11-22T10:00:00Z\""}}, kNow - 1000)});
  EXPECT_TRUE(changes.empty());
}

TEST_F(CorrelationTest, ResolvedEvidenceWithdrawsTheIncidentAndItComesBack) {
  IngestAll();
  const auto before = Incident("ec2-backdoor-with-critical-cves", kBackdoorInstance);
  auto changes = Ingest({}, {NextVersion(kGuardDuty, kBackdoorFinding,
                                         {{"RecordState", "\"ARCHIVED\""}}, kNow - 1000)});
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes.begin()->second.kind, correlate::CorrelatedChange::Kind::kArchived);
  auto after = Incident("ec2-backdoor-with-critical-cves", kBackdoorInstance);
  EXPECT_EQ(after.core.record_state, asff::RecordState::kArchived);
  EXPECT_GT(after.core.updated_at, before.core.updated_at);
  EXPECT_EQ(after.core.created_at, before.core.created_at);

  changes = Ingest(
      {}, {NextVersion(kGuardDuty, kBackdoorFinding, {{"RecordState", "\"ACTIVE\""}}, kNow - 500)});
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes.begin()->second.kind, correlate::CorrelatedChange::Kind::kUpdated);
  EXPECT_EQ(Incident("ec2-backdoor-with-critical-cves", kBackdoorInstance).core.record_state,
            asff::RecordState::kActive);
}

// A stage that goes on correlating (a live stream's, the server's): an incident evaluated less
// than a second ago is not updated by the next batch but by the first one after the second, or
// by a pause of the input after it.
TEST_F(CorrelationTest, AnIncidentsChangesWithinASecondWaitForItsEndOrAPause) {
  std::vector<correlate::CorrelatedChange::Kind> kinds;
  CorrelationStage stage(*store_, rules_.rules,
                         [&](const correlate::CorrelatedChange& c) { kinds.push_back(c.kind); });
  ASSERT_TRUE(stage.Start().ok());
  asff::TimeMs now = kNow;
  stage.SetUpdateInterval(1000, [&now] { return now; });  // the interval on the findings' clock
  PipelineOptions options;
  options.batch_size = 1;  // each finding its own batch, as a trickling stream's
  options.clock = [&now] { return now; };
  options.correlation = &stage;
  options.on_failure = [](const FailedFinding& f) { ADD_FAILURE() << f.error_message; };
  IngestPipeline pipe(*store_, options);
  for (const char* f : {"guardduty-findings.ndjson", "inspector-findings.json"}) {
    ASSERT_TRUE(
        sources::ReadFindingsFromFile(std::string(CORROBORATE_SOURCE_DIR) + "/examples/" + f, pipe)
            .ok());
  }
  now = kNow + 1000;
  pipe.OnIdle();  // the stream pauses: what the story's later findings held is due, and made
  EXPECT_EQ(stage.held(), 0U);
  ASSERT_EQ(Incident("ec2-backdoor-with-critical-cves", kBackdoorInstance).core.record_state,
            asff::RecordState::kActive);
  kinds.clear();
  using Kind = correlate::CorrelatedChange::Kind;
  asff::TimeMs version = kNow - 1000;  // the GuardDuty finding's UpdatedAt, one step per import
  auto import = [&](asff::TimeMs at, const std::string& record_state) {
    now = at;
    simdjson::dom::parser parser;
    pipe.OnFinding(parser
                       .parse(NextVersion(kGuardDuty, kBackdoorFinding,
                                          {{"RecordState", record_state}}, version += 10))
                       .value(),
                   {"inline", 1, ""});
  };
  const std::string archived = "\"ARCHIVED\"";
  const std::string active = "\"ACTIVE\"";
  const asff::TimeMs t = kNow + 10'000;
  import(t, archived);  // long after its last evaluation: at once
  EXPECT_EQ(kinds, std::vector{Kind::kArchived});
  import(t + 300, active);  // no incident active: at once
  EXPECT_EQ(kinds, (std::vector{Kind::kArchived, Kind::kUpdated}));
  import(t + 500, archived);  // 0.2 s after the incident's last update: held
  EXPECT_EQ(stage.held(), 1U);
  EXPECT_EQ(Incident("ec2-backdoor-with-critical-cves", kBackdoorInstance).core.record_state,
            asff::RecordState::kActive);
  pipe.OnIdle();  // paused, but within the second: still held
  EXPECT_EQ(stage.held(), 1U);
  import(t + 1300, archived);  // the next batch after the second: made
  EXPECT_EQ(kinds, (std::vector{Kind::kArchived, Kind::kUpdated, Kind::kArchived}));
  EXPECT_EQ(Incident("ec2-backdoor-with-critical-cves", kBackdoorInstance).core.record_state,
            asff::RecordState::kArchived);

  // Back, then gone again 0.1 s later: a pause made once the second is over.
  kinds.clear();
  import(t + 2000, active);
  EXPECT_EQ(kinds, std::vector{Kind::kUpdated});
  import(t + 2100, archived);
  EXPECT_EQ(stage.held(), 1U);
  now = t + 2999;
  pipe.OnIdle();
  EXPECT_EQ(stage.held(), 1U);
  now = t + 3000;
  pipe.OnIdle();
  EXPECT_EQ(stage.held(), 0U);
  EXPECT_EQ(kinds, (std::vector{Kind::kUpdated, Kind::kArchived}));
  EXPECT_EQ(Incident("ec2-backdoor-with-critical-cves", kBackdoorInstance).core.record_state,
            asff::RecordState::kArchived);
  ASSERT_TRUE(pipe.Finish().ok());
}

TEST_F(CorrelationTest, AnAnalystResolvingEvidenceWithdrawsTheIncident) {
  IngestAll();
  asff::BatchUpdate update;
  update.identifiers.push_back({std::string(kGuardDuty), std::string(kBackdoorFinding)});
  update.workflow_status = "RESOLVED";
  store::BatchUpdateResult result;
  ASSERT_TRUE(store_->BatchUpdate(update, kNow, &result).ok());
  std::vector<correlate::CorrelatedChange> changes;
  CorrelationStage stage(*store_, rules_.rules,
                         [&](const correlate::CorrelatedChange& c) { changes.push_back(c); });
  ASSERT_TRUE(stage.Start().ok());
  ASSERT_TRUE(stage.AfterUpdate(result.processed, kNow).ok());
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].kind, correlate::CorrelatedChange::Kind::kArchived);
}

TEST_F(CorrelationTest, EvidenceAnAnalystReopensBringsTheIncidentBack) {
  IngestAll();
  std::vector<correlate::CorrelatedChange> changes;
  CorrelationStage stage(*store_, rules_.rules,
                         [&](const correlate::CorrelatedChange& c) { changes.push_back(c); });
  ASSERT_TRUE(stage.Start().ok());
  asff::BatchUpdate update;
  update.identifiers.push_back({std::string(kGuardDuty), std::string(kBackdoorFinding)});
  for (const char* status : {"RESOLVED", "NEW"}) {
    update.workflow_status = status;
    store::BatchUpdateResult result;
    ASSERT_TRUE(store_->BatchUpdate(update, kNow, &result).ok());
    ASSERT_TRUE(stage.AfterUpdate(result.processed, kNow).ok());
  }
  // The withdrawal, then the incident again: the stage had counted no backdoor finding that
  // counts on the instance, and must not go on believing it once the analyst reopens one.
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_EQ(changes[0].kind, correlate::CorrelatedChange::Kind::kArchived);
  EXPECT_EQ(changes[1].kind, correlate::CorrelatedChange::Kind::kUpdated);
  EXPECT_EQ(changes[1].rule->id, "ec2-backdoor-with-critical-cves");
}

TEST_F(CorrelationTest, AnalystWorkflowOnTheIncidentSurvivesItsUpdates) {
  IngestAll();
  const std::string id =
      "corroborate/ec2-backdoor-with-critical-cves/" + std::string(kBackdoorInstance);
  asff::BatchUpdate update;
  update.identifiers.push_back({std::string(kCorrelatedProduct), id});
  update.workflow_status = "NOTIFIED";
  store::BatchUpdateResult result;
  ASSERT_TRUE(store_->BatchUpdate(update, kNow, &result).ok());
  ASSERT_EQ(result.processed.size(), 1U);
  // New evidence, a material change: another critical CVE, made from an Inspector finding.
  std::vector<store::StoredFinding> on_instance;
  ASSERT_TRUE(store_->FindingsForResource(kBackdoorInstance, &on_instance).ok());
  std::string fresh;
  for (const auto& f : on_instance) {
    if (f.core.product_name == "Inspector") fresh = f.core.json;
  }
  ASSERT_FALSE(fresh.empty());
  const auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t at = fresh.find(from); at != std::string::npos;
         at = fresh.find(from, at + to.size())) {
      fresh.replace(at, from.size(), to);
    }
  };
  simdjson::dom::parser parser;
  replace_all(std::string(parser.parse(fresh).value()["Id"].get_string().value()),
              "arn:aws:inspector2:eu-west-1:111122223333:finding/fresh");
  for (const char* cve : {"CVE-2021-44228", "CVE-2023-38545", "CVE-2022-37434"}) {
    replace_all(cve, "CVE-2026-0001");
  }
  const auto after = Ingest({}, {fresh}, kNow + 1000);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after.begin()->second.kind, correlate::CorrelatedChange::Kind::kUpdated);
  const auto incident = Incident("ec2-backdoor-with-critical-cves", kBackdoorInstance);
  EXPECT_EQ(incident.core.workflow_status, asff::WorkflowStatus::kNotified);
  EXPECT_EQ(incident.core.related_findings.size(), 6U);
}

TEST_F(CorrelationTest, EvidenceAgingOutOfTheWindowWithdrawsTheIncident) {
  IngestAll();
  const auto changes = Ingest({}, {}, kNow + 45 * asff::kMsPerDay);  // nothing new; 30-day windows
  ASSERT_EQ(changes.size(), 4U);
  for (const auto& [rule, c] : changes) {
    EXPECT_EQ(c.kind, correlate::CorrelatedChange::Kind::kArchived) << rule;
  }
}

TEST_F(CorrelationTest, APassingControlOnTheSecurityGroupWithdrawsTheExposedIncident) {
  IngestAll();
  const std::string_view kSecurityHub = "arn:aws:securityhub:eu-west-1::product/aws/securityhub";
  std::vector<store::StoredFinding> on_group;
  ASSERT_TRUE(
      store_
          ->FindingsForResource(
              "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123abcd4567ef890", &on_group)
          .ok());
  ASSERT_EQ(on_group.size(), 1U);
  const auto changes = Ingest(
      {}, {NextVersion(kSecurityHub, on_group[0].core.id,
                       {{"Compliance", R"({"Status":"PASSED","SecurityControlId":"EC2.18"})"}},
                       kNow - 1000)});
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes.begin()->first, "ec2-exposed-under-attack");
  EXPECT_EQ(changes.begin()->second.kind, correlate::CorrelatedChange::Kind::kArchived);
}

// One stage over several ingests keeps what it read of relations; a newer version of the finding
// that stated the instance - interface - group path must replace it there too.
TEST_F(CorrelationTest, MovingTheInstanceToAnotherGroupWithdrawsTheIncidentInTheSameStage) {
  std::vector<correlate::CorrelatedChange> changes;
  CorrelationStage stage(*store_, rules_.rules,
                         [&](const correlate::CorrelatedChange& c) { changes.push_back(c); });
  ASSERT_TRUE(stage.Start().ok());
  IngestWith(stage, {"guardduty-findings.ndjson", "inspector-findings.json",
                     "eventbridge-imported-events.json", "securityhub-get-findings.json"});
  ASSERT_EQ(changes.size(), 3U);
  changes.clear();

  const std::string_view kUnusualPort =
      "arn:aws:guardduty:eu-west-1:111122223333:detector/5ec2f1a8b3d94e7c0a6f2b1d8e4c9a37/finding/"
      "e6e706b930ec8bb4b9b90e343c23a434";
  store::StoredFinding f;
  ASSERT_TRUE(store_->Get({std::string(kGuardDuty), std::string(kUnusualPort)}, &f).ok());
  simdjson::dom::parser parser;
  std::string resources = simdjson::minify(parser.parse(f.core.json)["Resources"]);
  const std::string open_group = "sg-0123abcd4567ef890";
  ASSERT_NE(resources.find(open_group), std::string::npos);
  resources.replace(resources.find(open_group), open_group.size(), "sg-0fedcba9876543210");
  IngestWith(stage, {},
             {NextVersion(kGuardDuty, kUnusualPort, {{"Resources", resources}}, kNow - 1000)});
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].rule->id, "ec2-exposed-under-attack");
  EXPECT_EQ(changes[0].kind, correlate::CorrelatedChange::Kind::kArchived);
}

// A run that stored evidence and died before correlating it: the next run's stage correlates it.
// An ingest that never correlated (no rules) leaves nothing for a later stage to pick up.
TEST_F(CorrelationTest, ARunAfterACrashCorrelatesWhatTheCrashedRunStored) {
  auto ingest_uncorrelated = [&] {
    PipelineOptions options;
    options.clock = [] { return kNow; };
    IngestPipeline pipe(*store_, options);
    for (const char* f : {"guardduty-findings.ndjson", "inspector-findings.json"}) {
      ASSERT_TRUE(sources::ReadFindingsFromFile(
                      std::string(CORROBORATE_SOURCE_DIR) + "/examples/" + f, pipe)
                      .ok());
    }
    ASSERT_TRUE(pipe.Finish().ok());
  };
  ingest_uncorrelated();  // no stage: intentionally uncorrelated
  {
    CorrelationStage stage(*store_, rules_.rules);
    ASSERT_TRUE(stage.Start().ok());
    ASSERT_TRUE(stage.Finish(kNow).ok());
    EXPECT_EQ(stage.report().created, 0U);
  }
  {
    CorrelationStage crashed(*store_, rules_.rules);
    ASSERT_TRUE(crashed.Start().ok());
    // The crashed run stores a batch and dies before its correlation (no AfterBatch, no Done).
    PipelineOptions options;
    options.clock = [] { return kNow; };
    IngestPipeline pipe(*store_, options);
    ASSERT_TRUE(sources::ReadFindingsFromFile(std::string(CORROBORATE_SOURCE_DIR) +
                                                  "/examples/eventbridge-imported-events.json",
                                              pipe)
                    .ok());
    ASSERT_TRUE(pipe.Finish().ok());
  }
  store_.reset();  // and the process goes; the store is reopened as after a crash
  auto reopened = store::OpenEmbeddedStore(dir_.string(), {});
  ASSERT_TRUE(reopened.ok());
  store_ = std::move(reopened).value();
  std::vector<std::string> created;
  CorrelationStage next(*store_, rules_.rules, [&](const correlate::CorrelatedChange& c) {
    created.push_back(c.rule->id + " " + c.group.canonical_key);
  });
  ASSERT_TRUE(next.Start().ok());
  ASSERT_TRUE(next.Finish(kNow).ok());
  // The Macie finding the crashed run stored completes the bucket story.
  EXPECT_EQ(created,
            std::vector<std::string>{"s3-sensitive-data-exfiltration " + std::string(kBucket)});
  CorrelationStage after(*store_, rules_.rules);
  ASSERT_TRUE(after.Start().ok());
  ASSERT_TRUE(after.Finish(kNow).ok());
  EXPECT_EQ(after.report().created + after.report().updated, 0U);  // recovered once
}

TEST_F(CorrelationTest, BackfillFindsTheSameIncidentsAndThenNothingNew) {
  {
    PipelineOptions options;
    options.clock = [] { return kNow; };
    IngestPipeline pipe(*store_, options);  // no correlation while loading history
    for (const auto& e :
         std::filesystem::directory_iterator(std::string(CORROBORATE_SOURCE_DIR) + "/examples")) {
      if (e.is_regular_file() && e.path().extension() != ".md") {
        ASSERT_TRUE(sources::ReadFindingsFromFile(e.path().string(), pipe).ok());
      }
    }
    ASSERT_TRUE(pipe.Finish().ok());
  }
  CorrelationStage stage(*store_, rules_.rules);
  ASSERT_TRUE(stage.Start().ok());
  ASSERT_TRUE(stage.RunAll(kNow).ok());
  EXPECT_EQ(stage.report().created, 4U);
  CorrelationStage again(*store_, rules_.rules);
  ASSERT_TRUE(again.Start().ok());
  ASSERT_TRUE(again.RunAll(kNow).ok());
  EXPECT_EQ(again.report().created + again.report().updated + again.report().archived, 0U);
}

}  // namespace
}  // namespace corroborate::pipeline
