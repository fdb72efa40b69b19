#include "lambda/handler.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "asff/json_writer.h"
#include "pipeline/correlation.h"
#include "pipeline/events.h"
#include "pipeline/pipeline.h"

namespace corroborate::lambda {
namespace {

constexpr std::string_view kUnsupported = "Corroborate.UnsupportedEvent";
constexpr std::string_view kInvalidInput = "Corroborate.InvalidInput";
constexpr std::string_view kStoreError = "Corroborate.StoreError";
constexpr std::string_view kIotApiError = "Corroborate.IotApiError";
constexpr std::string_view kExpected =
    "expected an EventBridge event of detail-type 'Security Hub Findings - Imported' (source "
    "aws.securityhub) or 'AWS API Call via CloudTrail' (source aws.iot, "
    "PutVerificationStateOnViolation), an SNS event (Records[].Sns.Message) carrying AWS IoT "
    "Device Defender messages, or a BatchImportFindings request ({\"Findings\": [...]})";
constexpr std::size_t kMaxBatchImport = 100;  // Security Hub's BatchImportFindings limit
constexpr std::size_t kMembersNamed = 5;

std::string_view TypeName(simdjson::dom::element_type type) {
  switch (type) {
    case simdjson::dom::element_type::ARRAY: return "a JSON array";
    case simdjson::dom::element_type::OBJECT: return "a JSON object";
    case simdjson::dom::element_type::STRING: return "a JSON string";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    default: return "a number";
  }
}

// "an object with members a, b, c, ..." for the error that says what arrived.
std::string Describe(simdjson::dom::element e) {
  simdjson::dom::object object;
  if (e.get_object().get(object) != simdjson::SUCCESS) return std::string(TypeName(e.type()));
  if (object.size() == 0) return "an empty object";
  std::string out = "an object with members ";
  std::size_t n = 0;
  for (auto field : object) {
    if (n == kMembersNamed) {
      out += ", ...";
      break;
    }
    if (n++ > 0) out += ", ";
    out += std::string(field.key);
  }
  return out;
}

std::string_view StringMember(simdjson::dom::element e, const char* name) {
  std::string_view value;
  if (e[name].get_string().get(value) != simdjson::SUCCESS) return {};
  return value;
}

struct Classified {
  std::string kind;  // the response's "Event"
  std::optional<Outcome> refusal;
};

// Decides from the event's shape which of the understood kinds it is (see the contract).
Classified Classify(simdjson::dom::element event) {
  auto refuse = [](std::string_view type, std::string message) {
    return Classified{{}, Outcome::Error(std::string(type), std::move(message))};
  };
  simdjson::dom::object object;
  if (event.get_object().get(object) != simdjson::SUCCESS) {
    return refuse(kUnsupported, "the event is " + Describe(event) + "; " + std::string(kExpected));
  }
  simdjson::dom::element value;
  if (object["detail-type"].get(value) == simdjson::SUCCESS) {
    const std::string_view type = StringMember(event, "detail-type");
    const std::string_view source = StringMember(event, "source");
    if (type == "Security Hub Findings - Imported" ||
        type == "Security Hub Findings - Custom Action")
      return {"SecurityHubFindings", std::nullopt};
    if (type == "AWS API Call via CloudTrail" && source == "aws.iot")
      return {"CloudTrailVerificationState", std::nullopt};
    return refuse(kUnsupported, "EventBridge event of detail-type '" + std::string(type) +
                                    "' from source '" + std::string(source) + "'; " +
                                    std::string(kExpected));
  }
  if (object["Records"].get(value) == simdjson::SUCCESS) {
    simdjson::dom::array records;
    if (value.get_array().get(records) != simdjson::SUCCESS || records.size() == 0) {
      return refuse(kUnsupported, "Records is not a non-empty array; " + std::string(kExpected));
    }
    std::size_t i = 0;
    for (simdjson::dom::element record : records) {
      simdjson::dom::element message;
      if (record["Sns"]["Message"].get(message) != simdjson::SUCCESS) {
        std::string_view source = StringMember(record, "EventSource");
        if (source.empty()) source = StringMember(record, "eventSource");
        return refuse(kUnsupported, "Records[" + std::to_string(i) +
                                        "] is not an SNS notification (EventSource '" +
                                        std::string(source.empty() ? "none" : source) + "'); " +
                                        std::string(kExpected));
      }
      ++i;
    }
    return {"SnsNotification", std::nullopt};
  }
  if (object["Findings"].get(value) == simdjson::SUCCESS) {
    simdjson::dom::array findings;
    if (value.get_array().get(findings) != simdjson::SUCCESS) {
      return refuse(kInvalidInput, "Invalid parameter 'Findings': it is " +
                                       std::string(TypeName(value.type())) + ", not an array");
    }
    if (findings.size() == 0) {
      return refuse(kInvalidInput,
                    "Invalid parameter 'Findings'. Size '0' is less than minimum value: 1");
    }
    if (findings.size() > kMaxBatchImport) {
      return refuse(kInvalidInput, "Invalid parameter 'Findings'. Size '" +
                                       std::to_string(findings.size()) +
                                       "' is greater than maximum value: 100");
    }
    return {"BatchImportFindings", std::nullopt};
  }
  if (iot::Classify(event) != iot::MessageKind::kUnknown) {
    return {"DeviceDefenderMessage", std::nullopt};
  }
  return refuse(kUnsupported, "the event is " + Describe(event) + "; " + std::string(kExpected));
}

std::string ResponseJson(const std::string& kind, const pipeline::EventSummary& s,
                         const pipeline::CorrelationReport& incidents) {
  std::string out;
  asff::JsonWriter w(out);
  auto n = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  w.BeginObject().Key("Event").String(kind);
  w.Key("SuccessCount").Int(n(s.Used())).Key("FailedCount").Int(n(s.failures_total));
  w.Key("FailedFindings").BeginArray();
  for (const pipeline::EventFailure& f : s.failures) {
    w.BeginObject()
        .Key("Id")
        .String(f.id)
        .Key("ErrorCode")
        .String(f.error_code)
        .Key("ErrorMessage")
        .String(f.error_message)
        .Key("Location")
        .String(f.location)
        .EndObject();
  }
  w.EndArray();
  pipeline::WriteEventCounts(w, s);
  w.Key("Info").BeginArray();
  for (const std::string& line : s.info) w.String(line);
  w.EndArray();
  w.Key("Incidents")
      .BeginObject()
      .Key("Created")
      .Int(n(incidents.created))
      .Key("Updated")
      .Int(n(incidents.updated))
      .Key("Withdrawn")
      .Int(n(incidents.archived))
      .EndObject();
  w.EndObject();
  return out;
}

// Pulls each audit task whose notice settled nothing for want of its findings (see handler.h),
// and replaces its NotArchived failures in `summary` by what the pull did; an error outcome when
// the IoT API or the store failed.
std::optional<Outcome> PullAwaitingAudits(store::FindingStore& store, pipeline::IotApi& api,
                                          const pipeline::EventIngestOptions& options,
                                          pipeline::EventSummary* summary) {
  for (const std::string& task : summary->audits_awaiting_pages) {
    pipeline::IotImportOptions iot_options;
    iot_options.iot = options.iot;
    iot_options.accept = pipeline::IotAccept::kAll;
    iot_options.clock = options.clock;
    iot_options.correlation = options.correlation;
    std::vector<pipeline::EventFailure> failures;
    iot_options.on_failure = [&](const pipeline::IotFailure& f) {
      failures.push_back({f.location, f.subject, f.error_code, f.error_message});
    };
    iot_options.on_info = [&](const std::string& line) {
      if (summary->info.size() < pipeline::EventSummary::kMaxReported) {
        summary->info.push_back(line);
      }
    };
    pipeline::IotImporter importer(store, iot_options);
    pipeline::IotPullReport pulled;
    const Status s =
        pipeline::PullAudit(api, importer, task, options.iot.defaults.account, &pulled);
    const Status finished = importer.Finish();
    if (!s.ok()) {
      return Outcome::Error(std::string(kIotApiError),
                            "audit task " + task + ": " + s.message() +
                                " (a retry pulls the audit again; nothing was settled)");
    }
    if (!finished.ok()) {
      return Outcome::Error(
          std::string(kStoreError),
          "audit task " + task + ": " + finished.message() + " (a retry is safe)");
    }
    // The notice's NotArchived failures for this task are answered by the pull.
    const std::string subject = "audit task " + task;
    auto& listed = summary->failures;
    const auto before = listed.size();
    std::erase_if(listed, [&](const pipeline::EventFailure& f) {
      return f.error_code == "NotArchived" && (f.id == subject || f.id.starts_with(subject + " "));
    });
    summary->failures_total -=
        std::min<std::uint64_t>(summary->failures_total, before - listed.size());
    const pipeline::IotImportReport& r = importer.report();
    summary->iot_messages += r.messages;
    summary->iot_created += r.created;
    summary->iot_updated += r.updated;
    summary->iot_unchanged += r.unchanged;
    summary->iot_failed += r.failed;
    for (auto& f : failures) {
      ++summary->failures_total;
      if (listed.size() < pipeline::EventSummary::kMaxReported) listed.push_back(std::move(f));
    }
    if (summary->info.size() < pipeline::EventSummary::kMaxReported) {
      summary->info.push_back(subject + ": pulled from the IoT API, " +
                              std::to_string(pulled.audit_findings) + " finding(s) in " +
                              std::to_string(pulled.pages) + " ListAuditFindings page(s)");
    }
  }
  return std::nullopt;
}

}  // namespace

EventHandler::EventHandler(store::FindingStore& store, const std::vector<correlate::Rule>* rules,
                           HandlerOptions options)
    : store_(store), rules_(rules), options_(std::move(options)) {
  if (!options_.clock) options_.clock = pipeline::SystemNow;
}

Outcome EventHandler::Handle(const Invocation& invocation) {
  simdjson::dom::parser parser;
  simdjson::dom::element event;
  if (auto err = parser.parse(invocation.payload).get(event); err != simdjson::SUCCESS) {
    return Outcome::Error(std::string(kInvalidInput),
                          std::string("the event is not JSON: ") + simdjson::error_message(err));
  }
  Classified classified = Classify(event);
  if (classified.refusal) return std::move(*classified.refusal);

  pipeline::EventIngestOptions options;
  options.clock = options_.clock;
  options.iot = options_.iot;
  options.iot.defaults =
      iot::Complete(options_.iot.defaults, iot::ScopeFromArn(invocation.function_arn));
  // One stage per invocation, finished at its end (as `ingest` does): Lambda may freeze or end
  // the process between invocations, and the stage's recovery point covers a crash within one.
  std::unique_ptr<pipeline::CorrelationStage> correlation;
  if (rules_ != nullptr && !rules_->empty()) {
    correlation = std::make_unique<pipeline::CorrelationStage>(store_, *rules_);
    if (Status s = correlation->Start(); !s.ok()) {
      return Outcome::Error(std::string(kStoreError), "starting correlation: " + s.message());
    }
    options.correlation = correlation.get();
  }
  pipeline::EventSummary summary;
  const Status s =
      pipeline::IngestEvents(store_, event, "lambda:" + invocation.request_id, options, &summary);
  if (!s.ok()) {
    return Outcome::Error(std::string(kStoreError),
                          s.message() + " (" + std::to_string(summary.Used()) +
                              " item(s) were used before it; a retry is safe)");
  }
  if (options_.iot_api != nullptr && !summary.audits_awaiting_pages.empty()) {
    if (auto failed = PullAwaitingAudits(store_, *options_.iot_api, options, &summary)) {
      return *failed;
    }
  }
  // Security Hub answers a BatchImportFindings whose findings all failed with FailedFindings;
  // an event of which nothing could be used is an error, so Lambda retries it and then hands it
  // to the function's failure destination instead of counting it a success.
  // An audit-complete notice whose checks could not be settled (NotArchived: their findings
  // come from ListAuditFindings, not in the notice) was understood all the same, and a retry
  // would not change that.
  const bool understood_notice =
      std::any_of(summary.failures.begin(), summary.failures.end(),
                  [](const pipeline::EventFailure& f) { return f.error_code == "NotArchived"; });
  if (classified.kind != "BatchImportFindings" && summary.Used() == 0 &&
      summary.failures_total > 0 && !understood_notice) {
    const pipeline::EventFailure& f = summary.failures.front();
    return Outcome::Error(
        std::string(kInvalidInput),
        "nothing in the " + classified.kind + " event could be used (" +
            std::to_string(summary.failures_total) + " problem(s)); first: " + f.location +
            (f.id.empty() ? "" : " (" + f.id + ")") + ": " + f.error_code + ": " + f.error_message);
  }
  const pipeline::CorrelationReport incidents =
      correlation ? correlation->report() : pipeline::CorrelationReport{};
  return Outcome::Response(ResponseJson(classified.kind, summary, incidents));
}

}  // namespace corroborate::lambda
