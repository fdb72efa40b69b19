#include "asff/finding.h"

#include <gtest/gtest.h>

#include <string>

namespace corroborate::asff {
namespace {

constexpr std::string_view kValid = R"({
  "SchemaVersion": "2018-10-08",
  "Id": "arn:aws:guardduty:eu-west-1:111122223333:detector/d1/finding/f1",
  "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/guardduty",
  "GeneratorId": "arn:aws:guardduty:eu-west-1:111122223333:detector/d1",
  "AwsAccountId": "111122223333",
  "Types": ["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B"],
  "CreatedAt": "2026-11-01T10:00:00.000Z",
  "UpdatedAt": "2026-11-02T10:00:00Z",
  "Severity": {"Label": "HIGH"},
  "Title": "EC2 instance i-0123456789abcdef0 is querying a C&C domain",
  "Description": "The instance queried a domain associated with a known command and control server.",
  "Resources": [{"Type": "AwsEc2Instance", "Id": "i-0123456789abcdef0", "Partition": "aws",
                 "Region": "eu-west-1", "Tags": {"env": "prod"},
                 "Details": {"Other": {"k": "v"}}}],
  "ProductFields": {"aws/guardduty/service/action/actionType": "DNS_REQUEST"},
  "Vulnerabilities": [{"Id": "CVE-2024-1234"}],
  "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.9"},
  "Workflow": {"Status": "NOTIFIED"},
  "RecordState": "ACTIVE",
  "RelatedFindings": [{"ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/inspector", "Id": "x"}],
  "Note": {"Text": "looking", "UpdatedBy": "alice", "UpdatedAt": "2026-11-02T11:00:00Z"},
  "SomeFutureField": {"kept": true}
})";

Status Decode(std::string_view json, Finding& f) {
  return DecodeFindingText(json, f);
}

// Replaces the first occurrence of `from` in the valid finding.
std::string With(std::string_view from, std::string_view to) {
  std::string s(kValid);
  const auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  s.replace(pos, from.size(), to);
  return s;
}

TEST(FindingTest, DecodesTheCoreView) {
  Finding f;
  ASSERT_TRUE(Decode(kValid, f).ok()) << Decode(kValid, f).ToString();
  EXPECT_EQ(f.id, "arn:aws:guardduty:eu-west-1:111122223333:detector/d1/finding/f1");
  EXPECT_EQ(f.partition, "aws");
  EXPECT_EQ(f.region, "eu-west-1");
  EXPECT_EQ(f.aws_account_id, "111122223333");
  EXPECT_EQ(f.severity_label, SeverityLabel::kHigh);
  EXPECT_EQ(f.severity_normalized, 70);
  EXPECT_EQ(f.created_at, *ParseTimestamp("2026-11-01T10:00:00Z"));
  ASSERT_EQ(f.resources.size(), 1u);
  EXPECT_EQ(f.resources[0].canonical_key,
            "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0");
  EXPECT_EQ(f.workflow_status, WorkflowStatus::kNotified);
  EXPECT_TRUE(f.has_workflow);
  EXPECT_EQ(f.compliance_status, "FAILED");
  EXPECT_EQ(f.compliance_ids, std::vector<std::string>{"EC2.9"});
  EXPECT_EQ(f.vulnerability_ids, std::vector<std::string>{"CVE-2024-1234"});
  ASSERT_EQ(f.related_findings.size(), 1u);
  ASSERT_TRUE(f.note.has_value());
  EXPECT_EQ(f.note->updated_by, "alice");
}

TEST(FindingTest, RelatedFindingsInBothPlacesAreListedOnceFromTheTopLevel) {
  Finding f;
  const std::string both = With(R"("RecordState": "ACTIVE",)",
                                R"("RecordState": "ACTIVE", "FindingProviderFields": {
      "Severity": {"Label": "HIGH"}, "RelatedFindings": [
        {"ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/inspector", "Id": "x"}]},)");
  ASSERT_TRUE(Decode(both, f).ok());
  ASSERT_EQ(f.related_findings.size(), 1u);
  EXPECT_EQ(f.related_findings[0].id, "x");
}

TEST(FindingTest, SeverityIsDerivedBetweenScalesAndFromProviderFields) {
  Finding f;
  ASSERT_TRUE(Decode(With(R"({"Label": "HIGH"})", R"({"Normalized": 95})"), f).ok());
  EXPECT_EQ(f.severity_label, SeverityLabel::kCritical);
  f = {};
  ASSERT_TRUE(
      Decode(With(R"("Severity": {"Label": "HIGH"})",
                  R"("FindingProviderFields": {"Severity": {"Label": "LOW", "Original": "2"},
                              "Types": ["Software and Configuration Checks"]})"),
             f)
          .ok());
  EXPECT_EQ(f.severity_label, SeverityLabel::kLow);
  EXPECT_EQ(f.severity_normalized, 1);
  for (int n : {0, 1, 39, 40, 69, 70, 89, 90, 100}) {
    EXPECT_EQ(NormalizedForLabel(LabelForNormalized(n)) <= n, true) << n;
  }
}

struct BadCase {
  std::string json;
  std::string expected_message_part;
  // Keeps test names readable (the JSON itself is long).
  friend void PrintTo(const BadCase& c, std::ostream* os) { *os << c.expected_message_part; }
};

class FindingRejectTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(FindingRejectTest, NamesTheFieldLikeSecurityHub) {
  Finding f;
  const Status s = Decode(GetParam().json, f);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kInvalidInput);
  EXPECT_NE(s.message().find(GetParam().expected_message_part), std::string::npos)
      << "message was: " << s.message();
}

std::string Huge() {
  return std::string(250 * 1024, 'a');
}

INSTANTIATE_TEST_SUITE_P(
    Limits, FindingRejectTest,
    ::testing::Values(
        BadCase{"[1,2]", "data should be object"},
        BadCase{
            With(R"("Title": "EC2 instance i-0123456789abcdef0 is querying a C&C domain",)", ""),
            "data should have required property 'Title'"},
        BadCase{With(R"("Resources": [)", R"("NotResources": [)"), "required property 'Resources'"},
        BadCase{With("2018-10-08", "2018-10-09"), "data.SchemaVersion should be equal to one of"},
        BadCase{With(R"("AwsAccountId": "111122223333")", R"("AwsAccountId": "1111")"),
                "data.AwsAccountId should NOT be shorter than 12 characters"},
        BadCase{With(R"("AwsAccountId": "111122223333")", R"("AwsAccountId": "11112222333x")"),
                "data.AwsAccountId should be 12 digits"},
        BadCase{With(R"("AwsAccountId": "111122223333")", R"("AwsAccountId": 111122223333)"),
                "data.AwsAccountId should be string"},
        BadCase{With("arn:aws:securityhub:eu-west-1::product/aws/guardduty",
                     "arn:aws:securityhub:::product/x"),
                "data.ProductArn should match pattern"},
        // A repeated member would be read two ways (hostile input, docs/reliability.md).
        BadCase{With(R"("AwsAccountId": "111122223333")",
                     R"("AwsAccountId": "111122223333", "AwsAccountId": "444455556666")"),
                "data should NOT have the member 'AwsAccountId' twice"},
        BadCase{With(R"("Type": "AwsEc2Instance")",
                     R"("Type": "AwsEc2Instance", "Type": "AwsS3Bucket")"),
                "data.Resources[0] should NOT have the member 'Type' twice"},
        // Its region becomes the finding's Region (found by fuzz/fuzz_asff).
        BadCase{With("arn:aws:securityhub:eu-west-1::product/aws/guardduty",
                     "arn:aws:securityhub:eu-west-1-and-much-more::product/aws/guardduty"),
                "data.ProductArn should match pattern"},
        BadCase{With("arn:aws:securityhub:eu-west-1::product/aws/guardduty",
                     "arn:aws:securityhub:EU_WEST::product/aws/guardduty"),
                "data.ProductArn should match pattern"},
        BadCase{With("EC2 instance i-0123456789abcdef0 is querying a C&C domain",
                     std::string(257, 't')),
                "data.Title should NOT be longer than 256 characters"},
        BadCase{With(R"("Description": "The)", R"("Description": ")" + std::string(1030, 'd')),
                "data.Description should NOT be longer than 1024 characters"},
        BadCase{With("2026-11-02T10:00:00Z", "yesterday"),
                "data.UpdatedAt should match format \"date-time\""},
        BadCase{With(R"(["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B"])", R"([""])"),
                "data.Types[0] should NOT be shorter than 1 characters"},
        BadCase{With("TTPs/Command and Control/Backdoor:EC2-C&CActivity.B", "a/b/c/d"),
                "data.Types[0] should match pattern"},
        BadCase{With(R"({"Label": "HIGH"})", R"({"Label": "SEVERE"})"),
                "data.Severity.Label should be equal to one of the allowed values"},
        BadCase{With(R"({"Label": "HIGH"})", R"({"Normalized": 101})"),
                "data.Severity.Normalized should be <= 100"},
        BadCase{With(R"("Severity": {"Label": "HIGH"},)", ""),
                "required property 'Severity' or 'FindingProviderFields.Severity'"},
        BadCase{With(R"("Resources": [{)", R"("Resources": [], "X": [{)"),
                "data.Resources should NOT have fewer than 1 items"},
        BadCase{With(R"("Id": "i-0123456789abcdef0")", R"("Id": "")"),
                "data.Resources[0].Id should NOT be shorter than 1 characters"},
        BadCase{With(R"("Type": "AwsEc2Instance",)", ""),
                "data.Resources[0] should have required property 'Type'"},
        BadCase{With(R"("Partition": "aws")", R"("Partition": "aws-mars")"),
                "data.Resources[0].Partition should be equal to one of the allowed values"},
        BadCase{With(R"({"k": "v"})", R"({"k": ")" + std::string(1025, 'v') + R"("})"),
                "data.Resources[0].Details.Other['k'] should NOT be longer than 1024 characters"},
        BadCase{With(R"({"Status": "FAILED")", R"({"Status": "BROKEN")"),
                "data.Compliance.Status should be equal to one of the allowed values"},
        BadCase{With(R"("RecordState": "ACTIVE")", R"("RecordState": "DELETED")"),
                "data.RecordState should be equal to one of the allowed values"},
        BadCase{With(R"({"Status": "NOTIFIED"})", R"({"Status": "DONE"})"),
                "data.Workflow.Status should be equal to one of the allowed values"},
        BadCase{With(R"("UpdatedBy": "alice",)", ""),
                "data.Note should have required property 'UpdatedBy'"},
        BadCase{
            With(R"({"aws/guardduty/service/action/actionType": "DNS_REQUEST"})", R"({"k": 5})"),
            "data.ProductFields['k'] should be string"},
        BadCase{With(R"([{"Id": "CVE-2024-1234"}])", R"([{"Cve": "CVE-2024-1234"}])"),
                "data.Vulnerabilities[0] should have required property 'Id'"},
        BadCase{With(R"(, "Id": "x"}])", R"(}])"),
                "data.RelatedFindings[0] should have required property 'Id'"},
        // Item paths are joined only on failure: each part must still be in the message.
        BadCase{With(R"(, "Id": "x"}])", R"(, "Id": 12}])"),
                "data.RelatedFindings[0].Id should be string"},
        BadCase{With(R"([{"Id": "CVE-2024-1234"}])", R"([{"Id": "CVE-2024-1234"}, {"Id": 7}])"),
                "data.Vulnerabilities[1].Id should be string"},
        BadCase{With(R"(["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B"])",
                     R"(["a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a/b/c/d"])"),
                "data.Types[10] should match pattern"},
        BadCase{With(R"({"Label": "HIGH"})", R"({"Label": "HIGH", "Original": 3})"),
                "data.Severity.Original should be string"},
        BadCase{With(R"("looking")", "\"" + Huge() + "\""), "Finding size exceeded 240 KB"}));

// Members past the first few dozen are looked up, and checked for repeats, like the others.
TEST(FindingTest, WideFindingsAreReadWhole) {
  std::string wide(kValid.substr(0, kValid.rfind('}')));
  for (int i = 0; i < 60; ++i) wide += ",\"Extra" + std::to_string(i) + "\": " + std::to_string(i);
  Finding f;
  // A required member after sixty others, and a repeat among the late ones.
  const std::string late = wide + R"(, "Criticality": 101})";
  const std::string without_title =
      late.substr(0, late.find(R"("Title")")) + late.substr(late.find(R"("Description")"));
  const std::string prefix(kSchemaErrorPrefix);
  EXPECT_EQ(Decode(late, f).message(), prefix + "data.Criticality should be <= 100");
  EXPECT_EQ(Decode(without_title, f).message(),
            prefix + "data should have required property 'Title'");
  EXPECT_EQ(Decode(wide + R"(, "Extra7": 7})", f).message(),
            prefix + "data should NOT have the member 'Extra7' twice");
  ASSERT_TRUE(Decode(wide + R"(, "Confidence": 30})", f).ok());
  EXPECT_EQ(f.title, "EC2 instance i-0123456789abcdef0 is querying a C&C domain");
}

// Members are told apart by their whole names: ones of the same length that differ only in the
// last character are different members for lookups and for the repeat check.
TEST(FindingTest, NamesDifferingOnlyAtTheEndAreToldApart) {
  const std::string base(kValid.substr(0, kValid.rfind('}')));
  Finding f;
  EXPECT_TRUE(Decode(base + R"(, "Criticalitx": 500, "Criticality": 30})", f).ok());
  EXPECT_EQ(Decode(base + R"(, "Criticalitx": 30, "Criticality": 500})", f).message(),
            std::string(kSchemaErrorPrefix) + "data.Criticality should be <= 100");
  ASSERT_TRUE(Decode(base + R"(, "Extra_A1": 1, "Extra_A2": 2})", f).ok());
  EXPECT_EQ(Decode(base + R"(, "Extra_A1": 1, "Extra_A2": 2, "Extra_A1": 3})", f).message(),
            std::string(kSchemaErrorPrefix) + "data should NOT have the member 'Extra_A1' twice");
}

TEST(FindingTest, ReportsIdentityEvenWhenInvalid) {
  Finding f;
  ASSERT_FALSE(Decode(With(R"("Title": "EC2)", R"("Title": 7, "X": "EC2)"), f).ok());
  EXPECT_EQ(f.id, "arn:aws:guardduty:eu-west-1:111122223333:detector/d1/finding/f1");
  EXPECT_EQ(f.product_arn, "arn:aws:securityhub:eu-west-1::product/aws/guardduty");
}

TEST(FindingTest, ParsesProductArns) {
  auto p = ParseProductArn(
      "arn:aws-us-gov:securityhub:us-gov-west-1:111122223333:product/111122223333/default");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->partition, "aws-us-gov");
  EXPECT_EQ(p->company, "111122223333");
  EXPECT_EQ(p->product, "default");
  EXPECT_FALSE(ParseProductArn("arn:aws:securityhub:us-east-1::product/aws").has_value());
  EXPECT_FALSE(ParseProductArn("arn:aws:guardduty:us-east-1::product/aws/x").has_value());
}

}  // namespace
}  // namespace corroborate::asff
