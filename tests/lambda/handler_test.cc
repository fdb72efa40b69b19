// The Lambda handler against the real embedded store: each understood event kind ends up stored,
// per-finding failures are reported as Security Hub does, and what is not understood is an error.
#include "lambda/handler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "correlate/builtin_rules.h"

namespace corroborate::lambda {
namespace {

constexpr asff::TimeMs kNow = 1795392000000;  // 2026-11-23T00:00:00Z
constexpr const char* kFunction = "arn:aws:lambda:eu-west-1:111122223333:function:corroborate";
constexpr const char* kProduct =
    "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default";

std::string Read(const std::string& relative) {
  std::ifstream in(std::string(CORROBORATE_SOURCE_DIR) + "/" + relative, std::ios::binary);
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

std::string Finding(const std::string& id, const std::string& title = "A finding") {
  return R"({"SchemaVersion": "2018-10-08", "Id": ")" + id + R"(", "ProductArn": ")" + kProduct +
         R"(", "GeneratorId": "gen", "AwsAccountId": "111122223333", "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"], "CreatedAt": "2026-11-20T00:00:00Z", "UpdatedAt": "2026-11-20T00:00:00Z", "Severity": {"Label": "HIGH"}, "Title": ")" +
         title +
         R"(", "Description": "d", "Resources": [{"Type": "AwsEc2Instance", "Id": "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0"}]})";
}

std::string ImportedEvent(const std::string& findings) {
  return R"({"version": "0", "id": "e1", "detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub", "account": "111122223333", "region": "eu-west-1", "time": "2026-11-20T00:00:00Z", "resources": [], "detail": {"findings": [)" +
         findings + "]}}";
}

std::string LambdaSns(const std::string& message,
                      const std::string& topic = "arn:aws:sns:eu-west-1:111122223333:dd") {
  return R"({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": {"Type": "Notification", "TopicArn": ")" +
         topic + R"(", "Message": )" + Quoted(message) + "}}]}";
}

class HandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("corroborate-lambda-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto opened = store::OpenEmbeddedStore(dir_.string(), {});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    for (const auto& file : correlate::BuiltinRuleFiles()) {
      correlate::LoadRules(file.text, std::string(file.name), rules_);
    }
    HandlerOptions options;
    options.clock = [] { return kNow; };
    handler_ = std::make_unique<EventHandler>(*store_, &rules_.rules, options);
  }
  void TearDown() override {
    handler_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Outcome Invoke(const std::string& payload) {
    Invocation invocation;
    invocation.request_id = "req-" + std::to_string(++requests_);
    invocation.function_arn = kFunction;
    invocation.payload = payload;
    return handler_->Handle(invocation);
  }

  // The stored finding's JSON, or "" when there is none.
  std::string Stored(const std::string& id, const std::string& product = kProduct) {
    store::StoredFinding f;
    if (!store_->Get({product, id}, &f).ok()) return "";
    return f.core.json;
  }

  std::vector<std::string> All() {
    store::QueryRequest request;
    request.max_results = 100;
    store::QueryPage page;
    EXPECT_TRUE(store_->Query(request, kNow, &page).ok());
    return page.findings;
  }

  simdjson::dom::element Parse(const std::string& json) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser_.parse(json).get(doc), simdjson::SUCCESS) << json;
    return doc;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::FindingStore> store_;
  correlate::RuleSet rules_;
  std::unique_ptr<EventHandler> handler_;
  simdjson::dom::parser parser_;
  int requests_ = 0;
};

TEST_F(HandlerTest, SecurityHubImportedEventIsStored) {
  const Outcome out = Invoke(ImportedEvent(Finding("f-1") + "," + Finding("f-2")));
  ASSERT_TRUE(out.ok) << out.error.message;
  auto doc = Parse(out.response);
  EXPECT_EQ(std::string_view(doc["Event"]), "SecurityHubFindings");
  EXPECT_EQ(int64_t(doc["SuccessCount"]), 2);
  EXPECT_EQ(int64_t(doc["FailedCount"]), 0);
  EXPECT_EQ(int64_t(doc["Findings"]["Created"]), 2);
  EXPECT_NE(Stored("f-1"), "");
  EXPECT_NE(Stored("f-2"), "");
}

TEST_F(HandlerTest, TheBundledEventBridgeExampleIsStored) {
  const std::string events = Read("examples/eventbridge-imported-events.json");
  simdjson::dom::parser p;
  simdjson::dom::element all;
  ASSERT_EQ(p.parse(events).get(all), simdjson::SUCCESS);
  std::size_t findings = 0;
  for (simdjson::dom::element event : all.get_array()) {
    const Outcome out = Invoke(simdjson::minify(event));  // EventBridge sends one per invocation
    ASSERT_TRUE(out.ok) << out.error.message;
    findings += simdjson::dom::array(event["detail"]["findings"]).size();
  }
  EXPECT_EQ(All().size(), findings);
}

TEST_F(HandlerTest, BatchImportFindingsReportsEachInvalidFindingAsFailedFindings) {
  const Outcome out = Invoke(R"({"Findings": [)" + Finding("good") + "," +
                             Finding("bad", std::string(300, 'x')) + "]}");
  ASSERT_TRUE(out.ok) << out.error.message;
  auto doc = Parse(out.response);
  EXPECT_EQ(std::string_view(doc["Event"]), "BatchImportFindings");
  EXPECT_EQ(int64_t(doc["SuccessCount"]), 1);
  EXPECT_EQ(int64_t(doc["FailedCount"]), 1);
  simdjson::dom::array failed = doc["FailedFindings"];
  ASSERT_EQ(failed.size(), 1u);
  simdjson::dom::element f = failed.at(0);
  EXPECT_EQ(std::string_view(f["Id"]), "bad");
  EXPECT_EQ(std::string_view(f["ErrorCode"]), "InvalidInput");
  EXPECT_NE(std::string_view(f["ErrorMessage"]).find("Title"), std::string_view::npos);
  EXPECT_NE(Stored("good"), "");
  EXPECT_EQ(Stored("bad"), "");
}

TEST_F(HandlerTest, BatchImportFindingsWhoseFindingsAllFailIsStillAResponse) {
  const Outcome out = Invoke(R"({"Findings": [)" + Finding("bad", std::string(300, 'x')) + "]}");
  ASSERT_TRUE(out.ok) << out.error.message;
  EXPECT_EQ(int64_t(Parse(out.response)["FailedCount"]), 1);
}

TEST_F(HandlerTest, BatchImportFindingsOutsideOneToHundredIsInvalidInput) {
  Outcome out = Invoke(R"({"Findings": []})");
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error.type, "Corroborate.InvalidInput");
  EXPECT_EQ(out.error.message,
            "Invalid parameter 'Findings'. Size '0' is less than minimum value: 1");
  std::string many;
  for (int i = 0; i < 101; ++i) many += (i ? "," : "") + Finding("f" + std::to_string(i));
  out = Invoke(R"({"Findings": [)" + many + "]}");
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error.message,
            "Invalid parameter 'Findings'. Size '101' is greater than maximum value: 100");
  EXPECT_TRUE(All().empty());
}

TEST_F(HandlerTest, SnsDeviceDefenderViolationIsStoredWithTheTopicsScope) {
  const Outcome out =
      Invoke(LambdaSns(Read("tests/iot/data/05-violation-in-alarm-ml.sns-message.json"),
                       "arn:aws:sns:us-west-2:444455556666:dd"));
  ASSERT_TRUE(out.ok) << out.error.message;
  auto doc = Parse(out.response);
  EXPECT_EQ(std::string_view(doc["Event"]), "SnsNotification");
  EXPECT_EQ(int64_t(doc["IotMessages"]["Created"]), 1);
  const auto all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_NE(all[0].find("arn:aws:iot:us-west-2:444455556666:thing/pump-017"), std::string::npos)
      << all[0];
}

TEST_F(HandlerTest, ABareViolationTakesTheFunctionsRegionAndAccount) {
  const Outcome out = Invoke(Read("tests/iot/data/05-violation-in-alarm-ml.sns-message.json"));
  ASSERT_TRUE(out.ok) << out.error.message;
  EXPECT_EQ(std::string_view(Parse(out.response)["Event"]), "DeviceDefenderMessage");
  const auto all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_NE(all[0].find("arn:aws:iot:eu-west-1:111122223333:thing/pump-017"), std::string::npos);
}

TEST_F(HandlerTest, CloudTrailVerificationStateSuppressesTheViolation) {
  ASSERT_TRUE(
      Invoke(LambdaSns(Read("tests/iot/data/05-violation-in-alarm-ml.sns-message.json"))).ok);
  const Outcome out =
      Invoke(Read("tests/iot/data/09-verification-false-positive.cloudtrail-eventbridge.json"));
  ASSERT_TRUE(out.ok) << out.error.message;
  EXPECT_EQ(std::string_view(Parse(out.response)["Event"]), "CloudTrailVerificationState");
  const auto all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_NE(all[0].find(R"("Status":"SUPPRESSED")"), std::string::npos) << all[0];
}

TEST_F(HandlerTest, AnotherCloudTrailCallIsAnErrorNotASuccess) {
  std::string event =
      Read("tests/iot/data/09-verification-false-positive.cloudtrail-eventbridge.json");
  const auto at = event.find("PutVerificationStateOnViolation");
  ASSERT_NE(at, std::string::npos);
  event.replace(at, std::string("PutVerificationStateOnViolation").size(), "DeleteThing");
  const Outcome out = Invoke(event);
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error.type, "Corroborate.InvalidInput");
  EXPECT_NE(out.error.message.find("DeleteThing"), std::string::npos) << out.error.message;
}

TEST_F(HandlerTest, UnknownShapesAreUnsupportedEventsThatSayWhatIsExpected) {
  const std::vector<std::string> events = {
      R"({"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "detail": {}})",
      R"({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]})",
      R"({"hello": "world"})",
      R"([1, 2])",
  };
  const std::vector<std::string> said = {"EC2 Instance State-change Notification", "aws:sqs",
                                         "members hello", "a JSON array"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Outcome out = Invoke(events[i]);
    ASSERT_FALSE(out.ok) << events[i];
    EXPECT_EQ(out.error.type, "Corroborate.UnsupportedEvent");
    EXPECT_NE(out.error.message.find(said[i]), std::string::npos) << out.error.message;
    EXPECT_NE(out.error.message.find("Security Hub Findings - Imported"), std::string::npos);
  }
  EXPECT_EQ(Invoke("not json").error.type, "Corroborate.InvalidInput");
  EXPECT_TRUE(All().empty());
}

TEST_F(HandlerTest, AnEventOfWhichNothingCouldBeUsedIsAnError) {
  const Outcome out = Invoke(ImportedEvent(Finding("bad", std::string(300, 'x'))));
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error.type, "Corroborate.InvalidInput");
  EXPECT_NE(out.error.message.find("bad"), std::string::npos) << out.error.message;
}

TEST_F(HandlerTest, AnAuditNoticeAloneIsAResponseThatSaysWhichChecksWaitForTheirFindings) {
  const Outcome out = Invoke(Read("tests/iot/data/02-audit-complete.lambda-sns-event.json"));
  ASSERT_TRUE(out.ok) << out.error.message;
  auto doc = Parse(out.response);
  std::vector<std::string> codes;
  for (simdjson::dom::element f : simdjson::dom::array(doc["FailedFindings"])) {
    codes.emplace_back(std::string_view(f["ErrorCode"]));
  }
  EXPECT_EQ(codes, std::vector<std::string>(3, "NotArchived"));  // the 3 non-compliant checks
}

// An IoT API serving one audit task: one shared-certificate finding, on one page.
class OneAuditIotApi final : public pipeline::IotApi {
 public:
  bool fail = false;
  std::vector<std::string> asked;
  Result<std::string> DescribeAuditTask(std::string_view task_id) override {
    asked.push_back("DescribeAuditTask " + std::string(task_id));
    if (fail) return Status::IOError("IoT DescribeAuditTask at https://iot: HTTP 503");
    return std::string(R"({"taskStatus": "COMPLETED", "taskType": "SCHEDULED_AUDIT_TASK",
        "taskStartTime": 1795334400, "taskStatistics": {"totalChecks": 1, "nonCompliantChecks": 1},
        "auditDetails": {"DEVICE_CERTIFICATE_SHARED_CHECK": {
          "checkRunStatus": "COMPLETED_NON_COMPLIANT", "totalResourcesCount": 420,
          "nonCompliantResourcesCount": 1, "suppressedNonCompliantResourcesCount": 0}}})");
  }
  Result<std::string> ListAuditFindings(std::string_view task_id, std::string_view token) override {
    asked.push_back("ListAuditFindings " + std::string(task_id) + " " + std::string(token));
    simdjson::dom::parser parser;
    const std::string page = Read("tests/iot/data/03-list-audit-findings.page.json");
    simdjson::dom::element first = parser.parse(page)["findings"].at(0).value();
    return R"({"findings": [)" + simdjson::minify(first) + "]}";
  }
  Result<std::string> ListActiveViolations(std::string_view) override {
    return Status::Internal("not asked for");
  }
};

std::string OneCheckNotice() {
  return R"({"accountId": "111122223333", "taskId": "9f2c1b7e4d8a4c0f8e61a3b5d7c9e012",
      "taskStatus": "COMPLETED", "taskType": "SCHEDULED_AUDIT_TASK", "failedChecksCount": 0,
      "canceledChecksCount": 0, "nonCompliantChecksCount": 1, "compliantChecksCount": 0,
      "totalChecksCount": 1, "taskStartTime": 1795334400, "auditDetails": [
        {"checkName": "DEVICE_CERTIFICATE_SHARED_CHECK", "checkRunStatus": "COMPLETED_NON_COMPLIANT",
         "nonCompliantResourcesCount": 1, "totalResourcesCount": 420,
         "suppressedNonCompliantResourcesCount": 0}]})";
}

TEST_F(HandlerTest, AnAuditNoticeIsCompletedFromTheIotApiWhenTheFunctionCanReadIt) {
  OneAuditIotApi api;
  HandlerOptions options;
  options.clock = [] { return kNow; };
  options.iot_api = &api;
  handler_ = std::make_unique<EventHandler>(*store_, &rules_.rules, options);
  const Outcome out = Invoke(LambdaSns(OneCheckNotice()));
  ASSERT_TRUE(out.ok) << out.error.message;
  EXPECT_EQ(api.asked,
            (std::vector<std::string>{"DescribeAuditTask 9f2c1b7e4d8a4c0f8e61a3b5d7c9e012",
                                      "ListAuditFindings 9f2c1b7e4d8a4c0f8e61a3b5d7c9e012 "}));
  auto doc = Parse(out.response);
  EXPECT_EQ(simdjson::dom::array(doc["FailedFindings"]).size(), 0U) << out.response;
  EXPECT_NE(out.response.find("audit task 9f2c1b7e4d8a4c0f8e61a3b5d7c9e012: pulled from the IoT "
                              "API, 1 finding(s) in 1 ListAuditFindings page(s)"),
            std::string::npos)
      << out.response;
  size_t audit_findings = 0;
  for (const auto& json : All()) {
    audit_findings += json.find("DEVICE_CERTIFICATE_SHARED_CHECK") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(audit_findings, 1U);

  // The API failing is an error Lambda retries, not a success that settled nothing.
  api.fail = true;
  const Outcome failed = Invoke(LambdaSns(OneCheckNotice()));
  ASSERT_FALSE(failed.ok);
  EXPECT_EQ(failed.error.type, "Corroborate.IotApiError");
  EXPECT_NE(failed.error.message.find("HTTP 503"), std::string::npos) << failed.error.message;
}

TEST_F(HandlerTest, CorrelationRunsOnWhatTheInvocationStored) {
  // The bundled IoT story: a device in alarm whose certificate is shared (docs/iot.md).
  ASSERT_TRUE(Invoke(Read("examples/sns-lambda-device-defender.json")).ok);
  bool incident = false;
  for (const auto& json : All()) {
    if (json.find("\"ProductName\":\"Corroborate\"") != std::string::npos) incident = true;
  }
  EXPECT_TRUE(incident);
}

}  // namespace
}  // namespace corroborate::lambda
