// The Security Hub sink over a real embedded store and a scripted fake API: what OutboxStore
// queues, batches within Security Hub's limits, per-finding retries and dead letters, requests
// that fail keeping the outbox, a reopened store resuming it, updates after their imports, and
// nothing lost on the way.
#include "sinks/securityhub_sink.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <set>

#include "asff/finding.h"
#include "asff/import.h"

namespace corroborate::sinks {
namespace {

constexpr std::string_view kProduct =
    "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default";
constexpr asff::TimeMs kNow = 1795334400000;

// ProductFields members of 1000 bytes each, about `bytes` in all (findings of a chosen size).
std::string Padding(std::size_t bytes) {
  std::string out = R"("pad":"x")";
  for (std::size_t i = 0; i * 1000 < bytes; ++i) {
    out += R"(,"pad)" + std::to_string(i) + R"(":")" + std::string(1000, 'p') + '"';
  }
  return out;
}

store::IncomingFinding Incoming(const std::string& id, std::size_t padding_bytes = 0) {
  const std::string json =
      R"({"SchemaVersion":"2018-10-08","Id":")" + id + R"(","ProductArn":")" +
      std::string(kProduct) +
      R"(","GeneratorId":"g","AwsAccountId":"111122223333","Types":["a/b/c"],)"
      R"("CreatedAt":"2026-10-01T00:00:00Z","UpdatedAt":"2026-11-01T00:00:00Z",)"
      R"("Severity":{"Label":"HIGH"},"Title":"t","Description":"d","ProductFields":{)" +
      Padding(padding_bytes) + R"(},"Resources":[{"Type":"AwsEc2Instance","Id":"i-)" + id +
      R"("}]})";
  store::IncomingFinding in;
  simdjson::dom::parser parser;
  auto root = parser.parse(json).value();
  const Status decoded = asff::DecodeFinding(root, in.core);
  EXPECT_TRUE(decoded.ok()) << decoded.ToString();
  in.json = asff::NormalizeNewFinding(root, in.core, kNow);
  return in;
}

// Ids of the findings in a BatchImportFindings array.
std::vector<std::string> IdsOf(std::string_view array) {
  simdjson::dom::parser parser;
  std::vector<std::string> ids;
  simdjson::dom::element doc = parser.parse(array).value();
  simdjson::dom::array findings = doc.get_array().value();
  for (simdjson::dom::element f : findings) {
    ids.emplace_back(f["Id"].get_string().value());
  }
  return ids;
}

// A scripted Security Hub: each call pops the next scripted behaviour (default: accept all).
class FakeApi final : public SecurityHubApi {
 public:
  struct Script {
    Status fail;                                // the whole call fails
    std::map<std::string, std::string> refuse;  // Id -> ErrorCode
  };
  std::deque<Script> import_script;
  std::deque<Script> update_script;
  std::vector<std::string> import_bodies;
  std::vector<std::string> update_bodies;
  std::multiset<std::string> accepted;  // Ids accepted over all calls
  std::vector<std::string> order;       // "import:<id>" / "update:<id>" as accepted

  Result<aws::ImportResponse> BatchImportFindings(std::string_view array) override {
    import_bodies.emplace_back(array);
    Script script;
    if (!import_script.empty()) {
      script = import_script.front();
      import_script.pop_front();
    }
    if (!script.fail.ok()) return script.fail;
    aws::ImportResponse r;
    for (const auto& id : IdsOf(array)) {
      if (auto it = script.refuse.find(id); it != script.refuse.end()) {
        r.failed.push_back({id, it->second, "refused by the test"});
        ++r.failed_count;
      } else {
        accepted.insert(id);
        order.push_back("import:" + id);
        ++r.success_count;
      }
    }
    return r;
  }

  Result<aws::UpdateResponse> BatchUpdateFindings(std::string_view request) override {
    update_bodies.emplace_back(request);
    Script script;
    if (!update_script.empty()) {
      script = update_script.front();
      update_script.pop_front();
    }
    if (!script.fail.ok()) return script.fail;
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(request).value();
    simdjson::dom::array ids = doc["FindingIdentifiers"].get_array().value();
    aws::UpdateResponse r;
    for (simdjson::dom::element id : ids) {
      asff::FindingIdentifier fid{std::string(id["ProductArn"].get_string().value()),
                                  std::string(id["Id"].get_string().value())};
      if (auto it = script.refuse.find(fid.id); it != script.refuse.end()) {
        r.unprocessed.push_back({fid, it->second, "refused by the test"});
      } else {
        order.push_back("update:" + fid.id);
        r.processed.push_back(fid);
      }
    }
    return r;
  }
};

class SinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sink_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    Close();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    auto s = store::OpenEmbeddedStore(dir_.string(), {90, 30, false});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    inner_ = std::move(s).value();
    outbox_ = std::make_unique<Outbox>(*inner_);
    store_ = std::make_unique<OutboxStore>(*inner_, *outbox_);
  }
  void Close() {
    store_.reset();
    outbox_.reset();
    inner_.reset();
  }
  SinkOptions Options() {
    SinkOptions o;
    o.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
    o.random = [] { return 0.5; };
    o.now = [] { return kNow; };
    return o;
  }
  void ImportRange(int from, int to, std::size_t padding_bytes = 0) {
    std::vector<store::IncomingFinding> batch;
    for (int i = from; i < to; ++i)
      batch.push_back(Incoming("f" + std::to_string(i), padding_bytes));
    std::vector<store::ImportOutcome> outcomes;
    ASSERT_TRUE(store_->Import(batch, kNow, &outcomes).ok());
  }
  std::uint64_t Pending() {
    std::uint64_t n = 0;
    EXPECT_TRUE(outbox_->CountPending(&n).ok());
    return n;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::FindingStore> inner_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<OutboxStore> store_;
  std::vector<std::chrono::milliseconds> sleeps_;
  FakeApi api_;
};

TEST_F(SinkTest, ImportsAreQueuedDurablyAndSentInBatchesOfAtMost100) {
  ImportRange(0, 250);
  EXPECT_EQ(Pending(), 250U);
  SecurityHubSink sink(*store_, *outbox_, api_, Options());
  DrainReport report;
  ASSERT_TRUE(sink.Drain(&report).ok());
  EXPECT_EQ(report.imported, 250U);
  EXPECT_EQ(report.remaining, 0U);
  ASSERT_EQ(api_.import_bodies.size(), 3U);
  for (const auto& body : api_.import_bodies) EXPECT_LE(IdsOf(body).size(), 100U);
  EXPECT_EQ(api_.accepted.size(), 250U);
  EXPECT_EQ(Pending(), 0U);
  // What was sent is the stored finding (with the fields the store derives).
  EXPECT_NE(api_.import_bodies[0].find("\"ProductName\""), std::string::npos);
}

TEST_F(SinkTest, BatchesStayUnderTheByteLimit) {
  ImportRange(0, 30, 20000);  // ~20 KB each
  SinkOptions o = Options();
  o.max_batch_bytes = 100000;
  SecurityHubSink sink(*store_, *outbox_, api_, o);
  DrainReport report;
  ASSERT_TRUE(sink.Drain(&report).ok());
  EXPECT_EQ(api_.accepted.size(), 30U);
  EXPECT_GT(api_.import_bodies.size(), 5U);
  for (const auto& body : api_.import_bodies) {
    EXPECT_LT(body.size() + std::string_view(R"({"Findings":})").size(), 100000U);
  }
}

TEST_F(SinkTest, TheSameFindingQueuedTwiceIsSentOnceWithItsNewestVersion) {
  ImportRange(0, 2);
  ImportRange(0, 2);
  EXPECT_EQ(Pending(), 4U);
  SecurityHubSink sink(*store_, *outbox_, api_, Options());
  DrainReport report;
  ASSERT_TRUE(sink.Drain(&report).ok());
  ASSERT_EQ(api_.import_bodies.size(), 1U);
  EXPECT_EQ(IdsOf(api_.import_bodies[0]).size(), 2U);
  EXPECT_EQ(Pending(), 0U);
}

TEST_F(SinkTest, ThrottledFindingsAreRetriedWithBackoffAndNoneIsLost) {
  ImportRange(0, 10);
  api_.import_script.push_back(
      {Status::Ok(), {{"f3", "ThrottlingException"}, {"f7", "InternalException"}}});
  api_.import_script.push_back({Status::Ok(), {{"f3", "ThrottlingException"}}});
  SecurityHubSink sink(*store_, *outbox_, api_, Options());
  DrainReport report;
  ASSERT_TRUE(sink.Drain(&report).ok());
  EXPECT_EQ(report.imported, 10U);
  EXPECT_EQ(report.retried, 3U);
  EXPECT_EQ(report.dead_lettered, 0U);
  ASSERT_EQ(api_.import_bodies.size(), 3U);
  EXPECT_EQ(IdsOf(api_.import_bodies[1]), (std::vector<std::string>{"f3", "f7"}));
  EXPECT_EQ(IdsOf(api_.import_bodies[2]), (std::vector<std::string>{"f3"}));
  // Full jitter of 1 s, 2 s: random 0.5 gives half of each.
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(500),
                                                             std::chrono::milliseconds(1000)}));
  EXPECT_EQ(api_.accepted.size(), 10U);
}

TEST_F(SinkTest, FindingsStillThrottledAfterTheLastAttemptStayInTheOutbox) {
  ImportRange(0, 3);
  SinkOptions o = Options();
  o.max_finding_attempts = 2;
  for (int i = 0; i < 2; ++i) {
    api_.import_script.push_back({Status::Ok(), {{"f1", "ThrottlingException"}}});
  }
  SecurityHubSink sink(*store_, *outbox_, api_, o);
  DrainReport report;
  Status s = sink.Drain(&report);
  EXPECT_EQ(s.code(), Status::Code::kLimitExceeded);
  EXPECT_NE(s.message().find("stay in the outbox"), std::string::npos);
  EXPECT_EQ(report.remaining, 1U);
  ASSERT_TRUE(sink.Drain(&report).ok());  // AWS stopped throttling
  EXPECT_EQ(report.imported, 1U);
  EXPECT_EQ(api_.accepted.count("f1"), 1U);
  EXPECT_EQ(Pending(), 0U);
}

TEST_F(SinkTest, RefusedFindingsBecomeDeadLettersWithAwsError) {
  ImportRange(0, 4);
  api_.import_script.push_back({Status::Ok(), {{"f2", "InvalidInput"}}});
  SecurityHubSink sink(*store_, *outbox_, api_, Options());
  DrainReport report;
  ASSERT_TRUE(sink.Drain(&report).ok());
  EXPECT_EQ(report.imported, 3U);
  EXPECT_EQ(report.dead_lettered, 1U);
  EXPECT_EQ(Pending(), 0U);
  std::vector<DeadLetter> dead;
  ASSERT_TRUE(outbox_->ReadDeadLetters(10, &dead).ok());
  ASSERT_EQ(dead.size(), 1U);
  EXPECT_EQ(dead[0].finding.id, "f2");
  EXPECT_EQ(dead[0].finding.product_arn, kProduct);
  EXPECT_EQ(dead[0].operation, "BatchImportFindings");
  EXPECT_EQ(dead[0].error_code, "InvalidInput");
  EXPECT_EQ(dead[0].error_message, "refused by the test");
  EXPECT_EQ(dead[0].at, asff::FormatTimestamp(kNow));
}

TEST_F(SinkTest, AFailedRequestKeepsEverythingAndAReopenedStoreResumes) {
  ImportRange(0, 150);
  api_.import_script.push_back({Status::Ok(), {}});  // the first 100 go through
  api_.import_script.push_back(
      {Status::LimitExceeded("Security Hub BatchImportFindings: HTTP 429 TooManyRequests"), {}});
  {
    SecurityHubSink sink(*store_, *outbox_, api_, Options());
    DrainReport report;
    Status s = sink.Drain(&report);
    EXPECT_EQ(s.code(), Status::Code::kLimitExceeded);
    EXPECT_EQ(report.imported, 100U);
    EXPECT_EQ(report.remaining, 50U);
  }
  // A restart: the store is closed and opened again; new work continues the sequence.
  Close();
  Open();
  EXPECT_EQ(Pending(), 50U);
  ImportRange(150, 160);
  EXPECT_EQ(Pending(), 60U);
  SecurityHubSink sink(*store_, *outbox_, api_, Options());
  DrainReport report;
  ASSERT_TRUE(sink.Drain(&report).ok());
  EXPECT_EQ(report.imported, 60U);
  std::set<std::string> distinct(api_.accepted.begin(), api_.accepted.end());
  EXPECT_EQ(distinct.size(), 160U);       // every finding arrived
  EXPECT_EQ(api_.accepted.size(), 160U);  // and none twice
  // Outbox order held across the restart: f100..f149 before f150..f159.
  EXPECT_EQ(IdsOf(api_.import_bodies.back()).front(), "f100");
}

TEST_F(SinkTest, UpdatesFollowTheirImportsAndOnlyProcessedIdentifiersAreQueued) {
  ImportRange(0, 3);
  asff::BatchUpdate update;
  update.identifiers = {{std::string(kProduct), "f1"}, {std::string(kProduct), "missing"}};
  update.workflow_status = "RESOLVED";
  update.note = asff::Note{"triaged", "alice", ""};
  store::BatchUpdateResult result;
  ASSERT_TRUE(store_->BatchUpdate(update, kNow, &result).ok());
  ASSERT_EQ(result.processed.size(), 1U);
  ImportRange(3, 4);
  SecurityHubSink sink(*store_, *outbox_, api_, Options());
  DrainReport report;
  ASSERT_TRUE(sink.Drain(&report).ok());
  EXPECT_EQ(api_.order, (std::vector<std::string>{"import:f0", "import:f1", "import:f2",
                                                  "update:f1", "import:f3"}));
  ASSERT_EQ(api_.update_bodies.size(), 1U);
  simdjson::dom::parser parser;
  auto doc = parser.parse(api_.update_bodies[0]).value();
  EXPECT_EQ(std::string_view(doc["Workflow"]["Status"].get_string().value()), "RESOLVED");
  EXPECT_EQ(std::string_view(doc["Note"]["Text"].get_string().value()), "triaged");
  EXPECT_EQ(doc["FindingIdentifiers"].get_array().value().size(), 1U);
  EXPECT_EQ(report.updated, 1U);
  EXPECT_EQ(Pending(), 0U);
}

TEST_F(SinkTest, RetryableUnprocessedUpdatesAreRetriedAndRefusedOnesDeadLettered) {
  ImportRange(0, 3);
  asff::BatchUpdate update;
  for (int i = 0; i < 3; ++i)
    update.identifiers.push_back({std::string(kProduct), "f" + std::to_string(i)});
  update.verification_state = "TRUE_POSITIVE";
  store::BatchUpdateResult result;
  ASSERT_TRUE(store_->BatchUpdate(update, kNow, &result).ok());
  api_.update_script.push_back(
      {Status::Ok(), {{"f0", "ThrottlingException"}, {"f2", "FindingNotFound"}}});
  SecurityHubSink sink(*store_, *outbox_, api_, Options());
  DrainReport report;
  ASSERT_TRUE(sink.Drain(&report).ok());
  EXPECT_EQ(report.updated, 2U);  // f1, then f0 on the retry
  EXPECT_EQ(report.dead_lettered, 1U);
  ASSERT_EQ(api_.update_bodies.size(), 2U);
  EXPECT_NE(api_.update_bodies[1].find("\"f0\""), std::string::npos);
  EXPECT_EQ(api_.update_bodies[1].find("\"f1\""), std::string::npos);
  std::vector<DeadLetter> dead;
  ASSERT_TRUE(outbox_->ReadDeadLetters(10, &dead).ok());
  ASSERT_EQ(dead.size(), 1U);
  EXPECT_EQ(dead[0].finding.id, "f2");
  EXPECT_EQ(dead[0].operation, "BatchUpdateFindings");
  EXPECT_EQ(Pending(), 0U);
}

TEST_F(SinkTest, EntriesWhoseFindingWasNeverStoredAreSkipped) {
  // A crash between the outbox write and the import leaves such an entry.
  const std::vector<asff::FindingIdentifier> ghost = {{std::string(kProduct), "never-stored"}};
  ASSERT_TRUE(outbox_->EnqueueImports(ghost).ok());
  ImportRange(0, 1);
  SecurityHubSink sink(*store_, *outbox_, api_, Options());
  DrainReport report;
  ASSERT_TRUE(sink.Drain(&report).ok());
  EXPECT_EQ(report.not_stored, 1U);
  EXPECT_EQ(report.imported, 1U);
  EXPECT_EQ(Pending(), 0U);
}

TEST_F(SinkTest, DryRunSendsNothingAndRemovesNothing) {
  ImportRange(0, 120);
  SinkOptions o = Options();
  o.dry_run = true;
  SecurityHubSink sink(*store_, *outbox_, api_, o);
  DrainReport report;
  ASSERT_TRUE(sink.Drain(&report).ok());
  EXPECT_EQ(report.imported, 120U);
  EXPECT_EQ(report.import_requests, 2U);
  EXPECT_TRUE(api_.import_bodies.empty());
  EXPECT_EQ(Pending(), 120U);
}

TEST_F(SinkTest, ChangesJsonCarriesEveryMember) {
  asff::BatchUpdate u;
  u.note = asff::Note{"n", "me", ""};
  u.severity_json = R"({"Label":"LOW"})";
  u.verification_state = "BENIGN_POSITIVE";
  u.confidence = 10;
  u.criticality = 20;
  u.types = std::vector<std::string>{"a/b"};
  u.user_defined_fields = std::vector<std::pair<std::string, std::string>>{{"k", "v"}};
  u.workflow_status = "NOTIFIED";
  u.related_findings = std::vector<asff::FindingIdentifier>{{"p", "i"}};
  EXPECT_EQ(BatchUpdateChangesJson(u),
            R"({"Note":{"Text":"n","UpdatedBy":"me"},"Severity":{"Label":"LOW"},)"
            R"("VerificationState":"BENIGN_POSITIVE","Confidence":10,"Criticality":20,)"
            R"("Types":["a/b"],"UserDefinedFields":{"k":"v"},"Workflow":{"Status":"NOTIFIED"},)"
            R"("RelatedFindings":[{"ProductArn":"p","Id":"i"}]})");
}

}  // namespace
}  // namespace corroborate::sinks
