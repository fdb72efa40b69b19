#include "asff/import.h"

#include <gtest/gtest.h>

#include <string>

#include "asff/json_writer.h"

namespace corroborate::asff {
namespace {

constexpr TimeMs kNow = 1794000000000;  // 2026-11-06

std::string FindingJson(std::string_view updated_at, std::string_view extra = "") {
  return std::string(R"({"SchemaVersion":"2018-10-08","Id":"f-1",)"
                     R"("ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/inspector",)"
                     R"("GeneratorId":"AWSInspector","AwsAccountId":"111122223333",)"
                     R"("Types":["Software and Configuration Checks/Vulnerabilities/CVE"],)"
                     R"("CreatedAt":"2026-11-01T00:00:00Z","UpdatedAt":")") +
         std::string(updated_at) +
         R"(","Severity":{"Label":"HIGH","Original":"8.1"},"Title":"CVE-2026-0001 - openssl",)"
         R"("Description":"A flaw.","Resources":[{"Type":"AwsEc2Instance","Id":"i-0123456789abcdef0"}])" +
         std::string(extra) + "}";
}

// Decodes `json` as a provider would send it and normalizes it as a new finding.
std::string Normalize(const std::string& json, Finding& core) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json).value();
  EXPECT_TRUE(DecodeFinding(root, core).ok()) << DecodeFinding(root, core).ToString();
  return NormalizeNewFinding(root, core, kNow);
}

simdjson::dom::element Parse(simdjson::dom::parser& p, const std::string& json) {
  return p.parse(json).value();
}

std::string Str(simdjson::dom::element root, std::string_view pointer) {
  std::string_view s;
  if (root.at_pointer(pointer).get_string().get(s) != simdjson::SUCCESS) return "<missing>";
  return std::string(s);
}

TEST(ImportTest, NewFindingGetsServiceFields) {
  Finding core;
  const std::string stored = Normalize(FindingJson("2026-11-02T00:00:00Z"), core);
  simdjson::dom::parser p;
  auto root = Parse(p, stored);
  EXPECT_EQ(Str(root, "/ProductName"), "Inspector");
  EXPECT_EQ(Str(root, "/CompanyName"), "AWS");
  EXPECT_EQ(Str(root, "/Region"), "eu-west-1");
  EXPECT_EQ(Str(root, "/RecordState"), "ACTIVE");
  EXPECT_EQ(Str(root, "/Workflow/Status"), "NEW");
  EXPECT_EQ(Str(root, "/WorkflowState"), "NEW");
  EXPECT_EQ(Str(root, "/ProcessedAt"), FormatTimestamp(kNow));
  EXPECT_EQ(Str(root, "/ProductFields/aws~1securityhub~1FindingId"),
            "arn:aws:securityhub:eu-west-1::product/aws/inspector/f-1");
  EXPECT_EQ(root.at_pointer("/Severity/Normalized").get_int64().value(), 70);
  EXPECT_EQ(Str(root, "/Severity/Original"), "8.1");
  // FindingProviderFields filled from the top level.
  EXPECT_EQ(Str(root, "/FindingProviderFields/Severity/Label"), "HIGH");
  EXPECT_EQ(Str(root, "/FindingProviderFields/Severity/Original"), "8.1");
  EXPECT_EQ(Str(root, "/FindingProviderFields/Types/0"),
            "Software and Configuration Checks/Vulnerabilities/CVE");
  // Input member order and values are kept.
  EXPECT_EQ(stored.find(R"({"SchemaVersion":"2018-10-08","Id":"f-1",)"), 0u);
}

TEST(ImportTest, FiftyProviderFieldsStayValidWithTheOnesSecurityHubAdds) {
  // Found by fuzz_asff: 50 ProductFields of the provider's were valid, but the stored finding,
  // with Security Hub's own aws/securityhub/* keys beside them, was refused on reading back.
  auto fields = [](int n) {
    std::string out = R"(,"ProductFields":{)";
    for (int i = 0; i < n; ++i) out += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":\"v\"");
    return out + "}";
  };
  Finding core;
  const std::string stored = Normalize(FindingJson("2026-11-02T00:00:00Z", fields(50)), core);
  Finding again;
  EXPECT_TRUE(DecodeFindingText(stored, again).ok()) << DecodeFindingText(stored, again).ToString();
  EXPECT_EQ(again.product_fields.size(), 53U);

  simdjson::dom::parser parser;
  Finding too_many;
  const Status refused = DecodeFinding(
      parser.parse(FindingJson("2026-11-02T00:00:00Z", fields(51))).value(), too_many);
  EXPECT_NE(refused.ToString().find("data.ProductFields should NOT have more than 50 properties"),
            std::string::npos)
      << refused.ToString();
}

TEST(ImportTest, TopLevelIsFilledFromProviderFields) {
  std::string json = FindingJson("2026-11-02T00:00:00Z");
  json.replace(json.find(R"("Severity":{"Label":"HIGH","Original":"8.1"},)"),
               std::string_view(R"("Severity":{"Label":"HIGH","Original":"8.1"},)").size(),
               R"("FindingProviderFields":{"Severity":{"Label":"CRITICAL"},"Confidence":80},)");
  Finding core;
  const std::string stored = Normalize(json, core);
  simdjson::dom::parser p;
  auto root = Parse(p, stored);
  EXPECT_EQ(Str(root, "/Severity/Label"), "CRITICAL");
  EXPECT_EQ(root.at_pointer("/Severity/Normalized").get_int64().value(), 90);
  EXPECT_EQ(root.at_pointer("/Confidence").get_int64().value(), 80);
  EXPECT_EQ(Str(root, "/FindingProviderFields/Types/0"),
            "Software and Configuration Checks/Vulnerabilities/CVE");
}

TEST(ImportTest, CustomProductsAreNamedPersonalDefault) {
  EXPECT_EQ(ProductAndCompanyNames(
                "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default"),
            (std::pair<std::string, std::string>{"Default", "Personal"}));
  EXPECT_EQ(ProductAndCompanyNames("arn:aws:securityhub:eu-west-1::product/aws/guardduty").first,
            "GuardDuty");
}

// The stored JSON as a value, whatever the spelling of its strings and numbers.
std::string Canonical(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  std::string out;
  AppendMinified(out, root);
  return out;
}

TEST(ImportTest, MembersCopiedFromTheInputTextAreTheSameJson) {
  // Pretty-printed, with escapes, an exponent, and the members Security Hub rewrites in between
  // the ones it keeps.
  const std::string text = R"({
    "SchemaVersion" : "2018-10-08",
    "Id": "f-1",
    "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/inspector",
    "Severity": { "Label": "HIGH", "Original": "8.1" },
    "GeneratorId": "AWSInspector", "AwsAccountId": "111122223333",
    "Types": [ "Software and Configuration Checks/Vulnerabilities/CVE" ],
    "CreatedAt": "2026-11-01T00:00:00Z", "UpdatedAt": "2026-11-02T00:00:00Z",
    "ProductFields": { "a b": "c\td" },
    "Title": "CVE-2026-0001 \u00e9 \/ \"openssl\"",
    "Confidence": 5E1,
    "Description": "A flaw.",
    "Resources": [ { "Type": "AwsEc2Instance", "Id": "i-0123456789abcdef0",
                     "Details": { "Other": { "k": "v  w" } } } ],
    "RecordState": "ACTIVE"
  })";
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(text).value();
  Finding from_dom, from_text;
  ASSERT_TRUE(DecodeFinding(root, from_dom).ok());
  ASSERT_TRUE(DecodeFinding(root, from_text).ok());
  const std::string reserialized = NormalizeNewFinding(root, from_dom, kNow);
  const std::string copied = NormalizeNewFinding(root, from_text, kNow, text);
  EXPECT_EQ(Canonical(copied), Canonical(reserialized));
  // Copied members keep the input's spelling, without the whitespace between tokens.
  EXPECT_NE(copied.find(R"("Title":"CVE-2026-0001 \u00e9 \/ \"openssl\"","Confidence":5E1,)"),
            std::string::npos)
      << copied;
  EXPECT_NE(copied.find(R"("Other":{"k":"v  w"})"), std::string::npos) << copied;
  EXPECT_EQ(copied.find('\n'), std::string::npos) << copied;
  EXPECT_EQ(copied.find(R"({"SchemaVersion":"2018-10-08","Id":"f-1",)"), 0U) << copied;
  EXPECT_EQ(from_text.processed_at, from_dom.processed_at);
}

TEST(ImportTest, TextThatIsNotTheParsedObjectIsNotCopied) {
  const std::string json = FindingJson("2026-11-02T00:00:00Z");
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json).value();
  Finding core;
  ASSERT_TRUE(DecodeFinding(root, core).ok());
  const std::string expected = NormalizeNewFinding(root, core, kNow);
  std::string renamed = json;  // as many members, one of another name
  renamed.replace(renamed.find(R"("Title")"), 7, R"("Titel")");
  for (const std::string& other :
       {std::string(R"({"Id":"other"})"), std::string("[1,2]"), std::string("{\"Id\":"), renamed,
        json + R"( {"Id":"next"})", json + "}"}) {
    Finding again;
    ASSERT_TRUE(DecodeFinding(root, again).ok());
    EXPECT_EQ(NormalizeNewFinding(root, again, kNow, other), expected) << other;
  }
}

TEST(ImportTest, RewrittenMembersAtEitherEndAndEscapedKeysCopyRight) {
  // Severity first and ProductFields last are rewritten; a key spelled with an escape is not
  // compared, so that text is written out from the DOM instead.
  std::string body = FindingJson("2026-11-02T00:00:00Z");
  const std::string_view severity = R"("Severity":{"Label":"HIGH","Original":"8.1"},)";
  body.erase(body.find(severity), severity.size());
  const std::string reordered = R"({"Severity":{"Label":"LOW"},)" +
                                body.substr(1, body.size() - 2) + R"(,"ProductFields":{"k":"v"}})";
  std::string escaped = reordered;
  escaped.replace(escaped.find(R"("Title")"), 7, R"("Titl\u0065")");
  for (const std::string& text : {reordered, escaped}) {
    simdjson::dom::parser parser;
    simdjson::dom::element root = parser.parse(text).value();
    Finding from_dom, from_text;
    ASSERT_TRUE(DecodeFinding(root, from_dom).ok()) << text;
    ASSERT_TRUE(DecodeFinding(root, from_text).ok());
    const std::string reserialized = NormalizeNewFinding(root, from_dom, kNow);
    const std::string copied = NormalizeNewFinding(root, from_text, kNow, text);
    EXPECT_EQ(Canonical(copied), Canonical(reserialized)) << text;
    EXPECT_EQ(copied.find(R"({"Severity":{"Label":"LOW","Normalized":1},"SchemaVersion")"), 0U)
        << copied;
    EXPECT_NE(copied.find(R"("ProductFields":{"k":"v","aws/securityhub/FindingId")"),
              std::string::npos)
        << copied;
  }
}

// Names derived from a ProductArn keep within ASFF's 128 characters, so the stored finding stays
// valid (found by fuzz/fuzz_asff).
TEST(ImportTest, DerivedNamesKeepWithinTheLimit) {
  const std::string product(200, 'p'), company(150, 'c');
  auto [name, from_aws] =
      ProductAndCompanyNames("arn:aws:securityhub:eu-west-1::product/aws/" + product);
  EXPECT_EQ(name, product.substr(0, 128));
  auto [custom, company_name] = ProductAndCompanyNames(
      "arn:aws:securityhub:eu-west-1:111122223333:product/" + company + "/" + product);
  EXPECT_EQ(custom.size(), 128U);
  EXPECT_EQ(company_name.size(), 128U);

  std::string json = FindingJson("2026-11-02T00:00:00Z");
  const std::string arn = "arn:aws:securityhub:eu-west-1::product/aws/inspector";
  json.replace(json.find(arn), arn.size(), "arn:aws:securityhub:eu-west-1::product/aws/" + product);
  Finding core, again;
  EXPECT_TRUE(DecodeFindingText(Normalize(json, core), again).ok());
  EXPECT_EQ(again.product_name.size(), 128U);
}

class MergeTest : public ::testing::Test {
 protected:
  void SetUp() override { stored_json_ = Normalize(FindingJson("2026-11-02T00:00:00Z"), stored_); }

  MergeResult Merge(const std::string& incoming_raw, AnalystMask mask = 0) {
    Finding incoming;
    const std::string incoming_json = Normalize(incoming_raw, incoming);
    auto r = MergeImport(incoming_json, incoming, stored_json_, stored_, mask, kNow);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }

  // Applies an analyst update to the stored finding, as BatchUpdateFindings would.
  void AnalystUpdate(const std::string& request, AnalystMask& mask) {
    simdjson::dom::parser p;
    auto u = ParseBatchUpdate(Parse(p, request));
    ASSERT_TRUE(u.ok()) << u.status().ToString();
    auto json = ApplyBatchUpdate(stored_json_, *u, kNow, mask);
    ASSERT_TRUE(json.ok());
    stored_json_ = *json;
    stored_ = {};
    ASSERT_TRUE(DecodeFindingText(stored_json_, stored_).ok());
  }

  static std::string Ids() {
    return R"("FindingIdentifiers":[{"Id":"f-1","ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/inspector"}])";
  }

  Finding stored_;
  std::string stored_json_;
};

TEST_F(MergeTest, OlderOrEqualUpdatedAtIsIgnored) {
  EXPECT_EQ(Merge(FindingJson("2026-11-01T12:00:00Z")).action, ImportAction::kIgnoredStale);
  EXPECT_EQ(Merge(FindingJson("2026-11-02T00:00:00.000Z")).action, ImportAction::kIgnoredStale);
}

TEST_F(MergeTest, NewerReplacesProviderContent) {
  std::string newer = FindingJson("2026-11-03T00:00:00Z", R"(,"Compliance":{"Status":"FAILED"})");
  newer.replace(newer.find("A flaw."), 7, "A worse flaw.");
  const auto r = Merge(newer);
  ASSERT_EQ(r.action, ImportAction::kUpdated);
  simdjson::dom::parser p;
  auto root = Parse(p, r.json);
  EXPECT_EQ(Str(root, "/Description"), "A worse flaw.");
  EXPECT_EQ(Str(root, "/Compliance/Status"), "FAILED");
  EXPECT_EQ(Str(root, "/UpdatedAt"), "2026-11-03T00:00:00Z");
}

TEST_F(MergeTest, AnalystFieldsSurviveProviderReimport) {
  AnalystMask mask = 0;
  AnalystUpdate(
      "{" + Ids() +
          R"(,"Workflow":{"Status":"SUPPRESSED"},"Note":{"Text":"accepted risk","UpdatedBy":"alice"},)"
          R"("VerificationState":"BENIGN_POSITIVE","UserDefinedFields":{"ticket":"SEC-1"},)"
          R"("Severity":{"Label":"LOW"}})",
      mask);
  EXPECT_EQ(mask, kAnalystSeverity);
  // The provider tries to set analyst fields and a new severity.
  std::string newer = FindingJson(
      "2026-11-03T00:00:00Z",
      R"(,"Workflow":{"Status":"NEW"},"Note":{"Text":"x","UpdatedBy":"provider","UpdatedAt":"2026-11-03T00:00:00Z"})");
  newer.replace(newer.find(R"("Label":"HIGH")"), 14, R"("Label":"CRITICAL")");
  const auto r = Merge(newer, mask);
  ASSERT_EQ(r.action, ImportAction::kUpdated);
  simdjson::dom::parser p;
  auto root = Parse(p, r.json);
  EXPECT_EQ(Str(root, "/Workflow/Status"), "SUPPRESSED");
  EXPECT_EQ(Str(root, "/Note/UpdatedBy"), "alice");
  EXPECT_EQ(Str(root, "/VerificationState"), "BENIGN_POSITIVE");
  EXPECT_EQ(Str(root, "/UserDefinedFields/ticket"), "SEC-1");
  EXPECT_EQ(Str(root, "/Severity/Label"), "LOW");                             // the analyst's
  EXPECT_EQ(Str(root, "/FindingProviderFields/Severity/Label"), "CRITICAL");  // the provider's
}

TEST_F(MergeTest, SeverityFollowsProviderUntilAnAnalystChangesIt) {
  std::string newer = FindingJson("2026-11-03T00:00:00Z");
  newer.replace(newer.find(R"("Label":"HIGH")"), 14, R"("Label":"CRITICAL")");
  simdjson::dom::parser p;
  auto root = Parse(p, Merge(newer, /*mask=*/0).json);
  EXPECT_EQ(Str(root, "/Severity/Label"), "CRITICAL");
}

TEST_F(MergeTest, ResolvedWorkflowReopensWhenTheFindingFailsAgain) {
  stored_json_ = Normalize(
      FindingJson("2026-11-02T00:00:00Z", R"(,"Compliance":{"Status":"PASSED"})"), stored_);
  AnalystMask mask = 0;
  AnalystUpdate("{" + Ids() + R"(,"Workflow":{"Status":"RESOLVED"}})", mask);
  simdjson::dom::parser p;
  auto root = Parse(
      p, Merge(FindingJson("2026-11-03T00:00:00Z", R"(,"Compliance":{"Status":"FAILED"})")).json);
  EXPECT_EQ(Str(root, "/Workflow/Status"), "NEW");
}

TEST_F(MergeTest, NotifiedWorkflowReopensOnReactivationButSuppressedStays) {
  stored_json_ =
      Normalize(FindingJson("2026-11-02T00:00:00Z", R"(,"RecordState":"ARCHIVED")"), stored_);
  AnalystMask mask = 0;
  AnalystUpdate("{" + Ids() + R"(,"Workflow":{"Status":"NOTIFIED"}})", mask);
  simdjson::dom::parser p;
  auto root =
      Parse(p, Merge(FindingJson("2026-11-03T00:00:00Z", R"(,"RecordState":"ACTIVE")")).json);
  EXPECT_EQ(Str(root, "/Workflow/Status"), "NEW");

  AnalystUpdate("{" + Ids() + R"(,"Workflow":{"Status":"SUPPRESSED"}})", mask);
  simdjson::dom::parser p2;
  auto root2 =
      Parse(p2, Merge(FindingJson("2026-11-03T00:00:00Z", R"(,"RecordState":"ACTIVE")")).json);
  EXPECT_EQ(Str(root2, "/Workflow/Status"), "SUPPRESSED");
}

TEST_F(MergeTest, BatchUpdateNeverTouchesUpdatedAtAndMergesUserFields) {
  AnalystMask mask = 0;
  AnalystUpdate("{" + Ids() + R"(,"UserDefinedFields":{"a":"1","b":"2"}})", mask);
  AnalystUpdate("{" + Ids() + R"(,"UserDefinedFields":{"b":"3"},"Severity":{"Normalized":95}})",
                mask);
  simdjson::dom::parser p;
  auto root = Parse(p, stored_json_);
  EXPECT_EQ(Str(root, "/UpdatedAt"), "2026-11-02T00:00:00Z");
  EXPECT_EQ(Str(root, "/UserDefinedFields/a"), "1");
  EXPECT_EQ(Str(root, "/UserDefinedFields/b"), "3");
  EXPECT_EQ(Str(root, "/Severity/Label"), "CRITICAL");
  EXPECT_EQ(Str(root, "/Severity/Original"), "8.1");
}

TEST(BatchUpdateParseTest, RejectsBadRequests) {
  const std::string ids =
      R"("FindingIdentifiers":[{"Id":"f","ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/inspector"}])";
  for (const auto& [body, expected] : std::vector<std::pair<std::string, std::string>>{
           {"{}", "FindingIdentifiers"},
           {R"({"FindingIdentifiers":[]})", "Size '0'"},
           {"{" + ids + "}", "at least one field"},
           {"{" + ids + R"(,"Workflow":{"Status":"DONE"}})", "Workflow.Status"},
           {"{" + ids + R"(,"Severity":{"Label":"BAD"}})", "Severity.Label"},
           {"{" + ids + R"(,"Confidence":101})", "Confidence"},
           {"{" + ids + R"(,"Note":{"Text":"x"}})", "UpdatedBy"},
           {"{" + ids + R"(,"VerificationState":"MAYBE"})", "VerificationState"},
           {"{" + ids + R"(,"RecordState":"ARCHIVED"})", "Unknown parameter"},
           // Types the finding would refuse (found by fuzz/fuzz_batch_update).
           {"{" + ids + R"(,"Types":["TTPs//Discovery"]})", "namespace[/category[/classifier]]"},
           {"{" + ids + R"(,"Types":["a/b/c/d"]})", "namespace[/category[/classifier]]"},
           {"{" + ids + R"(,"Types":[")" + std::string(129, 'x') + R"("]})", "at most 128"},
           {"{" + ids + R"(,"UserDefinedFields":{")" + std::string(129, 'k') + R"(":"v"}})",
            "1 to 128"},
           {"{" + ids + R"(,"UserDefinedFields":{"k":")" + std::string(1025, 'v') + R"("}})",
            "at most 1024"},
       }) {
    simdjson::dom::parser p;
    auto r = ParseBatchUpdate(p.parse(body).value());
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_NE(r.status().message().find(expected), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace corroborate::asff
