#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "filter/filter.h"
#include "filter_test_util.h"

namespace corroborate::filter {
namespace {

using ::corroborate::filter::testing::FindingWith;
using ::corroborate::filter::testing::kFinding;
using ::testing::HasSubstr;

Result<std::vector<SortCriterion>> ParseCriteria(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  return ParseSortCriteria(root);
}

std::string SortRejectionOf(const std::string& json) {
  auto criteria = ParseCriteria(json);
  if (criteria.ok()) return "accepted";
  EXPECT_EQ(criteria.status().code(), Status::Code::kInvalidInput);
  return criteria.status().message();
}

TEST(ParseSortCriteriaTest, ReadsFieldsAndOrders) {
  auto criteria = ParseCriteria(R"([{"Field": "SeverityNormalized", "SortOrder": "asc"},
                                    {"Field": "UpdatedAt", "SortOrder": "desc"},
                                    {"Field": "Title"}])");
  ASSERT_TRUE(criteria.ok()) << criteria.status().ToString();
  ASSERT_EQ(criteria->size(), 3u);
  EXPECT_EQ((*criteria)[0].field, "SeverityNormalized");
  EXPECT_TRUE((*criteria)[0].ascending);
  EXPECT_EQ((*criteria)[1].field, "UpdatedAt");
  EXPECT_FALSE((*criteria)[1].ascending);
  EXPECT_EQ((*criteria)[2].field, "Title");
  EXPECT_FALSE((*criteria)[2].ascending) << "SortOrder defaults to desc";
}

TEST(ParseSortCriteriaTest, EmptyAndNull) {
  EXPECT_TRUE(ParseCriteria("[]")->empty());
  EXPECT_TRUE(ParseCriteria("null")->empty());
}

TEST(ParseSortCriteriaTest, Rejections) {
  EXPECT_THAT(SortRejectionOf(R"({"Field": "Title"})"), HasSubstr("Expected a list"));
  EXPECT_THAT(SortRejectionOf(R"(["Title"])"), HasSubstr("'SortCriteria[0]'"));
  EXPECT_THAT(SortRejectionOf(R"([{"SortOrder": "asc"}])"),
              HasSubstr("Missing required member 'Field'"));
  EXPECT_THAT(SortRejectionOf(R"([{"Field": "UpdatedAt"}, {"Field": "UpdatedAT"}])"),
              HasSubstr("'SortCriteria[1].Field'. 'UpdatedAT' is not a filter field; did you mean "
                        "'UpdatedAt'?"));
  EXPECT_THAT(SortRejectionOf(R"([{"Field": "Title", "SortOrder": "ASC"}])"),
              HasSubstr("'SortCriteria[0].SortOrder'. Value 'ASC' is not one of: asc, desc"));
  EXPECT_THAT(SortRejectionOf(R"([{"Field": "Title", "Order": "asc"}])"),
              HasSubstr("Unknown member 'Order'"));
  EXPECT_THAT(SortRejectionOf(R"([{"Field": "ResourceTags"}])"),
              HasSubstr("MapFilter field and has no single value to sort by"));
  EXPECT_THAT(SortRejectionOf(R"([{"Field": "Keyword"}])"), HasSubstr("KeywordFilter field"));
}

class SortValueTest : public ::testing::Test {
 protected:
  SortValue ValueOf(std::string_view name, std::string_view json = kFinding) {
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(json.data(), json.size()).get(root), simdjson::SUCCESS);
    return SortValueOf(root, name);
  }
  simdjson::dom::parser parser_;
};

TEST_F(SortValueTest, NumbersDatesAndStrings) {
  EXPECT_EQ(ValueOf("SeverityNormalized"), SortValue(70.0));
  EXPECT_EQ(ValueOf("SeverityProduct"), SortValue(7.5));
  EXPECT_EQ(ValueOf("NetworkSourcePort"), SortValue(443.0));  // "443" in the finding
  EXPECT_EQ(ValueOf("UpdatedAt"),
            SortValue(static_cast<double>(*asff::ParseTimestamp("2026-11-20T10:00:00Z"))));
  EXPECT_EQ(ValueOf("Title"),
            SortValue(std::string("Security groups should not allow unrestricted access to ports "
                                  "with high risk")));
  EXPECT_EQ(ValueOf("NetworkSourceIpV4"), SortValue(std::string("198.51.100.7")));
  EXPECT_EQ(ValueOf("Sample"), SortValue(std::string("false")));
}

TEST_F(SortValueTest, FirstValueOfAList) {
  EXPECT_EQ(ValueOf("ResourceId"),
            SortValue(std::string("arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1")));
  EXPECT_EQ(ValueOf("Type"),
            SortValue(std::string("Software and Configuration Checks/Industry and Regulatory "
                                  "Standards")));
  EXPECT_EQ(ValueOf("ResourceAwsEc2InstanceIpV4Addresses"), SortValue(std::string("10.0.1.5")));
}

TEST_F(SortValueTest, MissingUnreadableAndUnsortable) {
  EXPECT_EQ(ValueOf("Criticality"), SortValue());
  EXPECT_EQ(ValueOf("NoteText"), SortValue());
  EXPECT_EQ(ValueOf("UpdatedAt", FindingWith("2026-11-20T10:00:00Z", "soon")), SortValue());
  EXPECT_EQ(ValueOf("ResourceTags"), SortValue());
  EXPECT_EQ(ValueOf("Keyword"), SortValue());
  EXPECT_EQ(ValueOf("NoSuchField"), SortValue());
}

TEST(CompareSortValuesTest, OrdersValuesAndPutsMissingLast) {
  EXPECT_LT(CompareSortValues(1.0, 2.0), 0);
  EXPECT_GT(CompareSortValues(2.0, 1.0), 0);
  EXPECT_EQ(CompareSortValues(2.0, 2.0), 0);
  EXPECT_LT(CompareSortValues(-1e300, 1e300), 0);
  EXPECT_LT(CompareSortValues(std::string("HIGH"), std::string("LOW")), 0);
  EXPECT_GT(CompareSortValues(std::string("b"), std::string("a")), 0);
  EXPECT_EQ(CompareSortValues(std::string("a"), std::string("a")), 0);
  EXPECT_GT(CompareSortValues(SortValue(), 1.0), 0);
  EXPECT_LT(CompareSortValues(1.0, SortValue()), 0);
  EXPECT_GT(CompareSortValues(SortValue(), std::string("")), 0);
  EXPECT_EQ(CompareSortValues(SortValue(), SortValue()), 0);
}

TEST_F(SortValueTest, SortingFindingsBySeverity) {
  const std::vector<std::string> findings = {
      FindingWith(R"("Normalized": 70)", R"("Normalized": 40)"),
      FindingWith(R"("Normalized": 70)", R"("Other": 1)"),
      FindingWith(R"("Normalized": 70)", R"("Normalized": 90)"),
      FindingWith(R"("Normalized": 70)", R"("Normalized": 1)"),
  };
  std::vector<std::pair<SortValue, size_t>> keyed;
  for (size_t i = 0; i < findings.size(); ++i) {
    keyed.emplace_back(ValueOf("SeverityNormalized", findings[i]), i);
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return CompareSortValues(a.first, b.first) < 0; });
  std::vector<size_t> order(keyed.size());
  std::transform(keyed.begin(), keyed.end(), order.begin(), [](const auto& k) { return k.second; });
  EXPECT_EQ(order, (std::vector<size_t>{3, 0, 2, 1}));
}

}  // namespace
}  // namespace corroborate::filter
