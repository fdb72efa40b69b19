// The ASFF finding model: a typed core view over a finding whose JSON is kept losslessly.
//
// Contract:
// - DecodeFinding reads one finding from a parsed JSON element, checks it against Security Hub's
//   BatchImportFindings rules and limits, and fills the core view. On failure it returns
//   Status::InvalidInput whose message is the text Security Hub would put in FailedFindings
//   ("Finding does not adhere to Amazon Finding Format. data.Title should NOT be longer than 256
//   characters"); `out.id` and `out.product_arn` are filled whenever they could be read, so the
//   caller can report the failure against the finding's identity.
// - The core view never replaces the JSON: fields we do not model are kept in Finding::json by
//   whoever stores the finding, and are returned as they came.
// - Nothing here does I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "asff/relations.h"
#include "asff/timestamp.h"
#include "common/status.h"

namespace corroborate::asff {

// Security Hub's documented per-finding limits.
inline constexpr size_t kMaxFindingBytes = size_t{240} * 1024;
inline constexpr size_t kMaxResources = 32;
inline constexpr size_t kMaxTypes = 50;
inline constexpr size_t kMaxRelatedFindings = 10;
inline constexpr size_t kMaxMapPairs = 50;
inline constexpr std::string_view kSchemaVersion = "2018-10-08";

enum class SeverityLabel : std::uint8_t { kInformational, kLow, kMedium, kHigh, kCritical };
enum class RecordState : std::uint8_t { kActive, kArchived };
enum class WorkflowStatus : std::uint8_t { kNew, kNotified, kResolved, kSuppressed };

std::string_view ToString(SeverityLabel v);
std::string_view ToString(RecordState v);
std::string_view ToString(WorkflowStatus v);
std::optional<SeverityLabel> ParseSeverityLabel(std::string_view s);
std::optional<RecordState> ParseRecordState(std::string_view s);
std::optional<WorkflowStatus> ParseWorkflowStatus(std::string_view s);

// Security Hub's mapping between the two severity scales.
SeverityLabel LabelForNormalized(int normalized);
int NormalizedForLabel(SeverityLabel label);

struct Resource {
  std::string type;
  std::string id;
  std::string partition;      // as given, or derived from the ProductArn
  std::string region;         // as given, or the finding's region
  std::string canonical_key;  // see resource_key.h
};

// AwsSecurityFindingIdentifier: the identity of a finding everywhere in the API.
struct FindingIdentifier {
  std::string product_arn;
  std::string id;
  friend bool operator==(const FindingIdentifier&, const FindingIdentifier&) = default;
};

struct Note {
  std::string text;
  std::string updated_by;
  std::string updated_at;
};

struct Finding {
  // Identity and provenance.
  std::string id;
  std::string product_arn;
  std::string product_name;  // empty when the input did not name it (the store derives it)
  std::string company_name;
  std::string generator_id;
  std::string aws_account_id;
  std::string region;     // top-level Region, or the region of the ProductArn
  std::string partition;  // partition of the ProductArn
  std::vector<std::string> types;

  // Times, in ms since the epoch.
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  std::optional<TimeMs> first_observed_at;
  std::optional<TimeMs> last_observed_at;
  std::optional<TimeMs> processed_at;

  // Severity after Security Hub's derivation: from Severity, else FindingProviderFields.Severity.
  SeverityLabel severity_label = SeverityLabel::kInformational;
  int severity_normalized = 0;

  std::string title;
  std::string description;
  std::vector<Resource> resources;

  std::string compliance_status;            // PASSED | WARNING | FAILED | NOT_AVAILABLE | empty
  std::vector<std::string> compliance_ids;  // SecurityControlId and ProductFields ControlId forms
  RecordState record_state = RecordState::kActive;
  WorkflowStatus workflow_status = WorkflowStatus::kNew;
  bool has_workflow = false;      // whether the input carried Workflow.Status
  bool has_record_state = false;  // whether the input carried RecordState
  std::string
      verification_state;  // UNKNOWN | TRUE_POSITIVE | FALSE_POSITIVE | BENIGN_POSITIVE | empty
  std::vector<FindingIdentifier> related_findings;
  std::optional<Note> note;
  std::vector<std::pair<std::string, std::string>> user_defined_fields;
  std::vector<std::pair<std::string, std::string>> product_fields;
  std::vector<std::string> vulnerability_ids;  // Vulnerabilities[].Id, e.g. CVE ids
  std::vector<ResourceRelation> relations;     // stated by resource Details (relations.h)

  // The stored JSON of the finding. Filled by the store; DecodeFinding leaves it untouched.
  std::string json;

  [[nodiscard]] FindingIdentifier identifier() const { return {product_arn, id}; }
};

// Whether a finding type (Types[], FindingProviderFields.Types[]) has Security Hub's form
// namespace[/category[/classifier]]: ^([^/]+)(/[^/]+){0,2}$.
bool MatchesTypePattern(std::string_view type);
inline constexpr std::size_t kMaxTypeLength = 128;

// Decodes and validates one finding. See the contract at the top of this file.
Status DecodeFinding(simdjson::dom::element element, Finding& out);

// Parses JSON text and decodes it (convenience for tests and cold paths). The text's size is
// checked against kMaxFindingBytes before parsing.
Status DecodeFindingText(std::string_view json, Finding& out);

// The `arn:<partition>:securityhub:<region>:<account>:product/<company>/<product>` parts, or
// nullopt.
struct ProductArnParts {
  std::string_view partition;
  std::string_view region;
  std::string_view account;
  std::string_view company;
  std::string_view product;
};
std::optional<ProductArnParts> ParseProductArn(std::string_view arn);

// The message prefix Security Hub uses for schema violations.
inline constexpr std::string_view kSchemaErrorPrefix =
    "Finding does not adhere to Amazon Finding Format. ";

}  // namespace corroborate::asff
