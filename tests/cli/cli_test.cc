// End-to-end tests of the `corroborate` binary: what a user or a script sees (output, messages,
// exit codes), with a real embedded store in a temporary directory.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>

#include "cli_harness.h"

namespace {

using corroborate::testing::CommandResult;
using CliTest = corroborate::testing::CliHarness;

std::string Finding(const std::string& id, const std::string& updated = "2026-11-20T10:00:00Z",
                    const std::string& title = "Port probe") {
  return R"({"SchemaVersion":"2018-10-08","Id":")" + id +
         R"(","ProductArn":"arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",)"
         R"("GeneratorId":"scanner","AwsAccountId":"111122223333","Types":["TTPs/Discovery"],)"
         R"("CreatedAt":"2026-11-20T10:00:00Z","UpdatedAt":")" +
         updated + R"(","Severity":{"Label":"MEDIUM"},"Title":")" + title +
         R"(","Description":"d","Resources":[{"Type":"AwsEc2Instance","Id":"i-0123456789abcdef0"}]})";
}

TEST_F(CliTest, IngestsTheExamplesAndIsIdempotent) {
  CommandResult r = Corroborate({"ingest", Examples()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" 0 rejected"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(" 0 created"), std::string::npos) << r.out;
  r = Corroborate({"ingest", Examples()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" 0 created, 0 updated"), std::string::npos) << r.out;
}

TEST_F(CliTest, ANewStoreIsItsOwnersOnly) {
  ASSERT_EQ(Corroborate({"ingest", Examples()}).exit_code, 0);
  namespace fs = std::filesystem;
  const auto perms = fs::status(dir_ / "data").permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  EXPECT_EQ(perms & fs::perms::owner_all, fs::perms::owner_all);
}

TEST_F(CliTest, BadFindingsAreNamedAndTheGoodOnesStored) {
  const auto file =
      Write("mixed.ndjson", Finding("good-1") + "\n" + R"({"SchemaVersion": oops})" + "\n" +
                                Finding("no-title", "2026-11-20T10:00:00Z", "") + "\n" +
                                Finding("good-2") + "\n");
  CommandResult r = Corroborate({"ingest", file.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(file.string() + ":2: InvalidInput: "), std::string::npos) << r.err;
  EXPECT_NE(
      r.err.find(file.string() + ":3: finding no-title: InvalidInput: Finding does not adhere to "
                                 "Amazon Finding Format. data.Title should NOT be shorter than 1 "
                                 "characters"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("4 findings read, 2 created"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 rejected"), std::string::npos) << r.out;
  r = Corroborate({"findings", "--output", "ndjson"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\"Id\":\"good-1\""), std::string::npos);
  EXPECT_NE(r.out.find("\"Id\":\"good-2\""), std::string::npos);
  EXPECT_EQ(r.out.find("no-title"), std::string::npos);
}

TEST_F(CliTest, TruncatedInputIsReportedWithWhereItStarted) {
  const auto file = Write("cut.json", "[\n" + Finding("a") + ",\n" + Finding("b").substr(0, 80));
  CommandResult r = Corroborate({"ingest", file.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("1 created"), std::string::npos) << r.out;
}

TEST_F(CliTest, ReadsStdinAndEnvelopes) {
  const std::string event =
      R"({"version":"0","id":"e1","detail-type":"Security Hub Findings - Imported",)"
      R"("source":"aws.securityhub","account":"111122223333","region":"eu-west-1",)"
      R"("detail":{"findings":[)" +
      Finding("from-event") + "]}}";
  CommandResult r = Corroborate({"ingest", "-"}, event);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 created"), std::string::npos) << r.out;
}

TEST_F(CliTest, MissingFilesAndUsageErrorsHaveDistinctExitCodes) {
  CommandResult r = Corroborate({"ingest", (dir_ / "nope.json").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("nope.json"), std::string::npos) << r.err;
  r = Corroborate({"ingest"});
  EXPECT_EQ(r.exit_code, 2);
  r = Corroborate({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  r = Corroborate(
      {"findings", "--filters", R"({"SeverityLable":[{"Value":"HIGH","Comparison":"EQUALS"}]})"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("SeverityLable"), std::string::npos) << r.err;
  r = Corroborate({"findings", "--filters", "{not json"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(CliTest, QueriesAsJsonWithFiltersSortAndPaging) {
  std::string lines;
  for (int i = 0; i < 150; ++i) {
    lines +=
        Finding("f-" + std::to_string(i),
                "2026-11-20T10:" + std::string(i / 60 < 10 ? "0" : "") + std::to_string(i / 60) +
                    ":" + (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + "Z") +
        "\n";
  }
  ASSERT_EQ(Corroborate({"ingest", Write("many.ndjson", lines).string()}).exit_code, 0);
  CommandResult r = Corroborate({"findings", "--output", "json", "--max", "120"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(r.out).get(root), simdjson::SUCCESS) << r.out.substr(0, 200);
  EXPECT_EQ(root["Findings"].get_array().value().size(), 120u);
  std::string_view first_id;
  ASSERT_EQ(root.at_pointer("/Findings/0/Id").get_string().get(first_id), simdjson::SUCCESS);
  EXPECT_EQ(first_id, "f-149");  // newest first
  std::string_view token;
  ASSERT_EQ(root["NextToken"].get_string().get(token), simdjson::SUCCESS);
  r = Corroborate(
      {"findings", "--output", "ndjson", "--max", "0", "--starting-token", std::string(token)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 30);

  r = Corroborate({"findings", "--output", "ndjson", "--max", "0", "--sort", "Id:asc", "--filters",
                   R"({"Id":[{"Value":"f-14","Comparison":"PREFIX"}]})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 11);  // f-14, f-140..f-149
  EXPECT_EQ(r.out.find("\"Id\":\"f-14\""), r.out.find("\"Id\":\"f-1"));
}

TEST_F(CliTest, UpdateChangesWorkflowAndReportsUnknownFindings) {
  ASSERT_EQ(Corroborate({"ingest", Write("one.json", Finding("f-1")).string()}).exit_code, 0);
  const std::string arn = "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default";
  CommandResult r =
      Corroborate({"update", "--id", "f-1", "--product-arn", arn, "--workflow-status", "SUPPRESSED",
                   "--note", "accepted risk", "--note-updated-by", "alice"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("ProcessedFindings":[{"Id":"f-1")"), std::string::npos) << r.out;
  r = Corroborate({"findings", "--output", "ndjson", "--filters",
                   R"({"WorkflowStatus":[{"Value":"SUPPRESSED","Comparison":"EQUALS"}]})"});
  EXPECT_NE(r.out.find(R"("Note":{"Text":"accepted risk","UpdatedBy":"alice")"), std::string::npos)
      << r.out;
  // A newer import from the provider keeps the analyst's workflow.
  ASSERT_EQ(
      Corroborate({"ingest", Write("newer.json", Finding("f-1", "2026-11-21T00:00:00Z")).string()})
          .exit_code,
      0);
  r = Corroborate({"findings", "--output", "ndjson"});
  EXPECT_NE(r.out.find(R"("Workflow":{"Status":"SUPPRESSED"})"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("UpdatedAt":"2026-11-21T00:00:00Z")"), std::string::npos) << r.out;

  r = Corroborate(
      {"update", "--id", "missing", "--product-arn", arn, "--workflow-status", "RESOLVED"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("FindingNotFound"), std::string::npos) << r.out;
  r = Corroborate({"update", "--id", "f-1", "--product-arn", arn, "--workflow-status", "DONE"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Workflow.Status"), std::string::npos) << r.err;
}

TEST_F(CliTest, StatsAsJson) {
  ASSERT_EQ(Corroborate(
                {"ingest", Write("two.ndjson", Finding("a") + "\n" + Finding("b") + "\n").string()})
                .exit_code,
            0);
  CommandResult r = Corroborate({"stats", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(r.out).get(root), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(root["Findings"].get_int64().value(), 2);
  EXPECT_EQ(root.at_pointer("/ProductName/Default").get_int64().value(), 2);
  EXPECT_EQ(root.at_pointer("/SeverityLabel/MEDIUM").get_int64().value(), 2);
}

TEST_F(CliTest, RetentionAsOfADate) {
  ASSERT_EQ(Corroborate({"ingest", Write("one.json", Finding("a")).string()}).exit_code, 0);
  CommandResult r = Corroborate({"retention", "--as-of", "2026-12-01T00:00:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("deleted 0 active"), std::string::npos) << r.out;
  r = Corroborate({"retention", "--as-of", "2099-01-01T00:00:00Z"});
  EXPECT_NE(r.out.find("deleted 1 active"), std::string::npos) << r.out;
  r = Corroborate({"retention", "--as-of", "tomorrow"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(CliTest, RulesLintNamesFileAndLine) {
  CommandResult r = Corroborate({"rules", "lint", std::string(CORROBORATE_SOURCE_DIR) + "/rules"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("5 rules valid, 0 refused"), std::string::npos) << r.out;
  const auto bad =
      Write("bad.yaml", "id: x\ntitle: t\nconditions:\n  a:\n    filter: {Titel: y}\n");
  r = Corroborate({"rules", "lint", bad.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(bad.string() + ":5: 'Titel' is not a Security Hub filter field"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, EveryCommandExplainsItself) {
  for (const char* cmd : {"ingest", "findings", "update", "stats", "retention"}) {
    CommandResult r = Corroborate({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_GT(r.out.size(), 200u) << cmd;
  }
  CommandResult r = Corroborate({"--help"});
  EXPECT_NE(r.out.find("Exit status"), std::string::npos);
}

}  // namespace
