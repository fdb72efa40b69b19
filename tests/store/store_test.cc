#include "store/store.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "asff/import.h"

namespace corroborate::store {
namespace {

using asff::ImportAction;
using asff::TimeMs;

constexpr TimeMs kNow = 1794000000000;  // 2026-11-06T...
constexpr std::string_view kGuardDuty = "arn:aws:securityhub:eu-west-1::product/aws/guardduty";
constexpr std::string_view kInspector = "arn:aws:securityhub:eu-west-1::product/aws/inspector";

struct Spec {
  std::string id = "f-1";
  std::string product_arn = std::string(kGuardDuty);
  TimeMs updated_at = kNow - 1000;
  std::string severity = "HIGH";
  std::string resource_type = "AwsEc2Instance";
  std::string resource_id = "i-0123456789abcdef0";
  std::string record_state = "ACTIVE";
  std::string title = "A finding";
  std::string details;  // the resource's Details object, if any
};

std::string Json(const Spec& s) {
  return R"({"SchemaVersion":"2018-10-08","Id":")" + s.id + R"(","ProductArn":")" + s.product_arn +
         R"(","GeneratorId":"gen","AwsAccountId":"111122223333","Types":["TTPs/Discovery"],)"
         R"("CreatedAt":"2026-10-01T00:00:00Z","UpdatedAt":")" +
         asff::FormatTimestamp(s.updated_at) + R"(","Severity":{"Label":")" + s.severity +
         R"("},"Title":")" + s.title + R"(","Description":"d","RecordState":")" + s.record_state +
         R"(","Resources":[{"Type":")" + s.resource_type + R"(","Id":")" + s.resource_id +
         R"(","Region":"eu-west-1")" + (s.details.empty() ? "" : ",\"Details\":" + s.details) +
         "}]}";
}

IncomingFinding Incoming(const Spec& s, TimeMs now = kNow) {
  IncomingFinding in;
  const std::string json = Json(s);
  simdjson::dom::parser parser;
  auto root = parser.parse(json).value();
  EXPECT_TRUE(asff::DecodeFinding(root, in.core).ok());
  in.json = asff::NormalizeNewFinding(root, in.core, now);
  return in;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen(StoreOptions options = {}) {
    store_.reset();
    auto s = OpenEmbeddedStore(dir_.string(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  std::vector<ImportAction> Import(const std::vector<Spec>& specs, TimeMs now = kNow) {
    std::vector<IncomingFinding> batch;
    for (const auto& s : specs) batch.push_back(Incoming(s, now));
    std::vector<ImportOutcome> outcomes;
    const Status st = store_->Import(batch, now, &outcomes);
    EXPECT_TRUE(st.ok()) << st.ToString();
    std::vector<ImportAction> actions;
    for (const auto& o : outcomes) actions.push_back(o.action);
    return actions;
  }
  StoredFinding Get(const std::string& id, std::string_view arn = kGuardDuty) {
    StoredFinding f;
    const Status s = store_->Get({std::string(arn), id}, &f);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return f;
  }
  std::vector<std::string> QueryIds(const std::string& filter_json,
                                    std::vector<filter::SortCriterion> sort = {},
                                    size_t page_size = 100, size_t* pages = nullptr) {
    filter::FindingFilter filter;
    if (!filter_json.empty()) {
      auto f = filter::FindingFilter::ParseText(filter_json);
      EXPECT_TRUE(f.ok()) << f.status().ToString();
      filter = std::move(f).value();
    }
    QueryRequest request;
    request.filter = &filter;
    request.sort = std::move(sort);
    request.max_results = page_size;
    std::vector<std::string> ids;
    size_t n = 0;
    do {
      QueryPage page;
      const Status s = store_->Query(request, kNow, &page);
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (!s.ok()) break;
      for (const auto& json : page.findings) {
        asff::Finding f;
        EXPECT_TRUE(asff::DecodeFindingText(json, f).ok());
        ids.push_back(f.id);
      }
      request.next_token = page.next_token;
      ++n;
    } while (!request.next_token.empty());
    if (pages != nullptr) *pages = n;
    return ids;
  }

  // Imports `batch` in a child process that then exits without running destructors, as a crash
  // would: the derived state of what it imported is never written. The fixture's store is closed
  // first (the directory admits one process) and stays closed.
  void ImportInACrashingChild(const std::vector<IncomingFinding>& batch) {
    store_.reset();
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto s = OpenEmbeddedStore(dir_.string());
      if (!s.ok()) _exit(2);
      std::vector<ImportOutcome> outcomes;
      if (!(*s)->Import(batch, kNow, &outcomes).ok()) _exit(3);
      _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
  }

  std::filesystem::path dir_;
  std::unique_ptr<FindingStore> store_;
};

// A batch that fails leaves each identity at the version it had, including one that an earlier,
// still pending import gave it: not at the failed batch's version, whose sequence number the next
// import reuses for another finding.
TEST_F(StoreTest, FailedBatchLeavesPendingVersionsAsTheyWere) {
  Spec first;
  first.title = "first";
  ASSERT_EQ(Import({first}), std::vector{ImportAction::kCreated});
  std::vector<IncomingFinding> batch;
  Spec revised = first;
  revised.updated_at += 10;
  revised.title = "revised";
  batch.push_back(Incoming(revised));
  for (int i = 0; i < 300; ++i) {
    Spec s;
    s.id = "bulk-" + std::to_string(i);
    batch.push_back(Incoming(s));
  }
  // A batch this large is written as a table file in the data directory: with the directory gone
  // that write fails, while the files RocksDB holds open still take writes and serve reads.
  std::filesystem::remove_all(dir_);
  std::vector<ImportOutcome> outcomes;
  EXPECT_FALSE(store_->Import(batch, kNow, &outcomes).ok());
  Spec other;
  other.id = "f-2";
  other.title = "other";
  ASSERT_EQ(Import({other}), std::vector{ImportAction::kCreated});
  EXPECT_EQ(Get("f-1").core.title, "first");
  EXPECT_EQ(Get("f-2").core.title, "other");
}

TEST_F(StoreTest, CreatesThenOrdersUpdatesByUpdatedAt) {
  Spec s;
  EXPECT_EQ(Import({s}), std::vector{ImportAction::kCreated});
  Spec older = s;
  older.updated_at -= 10;
  older.title = "older";
  EXPECT_EQ(Import({older}), std::vector{ImportAction::kIgnoredStale});
  EXPECT_EQ(Import({s}), std::vector{ImportAction::kIgnoredStale});  // same UpdatedAt: no-op
  Spec newer = s;
  newer.updated_at += 10;
  newer.title = "newer";
  EXPECT_EQ(Import({newer}), std::vector{ImportAction::kUpdated});
  EXPECT_EQ(Get("f-1").core.title, "newer");
  EXPECT_EQ(QueryIds("").size(), 1u);  // nothing stored twice
}

TEST_F(StoreTest, IdentityIsProductArnAndId) {
  Spec a, b;
  b.product_arn = std::string(kInspector);
  EXPECT_EQ(Import({a, b}), (std::vector{ImportAction::kCreated, ImportAction::kCreated}));
  EXPECT_EQ(QueryIds("").size(), 2u);
}

TEST_F(StoreTest, RepeatedIdentityInOneBatchAppliesInOrder) {
  Spec first, second, stale;
  second.updated_at += 5;
  second.title = "second";
  stale.updated_at += 1;
  EXPECT_EQ(
      Import({first, second, stale}),
      (std::vector{ImportAction::kCreated, ImportAction::kUpdated, ImportAction::kIgnoredStale}));
  EXPECT_EQ(Get("f-1").core.title, "second");
}

TEST_F(StoreTest, SurvivesReopen) {
  Import({Spec{}});
  Reopen();
  EXPECT_EQ(Get("f-1").core.title, "A finding");
}

TEST_F(StoreTest, AnalystChangesSurviveReimportAndUpdateIndexes) {
  Import({Spec{}});
  asff::BatchUpdate u;
  u.identifiers = {{std::string(kGuardDuty), "f-1"}, {std::string(kGuardDuty), "missing"}};
  u.workflow_status = "SUPPRESSED";
  u.severity_json = R"({"Label":"LOW"})";
  BatchUpdateResult result;
  ASSERT_TRUE(store_->BatchUpdate(u, kNow, &result).ok());
  ASSERT_EQ(result.processed.size(), 1u);
  ASSERT_EQ(result.unprocessed.size(), 1u);
  EXPECT_EQ(result.unprocessed[0].error_code, "FindingNotFound");
  EXPECT_EQ(Get("f-1").core.updated_at, kNow - 1000);  // BatchUpdateFindings keeps UpdatedAt

  Spec newer;
  newer.updated_at += 100;
  newer.severity = "CRITICAL";
  Import({newer});
  const auto f = Get("f-1");
  EXPECT_EQ(f.core.workflow_status, asff::WorkflowStatus::kSuppressed);
  EXPECT_EQ(f.core.severity_label, asff::SeverityLabel::kLow);
  EXPECT_EQ(f.analyst_mask, asff::kAnalystSeverity);

  // The workflow index follows the change: found under SUPPRESSED, not under NEW.
  EXPECT_EQ(QueryIds(R"({"WorkflowStatus":[{"Value":"SUPPRESSED","Comparison":"EQUALS"}]})").size(),
            1u);
  EXPECT_TRUE(QueryIds(R"({"WorkflowStatus":[{"Value":"NEW","Comparison":"EQUALS"}]})").empty());
  EXPECT_TRUE(QueryIds(R"({"SeverityLabel":[{"Value":"HIGH","Comparison":"EQUALS"}]})").empty());
}

TEST_F(StoreTest, DuplicatedIdentifiersAreUnprocessed) {
  Import({Spec{}});
  asff::BatchUpdate u;
  u.identifiers = {{std::string(kGuardDuty), "f-1"}, {std::string(kGuardDuty), "f-1"}};
  u.workflow_status = "NOTIFIED";
  BatchUpdateResult result;
  ASSERT_TRUE(store_->BatchUpdate(u, kNow, &result).ok());
  EXPECT_TRUE(result.processed.empty());
  ASSERT_EQ(result.unprocessed.size(), 2u);
  EXPECT_EQ(result.unprocessed[0].error_code, "DuplicatedFindingIdentifier");
  EXPECT_EQ(Get("f-1").core.workflow_status, asff::WorkflowStatus::kNew);
}

// An update that would take a finding past 240 KB is refused for that finding, as Security Hub
// does, and the finding stays as it was (this path used to read the value of an error and
// end the process).
TEST_F(StoreTest, AnUpdatePastTheSizeLimitIsUnprocessedAndChangesNothing) {
  Spec big;
  auto details = [](std::size_t pad) {
    std::string d = R"({"Other":{)";
    for (int k = 0; k < 230; ++k) {
      d += R"("k)" + std::to_string(k) + R"(":")" + std::string(1000, 'x') + R"(",)";
    }
    for (int k = 0; pad > 0; ++k) {  // each value at most 1,024 characters
      const std::size_t n = std::min<std::size_t>(pad, 900);
      d += R"("p)" + std::to_string(k) + R"(":")" + std::string(n, 'p') + R"(",)";
      pad -= n;
    }
    return d + R"("end":"e"}})";
  };
  big.details = details(0);
  const std::size_t base = Incoming(big).json.size();
  ASSERT_LT(base, asff::kMaxFindingBytes - 300);
  big.details = details(asff::kMaxFindingBytes - 400 - base);
  const std::size_t stored = Incoming(big).json.size();
  ASSERT_GT(stored, asff::kMaxFindingBytes - 450);  // under 450 bytes left
  ASSERT_LT(stored, asff::kMaxFindingBytes);
  ASSERT_EQ(Import({big}), std::vector<ImportAction>{ImportAction::kCreated});
  asff::BatchUpdate u;
  u.identifiers = {{std::string(kGuardDuty), "f-1"}};
  u.note = asff::Note{std::string(500, 'n'), "analyst", ""};
  BatchUpdateResult result;
  ASSERT_TRUE(store_->BatchUpdate(u, kNow, &result).ok());
  EXPECT_TRUE(result.processed.empty());
  ASSERT_EQ(result.unprocessed.size(), 1U);
  EXPECT_EQ(result.unprocessed[0].error_code, "FindingSizeExceeded");
  EXPECT_EQ(Get("f-1").core.json.find(std::string(500, 'n')), std::string::npos);
  // A note that fits is taken.
  u.note = asff::Note{"short", "analyst", ""};
  ASSERT_TRUE(store_->BatchUpdate(u, kNow, &result).ok());
  EXPECT_EQ(result.processed.size(), 1U);
}

TEST_F(StoreTest, PaginatesInUpdatedAtOrderWithoutGapsOrRepeats) {
  std::vector<Spec> specs;
  for (int i = 0; i < 250; ++i) {
    Spec s;
    s.id = "f-" + std::to_string(i);
    s.updated_at = kNow - 1000000 + i * 1000;
    s.severity = i % 3 == 0 ? "CRITICAL" : "LOW";
    specs.push_back(s);
  }
  Import(specs);
  size_t pages = 0;
  const auto ids = QueryIds("", {}, 100, &pages);
  ASSERT_EQ(ids.size(), 250u);
  EXPECT_EQ(pages, 3u);
  EXPECT_EQ(ids.front(), "f-249");
  EXPECT_EQ(ids.back(), "f-0");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 250u);

  const auto asc = QueryIds("", {{"UpdatedAt", true}}, 7);
  ASSERT_EQ(asc.size(), 250u);
  EXPECT_EQ(asc.front(), "f-0");

  const auto critical =
      QueryIds(R"({"SeverityLabel":[{"Value":"CRITICAL","Comparison":"EQUALS"}]})", {}, 10);
  EXPECT_EQ(critical.size(), 84u);
  EXPECT_EQ(critical.front(), "f-249");
}

TEST_F(StoreTest, SortsByOtherFieldsWithStablePagination) {
  const char* labels[] = {"LOW", "CRITICAL", "MEDIUM", "HIGH", "INFORMATIONAL"};
  std::vector<Spec> specs;
  for (int i = 0; i < 53; ++i) {
    Spec s;
    s.id = "f-" + std::to_string(i);
    s.severity = labels[i % 5];
    s.title = "t" + std::to_string(1000 + (i * 37) % 53);
    specs.push_back(s);
  }
  Import(specs);
  auto ids = QueryIds("", {{"SeverityNormalized", false}, {"Title", true}}, 6);
  ASSERT_EQ(ids.size(), 53u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 53u);
  // Critical ones (i % 5 == 1) come first, ordered by title ascending.
  for (size_t k = 0; k < 11; ++k) {
    const int i = std::stoi(ids[k].substr(2));
    EXPECT_EQ(i % 5, 1) << ids[k];
  }
  EXPECT_EQ(std::stoi(ids.back().substr(2)) % 5, 4);  // INFORMATIONAL last
}

TEST_F(StoreTest, TokenStaysValidWhileDataChanges) {
  std::vector<Spec> specs;
  for (int i = 0; i < 30; ++i) {
    Spec s;
    s.id = "f-" + std::to_string(i);
    s.updated_at = kNow - 100000 + i * 100;
    specs.push_back(s);
  }
  Import(specs);
  filter::FindingFilter none;
  QueryRequest request;
  request.filter = &none;
  request.max_results = 10;
  QueryPage first;
  ASSERT_TRUE(store_->Query(request, kNow, &first).ok());
  ASSERT_FALSE(first.next_token.empty());
  // New findings arrive (newer, so before the token's position) and one old one is deleted.
  Spec fresh;
  fresh.id = "fresh";
  fresh.updated_at = kNow;
  Import({fresh});
  request.next_token = first.next_token;
  QueryPage second;
  ASSERT_TRUE(store_->Query(request, kNow, &second).ok());
  ASSERT_EQ(second.findings.size(), 10u);
  asff::Finding f;
  ASSERT_TRUE(asff::DecodeFindingText(second.findings[0], f).ok());
  EXPECT_EQ(f.id, "f-19");
}

TEST_F(StoreTest, RejectsForeignTokensAndBadPageSizes) {
  Import({Spec{}});
  QueryRequest request;
  request.next_token = "not-a-token";
  QueryPage page;
  EXPECT_EQ(store_->Query(request, kNow, &page).code(), Status::Code::kInvalidInput);
  request.next_token = "1zz";
  EXPECT_EQ(store_->Query(request, kNow, &page).code(), Status::Code::kInvalidInput);
  request.next_token.clear();
  request.max_results = 101;
  EXPECT_EQ(store_->Query(request, kNow, &page).code(), Status::Code::kInvalidInput);
}

TEST_F(StoreTest, FindsFindingsByCanonicalResource) {
  Spec by_id;
  by_id.id = "gd";
  Spec by_arn;
  by_arn.id = "insp";
  by_arn.product_arn = std::string(kInspector);
  by_arn.resource_id = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0";
  Spec other;
  other.id = "other";
  other.resource_id = "i-0123456789abcdef1";
  Import({by_id, by_arn, other});
  std::vector<StoredFinding> found;
  ASSERT_TRUE(store_
                  ->FindingsForResource(
                      "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0", &found)
                  .ok());
  std::set<std::string> ids;
  for (const auto& f : found) ids.insert(f.core.id);
  EXPECT_EQ(ids, (std::set<std::string>{"gd", "insp"}));
}

constexpr std::string_view kInstanceKey =
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0";
constexpr std::string_view kGroupKey =
    "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123456789abcdef0";

// The related resources, each once (by key), without the versions stating them.
std::vector<RelatedResource> Related(FindingStore& store, std::string_view key) {
  std::vector<RelatedResource> out;
  EXPECT_TRUE(store.RelatedResources(key, &out).ok());
  for (auto& r : out) {
    EXPECT_NE(r.version, 0U) << r.key;
    r.version = 0;
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The versions stating a relation from `key` to `related`.
std::set<std::uint64_t> StatedBy(FindingStore& store, std::string_view key,
                                 std::string_view related) {
  std::vector<RelatedResource> out;
  EXPECT_TRUE(store.RelatedResources(key, &out).ok());
  std::set<std::uint64_t> versions;
  for (const auto& r : out) {
    if (r.key == related) versions.insert(r.version);
  }
  return versions;
}

TEST_F(StoreTest, LearnsRelationsFromFindingsAndForgetsThemWithTheFindings) {
  Spec eni;
  eni.id = "eni-finding";
  eni.resource_type = "AwsEc2NetworkInterface";
  eni.resource_id = "eni-0123456789abcdef0";
  eni.details = R"({"AwsEc2NetworkInterface": {"Attachment": {"InstanceId": "i-0123456789abcdef0"},
      "SecurityGroups": [{"GroupId": "sg-0123456789abcdef0"}]}})";
  Spec second = eni;  // a second finding stating the same relations: listed with each version
  second.id = "eni-finding-2";
  std::vector<ImportOutcome> outcomes;
  ASSERT_TRUE(
      store_->Import(std::vector<IncomingFinding>{Incoming(eni), Incoming(second)}, kNow, &outcomes)
          .ok());
  const std::vector<RelatedResource> expected{
      {"arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0123456789abcdef0",
       "AwsEc2NetworkInterface"},
      {std::string(kGroupKey), "AwsEc2SecurityGroup"}};  // by key
  EXPECT_EQ(Related(*store_, kInstanceKey), expected);   // pending, not yet written
  EXPECT_EQ(StatedBy(*store_, kInstanceKey, kGroupKey),
            (std::set<std::uint64_t>{outcomes[0].version, outcomes[1].version}));
  ASSERT_TRUE(store_->Flush().ok());
  EXPECT_EQ(Related(*store_, kInstanceKey), expected);
  EXPECT_EQ(Related(*store_, kGroupKey).size(), 2U);  // the interface and the instance

  // Newer versions that no longer state the relations: they go, with nothing written in between.
  eni.details = second.details = R"({"AwsEc2NetworkInterface": {}})";
  eni.updated_at = second.updated_at = kNow;
  Import({eni});
  EXPECT_EQ(Related(*store_, kInstanceKey), expected);  // the second finding still states them
  Import({second});
  EXPECT_TRUE(Related(*store_, kInstanceKey).empty());
  Reopen();
  EXPECT_TRUE(Related(*store_, kInstanceKey).empty());
}

TEST_F(StoreTest, ResourceLookupsSeeImportsBeforeTheIndexIsWritten) {
  Spec f;
  f.id = "moves";
  Import({f});
  ASSERT_TRUE(store_->Flush().ok());
  f.resource_id = "i-0123456789abcdef1";  // the finding now names another instance
  f.updated_at = kNow;
  Import({f});
  std::vector<StoredFinding> found;
  ASSERT_TRUE(store_->FindingsForResource(kInstanceKey, &found).ok());
  EXPECT_TRUE(found.empty());
  ASSERT_TRUE(store_
                  ->FindingsForResource(
                      "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef1", &found)
                  .ok());
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].core.id, "moves");
}

TEST_F(StoreTest, ResourceVersionsChangeWithEachAcceptedImport) {
  Spec f;
  f.id = "versioned";
  std::vector<ImportOutcome> outcomes;
  ASSERT_TRUE(store_->Import(std::vector<IncomingFinding>{Incoming(f)}, kNow, &outcomes).ok());
  const std::uint64_t first = outcomes[0].version;
  ASSERT_NE(first, 0U);
  EXPECT_EQ(outcomes[0].replaced, 0U);  // created
  std::vector<std::uint64_t> versions;
  ASSERT_TRUE(store_->ResourceVersions(kInstanceKey, &versions).ok());
  EXPECT_EQ(versions, std::vector<std::uint64_t>{first});

  ASSERT_TRUE(store_->Import(std::vector<IncomingFinding>{Incoming(f)}, kNow, &outcomes).ok());
  EXPECT_EQ(outcomes[0].version, 0U);  // stale: nothing stored
  f.updated_at = kNow;
  f.title = "Newer";
  ASSERT_TRUE(store_->Import(std::vector<IncomingFinding>{Incoming(f)}, kNow, &outcomes).ok());
  const std::uint64_t second = outcomes[0].version;
  EXPECT_GT(second, first);
  EXPECT_EQ(outcomes[0].replaced, first);
  ASSERT_TRUE(store_->ResourceVersions(kInstanceKey, &versions).ok());
  EXPECT_EQ(versions, std::vector<std::uint64_t>{second});
  StoredFinding read;
  ASSERT_TRUE(store_->GetVersion(second, &read).ok());
  EXPECT_EQ(read.core.title, "Newer");
  ASSERT_TRUE(store_->Flush().ok());
  EXPECT_EQ(store_->GetVersion(first, &read).code(), Status::Code::kNotFound);
}

TEST_F(StoreTest, RetentionDeletesByStateAndAge) {
  StoreOptions options;
  options.retention_active_days = 90;
  options.retention_archived_days = 30;
  Reopen(options);
  const TimeMs day = asff::kMsPerDay;
  Spec old_active, young_active, old_archived, young_archived;
  old_active.id = "old-active";
  old_active.updated_at = kNow - 100 * day;
  young_active.id = "young-active";
  young_active.updated_at = kNow - 50 * day;
  old_archived.id = "old-archived";
  old_archived.updated_at = kNow - 40 * day;
  old_archived.record_state = "ARCHIVED";
  young_archived.id = "young-archived";
  young_archived.updated_at = kNow - 20 * day;
  young_archived.record_state = "ARCHIVED";
  // Imported long ago, so the import time does not keep them alive.
  Import({old_active, young_active, old_archived, young_archived}, kNow - 200 * day);
  RetentionResult r;
  ASSERT_TRUE(store_->ApplyRetention(kNow, &r).ok());
  EXPECT_EQ(r.deleted_active, 1u);
  EXPECT_EQ(r.deleted_archived, 1u);
  const auto left = QueryIds("");
  EXPECT_EQ(std::set<std::string>(left.begin(), left.end()),
            (std::set<std::string>{"young-active", "young-archived"}));
  std::vector<StoredFinding> found;
  ASSERT_TRUE(store_
                  ->FindingsForResource(
                      "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0", &found)
                  .ok());
  EXPECT_EQ(found.size(), 2u);  // index entries of deleted findings went with them
}

TEST_F(StoreTest, RecentImportKeepsAnOldFindingAlive) {
  Spec old;
  old.updated_at = kNow - 100 * asff::kMsPerDay;
  Import({old}, kNow - asff::kMsPerDay);
  RetentionResult r;
  ASSERT_TRUE(store_->ApplyRetention(kNow, &r).ok());
  EXPECT_EQ(r.deleted_active, 0u);
}

TEST_F(StoreTest, CountsStatistics) {
  Spec a, b, c;
  a.id = "a";
  b.id = "b";
  b.severity = "CRITICAL";
  c.id = "c";
  c.product_arn = std::string(kInspector);
  c.resource_type = "AwsS3Bucket";
  c.resource_id = "bucket";
  c.record_state = "ARCHIVED";
  Import({a, b, c});
  StoreStats stats;
  ASSERT_TRUE(store_->Stats(&stats).ok());
  EXPECT_EQ(stats.findings, 3u);
  EXPECT_EQ(stats.by_product["GuardDuty"], 2u);
  EXPECT_EQ(stats.by_product["Inspector"], 1u);
  EXPECT_EQ(stats.by_severity["HIGH"], 2u);
  EXPECT_EQ(stats.by_severity["CRITICAL"], 1u);
  EXPECT_EQ(stats.by_resource_type["AwsS3Bucket"], 1u);
  EXPECT_EQ(stats.by_record_state["ARCHIVED"], 1u);
  EXPECT_EQ(stats.by_workflow_status["NEW"], 3u);
}

// A process that dies after Import returned, before the indexes were written: the next Open must
// find every acknowledged finding by identity, by query and by resource, with no stale versions.
TEST_F(StoreTest, RecoversIndexesAfterACrashFromTheRecordsAlone) {
  Import({Spec{}});  // f-1 at the original time, indexes written below by the flush
  ASSERT_TRUE(store_->Flush().ok());
  std::vector<IncomingFinding> batch;
  Spec updated;
  updated.updated_at += 100;
  updated.severity = "CRITICAL";
  batch.push_back(Incoming(updated));
  for (int i = 0; i < 50; ++i) {
    Spec more;
    more.id = "new-" + std::to_string(i);
    more.resource_id = "i-0aaaaaaaaaaaaaaa" + std::to_string(i % 10);
    batch.push_back(Incoming(more));
  }
  ASSERT_NO_FATAL_FAILURE(ImportInACrashingChild(batch));

  Reopen();
  EXPECT_EQ(Get("f-1").core.severity_label, asff::SeverityLabel::kCritical);
  EXPECT_EQ(Get("new-49").core.id, "new-49");
  EXPECT_EQ(QueryIds("").size(), 51u);  // the superseded version of f-1 is gone
  EXPECT_EQ(QueryIds(R"({"SeverityLabel":[{"Value":"CRITICAL","Comparison":"EQUALS"}]})"),
            std::vector<std::string>{"f-1"});
  EXPECT_TRUE(QueryIds(R"({"SeverityLabel":[{"Value":"HIGH","Comparison":"EQUALS"}],
                           "Id":[{"Value":"f-1","Comparison":"EQUALS"}]})")
                  .empty());
  std::vector<StoredFinding> found;
  ASSERT_TRUE(store_
                  ->FindingsForResource(
                      "arn:aws:ec2:eu-west-1:111122223333:instance/i-0aaaaaaaaaaaaaaa3", &found)
                  .ok());
  EXPECT_EQ(found.size(), 5u);
  StoreStats stats;
  ASSERT_TRUE(store_->Stats(&stats).ok());
  EXPECT_EQ(stats.findings, 51u);
  // New findings after recovery get fresh sequence numbers, never reusing a recovered one.
  Spec after;
  after.id = "after";
  EXPECT_EQ(Import({after}), std::vector{ImportAction::kCreated});
  EXPECT_EQ(QueryIds("").size(), 52u);
}

// A batch large enough to be written as a table file commits when the file is ingested and
// writes no sequence number after it (a failure there could not undo the batch). After a clean
// close, and after a crash before its index entries are written, new findings still get sequence
// numbers of their own, never one of the batch's.
TEST_F(StoreTest, TableFileBatchesNeverHaveTheirSequenceNumbersReused) {
  auto bulk = [](const std::string& prefix) {
    std::vector<Spec> specs(300);
    for (size_t i = 0; i < specs.size(); ++i) {
      specs[i].id = prefix + std::to_string(i);
      specs[i].title = prefix + " title";
    }
    return specs;
  };
  Import(bulk("clean-"));
  Reopen();  // the close writes the index entries and the watermark
  Spec after_close;
  after_close.id = "after-close";
  after_close.title = "after close";
  ASSERT_EQ(Import({after_close}), std::vector{ImportAction::kCreated});
  std::vector<IncomingFinding> crashed;
  for (const Spec& spec : bulk("crashed-")) crashed.push_back(Incoming(spec));
  // Neither its index entries nor the watermark are written.
  ASSERT_NO_FATAL_FAILURE(ImportInACrashingChild(crashed));
  Reopen();
  Spec after_crash;
  after_crash.id = "after-crash";
  after_crash.title = "after crash";
  ASSERT_EQ(Import({after_crash}), std::vector{ImportAction::kCreated});
  Reopen();
  EXPECT_EQ(Get("clean-0").core.title, "clean- title");
  EXPECT_EQ(Get("clean-299").core.title, "clean- title");
  EXPECT_EQ(Get("crashed-0").core.title, "crashed- title");
  EXPECT_EQ(Get("crashed-299").core.title, "crashed- title");
  EXPECT_EQ(Get("after-close").core.title, "after close");
  EXPECT_EQ(Get("after-crash").core.title, "after crash");
  StoreStats stats;
  ASSERT_TRUE(store_->Stats(&stats).ok());
  EXPECT_EQ(stats.findings, 602u);
  EXPECT_EQ(QueryIds("").size(), 602u);
}

TEST_F(StoreTest, ImportsFlushIndexesInBulkAcrossManyBatches) {
  // Enough findings to write the derived state as ingested table files, updated twice.
  std::vector<Spec> specs;
  for (int i = 0; i < 30000; ++i) {
    Spec s;
    s.id = "bulk-" + std::to_string(i);
    s.severity = i % 2 == 0 ? "LOW" : "HIGH";
    specs.push_back(s);
  }
  for (size_t start = 0; start < specs.size(); start += 1000) {
    Import(std::vector<Spec>(specs.begin() + static_cast<long>(start),
                             specs.begin() + static_cast<long>(start + 1000)));
  }
  for (auto& s : specs) {
    s.updated_at += 10;
    s.severity = "MEDIUM";
  }
  for (size_t start = 0; start < specs.size(); start += 5000) {
    Import(std::vector<Spec>(specs.begin() + static_cast<long>(start),
                             specs.begin() + static_cast<long>(start + 5000)));
  }
  StoreStats stats;
  ASSERT_TRUE(store_->Stats(&stats).ok());
  EXPECT_EQ(stats.findings, 30000u);
  EXPECT_EQ(stats.by_severity["MEDIUM"], 30000u);
  EXPECT_EQ(stats.by_severity.count("LOW"), 0u);
  QueryRequest request;
  auto filter = filter::FindingFilter::ParseText(
      R"({"SeverityLabel":[{"Value":"HIGH","Comparison":"EQUALS"}]})");
  request.filter = &*filter;
  QueryPage page;
  ASSERT_TRUE(store_->Query(request, kNow, &page).ok());
  EXPECT_TRUE(page.findings.empty());
}

TEST_F(StoreTest, QueriesSeePendingImportsExactlyAsIfTheyWereWritten) {
  // Queries no longer write the pending derived state first: they merge it with what is written
  // (PendingDerived::Ordered). Imports of new findings and of newer and older revisions, in
  // batches, with the pending state written only now and then; after every batch each query,
  // page by page, must give exactly what the model of Security Hub's semantics says.
  std::mt19937 rng(20261201);
  const std::vector<std::string> severities = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};
  const std::vector<std::string> products = {std::string(kGuardDuty), std::string(kInspector)};
  std::map<std::pair<std::string, std::string>, Spec> model;  // (ProductArn, Id) -> newest
  std::set<TimeMs> used;
  auto fresh_time = [&] {
    TimeMs t = 0;
    do {
      t = kNow - 1'000'000 + static_cast<TimeMs>(rng() % 1'000'000);
    } while (!used.insert(t).second);
    return t;
  };
  struct Case {
    std::string filter;
    std::set<std::string> severities;  // empty: any
    std::vector<filter::SortCriterion> sort;
    size_t page;
  };
  const std::vector<Case> cases = {
      {"", {}, {}, 7},
      {"", {}, {{"UpdatedAt", true}}, 5},
      {R"({"SeverityLabel":[{"Value":"HIGH","Comparison":"EQUALS"}]})", {"HIGH"}, {}, 6},
      {R"({"SeverityLabel":[{"Value":"HIGH","Comparison":"EQUALS"},
                            {"Value":"LOW","Comparison":"EQUALS"}]})",
       {"HIGH", "LOW"},
       {{"UpdatedAt", true}},
       4},
      {R"({"SeverityLabel":[{"Value":"CRITICAL","Comparison":"EQUALS"}]})",
       {"CRITICAL"},
       {{"Title", true}},
       3},
  };
  size_t pending_rounds = 0;
  for (int round = 0; round < 60; ++round) {
    std::vector<Spec> batch;
    const size_t n = 1 + rng() % 25;
    for (size_t k = 0; k < n; ++k) {
      Spec s;
      s.id = "f-" + std::to_string(rng() % 80);
      s.product_arn = products[rng() % products.size()];
      s.severity = severities[rng() % severities.size()];
      s.updated_at = fresh_time();
      s.title = "t-" + std::to_string(rng() % 1000);
      batch.push_back(s);
    }
    Import(batch);
    for (const Spec& s : batch) {
      auto [it, inserted] = model.try_emplace({s.product_arn, s.id}, s);
      if (!inserted && s.updated_at > it->second.updated_at) it->second = s;
    }
    if (rng() % 6 == 0) {
      ASSERT_TRUE(store_->Flush().ok());
    } else {
      ++pending_rounds;
    }
    for (const Case& c : cases) {
      std::vector<const Spec*> expected;
      for (const auto& [key, spec] : model) {
        if (c.severities.empty() || c.severities.contains(spec.severity)) expected.push_back(&spec);
      }
      const bool by_title = !c.sort.empty() && c.sort[0].field == "Title";
      const bool ascending = !c.sort.empty() && c.sort[0].ascending;
      std::sort(expected.begin(), expected.end(), [&](const Spec* a, const Spec* b) {
        if (by_title && a->title != b->title) return a->title < b->title;
        return ascending ? a->updated_at < b->updated_at : a->updated_at > b->updated_at;
      });
      std::vector<std::string> want;
      for (const Spec* e : expected) want.push_back(e->id);
      std::vector<std::string> got = QueryIds(c.filter, c.sort, c.page);
      if (by_title) {  // ties on Title are broken by the store's own order: compare as sets
        ASSERT_EQ(got.size(), want.size()) << "round " << round << " " << c.filter;
        std::multiset<std::string> a(got.begin(), got.end()), b(want.begin(), want.end());
        EXPECT_EQ(a, b) << "round " << round << " " << c.filter;
        continue;
      }
      ASSERT_EQ(got, want) << "round " << round << " filter " << c.filter << " sort "
                           << (c.sort.empty() ? "default" : c.sort[0].field);
    }
  }
  EXPECT_GT(pending_rounds, 30U);  // most queries ran with the pending state unwritten
}

TEST_F(StoreTest, QueriesWhileTheDerivedStateIsWrittenInBulkSeeEveryFindingOnce) {
  // Queries take only the derived-state lock, not the write lock, so they run while the writer
  // writes the pending state in bulk (every 300 findings here). A finding replaced by a newer
  // revision, or being written, must never be missing or seen twice.
  StoreOptions options;
  options.sync = false;
  options.derived_flush_findings = 300;
  Reopen(options);
  constexpr int kFindings = 100;  // one page: pages of a changing store may shift, one cannot
  std::vector<Spec> specs(kFindings);
  for (int i = 0; i < kFindings; ++i) {
    specs[i].id = "c-" + std::to_string(i);
    specs[i].severity = i % 2 == 0 ? "HIGH" : "LOW";
  }
  Import(specs);
  std::atomic<bool> done{false};
  std::atomic<int> revisions{0};
  std::thread writer([&] {
    for (int round = 1; round <= 40; ++round) {
      for (auto& s : specs) s.updated_at = kNow - 1000 + round;
      for (int start = 0; start < kFindings; start += 25) {
        Import(std::vector<Spec>(specs.begin() + start, specs.begin() + start + 25));
      }
      revisions += kFindings;
    }
    done = true;
  });
  size_t queries = 0;
  while (!done || queries < 10) {
    const auto all = QueryIds("", {}, 100);
    ASSERT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size()) << "a duplicate";
    ASSERT_EQ(all.size(), static_cast<size_t>(kFindings)) << "after " << revisions << " revisions";
    const auto high = QueryIds(R"({"SeverityLabel":[{"Value":"HIGH","Comparison":"EQUALS"}]})");
    ASSERT_EQ(high.size(), static_cast<size_t>(kFindings / 2));
    ++queries;
  }
  writer.join();
  EXPECT_GT(queries, 10U);
}

TEST_F(StoreTest, SecondOpenOfTheSameDirectoryIsRefusedClearly) {
  auto second = OpenEmbeddedStore(dir_.string());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use by another corroborate process"),
            std::string::npos)
      << second.status().message();
}

}  // namespace
}  // namespace corroborate::store
