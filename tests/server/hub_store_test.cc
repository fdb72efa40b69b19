// HubStore and Writer over a real embedded store: automation rules applied at import as
// Security Hub applies them, history records for every accepted write, what is handed to
// correlation, and group commit of concurrent imports.
#include "server/hub_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "server/history.h"
#include "server/writer.h"

namespace corroborate::server {
namespace {

constexpr std::string_view kProduct =
    "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default";
constexpr asff::TimeMs kNow = 1795334400000;

store::IncomingFinding Incoming(const std::string& id, const std::string& label,
                                const std::string& updated_at = "2026-11-01T00:00:00Z") {
  const std::string json =
      R"({"SchemaVersion":"2018-10-08","Id":")" + id + R"(","ProductArn":")" +
      std::string(kProduct) +
      R"(","GeneratorId":"g","AwsAccountId":"111122223333","Types":["a/b/c"],)"
      R"("CreatedAt":"2026-10-01T00:00:00Z","UpdatedAt":")" +
      updated_at + R"(","Severity":{"Label":")" + label +
      R"("},"Title":"t","Description":"d","Resources":[{"Type":"AwsEc2Instance","Id":"i-)" + id +
      R"("}]})";
  store::IncomingFinding in;
  simdjson::dom::parser parser;
  auto root = parser.parse(json).value();
  EXPECT_TRUE(asff::DecodeFinding(root, in.core).ok());
  in.json = asff::NormalizeNewFinding(root, in.core, kNow);
  return in;
}

AutomationRule MakeRule(const std::string& json) {
  simdjson::dom::parser parser;
  auto rule = ParseNewRule(parser.parse(json).value(), {"eu-west-1", "111122223333", "me", 1});
  EXPECT_TRUE(rule.ok()) << rule.status().message();
  return std::move(rule).value();
}

class HubStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("hub_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto s = store::OpenEmbeddedStore(dir_.string(), {90, 30, false});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    inner_ = std::move(s).value();
    hub_ = std::make_unique<HubStore>(*inner_, &metrics_);
  }
  void TearDown() override {
    hub_.reset();
    inner_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Stored(const std::string& id) {
    store::StoredFinding f;
    EXPECT_TRUE(inner_->Get({std::string(kProduct), id}, &f).ok());
    return f.core.json;
  }
  std::vector<std::string> History(const std::string& id) {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_TRUE(
        inner_->ScanAuxiliary(HistoryPrefix({std::string(kProduct), id}), "", 100, &out).ok());
    std::vector<std::string> values;
    for (auto& [k, v] : out) values.push_back(v);
    return values;
  }

  std::filesystem::path dir_;
  Metrics metrics_;
  std::unique_ptr<store::FindingStore> inner_;
  std::unique_ptr<HubStore> hub_;
};

TEST_F(HubStoreTest, ImportsRecordHistoryAndWhatChanged) {
  hub_->SetIdentity("arn:aws:iam::111122223333:user/alice");
  hub_->BeginRecording();
  std::vector<store::IncomingFinding> batch{Incoming("a", "HIGH"), Incoming("b", "LOW"),
                                            Incoming("a", "HIGH", "2026-11-02T00:00:00Z")};
  std::vector<store::ImportOutcome> outcomes;
  ASSERT_TRUE(hub_->Import(batch, kNow, &outcomes).ok());
  Recording r = hub_->TakeRecording();
  EXPECT_EQ(r.created, 2U);
  EXPECT_EQ(r.updated_by_import, 1U);
  ASSERT_EQ(r.imported.size(), 3U);
  EXPECT_EQ(r.outcomes[2].action, asff::ImportAction::kUpdated);
  // One record per finding for the batch: `a` was created (its net change).
  auto a = History("a");
  ASSERT_EQ(a.size(), 1U);
  EXPECT_NE(a[0].find(R"("FindingCreated":true)"), std::string::npos);
  EXPECT_NE(a[0].find(R"("Identity":"arn:aws:iam::111122223333:user/alice")"), std::string::npos);
  // A stale import changes nothing: no record, nothing to correlate.
  hub_->BeginRecording();
  ASSERT_TRUE(
      hub_->Import(std::vector{Incoming("b", "LOW", "2026-01-01T00:00:00Z")}, kNow, &outcomes)
          .ok());
  r = hub_->TakeRecording();
  EXPECT_TRUE(r.imported.empty());
  EXPECT_EQ(r.unchanged, 1U);
  EXPECT_EQ(History("b").size(), 1U);
  // A batch update: a record with what changed, and the identifier for correlation.
  hub_->BeginRecording();
  asff::BatchUpdate u;
  u.identifiers = {{std::string(kProduct), "b"}};
  u.workflow_status = "RESOLVED";
  store::BatchUpdateResult result;
  ASSERT_TRUE(hub_->BatchUpdate(u, kNow + 1, &result).ok());
  r = hub_->TakeRecording();
  ASSERT_EQ(r.updated.size(), 1U);
  auto b = History("b");
  ASSERT_EQ(b.size(), 2U);
  EXPECT_NE(
      b[1].find(R"({"UpdatedField":"Workflow.Status","OldValue":"NEW","NewValue":"RESOLVED"})"),
      std::string::npos)
      << b[1];
}

TEST_F(HubStoreTest, RulesApplyInOrderOnTheStoredVersionAndStopWhenTerminal) {
  std::vector<AutomationRule> rules;
  rules.push_back(MakeRule(
      R"({"RuleName":"low to medium","Description":"d","RuleOrder":1,"Criteria":{"SeverityLabel":[{"Value":"LOW","Comparison":"EQUALS"}]},
          "Actions":[{"Type":"FINDING_FIELDS_UPDATE","FindingFieldsUpdate":{"Severity":{"Label":"MEDIUM"}}}]})"));
  rules.push_back(MakeRule(
      R"({"RuleName":"medium suppressed","Description":"d","RuleOrder":2,"IsTerminal":true,"Criteria":{"SeverityLabel":[{"Value":"MEDIUM","Comparison":"EQUALS"}]},
          "Actions":[{"Type":"FINDING_FIELDS_UPDATE","FindingFieldsUpdate":{"Workflow":{"Status":"SUPPRESSED"}}}]})"));
  rules.push_back(MakeRule(
      R"({"RuleName":"tag all","Description":"d","RuleOrder":3,"Criteria":{},
          "Actions":[{"Type":"FINDING_FIELDS_UPDATE","FindingFieldsUpdate":{"UserDefinedFields":{"seen":"yes"}}}]})"));
  std::sort(rules.begin(), rules.end(), RuleOrderLess);
  hub_->SetRules(&rules);
  hub_->BeginRecording();
  std::vector<store::ImportOutcome> outcomes;
  ASSERT_TRUE(
      hub_->Import(std::vector{Incoming("low", "LOW"), Incoming("high", "HIGH")}, kNow, &outcomes)
          .ok());
  Recording r = hub_->TakeRecording();
  EXPECT_EQ(r.rule_actions, 3U);  // low: rules 1 and 2 (terminal); high: rule 3
  const std::string low = Stored("low");
  EXPECT_NE(low.find(R"("Label":"MEDIUM")"), std::string::npos);
  EXPECT_NE(low.find(R"("Workflow":{"Status":"SUPPRESSED"})"), std::string::npos);
  EXPECT_EQ(low.find("UserDefinedFields"), std::string::npos);
  EXPECT_NE(Stored("high").find(R"("UserDefinedFields":{"seen":"yes"})"), std::string::npos);
  // Correlation is given the versions as the rules left them.
  ASSERT_EQ(r.imported.size(), 2U);
  EXPECT_NE(r.imported[0].json.find("SUPPRESSED"), std::string::npos);
  EXPECT_EQ(r.imported[0].core.workflow_status, asff::WorkflowStatus::kSuppressed);
  // History: the import, then one record per rule action with the rule as identity.
  auto history = History("low");
  ASSERT_EQ(history.size(), 3U);
  EXPECT_NE(history[1].find(rules[0].arn), std::string::npos);
  EXPECT_NE(
      history[1].find(R"("UpdatedField":"Severity.Label","OldValue":"LOW","NewValue":"MEDIUM")"),
      std::string::npos);
  EXPECT_NE(history[2].find(rules[1].arn), std::string::npos);
}

TEST_F(HubStoreTest, WriterGroupsConcurrentImportsIntoOneCommit) {
  hub_.reset();  // the writer has its own HubStore over the store
  Logger logger(LogLevel::kError);
  WriterOptions options;
  options.clock = [] { return kNow; };
  Writer writer(*inner_, nullptr, options, &metrics_, &logger);
  ASSERT_TRUE(writer.Start().ok());
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(writer.SubmitTask("test", [released](Writer&) -> std::function<void()> {
    released.wait();  // keeps the writer busy while the imports queue up
    return {};
  }));
  std::vector<std::future<ImportResult>> results;
  for (int i = 0; i < 5; ++i) {
    auto p = std::make_shared<std::promise<ImportResult>>();
    results.push_back(p->get_future());
    ASSERT_TRUE(writer.SubmitImport({Incoming("g" + std::to_string(i), "HIGH")}, "same caller",
                                    [p](ImportResult r) { p->set_value(std::move(r)); }));
  }
  release.set_value();
  for (auto& f : results) {
    ImportResult r = f.get();
    ASSERT_TRUE(r.status.ok());
    ASSERT_EQ(r.outcomes.size(), 1U);
    EXPECT_EQ(r.outcomes[0].action, asff::ImportAction::kCreated);
  }
  writer.Stop();
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find("corroborate_group_commit_findings_count 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("corroborate_group_commit_findings_sum 5\n"), std::string::npos);
  EXPECT_FALSE(writer.SubmitImport({Incoming("late", "HIGH")}, "x", [](ImportResult) {}));
}

}  // namespace
}  // namespace corroborate::server
