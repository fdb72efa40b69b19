// AWS IoT Device Defender data as ASFF findings: audit findings, detect violations, their
// lifecycle, and operators' verification states.
//
// Contract:
// - Every function takes one parsed message (or one item of one) and says what it means in ASFF
//   terms. Nothing here reads files, talks to AWS or touches a store: the caller
//   (pipeline/iot_import.h) stores the findings with Security Hub's import semantics and applies
//   the BatchUpdateFindings changes, so the same entry points serve files, the HTTP server's SNS
//   and EventBridge endpoints, and a live ListAuditFindings pull (one page at a time).
// - Classify tells the message kinds apart by their members: an audit-complete notice (taskId,
//   taskStatus, auditDetails), a ListAuditFindings page (findings[]), one AuditFinding (checkName
//   and nonCompliantResource), a violation message (violationEventType), a CloudTrail
//   PutVerificationStateOnViolation event (EventBridge "AWS API Call via CloudTrail", or its
//   detail alone).
// - The Parse* functions validate what they use and return Status::InvalidInput naming the member
//   at fault and what was expected; they never crash on any JSON. What they can do without, they
//   do without, by the fallbacks docs/iot.md lists: an unknown check imports with the finding's own
//   severity and a title made from its name; an unknown resource kind becomes an `Other` resource
//   whose Id joins every identifier member; a related resource that cannot be read is left out and
//   counted in ProductFields; findingTime falls back to taskStartTime.
// - Ids are stable and collision-free: audit findings from (partition, region, account, check,
//   every member of the resource identifier, percent-encoded), so the next audit updates the same
//   finding; detect findings from (partition, region, account, violationId), the one thing a
//   verification event names. Ids longer than ASFF's 512 characters keep a digest of the rest.
// - The ASFF JSON written passes asff::DecodeFinding: every string is cut to ASFF's limits at a
//   UTF-8 boundary, and at most 32 Resources are written (the rest are counted in ProductFields).
//   Resources' Details.Other state the thing - certificate - policy relations of asff/relations.h
//   from related resources, MQTT client ids (taken as thing names, AWS's convention, unless
//   Options says otherwise) and the Inventory.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "asff/finding.h"
#include "asff/import.h"
#include "asff/timestamp.h"
#include "common/status.h"

namespace corroborate::iot {

// Security Hub shows these for the native integration; using them for our findings too lets one
// rule or filter cover both (the ProductArn tells them apart).
inline constexpr std::string_view kAuditProductName = "IoT Device Defender - Audit";
inline constexpr std::string_view kDetectProductName = "IoT Device Defender - Detect";
inline constexpr std::string_view kCompanyName = "AWS";
inline constexpr std::string_view kTypePrefixAudit =
    "Software and Configuration Checks/AWS IoT Device Defender/";
inline constexpr std::string_view kTypePrefixDetect = "Unusual Behaviors/AWS IoT Device Defender/";

// Where findings belong. Device Defender messages name the account at most and never the region:
// those come from the SNS topic ARN, the EventBridge event, or the caller's defaults.
struct Scope {
  std::string partition;  // aws, aws-cn, aws-us-gov
  std::string region;
  std::string account;
  [[nodiscard]] bool complete() const {
    return !partition.empty() && !region.empty() && !account.empty();
  }
};
// The scope an ARN names ("arn:aws:sns:eu-west-1:111122223333:topic"); empty parts stay empty.
Scope ScopeFromArn(std::string_view arn);
// `scope` with its empty parts taken from `fallback`.
Scope Complete(Scope scope, const Scope& fallback);

enum class MessageKind : std::uint8_t {
  kAuditNotice,
  kAuditFindingsPage,
  kAuditFinding,
  kViolation,
  kVerificationEvent,
  kUnknown,
};
std::string_view ToString(MessageKind kind);
MessageKind Classify(simdjson::dom::element message);
bool IsAuditKind(MessageKind kind);  // notice, page, finding

// Detect severity: a map from behavior name or metric to a label, then a severity suffix on the
// behavior name (-Critical, -High, -Medium, -Low, -Informational, any case), then the ML
// confidence level of an ML behavior, then the default (MEDIUM unless configured).
class SeverityConfig {
 public:
  // A JSON object: keys are behavior names or metrics, values severity labels; the key "*" sets
  // the default. Errors name the key at fault.
  static Result<SeverityConfig> Parse(simdjson::dom::element config);
  void Set(std::string key, asff::SeverityLabel label) { map_[std::move(key)] = label; }
  void SetDefault(asff::SeverityLabel label) { default_ = label; }

  struct Decision {
    asff::SeverityLabel label = asff::SeverityLabel::kMedium;
    std::string reason;  // "configured for behavior MessagesSent", "behavior name suffix -High" ...
  };
  [[nodiscard]] Decision For(std::string_view behavior, std::string_view metric,
                             std::string_view ml_confidence) const;

 private:
  std::map<std::string, asff::SeverityLabel, std::less<>> map_;
  asff::SeverityLabel default_ = asff::SeverityLabel::kMedium;
};

// Which certificates things connect with and which policies are attached to those certificates:
// what the IoT API's ListThingPrincipals and ListAttachedPolicies answer. Findings name neither,
// so with an inventory the findings state those relations too. One account and region.
class Inventory {
 public:
  void AddThingCertificate(std::string_view thing, std::string_view certificate_id);
  void AddCertificatePolicy(std::string_view certificate_id, std::string_view policy);
  // Adds a snapshot in the documented JSON form (docs/iot.md): {"thingPrincipals": [{"thingName",
  // "principals": [certificate ARNs]}], "principalPolicies": [{"principal", "policies":
  // [{"policyName"}]}]}. Principals that are not certificates are ignored.
  Status AddDocument(simdjson::dom::element document);

  [[nodiscard]] std::vector<std::string> CertificatesOf(std::string_view thing) const;
  [[nodiscard]] std::vector<std::string> ThingsOf(std::string_view certificate_id) const;
  [[nodiscard]] std::vector<std::string> PoliciesOf(std::string_view certificate_id) const;
  [[nodiscard]] std::vector<std::string> CertificatesWith(std::string_view policy) const;
  [[nodiscard]] bool empty() const { return thing_certificates_.empty() && policies_.empty(); }

 private:
  using Relation = std::map<std::string, std::set<std::string>, std::less<>>;
  static std::vector<std::string> Lookup(const Relation& relation, std::string_view key);
  Relation thing_certificates_, certificate_things_, policies_, policy_certificates_;
};

struct Options {
  Scope defaults;  // for what a message and its envelope leave unsaid (partition default "aws")
  SeverityConfig detect_severity;
  const Inventory* inventory = nullptr;  // optional; must outlive the calls
  bool client_ids_are_thing_names = true;
};

// Times kept from the stored version of a finding seen before (CreatedAt is the first sighting).
struct PreviousSighting {
  asff::TimeMs created_at = 0;
  std::optional<asff::TimeMs> first_observed_at;
};

// ---- Audit --------------------------------------------------------------------------------------

struct CheckRun {
  std::string check_name;
  std::string run_status;  // COMPLETED_NON_COMPLIANT, COMPLETED_COMPLIANT, FAILED ...
  std::optional<std::uint64_t> non_compliant;
  std::optional<std::uint64_t> suppressed;
  std::string error_code;
  std::string message;
};

struct AuditNotice {
  std::string account;
  std::string task_id;
  std::string task_status;  // IN_PROGRESS, COMPLETED, FAILED, CANCELED
  std::string task_type;
  std::string scheduled_audit_name;
  std::optional<asff::TimeMs> task_start;
  std::vector<CheckRun> checks;
};

Result<AuditNotice> ParseAuditNotice(simdjson::dom::element message);

// What a check's run status means for the store.
enum class CheckOutcome : std::uint8_t {
  kNonCompliant,    // its findings are listed; the older ones it no longer reports are resolved
  kCompliant,       // every older finding of the check is resolved
  kNothingLearned,  // failed, canceled, waiting for data, in progress: change nothing
  kUnknown,         // a status we do not know: change nothing, and say so
};
CheckOutcome OutcomeOf(const CheckRun& run);

// What the notice of a finding's task adds to it, when known.
struct AuditContext {
  Scope scope;
  std::string task_type;
  std::string scheduled_audit_name;
};

struct Resource {
  std::string type;  // ASFF type
  std::string id;
  std::vector<std::pair<std::string, std::string>> details;  // Details.Other
};

// One AuditFinding, validated, with its ASFF identity.
struct AuditFinding {
  asff::FindingIdentifier identifier;
  std::string generator_id;
  Scope scope;
  std::string check_name;
  bool known_check = false;
  std::string task_id;
  std::string finding_id;
  std::string resource_type;   // DEVICE_CERTIFICATE ... as given
  std::string resource_label;  // "certificate 3f8a…", for titles
  asff::SeverityLabel severity = asff::SeverityLabel::kMedium;
  std::string severity_original;  // as given; empty when it came from the check's default
  std::string reason;
  std::string reason_code;
  bool suppressed = false;
  asff::TimeMs finding_time = 0;
  std::optional<asff::TimeMs> task_start;
  AuditContext context;
  std::vector<Resource> resources;  // the non-compliant resource first, then related ones
  std::size_t related_omitted = 0;  // beyond ASFF's 32 Resources
  std::vector<std::string> related_unreadable;  // why each unreadable related resource was skipped
};

// The task id and check name of an AuditFinding, when it has them (for reporting).
std::pair<std::string, std::string> TaskAndCheckOf(simdjson::dom::element finding);

Result<AuditFinding> ParseAuditFinding(simdjson::dom::element finding, const AuditContext& context,
                                       const Options& options);
std::string ToAsff(const AuditFinding& finding, const std::optional<PreviousSighting>& previous);

// The GeneratorId of a check's findings in one scope (what an audit's resolution pass reads).
std::string AuditGeneratorId(const Scope& scope, std::string_view check_name);
// The product our findings are stored under: the account's default product.
std::string ProductArn(const Scope& scope);

// The stored finding `stored_json` as resolved by audit `task_id` at `at`: RecordState ARCHIVED,
// Compliance PASSED, UpdatedAt `at`, ProductFields ResolvedByTaskId. The caller imports it.
Result<std::string> ResolvedVersion(std::string_view stored_json, asff::TimeMs at,
                                    std::string_view task_id);

// ---- Detect -------------------------------------------------------------------------------------

struct Violation {
  asff::FindingIdentifier identifier;
  std::string generator_id;
  Scope scope;
  std::string event_type;  // in-alarm, alarm-cleared, alarm-invalidated
  std::string violation_id;
  std::string thing_name;
  std::string security_profile;
  std::string behavior;
  std::string metric;
  std::string metric_source;  // CLOUD_SIDE, DEVICE_SIDE, CUSTOM
  std::string criteria_type;  // STATIC, STATISTICAL, MACHINE_LEARNING, UNKNOWN
  std::string comparison_operator;
  std::string threshold;     // rendered: "100", "p99", "confidence HIGH", "10.20.0.0/16"
  std::string metric_value;  // rendered observation; empty when the message has none
  std::string confidence;    // violationEventAdditionalInfo.confidenceLevel or the ML config's
  std::optional<std::int64_t> duration_seconds;
  std::string dimension;  // "TopicFilter IN", when the behavior has one
  asff::TimeMs event_time = 0;
  SeverityConfig::Decision severity;
  std::vector<std::string> certificates;  // the thing's certificates (inventory)
  std::vector<std::string> policies;      // policies attached to them (inventory)
  std::string verification_state;         // carried by the message, if any
  std::string verification_description;
};

Result<Violation> ParseViolation(simdjson::dom::element message, const Scope& scope,
                                 const Options& options);
std::string ToAsff(const Violation& violation, const std::optional<PreviousSighting>& previous);
asff::FindingIdentifier DetectIdentifier(const Scope& scope, std::string_view violation_id);

// ---- Verification states ------------------------------------------------------------------------

struct Verification {
  Scope scope;
  std::string violation_id;
  std::string state;  // FALSE_POSITIVE, BENIGN_POSITIVE, TRUE_POSITIVE, UNKNOWN
  std::string description;
  std::string by;  // who set it: the CloudTrail caller's ARN, or "AWS IoT Device Defender"
  asff::TimeMs at = 0;
};

struct VerificationEvent {
  std::optional<Verification> verification;
  std::string ignored;  // why a well-formed event changes nothing (the call failed ...)
};

// A CloudTrail PutVerificationStateOnViolation event, as EventBridge delivers it or its `detail`
// alone; `defaults` fills what the event leaves unsaid.
Result<VerificationEvent> ParseVerificationEvent(simdjson::dom::element event,
                                                 const Scope& defaults);
// The verification state a violation message carries, if any.
std::optional<Verification> VerificationOf(const Violation& violation);

// The BatchUpdateFindings change for a verification (identifiers filled): FALSE_POSITIVE and
// BENIGN_POSITIVE set Workflow SUPPRESSED, TRUE_POSITIVE NOTIFIED, both with VerificationState
// and a Note carrying the operator's description; UNKNOWN sets VerificationState UNKNOWN only.
asff::BatchUpdate VerificationUpdate(const Verification& verification);

// How a verification is kept until (and after) it is applied: the store's auxiliary key per
// violation, and the value.
std::string VerificationKey(const Verification& verification);
std::string VerificationKey(const Scope& scope, std::string_view violation_id);
std::string EncodeVerification(const Verification& verification, bool applied);
struct StoredVerification {
  Verification verification;
  bool applied = false;
};
Result<StoredVerification> DecodeVerification(std::string_view text);

}  // namespace corroborate::iot
