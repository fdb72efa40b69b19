// Pulling Device Defender data from the IoT API (recorded pages served by a fake IotApi): the
// store ends up as it would from the SNS notice and the ListAuditFindings file, pages are followed
// to the end, active violations become in-alarm findings, and bad pages are errors.
#include "pipeline/iot_pull.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sources/sources.h"

namespace corroborate::pipeline {
namespace {

constexpr asff::TimeMs kNow = 1795392000000;  // 2026-11-23T00:00:00Z
const iot::Scope kScope{"aws", "eu-west-1", "111122223333"};
constexpr std::string_view kTask = "9f2c1b7e4d8a4c0f8e61a3b5d7c9e012";

std::string Data(const std::string& name) {
  std::ifstream in(std::string(CORROBORATE_SOURCE_DIR) + "/tests/iot/data/" + name,
                   std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The reference task as DescribeAuditTask answers it (auditDetails a map, statistics apart).
constexpr std::string_view kDescribe = R"({
  "taskStatus": "COMPLETED", "taskType": "SCHEDULED_AUDIT_TASK",
  "taskStartTime": 1795334400, "scheduledAuditName": "DailyFleetAudit",
  "taskStatistics": {"totalChecks": 6, "inProgressChecks": 0, "waitingForDataCollectionChecks": 0,
                     "compliantChecks": 2, "nonCompliantChecks": 3, "failedChecks": 1,
                     "canceledChecks": 0},
  "auditDetails": {
    "DEVICE_CERTIFICATE_SHARED_CHECK": {"checkRunStatus": "COMPLETED_NON_COMPLIANT",
      "checkCompliant": false, "totalResourcesCount": 420, "nonCompliantResourcesCount": 1,
      "suppressedNonCompliantResourcesCount": 0},
    "IOT_POLICY_OVERLY_PERMISSIVE_CHECK": {"checkRunStatus": "COMPLETED_NON_COMPLIANT",
      "checkCompliant": false, "totalResourcesCount": 35, "nonCompliantResourcesCount": 2,
      "suppressedNonCompliantResourcesCount": 1},
    "DEVICE_CERTIFICATE_EXPIRING_CHECK": {"checkRunStatus": "COMPLETED_NON_COMPLIANT",
      "checkCompliant": false, "totalResourcesCount": 420, "nonCompliantResourcesCount": 1,
      "suppressedNonCompliantResourcesCount": 0},
    "LOGGING_DISABLED_CHECK": {"checkRunStatus": "COMPLETED_COMPLIANT", "checkCompliant": true,
      "totalResourcesCount": 1, "nonCompliantResourcesCount": 0},
    "CA_CERTIFICATE_EXPIRING_CHECK": {"checkRunStatus": "COMPLETED_COMPLIANT",
      "checkCompliant": true, "totalResourcesCount": 2, "nonCompliantResourcesCount": 0},
    "CONFLICTING_CLIENT_IDS_CHECK": {"checkRunStatus": "FAILED",
      "errorCode": "INSUFFICIENT_PERMISSIONS",
      "message": "The audit role could not read connection logs"}
  }})";

// Serves recorded pages and remembers what was asked.
class RecordedIotApi final : public IotApi {
 public:
  std::string describe = std::string(kDescribe);
  std::map<std::string, std::string> audit_pages;      // token -> page ("" first)
  std::map<std::string, std::string> violation_pages;  // token -> page
  std::vector<std::string> asked;

  Result<std::string> DescribeAuditTask(std::string_view task_id) override {
    asked.push_back("DescribeAuditTask " + std::string(task_id));
    return describe;
  }
  Result<std::string> ListAuditFindings(std::string_view task_id, std::string_view token) override {
    asked.push_back("ListAuditFindings " + std::string(task_id) + " " + std::string(token));
    const auto it = audit_pages.find(std::string(token));
    if (it == audit_pages.end()) return Status::InvalidInput("unknown nextToken");
    return it->second;
  }
  Result<std::string> ListActiveViolations(std::string_view token) override {
    asked.push_back("ListActiveViolations " + std::string(token));
    const auto it = violation_pages.find(std::string(token));
    if (it == violation_pages.end()) return Status::IOError("AccessDeniedException: no iot:List");
    return it->second;
  }
};

// The reference page cut in two, the first pointing to the second.
void SplitReferencePage(RecordedIotApi& api) {
  simdjson::dom::parser parser;
  const std::string page = Data("03-list-audit-findings.page.json");
  simdjson::dom::element root = parser.parse(page);
  simdjson::dom::array findings = root["findings"].get_array();
  std::string first = R"({"findings":[)", second = first;
  std::size_t i = 0;
  for (simdjson::dom::element f : findings) {
    std::string& into = i < 2 ? first : second;
    if (into.back() != '[') into += ',';
    into += simdjson::minify(f);
    ++i;
  }
  ASSERT_GE(i, 3U);
  api.audit_pages[""] = first + R"(],"nextToken":"page-2"})";
  api.audit_pages["page-2"] = second + "]}";
}

class IotPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() /
            ("corroborate-iot-pull-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(base_);
    std::filesystem::create_directories(base_);
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  std::unique_ptr<store::FindingStore> Open(const std::string& name) {
    store::StoreOptions options;
    options.sync = false;
    auto opened = store::OpenEmbeddedStore((base_ / name).string(), options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
  IotImportOptions Options() {
    IotImportOptions options;
    options.iot.defaults = kScope;
    options.clock = [] { return kNow; };
    options.on_failure = [this](const IotFailure& f) {
      failures_.push_back(f.location + ": " + f.error_code + ": " + f.error_message);
    };
    return options;
  }
  // Every stored finding as "Id RecordState Compliance Workflow Title".
  static std::multiset<std::string> Contents(store::FindingStore& store) {
    std::multiset<std::string> out;
    store::QueryRequest request;
    request.max_results = 100;
    do {
      store::QueryPage page;
      EXPECT_TRUE(store.Query(request, kNow, &page).ok());
      for (const std::string& json : page.findings) {
        asff::Finding f;
        EXPECT_TRUE(asff::DecodeFindingText(json, f).ok());
        out.insert(f.id + " " + std::string(asff::ToString(f.record_state)) + " " +
                   f.compliance_status + " " + std::string(asff::ToString(f.workflow_status)) +
                   " " + f.title);
      }
      request.next_token = page.next_token;
    } while (!request.next_token.empty());
    return out;
  }

  std::filesystem::path base_;
  std::vector<std::string> failures_;
};

TEST_F(IotPullTest, AnAuditPulledPageByPageIsStoredAsItsNoticeAndFileWouldBe) {
  RecordedIotApi api;
  SplitReferencePage(api);
  auto pulled = Open("pulled");
  IotPullReport report;
  {
    IotImporter importer(*pulled, Options());
    ASSERT_TRUE(PullAudit(api, importer, kTask, kScope.account, &report).ok());
    ASSERT_TRUE(importer.Finish().ok());
    EXPECT_EQ(importer.report().created, 4U);
  }
  EXPECT_TRUE(failures_.empty()) << failures_[0];
  EXPECT_EQ(report.pages, 2U);
  EXPECT_EQ(report.audit_findings, 4U);
  EXPECT_EQ(api.asked,
            (std::vector<std::string>{"DescribeAuditTask " + std::string(kTask),
                                      "ListAuditFindings " + std::string(kTask) + " ",
                                      "ListAuditFindings " + std::string(kTask) + " page-2"}));
  // The same audit from the SNS notice and the page file, as `iot import-audit` reads them.
  auto imported = Open("imported");
  {
    IotImporter importer(*imported, Options());
    for (const char* file :
         {"01-audit-complete.sns-message.json", "03-list-audit-findings.page.json"}) {
      sources::ReadFindingsFromBuffer(Data(file), file, importer);
    }
    ASSERT_TRUE(importer.Finish().ok());
  }
  EXPECT_EQ(Contents(*pulled), Contents(*imported));
  EXPECT_EQ(Contents(*pulled).size(), 4U);
}

TEST_F(IotPullTest, ANewerPulledAuditArchivesWhatItNoLongerReports) {
  RecordedIotApi api;
  SplitReferencePage(api);
  auto store = Open("store");
  IotPullReport report;
  {
    IotImporter importer(*store, Options());
    ASSERT_TRUE(PullAudit(api, importer, kTask, kScope.account, &report).ok());
    ASSERT_TRUE(importer.Finish().ok());
  }
  // The next day's audit: every check compliant, no findings.
  RecordedIotApi next;
  next.describe = std::string(kDescribe);
  for (const char* from : {"COMPLETED_NON_COMPLIANT", "1795334400"}) {
    const std::string to = std::string(from) == "1795334400" ? "1795420800" : "COMPLETED_COMPLIANT";
    for (size_t at = next.describe.find(from); at != std::string::npos;
         at = next.describe.find(from, at + to.size())) {
      next.describe.replace(at, std::string(from).size(), to);
    }
  }
  next.audit_pages[""] = R"({"findings": []})";
  {
    IotImporter importer(*store, Options());
    ASSERT_TRUE(
        PullAudit(next, importer, "a0000000000000000000000000000002", kScope.account, &report)
            .ok());
    ASSERT_TRUE(importer.Finish().ok());
    // The three ACTIVE ones; the fourth was suppressed, so archived already.
    EXPECT_EQ(importer.report().archived_resolved, 3U);
  }
  int passed = 0;
  for (const std::string& line : Contents(*store)) {
    EXPECT_NE(line.find(" ARCHIVED "), std::string::npos) << line;
    if (line.find(" ARCHIVED PASSED ") != std::string::npos) ++passed;
  }
  EXPECT_EQ(passed, 3);
}

TEST_F(IotPullTest, ActiveViolationsBecomeInAlarmFindingsWithTheirVerificationState) {
  RecordedIotApi api;
  api.violation_pages[""] = R"({"activeViolations": [
      {"violationId": "v-1", "thingName": "pump-017", "securityProfileName": "PumpBaseline",
       "behavior": {"name": "MessagesSent-High", "metric": "aws:num-messages-sent",
                    "criteria": {"comparisonOperator": "greater-than", "value": {"count": 100},
                                 "durationSeconds": 300}},
       "lastViolationValue": {"count": 4120}, "lastViolationTime": 1795340100,
       "violationStartTime": 1795339800}],
      "nextToken": "t2"})";
  api.violation_pages["t2"] = R"({"activeViolations": [
      {"violationId": "v-2", "thingName": "pump-044", "securityProfileName": "PumpBaseline",
       "behavior": {"name": "Disconnects-Medium", "metric": "aws:num-disconnects",
                    "criteria": {"comparisonOperator": "greater-than", "value": {"count": 5},
                                 "durationSeconds": 300}},
       "lastViolationValue": {"count": 9}, "violationStartTime": 1795339900,
       "verificationState": "FALSE_POSITIVE",
       "verificationStateDescription": "maintenance window"}]})";
  auto store = Open("store");
  IotPullReport report;
  IotImporter importer(*store, Options());
  ASSERT_TRUE(PullActiveViolations(api, importer, &report).ok());
  ASSERT_TRUE(importer.Finish().ok());
  EXPECT_TRUE(failures_.empty()) << failures_[0];
  EXPECT_EQ(report.pages, 2U);
  EXPECT_EQ(report.active_violations, 2U);
  EXPECT_EQ(importer.report().violations, 2U);
  const auto contents = Contents(*store);
  ASSERT_EQ(contents.size(), 2U);
  int suppressed = 0, fresh = 0;
  for (const std::string& line : contents) {
    EXPECT_NE(line.find(" ACTIVE FAILED "), std::string::npos) << line;
    if (line.find(" SUPPRESSED ") != std::string::npos) ++suppressed;
    if (line.find(" NEW ") != std::string::npos) ++fresh;
  }
  EXPECT_EQ(suppressed, 1);  // pump-044's FALSE_POSITIVE
  EXPECT_EQ(fresh, 1);
}

TEST_F(IotPullTest, BadPagesAndFailedCallsAreErrorsThatSayWhere) {
  auto store = Open("store");
  IotPullReport report;
  {
    RecordedIotApi api;
    api.audit_pages[""] = R"({"findings": [], "nextToken": "gone"})";
    IotImporter importer(*store, Options());
    const Status s = PullAudit(api, importer, kTask, kScope.account, &report);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("page 2"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("unknown nextToken"), std::string::npos) << s.ToString();
  }
  {
    RecordedIotApi api;
    api.audit_pages[""] = R"({"items": []})";
    IotImporter importer(*store, Options());
    const Status s = PullAudit(api, importer, kTask, kScope.account, &report);
    EXPECT_EQ(s.code(), Status::Code::kInvalidInput);
    EXPECT_NE(s.message().find("has no findings array"), std::string::npos) << s.ToString();
  }
  {
    RecordedIotApi api;
    api.describe = R"({"taskType": "ON_DEMAND_AUDIT_TASK"})";
    IotImporter importer(*store, Options());
    const Status s = PullAudit(api, importer, kTask, kScope.account, &report);
    EXPECT_NE(s.message().find("no taskStatus"), std::string::npos) << s.ToString();
  }
  {
    RecordedIotApi api;  // no pages: the call fails as AWS refusing it would
    IotImporter importer(*store, Options());
    const Status s = PullActiveViolations(api, importer, &report);
    EXPECT_NE(s.message().find("ListActiveViolations page 1"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("AccessDeniedException"), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(Contents(*store).size(), 0U);
}

}  // namespace
}  // namespace corroborate::pipeline
