// IotImporter: AWS IoT Device Defender messages into the store, as ASFF findings that follow
// their audits and alarms.
//
// Contract:
// - It is a sources::FindingVisitor, so it takes whatever the sources readers find in files,
//   stdin or an HTTP body (VisitDocument): audit-complete notices, ListAuditFindings pages (whole,
//   or item by item when the reader streams their `findings` array), violation messages, and
//   CloudTrail PutVerificationStateOnViolation events from EventBridge, bare or in SNS/Lambda
//   envelopes. The same calls are the entry points of the HTTP server's SNS and EventBridge
//   endpoints and of a live pull: OnFinding with one parsed message or page, then CompleteAudits
//   when a task's pages are in, Finish at the end.
// - Scope: a message's region (and account, when it names none) comes from the SNS topic it came
//   through, else from the defaults in Options; an audit finding takes its task's scope from the
//   task's notice seen earlier in the same importer, else the defaults. A message whose scope is
//   still unknown is refused with a message that says what to give.
// - Findings are converted by iot/iot.h and imported in batches with Security Hub's semantics
//   (each batch atomic and durable); CreatedAt and FirstObservedAt are kept from the stored
//   version, so they are the first sighting. Memory is one batch, whatever the size of an audit.
// - CompleteAudits settles each COMPLETED task once, oldest first. For a COMPLETED_NON_COMPLIANT
//   check, the ACTIVE findings of that check (same partition, region, account) last updated
//   before the task started are archived as resolved (Compliance PASSED, RecordState ARCHIVED),
//   read through FindingStore::FindingsOfGeneratorBefore, not by reading every active finding;
//   this happens only when at least as many findings of the task for the check were imported as
//   the notice counts (non-compliant minus suppressed) and none was rejected, else it is reported
//   (NotArchived) and nothing is archived. COMPLETED_COMPLIANT archives all of them. FAILED,
//   CANCELED and unfinished checks, and tasks that did not complete, change nothing.
// - Violations: in-alarm stores the finding; alarm-cleared stores Compliance PASSED and sets
//   Workflow RESOLVED with BatchUpdateFindings (Workflow is analyst-owned, so import alone cannot)
//   unless it is SUPPRESSED; alarm-invalidated archives it.
// - Verification states, from CloudTrail or a violation message's own verificationState, are
//   recorded per violation in the store's auxiliary space and applied with BatchUpdateFindings as
//   soon as the violation is stored, whichever arrives first; one older than the state recorded
//   is ignored and said so; a failed call changes nothing and is said so.
// - Every message or item that cannot be used is reported once through on_failure with where it
//   was and why; nothing is dropped silently. A store error stops the import: the findings not
//   stored are reported (StoreError) and Finish returns the error.
// - With a CorrelationStage, each stored batch and each BatchUpdateFindings is correlated.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "iot/iot.h"
#include "sources/sources.h"
#include "store/store.h"

namespace corroborate::pipeline {

class CorrelationStage;  // pipeline/correlation.h

struct IotFailure {
  std::string location;  // "notice.json:1 Records[0].Sns.Message"
  std::string subject;   // "audit finding e1a2...", "violation 8c1f...", "audit task 9f2c..."
  std::string
      error_code;  // InvalidInput | UnsupportedMessage | NotArchived | StoreError | Internal
  std::string error_message;
};

struct IotImportReport {
  std::uint64_t messages = 0;        // documents (and events) seen
  std::uint64_t audit_findings = 0;  // converted, offered to the store
  std::uint64_t violations = 0;      // converted, offered to the store
  std::uint64_t created = 0;
  std::uint64_t updated = 0;
  std::uint64_t unchanged = 0;          // not newer than the stored version
  std::uint64_t archived_resolved = 0;  // by a later audit of their check
  std::uint64_t resolved_cleared = 0;   // Workflow RESOLVED after alarm-cleared
  std::uint64_t verifications_applied = 0;
  std::uint64_t verifications_kept = 0;     // their violation not seen yet
  std::uint64_t verifications_ignored = 0;  // older than the recorded one, or a failed call
  std::uint64_t failed = 0;
};

// Which messages an importer takes (the CLI's import-audit and import-detect; the server all).
enum class IotAccept : std::uint8_t { kAudit, kDetect, kAll };

struct IotImportOptions {
  iot::Options iot;
  IotAccept accept = IotAccept::kAll;
  std::size_t batch_size = 1000;
  std::function<asff::TimeMs()> clock;  // default: the system clock
  std::function<void(const IotFailure&)> on_failure;
  std::function<void(const std::string&)> on_info;  // what notices, verifications, audits did
  CorrelationStage* correlation = nullptr;
};

class IotImporter final : public sources::FindingVisitor {
 public:
  IotImporter(store::FindingStore& store, IotImportOptions options);

  void OnFinding(simdjson::dom::element message, const sources::Location& where) override;
  void OnError(const sources::Location& where, const Status& error) override;
  // Stores what is batched, and makes the incident updates correlation holds (a live stream
  // paused; sources.h).
  void OnIdle() override;
  void OnEvent(simdjson::dom::element event, std::string_view detail_type,
               const sources::Location& where) override;

  // Stores what is batched and settles the COMPLETED audits seen so far (see the contract).
  Status CompleteAudits();
  // CompleteAudits, then the correlation stage's Finish. Returns the first store error met.
  Status Finish();

  [[nodiscard]] const IotImportReport& report() const { return report_; }

 private:
  struct Pending {
    store::IncomingFinding finding;
    std::string location;
    std::string subject;
    bool violation = false;
    bool cleared = false;
    iot::Scope scope;
    std::string violation_id;
    std::optional<iot::Verification> carried;  // the message's own verificationState
  };
  struct Task {
    iot::AuditNotice notice;
    iot::Scope scope;
    std::string location;
    bool settled = false;
  };
  using TaskCheck = std::pair<std::string, std::string>;

  bool Accepts(iot::MessageKind kind) const;
  void Notice(simdjson::dom::element message, const std::string& location,
              const sources::Location& where);
  void AuditFinding(simdjson::dom::element item, const std::string& location,
                    const sources::Location& where);
  void Violation(simdjson::dom::element message, const std::string& location,
                 const sources::Location& where);
  void VerificationEvent(simdjson::dom::element event, const std::string& location,
                         const sources::Location& where);

  // The stored (or batched) first sighting of a finding; false after a store error.
  bool Previous(const asff::FindingIdentifier& id, std::optional<iot::PreviousSighting>* out,
                const std::string& location, const std::string& subject);
  void Enqueue(const std::string& json, Pending pending);
  Status Flush();
  void ResolveCleared(const asff::FindingIdentifier& id);
  // Records and, when its violation is stored, applies a verification state.
  void ApplyVerification(const iot::Verification& v, const std::string& location, bool announce);
  // Applies a verification recorded before its violation arrived.
  void ApplyKept(const iot::Scope& scope, const std::string& violation_id);
  bool BatchUpdate(const asff::BatchUpdate& update, const std::string& location,
                   const std::string& subject);
  // Archives the check's findings older than the task; returns how many.
  std::uint64_t ArchiveOlder(const Task& task, const iot::CheckRun& check, asff::TimeMs before);
  Status Correlate(std::span<const store::IncomingFinding> changed,
                   std::span<const store::ImportOutcome> outcomes);
  Status CorrelateUpdates();

  void Fail(std::string location, std::string subject, std::string code, std::string message);
  void Info(const std::string& line);
  void StoreFailed(const Status& s, const std::string& location, const std::string& subject);
  iot::Scope ScopeOf(const sources::Location& where) const;

  store::FindingStore& store_;
  IotImportOptions options_;
  IotImportReport report_;
  Status fatal_;
  std::vector<Pending> batch_;
  std::unordered_map<std::string, iot::PreviousSighting> batched_;  // by ProductArn + Id
  std::map<std::string, Task> tasks_;
  std::map<TaskCheck, std::uint64_t> seen_;
  std::map<TaskCheck, std::uint64_t> rejected_;
  std::uint64_t unattributed_rejections_ = 0;     // audit items whose task or check was unreadable
  std::vector<asff::FindingIdentifier> updated_;  // by BatchUpdateFindings, to correlate
  simdjson::dom::parser parser_;
};

}  // namespace corroborate::pipeline
