// Finding history: diffs name fields by dotted path, leave top-level timestamps out, and keys
// order a finding's records by time.
#include "server/history.h"

#include <gtest/gtest.h>

namespace corroborate::server {
namespace {

TEST(History, DiffNamesChangedFieldsByPath) {
  const std::string before =
      R"({"Title":"a","UpdatedAt":"2026-01-01T00:00:00Z","Workflow":{"Status":"NEW"},)"
      R"("Severity":{"Label":"HIGH","Normalized":70},"Types":["a/b"],"Note":null})";
  const std::string after =
      R"({"Title":"a","UpdatedAt":"2026-02-01T00:00:00Z","Workflow":{"Status":"RESOLVED"},)"
      R"("Severity":{"Label":"LOW","Normalized":1},"Types":["a/b","c/d"],)"
      R"("UserDefinedFields":{"k":"v"}})";
  const auto updates = DiffFindings(before, after);
  std::vector<std::string> fields;
  for (const auto& u : updates) fields.push_back(u.field);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"Workflow.Status", "Severity.Label", "Severity.Normalized",
                                      "Types", "Note", "UserDefinedFields.k"}));
  EXPECT_EQ(updates[0].old_value, "NEW");
  EXPECT_EQ(updates[0].new_value, "RESOLVED");
  EXPECT_EQ(updates[2].new_value, "1");
  EXPECT_EQ(updates[3].new_value, R"(["a/b","c/d"])");
  EXPECT_EQ(updates[4].old_value, "null");
  EXPECT_FALSE(updates[4].new_value.has_value());
  EXPECT_FALSE(updates[5].old_value.has_value());
  EXPECT_TRUE(DiffFindings(after, after).empty());
}

TEST(History, LargeValuesAreLeftOutAndRecordsStayBounded) {
  const std::string big(kMaxHistoryValue + 1, 'x');
  const auto updates =
      DiffFindings(R"({"Description":"short"})", R"({"Description":")" + big + R"("})");
  ASSERT_EQ(updates.size(), 1U);
  EXPECT_EQ(updates[0].old_value, "short");
  EXPECT_FALSE(updates[0].new_value.has_value());
  std::vector<HistoryUpdate> many;
  for (int i = 0; i < 100; ++i) {
    many.push_back({"F" + std::to_string(i), std::string(4000, 'a'), std::string(4000, 'b')});
  }
  const std::string record = EncodeHistoryRecord(0, false, kSourceImport, "me", many);
  EXPECT_LE(record.size(), 60U * 1024);
  EXPECT_NE(record.find("\"UpdatedField\":\"F99\""), std::string::npos);
}

TEST(History, KeysOrderByTimeWithinAFinding) {
  const asff::FindingIdentifier a{"arn:aws:securityhub:eu-west-1::product/aws/guardduty", "x"};
  const asff::FindingIdentifier b{"arn:aws:securityhub:eu-west-1::product/aws/guardduty", "y"};
  const std::string k1 = HistoryKey(a, 1000, 7);
  const std::string k2 = HistoryKey(a, 2000, 3);
  EXPECT_LT(k1, k2);
  EXPECT_TRUE(k1.starts_with(HistoryPrefix(a)));
  EXPECT_FALSE(k1.starts_with(HistoryPrefix(b)));
  EXPECT_EQ(HistoryKeyTime(k2), 2000);
  EXPECT_LT(HistoryKeyBefore(a, 2000), k2);
  EXPECT_GT(HistoryKeyBefore(a, 2000), k1);
  EXPECT_EQ(HistoryKeyTime("h/short"), std::nullopt);
}

}  // namespace
}  // namespace corroborate::server
