// Detect: violation messages as findings on the thing, for every criteria kind, metric side and
// event type; and the severity chain.
#include <gtest/gtest.h>

#include <string>

#include "iot/iot.h"
#include "iot_test_util.h"

namespace corroborate::iot {
namespace {

using testing::Decoded;
using testing::Documents;
using testing::HasRelation;
using testing::kScope;
using testing::ProductField;

Violation Parsed(Documents& docs, const std::string& file, const Options& options = {}) {
  auto v = ParseViolation(docs.Load(file), kScope, options);
  EXPECT_TRUE(v.ok()) << file << ": " << v.status().ToString();
  return v.ok() ? std::move(v).value() : Violation{};
}

TEST(DetectTest, StaticThresholdInAlarmIsAFailedFindingOnTheThing) {
  Documents docs;
  const Violation v = Parsed(docs, "04-violation-in-alarm-rules.sns-message.json");
  const asff::Finding f = Decoded(ToAsff(v, std::nullopt));
  EXPECT_EQ(f.id,
            "arn:aws:iot-device-defender:eu-west-1:111122223333:detect/violation/"
            "8c1f3a2e9b7d4e6fa0b1c2d3e4f50617");
  EXPECT_EQ(f.product_name, "IoT Device Defender - Detect");
  EXPECT_EQ(f.generator_id,
            "arn:aws:iot-device-defender:eu-west-1:111122223333:detect/PumpBaseline/"
            "MessagesSent-High");
  EXPECT_EQ(f.types, (std::vector<std::string>{
                         "Unusual Behaviors/AWS IoT Device Defender/aws:num-messages-sent"}));
  ASSERT_EQ(f.resources.size(), 1U);
  EXPECT_EQ(f.resources[0].type, "AwsIotRegisteredThing");
  EXPECT_EQ(f.resources[0].id, testing::kPump017);
  EXPECT_EQ(f.resources[0].canonical_key, testing::kPump017);
  EXPECT_EQ(f.compliance_status, "FAILED");
  EXPECT_EQ(f.record_state, asff::RecordState::kActive);
  EXPECT_EQ(f.severity_label, asff::SeverityLabel::kHigh);
  EXPECT_EQ(f.updated_at, 1795340100000);
  EXPECT_EQ(f.title,
            "Thing pump-017 violates behavior MessagesSent-High of security profile "
            "PumpBaseline");
  EXPECT_EQ(f.description,
            "Device Defender raised an alarm: thing pump-017, behavior MessagesSent-High on "
            "aws:num-messages-sent (cloud-side), expected greater-than 100 over 300 s; observed "
            "4120.");
  EXPECT_EQ(ProductField(f, "BehaviorCriteriaType"), "STATIC");
  EXPECT_EQ(ProductField(f, "MetricSource"), "CLOUD_SIDE");
  EXPECT_EQ(ProductField(f, "SeverityReason"), "behavior name suffix -High");
  EXPECT_EQ(ProductField(f, "ViolationId"), "8c1f3a2e9b7d4e6fa0b1c2d3e4f50617");
}

TEST(DetectTest, MlStatisticalAndCidrBehaviorsOnBothMetricSides) {
  Documents docs;
  const asff::Finding ml =
      Decoded(ToAsff(Parsed(docs, "05-violation-in-alarm-ml.sns-message.json"), std::nullopt));
  EXPECT_EQ(ProductField(ml, "BehaviorCriteriaType"), "MACHINE_LEARNING");
  EXPECT_EQ(ProductField(ml, "ConfidenceLevel"), "HIGH");
  EXPECT_EQ(ml.severity_label, asff::SeverityLabel::kHigh);
  EXPECT_EQ(ProductField(ml, "SeverityReason"), "ML Detect confidence HIGH");

  const asff::Finding statistical = Decoded(
      ToAsff(Parsed(docs, "10-violation-in-alarm-statistical.sns-message.json"), std::nullopt));
  EXPECT_EQ(ProductField(statistical, "BehaviorCriteriaType"), "STATISTICAL");
  EXPECT_EQ(ProductField(statistical, "Threshold"), "the fleet's p99");
  EXPECT_EQ(ProductField(statistical, "MetricSource"), "DEVICE_SIDE");
  EXPECT_EQ(ProductField(statistical, "MetricValue"), "918273645");
  EXPECT_EQ(statistical.severity_label, asff::SeverityLabel::kCritical);

  const asff::Finding cidr =
      Decoded(ToAsff(Parsed(docs, "06-violation-in-alarm-cidr.sns-message.json"), std::nullopt));
  EXPECT_EQ(ProductField(cidr, "MetricSource"), "DEVICE_SIDE");
  EXPECT_EQ(ProductField(cidr, "Threshold"), "[10.20.0.0/16]");
  EXPECT_EQ(ProductField(cidr, "MetricValue"), "[203.0.113.45/32]");
  EXPECT_EQ(ProductField(cidr, "ComparisonOperator"), "not-in-cidr-set");
  EXPECT_EQ(cidr.severity_label, asff::SeverityLabel::kMedium);
  EXPECT_EQ(ProductField(cidr, "SeverityReason"), "default");

  auto custom = ParseViolation(docs.Parse(R"({"violationEventType": "in-alarm",
      "violationId": "v9", "thingName": "pump-001", "securityProfileName": "P",
      "violationEventTime": "2026-11-21T10:00:00Z",
      "behavior": {"name": "battery", "metric": "battery-level",
                   "criteria": {"comparisonOperator": "less-than", "value": {"number": 0.5}}},
      "metricValue": {"number": 0.12}})"),
                               kScope, {});
  ASSERT_TRUE(custom.ok()) << custom.status().ToString();
  EXPECT_EQ(custom->metric_source, "CUSTOM");
  EXPECT_EQ(custom->threshold, "0.5");
  EXPECT_EQ(custom->metric_value, "0.12");
  EXPECT_EQ(custom->event_time, 1795255200000);
}

TEST(DetectTest, ClearedResolvesAndInvalidatedArchivesTheSameFinding) {
  Documents docs;
  const Violation in_alarm = Parsed(docs, "04-violation-in-alarm-rules.sns-message.json");
  const Violation cleared = Parsed(docs, "07-violation-alarm-cleared.sns-message.json");
  EXPECT_EQ(cleared.identifier, in_alarm.identifier);
  const asff::Finding c = Decoded(ToAsff(cleared, PreviousSighting{1795340100000, std::nullopt}));
  EXPECT_EQ(c.compliance_status, "PASSED");
  EXPECT_EQ(c.workflow_status, asff::WorkflowStatus::kResolved);
  EXPECT_EQ(c.record_state, asff::RecordState::kActive);
  EXPECT_EQ(c.created_at, 1795340100000);
  EXPECT_EQ(c.first_observed_at, 1795340100000);
  EXPECT_EQ(c.updated_at, 1795344000000);

  const Violation invalidated = Parsed(docs, "08-violation-alarm-invalidated.sns-message.json");
  EXPECT_EQ(invalidated.identifier,
            Parsed(docs, "06-violation-in-alarm-cidr.sns-message.json").identifier);
  const asff::Finding i = Decoded(ToAsff(invalidated, std::nullopt));
  EXPECT_EQ(i.record_state, asff::RecordState::kArchived);
  EXPECT_EQ(i.compliance_status, "");
  EXPECT_EQ(invalidated.verification_state, "UNKNOWN");
  EXPECT_TRUE(VerificationOf(invalidated).has_value());
  EXPECT_FALSE(VerificationOf(in_alarm).has_value());
}

TEST(DetectTest, SeverityComesFromTheMapThenTheSuffixThenMlThenTheDefault) {
  Documents docs;
  auto config = SeverityConfig::Parse(docs.Parse(
      R"({"MessagesSent-High": "critical", "aws:num-authorization-failures": "LOW",
          "*": "INFORMATIONAL"})"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  Options options;
  options.detect_severity = *config;
  EXPECT_EQ(Parsed(docs, "04-violation-in-alarm-rules.sns-message.json", options).severity.label,
            asff::SeverityLabel::kCritical);
  const Violation ml = Parsed(docs, "05-violation-in-alarm-ml.sns-message.json", options);
  EXPECT_EQ(ml.severity.label, asff::SeverityLabel::kLow);
  EXPECT_EQ(ml.severity.reason, "configured for metric aws:num-authorization-failures");
  EXPECT_EQ(
      Parsed(docs, "10-violation-in-alarm-statistical.sns-message.json", options).severity.label,
      asff::SeverityLabel::kCritical);  // BytesOut-Critical, not in the map
  EXPECT_EQ(Parsed(docs, "06-violation-in-alarm-cidr.sns-message.json", options).severity.label,
            asff::SeverityLabel::kInformational);

  const SeverityConfig plain;
  EXPECT_EQ(plain.For("rate-informational", "m", "").label, asff::SeverityLabel::kInformational);
  EXPECT_EQ(plain.For("rate-LOW", "m", "HIGH").label, asff::SeverityLabel::kLow);
  EXPECT_EQ(plain.For("rate-limit", "m", "MEDIUM").label, asff::SeverityLabel::kMedium);
  EXPECT_EQ(plain.For("rate", "m", "").reason, "default");

  EXPECT_EQ(SeverityConfig::Parse(docs.Parse(R"({"x": "urgent"})")).status().message(),
            "severity configuration 'x': expected one of INFORMATIONAL, LOW, MEDIUM, HIGH, "
            "CRITICAL");
  EXPECT_FALSE(SeverityConfig::Parse(docs.Parse("[]")).ok());
}

TEST(DetectTest, BadViolationsAreRefusedNamingTheMember) {
  const std::string ok_behavior = R"("behavior": {"name": "b", "metric": "aws:num-disconnects"})";
  struct Bad {
    std::string json;
    std::string message;
  };
  const std::vector<Bad> cases{
      {R"({"violationEventType": "in-alarm-ish"})",
       "violationEventType 'in-alarm-ish' is not one of in-alarm, alarm-cleared, "
       "alarm-invalidated"},
      {R"({"violationEventType": "in-alarm", "thingName": "t", "securityProfileName": "p"})",
       "violationId is missing"},
      {R"({"violationEventType": "in-alarm", "violationId": "v", "securityProfileName": "p"})",
       "thingName is missing"},
      {R"({"violationEventType": "in-alarm", "violationId": "v", "thingName": "t",
           "securityProfileName": "p", )" +
           ok_behavior + "}",
       "violationEventTime is missing"},
      {R"({"violationEventType": "in-alarm", "violationId": "v", "thingName": "t",
           "securityProfileName": "p", "violationEventTime": 1795340100})",
       "behavior is missing"},
      {R"({"violationEventType": "in-alarm", "violationId": "v", "thingName": "t",
           "securityProfileName": "p", "violationEventTime": 1795340100, "behavior": {}})",
       "behavior.name is missing"},
      {R"({"violationEventType": "in-alarm", "violationId": "v", "thingName": "t",
           "securityProfileName": "p", "violationEventTime": 1795340100, )" +
           ok_behavior + R"(, "verificationState": "MAYBE"})",
       "verificationState 'MAYBE' is not one of FALSE_POSITIVE, BENIGN_POSITIVE, TRUE_POSITIVE, "
       "UNKNOWN"},
  };
  for (const Bad& c : cases) {
    Documents docs;
    auto v = ParseViolation(docs.Parse(c.json), kScope, {});
    ASSERT_FALSE(v.ok()) << c.json;
    EXPECT_EQ(v.status().message(), c.message) << c.json;
  }
  Documents docs;
  EXPECT_EQ(ParseViolation(docs.Load("04-violation-in-alarm-rules.sns-message.json"),
                           Scope{"aws", "", "111122223333"}, {})
                .status()
                .message(),
            "the violation's partition, region or account is unknown");
}

TEST(DetectTest, InventoryRelatesTheThingToItsCertificatesAndTheirPolicies) {
  Inventory inventory;
  inventory.AddThingCertificate("pump-017", std::string(testing::kSharedCertificate));
  inventory.AddCertificatePolicy(std::string(testing::kSharedCertificate), "PumpFleetPolicy");
  Options options;
  options.inventory = &inventory;
  Documents docs;
  const asff::Finding f = Decoded(
      ToAsff(Parsed(docs, "04-violation-in-alarm-rules.sns-message.json", options), std::nullopt));
  EXPECT_TRUE(HasRelation(f, testing::kPump017, testing::CertificateArn()));
  EXPECT_TRUE(HasRelation(f, testing::kPump017, testing::kPolicyArn));
  // Without an inventory the finding states nothing beyond the thing.
  EXPECT_TRUE(
      Decoded(ToAsff(Parsed(docs, "04-violation-in-alarm-rules.sns-message.json"), std::nullopt))
          .relations.empty());
}

}  // namespace
}  // namespace corroborate::iot
