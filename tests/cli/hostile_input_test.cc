// Hostile input through the real binary (docs/reliability.md): each case gets its exact answer, the
// valid findings beside it are still stored, and nothing takes unbounded memory or time.
#include <sys/resource.h>

#include <gtest/gtest.h>

#include <string>

#include "cli_harness.h"

namespace {

using corroborate::testing::CommandResult;
using HostileInputTest = corroborate::testing::CliHarness;

// A valid finding; `title_json` is the raw JSON after "Title": (a value, or more).
std::string Finding(const std::string& id, const std::string& title_json = R"("t")",
                    const std::string& resources = "") {
  return R"({"SchemaVersion":"2018-10-08","Id":")" + id +
         R"(","ProductArn":"arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",)"
         R"("GeneratorId":"g","AwsAccountId":"111122223333","Types":["TTPs/Discovery"],)"
         R"("CreatedAt":"2026-11-20T10:00:00Z","UpdatedAt":"2026-11-20T10:00:00Z",)"
         R"("Severity":{"Label":"LOW"},"Title":)" +
         title_json + R"(,"Description":"d","Resources":)" +
         (resources.empty() ? R"([{"Type":"AwsEc2Instance","Id":"i-0123456789abcdef0"}])"
                            : resources) +
         "}";
}

struct Case {
  const char* name;
  std::string line;      // one NDJSON line
  std::string expected;  // the error printed for it, after "<file>:2: "
};

TEST_F(HostileInputTest, EachBadLineGetsItsExactAnswerAndTheGoodOnesAreStored) {
  std::string resources = "[";
  for (int i = 0; i < 10000; ++i) {
    resources += std::string(i ? "," : "") + R"({"Type":"AwsEc2Instance","Id":"i-)" +
                 std::to_string(100000000000 + i) + R"("})";
  }
  resources += "]";
  const std::string huge(10 << 20, 'x');
  const std::vector<Case> cases = {
      {"deep nesting", Finding("deep", std::string(100000, '[') + std::string(100000, ']')),
       "InvalidInput: malformed JSON: The JSON document was too deep (too many nested objects and "
       "arrays)"},
      {"a 10 MB string", Finding("huge", "\"" + huge + "\""),
       "finding huge: InvalidInput: Finding does not adhere to Amazon Finding Format. data.Title "
       "should NOT be longer than 256 characters"},
      {"invalid UTF-8", Finding("utf8", "\"bad \xff\xfe\""),
       "InvalidInput: malformed JSON: The input is not valid UTF-8"},
      {"a repeated member", Finding("dup", R"("t","AwsAccountId":"444455556666")"),
       "finding dup: InvalidInput: Finding does not adhere to Amazon Finding Format. data should "
       "NOT have the member 'AwsAccountId' twice"},
      {"a number out of range", Finding("num", "1e400"),
       "InvalidInput: malformed JSON: Problem while parsing a number"},
      {"10,000 resources", Finding("many", R"("t")", resources),
       "finding many: InvalidInput: Finding does not adhere to Amazon Finding Format. "
       "data.Resources should NOT have more than 32 items"},
  };
  for (const Case& c : cases) {
    const auto file =
        Write("hostile.ndjson", Finding("before") + "\n" + c.line + "\n" + Finding("after") + "\n");
    const CommandResult r = Corroborate({"ingest", file.string()});
    EXPECT_EQ(r.exit_code, 1) << c.name << "\n" << r.err.substr(0, 500);
    EXPECT_NE(r.err.find(file.string() + ":2: " + c.expected + "\n"), std::string::npos)
        << c.name << "\n"
        << r.err.substr(0, 500);
    EXPECT_NE(r.out.find("3 findings read"), std::string::npos) << c.name << r.out;
    EXPECT_NE(r.out.find("1 rejected"), std::string::npos) << c.name << r.out;
    // The message stays short, whatever the input's size.
    EXPECT_LT(r.err.size(), 2000U) << c.name;
  }
  const CommandResult stored = Corroborate({"findings", "--output", "ndjson"});
  EXPECT_NE(stored.out.find(R"("Id":"before")"), std::string::npos);
  EXPECT_NE(stored.out.find(R"("Id":"after")"), std::string::npos);
  EXPECT_EQ(std::count(stored.out.begin(), stored.out.end(), '\n'), 2) << stored.out.substr(0, 300);

  // All of it in bounded memory: the largest child so far (the 10 MB line) stayed small.
  rusage usage{};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &usage), 0);
  EXPECT_LT(usage.ru_maxrss, 400 * 1024) << "KB";
}

TEST_F(HostileInputTest, FiltersAreBoundedAndLiteral) {
  std::string values;
  for (int i = 0; i < 10000; ++i) {
    values += std::string(i ? "," : "") + R"({"Value":"v)" + std::to_string(i) +
              R"(","Comparison":"EQUALS"})";
  }
  CommandResult r =
      Corroborate({"findings", "--filters",
                   "@" + Write("many.json", R"({"Title":[)" + values + "]}").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "corroborate: --filters: Invalid parameter 'Filters.Title'. Size '10000' is greater "
            "than maximum value: 20\n");

  // Values are text, never patterns: ".*" matches only a title that contains ".*".
  ASSERT_EQ(Corroborate({"ingest", Write("two.ndjson", Finding("plain", R"("anything")") + "\n" +
                                                           Finding("dots", R"("a .* b")") + "\n")
                                       .string()})
                .exit_code,
            0);
  r = Corroborate({"findings", "--output", "ndjson", "--filters",
                   R"({"Title":[{"Value":".*","Comparison":"CONTAINS"}]})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("Id":"dots")"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(R"("Id":"plain")"), std::string::npos) << r.out;
  r = Corroborate({"findings", "--output", "ndjson", "--filters",
                   R"({"Title":[{"Value":"[a-z]+","Comparison":"PREFIX"}]})"});
  EXPECT_EQ(r.out, "");

  // A filter name of 50 KB: refused at once, quoted shortened, no guess.
  r = Corroborate({"findings", "--filters", R"({")" + std::string(50000, 'T') + R"(":[]})"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(std::string(128, 'T') + "…' is not a filter field"), std::string::npos);
  EXPECT_LT(r.err.size(), 400U);
}

}  // namespace
