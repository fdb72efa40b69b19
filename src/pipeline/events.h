// Event ingest: EventBridge events, SNS notifications and bare documents into the store, through
// the same pipelines as `corroborate ingest` and `corroborate iot import-*`. Shared by the HTTP
// server's event endpoints (server/events.h) and the Lambda handler (lambda/handler.h).
//
// Contract: IngestEvents reads one parsed document (an event, an array of events, an SNS
// notification or Lambda SNS event, or any shape sources::VisitDocument knows). ASFF findings
// ("Security Hub Findings - Imported" and "- Custom Action" events, bare findings,
// `{"Findings": [...]}`) go through pipeline::IngestPipeline; AWS IoT Device Defender messages
// (audit notices and findings, violations) and CloudTrail verification-state events, bare, as an
// EventBridge event or its detail, or inside SNS, go through pipeline::IotImporter (scope from the
// SNS topic when they came through one, else options.iot.defaults). An EventBridge event of any
// other type is reported as a failure that names what was expected. Everything that could not be
// used is reported in the summary with where it was and why (the first kMaxReported in
// `failures`, all counted in failures_total); a store error is returned and the summary says what
// was done before it. With options.correlation, both pipelines correlate each stored batch and
// finish the stage at the end (as `ingest` does); without it the caller correlates (the server's
// writer does, after the job).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "asff/json_writer.h"
#include "asff/timestamp.h"
#include "common/status.h"
#include "iot/iot.h"
#include "store/store.h"

namespace corroborate::pipeline {

class CorrelationStage;  // pipeline/correlation.h

struct EventFailure {
  std::string location;
  std::string id;  // the finding's Id, or the IoT subject ("violation 8c1f..."); may be empty
  std::string error_code;
  std::string error_message;
};

struct EventSummary {
  std::uint64_t findings_received = 0, created = 0, updated = 0, unchanged = 0, rejected = 0;
  std::uint64_t iot_messages = 0, iot_created = 0, iot_updated = 0, iot_unchanged = 0;
  std::uint64_t iot_failed = 0;
  std::vector<EventFailure> failures;  // the first kMaxReported
  std::vector<std::string> info;       // what IoT notices, verifications and audits did
  // Audit tasks whose audit-complete notice settled nothing (NotArchived): their findings come
  // from ListAuditFindings, not with the notice. In order, each once.
  std::vector<std::string> audits_awaiting_pages;
  std::uint64_t failures_total = 0;
  static constexpr std::size_t kMaxReported = 100;

  // Findings and IoT messages that were used (stored, found unchanged, or applied): zero with
  // failures means nothing in the input could be used, which callers answer as an error.
  [[nodiscard]] std::uint64_t Used() const {
    return findings_received - rejected + iot_messages - std::min(iot_messages, iot_failed);
  }
};

struct EventIngestOptions {
  std::function<asff::TimeMs()> clock;  // default: the system clock
  iot::Options iot;                     // defaults for Device Defender messages
  CorrelationStage* correlation = nullptr;
  // Called with the ErrorCode of every failure (the server counts them in /metrics).
  std::function<void(const std::string& error_code)> on_rejected;
};

Status IngestEvents(store::FindingStore& store, simdjson::dom::element document,
                    std::string_view source, const EventIngestOptions& options,
                    EventSummary* summary);

// The summary as the server's event endpoints answer it: Findings and IotMessages counters,
// FailedCount, Failures (Location, Id, ErrorCode, ErrorMessage), Info.
// The "Findings" and "IotMessages" members of a summary (for the Lambda's response too).
void WriteEventCounts(asff::JsonWriter& w, const EventSummary& s);
void WriteEventSummaryJson(std::string& out, const EventSummary& summary);

}  // namespace corroborate::pipeline
