// End-to-end tests of `corroborate rules test`: the built-in rules pass their fixtures, and a wrong
// fixture, a broken test file or a missing path give the documented output and exit status.
#include <gtest/gtest.h>

#include <string>

#include "cli_harness.h"

namespace {

using corroborate::testing::CommandResult;
using corroborate::testing::kSourceDir;
using corroborate::testing::ReadFile;
namespace fs = std::filesystem;

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class RulesTestCliTest : public corroborate::testing::CliHarness {};

TEST_F(RulesTestCliTest, TheBuiltinRulesPassTheirFixtures) {
  const CommandResult r = Corroborate({"rules", "test", kSourceDir + "/rules/tests"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS ec2-backdoor-with-critical-cves: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS s3-sensitive-data-exfiltration: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS ec2-exposed-under-attack: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS iot-device-with-compromised-certificate: "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("PASS iot-device-with-overly-permissive-policy: "), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" passed, 0 failed, 0 errors in 5 files"), std::string::npos) << r.out;

  // rules/tests is the default, relative to where it runs.
  const CommandResult in_source = Corroborate({"rules", "test"}, "", kSourceDir);
  EXPECT_EQ(in_source.exit_code, 0) << in_source.err;
  EXPECT_EQ(in_source.out, r.out);
}

TEST_F(RulesTestCliTest, AWrongFixtureFailsWithTheExplanation) {
  const std::string fixture =
      ReadFile(kSourceDir + "/rules/tests/s3-sensitive-data-exfiltration.yaml");
  const fs::path wrong = Write("tests/wrong.yaml", Replace(fixture, R"(  - name: Macie alone
    resource: arn:aws:s3:::acme-payroll-exports
    expect: no-fire)",
                                                           R"(  - name: Macie alone
    resource: arn:aws:s3:::acme-payroll-exports
    expect: fire)"));
  const CommandResult r = Corroborate({"rules", "test", (dir_ / "tests").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS s3-sensitive-data-exfiltration: GuardDuty alone\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAIL s3-sensitive-data-exfiltration: Macie alone\n"
                       "  at " +
                       wrong.string() + ":"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  expected the rule to fire on arn:aws:s3:::acme-payroll-exports; it "
                       "does not\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("    | sensitive_data: holds with 1 matching finding (needs 1)\n"
                       "    |   Macie HIGH: The S3 object contains credentials data.\n"
                       "    | exfiltration: no matching finding in the last 30 days\n"
                       "    | does not fire: require does not hold\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(" passed, 1 failed, 0 errors in 1 file\n"), std::string::npos) << r.out;
}

TEST_F(RulesTestCliTest, TestFileErrorsNameFileAndLine) {
  const fs::path bad = Write("bad.yaml",
                             "rule: s3-sensitive-data-exfiltration\n"
                             "cases:\n"
                             "  - name: no expectation\n"
                             "    resource: arn:aws:s3:::acme-payroll-exports\n"
                             "    expect: maybe\n");
  CommandResult r = Corroborate({"rules", "test", bad.string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find(bad.string() + ":5: expect must be fire or no-fire, not 'maybe'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("0 passed, 0 failed, 1 error in 1 file"), std::string::npos) << r.out;

  const fs::path unknown = Write("unknown.yaml", "rule: no-such-rule\ncases: []\n");
  r = Corroborate({"rules", "test", unknown.string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(unknown.string() + ":1: no rule has the id 'no-such-rule'"),
            std::string::npos)
      << r.err;

  r = Corroborate({"rules", "test", (dir_ / "missing").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no such file or directory"), std::string::npos) << r.err;

  r = Corroborate({"rules", "test", "--no-such-option"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(RulesTestCliTest, TestsRulesGivenWithRules) {
  const fs::path rule = Write("rules/macie-only.yaml",
                              "id: macie-only\n"
                              "title: Macie on {resource}\n"
                              "resource_type: AwsS3Bucket\n"
                              "conditions:\n"
                              "  macie: {filter: {ProductName: Macie}}\n");
  const std::string fixture =
      ReadFile(kSourceDir + "/rules/tests/s3-sensitive-data-exfiltration.yaml");
  // The S3 fixtures, retargeted: Macie alone now fires, GuardDuty alone does not.
  std::string text = Replace(fixture, "rule: s3-sensitive-data-exfiltration", "rule: macie-only");
  text = text.substr(0, text.find("\ncases:\n")) + R"(
cases:
  - name: Macie alone
    resource: arn:aws:s3:::acme-payroll-exports
    expect: fire
    expect_resource_type: AwsS3Bucket
    without:
      - arn:aws:guardduty:eu-west-1:111122223333:detector/5ec2f1a8b3d94e7c0a6f2b1d8e4c9a37/finding/11f0d79ffc82a4046c47f7fc3ce14821
  - name: GuardDuty alone
    resource: arn:aws:s3:::acme-payroll-exports
    expect: no-fire
    without: [arn:aws:macie2:eu-west-1:111122223333:finding/86a3d5fe9c980402f3be6c7906b2d930]
)";
  const fs::path tests = Write("macie-only-tests.yaml", text);
  CommandResult r = Corroborate({"rules", "test", "--rules", rule.parent_path().string(),
                                 "--no-builtin-rules", tests.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 passed, 0 failed, 0 errors in 1 file"), std::string::npos) << r.out;

  // Without --rules the rule is unknown.
  r = Corroborate({"rules", "test", tests.string()});
  EXPECT_EQ(r.exit_code, 3);
}

TEST_F(RulesTestCliTest, ExplainsItself) {
  const CommandResult r = Corroborate({"rules", "test", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Testing rules"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Exit status"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--rules"), std::string::npos) << r.out;
}

}  // namespace
