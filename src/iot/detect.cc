// Detect: violation messages as ASFF findings on the thing.
#include <algorithm>
#include <array>

#include "asff/json_writer.h"
#include "asff/relations.h"
#include "iot/internal.h"
#include "iot/iot.h"

namespace corroborate::iot {

using asff::JsonWriter;
using internal::Cut;
using internal::EncodePart;
using internal::IsVerificationState;
using internal::StringMember;
using internal::WriteProductField;
using simdjson::dom::element;

namespace {

// device-defender.md, 2.2.
constexpr std::array<std::string_view, 8> kCloudSideMetrics{
    "aws:num-messages-sent", "aws:num-messages-received",
    "aws:message-byte-size", "aws:num-authorization-failures",
    "aws:source-ip-address", "aws:num-connection-attempts",
    "aws:num-disconnects",   "aws:disconnect-duration"};
constexpr std::array<std::string_view, 10> kDeviceSideMetrics{
    "aws:all-bytes-out",
    "aws:all-bytes-in",
    "aws:all-packets-out",
    "aws:all-packets-in",
    "aws:destination-ip-addresses",
    "aws:listening-tcp-ports",
    "aws:listening-udp-ports",
    "aws:num-listening-tcp-ports",
    "aws:num-listening-udp-ports",
    "aws:num-established-tcp-connections"};

std::string_view MetricSource(std::string_view metric) {
  if (std::find(kCloudSideMetrics.begin(), kCloudSideMetrics.end(), metric) !=
      kCloudSideMetrics.end()) {
    return "CLOUD_SIDE";
  }
  if (std::find(kDeviceSideMetrics.begin(), kDeviceSideMetrics.end(), metric) !=
      kDeviceSideMetrics.end()) {
    return "DEVICE_SIDE";
  }
  if (metric.empty()) return "UNKNOWN";
  // Custom metrics are named by the user; AWS's own all start with aws:.
  return metric.starts_with("aws:") ? "UNKNOWN" : "CUSTOM";
}

// A MetricValue ({count} | {number} | {numbers} | {cidrs} | {ports} | {strings}) as text.
std::string MetricValueText(element value) {
  if (!value.is_object()) return {};
  std::string out;
  for (auto [key, member] : internal::ObjectOf(value)) {
    std::string part;
    if (member.is_number()) {
      part = internal::NumberText(member);
    } else if (member.is_array()) {
      for (element item : internal::ArrayOf(member)) {
        std::string_view s;
        const std::string text = item.get_string().get(s) == simdjson::SUCCESS
                                     ? std::string(s)
                                     : internal::NumberText(item);
        if (text.empty()) continue;
        if (!part.empty()) part += ", ";
        part += text;
      }
      part.insert(0, "[").append("]");
    } else {
      continue;
    }
    if (!out.empty()) out += "; ";
    out += part;
  }
  return out;
}

}  // namespace

asff::FindingIdentifier DetectIdentifier(const Scope& scope, std::string_view violation_id) {
  return {ProductArn(scope),
          internal::BoundedId(internal::Arn(scope, "iot-device-defender", "detect/violation/"),
                              EncodePart(violation_id))};
}

Result<Violation> ParseViolation(element message, const Scope& scope, const Options& options) {
  if (!message.is_object()) return Status::InvalidInput("the violation should be a JSON object");
  if (!scope.complete()) {
    return Status::InvalidInput("the violation's partition, region or account is unknown");
  }
  Violation v;
  v.scope = scope;
  v.event_type = std::string(StringMember(message, "violationEventType"));
  if (v.event_type != "in-alarm" && v.event_type != "alarm-cleared" &&
      v.event_type != "alarm-invalidated") {
    return Status::InvalidInput("violationEventType '" + Cut(v.event_type, 40) +
                                "' is not one of in-alarm, alarm-cleared, alarm-invalidated");
  }
  for (auto [member, out] :
       {std::pair<std::string_view, std::string*>{"violationId", &v.violation_id},
        {"thingName", &v.thing_name},
        {"securityProfileName", &v.security_profile}}) {
    *out = std::string(StringMember(message, member));
    if (out->empty()) return Status::InvalidInput(std::string(member) + " is missing");
  }
  auto time = internal::TimeMember(message, "violationEventTime");
  if (!time.ok()) return time.status();
  if (!*time) return Status::InvalidInput("violationEventTime is missing");
  v.event_time = **time;

  element behavior;
  if (message["behavior"].get(behavior) != simdjson::SUCCESS || !behavior.is_object()) {
    return Status::InvalidInput("behavior is missing");
  }
  v.behavior = std::string(StringMember(behavior, "name"));
  if (v.behavior.empty()) return Status::InvalidInput("behavior.name is missing");
  v.metric = std::string(StringMember(behavior, "metric"));
  v.metric_source = std::string(MetricSource(v.metric));
  element dimension;
  if (behavior["metricDimension"].get(dimension) == simdjson::SUCCESS) {
    const std::string_view name = StringMember(dimension, "dimensionName");
    const std::string_view op = StringMember(dimension, "operator");
    if (!name.empty()) v.dimension = std::string(name) + (op.empty() ? "" : " " + std::string(op));
  }
  element criteria;
  v.criteria_type = "UNKNOWN";
  if (behavior["criteria"].get(criteria) == simdjson::SUCCESS && criteria.is_object()) {
    v.comparison_operator = std::string(StringMember(criteria, "comparisonOperator"));
    std::int64_t duration = 0;
    if (criteria["durationSeconds"].get_int64().get(duration) == simdjson::SUCCESS) {
      v.duration_seconds = duration;
    }
    element part;
    if (criteria["mlDetectionConfig"].get(part) == simdjson::SUCCESS) {
      v.criteria_type = "MACHINE_LEARNING";
      v.confidence = std::string(StringMember(part, "confidenceLevel"));
      v.threshold = "ML model, confidence " + (v.confidence.empty() ? "?" : v.confidence);
    } else if (criteria["statisticalThreshold"].get(part) == simdjson::SUCCESS) {
      v.criteria_type = "STATISTICAL";
      const std::string_view statistic = StringMember(part, "statistic");
      v.threshold = "the fleet's " + std::string(statistic.empty() ? "?" : statistic);
    } else if (criteria["value"].get(part) == simdjson::SUCCESS) {
      v.criteria_type = "STATIC";
      v.threshold = MetricValueText(part);
    }
  }
  element info;
  if (message["violationEventAdditionalInfo"].get(info) == simdjson::SUCCESS) {
    const std::string_view confidence = StringMember(info, "confidenceLevel");
    if (!confidence.empty()) v.confidence = std::string(confidence);
  }
  element observed;
  if (message["metricValue"].get(observed) == simdjson::SUCCESS) {
    v.metric_value = MetricValueText(observed);
  }
  v.verification_state = std::string(StringMember(message, "verificationState"));
  if (!v.verification_state.empty() && !IsVerificationState(v.verification_state)) {
    return Status::InvalidInput("verificationState '" + Cut(v.verification_state, 40) +
                                "' is not one of FALSE_POSITIVE, BENIGN_POSITIVE, TRUE_POSITIVE, "
                                "UNKNOWN");
  }
  v.verification_description = std::string(StringMember(message, "verificationStateDescription"));
  v.severity = options.detect_severity.For(
      v.behavior, v.metric, v.criteria_type == "MACHINE_LEARNING" ? v.confidence : "");
  if (options.inventory != nullptr) {
    v.certificates = options.inventory->CertificatesOf(v.thing_name);
    for (const std::string& c : v.certificates) {
      for (auto& p : options.inventory->PoliciesOf(c)) v.policies.push_back(std::move(p));
    }
    std::sort(v.policies.begin(), v.policies.end());
    v.policies.erase(std::unique(v.policies.begin(), v.policies.end()), v.policies.end());
  }
  v.identifier = DetectIdentifier(scope, v.violation_id);
  v.generator_id =
      internal::BoundedId(internal::Arn(scope, "iot-device-defender", "detect/"),
                          EncodePart(v.security_profile) + "/" + EncodePart(v.behavior));
  return v;
}

std::string ToAsff(const Violation& v, const std::optional<PreviousSighting>& previous) {
  std::string out;
  out.reserve(2048);
  JsonWriter w(out);
  w.BeginObject();
  w.Key("SchemaVersion").String(asff::kSchemaVersion);
  w.Key("Id").String(v.identifier.id);
  w.Key("ProductArn").String(v.identifier.product_arn);
  w.Key("ProductName").String(kDetectProductName);
  w.Key("CompanyName").String(kCompanyName);
  w.Key("GeneratorId").String(v.generator_id);
  w.Key("AwsAccountId").String(v.scope.account);
  std::string classifier = v.metric.empty() ? v.behavior : v.metric;
  std::replace(classifier.begin(), classifier.end(), '/', '-');
  w.Key("Types").BeginArray().String(Cut(std::string(kTypePrefixDetect) + classifier, 128));
  w.EndArray();
  const asff::TimeMs created = previous ? previous->created_at : v.event_time;
  const asff::TimeMs first =
      previous ? previous->first_observed_at.value_or(previous->created_at) : v.event_time;
  w.Key("CreatedAt").String(asff::FormatTimestamp(created));
  w.Key("UpdatedAt").String(asff::FormatTimestamp(v.event_time));
  w.Key("FirstObservedAt").String(asff::FormatTimestamp(std::min(first, v.event_time)));
  w.Key("LastObservedAt").String(asff::FormatTimestamp(v.event_time));
  w.Key("Severity").BeginObject().Key("Label").String(asff::ToString(v.severity.label));
  w.EndObject();
  w.Key("Title").String(Cut("Thing " + v.thing_name + " violates behavior " + v.behavior +
                                " of security profile " + v.security_profile,
                            internal::kMaxTitle));
  std::string description = "Device Defender ";
  if (v.event_type == "in-alarm") {
    description += "raised an alarm: ";
  } else if (v.event_type == "alarm-cleared") {
    description += "cleared the alarm (the device behaves again): ";
  } else {
    description += "invalidated the alarm (the behavior, profile or thing changed): ";
  }
  description += "thing " + v.thing_name + ", behavior " + v.behavior;
  if (!v.metric.empty()) description += " on " + v.metric;
  if (v.metric_source == "CLOUD_SIDE") description += " (cloud-side)";
  if (v.metric_source == "DEVICE_SIDE") description += " (device-side)";
  if (v.metric_source == "CUSTOM") description += " (custom metric)";
  if (!v.threshold.empty()) {
    description += ", expected " +
                   (v.comparison_operator.empty() ? std::string() : v.comparison_operator + " ") +
                   v.threshold;
  }
  if (v.duration_seconds) description += " over " + std::to_string(*v.duration_seconds) + " s";
  if (!v.metric_value.empty()) description += "; observed " + v.metric_value;
  description += ".";
  w.Key("Description").String(Cut(description, internal::kMaxDescription));
  w.Key("SourceUrl").String(internal::ConsoleUrl(v.scope) + "/dd/violationhub");

  w.Key("ProductFields").BeginObject();
  WriteProductField(w, "ReportType", "Violation");
  WriteProductField(w, "ViolationId", v.violation_id);
  WriteProductField(w, "ViolationEventType", v.event_type);
  WriteProductField(w, "ThingName", v.thing_name);
  WriteProductField(w, "SecurityProfileName", v.security_profile);
  WriteProductField(w, "BehaviorName", v.behavior);
  WriteProductField(w, "MetricName", v.metric);
  WriteProductField(w, "MetricSource", v.metric_source);
  WriteProductField(w, "BehaviorCriteriaType", v.criteria_type);
  WriteProductField(w, "ComparisonOperator", v.comparison_operator);
  WriteProductField(w, "Threshold", v.threshold);
  WriteProductField(w, "MetricValue", v.metric_value);
  WriteProductField(w, "ConfidenceLevel", v.confidence);
  WriteProductField(w, "MetricDimension", v.dimension);
  if (v.duration_seconds)
    WriteProductField(w, "DurationSeconds", std::to_string(*v.duration_seconds));
  WriteProductField(w, "SeverityReason", v.severity.reason);
  w.EndObject();

  w.Key("Resources").BeginArray().BeginObject();
  w.Key("Type").String(asff::kIotThingType);
  w.Key("Id").String(Cut(internal::Arn(v.scope, "iot", "thing/" + v.thing_name), internal::kMaxId));
  w.Key("Partition").String(v.scope.partition);
  w.Key("Region").String(v.scope.region);
  w.Key("Details").BeginObject().Key("Other").BeginObject();
  w.Key("ThingName").String(Cut(v.thing_name, internal::kMaxOtherValue));
  for (auto [key, items] : {std::pair<std::string_view, const std::vector<std::string>*>{
                                "CertificateIds", &v.certificates},
                            {"PolicyNames", &v.policies}}) {
    std::vector<std::string> fitting = *items;
    std::string text = asff::FormatIotList(fitting);
    while (text.size() > internal::kMaxOtherValue && !fitting.empty()) {
      fitting.pop_back();
      text = asff::FormatIotList(fitting);
    }
    if (!text.empty()) w.Key(key).String(text);
  }
  w.EndObject().EndObject();
  w.EndObject().EndArray();

  if (v.event_type == "in-alarm") {
    w.Key("Compliance").BeginObject().Key("Status").String("FAILED").EndObject();
  } else if (v.event_type == "alarm-cleared") {
    w.Key("Compliance").BeginObject().Key("Status").String("PASSED").EndObject();
    // Import sets Workflow only on creation; the importer resolves an existing finding itself.
    w.Key("Workflow").BeginObject().Key("Status").String("RESOLVED").EndObject();
  }
  w.Key("RecordState").String(v.event_type == "alarm-invalidated" ? "ARCHIVED" : "ACTIVE");
  w.EndObject();
  return out;
}

}  // namespace corroborate::iot
