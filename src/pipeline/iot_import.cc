#include "pipeline/iot_import.h"

#include <algorithm>

#include "asff/import.h"
#include "pipeline/correlation.h"
#include "pipeline/pipeline.h"

namespace corroborate::pipeline {
namespace {

std::string Child(const sources::Location& where, std::string_view member, std::size_t index) {
  std::string path(where.path);
  if (!path.empty()) path += '.';
  path.append(member).append("[").append(std::to_string(index)).append("]");
  return sources::Location{where.source, where.line, path, where.topic_arn}.ToString();
}

std::string KeyOf(const asff::FindingIdentifier& id) {
  return id.product_arn + '\n' + id.id;
}

std::string_view Member(simdjson::dom::element e, std::string_view key) {
  std::string_view s;
  if (e[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

constexpr std::string_view kWhatWeTake =
    "not an IoT Device Defender message: expected an audit-complete notice (taskId, taskStatus, "
    "auditDetails), a ListAuditFindings page (findings[]), an audit finding (checkName, "
    "nonCompliantResource), a violation message (violationEventType) or a CloudTrail "
    "PutVerificationStateOnViolation event";

}  // namespace

IotImporter::IotImporter(store::FindingStore& store, IotImportOptions options)
    : store_(store), options_(std::move(options)) {
  if (!options_.clock) options_.clock = SystemNow;
  if (options_.batch_size == 0) options_.batch_size = 1;
  if (options_.iot.defaults.partition.empty()) options_.iot.defaults.partition = "aws";
}

void IotImporter::Fail(std::string location, std::string subject, std::string code,
                       std::string message) {
  ++report_.failed;
  if (options_.on_failure) {
    options_.on_failure(
        {std::move(location), std::move(subject), std::move(code), std::move(message)});
  }
}

void IotImporter::Info(const std::string& line) {
  if (options_.on_info) options_.on_info(line);
}

void IotImporter::StoreFailed(const Status& s, const std::string& location,
                              const std::string& subject) {
  if (fatal_.ok()) fatal_ = s;
  Fail(location, subject, "StoreError", s.message());
}

iot::Scope IotImporter::ScopeOf(const sources::Location& where) const {
  return iot::Complete(iot::ScopeFromArn(where.topic_arn), options_.iot.defaults);
}

bool IotImporter::Accepts(iot::MessageKind kind) const {
  switch (options_.accept) {
    case IotAccept::kAll: return true;
    case IotAccept::kAudit: return iot::IsAuditKind(kind);
    case IotAccept::kDetect: return !iot::IsAuditKind(kind);
  }
  return false;
}

void IotImporter::OnError(const sources::Location& where, const Status& error) {
  ++report_.messages;
  Fail(where.ToString(), "", "InvalidInput", error.message());
}

void IotImporter::OnEvent(simdjson::dom::element event, std::string_view /*detail_type*/,
                          const sources::Location& where) {
  OnFinding(event, where);  // Classify tells a CloudTrail event from anything else
}

void IotImporter::OnFinding(simdjson::dom::element message, const sources::Location& where) {
  const std::string location = where.ToString();
  const iot::MessageKind kind = iot::Classify(message);
  // The items of a streamed page (or of an array) arrive one by one: the document counts once.
  if (kind != iot::MessageKind::kAuditFinding || !where.path.ends_with("]") ||
      where.path.ends_with("[0]")) {
    ++report_.messages;
  }
  if (kind == iot::MessageKind::kUnknown) {
    return Fail(location, "", "UnsupportedMessage", std::string(kWhatWeTake));
  }
  if (!Accepts(kind)) {
    return Fail(location, "", "UnsupportedMessage",
                "a " + std::string(iot::ToString(kind)) + ", which this import does not take (it " +
                    (options_.accept == IotAccept::kAudit
                         ? "takes audit-complete notices and ListAuditFindings pages"
                         : "takes violation messages and verification events") +
                    ")");
  }
  switch (kind) {
    case iot::MessageKind::kAuditNotice: return Notice(message, location, where);
    case iot::MessageKind::kAuditFindingsPage: {
      std::size_t i = 0;
      const simdjson::dom::array items = message["findings"].get_array().value_unsafe();
      for (simdjson::dom::element item : items) {
        AuditFinding(item, Child(where, "findings", i++), where);
      }
      return;
    }
    case iot::MessageKind::kAuditFinding: return AuditFinding(message, location, where);
    case iot::MessageKind::kViolation: return Violation(message, location, where);
    case iot::MessageKind::kVerificationEvent: return VerificationEvent(message, location, where);
    case iot::MessageKind::kUnknown: return;
  }
}

// ---- audit --------------------------------------------------------------------------------------

void IotImporter::Notice(simdjson::dom::element message, const std::string& location,
                         const sources::Location& where) {
  auto notice = iot::ParseAuditNotice(message);
  const std::string task_id(Member(message, "taskId"));
  const std::string subject = "audit task " + task_id;
  if (!notice.ok()) return Fail(location, subject, "InvalidInput", notice.status().message());
  iot::Scope scope = iot::ScopeFromArn(where.topic_arn);
  if (!notice->account.empty()) scope.account = notice->account;
  scope = iot::Complete(std::move(scope), options_.iot.defaults);
  if (!scope.complete()) {
    return Fail(location, subject, "InvalidInput",
                "the notice names no " + std::string(scope.account.empty() ? "account" : "region") +
                    ": it did not come in an SNS envelope (whose TopicArn says), and no default "
                    "was given");
  }
  Task& task = tasks_[notice->task_id];
  const bool again = !task.notice.task_id.empty();
  task.notice = *notice;
  task.scope = scope;
  task.location = location;
  std::size_t non_compliant = 0, compliant = 0, unchanged = 0;
  for (const iot::CheckRun& check : notice->checks) {
    switch (iot::OutcomeOf(check)) {
      case iot::CheckOutcome::kNonCompliant: ++non_compliant; break;
      case iot::CheckOutcome::kCompliant: ++compliant; break;
      case iot::CheckOutcome::kNothingLearned: ++unchanged; break;
      case iot::CheckOutcome::kUnknown:
        ++unchanged;
        Fail(location, subject + " check " + check.check_name, "InvalidInput",
             "checkRunStatus '" + check.run_status +
                 "' is not a known status: nothing changes for this check");
        break;
    }
  }
  std::string line =
      location + ": audit task " + notice->task_id + " (" +
      (notice->scheduled_audit_name.empty() ? notice->task_type : notice->scheduled_audit_name) +
      ", account " + scope.account + ", " + scope.region + ") " + notice->task_status;
  if (notice->task_status == "COMPLETED") {
    line += ": " + std::to_string(non_compliant) + " non-compliant check(s), " +
            std::to_string(compliant) + " compliant, " + std::to_string(unchanged) +
            " that change nothing";
    for (const iot::CheckRun& check : notice->checks) {
      if (iot::OutcomeOf(check) != iot::CheckOutcome::kNothingLearned) continue;
      line += "\n  " + check.check_name + " " + check.run_status;
      if (!check.error_code.empty()) line += " (" + check.error_code + ": " + check.message + ")";
      line += ": its findings stay as they are";
    }
  } else {
    line += ": nothing is archived for it";
  }
  if (again) line += " (notice seen before)";
  Info(line);
}

void IotImporter::AuditFinding(simdjson::dom::element item, const std::string& location,
                               const sources::Location& where) {
  const auto task_and_check = iot::TaskAndCheckOf(item);
  const std::string& task_id = task_and_check.first;
  const std::string& check = task_and_check.second;
  std::string subject = "audit finding";
  if (const std::string_view id = Member(item, "findingId"); !id.empty()) {
    subject += " " + std::string(id);
  } else if (!check.empty()) {
    subject += " of " + check;
  }
  auto reject = [&](const std::string& message) {
    if (task_id.empty() || check.empty()) {
      ++unattributed_rejections_;
    } else {
      ++rejected_[{task_id, check}];
    }
    Fail(location, subject, "InvalidInput", message);
  };
  iot::AuditContext context;
  if (auto it = tasks_.find(task_id); it != tasks_.end()) {
    context.scope = it->second.scope;
    context.task_type = it->second.notice.task_type;
    context.scheduled_audit_name = it->second.notice.scheduled_audit_name;
  } else {
    context.scope = ScopeOf(where);
  }
  if (!context.scope.complete()) {
    return reject("the account or region of audit task " + task_id +
                  " is unknown: import the task's audit-complete notice before its pages (in "
                  "the same run), or give the account and region");
  }
  auto finding = iot::ParseAuditFinding(item, context, options_.iot);
  if (!finding.ok()) return reject(finding.status().message());
  ++seen_[{task_id, check}];
  std::optional<iot::PreviousSighting> previous;
  if (!Previous(finding->identifier, &previous, location, subject)) return;
  ++report_.audit_findings;
  Pending p;
  p.location = location;
  p.subject = std::move(subject);
  Enqueue(iot::ToAsff(*finding, previous), std::move(p));
}

bool IotImporter::Previous(const asff::FindingIdentifier& id,
                           std::optional<iot::PreviousSighting>* out, const std::string& location,
                           const std::string& subject) {
  if (auto it = batched_.find(KeyOf(id)); it != batched_.end()) {
    *out = it->second;
    return true;
  }
  store::StoredFinding stored;
  const Status s = fatal_.ok() ? store_.Get(id, &stored) : fatal_;
  if (s.code() == Status::Code::kNotFound) return true;
  if (!s.ok()) {
    StoreFailed(s, location, subject);
    return false;
  }
  *out = iot::PreviousSighting{stored.core.created_at, stored.core.first_observed_at};
  return true;
}

void IotImporter::Enqueue(const std::string& json, Pending pending) {
  simdjson::dom::element root;
  if (parser_.parse(json).get(root) != simdjson::SUCCESS) {
    return Fail(pending.location, pending.subject, "Internal", "converted finding is not JSON");
  }
  store::IncomingFinding& in = pending.finding;
  if (Status s = asff::DecodeFinding(root, in.core); !s.ok()) {
    return Fail(pending.location, pending.subject, "Internal",
                "the converted finding does not validate: " + s.message());
  }
  in.json = asff::NormalizeNewFinding(root, in.core, options_.clock());
  if (in.json.size() > asff::kMaxFindingBytes) {
    return Fail(pending.location, pending.subject, "InvalidInput",
                "Finding size exceeded 240 KB (" + std::to_string(in.json.size()) + " bytes)");
  }
  batched_[KeyOf(in.core.identifier())] =
      iot::PreviousSighting{in.core.created_at, in.core.first_observed_at};
  batch_.push_back(std::move(pending));
  if (batch_.size() >= options_.batch_size) (void)Flush();
}

Status IotImporter::Flush() {
  if (batch_.empty()) return fatal_;
  std::vector<store::IncomingFinding> findings;
  findings.reserve(batch_.size());
  for (Pending& p : batch_) findings.push_back(std::move(p.finding));
  std::vector<store::ImportOutcome> outcomes;
  const asff::TimeMs now = options_.clock();
  const Status s = fatal_.ok() ? store_.Import(findings, now, &outcomes) : fatal_;
  if (!s.ok()) {
    if (fatal_.ok()) fatal_ = s;
    for (const Pending& p : batch_)
      Fail(p.location, p.subject, "StoreError", "not stored: " + s.message());
    batch_.clear();
    batched_.clear();
    return fatal_;
  }
  std::vector<store::IncomingFinding> changed;
  std::vector<store::ImportOutcome> changed_outcomes;
  for (size_t i = 0; i < findings.size(); ++i) {
    switch (outcomes[i].action) {
      case asff::ImportAction::kCreated: ++report_.created; break;
      case asff::ImportAction::kUpdated: ++report_.updated; break;
      case asff::ImportAction::kIgnoredStale: ++report_.unchanged; break;
    }
    if (options_.correlation != nullptr &&
        outcomes[i].action != asff::ImportAction::kIgnoredStale) {
      changed.push_back(findings[i]);
      changed_outcomes.push_back(outcomes[i]);
    }
  }
  std::vector<Pending> done = std::move(batch_);
  batch_.clear();
  batched_.clear();
  if (Status c = Correlate(changed, changed_outcomes); !c.ok()) return c;
  // What a violation changes besides its finding, in message order, now that the finding is in.
  for (size_t i = 0; i < done.size() && fatal_.ok(); ++i) {
    const Pending& p = done[i];
    if (!p.violation) continue;
    const bool accepted = outcomes[i].action != asff::ImportAction::kIgnoredStale;
    if (p.cleared && accepted) ResolveCleared(findings[i].core.identifier());
    if (p.carried) {
      ApplyVerification(*p.carried, p.location, /*announce=*/false);
    } else {
      ApplyKept(p.scope, p.violation_id);
    }
  }
  if (Status c = CorrelateUpdates(); !c.ok()) return c;
  return fatal_;
}

void IotImporter::OnIdle() {
  (void)Flush();
  if (fatal_.ok() && options_.correlation != nullptr) {
    if (Status s = options_.correlation->Idle(options_.clock()); !s.ok()) {
      fatal_ = s.WithContext("correlating");
    }
  }
}

Status IotImporter::Correlate(std::span<const store::IncomingFinding> changed,
                              std::span<const store::ImportOutcome> outcomes) {
  if (options_.correlation == nullptr || changed.empty() || !fatal_.ok()) return fatal_;
  if (Status s = options_.correlation->AfterBatch(changed, outcomes, options_.clock()); !s.ok()) {
    fatal_ = s.WithContext("correlating");
  }
  return fatal_;
}

Status IotImporter::CorrelateUpdates() {
  if (options_.correlation == nullptr || updated_.empty() || !fatal_.ok()) {
    updated_.clear();
    return fatal_;
  }
  if (Status s = options_.correlation->AfterUpdate(updated_, options_.clock()); !s.ok()) {
    fatal_ = s.WithContext("correlating");
  }
  updated_.clear();
  return fatal_;
}

Status IotImporter::CompleteAudits() {
  if (Status s = Flush(); !s.ok()) return s;
  std::vector<Task*> due;
  for (auto& [id, task] : tasks_) {
    if (!task.settled && task.notice.task_status == "COMPLETED") due.push_back(&task);
  }
  // Oldest first, so a newer audit has the last word on what is still non-compliant.
  std::stable_sort(due.begin(), due.end(), [](const Task* a, const Task* b) {
    return a->notice.task_start.value_or(0) < b->notice.task_start.value_or(0);
  });
  for (Task* task : due) {
    task->settled = true;
    const std::string subject = "audit task " + task->notice.task_id;
    if (!task->notice.task_start) {
      Fail(task->location, subject, "NotArchived",
           "the notice has no taskStartTime, so which findings are older than the audit is "
           "unknown: nothing is archived for it");
      continue;
    }
    std::uint64_t total = 0;
    std::string detail;
    for (const iot::CheckRun& check : task->notice.checks) {
      const iot::CheckOutcome outcome = iot::OutcomeOf(check);
      if (outcome == iot::CheckOutcome::kNonCompliant) {
        const TaskCheck key{task->notice.task_id, check.check_name};
        const std::uint64_t seen = seen_.contains(key) ? seen_.at(key) : 0;
        const std::uint64_t rejected = rejected_.contains(key) ? rejected_.at(key) : 0;
        const std::uint64_t listed = check.non_compliant.value_or(1);
        const std::uint64_t expected = listed - std::min(listed, check.suppressed.value_or(0));
        if (rejected > 0 || unattributed_rejections_ > 0) {
          Fail(task->location, subject + " check " + check.check_name, "NotArchived",
               std::to_string(rejected + unattributed_rejections_) +
                   " audit finding(s) of this import were rejected (see above) and may be among "
                   "the check's: its older findings are left as they are");
          continue;
        }
        if (seen < std::max<std::uint64_t>(expected, 1)) {
          Fail(task->location, subject + " check " + check.check_name, "NotArchived",
               "the notice counts " + std::to_string(listed) + " non-compliant resource(s) (" +
                   std::to_string(check.suppressed.value_or(0)) + " suppressed) but " +
                   std::to_string(seen) +
                   " finding(s) of the task were imported with it: import every "
                   "ListAuditFindings page of the task together with the notice; the check's "
                   "older findings are left as they are");
          continue;
        }
      } else if (outcome != iot::CheckOutcome::kCompliant) {
        continue;
      }
      const std::uint64_t n = ArchiveOlder(*task, check, *task->notice.task_start);
      if (!fatal_.ok()) return fatal_;
      total += n;
      if (n > 0) detail += "\n  " + check.check_name + ": " + std::to_string(n);
    }
    Info(task->location + ": audit task " + task->notice.task_id +
         " settled: " + std::to_string(total) +
         " older finding(s) it no longer reports archived as resolved" + detail);
  }
  return fatal_;
}

std::uint64_t IotImporter::ArchiveOlder(const Task& task, const iot::CheckRun& check,
                                        asff::TimeMs before) {
  store::GeneratorRangeRequest request;
  request.generator_id = iot::AuditGeneratorId(task.scope, check.check_name);
  request.updated_before = before;
  request.max_results = 100;
  const std::string subject = "audit task " + task.notice.task_id + " check " + check.check_name;
  std::uint64_t archived = 0;
  do {
    store::QueryPage page;
    if (Status s = store_.FindingsOfGeneratorBefore(request, &page); !s.ok()) {
      StoreFailed(s, task.location, subject);
      return archived;
    }
    std::vector<store::IncomingFinding> batch;
    batch.reserve(page.findings.size());
    for (const std::string& stored : page.findings) {
      auto resolved = iot::ResolvedVersion(stored, before, task.notice.task_id);
      simdjson::dom::element root;
      store::IncomingFinding in;
      if (!resolved.ok() || parser_.parse(*resolved).get(root) != simdjson::SUCCESS ||
          !asff::DecodeFinding(root, in.core).ok()) {
        StoreFailed(Status::Corruption("a stored finding of " + check.check_name +
                                       " cannot be archived: " + resolved.status().message()),
                    task.location, subject);
        return archived;
      }
      in.json = asff::NormalizeNewFinding(root, in.core, options_.clock());
      batch.push_back(std::move(in));
    }
    std::vector<store::ImportOutcome> outcomes;
    if (Status s = store_.Import(batch, options_.clock(), &outcomes); !s.ok()) {
      StoreFailed(s, task.location, subject);
      return archived;
    }
    std::vector<store::IncomingFinding> changed;
    std::vector<store::ImportOutcome> changed_outcomes;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (outcomes[i].action == asff::ImportAction::kIgnoredStale) continue;
      ++archived;
      if (options_.correlation != nullptr) {
        changed.push_back(batch[i]);
        changed_outcomes.push_back(outcomes[i]);
      }
    }
    if (!Correlate(changed, changed_outcomes).ok()) return archived;
    request.next_token = page.next_token;
  } while (!request.next_token.empty());
  report_.archived_resolved += archived;
  return archived;
}

// ---- detect -------------------------------------------------------------------------------------

void IotImporter::Violation(simdjson::dom::element message, const std::string& location,
                            const sources::Location& where) {
  const std::string violation_id(Member(message, "violationId"));
  const std::string subject = "violation " + violation_id;
  const iot::Scope scope = ScopeOf(where);
  if (!scope.complete()) {
    return Fail(location, subject, "InvalidInput",
                "the violation's " + std::string(scope.account.empty() ? "account" : "region") +
                    " is unknown: it did not come in an SNS envelope (whose TopicArn says), and "
                    "no default was given");
  }
  auto violation = iot::ParseViolation(message, scope, options_.iot);
  if (!violation.ok()) return Fail(location, subject, "InvalidInput", violation.status().message());
  std::optional<iot::PreviousSighting> previous;
  if (!Previous(violation->identifier, &previous, location, subject)) return;
  ++report_.violations;
  Pending p;
  p.location = location;
  p.subject = subject;
  p.violation = true;
  p.cleared = violation->event_type == "alarm-cleared";
  p.scope = scope;
  p.violation_id = violation_id;
  p.carried = iot::VerificationOf(*violation);
  Enqueue(iot::ToAsff(*violation, previous), std::move(p));
}

bool IotImporter::BatchUpdate(const asff::BatchUpdate& update, const std::string& location,
                              const std::string& subject) {
  store::BatchUpdateResult result;
  if (Status s = store_.BatchUpdate(update, options_.clock(), &result); !s.ok()) {
    StoreFailed(s, location, subject);
    return false;
  }
  for (const auto& u : result.unprocessed) {
    Fail(location, subject, u.error_code, u.error_message);
  }
  updated_.insert(updated_.end(), result.processed.begin(), result.processed.end());
  return result.unprocessed.empty();
}

void IotImporter::ResolveCleared(const asff::FindingIdentifier& id) {
  store::StoredFinding stored;
  if (Status s = store_.Get(id, &stored); !s.ok()) {
    return StoreFailed(s, id.id, "violation finding");
  }
  const auto workflow = stored.core.workflow_status;
  // A newer in-alarm stored since, or an operator's decision, stands.
  if (stored.core.compliance_status != "PASSED" || workflow == asff::WorkflowStatus::kSuppressed ||
      workflow == asff::WorkflowStatus::kResolved) {
    return;
  }
  asff::BatchUpdate update;
  update.identifiers.push_back(id);
  update.workflow_status = "RESOLVED";
  if (BatchUpdate(update, id.id, "violation finding")) ++report_.resolved_cleared;
}

void IotImporter::ApplyVerification(const iot::Verification& v, const std::string& location,
                                    bool announce) {
  const std::string key = iot::VerificationKey(v);
  const std::string subject = "verification of violation " + v.violation_id;
  std::string text;
  Status s = store_.GetAuxiliary(key, &text);
  if (!s.ok() && s.code() != Status::Code::kNotFound) return StoreFailed(s, location, subject);
  if (s.ok()) {
    auto recorded = iot::DecodeVerification(text);
    if (!recorded.ok()) return StoreFailed(recorded.status(), location, subject);
    const iot::Verification& r = recorded->verification;
    if (r.at > v.at) {
      ++report_.verifications_ignored;
      if (announce) {
        Info(location + ": " + v.state + " on violation " + v.violation_id + " (" +
             asff::FormatTimestamp(v.at) + ") ignored: a later state, " + r.state + " at " +
             asff::FormatTimestamp(r.at) + ", is already recorded");
      }
      return;
    }
    // The same state again (a replay, or a later message repeating it) adds nothing, and keeps
    // the operator's own note.
    if (recorded->applied && r.state == v.state && r.description == v.description) return;
  }
  if (s = store_.PutAuxiliary(key, iot::EncodeVerification(v, false)); !s.ok()) {
    return StoreFailed(s, location, subject);
  }
  const asff::BatchUpdate update = iot::VerificationUpdate(v);
  store::StoredFinding stored;
  s = store_.Get(update.identifiers[0], &stored);
  if (s.code() == Status::Code::kNotFound) {
    ++report_.verifications_kept;
    Info(location + ": " + v.state + " on violation " + v.violation_id +
         " recorded; the violation has not been imported yet, and gets it when it is");
    return;
  }
  if (!s.ok()) return StoreFailed(s, location, subject);
  if (!BatchUpdate(update, location, subject)) return;
  if (s = store_.PutAuxiliary(key, iot::EncodeVerification(v, true)); !s.ok()) {
    return StoreFailed(s, location, subject);
  }
  ++report_.verifications_applied;
  if (announce) {
    Info(location + ": " + v.state + " on violation " + v.violation_id + " applied" +
         (update.workflow_status ? " (Workflow " + *update.workflow_status + ")" : ""));
  }
}

void IotImporter::ApplyKept(const iot::Scope& scope, const std::string& violation_id) {
  const std::string key = iot::VerificationKey(scope, violation_id);
  std::string text;
  Status s = store_.GetAuxiliary(key, &text);
  if (s.code() == Status::Code::kNotFound) return;
  if (!s.ok()) return StoreFailed(s, key, "verification of violation " + violation_id);
  auto recorded = iot::DecodeVerification(text);
  if (!recorded.ok()) {
    return StoreFailed(recorded.status(), key, "verification of violation " + violation_id);
  }
  if (recorded->applied) return;
  const iot::Verification& v = recorded->verification;
  if (!BatchUpdate(iot::VerificationUpdate(v), key, "verification of violation " + violation_id)) {
    return;
  }
  if (s = store_.PutAuxiliary(key, iot::EncodeVerification(v, true)); !s.ok()) {
    return StoreFailed(s, key, "verification of violation " + violation_id);
  }
  ++report_.verifications_applied;
  Info("violation " + violation_id + " arrived after its verification: " + v.state + " (set by " +
       v.by + " at " + asff::FormatTimestamp(v.at) + ") applied");
}

void IotImporter::VerificationEvent(simdjson::dom::element event, const std::string& location,
                                    const sources::Location& where) {
  auto parsed = iot::ParseVerificationEvent(event, ScopeOf(where));
  if (!parsed.ok()) {
    return Fail(location, "verification event", "InvalidInput", parsed.status().message());
  }
  if (!parsed->verification) {
    ++report_.verifications_ignored;
    return Info(location + ": ignored: " + parsed->ignored);
  }
  // A violation still in the batch must be stored before the state can apply to it.
  if (!Flush().ok()) return;
  ApplyVerification(*parsed->verification, location, /*announce=*/true);
  (void)CorrelateUpdates();
}

Status IotImporter::Finish() {
  if (Status s = CompleteAudits(); !s.ok()) return s;
  if (options_.correlation != nullptr) {
    if (Status s = options_.correlation->Finish(options_.clock()); !s.ok()) {
      fatal_ = s.WithContext("correlating");
    }
  }
  return fatal_;
}

}  // namespace corroborate::pipeline
