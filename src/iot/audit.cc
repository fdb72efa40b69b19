// Audit: the audit-complete notice, AuditFindings as ASFF, and the resolved version of a finding
// a newer audit no longer reports.
#include <algorithm>
#include <array>
#include <cctype>

#include "asff/json_writer.h"
#include "asff/relations.h"
#include "iot/internal.h"
#include "iot/iot.h"

namespace corroborate::iot {

using asff::JsonWriter;
using asff::SeverityLabel;
using internal::Cut;
using internal::EncodePart;
using internal::StringMember;
using internal::WriteProductField;
using simdjson::dom::element;

namespace {

struct CheckInfo {
  std::string_view name;
  std::string_view title;
  SeverityLabel severity;
};

// Device Defender's checks and their documented default severities (device-defender.md, 1.4).
// A finding's own severity wins; the table titles findings and covers a finding without one.
constexpr std::array<CheckInfo, 17> kChecks{{
    {"AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK",
     "Authenticated Cognito role overly permissive", SeverityLabel::kCritical},
    {"UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK",
     "Unauthenticated Cognito role overly permissive", SeverityLabel::kCritical},
    {"CA_CERTIFICATE_KEY_QUALITY_CHECK", "CA certificate key quality", SeverityLabel::kCritical},
    {"DEVICE_CERTIFICATE_KEY_QUALITY_CHECK", "Device certificate key quality",
     SeverityLabel::kCritical},
    {"DEVICE_CERTIFICATE_SHARED_CHECK", "Device certificate shared", SeverityLabel::kCritical},
    {"IOT_POLICY_OVERLY_PERMISSIVE_CHECK", "AWS IoT policy overly permissive",
     SeverityLabel::kCritical},
    {"IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK", "Role alias overly permissive",
     SeverityLabel::kCritical},
    {"INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK",
     "Intermediate CA revoked for active device certificates", SeverityLabel::kCritical},
    {"CONFLICTING_CLIENT_IDS_CHECK", "Conflicting MQTT client IDs", SeverityLabel::kHigh},
    {"CA_CERTIFICATE_EXPIRING_CHECK", "CA certificate expiring", SeverityLabel::kMedium},
    {"DEVICE_CERTIFICATE_EXPIRING_CHECK", "Device certificate expiring", SeverityLabel::kMedium},
    {"REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK", "Revoked CA certificate still active",
     SeverityLabel::kMedium},
    {"REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK", "Revoked device certificate still active",
     SeverityLabel::kMedium},
    {"IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK",
     "Role alias allows access to unused services", SeverityLabel::kMedium},
    {"IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK", "AWS IoT policy potentially misconfigured",
     SeverityLabel::kMedium},
    {"DEVICE_CERTIFICATE_AGE_CHECK", "Device certificate age", SeverityLabel::kLow},
    {"LOGGING_DISABLED_CHECK", "Logging disabled", SeverityLabel::kLow},
}};

const CheckInfo* FindCheck(std::string_view name) {
  for (const CheckInfo& c : kChecks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// "NEW_SHINY_CHECK" -> "New shiny": a title for checks newer than this table.
std::string TitleFromName(std::string_view name) {
  if (name.ends_with("_CHECK")) name.remove_suffix(6);
  std::string out;
  for (char c : name) {
    out += c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// The longest check name whose Types entry stays within ASFF's 128 characters.
constexpr std::size_t kMaxCheckName = 128 - kTypePrefixAudit.size();

Status ValidateCheckName(std::string_view name, std::string_view where) {
  if (name.empty()) return Status::InvalidInput(std::string(where) + "checkName is missing");
  const bool ok = name.size() <= kMaxCheckName && std::all_of(name.begin(), name.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ||
                           c == '-' || c == '.' || c == ':';
                  });
  if (!ok) {
    return Status::InvalidInput(std::string(where) + "checkName '" + Cut(name, 80) +
                                "' is not a check name (letters, digits and _-.: only, at most " +
                                std::to_string(kMaxCheckName) + ")");
  }
  return Status::Ok();
}

std::string Short(std::string_view id) {
  if (id.size() <= 16) return std::string(id);
  return std::string(id.substr(0, 8)) + "..." + std::string(id.substr(id.size() - 6));
}

// The part of an ARN after its last '/' or ':' ("SecOps" of ...:role/SecOps).
std::string_view ArnName(std::string_view arn) {
  const std::size_t at = arn.find_last_of("/:");
  return at == std::string_view::npos ? arn : arn.substr(at + 1);
}

std::string_view CertificateIdOfArn(std::string_view arn) {
  const std::size_t at = arn.find(":cert/");
  return at == std::string_view::npos ? std::string_view() : arn.substr(at + 6);
}

// A NonCompliantResource or RelatedResource as an ASFF resource.
struct Mapped {
  Resource resource;
  std::string kind;      // resourceType as given
  std::string identity;  // the part of the finding Id that names it
  std::string label;     // for titles
  std::string certificate_id;
  std::string client_id;
  std::string policy_name;
};

Result<Mapped> MapResource(element resource, const std::string& path, const Scope& scope) {
  if (!resource.is_object()) return Status::InvalidInput(path + " should be an object");
  Mapped m;
  m.kind = std::string(StringMember(resource, "resourceType"));
  element identifier;
  if (resource["resourceIdentifier"].get(identifier) != simdjson::SUCCESS ||
      !identifier.is_object()) {
    return Status::InvalidInput(path + ".resourceIdentifier is missing or not an object");
  }
  const std::string ids = path + ".resourceIdentifier.";
  auto need = [&](std::string_view member) -> Result<std::string> {
    const std::string_view v = StringMember(identifier, member);
    if (v.empty()) {
      return Status::InvalidInput(ids + std::string(member) + " is missing (resourceType " +
                                  m.kind + ")");
    }
    return std::string(v);
  };
  Resource& r = m.resource;
  auto detail = [&](std::string key, std::string_view value) {
    if (!value.empty())
      r.details.emplace_back(std::move(key), Cut(value, internal::kMaxOtherValue));
  };
  if (m.kind == "DEVICE_CERTIFICATE") {
    std::string id(StringMember(identifier, "deviceCertificateId"));
    const std::string_view arn = StringMember(identifier, "deviceCertificateArn");
    if (id.empty()) id = std::string(CertificateIdOfArn(arn));
    if (id.empty()) {
      return Status::InvalidInput(ids +
                                  "deviceCertificateId (or deviceCertificateArn) is missing "
                                  "(resourceType DEVICE_CERTIFICATE)");
    }
    r.type = "AwsIotCertificate";
    r.id = arn.starts_with("arn:") ? std::string(arn) : internal::Arn(scope, "iot", "cert/" + id);
    detail("CertificateId", id);
    m.identity = "cert/" + EncodePart(id);
    m.label = "certificate " + Short(id);
    m.certificate_id = id;
  } else if (m.kind == "CA_CERTIFICATE") {
    auto id = need("caCertificateId");
    if (!id.ok()) return id.status();
    r.type = "AwsIotCaCertificate";
    r.id = internal::Arn(scope, "iot", "cacert/" + *id);
    detail("CaCertificateId", *id);
    m.identity = "cacert/" + EncodePart(*id);
    m.label = "CA certificate " + Short(*id);
  } else if (m.kind == "IOT_POLICY") {
    element version;
    if (identifier["policyVersionIdentifier"].get(version) != simdjson::SUCCESS ||
        StringMember(version, "policyName").empty()) {
      return Status::InvalidInput(ids +
                                  "policyVersionIdentifier.policyName is missing (resourceType "
                                  "IOT_POLICY)");
    }
    const std::string name(StringMember(version, "policyName"));
    const std::string version_id(StringMember(version, "policyVersionId"));
    r.type = "AwsIotPolicy";
    r.id = internal::Arn(scope, "iot", "policy/" + name);
    detail("PolicyName", name);
    detail("PolicyVersionId", version_id);
    m.identity = "policy/" + EncodePart(name);
    if (!version_id.empty()) m.identity += "/" + EncodePart(version_id);
    m.label = "policy " + name + (version_id.empty() ? "" : " version " + version_id);
    m.policy_name = name;
  } else if (m.kind == "COGNITO_IDENTITY_POOL") {
    auto id = need("cognitoIdentityPoolId");
    if (!id.ok()) return id.status();
    r.type = "AwsCognitoIdentityPool";
    r.id = internal::Arn(scope, "cognito-identity", "identitypool/" + *id);
    detail("CognitoIdentityPoolId", *id);
    m.identity = "identitypool/" + EncodePart(*id);
    m.label = "Cognito identity pool " + *id;
  } else if (m.kind == "CLIENT_ID") {
    auto id = need("clientId");
    if (!id.ok()) return id.status();
    r.type = "Other";
    r.id = internal::BoundedId(asff::kIotClientIdPrefix, *id);
    detail("ClientId", *id);
    m.identity = "client/" + EncodePart(*id);
    m.label = "MQTT client id " + *id;
    m.client_id = *id;
  } else if (m.kind == "ACCOUNT_SETTINGS") {
    std::string account(StringMember(identifier, "account"));
    if (account.empty()) account = scope.account;
    r.type = "AwsAccount";
    r.id = "AWS::::Account:" + account;
    detail("Account", account);
    m.identity = "account/" + EncodePart(account);
    m.label = "account " + account + " settings";
  } else if (m.kind == "ROLE_ALIAS") {
    auto arn = need("roleAliasArn");
    if (!arn.ok()) return arn.status();
    r.type = "AwsIotRoleAlias";
    r.id = *arn;
    detail("RoleAliasArn", *arn);
    m.identity = "rolealias/" + EncodePart(*arn);
    m.label = "role alias " + std::string(ArnName(*arn));
  } else if (m.kind == "IAM_ROLE") {
    auto arn = need("iamRoleArn");
    if (!arn.ok()) return arn.status();
    r.type = "AwsIamRole";
    r.id = *arn;
    detail("IamRoleArn", *arn);
    m.identity = "role/" + EncodePart(*arn);
    m.label = "IAM role " + std::string(ArnName(*arn));
  } else if (m.kind == "ISSUER_CERTIFICATE") {
    element issuer;
    if (identifier["issuerCertificateIdentifier"].get(issuer) != simdjson::SUCCESS ||
        !issuer.is_object()) {
      return Status::InvalidInput(ids +
                                  "issuerCertificateIdentifier is missing (resourceType "
                                  "ISSUER_CERTIFICATE)");
    }
    const std::string subject(StringMember(issuer, "issuerCertificateSubject"));
    const std::string issuer_id(StringMember(issuer, "issuerId"));
    const std::string serial(StringMember(issuer, "issuerCertificateSerialNumber"));
    if (subject.empty() && issuer_id.empty() && serial.empty()) {
      return Status::InvalidInput(ids +
                                  "issuerCertificateIdentifier has none of "
                                  "issuerCertificateSubject, issuerId, "
                                  "issuerCertificateSerialNumber");
    }
    const std::string joined =
        EncodePart(subject) + "/" + EncodePart(issuer_id) + "/" + EncodePart(serial);
    r.type = "Other";
    r.id = internal::BoundedId("iot-issuer-certificate/", joined);
    detail("IssuerCertificateSubject", subject);
    detail("IssuerId", issuer_id);
    detail("IssuerCertificateSerialNumber", serial);
    m.identity = "issuer/" + joined;
    m.label = "issuer certificate " + (subject.empty() ? issuer_id : subject) +
              (serial.empty() ? "" : " serial " + serial);
  } else {
    // A kind newer than this code (or none given): every identifier member, sorted, names it.
    std::vector<std::pair<std::string, std::string>> members;
    for (auto [key, value] : internal::ObjectOf(identifier)) {
      std::string_view s;
      if (value.get_string().get(s) == simdjson::SUCCESS) {
        members.emplace_back(std::string(key), std::string(s));
      } else if (value.is_object()) {
        for (auto [sub, sub_value] : internal::ObjectOf(value)) {
          if (sub_value.get_string().get(s) == simdjson::SUCCESS) {
            members.emplace_back(std::string(key) + "." + std::string(sub), std::string(s));
          }
        }
      }
    }
    if (members.empty())
      return Status::InvalidInput(ids.substr(0, ids.size() - 1) +
                                  " has no string members to name it by");
    std::sort(members.begin(), members.end());
    std::string kind = m.kind.empty() ? "resource" : m.kind;
    std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) {
      return c == '_' ? '-' : static_cast<char>(std::tolower(c));
    });
    std::string joined;
    for (const auto& [key, value] : members) {
      if (!joined.empty()) joined += "/";
      joined += EncodePart(key) + "=" + EncodePart(value);
      detail(key, value);
    }
    r.type = "Other";
    r.id = internal::BoundedId("iot-" + kind + "/", joined);
    detail("ResourceType", m.kind.empty() ? "(none given)" : m.kind);
    m.identity = kind + "/" + joined;
    m.label = (m.kind.empty() ? std::string("resource") : m.kind) + " " + members.front().second;
  }
  element info;
  if (resource["additionalInfo"].get(info) == simdjson::SUCCESS && info.is_object()) {
    for (auto [key, value] : internal::ObjectOf(info)) {
      std::string_view s;
      if (value.get_string().get(s) == simdjson::SUCCESS) detail(std::string(key), s);
    }
  }
  return m;
}

// Appends Details.Other `key`, the list in asff/relations.h's form, as much of it as fits.
void AddList(Resource& r, std::string_view key, std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  std::size_t omitted = 0;
  std::string text = asff::FormatIotList(items);
  while (text.size() > internal::kMaxOtherValue && !items.empty()) {
    items.pop_back();
    ++omitted;
    text = asff::FormatIotList(items);
  }
  if (text.empty()) return;
  r.details.emplace_back(std::string(key), std::move(text));
  if (omitted > 0) r.details.emplace_back(std::string(key) + "Omitted", std::to_string(omitted));
}

std::optional<SeverityLabel> AuditSeverity(std::string_view text) {
  return asff::ParseSeverityLabel(text);
}

void WriteResource(JsonWriter& w, const Resource& r, const Scope& scope) {
  w.BeginObject();
  w.Key("Type").String(r.type);
  w.Key("Id").String(Cut(r.id, internal::kMaxId));
  w.Key("Partition").String(scope.partition);
  w.Key("Region").String(scope.region);
  if (!r.details.empty()) {
    w.Key("Details").BeginObject().Key("Other").BeginObject();
    for (const auto& [k, v] : r.details) w.Key(Cut(k, 128)).String(v);
    w.EndObject().EndObject();
  }
  w.EndObject();
}

}  // namespace

Result<AuditNotice> ParseAuditNotice(element message) {
  if (!message.is_object()) return Status::InvalidInput("the notice should be a JSON object");
  AuditNotice n;
  n.task_id = std::string(StringMember(message, "taskId"));
  if (n.task_id.empty()) return Status::InvalidInput("taskId is missing");
  n.account = std::string(StringMember(message, "accountId"));
  if (!n.account.empty() &&
      (n.account.size() != 12 || !std::all_of(n.account.begin(), n.account.end(),
                                              [](char c) { return c >= '0' && c <= '9'; }))) {
    return Status::InvalidInput("accountId '" + Cut(n.account, 40) + "' is not 12 digits");
  }
  n.task_status = std::string(StringMember(message, "taskStatus"));
  static constexpr std::array<std::string_view, 4> kStatuses{"IN_PROGRESS", "COMPLETED", "FAILED",
                                                             "CANCELED"};
  if (std::find(kStatuses.begin(), kStatuses.end(), n.task_status) == kStatuses.end()) {
    return Status::InvalidInput("taskStatus '" + Cut(n.task_status, 40) +
                                "' is not one of IN_PROGRESS, COMPLETED, FAILED, CANCELED");
  }
  n.task_type = std::string(StringMember(message, "taskType"));
  n.scheduled_audit_name = std::string(StringMember(message, "scheduledAuditName"));
  auto start = internal::TimeMember(message, "taskStartTime");
  if (!start.ok()) return start.status();
  n.task_start = *start;
  element details;
  if (message["auditDetails"].get(details) != simdjson::SUCCESS) return n;
  auto count = [](element check, std::string_view key) -> std::optional<std::uint64_t> {
    std::uint64_t v = 0;
    if (check[key].get_uint64().get(v) != simdjson::SUCCESS) return std::nullopt;
    return v;
  };
  auto add = [&](element check, std::string name, const std::string& where) -> Status {
    if (Status s = ValidateCheckName(name, where); !s.ok()) return s;
    CheckRun run;
    run.check_name = std::move(name);
    run.run_status = std::string(StringMember(check, "checkRunStatus"));
    run.non_compliant = count(check, "nonCompliantResourcesCount");
    run.suppressed = count(check, "suppressedNonCompliantResourcesCount");
    run.error_code = std::string(StringMember(check, "errorCode"));
    run.message = std::string(StringMember(check, "message"));
    n.checks.push_back(std::move(run));
    return Status::Ok();
  };
  if (details.is_array()) {
    std::size_t i = 0;
    for (element check : internal::ArrayOf(details)) {
      const std::string where = "auditDetails[" + std::to_string(i++) + "].";
      if (!check.is_object()) return Status::InvalidInput(where + " should be an object");
      if (Status s = add(check, std::string(StringMember(check, "checkName")), where); !s.ok()) {
        return s;
      }
    }
  } else if (details.is_object()) {
    // DescribeAuditTask's form: a map from check name to its details.
    for (auto [name, check] : internal::ObjectOf(details)) {
      if (Status s = add(check, std::string(name), "auditDetails."); !s.ok()) return s;
    }
  } else {
    return Status::InvalidInput("auditDetails should be an array of checks");
  }
  return n;
}

CheckOutcome OutcomeOf(const CheckRun& run) {
  if (run.run_status == "COMPLETED_NON_COMPLIANT") return CheckOutcome::kNonCompliant;
  if (run.run_status == "COMPLETED_COMPLIANT") return CheckOutcome::kCompliant;
  if (run.run_status == "FAILED" || run.run_status == "CANCELED" ||
      run.run_status == "WAITING_FOR_DATA_COLLECTION" || run.run_status == "IN_PROGRESS") {
    return CheckOutcome::kNothingLearned;
  }
  return CheckOutcome::kUnknown;
}

std::string AuditGeneratorId(const Scope& scope, std::string_view check_name) {
  return internal::Arn(scope, "iot-device-defender", "audit/" + std::string(check_name));
}

std::pair<std::string, std::string> TaskAndCheckOf(element finding) {
  return {std::string(StringMember(finding, "taskId")),
          std::string(StringMember(finding, "checkName"))};
}

Result<AuditFinding> ParseAuditFinding(element finding, const AuditContext& context,
                                       const Options& options) {
  if (!finding.is_object()) return Status::InvalidInput("the audit finding should be an object");
  if (!context.scope.complete()) {
    return Status::InvalidInput("the finding's partition, region or account is unknown");
  }
  AuditFinding f;
  f.scope = context.scope;
  f.context = context;
  f.check_name = std::string(StringMember(finding, "checkName"));
  if (Status s = ValidateCheckName(f.check_name, ""); !s.ok()) return s;
  const CheckInfo* check = FindCheck(f.check_name);
  f.known_check = check != nullptr;
  f.task_id = std::string(StringMember(finding, "taskId"));
  f.finding_id = std::string(StringMember(finding, "findingId"));

  const std::string_view severity = StringMember(finding, "severity");
  if (!severity.empty()) {
    auto label = AuditSeverity(severity);
    if (!label) {
      return Status::InvalidInput("severity '" + Cut(severity, 40) +
                                  "' is not one of CRITICAL, HIGH, MEDIUM, LOW");
    }
    f.severity = *label;
    f.severity_original = std::string(severity);
  } else if (check != nullptr) {
    f.severity = check->severity;
  } else {
    return Status::InvalidInput("severity is missing, and check " + f.check_name +
                                " is not one whose default severity is known");
  }

  auto finding_time = internal::TimeMember(finding, "findingTime");
  if (!finding_time.ok()) return finding_time.status();
  auto task_start = internal::TimeMember(finding, "taskStartTime");
  if (!task_start.ok()) return task_start.status();
  f.task_start = *task_start;
  if (*finding_time) {
    f.finding_time = **finding_time;
  } else if (*task_start) {
    f.finding_time = **task_start;
  } else {
    return Status::InvalidInput("findingTime is missing, and so is taskStartTime to use instead");
  }

  element suppressed;
  if (finding["isSuppressed"].get(suppressed) == simdjson::SUCCESS && !suppressed.is_null()) {
    if (suppressed.get_bool().get(f.suppressed) != simdjson::SUCCESS) {
      return Status::InvalidInput("isSuppressed should be true or false");
    }
  }
  f.reason = std::string(StringMember(finding, "reasonForNonCompliance"));
  f.reason_code = std::string(StringMember(finding, "reasonForNonComplianceCode"));

  element primary_element;
  if (finding["nonCompliantResource"].get(primary_element) != simdjson::SUCCESS) {
    return Status::InvalidInput("nonCompliantResource is missing");
  }
  auto primary = MapResource(primary_element, "nonCompliantResource", f.scope);
  if (!primary.ok()) return primary.status();
  f.resource_type = primary->kind;
  f.resource_label = primary->label;

  std::vector<Mapped> related;
  element related_element;
  if (finding["relatedResources"].get(related_element) == simdjson::SUCCESS &&
      !related_element.is_null()) {
    if (!related_element.is_array()) {
      f.related_unreadable.emplace_back("relatedResources is not an array");
    } else {
      std::size_t i = 0;
      for (element r : internal::ArrayOf(related_element)) {
        const std::string path = "relatedResources[" + std::to_string(i++) + "]";
        auto mapped = MapResource(r, path, f.scope);
        if (mapped.ok()) {
          related.push_back(std::move(mapped).value());
        } else {
          f.related_unreadable.push_back(mapped.status().message());
        }
      }
    }
  }

  // The relations the finding states (asff/relations.h): what its resources say of each other,
  // MQTT client ids taken as thing names, and the inventory.
  std::vector<std::string> certificates, client_ids, things, policies;
  for (const Mapped& m : related) {
    if (!m.certificate_id.empty()) certificates.push_back(m.certificate_id);
    if (!m.client_id.empty()) client_ids.push_back(m.client_id);
  }
  if (options.client_ids_are_thing_names) {
    things = client_ids;
    if (!primary->client_id.empty()) things.push_back(primary->client_id);
  }
  if (const Inventory* inventory = options.inventory; inventory != nullptr) {
    if (!primary->certificate_id.empty()) {
      for (auto& t : inventory->ThingsOf(primary->certificate_id)) things.push_back(std::move(t));
      for (auto& p : inventory->PoliciesOf(primary->certificate_id)) {
        policies.push_back(std::move(p));
      }
    }
    if (!primary->policy_name.empty()) {
      for (const std::string& c : inventory->CertificatesWith(primary->policy_name)) {
        certificates.push_back(c);
        for (auto& t : inventory->ThingsOf(c)) things.push_back(std::move(t));
      }
    }
  }
  Resource& r = primary->resource;
  AddList(r, "ThingNames", std::move(things));
  AddList(r, "CertificateIds", std::move(certificates));
  AddList(r, "PolicyNames", std::move(policies));
  AddList(r, "ClientIds", std::move(client_ids));

  f.resources.push_back(std::move(primary->resource));
  for (Mapped& m : related) {
    if (f.resources.size() == asff::kMaxResources) {
      ++f.related_omitted;
      continue;
    }
    f.resources.push_back(std::move(m.resource));
  }

  f.identifier.product_arn = ProductArn(f.scope);
  f.identifier.id = internal::BoundedId(
      internal::Arn(f.scope, "iot-device-defender", "audit/" + f.check_name + "/"),
      primary->identity);
  f.generator_id = AuditGeneratorId(f.scope, f.check_name);
  return f;
}

std::string ToAsff(const AuditFinding& f, const std::optional<PreviousSighting>& previous) {
  const CheckInfo* check = FindCheck(f.check_name);
  const std::string check_title =
      check != nullptr ? std::string(check->title) : TitleFromName(f.check_name);
  std::string out;
  out.reserve(2048);
  JsonWriter w(out);
  w.BeginObject();
  w.Key("SchemaVersion").String(asff::kSchemaVersion);
  w.Key("Id").String(f.identifier.id);
  w.Key("ProductArn").String(f.identifier.product_arn);
  w.Key("ProductName").String(kAuditProductName);
  w.Key("CompanyName").String(kCompanyName);
  w.Key("GeneratorId").String(f.generator_id);
  w.Key("AwsAccountId").String(f.scope.account);
  w.Key("Types").BeginArray().String(std::string(kTypePrefixAudit) + f.check_name).EndArray();
  const asff::TimeMs created = previous ? previous->created_at : f.finding_time;
  const asff::TimeMs first =
      previous ? previous->first_observed_at.value_or(previous->created_at) : f.finding_time;
  w.Key("CreatedAt").String(asff::FormatTimestamp(created));
  w.Key("UpdatedAt").String(asff::FormatTimestamp(f.finding_time));
  w.Key("FirstObservedAt").String(asff::FormatTimestamp(std::min(first, f.finding_time)));
  w.Key("LastObservedAt").String(asff::FormatTimestamp(f.finding_time));
  w.Key("Severity").BeginObject().Key("Label").String(asff::ToString(f.severity));
  if (!f.severity_original.empty()) w.Key("Original").String(Cut(f.severity_original, 64));
  w.EndObject();
  w.Key("Title").String(Cut(check_title + ": " + f.resource_label, internal::kMaxTitle));
  std::string description = f.reason.empty()
                                ? check_title + " (" + f.check_name + ") reports the " +
                                      f.resource_label + " as non-compliant."
                                : f.reason;
  if (f.suppressed) description += " The finding is suppressed in AWS IoT Device Defender.";
  w.Key("Description").String(Cut(description, internal::kMaxDescription));
  const std::string console = internal::ConsoleUrl(f.scope);
  if (!f.task_id.empty())
    w.Key("SourceUrl").String(console + "/dd/audit/" + f.task_id + "/" + f.check_name);
  w.Key("Remediation").BeginObject().Key("Recommendation").BeginObject();
  w.Key("Text").String(Cut("Follow the mitigation for " + f.check_name +
                               " in the AWS IoT Device Defender documentation, or start a "
                               "mitigation action on this finding in the Device Defender console.",
                           internal::kMaxRemediationText));
  w.Key("Url").String(
      "https://docs.aws.amazon.com/iot-device-defender/latest/devguide/"
      "device-defender-audit-checks.html");
  w.EndObject().EndObject();

  w.Key("ProductFields").BeginObject();
  WriteProductField(w, "ReportType", "AuditFinding");
  WriteProductField(w, "CheckName", f.check_name);
  WriteProductField(w, "TaskId", f.task_id);
  WriteProductField(w, "FindingId", f.finding_id);
  WriteProductField(w, "ResourceType", f.resource_type);
  WriteProductField(w, "ReasonForNonComplianceCode", f.reason_code);
  WriteProductField(w, "IsSuppressed", f.suppressed ? "true" : "false");
  WriteProductField(w, "TaskType", f.context.task_type);
  WriteProductField(w, "ScheduledAuditName", f.context.scheduled_audit_name);
  if (f.task_start) WriteProductField(w, "TaskStartTime", asff::FormatTimestamp(*f.task_start));
  if (!f.known_check) WriteProductField(w, "UnknownCheck", "true");
  if (f.related_omitted > 0)
    WriteProductField(w, "RelatedResourcesOmitted", std::to_string(f.related_omitted));
  if (!f.related_unreadable.empty()) {
    std::string why;
    for (const std::string& u : f.related_unreadable) why += (why.empty() ? "" : "; ") + u;
    WriteProductField(w, "RelatedResourcesSkipped",
                      std::to_string(f.related_unreadable.size()) + " (" + why + ")");
  }
  w.EndObject();

  w.Key("Resources").BeginArray();
  for (const Resource& r : f.resources) WriteResource(w, r, f.scope);
  w.EndArray();
  w.Key("Compliance").BeginObject().Key("Status").String("FAILED");
  if (!f.reason_code.empty()) {
    w.Key("StatusReasons").BeginArray().BeginObject();
    w.Key("ReasonCode").String(Cut(f.reason_code, 256));
    if (!f.reason.empty()) w.Key("Description").String(Cut(f.reason, internal::kMaxDescription));
    w.EndObject().EndArray();
  }
  w.EndObject();
  w.Key("RecordState").String(f.suppressed ? "ARCHIVED" : "ACTIVE");
  w.EndObject();
  return out;
}

Result<std::string> ResolvedVersion(std::string_view stored_json, asff::TimeMs at,
                                    std::string_view task_id) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(stored_json.data(), stored_json.size()).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return Status::Corruption("stored finding is not a JSON object");
  }
  std::string out;
  out.reserve(stored_json.size() + 128);
  JsonWriter w(out);
  w.BeginObject();
  bool product_fields = false;
  for (auto [key, value] : internal::ObjectOf(root)) {
    if (key == "UpdatedAt" || key == "RecordState" || key == "Compliance") continue;
    if (key == "ProductFields" && value.is_object()) {
      product_fields = true;
      w.Key(key).BeginObject();
      for (auto [k, v] : internal::ObjectOf(value)) {
        if (k != "ResolvedByTaskId") w.Key(k).Element(v);
      }
      w.Key("ResolvedByTaskId").String(task_id);
      w.EndObject();
      continue;
    }
    w.Key(key).Element(value);
  }
  if (!product_fields)
    w.Key("ProductFields").BeginObject().Key("ResolvedByTaskId").String(task_id).EndObject();
  w.Key("UpdatedAt").String(asff::FormatTimestamp(at));
  w.Key("RecordState").String("ARCHIVED");
  w.Key("Compliance").BeginObject().Key("Status").String("PASSED").EndObject();
  w.EndObject();
  return out;
}

}  // namespace corroborate::iot
