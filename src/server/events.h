// The event endpoints' ingest: EventBridge events and SNS notifications through the same
// pipeline as `corroborate ingest` and `corroborate iot import-*`.
//
// Contract: IngestEvents reads one parsed document (an event, an array of events, an SNS
// notification, or any shape sources::VisitDocument knows) on the writer thread. ASFF findings
// ("Security Hub Findings - Imported" and "- Custom Action" events, bare findings) go through
// pipeline::IngestPipeline; AWS IoT Device Defender messages (audit notices and findings,
// violations) and CloudTrail verification-state events, bare, as an EventBridge event or its
// detail, or inside SNS, go through pipeline::IotImporter (scope from the SNS topic when they
// came through one, else the configured defaults). Both write through the writer's store, so
// automation rules, history and correlation apply as for BatchImportFindings. Everything that
// could not be used is reported in the summary with where it was and why; a store error is
// returned.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <simdjson.h>

#include "common/status.h"
#include "server/writer.h"

namespace corroborate::server {

struct EventFailure {
  std::string location;
  std::string id;
  std::string error_code;
  std::string error_message;
};

struct EventSummary {
  std::uint64_t findings_received = 0, created = 0, updated = 0, unchanged = 0, rejected = 0;
  std::uint64_t iot_messages = 0, iot_created = 0, iot_updated = 0, iot_unchanged = 0;
  std::uint64_t iot_failed = 0;
  std::vector<EventFailure> failures;  // the first kMaxReported
  std::vector<std::string> info;       // what IoT notices, verifications and audits did
  std::uint64_t failures_total = 0;
  static constexpr std::size_t kMaxReported = 100;
};

Status IngestEvents(Writer& writer, simdjson::dom::element document, std::string_view source,
                    EventSummary* summary);

void WriteEventSummaryJson(std::string& out, const EventSummary& summary);

}  // namespace corroborate::server
