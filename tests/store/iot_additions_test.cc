// The store methods added for IoT Device Defender: the GeneratorId range read that archives what
// a newer audit no longer reports, and the auxiliary key-value space.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "asff/import.h"
#include "store/store.h"

namespace corroborate::store {
namespace {

using asff::TimeMs;

constexpr TimeMs kOneDay = asff::kMsPerDay;
constexpr TimeMs kStart = 1795334400000;  // 2026-11-22T08:00:00Z
constexpr std::string_view kProduct =
    "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default";

IncomingFinding Incoming(const std::string& id, const std::string& generator, TimeMs updated_at,
                         const std::string& record_state = "ACTIVE") {
  const std::string json =
      R"({"SchemaVersion":"2018-10-08","Id":")" + id + R"(","ProductArn":")" +
      std::string(kProduct) + R"(","GeneratorId":")" + generator +
      R"(","AwsAccountId":"111122223333","Types":["Software and Configuration Checks/x/y"],)"
      R"("CreatedAt":"2026-10-01T00:00:00Z","UpdatedAt":")" +
      asff::FormatTimestamp(updated_at) +
      R"(","Severity":{"Label":"HIGH"},"Title":"t","Description":"d","RecordState":")" +
      record_state + R"(","Resources":[{"Type":"AwsIotCertificate","Id":")" + id + R"("}]})";
  IncomingFinding in;
  simdjson::dom::parser parser;
  auto root = parser.parse(json).value();
  EXPECT_TRUE(asff::DecodeFinding(root, in.core).ok());
  in.json = asff::NormalizeNewFinding(root, in.core, updated_at);
  return in;
}

class IotAdditionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("store_iot_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto s = OpenEmbeddedStore(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void Import(std::vector<IncomingFinding> batch) {
    std::vector<ImportOutcome> outcomes;
    const Status s = store_->Import(batch, kStart + 10 * kOneDay, &outcomes);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // Every page of the range, as Ids in the order returned.
  std::vector<std::string> Range(const std::string& generator, TimeMs before, bool active_only,
                                 size_t page_size, size_t* pages = nullptr) {
    GeneratorRangeRequest request;
    request.generator_id = generator;
    request.updated_before = before;
    request.active_only = active_only;
    request.max_results = page_size;
    std::vector<std::string> ids;
    size_t n = 0;
    do {
      QueryPage page;
      const Status s = store_->FindingsOfGeneratorBefore(request, &page);
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (!s.ok()) break;
      for (const std::string& json : page.findings) {
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

  std::filesystem::path dir_;
  std::unique_ptr<FindingStore> store_;
};

TEST_F(IotAdditionsTest, GeneratorRangeReturnsOnlyThatGeneratorBeforeTheTimeNewestFirst) {
  Import({Incoming("old-1", "check-a", kStart - 3 * kOneDay),
          Incoming("old-2", "check-a", kStart - 2 * kOneDay),
          Incoming("boundary", "check-a", kStart),  // not before the limit
          Incoming("new", "check-a", kStart + kOneDay),
          Incoming("other-check", "check-b", kStart - kOneDay),
          Incoming("prefix-lookalike", "check-a2", kStart - kOneDay),
          Incoming("archived", "check-a", kStart - kOneDay, "ARCHIVED")});
  EXPECT_EQ(Range("check-a", kStart, true, 100), (std::vector<std::string>{"old-2", "old-1"}));
  EXPECT_EQ(Range("check-a", kStart, false, 100),
            (std::vector<std::string>{"archived", "old-2", "old-1"}));
  EXPECT_EQ(Range("check-a", kStart + 1, true, 100),
            (std::vector<std::string>{"boundary", "old-2", "old-1"}));
  EXPECT_TRUE(Range("check-c", kStart, true, 100).empty());
}

TEST_F(IotAdditionsTest, GeneratorRangePagesWithoutGapsOrRepeatsWhileItsFindingsAreArchived) {
  std::vector<IncomingFinding> batch;
  for (int i = 0; i < 25; ++i) {
    batch.push_back(Incoming("f-" + std::to_string(i), "check-a", kStart - (i + 1) * 60'000));
  }
  Import(std::move(batch));
  size_t pages = 0;
  std::vector<std::string> all = Range("check-a", kStart, true, 10, &pages);
  EXPECT_EQ(all.size(), 25U);
  EXPECT_EQ(pages, 3U);
  EXPECT_EQ(all.front(), "f-0");
  EXPECT_EQ(all.back(), "f-24");

  // Archiving each page as it comes (as an audit does) leaves the rest of the range reachable.
  GeneratorRangeRequest request;
  request.generator_id = "check-a";
  request.updated_before = kStart;
  request.max_results = 10;
  size_t archived = 0;
  do {
    QueryPage page;
    ASSERT_TRUE(store_->FindingsOfGeneratorBefore(request, &page).ok());
    std::vector<IncomingFinding> archive;
    for (const std::string& json : page.findings) {
      asff::Finding f;
      ASSERT_TRUE(asff::DecodeFindingText(json, f).ok());
      archive.push_back(Incoming(f.id, "check-a", kStart, "ARCHIVED"));
    }
    archived += archive.size();
    Import(std::move(archive));
    request.next_token = page.next_token;
  } while (!request.next_token.empty());
  EXPECT_EQ(archived, 25U);
  EXPECT_TRUE(Range("check-a", kStart, true, 10).empty());
  EXPECT_EQ(Range("check-a", kStart + 1, false, 100).size(), 25U);
}

TEST_F(IotAdditionsTest, GeneratorRangeRejectsForeignTokensAndBadPageSizes) {
  GeneratorRangeRequest request;
  request.generator_id = "check-a";
  request.updated_before = kStart;
  QueryPage page;
  request.max_results = 0;
  EXPECT_EQ(store_->FindingsOfGeneratorBefore(request, &page).code(), Status::Code::kInvalidInput);
  request.max_results = 10;
  request.next_token = "1abcd";
  EXPECT_EQ(store_->FindingsOfGeneratorBefore(request, &page).code(), Status::Code::kInvalidInput);
  request.next_token = "2zz";
  EXPECT_EQ(store_->FindingsOfGeneratorBefore(request, &page).code(), Status::Code::kInvalidInput);
}

TEST_F(IotAdditionsTest, GeneratorIndexFollowsUpdatesAndRecovery) {
  Import({Incoming("f", "check-a", kStart - kOneDay)});
  Import({Incoming("f", "check-b", kStart - kOneDay / 2)});  // the provider renamed its generator
  EXPECT_TRUE(Range("check-a", kStart, true, 10).empty());
  EXPECT_EQ(Range("check-b", kStart, true, 10), (std::vector<std::string>{"f"}));
  Reopen();
  EXPECT_EQ(Range("check-b", kStart, true, 10), (std::vector<std::string>{"f"}));
  // GeneratorId is an equality index for GetFindings too.
  auto filter = filter::FindingFilter::ParseText(
      R"({"GeneratorId":[{"Value":"check-b","Comparison":"EQUALS"}]})");
  ASSERT_TRUE(filter.ok());
  QueryRequest request;
  request.filter = &*filter;
  QueryPage page;
  ASSERT_TRUE(store_->Query(request, kStart, &page).ok());
  EXPECT_EQ(page.findings.size(), 1U);
  EXPECT_EQ(page.examined, 1U);
}

TEST_F(IotAdditionsTest, AuxiliaryValuesAreDurableAndSeparateFromFindings) {
  std::string value;
  EXPECT_EQ(store_->GetAuxiliary("iot/verification/v1", &value).code(), Status::Code::kNotFound);
  ASSERT_TRUE(store_->PutAuxiliary("iot/verification/v1", R"({"state":"FALSE_POSITIVE"})").ok());
  ASSERT_TRUE(store_->PutAuxiliary("iot/verification/v2", "second").ok());
  Reopen();
  ASSERT_TRUE(store_->GetAuxiliary("iot/verification/v1", &value).ok());
  EXPECT_EQ(value, R"({"state":"FALSE_POSITIVE"})");
  ASSERT_TRUE(store_->PutAuxiliary("iot/verification/v1", "replaced").ok());
  ASSERT_TRUE(store_->GetAuxiliary("iot/verification/v1", &value).ok());
  EXPECT_EQ(value, "replaced");
  ASSERT_TRUE(store_->DeleteAuxiliary("iot/verification/v1").ok());
  EXPECT_EQ(store_->GetAuxiliary("iot/verification/v1", &value).code(), Status::Code::kNotFound);
  ASSERT_TRUE(store_->GetAuxiliary("iot/verification/v2", &value).ok());

  // Not findings: nothing to query, count or retain.
  StoreStats stats;
  ASSERT_TRUE(store_->Stats(&stats).ok());
  EXPECT_EQ(stats.findings, 0U);
  RetentionResult retention;
  ASSERT_TRUE(store_->ApplyRetention(kStart + 1000 * kOneDay, &retention).ok());
  ASSERT_TRUE(store_->GetAuxiliary("iot/verification/v2", &value).ok());

  EXPECT_EQ(store_->PutAuxiliary("", "x").code(), Status::Code::kInvalidInput);
  EXPECT_EQ(store_->PutAuxiliary("k", std::string((64 << 10) + 1, 'x')).code(),
            Status::Code::kInvalidInput);
}

}  // namespace
}  // namespace corroborate::store
