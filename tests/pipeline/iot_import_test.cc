// IoT Device Defender messages into the real embedded store: audits and what a newer audit
// resolves, the violation lifecycle, verification states in both arrival orders, and bad input.
#include "pipeline/iot_import.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "asff/import.h"
#include "iot/iot.h"
#include "sources/sources.h"

namespace corroborate::pipeline {
namespace {

constexpr asff::TimeMs kNow = 1795392000000;  // 2026-11-23T00:00:00Z
constexpr std::int64_t kAudit1 = 1795334400;  // 2026-11-22T08:00:00Z, the reference task
constexpr std::int64_t kAudit2 = kAudit1 + 86400;
const iot::Scope kScope{"aws", "eu-west-1", "111122223333"};
constexpr std::string_view kTopic = "arn:aws:sns:eu-west-1:111122223333:dd";

std::string Data(const std::string& name) {
  std::ifstream in(std::string(CORROBORATE_SOURCE_DIR) + "/tests/iot/data/" + name,
                   std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// The message as an SNS HTTP notification from kTopic (which gives it its region).
std::string Sns(const std::string& message) {
  return R"({"Type": "Notification", "TopicArn": ")" + std::string(kTopic) + R"(", "Message": )" +
         Quoted(message) + "}";
}

struct Check {
  std::string name;
  std::string status;
  int non_compliant = 0;
  int suppressed = 0;
};

std::string Notice(const std::string& task, std::int64_t start, const std::vector<Check>& checks,
                   const std::string& status = "COMPLETED") {
  std::string details;
  for (const Check& c : checks) {
    if (!details.empty()) details += ",";
    details += R"({"checkName": ")" + c.name + R"(", "checkRunStatus": ")" + c.status +
               R"(", "nonCompliantResourcesCount": )" + std::to_string(c.non_compliant) +
               R"(, "suppressedNonCompliantResourcesCount": )" + std::to_string(c.suppressed) + "}";
  }
  return R"({"accountId": "111122223333", "taskId": ")" + task + R"(", "taskStatus": ")" + status +
         R"(", "taskType": "ON_DEMAND_AUDIT_TASK", "taskStartTime": )" + std::to_string(start) +
         R"(, "auditDetails": [)" + details + "]}";
}

// A ListAuditFindings page of device certificate findings of one check.
std::string Page(const std::string& task, std::int64_t start, const std::string& check,
                 const std::vector<std::string>& certificates, const std::string& extra = "") {
  std::string items;
  int n = 0;
  for (const std::string& c : certificates) {
    if (!items.empty()) items += ",\n";
    const int i = n++;
    items += R"({"findingId": ")" + task + "-" + std::to_string(i) + R"(", "taskId": ")" + task +
             R"(", "checkName": ")" + check + R"(", "taskStartTime": )" + std::to_string(start) +
             R"(, "findingTime": )" + std::to_string(start + 60 + i) +
             R"(, "severity": "MEDIUM", "nonCompliantResource": {"resourceType":
             "DEVICE_CERTIFICATE", "resourceIdentifier": {"deviceCertificateId": ")" +
             c + R"("}}, "reasonForNonCompliance": "Certificate is expiring")" + extra + "}";
  }
  return "{\"findings\": [\n" + items + "\n]}";
}

asff::FindingIdentifier AuditId(const std::string& check, const std::string& certificate,
                                const iot::Scope& scope = kScope) {
  return {iot::ProductArn(scope), "arn:aws:iot-device-defender:" + scope.region + ":" +
                                      scope.account + ":audit/" + check + "/cert/" + certificate};
}

asff::FindingIdentifier DetectId(const std::string& violation) {
  return iot::DetectIdentifier(kScope, violation);
}

constexpr std::string_view kExpiring = "DEVICE_CERTIFICATE_EXPIRING_CHECK";
constexpr std::string_view kMlViolation = "2b9e7d5c3a1f4e8d9c0b1a2f3e4d5c6b";
constexpr std::string_view kRulesViolation = "8c1f3a2e9b7d4e6fa0b1c2d3e4f50617";

std::string Verification(const std::string& violation, const std::string& state,
                         const std::string& time, const std::string& extra = "") {
  return R"({"version": "0", "id": "e", "detail-type": "AWS API Call via CloudTrail",
    "source": "aws.iot", "account": "111122223333", "region": "eu-west-1",
    "detail": {"eventSource": "iot.amazonaws.com", "eventName": "PutVerificationStateOnViolation",
    "eventTime": ")" +
         time + R"(", "awsRegion": "eu-west-1", "recipientAccountId": "111122223333",
    "userIdentity": {"arn": "arn:aws:sts::111122223333:assumed-role/SecOps/bob"},
    "requestParameters": {"violationId": ")" +
         violation + R"(", "verificationState": ")" + state +
         R"(", "verificationStateDescription": "looked at it"})" + extra + "}}";
}

class IotImportTest : public ::testing::Test {
 protected:
  struct Run {
    IotImportReport report;
    std::vector<std::string> failures;
    std::vector<std::string> info;
    Status finished;
    [[nodiscard]] std::string Failures() const {
      std::string out;
      for (const auto& f : failures) out += f + "\n";
      return out;
    }
    [[nodiscard]] bool Said(std::string_view part) const {
      for (const auto& i : info) {
        if (i.find(part) != std::string::npos) return true;
      }
      return false;
    }
  };

  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '-');
    dir_ = std::filesystem::temp_directory_path() /
           ("corroborate-iot-import-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    store_.reset();
    store::StoreOptions options;
    options.sync = false;
    auto opened = store::OpenEmbeddedStore(dir_.string(), options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  // One importer over `inputs` (each read as a file would be), as one CLI run does.
  Run Import(const std::vector<std::string>& inputs, IotImportOptions options = {},
             bool with_defaults = true) {
    Run run;
    if (with_defaults) options.iot.defaults = kScope;
    options.clock = [] { return kNow; };
    options.on_failure = [&](const IotFailure& f) {
      run.failures.push_back(f.location + ": " + f.subject + ": " + f.error_code + ": " +
                             f.error_message);
    };
    options.on_info = [&](const std::string& line) { run.info.push_back(line); };
    IotImporter importer(*store_, options);
    sources::ReadOptions read;
    read.streamed_array_key = "findings";
    for (size_t i = 0; i < inputs.size(); ++i) {
      sources::ReadFindingsFromBuffer(inputs[i], "in" + std::to_string(i), importer, read);
    }
    run.finished = importer.Finish();
    run.report = importer.report();
    return run;
  }

  asff::Finding Get(const asff::FindingIdentifier& id) {
    store::StoredFinding f;
    const Status s = store_->Get(id, &f);
    EXPECT_TRUE(s.ok()) << id.id << ": " << s.ToString();
    return f.core;
  }
  bool Exists(const asff::FindingIdentifier& id) {
    store::StoredFinding f;
    return store_->Get(id, &f).ok();
  }
  static std::string Field(const asff::Finding& f, std::string_view key) {
    for (const auto& [k, v] : f.product_fields) {
      if (k == key) return v;
    }
    return "<absent>";
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::FindingStore> store_;
};

TEST_F(IotImportTest, ReferenceAuditFromItsLambdaNoticeAndPage) {
  // No defaults: the Lambda record's topic gives the region, the notice the account.
  const Run run = Import(
      {Data("02-audit-complete.lambda-sns-event.json"), Data("03-list-audit-findings.page.json")},
      {}, /*with_defaults=*/false);
  ASSERT_TRUE(run.finished.ok()) << run.finished.ToString();
  EXPECT_TRUE(run.failures.empty()) << run.Failures();
  EXPECT_EQ(run.report.audit_findings, 4U);
  EXPECT_EQ(run.report.created, 4U);
  EXPECT_EQ(run.report.archived_resolved, 0U);
  EXPECT_TRUE(
      run.Said("audit task 9f2c1b7e4d8a4c0f8e61a3b5d7c9e012 (DailyFleetAudit, account "
               "111122223333, eu-west-1) COMPLETED: 3 non-compliant check(s), 2 compliant, "
               "1 that change nothing\n  CONFLICTING_CLIENT_IDS_CHECK FAILED "
               "(INSUFFICIENT_PERMISSIONS: The audit role could not read connection logs): "
               "its findings stay as they are"))
      << run.info.front();
  const std::string shared = "3f8a9c1d2b4e6f7081928374655647382910abcdef0123456789abcdef012345";
  const asff::Finding f = Get(AuditId("DEVICE_CERTIFICATE_SHARED_CHECK", shared));
  EXPECT_EQ(f.record_state, asff::RecordState::kActive);
  EXPECT_EQ(Field(f, "TaskType"), "SCHEDULED_AUDIT_TASK");
  EXPECT_EQ(f.region, "eu-west-1");
  // The suppressed policy version is stored archived.
  const asff::Finding suppressed =
      Get({iot::ProductArn(kScope),
           "arn:aws:iot-device-defender:eu-west-1:111122223333:audit/"
           "IOT_POLICY_OVERLY_PERMISSIVE_CHECK/policy/PumpFleetPolicy/2"});
  EXPECT_EQ(suppressed.record_state, asff::RecordState::kArchived);

  // Replaying the same input changes nothing.
  const Run again = Import(
      {Data("02-audit-complete.lambda-sns-event.json"), Data("03-list-audit-findings.page.json")});
  EXPECT_EQ(again.report.unchanged, 4U);
  EXPECT_EQ(again.report.created + again.report.updated + again.report.archived_resolved, 0U);
}

TEST_F(IotImportTest, ANewerAuditArchivesWhatItNoLongerReports) {
  const std::string check(kExpiring);
  const std::string other_check = "DEVICE_CERTIFICATE_AGE_CHECK";
  Run first = Import(
      {Notice("task-1", kAudit1,
              {{check, "COMPLETED_NON_COMPLIANT", 3}, {other_check, "COMPLETED_NON_COMPLIANT", 1}}),
       Page("task-1", kAudit1, check, {"c1", "c2", "c3"}),
       Page("task-1", kAudit1, other_check, {"c9"})});
  ASSERT_TRUE(first.failures.empty()) << first.Failures();
  EXPECT_EQ(first.report.created, 4U);
  // The same check in another account is not this audit's to resolve.
  const iot::Scope elsewhere{"aws", "eu-west-1", "444455556666"};
  IotImportOptions options;
  options.iot.defaults = elsewhere;
  Run other_account;
  {
    IotImporter importer(*store_, [&] {
      IotImportOptions o;
      o.iot.defaults = elsewhere;
      o.clock = [] { return kNow; };
      return o;
    }());
    sources::ReadOptions read;
    read.streamed_array_key = "findings";
    sources::ReadFindingsFromBuffer(Page("task-x", kAudit1, check, {"c2"}), "x", importer, read);
    ASSERT_TRUE(importer.Finish().ok());
  }

  // The next audit reports c1 and c3 again, not c2; the other check failed to run this time.
  Run second = Import(
      {Notice("task-2", kAudit2, {{check, "COMPLETED_NON_COMPLIANT", 2}, {other_check, "FAILED"}}),
       Page("task-2", kAudit2, check, {"c1", "c3"})});
  ASSERT_TRUE(second.failures.empty()) << second.Failures();
  EXPECT_EQ(second.report.updated, 2U);
  EXPECT_EQ(second.report.archived_resolved, 1U);
  EXPECT_TRUE(
      second.Said("audit task task-2 settled: 1 older finding(s) it no longer reports "
                  "archived as resolved\n  DEVICE_CERTIFICATE_EXPIRING_CHECK: 1"));

  const asff::Finding resolved = Get(AuditId(check, "c2"));
  EXPECT_EQ(resolved.record_state, asff::RecordState::kArchived);
  EXPECT_EQ(resolved.compliance_status, "PASSED");
  EXPECT_EQ(resolved.updated_at, kAudit2 * 1000);
  EXPECT_EQ(Field(resolved, "ResolvedByTaskId"), "task-2");
  const asff::Finding still = Get(AuditId(check, "c1"));
  EXPECT_EQ(still.record_state, asff::RecordState::kActive);
  EXPECT_EQ(Field(still, "TaskId"), "task-2");
  EXPECT_EQ(still.created_at, (kAudit1 + 60) * 1000);  // first seen in the first audit
  EXPECT_EQ(still.first_observed_at, (kAudit1 + 60) * 1000);
  EXPECT_EQ(still.last_observed_at, (kAudit2 + 60) * 1000);
  EXPECT_EQ(Get(AuditId(other_check, "c9")).record_state, asff::RecordState::kActive);
  EXPECT_EQ(Get(AuditId(check, "c2", elsewhere)).record_state, asff::RecordState::kActive);

  // The first audit's notice and pages imported again, late: stale, and resolve nothing newer.
  Run late = Import({Notice("task-1", kAudit1, {{check, "COMPLETED_NON_COMPLIANT", 3}}),
                     Page("task-1", kAudit1, check, {"c1", "c2", "c3"})});
  EXPECT_TRUE(late.failures.empty()) << late.Failures();
  EXPECT_EQ(late.report.unchanged, 3U);
  EXPECT_EQ(late.report.archived_resolved, 0U);
  EXPECT_EQ(Get(AuditId(check, "c1")).record_state, asff::RecordState::kActive);

  // A compliant run resolves every remaining finding of the check; a reappearance reactivates.
  Run compliant = Import({Notice("task-3", kAudit2 + 86400, {{check, "COMPLETED_COMPLIANT"}})});
  EXPECT_EQ(compliant.report.archived_resolved, 2U);
  EXPECT_EQ(Get(AuditId(check, "c3")).record_state, asff::RecordState::kArchived);
  Run back = Import({Notice("task-4", kAudit2 + 2 * 86400, {{check, "COMPLETED_NON_COMPLIANT", 1}}),
                     Page("task-4", kAudit2 + 2 * 86400, check, {"c3"})});
  EXPECT_TRUE(back.failures.empty()) << back.Failures();
  const asff::Finding reactivated = Get(AuditId(check, "c3"));
  EXPECT_EQ(reactivated.record_state, asff::RecordState::kActive);
  EXPECT_EQ(reactivated.compliance_status, "FAILED");
}

TEST_F(IotImportTest, AnAuditWhoseFindingsAreNotAllInArchivesNothing) {
  const std::string check(kExpiring);
  ASSERT_TRUE(Import({Notice("task-1", kAudit1, {{check, "COMPLETED_NON_COMPLIANT", 2}}),
                      Page("task-1", kAudit1, check, {"c1", "c2"})})
                  .failures.empty());
  // The notice counts 3 but the page holds 2: a page is missing.
  Run partial = Import({Notice("task-2", kAudit2, {{check, "COMPLETED_NON_COMPLIANT", 3}}),
                        Page("task-2", kAudit2, check, {"c1", "c3"})});
  ASSERT_EQ(partial.failures.size(), 1U);
  EXPECT_EQ(partial.failures[0],
            "in0:1: audit task task-2 check DEVICE_CERTIFICATE_EXPIRING_CHECK: NotArchived: the "
            "notice counts 3 non-compliant resource(s) (0 suppressed) but 2 finding(s) of the task "
            "were imported with it: import every ListAuditFindings page of the task together with "
            "the notice; the check's older findings are left as they are");
  EXPECT_EQ(Get(AuditId(check, "c2")).record_state, asff::RecordState::kActive);

  // A rejected item of the task blocks it too; suppressed ones need not be listed.
  Run rejected = Import({Notice("task-3", kAudit2 + 10, {{check, "COMPLETED_NON_COMPLIANT", 3, 1}}),
                         Page("task-3", kAudit2 + 10, check, {"c1"}),
                         R"({"findings": [{"taskId": "task-3", "checkName": ")" + check +
                             R"(", "severity": "LOW", "findingTime": 1795500000,
                             "nonCompliantResource": {"resourceType": "DEVICE_CERTIFICATE",
                             "resourceIdentifier": {}}}]})"});
  ASSERT_EQ(rejected.failures.size(), 2U) << rejected.Failures();
  EXPECT_NE(rejected.failures[0].find("in2:1 findings[0]: audit finding of "
                                      "DEVICE_CERTIFICATE_EXPIRING_CHECK: InvalidInput: "
                                      "nonCompliantResource.resourceIdentifier.deviceCertificateId "
                                      "(or deviceCertificateArn) is missing"),
            std::string::npos)
      << rejected.Failures();
  EXPECT_NE(rejected.failures[1].find("NotArchived: 1 audit finding(s) of this import were "
                                      "rejected"),
            std::string::npos);
  EXPECT_EQ(Get(AuditId(check, "c2")).record_state, asff::RecordState::kActive);

  // Failed and canceled tasks change nothing.
  Run failed = Import({Notice("task-4", kAudit2 + 20, {{check, "COMPLETED_COMPLIANT"}}, "FAILED")});
  EXPECT_TRUE(failed.failures.empty());
  EXPECT_TRUE(failed.Said("FAILED: nothing is archived for it"));
  EXPECT_EQ(failed.report.archived_resolved, 0U);
}

TEST_F(IotImportTest, ManyFindingsGoThroughInBatchesAndTheArchivePassPages) {
  const std::string check(kExpiring);
  std::vector<std::string> all, kept;
  for (int i = 0; i < 450; ++i) {
    all.push_back("cert-" + std::to_string(i));
    if (i % 9 == 0) kept.push_back(all.back());
  }
  IotImportOptions options;
  options.batch_size = 64;
  Run first = Import({Notice("task-1", kAudit1, {{check, "COMPLETED_NON_COMPLIANT", 450}}),
                      Page("task-1", kAudit1, check, all)},
                     options);
  ASSERT_TRUE(first.failures.empty()) << first.Failures();
  EXPECT_EQ(first.report.created, 450U);
  Run second = Import({Notice("task-2", kAudit2,
                              {{check, "COMPLETED_NON_COMPLIANT", static_cast<int>(kept.size())}}),
                       Page("task-2", kAudit2, check, kept)},
                      options);
  ASSERT_TRUE(second.failures.empty()) << second.Failures();
  EXPECT_EQ(second.report.updated, kept.size());
  EXPECT_EQ(second.report.archived_resolved, 450 - kept.size());
  EXPECT_EQ(Get(AuditId(check, "cert-9")).record_state, asff::RecordState::kActive);
  EXPECT_EQ(Get(AuditId(check, "cert-10")).record_state, asff::RecordState::kArchived);
}

TEST_F(IotImportTest, AuditFindingsWithoutAKnownScopeAreRefusedSayingWhatToGive) {
  Run run = Import({Data("03-list-audit-findings.page.json")}, {}, /*with_defaults=*/false);
  ASSERT_EQ(run.failures.size(), 4U);
  EXPECT_EQ(run.failures[0],
            "in0:3 findings[0]: audit finding e1a2b3c4-0001-4000-8000-00000000a001: InvalidInput: "
            "the account or region of audit task 9f2c1b7e4d8a4c0f8e61a3b5d7c9e012 is unknown: "
            "import the task's audit-complete notice before its pages (in the same run), or give "
            "the account and region");
  EXPECT_EQ(run.report.created, 0U);
  // The bare notice names the account but not the region.
  run = Import({Data("01-audit-complete.sns-message.json")}, {}, false);
  ASSERT_EQ(run.failures.size(), 1U);
  EXPECT_NE(run.failures[0].find("the notice names no region: it did not come in an SNS "
                                 "envelope (whose TopicArn says), and no default was given"),
            std::string::npos);
}

TEST_F(IotImportTest, ViolationLifecycleInAlarmClearedInvalidated) {
  const asff::FindingIdentifier rules = DetectId(std::string(kRulesViolation));
  Run run = Import({Sns(Data("04-violation-in-alarm-rules.sns-message.json"))}, {}, false);
  ASSERT_TRUE(run.failures.empty()) << run.Failures();
  asff::Finding f = Get(rules);
  EXPECT_EQ(f.compliance_status, "FAILED");
  EXPECT_EQ(f.workflow_status, asff::WorkflowStatus::kNew);
  EXPECT_EQ(f.record_state, asff::RecordState::kActive);

  run = Import({Data("07-violation-alarm-cleared.sns-message.json")});
  ASSERT_TRUE(run.failures.empty()) << run.Failures();
  EXPECT_EQ(run.report.resolved_cleared, 1U);
  f = Get(rules);
  EXPECT_EQ(f.compliance_status, "PASSED");
  EXPECT_EQ(f.workflow_status, asff::WorkflowStatus::kResolved);
  EXPECT_EQ(f.created_at, 1795340100000);  // the in-alarm's
  EXPECT_EQ(f.updated_at, 1795344000000);
  // The in-alarm delivered again, late, changes nothing.
  run = Import({Data("04-violation-in-alarm-rules.sns-message.json")});
  EXPECT_EQ(run.report.unchanged, 1U);
  EXPECT_EQ(Get(rules).workflow_status, asff::WorkflowStatus::kResolved);

  // Cleared before its in-alarm ever arrived: created resolved, and the in-alarm is older.
  const asff::FindingIdentifier cidr = DetectId("5d4c3b2a1f0e4d9c8b7a6f5e4d3c2b1a");
  run = Import({Data("08-violation-alarm-invalidated.sns-message.json"),
                Data("06-violation-in-alarm-cidr.sns-message.json")});
  ASSERT_TRUE(run.failures.empty()) << run.Failures();
  EXPECT_EQ(run.report.created, 1U);
  EXPECT_EQ(run.report.unchanged, 1U);
  f = Get(cidr);
  EXPECT_EQ(f.record_state, asff::RecordState::kArchived);
  EXPECT_EQ(f.verification_state, "UNKNOWN");  // the invalidated message carried it
  EXPECT_EQ(f.workflow_status, asff::WorkflowStatus::kNew);

  std::string cleared_first = Data("07-violation-alarm-cleared.sns-message.json");
  cleared_first.replace(cleared_first.find(std::string(kRulesViolation)), kRulesViolation.size(),
                        "never-in-alarm");
  run = Import({cleared_first});
  f = Get(DetectId("never-in-alarm"));
  EXPECT_EQ(f.workflow_status, asff::WorkflowStatus::kResolved);
  EXPECT_EQ(f.compliance_status, "PASSED");
}

struct StateCase {
  std::string state;
  asff::WorkflowStatus workflow;
  bool note;
};
void PrintTo(const StateCase& c, std::ostream* os) {
  *os << c.state;
}

class VerificationOrderTest : public IotImportTest,
                              public ::testing::WithParamInterface<std::tuple<StateCase, bool>> {};

TEST_P(VerificationOrderTest, EveryStateInBothArrivalOrders) {
  const auto& [c, event_first] = GetParam();
  const std::string violation = Data("05-violation-in-alarm-ml.sns-message.json");
  const std::string event =
      Verification(std::string(kMlViolation), c.state, "2026-11-21T02:31:39Z");
  if (event_first) {
    Run kept = Import({event});
    ASSERT_TRUE(kept.failures.empty()) << kept.Failures();
    EXPECT_EQ(kept.report.verifications_kept, 1U);
    EXPECT_TRUE(kept.Said("recorded; the violation has not been imported yet"));
    EXPECT_FALSE(Exists(DetectId(std::string(kMlViolation))));
    Open();  // kept durably: the violation may arrive in another run
    Run arrives = Import({violation});
    ASSERT_TRUE(arrives.failures.empty()) << arrives.Failures();
    EXPECT_EQ(arrives.report.verifications_applied, 1U);
    EXPECT_TRUE(arrives.Said("arrived after its verification: " + c.state));
  } else {
    ASSERT_TRUE(Import({violation}).failures.empty());
    Run applied = Import({event});
    ASSERT_TRUE(applied.failures.empty()) << applied.Failures();
    EXPECT_EQ(applied.report.verifications_applied, 1U);
  }
  const asff::Finding f = Get(DetectId(std::string(kMlViolation)));
  EXPECT_EQ(f.verification_state, c.state);
  EXPECT_EQ(f.workflow_status, c.workflow);
  EXPECT_EQ(f.note.has_value(), c.note);
  if (c.note) {
    EXPECT_EQ(f.note->text, c.state +
                                " in AWS IoT Device Defender by "
                                "arn:aws:sts::111122223333:assumed-role/SecOps/bob at "
                                "2026-11-21T02:31:39.000Z: looked at it");
  }
  // A later in-alarm message keeps what the operator decided.
  std::string later = violation;
  later.replace(later.find("1795340400"), 10, "1795349999");
  ASSERT_TRUE(Import({later}).failures.empty());
  EXPECT_EQ(Get(DetectId(std::string(kMlViolation))).workflow_status, c.workflow);
}

INSTANTIATE_TEST_SUITE_P(
    States, VerificationOrderTest,
    ::testing::Combine(
        ::testing::Values(StateCase{"FALSE_POSITIVE", asff::WorkflowStatus::kSuppressed, true},
                          StateCase{"BENIGN_POSITIVE", asff::WorkflowStatus::kSuppressed, true},
                          StateCase{"TRUE_POSITIVE", asff::WorkflowStatus::kNotified, true},
                          StateCase{"UNKNOWN", asff::WorkflowStatus::kNew, false}),
        ::testing::Bool()),
    [](const auto& param_info) {
      return std::get<0>(param_info.param).state +
             (std::get<1>(param_info.param) ? "_EventFirst" : "_ViolationFirst");
    });

TEST_F(IotImportTest, ReferenceVerificationSuppressesTheMlViolationEitherWay) {
  Run run = Import({Data("09-verification-false-positive.cloudtrail-eventbridge.json"),
                    Data("05-violation-in-alarm-ml.sns-message.json")});
  ASSERT_TRUE(run.failures.empty()) << run.Failures();
  const asff::Finding f = Get(DetectId(std::string(kMlViolation)));
  EXPECT_EQ(f.workflow_status, asff::WorkflowStatus::kSuppressed);
  EXPECT_EQ(f.verification_state, "FALSE_POSITIVE");
  EXPECT_NE(f.note->text.find("Firmware rollout caused auth retries"), std::string::npos);
}

TEST_F(IotImportTest, AnOlderVerificationNeverReplacesANewerOne) {
  ASSERT_TRUE(Import({Data("05-violation-in-alarm-ml.sns-message.json")}).failures.empty());
  Run run =
      Import({Verification(std::string(kMlViolation), "TRUE_POSITIVE", "2026-11-21T04:00:00Z"),
              Verification(std::string(kMlViolation), "FALSE_POSITIVE", "2026-11-21T03:00:00Z")});
  ASSERT_TRUE(run.failures.empty()) << run.Failures();
  EXPECT_EQ(run.report.verifications_applied, 1U);
  EXPECT_EQ(run.report.verifications_ignored, 1U);
  EXPECT_TRUE(
      run.Said("FALSE_POSITIVE on violation 2b9e7d5c3a1f4e8d9c0b1a2f3e4d5c6b "
               "(2026-11-21T03:00:00.000Z) ignored: a later state, TRUE_POSITIVE at "
               "2026-11-21T04:00:00.000Z, is already recorded"));
  EXPECT_EQ(Get(DetectId(std::string(kMlViolation))).workflow_status,
            asff::WorkflowStatus::kNotified);

  // A failed call changes nothing; a cleared alarm does not undo a suppression.
  run = Import({Verification(std::string(kMlViolation), "FALSE_POSITIVE", "2026-11-21T05:00:00Z",
                             R"(, "errorCode": "AccessDenied")")});
  EXPECT_EQ(run.report.verifications_ignored, 1U);
  EXPECT_TRUE(run.Said("ignored: the PutVerificationStateOnViolation call failed (AccessDenied)"));
  EXPECT_EQ(Get(DetectId(std::string(kMlViolation))).workflow_status,
            asff::WorkflowStatus::kNotified);
  ASSERT_TRUE(
      Import({Verification(std::string(kMlViolation), "BENIGN_POSITIVE", "2026-11-21T06:00:00Z")})
          .failures.empty());
  std::string cleared = Data("05-violation-in-alarm-ml.sns-message.json");
  cleared.replace(cleared.find("in-alarm"), 8, "alarm-cleared");
  cleared.replace(cleared.find("1795340400"), 10, "1795350000");
  run = Import({cleared});
  EXPECT_EQ(run.report.resolved_cleared, 0U);
  const asff::Finding f = Get(DetectId(std::string(kMlViolation)));
  EXPECT_EQ(f.workflow_status, asff::WorkflowStatus::kSuppressed);
  EXPECT_EQ(f.compliance_status, "PASSED");
}

TEST_F(IotImportTest, BadInputIsReportedPerMessageAndTheRestIsStored) {
  IotImportOptions audit_only;
  audit_only.accept = IotAccept::kAudit;
  Run run =
      Import({R"({"SchemaVersion": "2018-10-08", "Id": "asff"})",
              Data("04-violation-in-alarm-rules.sns-message.json"), "{not json",
              R"({"violationEventType": "in-alarm"})", Data("03-list-audit-findings.page.json")},
             audit_only);
  ASSERT_EQ(run.failures.size(), 4U) << run.Failures();
  EXPECT_NE(run.failures[0].find("in0:1: : UnsupportedMessage: not an IoT Device Defender message"),
            std::string::npos)
      << run.failures[0];
  EXPECT_EQ(run.failures[1],
            "in1:1: : UnsupportedMessage: a violation message, which this import does not take (it "
            "takes audit-complete notices and ListAuditFindings pages)");
  EXPECT_EQ(run.failures[2],
            "in2:1: : InvalidInput: truncated: unterminated object starting at line 1");
  // The fourth is a violation too, refused as such before its missing members matter.
  EXPECT_NE(run.failures[3].find("in3:1: : UnsupportedMessage: a violation message"),
            std::string::npos);
  EXPECT_EQ(run.report.failed, 4U);
  EXPECT_EQ(run.report.created, 4U);

  run = Import({R"({"violationEventType": "in-alarm", "violationId": "v1", "thingName": "t",
                    "securityProfileName": "p", "behavior": {"name": "b"}})",
                Verification("v2", "SURE", "2026-11-21T05:00:00Z"),
                R"({"version": "0", "detail-type": "EC2 Instance State-change Notification",
                    "source": "aws.ec2", "detail": {"state": "running"}})"});
  ASSERT_EQ(run.failures.size(), 3U) << run.Failures();
  EXPECT_EQ(run.failures[0], "in0:1: violation v1: InvalidInput: violationEventTime is missing");
  EXPECT_NE(run.failures[1].find("verification event: InvalidInput: "
                                 "detail.requestParameters.verificationState 'SURE'"),
            std::string::npos);
  EXPECT_NE(run.failures[2].find("UnsupportedMessage: not an IoT Device Defender message"),
            std::string::npos);
}

}  // namespace
}  // namespace corroborate::pipeline
