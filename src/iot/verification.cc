// Verification states: CloudTrail's PutVerificationStateOnViolation, the verificationState of
// violation messages, and the BatchUpdateFindings change they make.
#include "asff/json_writer.h"
#include "iot/internal.h"
#include "iot/iot.h"

namespace corroborate::iot {

using internal::Cut;
using internal::IsVerificationState;
using internal::StringMember;
using simdjson::dom::element;

namespace {

constexpr std::string_view kDeviceDefender = "AWS IoT Device Defender";

}  // namespace

Result<VerificationEvent> ParseVerificationEvent(element event, const Scope& defaults) {
  if (!event.is_object()) return Status::InvalidInput("the event should be a JSON object");
  element detail = event;
  Scope scope;
  if (internal::HasMember(event, "detail-type")) {
    if (event["detail"].get(detail) != simdjson::SUCCESS || !detail.is_object()) {
      return Status::InvalidInput("the EventBridge event has no detail object");
    }
    scope.region = std::string(StringMember(event, "region"));
    scope.account = std::string(StringMember(event, "account"));
  }
  const std::string_view source = StringMember(detail, "eventSource");
  const std::string_view name = StringMember(detail, "eventName");
  if (source != "iot.amazonaws.com" || name != "PutVerificationStateOnViolation") {
    return Status::InvalidInput(
        "CloudTrail event " + Cut(name.empty() ? "(no eventName)" : name, 80) + " from " +
        Cut(source.empty() ? "(no eventSource)" : source, 80) +
        " is not IoT Device Defender's PutVerificationStateOnViolation: nothing to import");
  }
  VerificationEvent out;
  if (const std::string_view error = StringMember(detail, "errorCode"); !error.empty()) {
    const std::string_view message = StringMember(detail, "errorMessage");
    out.ignored = "the PutVerificationStateOnViolation call failed (" + Cut(error, 80) +
                  (message.empty() ? "" : ": " + Cut(message, 200)) +
                  "), so the violation's state did not change";
    return out;
  }
  element request;
  if (detail["requestParameters"].get(request) != simdjson::SUCCESS || !request.is_object()) {
    return Status::InvalidInput("detail.requestParameters is missing");
  }
  Verification v;
  v.violation_id = std::string(StringMember(request, "violationId"));
  if (v.violation_id.empty()) {
    return Status::InvalidInput("detail.requestParameters.violationId is missing");
  }
  v.state = std::string(StringMember(request, "verificationState"));
  if (!IsVerificationState(v.state)) {
    return Status::InvalidInput(
        "detail.requestParameters.verificationState '" + Cut(v.state, 40) +
        "' is not one of FALSE_POSITIVE, BENIGN_POSITIVE, TRUE_POSITIVE, UNKNOWN");
  }
  v.description = std::string(StringMember(request, "verificationStateDescription"));
  element identity;
  std::string_view caller_arn;
  if (detail["userIdentity"].get(identity) == simdjson::SUCCESS) {
    caller_arn = StringMember(identity, "arn");
    v.by = std::string(caller_arn);
    if (v.by.empty()) v.by = std::string(StringMember(identity, "principalId"));
    if (scope.account.empty()) scope.account = std::string(StringMember(identity, "accountId"));
  }
  if (v.by.empty()) v.by = "an unidentified caller";
  if (const std::string_view region = StringMember(detail, "awsRegion"); !region.empty()) {
    scope.region = std::string(region);
  }
  if (const std::string_view account = StringMember(detail, "recipientAccountId");
      !account.empty()) {
    scope.account = std::string(account);
  }
  scope.partition = ScopeFromArn(caller_arn).partition;
  v.scope = Complete(std::move(scope), defaults);
  if (!v.scope.complete()) {
    return Status::InvalidInput(
        "the event names no region or account (awsRegion, "
        "recipientAccountId) and no default was given");
  }
  auto at = internal::TimeMember(detail, "eventTime");
  if (!at.ok()) return at.status();
  if (!*at) at = internal::TimeMember(event, "time");
  if (!at.ok()) return at.status();
  if (!*at) return Status::InvalidInput("detail.eventTime is missing");
  v.at = **at;
  out.verification = std::move(v);
  return out;
}

std::optional<Verification> VerificationOf(const Violation& violation) {
  if (violation.verification_state.empty()) return std::nullopt;
  Verification v;
  v.scope = violation.scope;
  v.violation_id = violation.violation_id;
  v.state = violation.verification_state;
  v.description = violation.verification_description;
  v.by = std::string(kDeviceDefender);
  v.at = violation.event_time;
  return v;
}

asff::BatchUpdate VerificationUpdate(const Verification& v) {
  asff::BatchUpdate update;
  update.identifiers.push_back(DetectIdentifier(v.scope, v.violation_id));
  update.verification_state = v.state;
  if (v.state == "UNKNOWN") return update;
  update.workflow_status = v.state == "TRUE_POSITIVE" ? "NOTIFIED" : "SUPPRESSED";
  std::string text = v.state + " in AWS IoT Device Defender";
  if (v.by != kDeviceDefender) text += " by " + v.by;
  text += " at " + asff::FormatTimestamp(v.at);
  text += v.description.empty() ? std::string(" (no description)") : ": " + v.description;
  update.note =
      asff::Note{Cut(text, internal::kMaxNoteText), Cut(v.by, internal::kMaxNoteText), ""};
  return update;
}

std::string VerificationKey(const Scope& scope, std::string_view violation_id) {
  return "iot/verification/" + scope.partition + "/" + scope.region + "/" + scope.account + "/" +
         internal::EncodePart(violation_id);
}

std::string VerificationKey(const Verification& v) {
  return VerificationKey(v.scope, v.violation_id);
}

std::string EncodeVerification(const Verification& v, bool applied) {
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject();
  w.Key("partition").String(v.scope.partition);
  w.Key("region").String(v.scope.region);
  w.Key("account").String(v.scope.account);
  w.Key("violationId").String(v.violation_id);
  w.Key("state").String(v.state);
  w.Key("description").String(v.description);
  w.Key("by").String(v.by);
  w.Key("at").Int(v.at);
  w.Key("applied").Bool(applied);
  w.EndObject();
  return out;
}

Result<StoredVerification> DecodeVerification(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return Status::Corruption("a stored verification state is not a JSON object");
  }
  StoredVerification out;
  Verification& v = out.verification;
  v.scope.partition = std::string(StringMember(root, "partition"));
  v.scope.region = std::string(StringMember(root, "region"));
  v.scope.account = std::string(StringMember(root, "account"));
  v.violation_id = std::string(StringMember(root, "violationId"));
  v.state = std::string(StringMember(root, "state"));
  v.description = std::string(StringMember(root, "description"));
  v.by = std::string(StringMember(root, "by"));
  if (root["at"].get_int64().get(v.at) != simdjson::SUCCESS ||
      root["applied"].get_bool().get(out.applied) != simdjson::SUCCESS ||
      !IsVerificationState(v.state)) {
    return Status::Corruption("a stored verification state is incomplete");
  }
  return out;
}

}  // namespace corroborate::iot
