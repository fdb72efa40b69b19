// `corroborate iot import-audit` and `import-detect` as a user or a script meets them: the
// reference Device Defender messages, what is stored, the incidents, and the exit statuses.
#include <gtest/gtest.h>

#include <string>

#include "cli_harness.h"

namespace {

using corroborate::testing::CommandResult;

const std::string kNow = "--now=2026-11-23T00:00:00Z";

class IotCliTest : public corroborate::testing::CliHarness {
 protected:
  CommandResult Run(std::vector<std::string> args, const std::string& stdin_data = "") {
    args.insert(args.begin(), kNow);
    return Corroborate(args, stdin_data);
  }
  static std::string Data(const std::string& name) {
    return corroborate::testing::kSourceDir + "/tests/iot/data/" + name;
  }
  static bool Has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }
  std::string Findings(const std::string& filters) {
    return Run({"findings", "--output", "ndjson", "--max", "0", "--filters", filters}).out;
  }
  static std::size_t Lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  }
};

TEST_F(IotCliTest, ImportsTheReferenceAuditAndDetectMessagesAndCorrelatesThem) {
  CommandResult r = Run({"iot", "import-audit", Data("02-audit-complete.lambda-sns-event.json"),
                         Data("03-list-audit-findings.page.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out,
                  "audit task 9f2c1b7e4d8a4c0f8e61a3b5d7c9e012 (DailyFleetAudit, account "
                  "111122223333, eu-west-1) COMPLETED"))
      << r.out;
  EXPECT_TRUE(Has(r.out, "2 message(s), 4 audit finding(s), 0 violation(s): 4 created")) << r.out;
  EXPECT_TRUE(Has(r.out, " 0 rejected")) << r.out;

  // The violations carry no region: --region and --account say where they belong.
  r = Run({"iot", "import-detect", "--region", "eu-west-1", "--account", "111122223333",
           Data("04-violation-in-alarm-rules.sns-message.json"),
           Data("05-violation-in-alarm-ml.sns-message.json"),
           Data("06-violation-in-alarm-cidr.sns-message.json"),
           Data("09-verification-false-positive.cloudtrail-eventbridge.json"),
           Data("10-violation-in-alarm-statistical.sns-message.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out,
                  "FALSE_POSITIVE on violation 2b9e7d5c3a1f4e8d9c0b1a2f3e4d5c6b applied "
                  "(Workflow SUPPRESSED)"))
      << r.out;
  // pump-017 (MessagesSent-High) and pump-044 (DestinationIps) use the shared certificate; the
  // ML alarm on pump-017 is a false positive and does not count.
  EXPECT_TRUE(Has(r.out, "2 incident(s) created")) << r.out;
  EXPECT_TRUE(Has(r.out,
                  "incident created: iot-device-with-compromised-certificate on "
                  "AwsIotRegisteredThing arn:aws:iot:eu-west-1:111122223333:thing/pump-017"))
      << r.out;
  EXPECT_TRUE(Has(r.out,
                  "[shared_certificate] IoT Device Defender - Audit CRITICAL: Device "
                  "certificate shared: certificate 3f8a9c1d...012345"))
      << r.out;

  EXPECT_EQ(Lines(Findings(R"({"ProductName":[{"Value":"IoT Device Defender - Audit",
                                               "Comparison":"EQUALS"}]})")),
            4U);
  EXPECT_EQ(Lines(Findings(R"({"WorkflowStatus":[{"Value":"SUPPRESSED","Comparison":"EQUALS"}],
                              "VerificationState":[{"Value":"FALSE_POSITIVE",
                                                    "Comparison":"EQUALS"}]})")),
            1U);

  // The cidr alarm invalidated withdraws pump-044's incident; pump-017's stays.
  r = Run({"iot", "import-detect", "--region", "eu-west-1", "--account", "111122223333",
           Data("08-violation-alarm-invalidated.sns-message.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "0 incident(s) created, 0 updated, 1 withdrawn")) << r.out;
  EXPECT_TRUE(Has(r.out,
                  "incident archived: iot-device-with-compromised-certificate on "
                  "AwsIotRegisteredThing arn:aws:iot:eu-west-1:111122223333:thing/pump-044"))
      << r.out;
}

TEST_F(IotCliTest, ReadsStdinAndTheAwsCliOutputOfAWholeAudit) {
  // `aws iot list-audit-findings` joins every page into one {"findings": [...]} document.
  std::string page = corroborate::testing::ReadFile(Data("03-list-audit-findings.page.json"));
  page.insert(page.rfind('}'), R"(, "nextToken": null)");
  const CommandResult r =
      Run({"iot", "import-audit", "--region", "eu-west-1", "--account", "111122223333", "-"}, page);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out, "4 audit finding(s), 0 violation(s): 4 created")) << r.out;
}

TEST_F(IotCliTest, RejectedMessagesAreNamedAndTheExitStatusSaysSo) {
  const auto wrong =
      Write("mixed.json",
            corroborate::testing::ReadFile(Data("04-violation-in-alarm-rules.sns-message.json")) +
                "\n{\"taskId\": \"t\", \"taskStatus\": \"DONE\"}\n");
  CommandResult r = Run({"iot", "import-audit", "--region", "eu-west-1", "--account",
                         "111122223333", wrong.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(Has(r.err, wrong.string() +
                             ":1: UnsupportedMessage: a violation message, which this import does "
                             "not take (it takes audit-complete notices and ListAuditFindings "
                             "pages)"))
      << r.err;
  EXPECT_TRUE(Has(r.err, wrong.string() +
                             ":25: audit task t: InvalidInput: taskStatus 'DONE' is not one of "
                             "IN_PROGRESS, COMPLETED, FAILED, CANCELED"))
      << r.err;
  EXPECT_TRUE(Has(r.out, " 2 rejected")) << r.out;

  // No region anywhere: said, per message.
  r = Run({"iot", "import-detect", Data("04-violation-in-alarm-rules.sns-message.json")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err,
                  "violation 8c1f3a2e9b7d4e6fa0b1c2d3e4f50617: InvalidInput: the "
                  "violation's account is unknown"))
      << r.err;
}

TEST_F(IotCliTest, UsageAndFileErrorsHaveTheirExitStatuses) {
  EXPECT_EQ(Run({"iot"}).exit_code, 2);
  EXPECT_EQ(Run({"iot", "import-audit"}).exit_code, 2);
  CommandResult r = Run({"iot", "import-detect", "--account", "1234",
                         Data("04-violation-in-alarm-"
                              "rules.sns-message.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err, "--account: '1234' is not a 12-digit AWS account id")) << r.err;
  r = Run({"iot", "import-detect", "--severity-config", R"({"MessagesSent-High": "urgent"})",
           Data("04-violation-in-alarm-rules.sns-message.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Has(r.err,
                  "--severity-config: severity configuration 'MessagesSent-High': "
                  "expected one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL"))
      << r.err;
  r = Run({"iot", "import-audit", "--inventory", "@" + (dir_ / "none.json").string(),
           Data("03-list-audit-findings.page.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Run({"iot", "import-audit", (dir_ / "missing.json").string()}).exit_code, 3);

  for (const char* command : {"import-audit", "import-detect"}) {
    r = Run({"iot", command, "--help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(Has(r.out, "Exit status: 0 all imported")) << r.out;
  }
  r = Run({"iot", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(Has(r.out, "import-audit")) << r.out;
}

TEST_F(IotCliTest, SeverityConfigAndInventoryShapeTheFindingsAndThePolicyIncident) {
  const auto inventory = Write("inventory.json", R"({
    "thingPrincipals": [{"thingName": "pump-090", "principals": [
      "arn:aws:iot:eu-west-1:111122223333:cert/c090"]}],
    "principalPolicies": [{"principal": "arn:aws:iot:eu-west-1:111122223333:cert/c090",
                           "policies": [{"policyName": "PumpFleetPolicy"}]}]})");
  CommandResult r =
      Run({"iot", "import-detect", "--region", "eu-west-1", "--account", "111122223333",
           "--severity-config", R"({"BytesOut-Critical": "LOW"})", "--inventory",
           "@" + inventory.string(), Data("10-violation-in-alarm-statistical.sns-message.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Lines(Findings(R"({"SeverityLabel":[{"Value":"LOW","Comparison":"EQUALS"}]})")), 1U);
  EXPECT_TRUE(Has(r.out, "0 incident(s) created")) << r.out;
  // The audit of the policy attached to pump-090's certificate completes the picture.
  r = Run({"iot", "import-audit", "--inventory", "@" + inventory.string(),
           Data("02-audit-complete.lambda-sns-event.json"),
           Data("03-list-audit-findings.page.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Has(r.out,
                  "incident created: iot-device-with-overly-permissive-policy on "
                  "AwsIotRegisteredThing arn:aws:iot:eu-west-1:111122223333:thing/pump-090"))
      << r.out;
}

}  // namespace
