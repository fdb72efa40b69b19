// The event endpoints' ingest: EventBridge events and SNS notifications through the same
// pipeline as `corroborate ingest` and `corroborate iot import-*`.
//
// Contract: IngestEvents reads one parsed document (an event, an array of events, an SNS
// notification, or any shape sources::VisitDocument knows) on the writer thread, with
// pipeline::IngestEvents (pipeline/events.h, shared with the Lambda handler), writing through
// the writer's store, so automation rules, history and correlation apply as for
// BatchImportFindings; Device Defender messages take the writer's IoT defaults, and every
// failure is counted in the writer's metrics. Everything that could not be used is reported in
// the summary with where it was and why; a store error is returned.
#pragma once

#include <string_view>

#include <simdjson.h>

#include "common/status.h"
#include "pipeline/events.h"
#include "server/writer.h"

namespace corroborate::server {

using pipeline::EventFailure;
using pipeline::EventSummary;
using pipeline::WriteEventSummaryJson;

Status IngestEvents(Writer& writer, simdjson::dom::element document, std::string_view source,
                    EventSummary* summary);

}  // namespace corroborate::server
