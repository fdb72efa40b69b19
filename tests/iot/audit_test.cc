// Audit: notices, AuditFindings as ASFF (identity, severity, resources, relations, fallbacks) and
// the resolved version of a finding.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "iot/iot.h"
#include "iot_test_util.h"

namespace corroborate::iot {
namespace {

using testing::Decoded;
using testing::Documents;
using testing::HasRelation;
using testing::kScope;
using testing::ProductField;

AuditContext Context() {
  return {kScope, "SCHEDULED_AUDIT_TASK", "DailyFleetAudit"};
}

// An AuditFinding with the given resource (and, optionally, other members).
std::string Item(const std::string& check, const std::string& resource,
                 const std::string& extra = R"("severity": "HIGH", "findingTime": 1795335012)") {
  return R"({"findingId": "f-1", "taskId": "t-1", "checkName": ")" + check +
         R"(", "taskStartTime": 1795334400, "nonCompliantResource": )" + resource +
         (extra.empty() ? "" : ", " + extra) + "}";
}

Result<AuditFinding> Parse(Documents& docs, const std::string& json, const Options& options = {}) {
  return ParseAuditFinding(docs.Parse(json), Context(), options);
}

TEST(AuditTest, ClassifiesEveryReferenceMessage) {
  Documents docs;
  EXPECT_EQ(Classify(docs.Load("01-audit-complete.sns-message.json")), MessageKind::kAuditNotice);
  EXPECT_EQ(Classify(docs.Load("03-list-audit-findings.page.json")),
            MessageKind::kAuditFindingsPage);
  EXPECT_EQ(Classify(docs.Load("03-list-audit-findings.page.json")["findings"].at(0).value()),
            MessageKind::kAuditFinding);
  for (const char* v :
       {"04-violation-in-alarm-rules.sns-message.json", "05-violation-in-alarm-ml.sns-message.json",
        "07-violation-alarm-cleared.sns-message.json",
        "08-violation-alarm-invalidated.sns-message.json"}) {
    EXPECT_EQ(Classify(docs.Load(v)), MessageKind::kViolation) << v;
  }
  const auto event = docs.Load("09-verification-false-positive.cloudtrail-eventbridge.json");
  EXPECT_EQ(Classify(event), MessageKind::kVerificationEvent);
  EXPECT_EQ(Classify(event["detail"].value()), MessageKind::kVerificationEvent);
  EXPECT_EQ(Classify(docs.Parse(R"({"SchemaVersion": "2018-10-08"})")), MessageKind::kUnknown);
  EXPECT_EQ(Classify(docs.Parse("[1]")), MessageKind::kUnknown);
}

TEST(AuditTest, NoticeSaysWhatEachCheckMeans) {
  Documents docs;
  auto notice = ParseAuditNotice(docs.Load("01-audit-complete.sns-message.json"));
  ASSERT_TRUE(notice.ok()) << notice.status().ToString();
  EXPECT_EQ(notice->account, "111122223333");
  EXPECT_EQ(notice->task_id, "9f2c1b7e4d8a4c0f8e61a3b5d7c9e012");
  EXPECT_EQ(notice->task_status, "COMPLETED");
  EXPECT_EQ(notice->scheduled_audit_name, "DailyFleetAudit");
  EXPECT_EQ(notice->task_start, 1795334400000);
  ASSERT_EQ(notice->checks.size(), 6U);
  EXPECT_EQ(OutcomeOf(notice->checks[0]), CheckOutcome::kNonCompliant);
  EXPECT_EQ(notice->checks[1].non_compliant, 2U);
  EXPECT_EQ(notice->checks[1].suppressed, 1U);
  EXPECT_EQ(OutcomeOf(notice->checks[3]), CheckOutcome::kCompliant);
  EXPECT_EQ(OutcomeOf(notice->checks[5]), CheckOutcome::kNothingLearned);
  EXPECT_EQ(notice->checks[5].error_code, "INSUFFICIENT_PERMISSIONS");
  EXPECT_EQ(OutcomeOf({"X", "SOMETHING_NEW", {}, {}, "", ""}), CheckOutcome::kUnknown);

  // DescribeAuditTask's map form, milliseconds, ISO times.
  auto described = ParseAuditNotice(docs.Parse(
      R"({"taskId": "t", "taskStatus": "COMPLETED", "taskStartTime": "2026-11-21T00:00:00Z",
          "auditDetails": {"LOGGING_DISABLED_CHECK": {"checkRunStatus": "COMPLETED_COMPLIANT"}}})"));
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_EQ(described->task_start, 1795219200000);
  ASSERT_EQ(described->checks.size(), 1U);
  EXPECT_EQ(described->checks[0].check_name, "LOGGING_DISABLED_CHECK");
  EXPECT_EQ(ParseAuditNotice(docs.Parse(R"({"taskId": "t", "taskStartTime": 1795334400123,
      "taskStatus": "COMPLETED"})"))
                ->task_start,
            1795334400123);
}

TEST(AuditTest, BadNoticesAreRefusedNamingTheMember) {
  Documents docs;
  auto message = [&](const std::string& json) {
    auto n = ParseAuditNotice(docs.Parse(json));
    EXPECT_FALSE(n.ok()) << json;
    return n.ok() ? std::string() : n.status().message();
  };
  EXPECT_EQ(message(R"({"taskStatus": "COMPLETED"})"), "taskId is missing");
  EXPECT_EQ(message(R"({"taskId": "t", "taskStatus": "DONE"})"),
            "taskStatus 'DONE' is not one of IN_PROGRESS, COMPLETED, FAILED, CANCELED");
  EXPECT_EQ(message(R"({"taskId": "t", "taskStatus": "COMPLETED", "accountId": "12"})"),
            "accountId '12' is not 12 digits");
  EXPECT_EQ(message(R"({"taskId": "t", "taskStatus": "COMPLETED", "taskStartTime": "soon"})"),
            "taskStartTime should be a time: epoch seconds, epoch milliseconds or an ISO 8601 "
            "timestamp");
  EXPECT_EQ(message(R"({"taskId": "t", "taskStatus": "COMPLETED", "auditDetails": [{}]})"),
            "auditDetails[0].checkName is missing");
  EXPECT_EQ(message(R"({"taskId": "t", "taskStatus": "COMPLETED", "auditDetails": 3})"),
            "auditDetails should be an array of checks");
}

TEST(AuditTest, ReferencePageBecomesValidFindingsWithStableDistinctIds) {
  Documents docs;
  const auto page = docs.Load("03-list-audit-findings.page.json");
  std::set<std::string> ids;
  std::vector<AuditFinding> findings;
  const simdjson::dom::array items = page["findings"].get_array().value();
  for (simdjson::dom::element item : items) {
    auto f = ParseAuditFinding(item, Context(), {});
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ids.insert(f->identifier.id);
    // The same item parsed again names the same finding.
    EXPECT_EQ(ParseAuditFinding(item, Context(), {})->identifier.id, f->identifier.id);
    findings.push_back(std::move(f).value());
  }
  // Two versions of one policy are two findings (the public sample merged them).
  EXPECT_EQ(ids.size(), 4U);
  const AuditFinding& shared = findings[0];
  EXPECT_EQ(shared.identifier.id,
            "arn:aws:iot-device-defender:eu-west-1:111122223333:audit/"
            "DEVICE_CERTIFICATE_SHARED_CHECK/cert/" +
                std::string(testing::kSharedCertificate));
  EXPECT_EQ(shared.identifier.product_arn,
            "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default");
  EXPECT_EQ(findings[1].identifier.id,
            "arn:aws:iot-device-defender:eu-west-1:111122223333:audit/"
            "IOT_POLICY_OVERLY_PERMISSIVE_CHECK/policy/PumpFleetPolicy/3");
  EXPECT_EQ(findings[2].identifier.id,
            "arn:aws:iot-device-defender:eu-west-1:111122223333:audit/"
            "IOT_POLICY_OVERLY_PERMISSIVE_CHECK/policy/PumpFleetPolicy/2");

  const asff::Finding f = Decoded(ToAsff(shared, std::nullopt));
  EXPECT_EQ(f.product_name, "IoT Device Defender - Audit");
  EXPECT_EQ(f.generator_id,
            "arn:aws:iot-device-defender:eu-west-1:111122223333:audit/"
            "DEVICE_CERTIFICATE_SHARED_CHECK");
  EXPECT_EQ(f.types,
            (std::vector<std::string>{"Software and Configuration Checks/AWS IoT Device Defender/"
                                      "DEVICE_CERTIFICATE_SHARED_CHECK"}));
  EXPECT_EQ(f.severity_label, asff::SeverityLabel::kCritical);
  EXPECT_EQ(f.compliance_status, "FAILED");
  EXPECT_EQ(f.record_state, asff::RecordState::kActive);
  EXPECT_EQ(f.updated_at, 1795335012000);
  EXPECT_EQ(f.created_at, 1795335012000);
  EXPECT_EQ(f.title, "Device certificate shared: certificate 3f8a9c1d...012345");
  EXPECT_EQ(f.description, "Certificate shared by two or more client ids");
  EXPECT_EQ(ProductField(f, "CheckName"), "DEVICE_CERTIFICATE_SHARED_CHECK");
  EXPECT_EQ(ProductField(f, "TaskId"), "9f2c1b7e4d8a4c0f8e61a3b5d7c9e012");
  EXPECT_EQ(ProductField(f, "FindingId"), "e1a2b3c4-0001-4000-8000-00000000a001");
  EXPECT_EQ(ProductField(f, "ReasonForNonComplianceCode"),
            "CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES");
  EXPECT_EQ(ProductField(f, "ScheduledAuditName"), "DailyFleetAudit");
  ASSERT_EQ(f.resources.size(), 3U);
  EXPECT_EQ(f.resources[0].type, "AwsIotCertificate");
  EXPECT_EQ(f.resources[0].id, testing::CertificateArn());
  EXPECT_EQ(f.resources[1].type, "Other");
  EXPECT_EQ(f.resources[1].id, "iot-client-id/pump-017");
  // The client ids that used the certificate are the things of those names.
  EXPECT_TRUE(HasRelation(f, testing::CertificateArn(), testing::kPump017));
  EXPECT_TRUE(HasRelation(f, testing::CertificateArn(), testing::kPump044));
  EXPECT_TRUE(HasRelation(f, testing::CertificateArn(),
                          "Other:aws:eu-west-1:111122223333:iot-client-id/pump-017"));
  const std::string json = ToAsff(shared, std::nullopt);
  EXPECT_NE(json.find(R"("StatusReasons":[{"ReasonCode":"CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES",)"
                      R"("Description":"Certificate shared by two or more client ids"}])"),
            std::string::npos)
      << json;
  EXPECT_NE(
      json.find(R"("SourceUrl":"https://console.aws.amazon.com/iot/home?region=eu-west-1#)"
                R"(/dd/audit/9f2c1b7e4d8a4c0f8e61a3b5d7c9e012/DEVICE_CERTIFICATE_SHARED_CHECK")"),
      std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("CONNECTION_TIME":"1795300000")"), std::string::npos) << json;

  // The suppressed one is imported archived.
  const asff::Finding suppressed = Decoded(ToAsff(findings[2], std::nullopt));
  EXPECT_EQ(suppressed.record_state, asff::RecordState::kArchived);
  EXPECT_EQ(ProductField(suppressed, "IsSuppressed"), "true");
  EXPECT_EQ(Decoded(ToAsff(findings[1], std::nullopt)).resources[0].id, testing::kPolicyArn);
}

TEST(AuditTest, SeenBeforeKeepsCreatedAtAndFirstObservedAt) {
  Documents docs;
  auto f = Parse(docs, Item("DEVICE_CERTIFICATE_EXPIRING_CHECK",
                            R"({"resourceType": "DEVICE_CERTIFICATE",
                                "resourceIdentifier": {"deviceCertificateId": "abc"}})"));
  ASSERT_TRUE(f.ok());
  const asff::Finding again = Decoded(ToAsff(*f, PreviousSighting{1794000000000, 1793000000000}));
  EXPECT_EQ(again.created_at, 1794000000000);
  EXPECT_EQ(again.first_observed_at, 1793000000000);
  EXPECT_EQ(again.last_observed_at, 1795335012000);
  EXPECT_EQ(again.updated_at, 1795335012000);
}

struct KindCase {
  std::string name;
  std::string resource;
  std::string type;
  std::string id;
  std::string id_suffix;
};

TEST(AuditTest, EveryResourceIdentifierKindHasAMeaningfulTypeAndId) {
  const std::string p = "arn:aws:iot:eu-west-1:111122223333:";
  const std::vector<KindCase> cases{
      {"device certificate", R"({"resourceType": "DEVICE_CERTIFICATE", "resourceIdentifier":
         {"deviceCertificateId": "c1"}})",
       "AwsIotCertificate", p + "cert/c1", "cert/c1"},
      {"device certificate by ARN",
       R"({"resourceType": "DEVICE_CERTIFICATE",
         "resourceIdentifier": {"deviceCertificateArn": ")" +
           p + R"(cert/c2"}})",
       "AwsIotCertificate", p + "cert/c2", "cert/c2"},
      {"CA certificate", R"({"resourceType": "CA_CERTIFICATE", "resourceIdentifier":
         {"caCertificateId": "ca1"}})",
       "AwsIotCaCertificate", p + "cacert/ca1", "cacert/ca1"},
      {"policy version", R"({"resourceType": "IOT_POLICY", "resourceIdentifier":
         {"policyVersionIdentifier": {"policyName": "P", "policyVersionId": "7"}}})",
       "AwsIotPolicy", p + "policy/P", "policy/P/7"},
      {"Cognito pool", R"({"resourceType": "COGNITO_IDENTITY_POOL", "resourceIdentifier":
         {"cognitoIdentityPoolId": "eu-west-1:1234-abcd"}})",
       "AwsCognitoIdentityPool",
       "arn:aws:cognito-identity:eu-west-1:111122223333:identitypool/eu-west-1:1234-abcd",
       "identitypool/eu-west-1:1234-abcd"},
      {"client id with a slash", R"({"resourceType": "CLIENT_ID", "resourceIdentifier":
         {"clientId": "gw/7"}})",
       "Other", "iot-client-id/gw/7", "client/gw%2F7"},
      {"account settings", R"({"resourceType": "ACCOUNT_SETTINGS", "resourceIdentifier":
         {"account": "111122223333"}})",
       "AwsAccount", "AWS::::Account:111122223333", "account/111122223333"},
      {"role alias",
       R"({"resourceType": "ROLE_ALIAS", "resourceIdentifier":
         {"roleAliasArn": ")" +
           p + R"(rolealias/cam"}})",
       "AwsIotRoleAlias", p + "rolealias/cam", "rolealias/" + p + "rolealias%2Fcam"},
      {"IAM role", R"({"resourceType": "IAM_ROLE", "resourceIdentifier":
         {"iamRoleArn": "arn:aws:iam::111122223333:role/Cam"}})",
       "AwsIamRole", "arn:aws:iam::111122223333:role/Cam",
       "role/arn:aws:iam::111122223333:role%2FCam"},
      {"issuer certificate", R"({"resourceType": "ISSUER_CERTIFICATE", "resourceIdentifier":
         {"issuerCertificateIdentifier": {"issuerCertificateSubject": "CN=Inter/O=Acme",
          "issuerId": "i9", "issuerCertificateSerialNumber": "0a1b"}}})",
       "Other", "iot-issuer-certificate/CN=Inter%2FO=Acme/i9/0a1b",
       "issuer/CN=Inter%2FO=Acme/i9/0a1b"},
      {"a kind newer than this code", R"({"resourceType": "THING_GROUP", "resourceIdentifier":
         {"thingGroupName": "pumps", "extra": {"b": "2", "a": "1"}}})",
       "Other", "iot-thing-group/extra.a=1/extra.b=2/thingGroupName=pumps",
       "thing-group/extra.a=1/extra.b=2/thingGroupName=pumps"},
  };
  const std::string prefix = "arn:aws:iot-device-defender:eu-west-1:111122223333:audit/X_CHECK/";
  std::set<std::string> ids;
  for (const KindCase& c : cases) {
    Documents docs;
    auto f = Parse(docs, Item("X_CHECK", c.resource));
    ASSERT_TRUE(f.ok()) << c.name << ": " << f.status().ToString();
    const asff::Finding decoded = Decoded(ToAsff(*f, std::nullopt));
    EXPECT_EQ(decoded.resources[0].type, c.type) << c.name;
    EXPECT_EQ(decoded.resources[0].id, c.id) << c.name;
    EXPECT_EQ(decoded.id, prefix + c.id_suffix) << c.name;
    ids.insert(decoded.id);
  }
  EXPECT_EQ(ids.size(), cases.size());
}

TEST(AuditTest, UnknownChecksImportWithTheirOwnSeverity) {
  Documents docs;
  auto f = Parse(docs, Item("SHINY_NEW_PROTOCOL_CHECK",
                            R"({"resourceType": "DEVICE_CERTIFICATE",
                                "resourceIdentifier": {"deviceCertificateId": "c"}})",
                            R"("severity": "LOW", "findingTime": 1795335012)"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const asff::Finding d = Decoded(ToAsff(*f, std::nullopt));
  EXPECT_EQ(d.severity_label, asff::SeverityLabel::kLow);
  EXPECT_EQ(d.title, "Shiny new protocol: certificate c");
  EXPECT_EQ(ProductField(d, "UnknownCheck"), "true");
  // A known check without a severity takes the documented default; an unknown one cannot.
  auto known = Parse(docs, Item("LOGGING_DISABLED_CHECK",
                                R"({"resourceType": "ACCOUNT_SETTINGS", "resourceIdentifier":
                                    {"account": "111122223333"}})",
                                R"("findingTime": 1795335012)"));
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(known->severity, asff::SeverityLabel::kLow);
  auto unknown = Parse(docs, Item("SHINY_CHECK",
                                  R"({"resourceType": "ACCOUNT_SETTINGS", "resourceIdentifier":
                                      {"account": "111122223333"}})",
                                  R"("findingTime": 1795335012)"));
  EXPECT_EQ(unknown.status().message(),
            "severity is missing, and check SHINY_CHECK is not one whose default severity is "
            "known");
}

TEST(AuditTest, MissingAndMalformedMembersAreNamed) {
  const std::string cert = R"({"resourceType": "DEVICE_CERTIFICATE",
                               "resourceIdentifier": {"deviceCertificateId": "c"}})";
  struct Bad {
    std::string json;
    std::string message;
  };
  const std::vector<Bad> cases{
      {R"({"findingId": "f", "severity": "HIGH", "nonCompliantResource": {}})",
       "checkName is missing"},
      {Item("A/B", cert),
       "checkName 'A/B' is not a check name (letters, digits and _-.: only, at "
       "most 70)"},
      {R"({"checkName": "X_CHECK", "severity": "HIGH", "findingTime": 1})",
       "nonCompliantResource is missing"},
      {Item("X_CHECK", R"({"resourceType": "DEVICE_CERTIFICATE", "resourceIdentifier":
                          {"clientId": "x"}})"),
       "nonCompliantResource.resourceIdentifier.deviceCertificateId (or deviceCertificateArn) is "
       "missing (resourceType DEVICE_CERTIFICATE)"},
      {Item("X_CHECK", R"({"resourceType": "IOT_POLICY", "resourceIdentifier": {}})"),
       "nonCompliantResource.resourceIdentifier.policyVersionIdentifier.policyName is missing "
       "(resourceType IOT_POLICY)"},
      {Item("X_CHECK", R"({"resourceType": "CLIENT_ID"})"),
       "nonCompliantResource.resourceIdentifier is missing or not an object"},
      {Item("X_CHECK", R"({"resourceType": "NEW_KIND", "resourceIdentifier": {"n": 1}})"),
       "nonCompliantResource.resourceIdentifier has no string members to name it by"},
      {Item("X_CHECK", cert, R"("severity": "SEVERE", "findingTime": 1)"),
       "severity 'SEVERE' is not one of CRITICAL, HIGH, MEDIUM, LOW"},
      {Item("X_CHECK", cert, R"("severity": "HIGH", "findingTime": "yesterday")"),
       "findingTime should be a time: epoch seconds, epoch milliseconds or an ISO 8601 timestamp"},
      {Item("X_CHECK", cert, R"("severity": "HIGH", "findingTime": 1, "isSuppressed": "no")"),
       "isSuppressed should be true or false"},
  };
  for (const Bad& c : cases) {
    Documents docs;
    auto f = Parse(docs, c.json);
    ASSERT_FALSE(f.ok()) << c.json;
    EXPECT_EQ(f.status().code(), Status::Code::kInvalidInput);
    EXPECT_EQ(f.status().message(), c.message) << c.json;
  }
  // Without findingTime, the task's start stands in; without both, it is an error.
  Documents docs;
  auto no_time = Parse(docs, Item("X_CHECK", cert, R"("severity": "HIGH")"));
  ASSERT_TRUE(no_time.ok());
  EXPECT_EQ(no_time->finding_time, 1795334400000);
  auto f = ParseAuditFinding(
      docs.Parse(R"({"checkName": "X_CHECK", "severity": "HIGH", "nonCompliantResource": )" + cert +
                 "}"),
      Context(), {});
  EXPECT_EQ(f.status().message(), "findingTime is missing, and so is taskStartTime to use instead");
  // Without a scope there is no Id to give.
  AuditContext no_scope;
  EXPECT_EQ(ParseAuditFinding(docs.Parse(Item("X_CHECK", cert)), no_scope, {}).status().message(),
            "the finding's partition, region or account is unknown");
}

TEST(AuditTest, RelatedResourcesBeyondTheLimitOrUnreadableAreCountedNotDropped) {
  std::string related;
  for (int i = 0; i < 40; ++i) {
    related += (i ? "," : "") + std::string(R"({"resourceType": "CLIENT_ID",
        "resourceIdentifier": {"clientId": "c)") +
               std::to_string(i) + R"("}})";
  }
  related += R"(, {"resourceType": "CLIENT_ID", "resourceIdentifier": {}}, 7)";
  Documents docs;
  auto f = Parse(docs, Item("DEVICE_CERTIFICATE_SHARED_CHECK",
                            R"({"resourceType": "DEVICE_CERTIFICATE",
                                "resourceIdentifier": {"deviceCertificateId": "c"}})",
                            R"("severity": "CRITICAL", "findingTime": 1795335012,
                               "relatedResources": [)" +
                                related + "]"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const asff::Finding d = Decoded(ToAsff(*f, std::nullopt));
  EXPECT_EQ(d.resources.size(), 32U);
  EXPECT_EQ(ProductField(d, "RelatedResourcesOmitted"), "9");
  EXPECT_EQ(ProductField(d, "RelatedResourcesSkipped"),
            "2 (relatedResources[40].resourceIdentifier.clientId is missing (resourceType "
            "CLIENT_ID); relatedResources[41] should be an object)");
  // The relations name every client id that fits, not only the 31 listed resources.
  EXPECT_TRUE(HasRelation(d, "arn:aws:iot:eu-west-1:111122223333:cert/c",
                          "arn:aws:iot:eu-west-1:111122223333:thing/c39"));
}

TEST(AuditTest, LongIdentitiesStayWithinAsffAndDistinct) {
  const std::string long_a(700, 'a');
  std::set<std::string> ids;
  for (const std::string& client : {long_a + "1", long_a + "2"}) {
    Documents docs;
    auto f = Parse(docs, Item("CONFLICTING_CLIENT_IDS_CHECK",
                              R"({"resourceType": "CLIENT_ID", "resourceIdentifier":
                                  {"clientId": ")" +
                                  client + R"("}})"));
    ASSERT_TRUE(f.ok());
    const asff::Finding d = Decoded(ToAsff(*f, std::nullopt));
    EXPECT_LE(d.id.size(), 512U);
    EXPECT_LE(d.resources[0].id.size(), 512U);
    ids.insert(d.id);
  }
  EXPECT_EQ(ids.size(), 2U);
}

TEST(AuditTest, InventoryAndClientIdsStateThingCertificatePolicyRelations) {
  Inventory inventory;
  inventory.AddThingCertificate("pump-090", "c9");
  inventory.AddCertificatePolicy("c9", "PumpFleetPolicy");
  Options options;
  options.inventory = &inventory;
  Documents docs;
  // The policy finding relates the policy to the certificates it is attached to and their things.
  auto policy = Parse(docs,
                      Item("IOT_POLICY_OVERLY_PERMISSIVE_CHECK",
                           R"({"resourceType": "IOT_POLICY", "resourceIdentifier":
                               {"policyVersionIdentifier": {"policyName": "PumpFleetPolicy",
                                                            "policyVersionId": "3"}}})"),
                      options);
  ASSERT_TRUE(policy.ok());
  const asff::Finding p = Decoded(ToAsff(*policy, std::nullopt));
  const std::string thing = "arn:aws:iot:eu-west-1:111122223333:thing/pump-090";
  const std::string cert = "arn:aws:iot:eu-west-1:111122223333:cert/c9";
  EXPECT_TRUE(HasRelation(p, testing::kPolicyArn, cert));
  EXPECT_TRUE(HasRelation(p, testing::kPolicyArn, thing));
  // A certificate finding relates its things to its policies.
  auto revoked = Parse(docs,
                       Item("REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK",
                            R"({"resourceType": "DEVICE_CERTIFICATE",
                                "resourceIdentifier": {"deviceCertificateId": "c9"}})"),
                       options);
  ASSERT_TRUE(revoked.ok());
  const asff::Finding r = Decoded(ToAsff(*revoked, std::nullopt));
  EXPECT_TRUE(HasRelation(r, cert, thing));
  EXPECT_TRUE(HasRelation(r, thing, testing::kPolicyArn));

  // Client ids are thing names unless told otherwise.
  const std::string conflicting =
      Item("CONFLICTING_CLIENT_IDS_CHECK",
           R"({"resourceType": "CLIENT_ID", "resourceIdentifier": {"clientId": "pump-017"}})",
           R"("severity": "HIGH", "findingTime": 1795335012, "relatedResources": [
                {"resourceType": "DEVICE_CERTIFICATE",
                 "resourceIdentifier": {"deviceCertificateId": "c9"}}])");
  const asff::Finding named = Decoded(ToAsff(*Parse(docs, conflicting), std::nullopt));
  const std::string client = "Other:aws:eu-west-1:111122223333:iot-client-id/pump-017";
  EXPECT_TRUE(HasRelation(named, client, testing::kPump017));
  EXPECT_TRUE(HasRelation(named, client, cert));
  Options literal;
  literal.client_ids_are_thing_names = false;
  const asff::Finding unnamed = Decoded(ToAsff(*Parse(docs, conflicting, literal), std::nullopt));
  EXPECT_FALSE(HasRelation(unnamed, client, testing::kPump017));
  EXPECT_TRUE(HasRelation(unnamed, client, cert));
}

TEST(AuditTest, InventoryDocumentsAreReadOrRefusedClearly) {
  Documents docs;
  Inventory inventory;
  ASSERT_TRUE(inventory
                  .AddDocument(docs.Parse(R"({
      "thingPrincipals": [{"thingName": "pump-017", "principals": [
          "arn:aws:iot:eu-west-1:111122223333:cert/3f8a",
          "arn:aws:cognito-identity:eu-west-1:111122223333:identitypool/x"]}],
      "principalPolicies": [{"principal": "arn:aws:iot:eu-west-1:111122223333:cert/3f8a",
                             "policies": [{"policyName": "PumpFleetPolicy",
                                           "policyArn": "arn:..."}]}]})"))
                  .ok());
  EXPECT_EQ(inventory.CertificatesOf("pump-017"), (std::vector<std::string>{"3f8a"}));
  EXPECT_EQ(inventory.ThingsOf("3f8a"), (std::vector<std::string>{"pump-017"}));
  EXPECT_EQ(inventory.PoliciesOf("3f8a"), (std::vector<std::string>{"PumpFleetPolicy"}));
  EXPECT_EQ(inventory.CertificatesWith("PumpFleetPolicy"), (std::vector<std::string>{"3f8a"}));
  EXPECT_EQ(inventory.AddDocument(docs.Parse(R"({"things": []})")).message(),
            "inventory: unknown member 'things' (expected thingPrincipals and principalPolicies)");
  EXPECT_EQ(
      inventory.AddDocument(docs.Parse(R"({"thingPrincipals": [{"thingName": "x"}]})")).message(),
      "inventory: thingPrincipals[0] needs thingName and principals[]");
}

TEST(AuditTest, ResolvedVersionArchivesAsPassedAndKeepsTheRest) {
  Documents docs;
  auto f = Parse(docs, Item("DEVICE_CERTIFICATE_EXPIRING_CHECK",
                            R"({"resourceType": "DEVICE_CERTIFICATE",
                                "resourceIdentifier": {"deviceCertificateId": "abc"}})"));
  ASSERT_TRUE(f.ok());
  std::string stored = ToAsff(*f, std::nullopt);
  stored.insert(stored.size() - 1, R"(,"Workflow":{"Status":"NOTIFIED"})");
  auto resolved = ResolvedVersion(stored, 1795900000000, "t-2");
  ASSERT_TRUE(resolved.ok());
  const asff::Finding d = Decoded(*resolved);
  EXPECT_EQ(d.record_state, asff::RecordState::kArchived);
  EXPECT_EQ(d.compliance_status, "PASSED");
  EXPECT_EQ(d.updated_at, 1795900000000);
  EXPECT_EQ(d.created_at, 1795335012000);
  EXPECT_EQ(d.workflow_status, asff::WorkflowStatus::kNotified);
  EXPECT_EQ(ProductField(d, "ResolvedByTaskId"), "t-2");
  EXPECT_EQ(ProductField(d, "CheckName"), "DEVICE_CERTIFICATE_EXPIRING_CHECK");
  EXPECT_EQ(resolved->find("StatusReasons"), std::string::npos);
  EXPECT_FALSE(ResolvedVersion("not json", 1, "t").ok());
}

}  // namespace
}  // namespace corroborate::iot
