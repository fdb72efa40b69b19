// IngestPipeline: the path every finding takes from a source into the store.
//
// Contract: for each finding a source yields, the pipeline validates it (asff::DecodeFinding),
// normalizes it as Security Hub would on import, and imports it into the store in batches of
// `batch_size` (each batch one atomic, durable write), and with what it holds whenever the input
// pauses (OnIdle: a live stream's findings are stored while it stays open). A finding that fails
// validation, or a document a source could not read, is reported once through `on_failure` with its
// location, identity and Security Hub's ErrorCode/ErrorMessage, and never stops the others. A store
// error is fatal: Finish() returns it and the findings of the failed batch are reported as failed
// too, so nothing is lost silently. With a CorrelationStage, each stored batch is correlated before
// the next is read, and the stage's correlated findings are stored too (pipeline/correlation.h).
// Counters in Report() add up: received = created + updated + stale + failed once Finish() has
// returned.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "asff/timestamp.h"
#include "sources/sources.h"
#include "store/store.h"

namespace corroborate::pipeline {

struct FailedFinding {
  std::string location;  // "examples/x.json:12 [3]"
  std::string id;        // empty when the finding's Id could not be read
  std::string product_arn;
  std::string error_code;  // InvalidInput | StoreError
  std::string error_message;
};

struct IngestReport {
  std::uint64_t received = 0;  // findings and unreadable documents seen
  std::uint64_t created = 0;
  std::uint64_t updated = 0;
  std::uint64_t stale = 0;  // not newer than the stored finding: nothing changed
  std::uint64_t failed = 0;
};

class CorrelationStage;  // pipeline/correlation.h

struct PipelineOptions {
  std::size_t batch_size = 1000;
  std::function<asff::TimeMs()> clock;  // default: the system clock
  std::function<void(const FailedFinding&)> on_failure;
  // Called after each batch is durably stored, with the findings that changed (created or updated).
  std::function<void(std::span<const store::IncomingFinding>)> on_stored;
  // When set, runs after each stored batch (and its Finish after the last); its error is fatal.
  CorrelationStage* correlation = nullptr;
};

class IngestPipeline final : public sources::FindingVisitor {
 public:
  IngestPipeline(store::FindingStore& store, PipelineOptions options);

  void OnFinding(simdjson::dom::element finding, const sources::Location& where) override;
  void OnError(const sources::Location& where, const Status& error) override;
  // Stores what is batched, and makes the incident updates correlation holds (a live stream
  // paused; sources.h).
  void OnIdle() override;

  // Writes what is still batched. Returns the first store error met, if any.
  Status Finish();

  [[nodiscard]] const IngestReport& report() const { return report_; }

 private:
  Status Flush();
  void Fail(const FailedFinding& failure);

  store::FindingStore& store_;
  PipelineOptions options_;
  // Where each batched finding came from, kept compact: formatted only if the batch fails.
  struct BatchedLocation {
    std::size_t source;  // index into sources_
    std::uint64_t line;
    std::string path;
  };
  std::string LocationString(const BatchedLocation& l) const;

  std::vector<store::IncomingFinding> batch_;
  std::vector<BatchedLocation> batch_locations_;
  std::vector<std::string> sources_;
  std::vector<store::ImportOutcome> outcomes_;
  IngestReport report_;
  Status fatal_;
};

asff::TimeMs SystemNow();

}  // namespace corroborate::pipeline
