// Scopes, message kinds, detect severity configuration and the inventory.
#include <algorithm>
#include <array>
#include <cctype>

#include "iot/internal.h"
#include "iot/iot.h"

namespace corroborate::iot {

using internal::HasMember;
using internal::StringMember;

Scope ScopeFromArn(std::string_view arn) {
  Scope scope;
  if (!arn.starts_with("arn:")) return scope;
  std::array<std::string_view, 4> parts{};  // partition, service, region, account
  std::size_t start = 4;
  for (auto& part : parts) {
    const std::size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return {};
    part = arn.substr(start, colon - start);
    start = colon + 1;
  }
  scope.partition = std::string(parts[0]);
  scope.region = std::string(parts[2]);
  scope.account = std::string(parts[3]);
  return scope;
}

Scope Complete(Scope scope, const Scope& fallback) {
  if (scope.partition.empty()) scope.partition = fallback.partition;
  if (scope.region.empty()) scope.region = fallback.region;
  if (scope.account.empty()) scope.account = fallback.account;
  if (scope.partition.empty()) scope.partition = "aws";
  return scope;
}

std::string_view ToString(MessageKind kind) {
  switch (kind) {
    case MessageKind::kAuditNotice: return "audit-complete notice";
    case MessageKind::kAuditFindingsPage: return "ListAuditFindings page";
    case MessageKind::kAuditFinding: return "audit finding";
    case MessageKind::kViolation: return "violation message";
    case MessageKind::kVerificationEvent: return "verification event";
    case MessageKind::kUnknown: return "unknown message";
  }
  return "unknown message";
}

bool IsAuditKind(MessageKind kind) {
  return kind == MessageKind::kAuditNotice || kind == MessageKind::kAuditFindingsPage ||
         kind == MessageKind::kAuditFinding;
}

MessageKind Classify(simdjson::dom::element message) {
  if (!message.is_object()) return MessageKind::kUnknown;
  if (HasMember(message, "violationEventType")) return MessageKind::kViolation;
  if (HasMember(message, "checkName") && HasMember(message, "nonCompliantResource")) {
    return MessageKind::kAuditFinding;
  }
  if (HasMember(message, "taskId") &&
      (HasMember(message, "taskStatus") || HasMember(message, "auditDetails"))) {
    return MessageKind::kAuditNotice;
  }
  if (message["findings"].is_array()) return MessageKind::kAuditFindingsPage;
  simdjson::dom::element detail = message;
  if (HasMember(message, "detail-type")) {
    if (message["detail"].get(detail) != simdjson::SUCCESS || !detail.is_object()) {
      return MessageKind::kUnknown;
    }
  }
  if (HasMember(detail, "eventName") && HasMember(detail, "eventSource")) {
    return MessageKind::kVerificationEvent;
  }
  return MessageKind::kUnknown;
}

// ---- severity -----------------------------------------------------------------------------------

namespace {

std::optional<asff::SeverityLabel> LabelFromText(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return asff::ParseSeverityLabel(upper);
}

}  // namespace

Result<SeverityConfig> SeverityConfig::Parse(simdjson::dom::element config) {
  simdjson::dom::object object;
  if (config.get_object().get(object) != simdjson::SUCCESS) {
    return Status::InvalidInput(
        "the severity configuration should be a JSON object of behavior or metric names to "
        "severity labels");
  }
  SeverityConfig out;
  for (auto [key, value] : object) {
    std::string_view text;
    std::optional<asff::SeverityLabel> label;
    if (value.get_string().get(text) == simdjson::SUCCESS) label = LabelFromText(text);
    if (!label) {
      return Status::InvalidInput("severity configuration '" + std::string(key) +
                                  "': expected one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL");
    }
    if (key == "*") {
      out.SetDefault(*label);
    } else {
      out.Set(std::string(key), *label);
    }
  }
  return out;
}

SeverityConfig::Decision SeverityConfig::For(std::string_view behavior, std::string_view metric,
                                             std::string_view ml_confidence) const {
  if (auto it = map_.find(behavior); it != map_.end() && !behavior.empty()) {
    return {it->second, "configured for behavior " + std::string(behavior)};
  }
  if (auto it = map_.find(metric); it != map_.end() && !metric.empty()) {
    return {it->second, "configured for metric " + std::string(metric)};
  }
  if (const std::size_t dash = behavior.rfind('-'); dash != std::string_view::npos) {
    if (auto label = LabelFromText(behavior.substr(dash + 1))) {
      return {*label, "behavior name suffix " + std::string(behavior.substr(dash))};
    }
  }
  if (!ml_confidence.empty()) {
    if (auto label = LabelFromText(ml_confidence); label &&
                                                   *label != asff::SeverityLabel::kCritical &&
                                                   *label != asff::SeverityLabel::kInformational) {
      return {*label, "ML Detect confidence " + std::string(ml_confidence)};
    }
  }
  return {default_, "default"};
}

// ---- inventory ----------------------------------------------------------------------------------

namespace {

// The certificate id of a principal: a certificate ARN's last part, or a bare id.
std::string_view CertificateIdOf(std::string_view principal) {
  if (!principal.starts_with("arn:")) return principal;
  const std::size_t at = principal.find(":cert/");
  if (at == std::string_view::npos) return {};
  return principal.substr(at + 6);
}

}  // namespace

void Inventory::AddThingCertificate(std::string_view thing, std::string_view certificate_id) {
  if (thing.empty() || certificate_id.empty()) return;
  thing_certificates_[std::string(thing)].emplace(certificate_id);
  certificate_things_[std::string(certificate_id)].emplace(thing);
}

void Inventory::AddCertificatePolicy(std::string_view certificate_id, std::string_view policy) {
  if (certificate_id.empty() || policy.empty()) return;
  policies_[std::string(certificate_id)].emplace(policy);
  policy_certificates_[std::string(policy)].emplace(certificate_id);
}

Status Inventory::AddDocument(simdjson::dom::element document) {
  if (!document.is_object()) return Status::InvalidInput("the inventory should be a JSON object");
  for (auto [key, value] : internal::ObjectOf(document)) {
    if (key != "thingPrincipals" && key != "principalPolicies") {
      return Status::InvalidInput("inventory: unknown member '" + std::string(key) +
                                  "' (expected thingPrincipals and principalPolicies)");
    }
    simdjson::dom::array entries;
    if (value.get_array().get(entries) != simdjson::SUCCESS) {
      return Status::InvalidInput("inventory: " + std::string(key) + " should be an array");
    }
    std::size_t index = 0;
    for (simdjson::dom::element entry : entries) {
      const std::string where =
          "inventory: " + std::string(key) + "[" + std::to_string(index++) + "]";
      const bool things = key == "thingPrincipals";
      const std::string_view subject = StringMember(entry, things ? "thingName" : "principal");
      simdjson::dom::array items;
      if (subject.empty() ||
          entry[things ? "principals" : "policies"].get_array().get(items) != simdjson::SUCCESS) {
        return Status::InvalidInput(where + (things ? " needs thingName and principals[]"
                                                    : " needs principal and policies[]"));
      }
      for (simdjson::dom::element item : items) {
        if (things) {
          std::string_view principal;
          if (item.get_string().get(principal) != simdjson::SUCCESS) {
            return Status::InvalidInput(where + ".principals should hold ARN strings");
          }
          AddThingCertificate(subject, CertificateIdOf(principal));
        } else {
          const std::string_view policy = StringMember(item, "policyName");
          if (policy.empty()) {
            return Status::InvalidInput(where + ".policies should hold {\"policyName\": ...}");
          }
          AddCertificatePolicy(CertificateIdOf(subject), policy);
        }
      }
    }
  }
  return Status::Ok();
}

std::vector<std::string> Inventory::Lookup(const Relation& relation, std::string_view key) {
  auto it = relation.find(key);
  if (it == relation.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<std::string> Inventory::CertificatesOf(std::string_view thing) const {
  return Lookup(thing_certificates_, thing);
}
std::vector<std::string> Inventory::ThingsOf(std::string_view certificate_id) const {
  return Lookup(certificate_things_, certificate_id);
}
std::vector<std::string> Inventory::PoliciesOf(std::string_view certificate_id) const {
  return Lookup(policies_, certificate_id);
}
std::vector<std::string> Inventory::CertificatesWith(std::string_view policy) const {
  return Lookup(policy_certificates_, policy);
}

std::string ProductArn(const Scope& scope) {
  return "arn:" + scope.partition + ":securityhub:" + scope.region + ":" + scope.account +
         ":product/" + scope.account + "/default";
}

}  // namespace corroborate::iot
