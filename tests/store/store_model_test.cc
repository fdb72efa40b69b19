// Randomised test of the embedded store against a plain in-memory model of Security Hub's rules:
// interleaved imports (with stale and repeated identities), analyst updates, reopening and index
// flushes, checked after every step through every read path (Get, Query by indexed and unindexed
// fields, FindingsForResource, Stats).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "asff/import.h"
#include "store/store.h"

namespace corroborate::store {
namespace {

using asff::TimeMs;

constexpr TimeMs kBase = 1794000000000;
constexpr const char* kProducts[] = {"arn:aws:securityhub:eu-west-1::product/aws/guardduty",
                                     "arn:aws:securityhub:eu-west-1::product/aws/inspector"};
constexpr const char* kLabels[] = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};
constexpr const char* kWorkflows[] = {"NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"};

struct Expected {
  TimeMs updated_at = 0;
  std::string title;
  std::string provider_severity;
  std::string analyst_severity;  // empty unless an analyst set it
  std::string workflow = "NEW";
  int resource = 0;
  [[nodiscard]] const std::string& severity() const {
    return analyst_severity.empty() ? provider_severity : analyst_severity;
  }
};

std::string Resource(int n) {
  return "i-0" + std::string(15, 'a') + std::to_string(n % 10);
}

IncomingFinding Make(const std::string& product, const std::string& id, TimeMs updated,
                     const std::string& title, const std::string& severity, int resource,
                     TimeMs now) {
  const std::string json =
      R"({"SchemaVersion":"2018-10-08","Id":")" + id + R"(","ProductArn":")" + product +
      R"(","GeneratorId":"g","AwsAccountId":"111122223333","CreatedAt":"2026-10-01T00:00:00Z",)"
      R"("UpdatedAt":")" +
      asff::FormatTimestamp(updated) + R"(","Severity":{"Label":")" + severity + R"("},"Title":")" +
      title + R"(","Description":"d","Resources":[{"Type":"AwsEc2Instance","Id":")" +
      Resource(resource) + R"(","Region":"eu-west-1"}]})";
  IncomingFinding in;
  simdjson::dom::parser parser;
  auto root = parser.parse(json).value();
  EXPECT_TRUE(asff::DecodeFinding(root, in.core).ok());
  in.json = asff::NormalizeNewFinding(root, in.core, now);
  return in;
}

class StoreModelTest : public ::testing::TestWithParam<unsigned> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("store_model_" + std::to_string(::getpid()) + "_" + std::to_string(GetParam()));
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

  size_t CountQuery(const std::string& filter_json) {
    auto filter = filter::FindingFilter::ParseText(filter_json);
    EXPECT_TRUE(filter.ok()) << filter_json;
    QueryRequest request;
    request.filter = &*filter;
    size_t n = 0;
    std::set<std::string> seen;
    do {
      QueryPage page;
      const Status s = store_->Query(request, kBase, &page);
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (!s.ok()) break;
      for (const auto& json : page.findings) {
        asff::Finding f;
        EXPECT_TRUE(asff::DecodeFindingText(json, f).ok());
        EXPECT_TRUE(seen.insert(f.product_arn + "|" + f.id).second) << "returned twice: " << f.id;
        ++n;
      }
      request.next_token = page.next_token;
    } while (!request.next_token.empty());
    return n;
  }

  void Check(const std::map<std::pair<int, int>, Expected>& model, const std::string& step) {
    SCOPED_TRACE(step);
    std::map<std::string, size_t> by_severity, by_workflow;
    std::map<int, size_t> by_resource;
    for (const auto& [key, e] : model) {
      StoredFinding f;
      const Status s = store_->Get({kProducts[key.first], "f-" + std::to_string(key.second)}, &f);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(f.core.updated_at, e.updated_at);
      EXPECT_EQ(f.core.title, e.title);
      EXPECT_EQ(ToString(f.core.severity_label), e.severity());
      EXPECT_EQ(ToString(f.core.workflow_status), e.workflow);
      ++by_severity[e.severity()];
      ++by_workflow[e.workflow];
      ++by_resource[e.resource % 10];
    }
    EXPECT_EQ(CountQuery("{}"), model.size());
    for (const char* label : kLabels) {
      EXPECT_EQ(CountQuery(std::string(R"({"SeverityLabel":[{"Value":")") + label +
                           R"(","Comparison":"EQUALS"}]})"),
                by_severity[label])
          << label;
    }
    for (const char* w : kWorkflows) {
      EXPECT_EQ(
          CountQuery(std::string(R"({"WorkflowStatus":[{"Value":")") + w +
                     R"(","Comparison":"EQUALS"}],"Title":[{"Value":"t","Comparison":"PREFIX"}]})"),
          by_workflow[w])
          << w;
    }
    for (int r = 0; r < 10; ++r) {
      std::vector<StoredFinding> found;
      ASSERT_TRUE(store_
                      ->FindingsForResource(
                          "arn:aws:ec2:eu-west-1:111122223333:instance/" + Resource(r), &found)
                      .ok());
      EXPECT_EQ(found.size(), by_resource[r]) << "resource " << r;
    }
    StoreStats stats;
    ASSERT_TRUE(store_->Stats(&stats).ok());
    EXPECT_EQ(stats.findings, model.size());
  }

  std::filesystem::path dir_;
  std::unique_ptr<FindingStore> store_;
};

TEST_P(StoreModelTest, AgreesWithTheModelAfterEveryStep) {
  std::mt19937 rng(GetParam());
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::map<std::pair<int, int>, Expected> model;
  TimeMs now = kBase;
  for (int step = 0; step < 60; ++step) {
    now += 1000;
    const int action = pick(10);
    if (action < 6) {  // an import batch, possibly with repeats and stale versions
      std::vector<IncomingFinding> batch;
      const int size = 1 + pick(action == 0 ? 400 : 20);  // sometimes large enough for table files
      for (int i = 0; i < size; ++i) {
        const int product = pick(2), id = pick(60);
        const TimeMs updated = kBase + pick(200) * 1000;
        const std::string title = "t" + std::to_string(pick(1000));
        const std::string severity = kLabels[pick(4)];
        const int resource = pick(30);
        batch.push_back(Make(kProducts[product], "f-" + std::to_string(id), updated, title,
                             severity, resource, now));
        auto it = model.find({product, id});
        if (it == model.end()) {
          model[{product, id}] = Expected{updated, title, severity, "", "NEW", resource};
        } else if (updated > it->second.updated_at) {
          Expected& e = it->second;
          e.updated_at = updated;
          e.title = title;
          e.provider_severity = severity;
          e.resource = resource;
        }
      }
      std::vector<ImportOutcome> outcomes;
      ASSERT_TRUE(store_->Import(batch, now, &outcomes).ok());
    } else if (action < 8 && !model.empty()) {  // an analyst update of a few findings
      asff::BatchUpdate u;
      std::set<std::pair<int, int>> chosen;
      for (int i = 0; i < 1 + pick(5); ++i) {
        auto it = model.begin();
        std::advance(it, pick(static_cast<int>(model.size())));
        if (chosen.insert(it->first).second) {
          u.identifiers.push_back(
              {kProducts[it->first.first], "f-" + std::to_string(it->first.second)});
        }
      }
      const std::string workflow = kWorkflows[pick(4)];
      u.workflow_status = workflow;
      const bool set_severity = pick(2) == 0;
      const std::string label = kLabels[pick(4)];
      if (set_severity) u.severity_json = R"({"Label":")" + label + R"("})";
      BatchUpdateResult result;
      ASSERT_TRUE(store_->BatchUpdate(u, now, &result).ok());
      EXPECT_EQ(result.processed.size(), chosen.size());
      for (const auto& key : chosen) {
        model[key].workflow = workflow;
        if (set_severity) model[key].analyst_severity = label;
      }
    } else if (action == 8) {
      Reopen();
    } else {
      ASSERT_TRUE(store_->Flush().ok());
    }
    if (step % 5 == 4 || step == 59) Check(model, "after step " + std::to_string(step));
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, StoreModelTest, ::testing::Values(1u, 2u, 3u, 4u));

}  // namespace
}  // namespace corroborate::store
