// Writer: the one thread that changes stored state.
//
// Contract:
// - The store, the pipeline, the IoT importer and the correlator are not thread-safe, so every
//   write (imports, BatchUpdateFindings, event ingest, automation rule and insight changes) is a
//   job on this thread's queue, run in arrival order.
// - Group commit: consecutive import jobs of one identity are imported as one store batch (up
//   to max_group_findings findings), so that many concurrent BatchImportFindings requests cost
//   one durable write; each job then gets its own slice of the outcomes. A job's completion
//   runs (on this thread) only after its batch is durable, its automation rules and history are
//   written (HubStore), and what it changed was correlated: so a client's acknowledged write is
//   on disk, and a read after the acknowledgement sees it and the incidents it created. An update
//   of an incident last evaluated less than a second before is held (CorrelationStage) and made
//   by a later job's correlation once the second is over, or by the writer when it is due, busy
//   queue or not.
// - Correlation runs after every job like `ingest` runs it after every batch
//   (CorrelationStage::AfterBatch with the store's ImportOutcomes, AfterUpdate after
//   BatchUpdateFindings); a correlation error is logged and counted but does not undo or fail
//   the write it followed. Every sweep_interval the stage's sweep withdraws incidents whose
//   evidence aged out; every retention_interval retention deletes expired findings.
// - Submit* refuse (return false) when the queue holds max_queued_findings findings or
//   max_queued_jobs jobs, or once Stop began: the caller answers 429 or 503. Stop runs every job
//   already queued, then joins the thread: acknowledged work is never dropped.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "correlate/rules.h"
#include "pipeline/correlation.h"
#include "pipeline/iot_import.h"
#include "server/automation_rules.h"
#include "server/hub_store.h"
#include "server/log.h"
#include "server/metrics.h"

namespace corroborate::server {

struct WriterOptions {
  std::size_t max_group_findings = 5000;
  std::size_t max_queued_findings = 50'000;
  std::size_t max_queued_jobs = 10'000;
  std::chrono::seconds sweep_interval{900};       // 0: never
  std::chrono::seconds retention_interval{3600};  // 0: never
  std::function<asff::TimeMs()> clock;            // the findings' clock (default: system)
  iot::Options iot;                               // defaults for Device Defender messages
  bool history = true;
};

struct ImportResult {
  Status status;
  std::vector<store::ImportOutcome> outcomes;  // parallel to the job's findings when ok
};

class Writer {
 public:
  // A task runs on the writer thread and returns what to run once the changes it made are
  // correlated (typically: answering the request).
  using Task = std::function<std::function<void()>(Writer&)>;

  // `correlation_rules` may be null or empty (no correlation); it must outlive the writer.
  Writer(store::FindingStore& inner, const std::vector<correlate::Rule>* correlation_rules,
         WriterOptions options, Metrics* metrics, Logger* logger);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Loads the stored automation rules, starts the correlation stage and the thread.
  Status Start();
  void Stop();

  bool SubmitImport(std::vector<store::IncomingFinding> findings, std::string identity,
                    std::function<void(ImportResult)> done);
  bool SubmitTask(std::string identity, Task task);

  // --- For tasks, on the writer thread only.
  HubStore& store() { return hub_; }
  std::vector<AutomationRule>& rules() { return rules_; }
  void RulesChanged();  // after changing rules(): keeps them in application order
  [[nodiscard]] asff::TimeMs Now() const { return options_.clock(); }
  [[nodiscard]] const iot::Options& iot_options() const { return options_.iot; }
  Logger& logger() { return *logger_; }
  Metrics& metrics() { return *metrics_; }

 private:
  struct Job {
    bool import = false;
    std::string identity;
    std::vector<store::IncomingFinding> findings;
    std::function<void(ImportResult)> import_done;
    Task task;
  };

  void Loop();
  void RunImports(std::vector<Job>& jobs);
  void RunTask(Job& job);
  void Correlate(Recording& recording, asff::TimeMs now);
  // Runs a correlation step under the correlator's identity: its error (or exception) logged and
  // counted, never thrown; what it changed counted; the held updates' time noted.
  void RunCorrelation(std::string_view failure, const std::function<Status()>& step);
  // Makes the incident updates the stage holds that are due; notes when the next is.
  void MakeHeldUpdates();
  void NoteHeldUpdates();
  // Counts in the metrics what the stage changed since `before`.
  void CountCorrelated(const pipeline::CorrelationReport& before);
  void Periodic();
  void FinishCorrelation();

  HubStore hub_;
  WriterOptions options_;
  Metrics* metrics_;
  Logger* logger_;
  std::vector<AutomationRule> rules_;
  std::unique_ptr<pipeline::CorrelationStage> correlation_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::size_t queued_findings_ = 0;
  bool stopping_ = false;
  bool started_ = false;
  std::thread thread_;
  std::chrono::steady_clock::time_point next_sweep_, next_retention_;
  // When the first update the stage holds is due (none held: empty), on the steady clock the
  // stage holds them by (the findings' clock may stand still, --now, or step back).
  std::optional<std::chrono::steady_clock::time_point> held_updates_due_;
};

}  // namespace corroborate::server
