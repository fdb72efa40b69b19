// Verification states: the CloudTrail event, a violation's own verificationState, and the
// BatchUpdateFindings change each state makes.
#include <gtest/gtest.h>

#include <string>

#include "iot/iot.h"
#include "iot_test_util.h"

namespace corroborate::iot {
namespace {

using testing::Documents;
using testing::kScope;

std::string Event(const std::string& state, const std::string& extra_detail = "") {
  return R"({"version": "0", "id": "e", "detail-type": "AWS API Call via CloudTrail",
    "source": "aws.iot", "account": "111122223333", "time": "2026-11-21T03:00:01Z",
    "region": "eu-west-1", "detail": {"eventSource": "iot.amazonaws.com",
    "eventName": "PutVerificationStateOnViolation", "eventTime": "2026-11-21T03:00:00Z",
    "awsRegion": "eu-west-1", "recipientAccountId": "111122223333",
    "userIdentity": {"arn": "arn:aws:sts::111122223333:assumed-role/SecOps/bob"},
    "requestParameters": {"violationId": "v-1", "verificationState": ")" +
         state + R"(", "verificationStateDescription": "checked on site"})" + extra_detail + "}}";
}

TEST(VerificationTest, ReferenceFalsePositiveSuppressesWithTheOperatorsDescription) {
  Documents docs;
  auto event = ParseVerificationEvent(
      docs.Load("09-verification-false-positive.cloudtrail-eventbridge.json"), {});
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  ASSERT_TRUE(event->verification);
  const Verification& v = *event->verification;
  EXPECT_EQ(v.violation_id, "2b9e7d5c3a1f4e8d9c0b1a2f3e4d5c6b");
  EXPECT_EQ(v.state, "FALSE_POSITIVE");
  EXPECT_EQ(v.by, "arn:aws:sts::111122223333:assumed-role/SecOps/alice");
  EXPECT_EQ(v.at, 1795228299000);
  EXPECT_EQ(v.scope.region, "eu-west-1");
  EXPECT_EQ(v.scope.account, "111122223333");
  EXPECT_EQ(v.scope.partition, "aws");

  const asff::BatchUpdate u = VerificationUpdate(v);
  // It names the finding the ML violation became.
  Documents more;
  auto ml = ParseViolation(more.Load("05-violation-in-alarm-ml.sns-message.json"), kScope, {});
  ASSERT_TRUE(ml.ok());
  ASSERT_EQ(u.identifiers.size(), 1U);
  EXPECT_EQ(u.identifiers[0], ml->identifier);
  EXPECT_EQ(u.workflow_status, "SUPPRESSED");
  EXPECT_EQ(u.verification_state, "FALSE_POSITIVE");
  ASSERT_TRUE(u.note);
  EXPECT_EQ(u.note->text,
            "FALSE_POSITIVE in AWS IoT Device Defender by "
            "arn:aws:sts::111122223333:assumed-role/SecOps/alice at 2026-11-21T02:31:39.000Z: "
            "Firmware rollout caused auth retries");
  EXPECT_EQ(u.note->updated_by, "arn:aws:sts::111122223333:assumed-role/SecOps/alice");
}

TEST(VerificationTest, EachStateMakesItsChange) {
  for (const auto& [state, workflow, note] :
       {std::tuple<std::string, std::string, bool>{"BENIGN_POSITIVE", "SUPPRESSED", true},
        {"TRUE_POSITIVE", "NOTIFIED", true},
        {"UNKNOWN", "", false}}) {
    Documents docs;
    auto event = ParseVerificationEvent(docs.Parse(Event(state)), {});
    ASSERT_TRUE(event.ok() && event->verification) << state;
    const asff::BatchUpdate u = VerificationUpdate(*event->verification);
    EXPECT_EQ(u.verification_state, state);
    EXPECT_EQ(u.workflow_status.value_or(""), workflow) << state;
    EXPECT_EQ(u.note.has_value(), note) << state;
  }
}

TEST(VerificationTest, FailedCallsAreIgnoredAndOtherEventsRefused) {
  Documents docs;
  auto failed =
      ParseVerificationEvent(docs.Parse(Event("FALSE_POSITIVE", R"(, "errorCode": "AccessDenied",
                                           "errorMessage": "not allowed")")),
                             {});
  ASSERT_TRUE(failed.ok());
  EXPECT_FALSE(failed->verification);
  EXPECT_EQ(failed->ignored,
            "the PutVerificationStateOnViolation call failed (AccessDenied: not allowed), so the "
            "violation's state did not change");

  std::string other = Event("FALSE_POSITIVE");
  other.replace(other.find("PutVerificationStateOnViolation"), 31, "DeleteThing");
  EXPECT_EQ(ParseVerificationEvent(docs.Parse(other), {}).status().message(),
            "CloudTrail event DeleteThing from iot.amazonaws.com is not IoT Device Defender's "
            "PutVerificationStateOnViolation: nothing to import");
  EXPECT_EQ(ParseVerificationEvent(docs.Parse(Event("MAYBE")), {}).status().message(),
            "detail.requestParameters.verificationState 'MAYBE' is not one of FALSE_POSITIVE, "
            "BENIGN_POSITIVE, TRUE_POSITIVE, UNKNOWN");
  std::string no_id = Event("UNKNOWN");
  no_id.replace(no_id.find(R"("violationId": "v-1", )"), 21, "");
  EXPECT_EQ(ParseVerificationEvent(docs.Parse(no_id), {}).status().message(),
            "detail.requestParameters.violationId is missing");
}

TEST(VerificationTest, TheDetailAloneWorksAndDefaultsFillTheScope) {
  Documents docs;
  const auto detail = docs.Parse(R"({"eventSource": "iot.amazonaws.com",
      "eventName": "PutVerificationStateOnViolation", "eventTime": "2026-11-21T03:00:00Z",
      "requestParameters": {"violationId": "v-2", "verificationState": "TRUE_POSITIVE"}})");
  EXPECT_EQ(ParseVerificationEvent(detail, {}).status().message(),
            "the event names no region or account (awsRegion, recipientAccountId) and no default "
            "was given");
  auto event = ParseVerificationEvent(detail, kScope);
  ASSERT_TRUE(event.ok() && event->verification);
  EXPECT_EQ(event->verification->by, "an unidentified caller");
  EXPECT_EQ(event->verification->scope.region, "eu-west-1");
  EXPECT_EQ(VerificationUpdate(*event->verification).note->text,
            "TRUE_POSITIVE in AWS IoT Device Defender by an unidentified caller at "
            "2026-11-21T03:00:00.000Z (no description)");
}

TEST(VerificationTest, StoredStatesRoundTrip) {
  Verification v{kScope, "v/1", "BENIGN_POSITIVE", "a \"quoted\" reason", "someone", 1795228299000};
  auto decoded = DecodeVerification(EncodeVerification(v, true));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->applied);
  EXPECT_EQ(decoded->verification.description, v.description);
  EXPECT_EQ(decoded->verification.at, v.at);
  EXPECT_EQ(decoded->verification.scope.account, "111122223333");
  EXPECT_EQ(VerificationKey(v), "iot/verification/aws/eu-west-1/111122223333/v%2F1");
  EXPECT_FALSE(DecodeVerification("{}").ok());
  EXPECT_FALSE(DecodeVerification("nope").ok());
}

}  // namespace
}  // namespace corroborate::iot
