#include "pipeline/events.h"

#include <algorithm>

#include "asff/json_writer.h"
#include "pipeline/iot_import.h"
#include "pipeline/pipeline.h"
#include "sources/sources.h"

namespace corroborate::pipeline {
namespace {

// Sends each finding or message to the pipeline that understands it.
class EventRouter final : public sources::FindingVisitor {
 public:
  EventRouter(IngestPipeline& findings, IotImporter& iot) : findings_(findings), iot_(iot) {}

  void OnFinding(simdjson::dom::element finding, const sources::Location& where) override {
    if (iot::Classify(finding) == iot::MessageKind::kUnknown) {
      findings_.OnFinding(finding, where);
    } else {
      iot_.OnFinding(finding, where);
    }
  }
  void OnError(const sources::Location& where, const Status& error) override {
    findings_.OnError(where, error);
  }
  void OnEvent(simdjson::dom::element event, std::string_view detail_type,
               const sources::Location& where) override {
    if (iot::Classify(event) != iot::MessageKind::kUnknown)
      return iot_.OnEvent(event, detail_type, where);
    simdjson::dom::element detail;
    if (event["detail"].get(detail) == simdjson::SUCCESS &&
        iot::Classify(detail) != iot::MessageKind::kUnknown) {
      std::string path(where.path);
      path += path.empty() ? "detail" : ".detail";
      sources::Location inner = where;
      inner.path = path;
      inner.text = {};  // the event's, not the detail's
      return iot_.OnFinding(detail, inner);
    }
    findings_.OnError(where, Status::InvalidInput(
                                 "EventBridge event of type '" + std::string(detail_type) +
                                 "' carries neither ASFF findings (Security Hub Findings - "
                                 "Imported) nor an AWS IoT Device Defender message or CloudTrail "
                                 "verification-state event"));
  }

 private:
  IngestPipeline& findings_;
  IotImporter& iot_;
};

}  // namespace

Status IngestEvents(store::FindingStore& store, simdjson::dom::element document,
                    std::string_view source, const EventIngestOptions& options,
                    EventSummary* summary) {
  auto fail = [&](EventFailure f) {
    if (options.on_rejected) options.on_rejected(f.error_code);
    ++summary->failures_total;
    if (summary->failures.size() < EventSummary::kMaxReported) {
      summary->failures.push_back(std::move(f));
    }
  };
  const std::function<asff::TimeMs()> clock = options.clock ? options.clock : SystemNow;
  PipelineOptions pipeline_options;
  pipeline_options.clock = clock;
  pipeline_options.correlation = options.correlation;
  pipeline_options.on_failure = [&](const FailedFinding& f) {
    fail({f.location, f.id, f.error_code, f.error_message});
  };
  IngestPipeline findings(store, pipeline_options);
  IotImportOptions iot_options;
  iot_options.iot = options.iot;
  iot_options.accept = IotAccept::kAll;
  iot_options.clock = clock;
  iot_options.correlation = options.correlation;
  iot_options.on_failure = [&](const IotFailure& f) {
    constexpr std::string_view kTask = "audit task ";
    if (f.error_code == "NotArchived" && f.subject.starts_with(kTask)) {
      const std::string_view rest = std::string_view(f.subject).substr(kTask.size());
      const std::string task(rest.substr(0, rest.find(' ')));
      auto& awaiting = summary->audits_awaiting_pages;
      if (std::find(awaiting.begin(), awaiting.end(), task) == awaiting.end()) {
        awaiting.push_back(task);
      }
    }
    fail({f.location, f.subject, f.error_code, f.error_message});
  };
  iot_options.on_info = [&](const std::string& line) {
    if (summary->info.size() < EventSummary::kMaxReported) summary->info.push_back(line);
  };
  IotImporter iot(store, iot_options);
  EventRouter router(findings, iot);
  const std::string name(source);
  sources::VisitDocument(document, sources::Location{name, 0, ""}, router);
  Status findings_done = findings.Finish();
  Status iot_done = iot.Finish();
  const IngestReport& r = findings.report();
  summary->findings_received = r.received;
  summary->created = r.created;
  summary->updated = r.updated;
  summary->unchanged = r.stale;
  summary->rejected = r.failed;
  const IotImportReport& ir = iot.report();
  summary->iot_messages = ir.messages;
  summary->iot_created = ir.created;
  summary->iot_updated = ir.updated;
  summary->iot_unchanged = ir.unchanged;
  summary->iot_failed = ir.failed;
  if (!findings_done.ok()) return findings_done;
  return iot_done;
}

void WriteEventCounts(asff::JsonWriter& w, const EventSummary& s) {
  auto n = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  w.Key("Findings")
      .BeginObject()
      .Key("Received")
      .Int(n(s.findings_received))
      .Key("Created")
      .Int(n(s.created))
      .Key("Updated")
      .Int(n(s.updated))
      .Key("Unchanged")
      .Int(n(s.unchanged))
      .Key("Rejected")
      .Int(n(s.rejected))
      .EndObject();
  w.Key("IotMessages")
      .BeginObject()
      .Key("Received")
      .Int(n(s.iot_messages))
      .Key("Created")
      .Int(n(s.iot_created))
      .Key("Updated")
      .Int(n(s.iot_updated))
      .Key("Unchanged")
      .Int(n(s.iot_unchanged))
      .Key("Rejected")
      .Int(n(s.iot_failed))
      .EndObject();
}

void WriteEventSummaryJson(std::string& out, const EventSummary& s) {
  asff::JsonWriter w(out);
  auto n = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  w.BeginObject();
  WriteEventCounts(w, s);
  w.Key("FailedCount").Int(n(s.failures_total));
  w.Key("Failures").BeginArray();
  for (const EventFailure& f : s.failures) {
    w.BeginObject().Key("Location").String(f.location);
    if (!f.id.empty()) w.Key("Id").String(f.id);
    w.Key("ErrorCode").String(f.error_code).Key("ErrorMessage").String(f.error_message);
    w.EndObject();
  }
  w.EndArray();
  w.Key("Info").BeginArray();
  for (const std::string& line : s.info) w.String(line);
  w.EndArray();
  w.EndObject();
}

}  // namespace corroborate::pipeline
