// EventHandler: what the `corroborate` Lambda function does with one invocation's event.
//
// Contract:
// - The store is injected (a FindingStore&: the embedded store in $CORROBORATE_DATA_DIR today,
//   the planned DynamoDB backend later) and outlives the handler; so do the correlation rules.
// - The event is dispatched by its shape, and only these are understood:
//     * an EventBridge event "Security Hub Findings - Imported" (or "- Custom Action") from
//       aws.securityhub: its detail.findings;
//     * an EventBridge event "AWS API Call via CloudTrail" from aws.iot: the
//       PutVerificationStateOnViolation call (another call is reported, not imported);
//     * a Lambda SNS event (every Records[] entry with Sns.Message), whose messages are AWS IoT
//       Device Defender audit notices, ListAuditFindings pages, violation messages (or
//       findings, or EventBridge events);
//     * a BatchImportFindings request, {"Findings": [...]}, 1 to 100 findings;
//     * a bare Device Defender message (for `aws lambda invoke`).
//   Anything else is the error Corroborate.UnsupportedEvent, whose message says what it was and
//   lists what is expected: never a silent success.
// - What is understood goes through pipeline::IngestEvents (the code of the server's
//   /events/eventbridge and /events/sns), correlated with the rules when there are any. A
//   message's IoT scope comes from its SNS topic, else the configured defaults, else the
//   function's ARN (its partition, region and account).
// - The response: {"Event": <kind>, "SuccessCount", "FailedCount", "FailedFindings": [{"Id",
//   "ErrorCode", "ErrorMessage", "Location"}] (as Security Hub's BatchImportFindings reports
//   them, the first 100), "Findings" and "IotMessages" counters, "Info" (what notices and
//   verifications did), "Incidents" {"Created", "Updated", "Withdrawn"}}.
// - An audit-complete notice arrives without its findings (SNS carries the notice only). With an
//   IoT API (HandlerOptions::iot_api), every audit task whose notice settled nothing for want of
//   them is pulled as `corroborate iot pull` does (pipeline::PullAudit: DescribeAuditTask, every
//   ListAuditFindings page, then the task settled, archiving what it no longer reports), and the
//   response says so in Info; its NotArchived failures are then left out. Without one, the
//   response lists them (NotArchived), as before.
// - Errors (the Lambda error document, errorType): Corroborate.UnsupportedEvent (see above);
//   Corroborate.InvalidInput (not JSON, a BatchImportFindings request without 1..100 findings,
//   or an event of which nothing could be used: its first failure is quoted; an audit-complete
//   notice whose checks wait for their ListAuditFindings pages is a response with NotArchived
//   failures, not an error, since a retry would not change it); and
//   Corroborate.StoreError (the store failed; what was stored before stays and a retry is
//   harmless: imports not newer than the stored version change nothing); and
//   Corroborate.IotApiError (pulling an audit's findings failed after the HTTP client's retries:
//   Lambda retries the notice, and the pull starts again; nothing is settled by a partial pull).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "asff/timestamp.h"
#include "correlate/rules.h"
#include "iot/iot.h"
#include "lambda/runtime.h"
#include "pipeline/iot_pull.h"
#include "store/store.h"

namespace corroborate::lambda {

struct HandlerOptions {
  iot::Options iot;                     // defaults; empty scope parts come from the function ARN
  std::function<asff::TimeMs()> clock;  // default: the system clock
  pipeline::IotApi* iot_api = nullptr;  // outlives the handler; null: audits are not pulled
};

class EventHandler final : public Handler {
 public:
  // `rules` may be null or empty: no correlation.
  EventHandler(store::FindingStore& store, const std::vector<correlate::Rule>* rules,
               HandlerOptions options);

  Outcome Handle(const Invocation& invocation) override;

 private:
  store::FindingStore& store_;
  const std::vector<correlate::Rule>* rules_;
  HandlerOptions options_;
};

}  // namespace corroborate::lambda
