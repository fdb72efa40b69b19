#include "pipeline/pipeline.h"

#include <chrono>

#include "asff/import.h"
#include "pipeline/correlation.h"

namespace corroborate::pipeline {

asff::TimeMs SystemNow() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

IngestPipeline::IngestPipeline(store::FindingStore& store, PipelineOptions options)
    : store_(store), options_(std::move(options)) {
  if (!options_.clock) options_.clock = SystemNow;
  if (options_.batch_size == 0) options_.batch_size = 1;
  batch_.reserve(options_.batch_size);
}

void IngestPipeline::Fail(const FailedFinding& failure) {
  ++report_.failed;
  if (options_.on_failure) options_.on_failure(failure);
}

void IngestPipeline::OnFinding(simdjson::dom::element finding, const sources::Location& where) {
  ++report_.received;
  store::IncomingFinding incoming;
  const Status s = asff::DecodeFinding(finding, incoming.core);
  if (!s.ok()) {
    Fail({where.ToString(), incoming.core.id, incoming.core.product_arn, "InvalidInput",
          s.message()});
    return;
  }
  incoming.json = asff::NormalizeNewFinding(finding, incoming.core, options_.clock(), where.text);
  if (incoming.json.size() > asff::kMaxFindingBytes) {
    Fail({where.ToString(), incoming.core.id, incoming.core.product_arn, "InvalidInput",
          "Finding size exceeded 240 KB (" + std::to_string(incoming.json.size()) + " bytes)"});
    return;
  }
  batch_.push_back(std::move(incoming));
  if (sources_.empty() || sources_.back() != where.source) sources_.emplace_back(where.source);
  batch_locations_.push_back({sources_.size() - 1, where.line, std::string(where.path)});
  if (batch_.size() >= options_.batch_size) (void)Flush();
}

void IngestPipeline::OnError(const sources::Location& where, const Status& error) {
  ++report_.received;
  Fail({where.ToString(), "", "", "InvalidInput", error.message()});
}

Status IngestPipeline::Flush() {
  if (batch_.empty()) return Status::Ok();
  Status s = fatal_.ok() ? store_.Import(batch_, options_.clock(), &outcomes_)
                         : fatal_;  // after a store failure, refuse rather than half-write
  if (!s.ok()) {
    if (fatal_.ok()) fatal_ = s;
    for (size_t i = 0; i < batch_.size(); ++i) {
      Fail({LocationString(batch_locations_[i]), batch_[i].core.id, batch_[i].core.product_arn,
            "StoreError", "not stored: " + s.message()});
    }
  } else {
    std::vector<store::IncomingFinding> changed;
    std::vector<store::ImportOutcome> changed_outcomes;  // parallel to changed
    const bool keep_changed = options_.on_stored || options_.correlation != nullptr;
    for (size_t i = 0; i < batch_.size(); ++i) {
      switch (outcomes_[i].action) {
        case asff::ImportAction::kCreated: ++report_.created; break;
        case asff::ImportAction::kUpdated: ++report_.updated; break;
        case asff::ImportAction::kIgnoredStale: ++report_.stale; break;
      }
      if (keep_changed && outcomes_[i].action != asff::ImportAction::kIgnoredStale) {
        changed.push_back(std::move(batch_[i]));
        changed_outcomes.push_back(outcomes_[i]);
      }
    }
    if (options_.on_stored && !changed.empty()) options_.on_stored(changed);
    if (options_.correlation != nullptr && !changed.empty()) {
      s = options_.correlation->AfterBatch(changed, changed_outcomes, options_.clock());
      if (!s.ok()) fatal_ = s = s.WithContext("correlating");
    }
  }
  batch_.clear();
  batch_locations_.clear();
  sources_.clear();
  return s;
}

void IngestPipeline::OnIdle() {
  (void)Flush();
  if (fatal_.ok() && options_.correlation != nullptr) {
    if (Status s = options_.correlation->Idle(options_.clock()); !s.ok()) {
      fatal_ = s.WithContext("correlating");
    }
  }
}

std::string IngestPipeline::LocationString(const BatchedLocation& l) const {
  return sources::Location{sources_[l.source], l.line, l.path}.ToString();
}

Status IngestPipeline::Finish() {
  (void)Flush();
  if (fatal_.ok() && options_.correlation != nullptr) {
    if (Status s = options_.correlation->Finish(options_.clock()); !s.ok()) {
      fatal_ = s.WithContext("correlating");
    }
  }
  return fatal_;
}

}  // namespace corroborate::pipeline
