#include "filter/field_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "filter/filter.h"

namespace corroborate::filter {
namespace {

TEST(FieldTableTest, HasEveryGetFindingsFilterWithBotocoresTypeCounts) {
  const auto fields = AllFields();
  ASSERT_EQ(fields.size(), 104u);
  std::map<FilterType, int> counts;
  for (const FieldInfo& field : fields) ++counts[field.type];
  EXPECT_EQ(counts[FilterType::kString], 71);
  EXPECT_EQ(counts[FilterType::kDate], 11);
  EXPECT_EQ(counts[FilterType::kNumber], 10);
  EXPECT_EQ(counts[FilterType::kIp], 6);
  EXPECT_EQ(counts[FilterType::kMap], 4);
  EXPECT_EQ(counts[FilterType::kBoolean], 1);
  EXPECT_EQ(counts[FilterType::kKeyword], 1);
}

TEST(FieldTableTest, FindFieldFindsEveryNameAndNothingElse) {
  for (const FieldInfo& field : AllFields()) {
    const FieldInfo* found = FindField(field.name);
    ASSERT_NE(found, nullptr) << field.name;
    EXPECT_EQ(found, &field);
  }
  EXPECT_EQ(FindField("title"), nullptr);
  EXPECT_EQ(FindField("Titl"), nullptr);
  EXPECT_EQ(FindField("Titles"), nullptr);
  EXPECT_EQ(FindField(""), nullptr);
  EXPECT_EQ(FindField("ZZZ"), nullptr);
  EXPECT_EQ(FindField("AAA"), nullptr);
}

TEST(FieldTableTest, OnlyKeywordHasNoPath) {
  for (const FieldInfo& field : AllFields()) {
    EXPECT_EQ(field.path.empty(), field.type == FilterType::kKeyword) << field.name;
    // Map paths end at the map; nothing else does.
    EXPECT_EQ(field.path.ends_with("{}"), field.type == FilterType::kMap) << field.name;
  }
}

TEST(FieldTableTest, IrregularNamesResolveToTheirAsffPaths) {
  const auto path_of = [](std::string_view name) {
    const FieldInfo* field = FindField(name);
    return field == nullptr ? std::string("(missing)") : std::string(field->path);
  };
  EXPECT_EQ(path_of("Type"), "Types[]");
  EXPECT_EQ(path_of("ResourceId"), "Resources[].Id");
  EXPECT_EQ(path_of("ResourceTags"), "Resources[].Tags{}");
  EXPECT_EQ(path_of("RecommendationText"), "Remediation.Recommendation.Text");
  EXPECT_EQ(path_of("WorkflowStatus"), "Workflow.Status");
  EXPECT_EQ(path_of("WorkflowState"), "WorkflowState");
  EXPECT_EQ(path_of("ComplianceAssociatedStandardsId"),
            "Compliance.AssociatedStandards[].StandardsId");
  EXPECT_EQ(path_of("ResourceAwsEc2InstanceIpV4Addresses"),
            "Resources[].Details.AwsEc2Instance.IpV4Addresses[]");
  EXPECT_EQ(path_of("ThreatIntelIndicatorType"), "ThreatIntelIndicators[].Type");
  EXPECT_EQ(path_of("FindingProviderFieldsSeverityLabel"), "FindingProviderFields.Severity.Label");
  EXPECT_EQ(path_of("ComplianceSecurityControlParametersValue"),
            "Compliance.SecurityControlParameters[].Value[]");
}

// A value of the right shape for each type, so that every one of the 104 names is known to parse.
std::string SampleCondition(FilterType type) {
  switch (type) {
    case FilterType::kString: return R"({"Value": "v", "Comparison": "EQUALS"})";
    case FilterType::kNumber: return R"({"Gte": 1})";
    case FilterType::kDate: return R"({"DateRange": {"Value": 1, "Unit": "DAYS"}})";
    case FilterType::kMap: return R"({"Key": "k", "Value": "v", "Comparison": "EQUALS"})";
    case FilterType::kBoolean: return R"({"Value": true})";
    case FilterType::kIp: return R"({"Cidr": "10.0.0.0/8"})";
    case FilterType::kKeyword: return R"({"Value": "v"})";
  }
  return "";
}

TEST(FieldTableTest, EveryNameParsesWithItsTypesCondition) {
  for (const FieldInfo& field : AllFields()) {
    const std::string json =
        R"({")" + std::string(field.name) + R"(": [)" + SampleCondition(field.type) + "]}";
    auto filter = FindingFilter::ParseText(json);
    ASSERT_TRUE(filter.ok()) << json << ": " << filter.status().ToString();
    EXPECT_EQ(filter->FieldNames(), std::vector<std::string>{std::string(field.name)});
  }
}

}  // namespace
}  // namespace corroborate::filter
