// End-to-end tests of correlation as a user meets it: the incidents `ingest` prints, `explain`,
// `correlate` (backfill) and an analyst's `update` withdrawing an incident, on the bundled
// examples.
#include <gtest/gtest.h>

#include <string>

#include "cli_harness.h"

namespace {

using corroborate::testing::CommandResult;

// The examples happened on 2026-11-20; rules look back 30 days from --now.
const std::string kNow = "--now=2026-11-23T00:00:00Z";
const std::string kBastion = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0f9e8d7c6b5a40312";
const std::string kMacieFinding =
    "arn:aws:macie2:eu-west-1:111122223333:finding/86a3d5fe9c980402f3be6c7906b2d930";
const std::string kMacieProduct = "arn:aws:securityhub:eu-west-1::product/aws/macie";

class CorrelateCliTest : public corroborate::testing::CliHarness {
 protected:
  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), kNow);
    return Corroborate(args);
  }
  static bool Has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }
};

TEST_F(CorrelateCliTest, IngestPrintsEachIncidentWithItsEvidence) {
  const CommandResult r = Run({"ingest", Examples()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(
      Has(r.out, "correlated with 5 rule(s): 4 incident(s) created, 0 updated, 0 withdrawn"))
      << r.out;
  EXPECT_TRUE(Has(r.out,
                  "incident created: s3-sensitive-data-exfiltration on AwsS3Bucket "
                  "arn:aws:s3:::acme-payroll-exports\n"
                  "  Sensitive data in S3 bucket arn:aws:s3:::acme-payroll-exports is being read "
                  "unusually\n"
                  "  evidence (2):\n"
                  "    [sensitive_data] Macie HIGH: The S3 object contains credentials data.\n"
                  "      " +
                      kMacieFinding + "\n"))
      << r.out;
  EXPECT_TRUE(Has(r.out,
                  "incident created: ec2-backdoor-with-critical-cves on AwsEc2Instance "
                  "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718\n"))
      << r.out;
  EXPECT_TRUE(Has(r.out, "  evidence (5):\n    [backdoor] GuardDuty HIGH: ")) << r.out;
  EXPECT_TRUE(
      Has(r.out, "incident created: ec2-exposed-under-attack on AwsEc2Instance " + kBastion + "\n"))
      << r.out;
  // The native Device Defender findings: pump-017 is in alarm and its certificate is shared.
  EXPECT_TRUE(Has(r.out,
                  "incident created: iot-device-with-compromised-certificate on "
                  "AwsIotRegisteredThing arn:aws:iot:eu-west-1:111122223333:thing/pump-017\n"))
      << r.out;

  // Stored as CRITICAL findings of our own product, and a second ingest changes nothing.
  CommandResult q = Run({"findings", "--output", "ndjson", "--filters",
                         R"({"ProductName":[{"Value":"Corroborate","Comparison":"EQUALS"}]})"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(std::count(q.out.begin(), q.out.end(), '\n'), 4) << q.out;
  EXPECT_TRUE(Has(q.out, R"("Severity":{"Label":"CRITICAL")")) << q.out;
  EXPECT_TRUE(Has(q.out, R"("RelatedFindings":[)")) << q.out;
  const CommandResult again = Run({"ingest", Examples()});
  EXPECT_TRUE(Has(again.out, "0 incident(s) created, 0 updated, 0 withdrawn")) << again.out;
  EXPECT_FALSE(Has(again.out, "incident created")) << again.out;

  // Quiet prints neither the summary nor the incidents.
  EXPECT_EQ(Run({"ingest", "--quiet", Examples()}).out, "");
}

TEST_F(CorrelateCliTest, ExplainSaysWhatHoldsWithWhichFindingsAndWhatIsMissing) {
  ASSERT_EQ(Run({"ingest", Examples()}).exit_code, 0);
  // The instance by its bare id, as the findings' Titles name it.
  CommandResult r =
      Run({"explain", "--resource", "i-0f9e8d7c6b5a40312", "--rule", "ec2-exposed-under-attack"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "rule ec2-exposed-under-attack on AwsEc2Instance " + kBastion +
                             ": FIRES\n"
                             "  incident corroborate/ec2-exposed-under-attack/" +
                             kBastion + " (ACTIVE, workflow NEW)\n"))
      << r.out;
  EXPECT_TRUE(Has(r.out,
                  "  [x] open_ports: holds with 1 matching finding on a related "
                  "AwsEc2SecurityGroup (needs 1)\n"))
      << r.out;
  EXPECT_TRUE(Has(r.out, "  [ ] public_ip_per_standard: no matching finding in the last 30 days\n"))
      << r.out;
  EXPECT_TRUE(Has(r.out,
                  "      - guardduty LOW: 193.32.162.78 is performing SSH brute force "
                  "attacks against i-0f9e8d7c6b5a40312.\n"))
      << r.out;

  // Every rule that applies to a bucket, by name; the one that does not fire says what is missing.
  r = Run({"explain", "--resource", "acme-payroll-exports", "--no-builtin-rules", "--rules",
           Write("rules/macie-and-iam.yaml",
                 "id: macie-and-iam\n"
                 "title: Macie and Access Analyzer on {resource}\n"
                 "resource_type: AwsS3Bucket\n"
                 "conditions:\n"
                 "  macie: {filter: {ProductName: Macie}}\n"
                 "  analyzer: {filter: {ProductName: IAM Access Analyzer}}\n")
               .parent_path()
               .string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out,
                  "rule macie-and-iam on AwsS3Bucket arn:aws:s3:::acme-payroll-exports: "
                  "does not fire\n"))
      << r.out;
  EXPECT_TRUE(Has(r.out, "  [x] macie: holds with 1 matching finding (needs 1)\n")) << r.out;
  EXPECT_TRUE(Has(r.out, "  [ ] analyzer: no matching finding in the last 30 days\n")) << r.out;
  EXPECT_TRUE(Has(r.out, "  does not fire: require does not hold\n")) << r.out;

  r = Run({"explain", "--resource", "i-00000000000000000"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "no stored finding names the resource i-00000000000000000")) << r.err;
  r = Run({"explain", "--resource", kBastion, "--rule", "no-such-rule"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "no-such-rule")) << r.err;
  EXPECT_EQ(Run({"explain"}).exit_code, 2);
}

TEST_F(CorrelateCliTest, CorrelateBackfillsWhatIngestWithoutRulesLeftUncorrelated) {
  CommandResult r = Run({"ingest", "--no-builtin-rules", Examples()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(Has(r.out, "incident")) << r.out;
  r = Run({"correlate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, " with 5 rule(s): 4 incident(s) created, 0 updated, 0 withdrawn\n"))
      << r.out;
  EXPECT_TRUE(
      Has(r.out, "incident created: ec2-exposed-under-attack on AwsEc2Instance " + kBastion))
      << r.out;
  r = Run({"correlate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "0 incident(s) created, 0 updated, 0 withdrawn\n")) << r.out;

  // A refused rule is named, the others still run, and the exit status says so.
  r = Run({"correlate", "--rules", Write("bad.yaml", "id: bad\nconditions: {}\n").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.err, "rule refused: " + (dir_ / "bad.yaml").string() + ":")) << r.err;
  EXPECT_TRUE(Has(r.out, " with 5 rule(s)")) << r.out;
}

TEST_F(CorrelateCliTest, AnAnalystResolvingEvidenceWithdrawsTheIncident) {
  ASSERT_EQ(Run({"ingest", Examples()}).exit_code, 0);
  CommandResult r =
      Run({"update", "--id", kMacieFinding, "--product-arn", kMacieProduct, "--workflow-status",
           "RESOLVED", "--note", "false alarm: test keys", "--note-updated-by", "alice"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.err,
                  "incident archived: s3-sensitive-data-exfiltration on AwsS3Bucket "
                  "arn:aws:s3:::acme-payroll-exports\n"))
      << r.err;
  EXPECT_TRUE(Has(r.err, "  withdrawn: the rule no longer holds")) << r.err;
  r = Run({"findings", "--output", "ndjson", "--filters",
           R"({"ProductName":[{"Value":"Corroborate","Comparison":"EQUALS"}],)"
           R"("RecordState":[{"Value":"ARCHIVED","Comparison":"EQUALS"}]})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_TRUE(Has(r.out, "s3-sensitive-data-exfiltration")) << r.out;
}

TEST_F(CorrelateCliTest, CommandsExplainThemselves) {
  for (const char* cmd : {"correlate", "explain"}) {
    const CommandResult r = Corroborate({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_TRUE(Has(r.out, "Exit status")) << cmd << r.out;
    EXPECT_TRUE(Has(r.out, "--rules")) << cmd << r.out;
  }
}

}  // namespace
