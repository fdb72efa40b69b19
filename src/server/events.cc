#include "server/events.h"

namespace corroborate::server {

Status IngestEvents(Writer& writer, simdjson::dom::element document, std::string_view source,
                    EventSummary* summary) {
  pipeline::EventIngestOptions options;
  options.clock = [&writer] { return writer.Now(); };
  options.iot = writer.iot_options();
  // The writer correlates after the job, so the pipelines do not.
  options.on_rejected = [&writer](const std::string& code) {
    writer.metrics().FindingsRejected(code);
  };
  return pipeline::IngestEvents(writer.store(), document, source, options, summary);
}

}  // namespace corroborate::server
