#include "server/writer.h"

#include <algorithm>

#include "pipeline/pipeline.h"

namespace corroborate::server {
namespace {
// When making the incident updates the correlation stage holds failed, how long until it is tried
// again.
constexpr std::chrono::seconds kRetryHeldAfter{1};
}  // namespace

Writer::Writer(store::FindingStore& inner, const std::vector<correlate::Rule>* correlation_rules,
               WriterOptions options, Metrics* metrics, Logger* logger)
    : hub_(inner, metrics), options_(std::move(options)), metrics_(metrics), logger_(logger) {
  if (!options_.clock) options_.clock = pipeline::SystemNow;
  hub_.SetHistoryEnabled(options_.history);
  if (correlation_rules != nullptr && !correlation_rules->empty()) {
    correlation_ = std::make_unique<pipeline::CorrelationStage>(hub_, *correlation_rules);
  }
}

Writer::~Writer() {
  Stop();
}

Status Writer::Start() {
  // The stored rules, in application order.
  std::string after;
  while (true) {
    std::vector<std::pair<std::string, std::string>> page;
    if (Status s = hub_.ScanAuxiliary(kRuleKeyPrefix, after, 100, &page); !s.ok()) {
      return s.WithContext("loading automation rules");
    }
    for (const auto& [key, value] : page) {
      auto rule = FromStorage(value);
      if (!rule.ok()) return rule.status();
      rules_.push_back(std::move(rule).value());
    }
    if (page.size() < 100) break;
    after = page.back().first;
  }
  RulesChanged();
  if (correlation_) {
    if (Status s = correlation_->Start(); !s.ok()) return s.WithContext("starting correlation");
  }
  const auto now = std::chrono::steady_clock::now();
  next_sweep_ = now + options_.sweep_interval;
  next_retention_ = now + options_.retention_interval;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Writer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Writer::RulesChanged() {
  std::sort(rules_.begin(), rules_.end(), RuleOrderLess);
  hub_.SetRules(&rules_);
}

bool Writer::SubmitImport(std::vector<store::IncomingFinding> findings, std::string identity,
                          std::function<void(ImportResult)> done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !started_ || queue_.size() >= options_.max_queued_jobs ||
        (!queue_.empty() && queued_findings_ + findings.size() > options_.max_queued_findings)) {
      return false;
    }
    queued_findings_ += findings.size();
    Job job;
    job.import = true;
    job.identity = std::move(identity);
    job.findings = std::move(findings);
    job.import_done = std::move(done);
    queue_.push_back(std::move(job));
    if (metrics_ != nullptr) metrics_->SetWriterQueue(queue_.size(), queued_findings_);
  }
  cv_.notify_one();
  return true;
}

bool Writer::SubmitTask(std::string identity, Task task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !started_ || queue_.size() >= options_.max_queued_jobs) return false;
    Job job;
    job.identity = std::move(identity);
    job.task = std::move(task);
    queue_.push_back(std::move(job));
    if (metrics_ != nullptr) metrics_->SetWriterQueue(queue_.size(), queued_findings_);
  }
  cv_.notify_one();
  return true;
}

void Writer::Loop() {
  while (true) {
    std::vector<Job> jobs;
    {
      std::unique_lock lock(mu_);
      auto deadline = std::min(options_.sweep_interval.count() > 0 && correlation_
                                   ? next_sweep_
                                   : std::chrono::steady_clock::time_point::max(),
                               options_.retention_interval.count() > 0
                                   ? next_retention_
                                   : std::chrono::steady_clock::time_point::max());
      if (held_updates_due_) deadline = std::min(deadline, *held_updates_due_);
      cv_.wait_until(lock, deadline, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) {
        lock.unlock();
        FinishCorrelation();
        return;
      }
      if (held_updates_due_ && std::chrono::steady_clock::now() >= *held_updates_due_) {
        lock.unlock();
        MakeHeldUpdates();
        continue;
      }
      if (queue_.empty()) {
        lock.unlock();
        Periodic();
        continue;
      }
      // One task, or a run of imports by one identity up to the group limit.
      jobs.push_back(std::move(queue_.front()));
      queue_.pop_front();
      if (jobs.front().import) {
        std::size_t findings = jobs.front().findings.size();
        while (!queue_.empty() && queue_.front().import &&
               queue_.front().identity == jobs.front().identity &&
               findings + queue_.front().findings.size() <= options_.max_group_findings) {
          findings += queue_.front().findings.size();
          jobs.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        queued_findings_ -= findings;
      }
      if (metrics_ != nullptr) metrics_->SetWriterQueue(queue_.size(), queued_findings_);
    }
    if (jobs.front().import) {
      RunImports(jobs);
    } else {
      RunTask(jobs.front());
    }
  }
}

void Writer::RunImports(std::vector<Job>& jobs) {
  const auto start = std::chrono::steady_clock::now();
  const asff::TimeMs now = options_.clock();
  std::vector<store::IncomingFinding> batch;
  std::size_t total = 0;
  for (const Job& j : jobs) total += j.findings.size();
  batch.reserve(total);
  for (Job& j : jobs) {
    for (auto& f : j.findings) batch.push_back(std::move(f));
  }
  hub_.SetIdentity(jobs.front().identity);
  if (correlation_) hub_.BeginRecording();  // what changed is kept only to be correlated
  std::vector<store::ImportOutcome> outcomes;
  Status s;
  try {
    s = hub_.Import(batch, now, &outcomes);
  } catch (const std::exception& e) {  // a bug: answer the requests, keep the writer alive
    s = Status::Internal(std::string("the import failed with an exception: ") + e.what());
  }
  Recording recording = hub_.TakeRecording();
  if (s.ok()) {
    Correlate(recording, now);
  } else {
    logger_->Error("import failed")
        .Field("error", s.message())
        .Field("findings", static_cast<std::uint64_t>(batch.size()));
  }
  if (metrics_ != nullptr) {
    metrics_->GroupCommit(
        jobs.size(), batch.size(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::size_t offset = 0;
  for (Job& j : jobs) {
    ImportResult result;
    result.status = s;
    const std::size_t n = j.findings.size();
    if (s.ok()) {
      result.outcomes.assign(outcomes.begin() + static_cast<std::ptrdiff_t>(offset),
                             outcomes.begin() + static_cast<std::ptrdiff_t>(offset + n));
    }
    offset += n;
    j.import_done(std::move(result));
  }
}

void Writer::RunTask(Job& job) {
  const asff::TimeMs now = options_.clock();
  hub_.SetIdentity(job.identity);
  if (correlation_) hub_.BeginRecording();
  std::function<void()> finish = job.task(*this);
  Recording recording = hub_.TakeRecording();
  Correlate(recording, now);
  if (finish) finish();
}

void Writer::Correlate(Recording& recording, asff::TimeMs now) {
  if (!correlation_ || (recording.imported.empty() && recording.updated.empty())) return;
  RunCorrelation("correlation failed", [&] {
    Status s;
    if (!recording.imported.empty()) {
      s = correlation_->AfterBatch(recording.imported, recording.outcomes, now);
    }
    if (s.ok() && !recording.updated.empty()) {
      s = correlation_->AfterUpdate(recording.updated, now);
    }
    return s;
  });
}

void Writer::RunCorrelation(std::string_view failure, const std::function<Status()>& step) {
  const pipeline::CorrelationReport before = correlation_->report();
  hub_.SetIdentity("corroborate-correlator");
  Status s;
  try {
    s = step();
  } catch (const std::exception& e) {
    s = Status::Internal(std::string("exception: ") + e.what());
  }
  if (!s.ok()) {
    logger_->Error(std::string(failure)).Field("error", s.message());
    if (metrics_ != nullptr) metrics_->FindingsRejected("CorrelationError");
  }
  CountCorrelated(before);
  NoteHeldUpdates();
}

void Writer::CountCorrelated(const pipeline::CorrelationReport& before) {
  const pipeline::CorrelationReport after = correlation_->report();
  if (metrics_ != nullptr) {
    metrics_->Correlated(after.created - before.created, after.updated - before.updated,
                         after.archived - before.archived);
  }
}

void Writer::NoteHeldUpdates() {
  // The stage's hold clock is the steady clock's milliseconds (CorrelationStage::SteadyMs).
  if (const std::optional<asff::TimeMs> due = correlation_->NextHeldDue()) {
    held_updates_due_ = std::chrono::steady_clock::time_point(std::chrono::milliseconds(*due));
  } else {
    held_updates_due_.reset();
  }
}

void Writer::MakeHeldUpdates() {
  RunCorrelation("correlation of held incident updates failed",
                 [&] { return correlation_->Idle(options_.clock()); });
  // After a failure what is due stays due: retried a second later, not at once.
  const auto now = std::chrono::steady_clock::now();
  if (held_updates_due_ && *held_updates_due_ <= now) held_updates_due_ = now + kRetryHeldAfter;
}

// A graceful stop: everything acknowledged is correlated, so the recovery point can go.
void Writer::FinishCorrelation() {
  if (!correlation_) return;
  const asff::TimeMs now = options_.clock();
  if (Status s = correlation_->Finish(now); !s.ok()) {
    logger_->Error("correlation at shutdown failed").Field("error", s.message());
  }
}

void Writer::Periodic() {
  const auto now_steady = std::chrono::steady_clock::now();
  const asff::TimeMs now = options_.clock();
  hub_.SetIdentity("corroborate-maintenance");
  if (correlation_ && options_.sweep_interval.count() > 0 && now_steady >= next_sweep_) {
    next_sweep_ = now_steady + options_.sweep_interval;
    const pipeline::CorrelationReport before = correlation_->report();
    if (Status s = correlation_->Sweep(now); !s.ok()) {
      logger_->Error("correlation sweep failed").Field("error", s.message());
    }
    CountCorrelated(before);
    NoteHeldUpdates();  // the sweep made them
  }
  if (options_.retention_interval.count() > 0 && now_steady >= next_retention_) {
    next_retention_ = now_steady + options_.retention_interval;
    store::RetentionResult result;
    if (Status s = hub_.ApplyRetention(now, &result); !s.ok()) {
      logger_->Error("retention failed").Field("error", s.message());
    } else if (result.deleted_active + result.deleted_archived > 0) {
      logger_->Info("retention")
          .Field("deleted_active", result.deleted_active)
          .Field("deleted_archived", result.deleted_archived);
      // Deleted findings are gone from the correlator's evidence too.
      if (correlation_) correlation_->ForgetEvidence();
    }
  }
}

}  // namespace corroborate::server
