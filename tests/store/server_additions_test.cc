// The store methods added for the HTTP server: several auxiliary keys in one durable batch, and
// key ranges of the auxiliary space (finding history, automation rules, insights).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace corroborate::store {
namespace {

class ServerAdditionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("store_server_test_" + std::to_string(::getpid()) + "_" +
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
  std::vector<std::pair<std::string, std::string>> Scan(std::string_view prefix,
                                                        std::string_view after = "",
                                                        size_t limit = 100) {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_TRUE(store_->ScanAuxiliary(prefix, after, limit, &out).ok());
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<FindingStore> store_;
};

TEST_F(ServerAdditionsTest, BatchWritesPutsAndDeletesDurably) {
  std::vector<AuxiliaryWrite> writes{
      {"rule/b", "2", false}, {"rule/a", "1", false}, {"insight/x", "X", false}};
  ASSERT_TRUE(store_->WriteAuxiliary(writes).ok());
  Reopen();
  auto rules = Scan("rule/");
  ASSERT_EQ(rules.size(), 2U);
  EXPECT_EQ(rules[0], (std::pair<std::string, std::string>{"rule/a", "1"}));
  EXPECT_EQ(rules[1], (std::pair<std::string, std::string>{"rule/b", "2"}));
  std::vector<AuxiliaryWrite> second{{"rule/a", "", true}, {"rule/c", "3", false}};
  ASSERT_TRUE(store_->WriteAuxiliary(second).ok());
  rules = Scan("rule/");
  ASSERT_EQ(rules.size(), 2U);
  EXPECT_EQ(rules[0].first, "rule/b");
  EXPECT_EQ(rules[1].first, "rule/c");
  std::string value;
  EXPECT_TRUE(store_->GetAuxiliary("insight/x", &value).ok());
  EXPECT_EQ(value, "X");
}

TEST_F(ServerAdditionsTest, AnInvalidWriteWritesNothingOfTheBatch) {
  std::vector<AuxiliaryWrite> writes{{"h/1", "ok", false},
                                     {"h/2", std::string((64 << 10) + 1, 'x'), false}};
  EXPECT_EQ(store_->WriteAuxiliary(writes).code(), Status::Code::kInvalidInput);
  EXPECT_TRUE(Scan("h/").empty());
  std::vector<AuxiliaryWrite> empty_key{{"", "v", false}};
  EXPECT_EQ(store_->WriteAuxiliary(empty_key).code(), Status::Code::kInvalidInput);
}

TEST_F(ServerAdditionsTest, ScanPagesInKeyOrderAfterAPosition) {
  std::vector<AuxiliaryWrite> writes;
  for (int i = 0; i < 25; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "h/%03d", i);
    writes.push_back({key, std::to_string(i), false});
  }
  writes.push_back({"i/000", "other prefix", false});
  writes.push_back({"g/999", "other prefix", false});
  ASSERT_TRUE(store_->WriteAuxiliary(writes).ok());
  std::vector<std::string> seen;
  std::string after;
  while (true) {
    auto page = Scan("h/", after, 10);
    if (page.empty()) break;
    for (auto& [k, v] : page) seen.push_back(k);
    after = page.back().first;
    if (page.size() < 10) break;
  }
  ASSERT_EQ(seen.size(), 25U);
  EXPECT_EQ(seen.front(), "h/000");
  EXPECT_EQ(seen.back(), "h/024");
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  // Auxiliary values are not findings: queries never see them.
  QueryPage page;
  QueryRequest request;
  ASSERT_TRUE(store_->Query(request, 0, &page).ok());
  EXPECT_TRUE(page.findings.empty());
}

}  // namespace
}  // namespace corroborate::store
