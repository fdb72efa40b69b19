// The store methods added for inventory (issue 9): items by (source, subject), a newer one
// replacing the relations an older one stated, refreshes, staleness, expiry and retention, the
// relation index shared with findings, provenance by version, and crash safety.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "asff/import.h"
#include "store/store.h"

namespace corroborate::store {
namespace {

using asff::TimeMs;

constexpr TimeMs kDay = asff::kMsPerDay;
constexpr TimeMs kT0 = 1795334400000;  // 2026-11-22T08:00:00Z
constexpr std::string_view kInstance =
    "arn:aws:ec2:eu-west-1:111122223333:instance/i-0f9e8d7c6b5a40312";
constexpr std::string_view kInterface =
    "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0d4c3b2a1f0e98765";
constexpr std::string_view kOpen =
    "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123abcd4567ef890";
constexpr std::string_view kRestricted =
    "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0fedcba9876543210";

inventory::Item Interface(TimeMs observed, std::vector<std::string_view> groups,
                          bool deleted = false) {
  inventory::Item item;
  item.source = "ec2:DescribeNetworkInterfaces";
  item.subject_key = std::string(kInterface);
  item.subject_type = "AwsEc2NetworkInterface";
  item.subject_id = "eni-0d4c3b2a1f0e98765";
  item.observed_at = observed;
  item.deleted = deleted;
  item.relations.push_back({std::string(kInterface), "AwsEc2NetworkInterface",
                            std::string(kInstance), "AwsEc2Instance", "Attachment.InstanceId"});
  for (std::string_view g : groups) {
    item.relations.push_back({std::string(kInterface), "AwsEc2NetworkInterface", std::string(g),
                              "AwsEc2SecurityGroup", "Groups"});
  }
  item.attributes.emplace_back("Status", "in-use");
  return item;
}

class InventoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("store_inventory_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen(int expiry_days = 30) {
    store_.reset();
    StoreOptions options;
    options.inventory_expiry_days = expiry_days;
    auto s = OpenEmbeddedStore(dir_.string(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  std::vector<InventoryOutcome> Import(std::vector<inventory::Item> batch, TimeMs now = kT0) {
    std::vector<InventoryOutcome> outcomes;
    const Status s = store_->ImportInventory(batch, now, &outcomes);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return outcomes;
  }
  // "key@version" of the resources related to `key` that count at `now`.
  std::set<std::string> Related(std::string_view key, TimeMs now = kT0) {
    std::vector<RelatedResource> related;
    EXPECT_TRUE(store_->RelatedResources(key, &related).ok());
    std::set<std::string> out;
    for (const auto& r : related) {
      if (r.expires_at == 0 || r.expires_at > now) out.insert(r.key);
    }
    return out;
  }
  std::vector<RelatedResource> RelatedEntries(std::string_view key) {
    std::vector<RelatedResource> related;
    EXPECT_TRUE(store_->RelatedResources(key, &related).ok());
    return related;
  }

  std::filesystem::path dir_;
  std::unique_ptr<FindingStore> store_;
};

TEST_F(InventoryStoreTest, ANewerItemReplacesTheRelationsAnOlderOneStated) {
  auto out = Import({Interface(kT0, {kOpen})});
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].action, InventoryAction::kCreated);
  EXPECT_EQ(out[0].added.size(), 2U);
  const std::uint64_t v1 = out[0].version;
  EXPECT_EQ(Related(kInterface),
            (std::set<std::string>{std::string(kInstance), std::string(kOpen)}));
  EXPECT_EQ(Related(kOpen), (std::set<std::string>{std::string(kInterface)}));
  const auto entries = RelatedEntries(kOpen);
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].version, v1);
  EXPECT_EQ(entries[0].type, "AwsEc2NetworkInterface");
  EXPECT_EQ(entries[0].expires_at, kT0 + 30 * kDay);

  // The group is detached: the next observation states the other one.
  out = Import({Interface(kT0 + 1000, {kRestricted})});
  EXPECT_EQ(out[0].action, InventoryAction::kReplaced);
  EXPECT_EQ(out[0].replaced, v1);
  EXPECT_GT(out[0].version, v1);
  ASSERT_EQ(out[0].added.size(), 1U);
  EXPECT_EQ(out[0].added[0].to_key, kRestricted);
  ASSERT_EQ(out[0].removed.size(), 1U);
  EXPECT_EQ(out[0].removed[0].to_key, kOpen);
  EXPECT_TRUE(Related(kOpen).empty());
  EXPECT_EQ(Related(kInterface),
            (std::set<std::string>{std::string(kInstance), std::string(kRestricted)}));

  // An older observation arriving late changes nothing.
  out = Import({Interface(kT0 + 500, {kOpen})});
  EXPECT_EQ(out[0].action, InventoryAction::kIgnoredStale);
  EXPECT_TRUE(Related(kOpen).empty());

  // The same again, later: refreshed, same version, later expiry.
  const std::uint64_t v2 = RelatedEntries(kRestricted)[0].version;
  out = Import({Interface(kT0 + 2 * kDay, {kRestricted})});
  EXPECT_EQ(out[0].action, InventoryAction::kRefreshed);
  EXPECT_EQ(out[0].version, v2);
  EXPECT_TRUE(out[0].added.empty());
  EXPECT_TRUE(out[0].removed.empty());
  EXPECT_EQ(RelatedEntries(kRestricted)[0].expires_at, kT0 + 32 * kDay);

  std::vector<StoredInventoryItem> items;
  ASSERT_TRUE(store_->InventoryItemsOf(kInterface, &items).ok());
  ASSERT_EQ(items.size(), 1U);
  EXPECT_EQ(items[0].version, v2);
  EXPECT_EQ(items[0].first_seen, kT0);
  EXPECT_EQ(items[0].last_seen, kT0 + 2 * kDay);
  EXPECT_EQ(items[0].item.source, "ec2:DescribeNetworkInterfaces");
  EXPECT_EQ(items[0].item.subject_type, "AwsEc2NetworkInterface");
  EXPECT_EQ(items[0].item.relations.size(), 2U);
  EXPECT_EQ(items[0].item.relations[1].name, "Groups");
  EXPECT_EQ(items[0].item.attributes.size(), 1U);
}

TEST_F(InventoryStoreTest, SourcesAreSeparateIdentitiesAndDeletionClearsOne) {
  inventory::Item config = Interface(kT0, {kOpen});
  config.source = "config";
  Import({config, Interface(kT0, {kOpen})});
  EXPECT_EQ(RelatedEntries(kOpen).size(), 2U);  // one entry per stating version
  std::vector<StoredInventoryItem> items;
  ASSERT_TRUE(store_->InventoryItemsOf(kInterface, &items).ok());
  EXPECT_EQ(items.size(), 2U);

  config.observed_at += 10;
  config.deleted = true;
  const auto out = Import({config});
  EXPECT_EQ(out[0].action, InventoryAction::kReplaced);
  EXPECT_EQ(out[0].removed.size(), 2U);
  EXPECT_EQ(RelatedEntries(kOpen).size(), 1U);  // the other source still says so
  ASSERT_TRUE(store_->InventoryItemsOf(kInterface, &items).ok());
  ASSERT_EQ(items.size(), 2U);
  EXPECT_TRUE(items[0].item.deleted);  // "config" sorts first
  EXPECT_TRUE(items[0].item.relations.empty());
}

TEST_F(InventoryStoreTest, OneIdentityTwiceInABatchIsAppliedInOrder) {
  const auto out = Import(
      {Interface(kT0, {kOpen}), Interface(kT0 + 1, {kRestricted}), Interface(kT0 - 5, {kOpen})});
  EXPECT_EQ(out[0].action, InventoryAction::kCreated);
  EXPECT_EQ(out[1].action, InventoryAction::kReplaced);
  EXPECT_EQ(out[1].replaced, out[0].version);
  EXPECT_EQ(out[2].action, InventoryAction::kIgnoredStale);
  EXPECT_TRUE(Related(kOpen).empty());
  EXPECT_EQ(Related(kRestricted), (std::set<std::string>{std::string(kInterface)}));
  StoredInventoryItem item;
  EXPECT_EQ(store_->InventoryItemOfVersion(out[0].version, &item).code(), Status::Code::kNotFound);
  ASSERT_TRUE(store_->InventoryItemOfVersion(out[1].version, &item).ok());
  EXPECT_EQ(item.item.subject_key, kInterface);
}

TEST_F(InventoryStoreTest, RelationsFromFindingsAndInventoryShareTheIndexAndTheSequence) {
  const std::string json = std::string(R"({"SchemaVersion":"2018-10-08","Id":"gd-1",
    "ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/guardduty","GeneratorId":"g",
    "AwsAccountId":"111122223333","Types":["TTPs/x"],"CreatedAt":"2026-11-22T07:00:00Z",
    "UpdatedAt":"2026-11-22T07:00:00Z","Severity":{"Label":"LOW"},"Title":"t","Description":"d",
    "Resources":[{"Type":"AwsEc2Instance","Id":"i-0f9e8d7c6b5a40312","Region":"eu-west-1",
      "Details":{"AwsEc2Instance":{"NetworkInterfaces":[{"NetworkInterfaceId":"eni-0d4c3b2a1f0e98765"}]}}}]})");
  IncomingFinding in;
  simdjson::dom::parser parser;
  auto root = parser.parse(json).value();
  ASSERT_TRUE(asff::DecodeFinding(root, in.core).ok());
  in.json = asff::NormalizeNewFinding(root, in.core, kT0);
  std::vector<ImportOutcome> finding_outcomes;
  ASSERT_TRUE(store_->Import(std::vector{in}, kT0, &finding_outcomes).ok());
  const auto inventory = Import({Interface(kT0, {kOpen})});
  EXPECT_GT(inventory[0].version, finding_outcomes[0].version);
  const auto entries = RelatedEntries(kInterface);
  ASSERT_EQ(entries.size(), 3U);  // the instance twice (finding, item), the group once
  int from_finding = 0;
  for (const auto& e : entries) {
    if (e.version == finding_outcomes[0].version) {
      ++from_finding;
      EXPECT_EQ(e.expires_at, 0);  // a finding's relation lives as long as the finding
    } else {
      EXPECT_EQ(e.version, inventory[0].version);
      EXPECT_EQ(e.expires_at, kT0 + 30 * kDay);
    }
  }
  EXPECT_EQ(from_finding, 1);
  StoredInventoryItem item;
  EXPECT_EQ(store_->InventoryItemOfVersion(finding_outcomes[0].version, &item).code(),
            Status::Code::kNotFound);
  // A finding imported after the inventory gets a later version; so after a reopen.
  Reopen();
  in.core.id = "gd-2";
  in.json.replace(in.json.find("gd-1"), 4, "gd-2");
  ASSERT_TRUE(store_->Import(std::vector{in}, kT0, &finding_outcomes).ok());
  EXPECT_GT(finding_outcomes[0].version, inventory[0].version);
}

TEST_F(InventoryStoreTest, RelationsExpireAndRetentionDeletesWhatWasNotSeenAgain) {
  Import({Interface(kT0, {kOpen})});
  inventory::Item other = Interface(kT0 + 20 * kDay, {kRestricted});
  other.subject_key = "arn:aws:ec2:eu-west-1:111122223333:network-interface/eni-0e1f2a3b4c5d60718";
  Import({other}, kT0 + 20 * kDay);
  EXPECT_EQ(Related(kOpen, kT0 + 29 * kDay).size(), 1U);
  EXPECT_TRUE(Related(kOpen, kT0 + 30 * kDay).empty());  // no longer counts
  EXPECT_EQ(RelatedEntries(kOpen).size(), 1U);           // until retention deletes it

  // An item seen long ago counts as expired from the start, and says so.
  inventory::Item stale = Interface(kT0, {kOpen});
  stale.source = "config";
  const auto out = Import({stale}, kT0 + 40 * kDay);
  EXPECT_TRUE(out[0].expired_on_arrival);
  EXPECT_TRUE(out[0].added.empty());

  RetentionResult result;
  ASSERT_TRUE(store_->ApplyRetention(kT0 + 31 * kDay, &result).ok());
  EXPECT_EQ(result.deleted_inventory, 2U);
  EXPECT_TRUE(RelatedEntries(kOpen).empty());
  std::vector<StoredInventoryItem> items;
  ASSERT_TRUE(store_->InventoryItemsOf(kInterface, &items).ok());
  EXPECT_TRUE(items.empty());
  EXPECT_EQ(Related(kRestricted, kT0 + 31 * kDay).size(), 1U);  // seen on day 20: kept

  // Seen again after it had expired, the same relations count again: reported as added.
  Reopen(/*expiry_days=*/10);
  const auto again = Import({Interface(kT0 + 20 * kDay, {kRestricted})}, kT0 + 20 * kDay);
  ASSERT_EQ(again[0].action, InventoryAction::kCreated);
  const auto refreshed = Import({Interface(kT0 + 35 * kDay, {kRestricted})}, kT0 + 35 * kDay);
  EXPECT_EQ(refreshed[0].action, InventoryAction::kRefreshed);
  EXPECT_EQ(refreshed[0].added.size(), 2U);
}

TEST_F(InventoryStoreTest, ItemsSinceAVersionInVersionOrder) {
  inventory::Item config = Interface(kT0, {kOpen});
  config.source = "config";
  const auto first = Import({Interface(kT0, {kOpen})});
  const auto second = Import({config, Interface(kT0 + 1, {kRestricted})});  // replaces the first
  std::vector<std::uint64_t> seen;
  ASSERT_TRUE(store_
                  ->InventoryItemsSince(first[0].version,
                                        [&](const StoredInventoryItem& item) {
                                          seen.push_back(item.version);
                                          return Status::Ok();
                                        })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{second[0].version, second[1].version}));
  seen.clear();
  ASSERT_TRUE(store_
                  ->InventoryItemsSince(0,
                                        [&](const StoredInventoryItem& item) {
                                          seen.push_back(item.version);
                                          return Status::Ok();
                                        })
                  .ok());
  EXPECT_EQ(seen.size(), 2U);  // the replaced version is gone
}

TEST_F(InventoryStoreTest, BadItemsRefuseTheWholeBatch) {
  inventory::Item bad = Interface(kT0, {kOpen});
  bad.subject_key.clear();
  std::vector<InventoryOutcome> outcomes;
  const std::vector<inventory::Item> batch{Interface(kT0, {kOpen}), bad};
  EXPECT_EQ(store_->ImportInventory(batch, kT0, &outcomes).code(), Status::Code::kInvalidInput);
  EXPECT_TRUE(RelatedEntries(kOpen).empty());  // nothing of the batch was written
}

// A writer killed right after ImportInventory returned: everything it acknowledged is there.
TEST_F(InventoryStoreTest, AnAcknowledgedImportSurvivesACrash) {
  store_.reset();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto s = OpenEmbeddedStore(dir_.string());
    if (!s.ok()) _exit(2);
    std::vector<inventory::Item> batch;
    for (int i = 0; i < 200; ++i) {
      inventory::Item item = Interface(kT0, {kOpen});
      item.subject_key += "-" + std::to_string(i);
      batch.push_back(item);
    }
    std::vector<InventoryOutcome> outcomes;
    if (!(*s)->ImportInventory(batch, kT0, &outcomes).ok()) _exit(3);
    _exit(0);  // no destructors
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  Reopen();
  EXPECT_EQ(RelatedEntries(kOpen).size(), 200U);
  std::vector<StoredInventoryItem> items;
  ASSERT_TRUE(store_->InventoryItemsOf(std::string(kInterface) + "-199", &items).ok());
  ASSERT_EQ(items.size(), 1U);
  StoredInventoryItem by_version;
  ASSERT_TRUE(store_->InventoryItemOfVersion(items[0].version, &by_version).ok());
  EXPECT_EQ(by_version.item.subject_key, std::string(kInterface) + "-199");
  // New versions after the crash never reuse an acknowledged one.
  const auto out = Import({Interface(kT0, {kOpen})});
  EXPECT_GT(out[0].version, items[0].version);
}

}  // namespace
}  // namespace corroborate::store
