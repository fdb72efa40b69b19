// Security Hub's import and update semantics, as pure functions from JSON to JSON.
//
// Contract (per ../docs/semantics.md and AWS's BatchImportFindings / BatchUpdateFindings docs):
// - NormalizeNewFinding turns a validated input finding into the JSON stored for a new finding:
//   the input's members in their order, minified, plus the service-populated fields (ProductName,
//   CompanyName and Region when absent, ProcessedAt = now, RecordState ACTIVE, Workflow.Status and
//   WorkflowState NEW when absent, the aws/securityhub/* ProductFields), Severity completed with
//   both Label and Normalized, and FindingProviderFields and their top-level twins (Severity,
//   Types, Confidence, Criticality, RelatedFindings) filled from each other where one side is
//   missing.
// - MergeImport decides what a provider's re-import does to a stored finding: identity is
//   (ProductArn, Id); an UpdatedAt older than or equal to the stored one changes nothing; a newer
//   one replaces the provider-owned content, keeps the analyst-owned fields (Note,
//   UserDefinedFields, VerificationState, Workflow, WorkflowState), keeps the top-level
//   Severity/Types/Confidence/ Criticality/RelatedFindings an analyst has changed (AnalystMask)
//   while FindingProviderFields always take the provider's new values, and resets a NOTIFIED or
//   RESOLVED workflow to NEW when the finding is reactivated (ARCHIVED -> ACTIVE) or fails again
//   (Compliance PASSED -> FAILED/WARNING/NOT_AVAILABLE).
// - ParseBatchUpdate / ApplyBatchUpdate implement BatchUpdateFindings: analyst fields only, never
//   UpdatedAt, and each top-level provider twin they touch is recorded in the AnalystMask.
// - No I/O; `now` is passed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "asff/finding.h"
#include "common/status.h"

namespace corroborate::asff {

// Top-level fields an analyst has taken over through BatchUpdateFindings.
enum AnalystField : std::uint32_t {
  kAnalystSeverity = 1U << 0,
  kAnalystTypes = 1U << 1,
  kAnalystConfidence = 1U << 2,
  kAnalystCriticality = 1U << 3,
  kAnalystRelatedFindings = 1U << 4,
};
using AnalystMask = std::uint32_t;

// ProductName / CompanyName Security Hub shows for a product ARN ("GuardDuty" / "AWS").
std::pair<std::string, std::string> ProductAndCompanyNames(std::string_view product_arn);

// Also completes `core` to describe the stored finding: ProductName, CompanyName, ProcessedAt.
// `input_text`, when not empty, is the JSON text `input` was parsed from: the members kept as they
// are are then copied from it, minified, rather than re-serialized from the DOM, several times
// faster; their strings and numbers keep the input's spelling ("\u00e9", 1.50), which is the
// same JSON value.
std::string NormalizeNewFinding(simdjson::dom::element input, Finding& core, TimeMs now,
                                std::string_view input_text = {});

enum class ImportAction : std::uint8_t {
  kCreated,      // no stored finding had this identity
  kUpdated,      // newer UpdatedAt: provider content replaced
  kIgnoredStale  // UpdatedAt not newer than the stored one: nothing changed
};

struct MergeResult {
  ImportAction action = ImportAction::kIgnoredStale;
  std::string json;  // the new stored JSON when action == kUpdated
};

// `incoming_json` is the NormalizeNewFinding output for the re-imported finding.
Result<MergeResult> MergeImport(std::string_view incoming_json, const Finding& incoming,
                                std::string_view stored_json, const Finding& stored,
                                AnalystMask mask, TimeMs now);

// BatchUpdateFindings request (the members other than FindingIdentifiers are all optional).
struct BatchUpdate {
  std::vector<FindingIdentifier> identifiers;  // 1..100
  std::optional<Note> note;                    // Text + UpdatedBy; UpdatedAt is set to now
  std::optional<std::string> severity_json;    // {"Label"|"Normalized"|"Product"} as given
  std::optional<std::string> verification_state;
  std::optional<int> confidence;
  std::optional<int> criticality;
  std::optional<std::vector<std::string>> types;
  std::optional<std::vector<std::pair<std::string, std::string>>> user_defined_fields;
  std::optional<std::string> workflow_status;
  std::optional<std::vector<FindingIdentifier>> related_findings;
};

// Parses and validates the request body; errors are request-level (InvalidInputException).
Result<BatchUpdate> ParseBatchUpdate(simdjson::dom::element request);

// Applies the update to one stored finding, returning its new JSON and updating `mask`.
Result<std::string> ApplyBatchUpdate(std::string_view stored_json, const BatchUpdate& update,
                                     TimeMs now, AnalystMask& mask);

}  // namespace corroborate::asff
