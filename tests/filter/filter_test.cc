#include "filter/filter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "filter_test_util.h"

namespace corroborate::filter {
namespace {

using ::corroborate::filter::testing::FindingWith;
using ::corroborate::filter::testing::kFinding;
using ::corroborate::filter::testing::kNow;
using ::corroborate::filter::testing::Matches;
using ::corroborate::filter::testing::RejectionOf;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string StringFilter(std::string_view name, std::string_view comparison,
                         std::string_view value) {
  return R"({")" + std::string(name) + R"(": [{"Value": ")" + std::string(value) +
         R"(", "Comparison": ")" + std::string(comparison) + R"("}]})";
}

bool StringMatches(std::string_view name, std::string_view comparison, std::string_view value,
                   std::string_view finding = kFinding) {
  return Matches(StringFilter(name, comparison, value), finding);
}

// ---------------------------------------------------------------------------------------------
// StringFilter comparisons

TEST(StringFilterTest, Equals) {
  EXPECT_TRUE(StringMatches("AwsAccountId", "EQUALS", "111122223333"));
  EXPECT_FALSE(StringMatches("AwsAccountId", "EQUALS", "11112222333"));
  EXPECT_FALSE(StringMatches("AwsAccountId", "EQUALS", "1111222233334"));
}

TEST(StringFilterTest, ValuesAreCaseSensitive) {
  EXPECT_TRUE(StringMatches("ProductName", "EQUALS", "Security Hub"));
  EXPECT_FALSE(StringMatches("ProductName", "EQUALS", "security hub"));
  EXPECT_FALSE(StringMatches("Title", "CONTAINS", "SECURITY"));
}

TEST(StringFilterTest, Prefix) {
  EXPECT_TRUE(StringMatches("Region", "PREFIX", "eu-"));
  EXPECT_TRUE(StringMatches("Region", "PREFIX", "eu-west-1"));
  EXPECT_FALSE(StringMatches("Region", "PREFIX", "us-"));
  EXPECT_FALSE(StringMatches("Region", "PREFIX", "west"));
}

TEST(StringFilterTest, NotEquals) {
  EXPECT_TRUE(StringMatches("RecordState", "NOT_EQUALS", "ARCHIVED"));
  EXPECT_FALSE(StringMatches("RecordState", "NOT_EQUALS", "ACTIVE"));
}

TEST(StringFilterTest, PrefixNotEquals) {
  EXPECT_TRUE(StringMatches("Region", "PREFIX_NOT_EQUALS", "us-"));
  EXPECT_FALSE(StringMatches("Region", "PREFIX_NOT_EQUALS", "eu-"));
}

TEST(StringFilterTest, ContainsAndNotContains) {
  EXPECT_TRUE(StringMatches("Title", "CONTAINS", "unrestricted access"));
  EXPECT_FALSE(StringMatches("Title", "CONTAINS", "CloudFront"));
  EXPECT_TRUE(StringMatches("Title", "NOT_CONTAINS", "CloudFront"));
  EXPECT_FALSE(StringMatches("Title", "NOT_CONTAINS", "unrestricted access"));
}

TEST(StringFilterTest, ContainsWordNeedsWholeWords) {
  EXPECT_TRUE(StringMatches("Title", "CONTAINS_WORD", "ports"));
  EXPECT_TRUE(StringMatches("Title", "CONTAINS_WORD", "high risk"));
  EXPECT_TRUE(StringMatches("Title", "CONTAINS_WORD", "Security"));     // at the very start
  EXPECT_TRUE(StringMatches("Title", "CONTAINS_WORD", "risk"));         // at the very end
  EXPECT_FALSE(StringMatches("Title", "CONTAINS_WORD", "port"));        // inside "ports"
  EXPECT_FALSE(StringMatches("Title", "CONTAINS_WORD", "restricted"));  // inside "unrestricted"
  EXPECT_FALSE(StringMatches("Title", "CONTAINS_WORD", "ecurity"));
  // A later occurrence can be the whole-word one.
  EXPECT_TRUE(StringMatches("Title", "CONTAINS_WORD", "allow",
                            FindingWith("\"Title\": \"Security", "\"Title\": \"allowed allow")));
  // Punctuation separates words.
  EXPECT_TRUE(StringMatches("ResourceId", "CONTAINS_WORD", "sg"));
}

TEST(StringFilterTest, PositiveComparisonsOnOneNameOr) {
  EXPECT_TRUE(Matches(R"({"SeverityLabel": [{"Value": "LOW", "Comparison": "EQUALS"},
                                            {"Value": "HIGH", "Comparison": "EQUALS"}]})"));
  EXPECT_FALSE(Matches(R"({"SeverityLabel": [{"Value": "LOW", "Comparison": "EQUALS"},
                                             {"Value": "MEDIUM", "Comparison": "EQUALS"}]})"));
  EXPECT_TRUE(Matches(R"({"Region": [{"Value": "us-east-1", "Comparison": "EQUALS"},
                                     {"Value": "eu-", "Comparison": "PREFIX"}]})"));
  EXPECT_TRUE(Matches(R"({"Title": [{"Value": "CloudFront", "Comparison": "CONTAINS"},
                                    {"Value": "high risk", "Comparison": "CONTAINS"}]})"));
}

TEST(StringFilterTest, NegativeComparisonsOnOneNameAnd) {
  EXPECT_TRUE(Matches(R"({"RecordState": [{"Value": "ARCHIVED", "Comparison": "NOT_EQUALS"},
                                          {"Value": "DELETED", "Comparison": "NOT_EQUALS"}]})"));
  EXPECT_FALSE(Matches(R"({"RecordState": [{"Value": "ARCHIVED", "Comparison": "NOT_EQUALS"},
                                           {"Value": "ACTIVE", "Comparison": "NOT_EQUALS"}]})"));
  EXPECT_FALSE(Matches(R"({"Title": [{"Value": "CloudFront", "Comparison": "NOT_CONTAINS"},
                                     {"Value": "ports", "Comparison": "NOT_CONTAINS"}]})"));
}

TEST(StringFilterTest, DifferentNamesAnd) {
  EXPECT_TRUE(Matches(R"({"SeverityLabel": [{"Value": "HIGH", "Comparison": "EQUALS"}],
                          "Region": [{"Value": "eu-west-1", "Comparison": "EQUALS"}]})"));
  EXPECT_FALSE(Matches(R"({"SeverityLabel": [{"Value": "HIGH", "Comparison": "EQUALS"}],
                           "Region": [{"Value": "us-east-1", "Comparison": "EQUALS"}]})"));
}

// Security Hub's documented example: prefixes select first, then the NOT_EQUALS exclude.
TEST(StringFilterTest, PrefixCombinedWithNotEquals) {
  constexpr std::string_view kFilter = R"({"ResourceType": [
      {"Value": "AwsIam", "Comparison": "PREFIX"},
      {"Value": "AwsEc2", "Comparison": "PREFIX"},
      {"Value": "AwsIamPolicy", "Comparison": "NOT_EQUALS"},
      {"Value": "AwsEc2NetworkInterface", "Comparison": "NOT_EQUALS"}]})";
  const auto with_type = [](std::string_view type) {
    return R"({"Resources": [{"Type": ")" + std::string(type) + R"(", "Id": "r"}]})";
  };
  EXPECT_TRUE(Matches(kFilter, with_type("AwsIamRole")));
  EXPECT_TRUE(Matches(kFilter, with_type("AwsEc2Instance")));
  EXPECT_FALSE(Matches(kFilter, with_type("AwsIamPolicy")));
  EXPECT_FALSE(Matches(kFilter, with_type("AwsEc2NetworkInterface")));
  EXPECT_FALSE(Matches(kFilter, with_type("AwsS3Bucket")));
}

TEST(StringFilterTest, PrefixCombinedWithPrefixNotEquals) {
  constexpr std::string_view kFilter = R"({"GeneratorId": [
      {"Value": "security-control/", "Comparison": "PREFIX"},
      {"Value": "security-control/EC2", "Comparison": "PREFIX_NOT_EQUALS"}]})";
  EXPECT_FALSE(Matches(kFilter));
  EXPECT_TRUE(
      Matches(kFilter, FindingWith("security-control/EC2.19\"", "security-control/S3.1\"")));
}

// ---------------------------------------------------------------------------------------------
// Lists and missing values

TEST(ArraySemanticsTest, PositiveMatchesAnyElement) {
  EXPECT_TRUE(StringMatches("Type", "EQUALS", "Effects/Data Exposure"));  // second element
  EXPECT_TRUE(StringMatches("Type", "PREFIX", "Software and Configuration Checks/"));
  EXPECT_FALSE(StringMatches("Type", "EQUALS", "Effects"));
  EXPECT_TRUE(StringMatches("ResourceId", "EQUALS", "i-0123456789abcdef0"));  // second resource
}

TEST(ArraySemanticsTest, NegativePassesOnlyWhenNoElementMatches) {
  EXPECT_FALSE(StringMatches("Type", "NOT_EQUALS", "Effects/Data Exposure"));
  EXPECT_TRUE(StringMatches("Type", "NOT_EQUALS", "Unusual Behaviors"));
  EXPECT_FALSE(StringMatches("ResourceType", "PREFIX_NOT_EQUALS", "AwsEc2Instance"));
  EXPECT_FALSE(StringMatches("ResourceId", "NOT_CONTAINS", "abcdef"));
  EXPECT_TRUE(StringMatches("ResourceId", "NOT_CONTAINS", "bucket"));
}

TEST(ArraySemanticsTest, EmptyListBehavesLikeMissing) {
  const std::string no_types =
      FindingWith(R"(["Software and Configuration Checks/Industry and Regulatory Standards",
            "Effects/Data Exposure"])",
                  "[]");
  EXPECT_FALSE(StringMatches("Type", "PREFIX", "S", no_types));
  EXPECT_TRUE(StringMatches("Type", "NOT_EQUALS", "Effects/Data Exposure", no_types));
}

TEST(MissingValueTest, FailsPositivesAndPassesNegatives) {
  EXPECT_FALSE(StringMatches("NoteText", "EQUALS", "x"));
  EXPECT_FALSE(StringMatches("NoteText", "PREFIX", "x"));
  EXPECT_FALSE(StringMatches("NoteText", "CONTAINS", "x"));
  EXPECT_FALSE(StringMatches("NoteText", "CONTAINS_WORD", "x"));
  EXPECT_TRUE(StringMatches("NoteText", "NOT_EQUALS", "x"));
  EXPECT_TRUE(StringMatches("NoteText", "PREFIX_NOT_EQUALS", "x"));
  EXPECT_TRUE(StringMatches("NoteText", "NOT_CONTAINS", "x"));
  // A missing parent object or list, and a value of the wrong JSON type, count as missing too.
  EXPECT_FALSE(StringMatches("MalwareName", "EQUALS", "x"));
  EXPECT_TRUE(StringMatches("MalwareName", "NOT_EQUALS", "x"));
  EXPECT_FALSE(StringMatches("ComplianceStatus", "EQUALS", "FAILED",
                             FindingWith(R"("Status": "FAILED")", R"("Status": 3)")));
}

TEST(MissingValueTest, MissingNumberDateIpBooleanNeverMatch) {
  EXPECT_FALSE(Matches(R"({"Criticality": [{"Gte": 0}]})"));
  EXPECT_FALSE(
      Matches(R"({"FirstObservedAt": [{"DateRange": {"Value": 100000, "Unit": "DAYS"}}]})"));
  EXPECT_FALSE(Matches(R"({"NetworkDestinationIpV4": [{"Cidr": "0.0.0.0/0"}]})"));
  const std::string no_sample = FindingWith(R"("Sample": false)", R"("Other": false)");
  EXPECT_FALSE(Matches(R"({"Sample": [{"Value": false}]})", no_sample));
  EXPECT_FALSE(Matches(R"({"Sample": [{"Value": true}]})", no_sample));
}

// ---------------------------------------------------------------------------------------------
// Nested paths

TEST(NestedPathTest, FindingProviderFieldsAreNotTheTopLevelFields) {
  EXPECT_TRUE(StringMatches("FindingProviderFieldsSeverityLabel", "EQUALS", "CRITICAL"));
  EXPECT_FALSE(StringMatches("SeverityLabel", "EQUALS", "CRITICAL"));
  EXPECT_TRUE(StringMatches("FindingProviderFieldsSeverityOriginal", "EQUALS", "9.8"));
  EXPECT_TRUE(
      StringMatches("FindingProviderFieldsTypes", "EQUALS", "Software and Configuration Checks"));
  EXPECT_FALSE(StringMatches("FindingProviderFieldsTypes", "EQUALS", "Effects/Data Exposure"));
}

TEST(NestedPathTest, ComplianceAssociatedStandardsId) {
  EXPECT_TRUE(StringMatches("ComplianceAssociatedStandardsId", "PREFIX",
                            "standards/cis-aws-foundations-benchmark/"));
  EXPECT_TRUE(StringMatches("ComplianceAssociatedStandardsId", "EQUALS",
                            "standards/aws-foundational-security-best-practices/v/1.0.0"));
  EXPECT_FALSE(StringMatches("ComplianceAssociatedStandardsId", "EQUALS", "standards/nist"));
  EXPECT_FALSE(
      StringMatches("ComplianceAssociatedStandardsId", "PREFIX_NOT_EQUALS", "standards/cis"));
}

TEST(NestedPathTest, VulnerabilitiesFixAvailable) {
  EXPECT_TRUE(StringMatches("VulnerabilitiesFixAvailable", "EQUALS", "YES"));
  EXPECT_TRUE(StringMatches("VulnerabilitiesFixAvailable", "EQUALS", "NO"));
  EXPECT_FALSE(StringMatches("VulnerabilitiesFixAvailable", "EQUALS", "PARTIAL"));
  EXPECT_FALSE(StringMatches("VulnerabilitiesFixAvailable", "NOT_EQUALS", "YES"));
}

TEST(NestedPathTest, IrregularNames) {
  EXPECT_TRUE(StringMatches("RecommendationText", "CONTAINS", "ingress"));
  EXPECT_TRUE(StringMatches("WorkflowStatus", "EQUALS", "NEW"));
  EXPECT_FALSE(StringMatches("WorkflowState", "EQUALS", "NEW"));  // a different, absent field
  EXPECT_TRUE(StringMatches("ResourceAwsEc2InstanceType", "EQUALS", "t3.micro"));
  EXPECT_FALSE(StringMatches("ResourceType", "EQUALS", "t3.micro"));
}

// ---------------------------------------------------------------------------------------------
// MapFilter

std::string MapFilter(std::string_view name, std::string_view key, std::string_view comparison,
                      std::string_view value) {
  return R"({")" + std::string(name) + R"(": [{"Key": ")" + std::string(key) + R"(", "Value": ")" +
         std::string(value) + R"(", "Comparison": ")" + std::string(comparison) + R"("}]})";
}

TEST(MapFilterTest, ResourceTagsAcrossResources) {
  EXPECT_TRUE(Matches(MapFilter("ResourceTags", "env", "EQUALS", "prod")));     // first resource
  EXPECT_TRUE(Matches(MapFilter("ResourceTags", "env", "EQUALS", "staging")));  // second resource
  EXPECT_FALSE(Matches(MapFilter("ResourceTags", "env", "EQUALS", "dev")));
  EXPECT_FALSE(Matches(MapFilter("ResourceTags", "team", "EQUALS", "prod")));  // key selects
  EXPECT_FALSE(Matches(MapFilter("ResourceTags", "env", "NOT_EQUALS", "prod")));
  EXPECT_TRUE(Matches(MapFilter("ResourceTags", "env", "NOT_EQUALS", "dev")));
  EXPECT_TRUE(Matches(MapFilter("ResourceTags", "team", "CONTAINS", "net")));
  EXPECT_FALSE(Matches(MapFilter("ResourceTags", "team", "CONTAINS", "Net")));
  EXPECT_FALSE(Matches(MapFilter("ResourceTags", "env", "NOT_CONTAINS", "stag")));
  EXPECT_TRUE(Matches(MapFilter("ResourceTags", "env", "NOT_CONTAINS", "dev")));
}

TEST(MapFilterTest, MissingKeyFailsPositivesAndPassesNegatives) {
  EXPECT_FALSE(Matches(MapFilter("ResourceTags", "owner", "EQUALS", "x")));
  EXPECT_FALSE(Matches(MapFilter("ResourceTags", "owner", "CONTAINS", "x")));
  EXPECT_TRUE(Matches(MapFilter("ResourceTags", "owner", "NOT_EQUALS", "x")));
  EXPECT_TRUE(Matches(MapFilter("ResourceTags", "owner", "NOT_CONTAINS", "x")));
}

TEST(MapFilterTest, ProductFieldsUserDefinedFieldsAndDetailsOther) {
  EXPECT_TRUE(
      Matches(MapFilter("ProductFields", "aws/securityhub/ProductName", "EQUALS", "Security Hub")));
  EXPECT_FALSE(
      Matches(MapFilter("ProductFields", "aws/securityhub/ProductName", "EQUALS", "GuardDuty")));
  EXPECT_TRUE(
      Matches(MapFilter("ProductFields", "RelatedAWSResources:0/type", "CONTAINS", "ConfigRule")));
  EXPECT_TRUE(Matches(MapFilter("UserDefinedFields", "owner", "EQUALS", "team-network")));
  EXPECT_FALSE(Matches(MapFilter("UserDefinedFields", "env", "EQUALS", "team-network")));
  EXPECT_TRUE(Matches(MapFilter("ResourceDetailsOther", "k", "EQUALS", "v")));
}

TEST(MapFilterTest, KeysOrWithinPositivesAndAndWithinNegatives) {
  EXPECT_TRUE(Matches(R"({"ResourceTags": [
      {"Key": "env", "Value": "dev", "Comparison": "EQUALS"},
      {"Key": "team", "Value": "network", "Comparison": "EQUALS"}]})"));
  EXPECT_FALSE(Matches(R"({"ResourceTags": [
      {"Key": "env", "Value": "dev", "Comparison": "NOT_EQUALS"},
      {"Key": "team", "Value": "network", "Comparison": "NOT_EQUALS"}]})"));
}

// ---------------------------------------------------------------------------------------------
// NumberFilter

TEST(NumberFilterTest, EachBound) {
  EXPECT_TRUE(Matches(R"({"SeverityNormalized": [{"Eq": 70}]})"));
  EXPECT_FALSE(Matches(R"({"SeverityNormalized": [{"Eq": 71}]})"));
  EXPECT_TRUE(Matches(R"({"SeverityNormalized": [{"Gte": 70}]})"));
  EXPECT_FALSE(Matches(R"({"SeverityNormalized": [{"Gt": 70}]})"));
  EXPECT_TRUE(Matches(R"({"SeverityNormalized": [{"Lte": 70}]})"));
  EXPECT_FALSE(Matches(R"({"SeverityNormalized": [{"Lt": 70}]})"));
  EXPECT_TRUE(Matches(R"({"SeverityProduct": [{"Gt": 7.4, "Lt": 7.6}]})"));
  EXPECT_TRUE(Matches(R"({"ProcessPid": [{"Eq": 1234.0}]})"));
}

TEST(NumberFilterTest, BoundsInOneObjectAndObjectsOr) {
  EXPECT_FALSE(Matches(R"({"SeverityNormalized": [{"Gte": 40, "Lte": 69}]})"));
  EXPECT_TRUE(Matches(R"({"SeverityNormalized": [{"Gte": 40, "Lte": 70}]})"));
  EXPECT_FALSE(Matches(R"({"Confidence": [{"Gte": 90}, {"Lt": 50}]})"));
  EXPECT_TRUE(Matches(R"({"Confidence": [{"Gte": 90}, {"Lt": 81}]})"));
}

TEST(NumberFilterTest, NumbersWrittenAsStringsCompareNumerically) {
  EXPECT_TRUE(Matches(R"({"NetworkSourcePort": [{"Eq": 443}]})"));  // "443" in the finding
  EXPECT_FALSE(Matches(R"({"NetworkSourcePort": [{"Gte": 1024}]})"));
  EXPECT_TRUE(Matches(R"({"NetworkDestinationPort": [{"Lt": 1024}]})"));  // 22 as a number
  EXPECT_FALSE(Matches(R"({"NetworkSourcePort": [{"Gte": 0}]})",
                       FindingWith(R"("SourcePort": "443")", R"("SourcePort": "https")")));
  EXPECT_FALSE(Matches(R"({"NetworkSourcePort": [{"Gte": 0}]})",
                       FindingWith(R"("SourcePort": "443")", R"("SourcePort": "443/tcp")")));
}

// ---------------------------------------------------------------------------------------------
// DateFilter

TEST(DateFilterTest, StartAndEndAreInclusive) {
  EXPECT_TRUE(Matches(R"({"CreatedAt": [{"Start": "2026-11-01T10:00:00Z",
                                         "End": "2026-11-01T10:00:00Z"}]})"));
  EXPECT_FALSE(Matches(R"({"CreatedAt": [{"Start": "2026-11-01T10:00:00.001Z"}]})"));
  EXPECT_FALSE(Matches(R"({"CreatedAt": [{"End": "2026-11-01T09:59:59.999Z"}]})"));
  EXPECT_TRUE(Matches(R"({"CreatedAt": [{"Start": "2026-10-01T00:00:00Z"}]})"));
  EXPECT_TRUE(Matches(R"({"CreatedAt": [{"End": "2026-12-01T00:00:00+01:00"}]})"));
}

TEST(DateFilterTest, SeveralObjectsOr) {
  EXPECT_TRUE(Matches(R"({"UpdatedAt": [{"End": "2026-01-01T00:00:00Z"},
                                        {"Start": "2026-11-20T00:00:00Z"}]})"));
  EXPECT_FALSE(Matches(R"({"UpdatedAt": [{"End": "2026-01-01T00:00:00Z"},
                                         {"Start": "2026-11-21T00:00:00Z"}]})"));
}

TEST(DateFilterTest, DateRangeWithinIsRelativeToNow) {
  // CreatedAt is exactly 20 days before kNow.
  EXPECT_TRUE(Matches(R"({"CreatedAt": [{"DateRange": {"Value": 20, "Unit": "DAYS"}}]})"));
  EXPECT_FALSE(Matches(R"({"CreatedAt": [{"DateRange": {"Value": 19, "Unit": "DAYS"}}]})"));
  EXPECT_TRUE(Matches(
      R"({"CreatedAt": [{"DateRange": {"Value": 21, "Unit": "DAYS", "Comparison": "WITHIN"}}]})"));
  // The same filter, evaluated a day later, no longer matches.
  EXPECT_FALSE(Matches(R"({"CreatedAt": [{"DateRange": {"Value": 20, "Unit": "DAYS"}}]})", kFinding,
                       kNow + asff::kMsPerDay));
}

TEST(DateFilterTest, DateRangeOlderThanIsStrictlyBefore) {
  EXPECT_TRUE(Matches(
      R"({"CreatedAt": [{"DateRange": {"Value": 19, "Unit": "DAYS", "Comparison": "OLDER_THAN"}}]})"));
  EXPECT_FALSE(Matches(
      R"({"CreatedAt": [{"DateRange": {"Value": 20, "Unit": "DAYS", "Comparison": "OLDER_THAN"}}]})"));
  EXPECT_FALSE(Matches(
      R"({"UpdatedAt": [{"DateRange": {"Value": 2, "Unit": "DAYS", "Comparison": "OLDER_THAN"}}]})"));
}

TEST(DateFilterTest, NestedAndUnreadableDates) {
  EXPECT_TRUE(
      Matches(R"({"ResourceAwsEc2InstanceLaunchedAt": [{"End": "2026-10-02T00:00:00Z"}]})"));
  EXPECT_FALSE(
      Matches(R"({"ResourceAwsEc2InstanceLaunchedAt": [{"Start": "2026-10-02T00:00:00Z"}]})"));
  EXPECT_FALSE(Matches(R"({"CreatedAt": [{"Start": "2000-01-01T00:00:00Z"}]})",
                       FindingWith("2026-11-01T10:00:00.000Z", "yesterday")));
}

// ---------------------------------------------------------------------------------------------
// BooleanFilter, IpFilter, KeywordFilter

TEST(BooleanFilterTest, Sample) {
  EXPECT_TRUE(Matches(R"({"Sample": [{"Value": false}]})"));
  EXPECT_FALSE(Matches(R"({"Sample": [{"Value": true}]})"));
  EXPECT_TRUE(Matches(R"({"Sample": [{"Value": true}]})",
                      FindingWith(R"("Sample": false)", R"("Sample": true)")));
  EXPECT_TRUE(Matches(R"({"Sample": [{"Value": true}, {"Value": false}]})"));
}

TEST(IpFilterTest, Ipv4CidrsAndBareAddresses) {
  EXPECT_TRUE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "198.51.100.0/24"}]})"));
  EXPECT_FALSE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "203.0.113.0/24"}]})"));
  EXPECT_TRUE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "198.51.100.7"}]})"));
  EXPECT_FALSE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "198.51.100.8"}]})"));
  EXPECT_TRUE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "198.51.100.6/31"}]})"));
  EXPECT_FALSE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "198.51.100.4/31"}]})"));
  EXPECT_TRUE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "0.0.0.0/0"}]})"));
  EXPECT_TRUE(
      Matches(R"({"NetworkSourceIpV4": [{"Cidr": "10.0.0.0/8"}, {"Cidr": "198.51.0.0/16"}]})"));
}

TEST(IpFilterTest, ListOfAddresses) {
  EXPECT_TRUE(Matches(R"({"ResourceAwsEc2InstanceIpV4Addresses": [{"Cidr": "172.16.0.0/12"}]})"));
  EXPECT_TRUE(Matches(R"({"ResourceAwsEc2InstanceIpV4Addresses": [{"Cidr": "10.0.1.77/24"}]})"));
  EXPECT_FALSE(Matches(R"({"ResourceAwsEc2InstanceIpV4Addresses": [{"Cidr": "192.168.0.0/16"}]})"));
  EXPECT_TRUE(Matches(R"({"ResourceAwsEc2InstanceIpV6Addresses": [{"Cidr": "2001:db8:1::/48"}]})"));
  EXPECT_FALSE(
      Matches(R"({"ResourceAwsEc2InstanceIpV6Addresses": [{"Cidr": "2001:db8:2::/48"}]})"));
}

TEST(IpFilterTest, Ipv6) {
  EXPECT_TRUE(Matches(R"({"NetworkDestinationIpV6": [{"Cidr": "2001:db8::/32"}]})"));
  EXPECT_TRUE(Matches(R"({"NetworkDestinationIpV6": [{"Cidr": "2001:db8::10"}]})"));
  EXPECT_TRUE(Matches(R"({"NetworkDestinationIpV6": [{"Cidr": "2001:db8:0:0::10/128"}]})"));
  EXPECT_FALSE(Matches(R"({"NetworkDestinationIpV6": [{"Cidr": "2001:db8::11"}]})"));
  EXPECT_TRUE(Matches(R"({"NetworkDestinationIpV6": [{"Cidr": "2001:db8::/127"}]})",
                      FindingWith("2001:db8::10", "2001:db8::1")));
  EXPECT_FALSE(Matches(R"({"NetworkDestinationIpV6": [{"Cidr": "2001:db8::/127"}]})",
                       FindingWith("2001:db8::10", "2001:db8::2")));
}

TEST(IpFilterTest, FamiliesMeetThroughIpv4MappedAddresses) {
  // A v6 value in a V4 field and a v4 value in a V6 field are still read.
  EXPECT_TRUE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "2001:db8::/32"}]})",
                      FindingWith("198.51.100.7", "2001:db8::7")));
  EXPECT_TRUE(Matches(R"({"NetworkDestinationIpV6": [{"Cidr": "10.0.0.0/8"}]})",
                      FindingWith("2001:db8::10", "10.1.2.3")));
  EXPECT_TRUE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "::ffff:198.51.100.0/120"}]})"));
  EXPECT_TRUE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "198.51.100.0/24"}]})",
                      FindingWith("198.51.100.7", "::ffff:198.51.100.7")));
  EXPECT_FALSE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "2001:db8::/32"}]})"));
  EXPECT_FALSE(Matches(R"({"NetworkSourceIpV4": [{"Cidr": "0.0.0.0/0"}]})",
                       FindingWith("198.51.100.7", "not an address")));
}

TEST(KeywordFilterTest, WholeWordsOfTitleDescriptionAndTypes) {
  EXPECT_TRUE(Matches(R"({"Keyword": [{"Value": "ports"}]})"));     // Title
  EXPECT_TRUE(Matches(R"({"Keyword": [{"Value": "incoming"}]})"));  // Description
  EXPECT_TRUE(Matches(R"({"Keyword": [{"Value": "Exposure"}]})"));  // Types[]
  EXPECT_FALSE(Matches(R"({"Keyword": [{"Value": "port"}]})"));     // not a whole word
  EXPECT_FALSE(Matches(R"({"Keyword": [{"Value": "Ports"}]})"));    // case-sensitive
  EXPECT_FALSE(Matches(R"({"Keyword": [{"Value": "prod"}]})"));     // tags are not searched
  EXPECT_TRUE(Matches(R"({"Keyword": [{"Value": "CloudFront"}, {"Value": "incoming"}]})"));
}

// ---------------------------------------------------------------------------------------------
// Rejections

TEST(RejectTest, UnknownFilterNameSuggestsTheClosest) {
  EXPECT_THAT(RejectionOf(R"({"Titel": [{"Value": "x", "Comparison": "EQUALS"}]})"),
              AllOf(HasSubstr("'Titel' is not a filter field"), HasSubstr("did you mean 'Title'")));
  EXPECT_THAT(RejectionOf(R"({"Types": [{"Value": "x", "Comparison": "EQUALS"}]})"),
              HasSubstr("did you mean 'Type'"));
  EXPECT_THAT(RejectionOf(R"({"Severity.Label": [{"Value": "x", "Comparison": "EQUALS"}]})"),
              HasSubstr("did you mean 'SeverityLabel'"));
  EXPECT_THAT(
      RejectionOf(R"({"resourcetag": [{"Key": "a", "Value": "x", "Comparison": "EQUALS"}]})"),
      HasSubstr("did you mean 'ResourceTags'"));
  const std::string far = RejectionOf(R"({"Xyzzy": []})");
  EXPECT_THAT(far, HasSubstr("'Xyzzy' is not a filter field"));
  EXPECT_THAT(far, Not(HasSubstr("did you mean")));
  // Equally close to NetworkSourceIpV4 and NetworkSourceIpV6: no guess.
  EXPECT_THAT(RejectionOf(R"({"NetworkSourceIp": []})"), Not(HasSubstr("did you mean")));
  // A huge name gets no guess and is quoted shortened (found by fuzz/fuzz_filter: the guess cost
  // seconds).
  const std::string huge = RejectionOf(R"({")" + std::string(50000, 'T') + R"(": []})");
  EXPECT_THAT(huge, AllOf(HasSubstr("'" + std::string(128, 'T') + "…' is not a filter field"),
                          Not(HasSubstr("did you mean"))));
  EXPECT_LT(huge.size(), 400U);
}

TEST(RejectTest, UnknownComparison) {
  const std::string message = RejectionOf(StringFilter("Title", "LIKE", "x"));
  EXPECT_THAT(message, HasSubstr("'Filters.Title[0].Comparison'"));
  EXPECT_THAT(message, HasSubstr("'LIKE' is not one of: EQUALS, PREFIX"));
  EXPECT_THAT(RejectionOf(StringFilter("Title", "equals", "x")), HasSubstr("'equals'"));
  // Maps have no PREFIX or CONTAINS_WORD.
  EXPECT_THAT(RejectionOf(MapFilter("ResourceTags", "env", "PREFIX", "p")),
              HasSubstr("'PREFIX' is not one of: EQUALS, NOT_EQUALS, CONTAINS, NOT_CONTAINS"));
  EXPECT_THAT(RejectionOf(MapFilter("ResourceTags", "env", "CONTAINS_WORD", "p")),
              HasSubstr("Filters.ResourceTags[0].Comparison"));
  EXPECT_THAT(RejectionOf(R"({"CreatedAt": [{"DateRange": {"Value": 1, "Comparison": "NEWER"}}]})"),
              HasSubstr("'NEWER' is not one of: WITHIN, OLDER_THAN"));
  EXPECT_THAT(RejectionOf(R"({"CreatedAt": [{"DateRange": {"Value": 1, "Unit": "HOURS"}}]})"),
              HasSubstr("'HOURS' is not one of: DAYS"));
}

TEST(RejectTest, WrongJsonTypes) {
  EXPECT_THAT(RejectionOf("[]"), HasSubstr("'Filters'"));
  EXPECT_THAT(RejectionOf(R"({"Title": {"Value": "x", "Comparison": "EQUALS"}})"),
              HasSubstr("'Filters.Title'. Expected a list of StringFilter objects"));
  EXPECT_THAT(RejectionOf(R"({"Title": ["x"]})"),
              HasSubstr("'Filters.Title[0]'. Expected a StringFilter object"));
  EXPECT_THAT(RejectionOf(R"({"Title": [{"Value": 3, "Comparison": "EQUALS"}]})"),
              HasSubstr("'Filters.Title[0].Value'. Expected a string"));
  EXPECT_THAT(RejectionOf(R"({"Title": [{"Value": "x"}]})"),
              HasSubstr("Missing required member 'Comparison'"));
  EXPECT_THAT(RejectionOf(R"({"Title": [{"Valeu": "x", "Comparison": "EQUALS"}]})"),
              HasSubstr("Unknown member 'Valeu'"));
  EXPECT_THAT(RejectionOf(R"({"Title": [{"Value": "  ", "Comparison": "EQUALS"}]})"),
              HasSubstr("non-whitespace"));
  EXPECT_THAT(RejectionOf(R"({"Confidence": [{"Gte": "5"}]})"),
              HasSubstr("'Filters.Confidence[0].Gte'. Expected a number"));
  EXPECT_THAT(RejectionOf(R"({"Confidence": [{}]})"), HasSubstr("at least one of Gte"));
  EXPECT_THAT(RejectionOf(R"({"Sample": [{"Value": "true"}]})"),
              HasSubstr("'Filters.Sample[0].Value'. Expected true or false"));
  EXPECT_THAT(RejectionOf(R"({"NetworkSourceIpV4": [{"Cidr": 10}]})"),
              HasSubstr("'Filters.NetworkSourceIpV4[0].Cidr'. Expected a string"));
  EXPECT_THAT(RejectionOf(R"({"ResourceTags": [{"Value": "x", "Comparison": "EQUALS"}]})"),
              HasSubstr("Missing required member 'Key'"));
  EXPECT_THAT(RejectionOf(R"({"Keyword": [{"Value": 1}]})"),
              HasSubstr("'Filters.Keyword[0].Value'. Expected a string"));
  EXPECT_THAT(RejectionOf("{not json"), HasSubstr("Not valid JSON"));
}

TEST(RejectTest, BadDates) {
  EXPECT_THAT(RejectionOf(R"({"CreatedAt": [{"Start": "2026-11-01"}]})"),
              HasSubstr("'Filters.CreatedAt[0].Start'. '2026-11-01' is not a timestamp"));
  EXPECT_THAT(RejectionOf(R"({"CreatedAt": [{"End": 5}]})"), HasSubstr("Expected a string"));
  EXPECT_THAT(RejectionOf(R"({"CreatedAt": [{}]})"), HasSubstr("needs Start, End or DateRange"));
  EXPECT_THAT(RejectionOf(R"({"CreatedAt": [{"Start": "2026-11-01T00:00:00Z",
                                             "DateRange": {"Value": 1, "Unit": "DAYS"}}]})"),
              HasSubstr("either Start/End or DateRange"));
  EXPECT_THAT(RejectionOf(R"({"CreatedAt": [{"DateRange": {"Value": 1.5, "Unit": "DAYS"}}]})"),
              HasSubstr("'Filters.CreatedAt[0].DateRange.Value'. Expected an integer"));
  EXPECT_THAT(RejectionOf(R"({"CreatedAt": [{"DateRange": {"Value": -1, "Unit": "DAYS"}}]})"),
              HasSubstr("between 0 and"));
  EXPECT_THAT(RejectionOf(R"({"CreatedAt": [{"DateRange": {"Unit": "DAYS"}}]})"),
              HasSubstr("Missing required member 'Value'"));
  EXPECT_THAT(RejectionOf(R"({"CreatedAt": [{"DateRange": 7}]})"),
              HasSubstr("Expected a DateRange object"));
}

TEST(RejectTest, BadCidrs) {
  for (const char* cidr : {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/8x",
                           "10.0.0.0/-1", "10.0.0", "300.1.1.1", "example.com", "10.0.0.0/8/8"}) {
    EXPECT_THAT(RejectionOf(R"({"NetworkSourceIpV4": [{"Cidr": ")" + std::string(cidr) + R"("}]})"),
                HasSubstr("is not an IPv4 or IPv6 address or CIDR block"))
        << cidr;
  }
}

TEST(RejectTest, ForbiddenCombinations) {
  const auto combination = [](std::string_view first, std::string_view second) {
    return RejectionOf(R"({"Title": [{"Value": "a", "Comparison": ")" + std::string(first) +
                       R"("}, {"Value": "b", "Comparison": ")" + std::string(second) + R"("}]})");
  };
  EXPECT_THAT(combination("CONTAINS", "NOT_CONTAINS"),
              AllOf(HasSubstr("'Filters.Title'"), HasSubstr("CONTAINS filter and a NOT_CONTAINS")));
  EXPECT_THAT(combination("EQUALS", "NOT_EQUALS"), HasSubstr("EQUALS filter cannot be combined"));
  EXPECT_THAT(combination("PREFIX_NOT_EQUALS", "EQUALS"),
              HasSubstr("EQUALS filter cannot be combined"));
  EXPECT_THAT(combination("CONTAINS", "EQUALS"),
              HasSubstr("CONTAINS filters can only be used with other CONTAINS filters"));
  EXPECT_THAT(combination("PREFIX", "CONTAINS"),
              HasSubstr("CONTAINS filters can only be used with other CONTAINS filters"));
  EXPECT_THAT(combination("CONTAINS_WORD", "CONTAINS"),
              HasSubstr("CONTAINS filters can only be used with other CONTAINS filters"));
  EXPECT_THAT(combination("NOT_CONTAINS", "NOT_EQUALS"),
              HasSubstr("NOT_CONTAINS filters can only be used with other NOT_CONTAINS filters"));
  EXPECT_THAT(combination("PREFIX_NOT_EQUALS", "NOT_CONTAINS"),
              HasSubstr("NOT_CONTAINS filters can only be used with other NOT_CONTAINS filters"));
  // What Security Hub allows.
  EXPECT_EQ(combination("PREFIX", "NOT_EQUALS"), "accepted");
  EXPECT_EQ(combination("PREFIX", "PREFIX_NOT_EQUALS"), "accepted");
  EXPECT_EQ(combination("EQUALS", "PREFIX"), "accepted");
  EXPECT_EQ(combination("NOT_EQUALS", "PREFIX_NOT_EQUALS"), "accepted");
  EXPECT_EQ(combination("CONTAINS", "CONTAINS"), "accepted");
  EXPECT_EQ(combination("NOT_CONTAINS", "NOT_CONTAINS"), "accepted");
  EXPECT_EQ(combination("CONTAINS_WORD", "EQUALS"), "accepted");
}

TEST(RejectTest, ForbiddenMapCombinations) {
  EXPECT_THAT(RejectionOf(R"({"ResourceTags": [
      {"Key": "env", "Value": "a", "Comparison": "EQUALS"},
      {"Key": "team", "Value": "b", "Comparison": "NOT_EQUALS"}]})"),
              AllOf(HasSubstr("'Filters.ResourceTags'"), HasSubstr("EQUALS filter cannot")));
  EXPECT_THAT(RejectionOf(R"({"ResourceTags": [
      {"Key": "env", "Value": "a", "Comparison": "CONTAINS"},
      {"Key": "env", "Value": "b", "Comparison": "NOT_CONTAINS"}]})"),
              HasSubstr("CONTAINS filter and a NOT_CONTAINS"));
  EXPECT_THAT(RejectionOf(R"({"ResourceTags": [
      {"Key": "env", "Value": "a", "Comparison": "CONTAINS"},
      {"Key": "env", "Value": "b", "Comparison": "EQUALS"}]})"),
              HasSubstr("CONTAINS filters can only be used with other CONTAINS filters"));
}

std::string FilterWithNames(int count) {
  static constexpr std::string_view kNames[] = {
      "ProductArn",    "AwsAccountId", "Id",          "GeneratorId", "Region",     "Type",
      "SeverityLabel", "Title",        "Description", "ProductName", "CompanyName"};
  std::string json = "{";
  for (int i = 0; i < count; ++i) {
    if (i > 0) json += ",";
    json += R"(")" + std::string(kNames[i]) + R"(": [{"Value": "v", "Comparison": "EQUALS"}])";
  }
  return json + "}";
}

std::string FilterWithValues(int count) {
  std::string json = R"({"Title": [)";
  for (int i = 0; i < count; ++i) {
    if (i > 0) json += ",";
    json += R"({"Value": "v)" + std::to_string(i) + R"(", "Comparison": "EQUALS"})";
  }
  return json + "]}";
}

TEST(RejectTest, LimitsOnNamesAndValues) {
  EXPECT_EQ(RejectionOf(FilterWithNames(10)), "accepted");
  EXPECT_EQ(RejectionOf(FilterWithNames(11)),
            "Invalid parameter 'Filters'. Size '11' is greater than maximum value: 10");
  EXPECT_EQ(RejectionOf(FilterWithValues(20)), "accepted");
  EXPECT_EQ(RejectionOf(FilterWithValues(21)),
            "Invalid parameter 'Filters.Title'. Size '21' is greater than maximum value: 20");
  // Automation and correlation rules raise the limits.
  ParseOptions raised;
  raised.max_fields = 11;
  raised.max_values_per_field = 100;
  EXPECT_EQ(RejectionOf(FilterWithNames(11), raised), "accepted");
  EXPECT_EQ(RejectionOf(FilterWithValues(100), raised), "accepted");
  ParseOptions strict;
  strict.max_values_per_field = 1;
  EXPECT_THAT(RejectionOf(FilterWithValues(2), strict), HasSubstr("maximum value: 1"));
}

TEST(RejectTest, DuplicateName) {
  EXPECT_THAT(RejectionOf(R"({"Title": [], "Title": []})"),
              HasSubstr("Filter 'Title' is given more than once"));
}

// ---------------------------------------------------------------------------------------------
// Whole-filter behaviour

TEST(FindingFilterTest, EmptyFilterMatchesEverything) {
  FindingFilter empty;
  EXPECT_TRUE(empty.empty());
  simdjson::dom::parser parser;
  EXPECT_TRUE(empty.Matches(parser.parse(std::string(kFinding)).value(), kNow));
  for (const char* text : {"{}", "null", R"({"Title": []})", R"({"Title": null})"}) {
    auto filter = FindingFilter::ParseText(text);
    ASSERT_TRUE(filter.ok()) << text << filter.status().ToString();
    EXPECT_TRUE(Matches(text)) << text;
    EXPECT_TRUE(Matches(text, "{}")) << text;
  }
  EXPECT_TRUE(FindingFilter::ParseText("{}")->empty());
  EXPECT_FALSE(FindingFilter::ParseText(StringFilter("Title", "EQUALS", "x"))->empty());
}

TEST(FindingFilterTest, FieldNamesInTheOrderGiven) {
  auto filter = FindingFilter::ParseText(R"({
      "UpdatedAt": [{"DateRange": {"Value": 7, "Unit": "DAYS"}}],
      "ResourceTags": [{"Key": "env", "Value": "prod", "Comparison": "EQUALS"}],
      "AwsAccountId": [{"Value": "111122223333", "Comparison": "EQUALS"}]})");
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_EQ(filter->FieldNames(),
            (std::vector<std::string>{"UpdatedAt", "ResourceTags", "AwsAccountId"}));
}

TEST(FindingFilterTest, ExactValuesOnlyWhenEveryPositiveIsEquals) {
  auto filter = FindingFilter::ParseText(R"({
      "AwsAccountId": [{"Value": "111122223333", "Comparison": "EQUALS"},
                       {"Value": "444455556666", "Comparison": "EQUALS"},
                       {"Value": "111122223333", "Comparison": "EQUALS"}],
      "Region": [{"Value": "eu-west-1", "Comparison": "EQUALS"},
                 {"Value": "us-", "Comparison": "PREFIX"}],
      "RecordState": [{"Value": "ARCHIVED", "Comparison": "NOT_EQUALS"}],
      "SeverityNormalized": [{"Eq": 70}]})");
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_EQ(filter->ExactValues("AwsAccountId"),
            (std::vector<std::string>{"111122223333", "444455556666"}));
  EXPECT_EQ(filter->ExactValues("Region"), std::nullopt);
  EXPECT_EQ(filter->ExactValues("RecordState"), std::nullopt);
  EXPECT_EQ(filter->ExactValues("SeverityNormalized"), std::nullopt);
  EXPECT_EQ(filter->ExactValues("Title"), std::nullopt);
}

TEST(FindingFilterTest, CopiesAndMovesOwnTheirConditions) {
  std::optional<FindingFilter> original;
  {
    auto parsed = FindingFilter::ParseText(R"({
        "ResourceTags": [{"Key": "env", "Value": "staging", "Comparison": "EQUALS"}],
        "Title": [{"Value": "unrestricted access", "Comparison": "CONTAINS"}]})");
    ASSERT_TRUE(parsed.ok());
    original = std::move(parsed).value();
  }
  FindingFilter copy = *original;
  FindingFilter assigned;
  assigned = copy;
  FindingFilter moved = std::move(*original);
  original.reset();
  simdjson::dom::parser parser;
  const auto finding = parser.parse(std::string(kFinding)).value();
  EXPECT_TRUE(copy.Matches(finding, kNow));
  EXPECT_TRUE(assigned.Matches(finding, kNow));
  EXPECT_TRUE(moved.Matches(finding, kNow));
  const auto other = parser.parse(FindingWith("\"staging\"", "\"dev\"")).value();
  EXPECT_FALSE(copy.Matches(other, kNow));
}

TEST(FindingFilterTest, ParseReadsAnElementOfALargerDocument) {
  simdjson::dom::parser parser;
  const auto request = parser
                           .parse(std::string(R"({"MaxResults": 10, "Filters": {
      "SeverityLabel": [{"Value": "HIGH", "Comparison": "EQUALS"}]}})"))
                           .value();
  auto filter = FindingFilter::Parse(request["Filters"].value());
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  simdjson::dom::parser finding_parser;
  EXPECT_TRUE(filter->Matches(finding_parser.parse(std::string(kFinding)).value(), kNow));
}

// ---------------------------------------------------------------------------------------------
// FindingView: one finding read by many filters

// Filters that read the same top-level members (Compliance, Severity, Resources, ProductFields)
// through different paths, members the finding lacks, and the Keyword paths; with the answer
// each must give on kFinding.
const std::vector<std::pair<std::string, bool>>& SharedMemberFilters() {
  static const std::vector<std::pair<std::string, bool>> filters = {
      {StringFilter("ComplianceStatus", "EQUALS", "FAILED"), true},
      {StringFilter("ComplianceSecurityControlId", "EQUALS", "EC2.19"), true},
      {StringFilter("ComplianceSecurityControlId", "EQUALS", "EC2.9"), false},
      {StringFilter("ComplianceAssociatedStandardsId", "PREFIX", "standards/cis"), true},
      {StringFilter("SeverityLabel", "EQUALS", "HIGH"), true},
      {StringFilter("FindingProviderFieldsSeverityLabel", "EQUALS", "HIGH"), false},
      {StringFilter("ResourceType", "EQUALS", "AwsEc2Instance"), true},
      {StringFilter("ResourceId", "EQUALS", "i-0123456789abcdef0"), true},
      {StringFilter("ResourceId", "NOT_EQUALS", "i-0123456789abcdef0"), false},
      {R"({"ResourceTags": [{"Key": "env", "Value": "prod", "Comparison": "EQUALS"}]})", true},
      {R"({"ProductFields": [{"Key": "aws/securityhub/ProductName", "Value": "Security Hub",
                              "Comparison": "EQUALS"}]})",
       true},
      {StringFilter("NoteText", "EQUALS", "x"), false},  // no Note member
      {StringFilter("NoteText", "NOT_EQUALS", "x"), true},
      {StringFilter("ThreatIntelIndicatorValue", "PREFIX", "1"), false},  // none either
      {R"({"Keyword": [{"Value": "unrestricted"}]})", true},
      {StringFilter("Type", "PREFIX", "Effects/"), true},
      {R"({"ComplianceStatus": [{"Value": "FAILED", "Comparison": "EQUALS"}],
           "SeverityLabel": [{"Value": "CRITICAL", "Comparison": "EQUALS"}]})",
       false},
  };
  return filters;
}

std::vector<FindingFilter> ParsedSharedMemberFilters() {
  std::vector<FindingFilter> parsed;
  for (const auto& [text, expected] : SharedMemberFilters()) {
    auto filter = FindingFilter::ParseText(text);
    EXPECT_TRUE(filter.ok()) << text << "\n" << filter.status().ToString();
    parsed.push_back(filter.ok() ? std::move(filter).value() : FindingFilter());
  }
  return parsed;
}

TEST(FindingViewTest, OneViewAnswersEveryFilterAsAFreshReadWouldInAnyOrder) {
  const auto filters = ParsedSharedMemberFilters();
  const auto& expected = SharedMemberFilters();
  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(std::string(kFinding)).value();
  // Forwards and backwards: whichever filter looks a member up first, the others see it too.
  const FindingView forwards(root);
  for (size_t i = 0; i < filters.size(); ++i) {
    EXPECT_EQ(filters[i].Matches(forwards, kNow), expected[i].second) << expected[i].first;
    EXPECT_EQ(filters[i].Matches(root, kNow), expected[i].second) << expected[i].first;
  }
  const FindingView backwards(root);
  for (size_t i = filters.size(); i-- > 0;) {
    EXPECT_EQ(filters[i].Matches(backwards, kNow), expected[i].second) << expected[i].first;
  }
  // Asked again, a view answers the same (absent members stay absent).
  for (size_t i = 0; i < filters.size(); ++i) {
    EXPECT_EQ(filters[i].Matches(forwards, kNow), expected[i].second) << expected[i].first;
  }
}

TEST(FindingViewTest, ViewsOfDifferentFindingsDoNotShareWhatTheyFound) {
  const auto filters = ParsedSharedMemberFilters();
  simdjson::dom::parser parser_a;
  simdjson::dom::parser parser_b;
  const simdjson::dom::element a = parser_a.parse(std::string(kFinding)).value();
  const simdjson::dom::element b =
      parser_b.parse(FindingWith(R"("Status": "FAILED")", R"("Status": "PASSED")")).value();
  const FindingView view_a(a);
  const FindingView view_b(b);
  EXPECT_TRUE(filters[0].Matches(view_a, kNow));
  EXPECT_FALSE(filters[0].Matches(view_b, kNow));
  EXPECT_TRUE(filters[1].Matches(view_b, kNow));  // the rest of Compliance is as in kFinding
}

TEST(FindingViewTest, AFindingThatIsNotAnObjectHasNoMembers) {
  const auto filters = ParsedSharedMemberFilters();
  simdjson::dom::parser parser;
  const simdjson::dom::element list = parser.parse(std::string(R"([{"Compliance": {}}])")).value();
  const FindingView view(list);
  EXPECT_FALSE(filters[0].Matches(view, kNow));  // a positive comparison: nothing to match
  EXPECT_TRUE(filters[8].Matches(view, kNow));   // a negative one: nothing excluded
  EXPECT_TRUE(filters[12].Matches(view, kNow));
}

}  // namespace
}  // namespace corroborate::filter
