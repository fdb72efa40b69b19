#include "server/api.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "asff/import.h"
#include "asff/json_writer.h"
#include "filter/filter.h"
#include "pipeline/pipeline.h"
#include "server/automation_rules.h"
#include "server/dashboard.h"
#include "server/events.h"
#include "server/history.h"
#include "server/insights.h"

namespace corroborate::server {

using simdjson::dom::element;
using simdjson::dom::object;

struct Api::Call {
  Request request;
  Responder respond;
  Route route;
  Principal principal;
  // The parsed body: valid only while the handler runs on the calling thread (the parser is the
  // thread's); asynchronous parts keep copies of what they need.
  element root;
  bool answered = false;
};

namespace {

constexpr std::size_t kMaxFindingsPerImport = 100;
constexpr std::size_t kMaxInsights = 100;

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

std::int64_t EpochSeconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

Response Json(std::string body, int status = 200) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool IsJsonType(std::string_view type) {
  const std::string_view base = type.substr(0, type.find(';'));
  return base == "application/json" || base == "application/x-amz-json-1.0" ||
         base == "application/x-amz-json-1.1" || base == "text/json";
}

// An optional integer member within [lo, hi]; `out` keeps its default when absent or null.
std::optional<ApiError> ReadInt(object obj, std::string_view key, std::int64_t lo, std::int64_t hi,
                                std::int64_t* out) {
  element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  std::int64_t v = 0;
  if (e.get_int64().get(v) != simdjson::SUCCESS || v < lo || v > hi) {
    return InvalidInput("Invalid parameter '" + std::string(key) +
                        "'. Value must be an integer "
                        "between " +
                        std::to_string(lo) + " and " + std::to_string(hi) + ".");
  }
  *out = v;
  return std::nullopt;
}

std::optional<ApiError> ReadString(object obj, std::string_view key, std::string* out) {
  element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) {
    return InvalidInput("Invalid parameter '" + std::string(key) + "'. Expected a string.");
  }
  *out = std::string(s);
  return std::nullopt;
}

// A list of 1..100 non-empty strings (ARNs).
std::optional<ApiError> ReadArns(object obj, std::string_view key, bool required,
                                 std::vector<std::string>* out) {
  element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) {
    if (!required) return std::nullopt;
    return InvalidInput("Invalid parameter '" + std::string(key) +
                        "'. Missing required parameter.");
  }
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) {
    return InvalidInput("Invalid parameter '" + std::string(key) + "'. Expected a list.");
  }
  if (list.size() > 100 || (required && list.size() == 0)) {
    return InvalidInput(
        "Invalid parameter '" + std::string(key) + "'. Size '" + std::to_string(list.size()) +
        "' is " +
        (list.size() == 0 ? "less than minimum value: 1" : "greater than maximum value: 100") +
        ".");
  }
  for (element item : list) {
    std::string_view s;
    if (item.get_string().get(s) != simdjson::SUCCESS || s.empty()) {
      return InvalidInput("Invalid parameter '" + std::string(key) +
                          "'. Every entry must be a non-empty string.");
    }
    out->emplace_back(s);
  }
  return std::nullopt;
}

void WriteIdentifier(asff::JsonWriter& w, const asff::FindingIdentifier& id) {
  w.BeginObject().Key("Id").String(id.id).Key("ProductArn").String(id.product_arn).EndObject();
}

std::string PositionToken(std::string_view prefix, std::string_view key) {
  return std::string(prefix) + aws::HexEncode(key);
}

std::optional<std::string> TokenPosition(std::string_view prefix, std::string_view token) {
  if (!token.starts_with(prefix)) return std::nullopt;
  token.remove_prefix(prefix.size());
  if (token.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < token.size(); i += 2) {
    auto hex = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = hex(token[i]), lo = hex(token[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string Decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

ApiError BadToken() {
  return InvalidInput("Invalid parameter 'NextToken'. The token is not one this server issued.");
}

}  // namespace

Api::Api(store::FindingStore& store, Writer& writer, ApiOptions options, Metrics& metrics,
         Logger& logger)
    : store_(store),
      writer_(writer),
      options_(std::move(options)),
      metrics_(metrics),
      logger_(logger),
      limiter_(options_.rate_limit, options_.rate_burst),
      sns_(options_.sns, options_.sns_fetcher ? options_.sns_fetcher : Fetcher(CurlGet)) {
  if (!options_.clock) options_.clock = pipeline::SystemNow;
  options_.auth.account_id = options_.account_id;
}

Api::~Api() = default;

void Api::Finish(const std::shared_ptr<Call>& call, Response response) {
  if (call->answered) return;
  call->answered = true;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - call->request.received)
          .count();
  const std::string_view op = OperationName(call->route.operation);
  metrics_.Request(op, response.status, seconds);
  const bool error = response.status >= 400;
  if (options_.access_log || response.status >= 500) {
    auto line =
        logger_.Line(response.status >= 500 ? LogLevel::kError : LogLevel::kInfo, "request");
    line.Field("request_id", call->request.request_id)
        .Field("operation", op)
        .Field("method", call->request.method)
        .Field("path", call->request.raw_path)
        .Field("status", response.status)
        .Field("duration_ms", seconds * 1000)
        .Field("client", call->request.remote_address)
        .Field("bytes_in", static_cast<std::uint64_t>(call->request.body.size()))
        .Field("bytes_out", static_cast<std::uint64_t>(response.body.size()));
    if (!call->principal.id.empty()) line.Field("principal", call->principal.arn);
    if (error) {
      for (const auto& h : response.headers) {
        if (h.name == "x-amzn-ErrorType") line.Field("error_type", h.value);
      }
    }
  }
  if (draining_) response.close = true;
  call->respond(std::move(response));
}

void Api::Fail(const std::shared_ptr<Call>& call, const ApiError& error) {
  Finish(call, ErrorResponse(error));
}

void Api::Handle(Request request, Responder respond) {
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->respond = std::move(respond);
  auto routed = MatchRoute(call->request.method, call->request.raw_path);
  if (auto* error = std::get_if<ApiError>(&routed)) {
    call->route.operation = Operation::kCount;
    return Fail(call, *error);
  }
  call->route = std::get<Route>(std::move(routed));
  const Operation op = call->route.operation;
  if (op == Operation::kStaticFile) {
    return Finish(call, ServeStaticFile(options_.web_dir, call->request.raw_path));
  }
  if (op == Operation::kHealthz) {
    if (draining_) return Fail(call, Unavailable("The server is shutting down"));
    return Finish(call, Json(R"({"status":"ok"})"));
  }
  if (op != Operation::kMetrics || options_.metrics_require_auth) {
    const bool event_endpoint = op == Operation::kEventBridge || op == Operation::kSns;
    auto who = Authenticate(call->request, options_.auth, EpochSeconds(), event_endpoint);
    if (auto* error = std::get_if<ApiError>(&who)) {
      metrics_.AuthFailure(error->type);
      return Fail(call, *error);
    }
    call->principal = std::get<Principal>(std::move(who));
  }
  if (op == Operation::kMetrics) {
    Response r = Json(metrics_.Render());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return Finish(call, std::move(r));
  }
  const std::string limit_key =
      call->principal.id == "anonymous"
          ? "ip:" + call->request.remote_address.substr(0, call->request.remote_address.rfind(':'))
          : call->principal.id;
  if (!limiter_.Allow(limit_key, std::chrono::steady_clock::now())) {
    metrics_.Throttled();
    return Fail(call, LimitExceeded("Rate exceeded: at most " + Decimal(options_.rate_limit) +
                                    " requests per second per client (burst " +
                                    Decimal(options_.rate_burst) + "); retry with backoff"));
  }
  if (draining_ && IsWrite(op)) return Fail(call, Unavailable("The server is shutting down"));
  // The body: JSON for every operation with one (SNS posts its JSON as text/plain).
  const std::string_view type = call->request.Header("content-type");
  if (!call->request.body.empty() && !type.empty() && !IsJsonType(type) &&
      !(op == Operation::kSns && type.starts_with("text/plain"))) {
    return Fail(call, UnsupportedMediaType("Content-Type '" + std::string(type) +
                                           "' is not supported: send application/json"));
  }
  if (op != Operation::kSns) {
    const std::string_view body =
        call->request.body.empty() ? std::string_view("{}") : call->request.body;
    if (auto err = ThreadParser().parse(body.data(), body.size()).get(call->root);
        err != simdjson::SUCCESS) {
      return Fail(call, InvalidInput(std::string("The request body is not valid JSON: ") +
                                     simdjson::error_message(err)));
    }
    if (op != Operation::kEventBridge && !call->root.is_object()) {
      return Fail(call, InvalidInput("The request body must be a JSON object"));
    }
  }
  Dispatch(call);
}

void Api::Dispatch(const std::shared_ptr<Call>& call) {
  switch (call->route.operation) {
    case Operation::kBatchImportFindings: return BatchImportFindings(call);
    case Operation::kGetFindings: return GetFindings(call);
    case Operation::kBatchUpdateFindings: return BatchUpdateFindings(call);
    case Operation::kGetFindingHistory: return GetFindingHistory(call);
    case Operation::kCreateAutomationRule: return CreateAutomationRule(call);
    case Operation::kBatchGetAutomationRules: return BatchGetAutomationRules(call);
    case Operation::kBatchUpdateAutomationRules: return BatchUpdateAutomationRules(call);
    case Operation::kBatchDeleteAutomationRules: return BatchDeleteAutomationRules(call);
    case Operation::kListAutomationRules: return ListAutomationRules(call);
    case Operation::kCreateInsight: return CreateInsight(call);
    case Operation::kGetInsights: return GetInsights(call);
    case Operation::kGetInsightResults: return GetInsightResults(call);
    case Operation::kUpdateInsight: return UpdateInsight(call);
    case Operation::kDeleteInsight: return DeleteInsight(call);
    case Operation::kEventBridge: return EventBridge(call);
    case Operation::kSns: return Sns(call);
    case Operation::kDashboardVersion:
    case Operation::kDashboardFilterFields:
    case Operation::kDashboardCounts:
    case Operation::kDashboardRules:
    case Operation::kDashboardExplain:
    case Operation::kDashboardResource:
    case Operation::kDashboardTryRule: return Dashboard(call);
    default: return Fail(call, Internal("unrouted operation"));
  }
}

void Api::Submit(const std::shared_ptr<Call>& call, Writer::Task task) {
  // A task that throws (a bug) must still answer its request, and must not end the writer.
  Writer::Task guarded = [this, call, task = std::move(task)](Writer& writer) {
    try {
      return task(writer);
    } catch (const std::exception& e) {
      const std::string what = e.what();
      logger_.Error("write failed with an exception").Field("error", what);
      return std::function<void()>(
          [this, call, what] { Fail(call, Internal("The write failed: " + what)); });
    }
  };
  if (!writer_.SubmitTask(call->principal.arn, std::move(guarded))) {
    metrics_.Throttled();
    if (draining_) return Fail(call, Unavailable("The server is shutting down"));
    return Fail(call, LimitExceeded("The write queue is full; retry with backoff"));
  }
}

// --- Dashboard ----------------------------------------------------------------------------------

void Api::Dashboard(const std::shared_ptr<Call>& call) {
  static const std::vector<correlate::Rule> kNoRules;
  const std::vector<correlate::Rule>& rules = options_.rules ? *options_.rules : kNoRules;
  const asff::TimeMs now = options_.clock();
  std::string out;
  Status s;
  switch (call->route.operation) {
    case Operation::kDashboardVersion: s = DashboardVersion(store_, &out); break;
    case Operation::kDashboardFilterFields: out = DashboardFilterFields(); break;
    case Operation::kDashboardCounts: s = DashboardCounts(store_, call->root, now, &out); break;
    case Operation::kDashboardRules: s = DashboardRules(store_, rules, now, &out); break;
    case Operation::kDashboardExplain:
      s = DashboardExplain(store_, rules, call->root, now, &out);
      break;
    case Operation::kDashboardResource:
      s = DashboardResource(store_, rules, call->route.resource, now, &out);
      break;
    case Operation::kDashboardTryRule: s = DashboardTryRule(store_, call->root, now, &out); break;
    default: s = Status::Internal("not a dashboard operation");
  }
  if (!s.ok()) return Fail(call, FromStatus(s));
  Finish(call, Json(std::move(out)));
}

// --- Findings -----------------------------------------------------------------------------------

void Api::BatchImportFindings(const std::shared_ptr<Call>& call) {
  const object obj = call->root.get_object().value_unsafe();
  element findings_el;
  if (obj["Findings"].get(findings_el) != simdjson::SUCCESS || findings_el.is_null()) {
    return Fail(call, InvalidInput("Invalid parameter 'Findings'. Missing required parameter."));
  }
  simdjson::dom::array list;
  if (findings_el.get_array().get(list) != simdjson::SUCCESS) {
    return Fail(call, InvalidInput("Invalid parameter 'Findings'. Expected a list of findings."));
  }
  if (list.size() > kMaxFindingsPerImport) {
    return Fail(call,
                InvalidInput("Invalid parameter 'Findings'. Size '" + std::to_string(list.size()) +
                             "' is greater than maximum value: 100"));
  }
  if (list.size() == 0) {
    return Fail(
        call, InvalidInput("Invalid parameter 'Findings'. Size '0' is less than minimum value: 1"));
  }
  struct Failed {
    std::string id, code, message;
  };
  auto failed = std::make_shared<std::vector<Failed>>();
  std::vector<store::IncomingFinding> valid;
  valid.reserve(list.size());
  const asff::TimeMs now = options_.clock();
  std::size_t index = 0;
  for (element e : list) {
    ++index;
    if (!e.is_object()) {
      failed->push_back({"", "InvalidInput",
                         std::string(asff::kSchemaErrorPrefix) + "data.Findings[" +
                             std::to_string(index - 1) + "] should be object"});
      continue;
    }
    store::IncomingFinding in;
    if (Status s = asff::DecodeFinding(e, in.core); !s.ok()) {
      failed->push_back({in.core.id, "InvalidInput", s.message()});
      continue;
    }
    in.json = asff::NormalizeNewFinding(e, in.core, now);
    if (in.json.size() > asff::kMaxFindingBytes) {
      failed->push_back(
          {in.core.id, "InvalidInput",
           "Finding size exceeded 240 KB (" + std::to_string(in.json.size()) + " bytes)"});
      continue;
    }
    valid.push_back(std::move(in));
  }
  for (const Failed& f : *failed) metrics_.FindingsRejected(f.code);
  auto answer = [this, call, failed](std::size_t stored) {
    std::string out;
    asff::JsonWriter w(out);
    w.BeginObject()
        .Key("FailedCount")
        .Int(static_cast<std::int64_t>(failed->size()))
        .Key("SuccessCount")
        .Int(static_cast<std::int64_t>(stored))
        .Key("FailedFindings")
        .BeginArray();
    for (const Failed& f : *failed) {
      w.BeginObject()
          .Key("Id")
          .String(f.id)
          .Key("ErrorCode")
          .String(f.code)
          .Key("ErrorMessage")
          .String(f.message)
          .EndObject();
    }
    w.EndArray().EndObject();
    Finish(call, Json(std::move(out)));
  };
  if (valid.empty()) return answer(0);
  const std::size_t count = valid.size();
  const bool queued = writer_.SubmitImport(
      std::move(valid), call->principal.arn,
      [this, call, answer, count](const ImportResult& result) {
        if (!result.status.ok()) {
          return Fail(call, Internal("The findings were not stored: " + result.status.message()));
        }
        answer(count);
      });
  if (!queued) {
    metrics_.Throttled();
    if (draining_) return Fail(call, Unavailable("The server is shutting down"));
    Fail(call, LimitExceeded("The write queue is full; retry with backoff"));
  }
}

void Api::GetFindings(const std::shared_ptr<Call>& call) {
  const object obj = call->root.get_object().value_unsafe();
  filter::FindingFilter filter;
  element e;
  if (obj["Filters"].get(e) == simdjson::SUCCESS && !e.is_null()) {
    auto parsed = filter::FindingFilter::Parse(e);
    if (!parsed.ok()) return Fail(call, InvalidInput("Filters: " + parsed.status().message()));
    filter = std::move(parsed).value();
  }
  store::QueryRequest request;
  request.filter = &filter;
  if (obj["SortCriteria"].get(e) == simdjson::SUCCESS && !e.is_null()) {
    auto sort = filter::ParseSortCriteria(e);
    if (!sort.ok()) return Fail(call, InvalidInput("SortCriteria: " + sort.status().message()));
    request.sort = std::move(sort).value();
  }
  std::int64_t max = 100;
  if (auto err = ReadInt(obj, "MaxResults", 1, 100, &max)) return Fail(call, *err);
  request.max_results = static_cast<std::size_t>(max);
  if (auto err = ReadString(obj, "NextToken", &request.next_token)) return Fail(call, *err);
  store::QueryPage page;
  if (Status s = store_.Query(request, options_.clock(), &page); !s.ok()) {
    return Fail(call, FromStatus(s));
  }
  std::string out;
  std::size_t bytes = 32 + page.next_token.size();
  for (const auto& f : page.findings) bytes += f.size() + 1;
  out.reserve(bytes);
  asff::JsonWriter w(out);
  w.BeginObject().Key("Findings").BeginArray();
  for (const auto& f : page.findings) w.Raw(f);
  w.EndArray();
  if (!page.next_token.empty()) w.Key("NextToken").String(page.next_token);
  w.EndObject();
  Finish(call, Json(std::move(out)));
}

void Api::BatchUpdateFindings(const std::shared_ptr<Call>& call) {
  auto update = asff::ParseBatchUpdate(call->root);
  if (!update.ok()) return Fail(call, InvalidInput(update.status().message()));
  auto shared = std::make_shared<asff::BatchUpdate>(std::move(update).value());
  Submit(call, [this, call, shared](Writer& writer) -> std::function<void()> {
    auto result = std::make_shared<store::BatchUpdateResult>();
    const Status s = writer.store().BatchUpdate(*shared, writer.Now(), result.get());
    return [this, call, s, result] {
      if (!s.ok()) return Fail(call, FromStatus(s));
      std::string out;
      asff::JsonWriter w(out);
      w.BeginObject().Key("ProcessedFindings").BeginArray();
      for (const auto& id : result->processed) WriteIdentifier(w, id);
      w.EndArray().Key("UnprocessedFindings").BeginArray();
      for (const auto& u : result->unprocessed) {
        w.BeginObject().Key("FindingIdentifier");
        WriteIdentifier(w, u.identifier);
        w.Key("ErrorCode")
            .String(u.error_code)
            .Key("ErrorMessage")
            .String(u.error_message)
            .EndObject();
      }
      w.EndArray().EndObject();
      Finish(call, Json(std::move(out)));
    };
  });
}

void Api::GetFindingHistory(const std::shared_ptr<Call>& call) {
  const object obj = call->root.get_object().value_unsafe();
  element id_el;
  asff::FindingIdentifier id;
  std::string_view s;
  if (obj["FindingIdentifier"].get(id_el) != simdjson::SUCCESS || !id_el.is_object()) {
    return Fail(call, InvalidInput("Invalid parameter 'FindingIdentifier'. Missing required "
                                   "parameter: {Id, ProductArn}."));
  }
  if (id_el["Id"].get_string().get(s) != simdjson::SUCCESS || s.empty()) {
    return Fail(call, InvalidInput("Invalid parameter 'FindingIdentifier.Id'. Missing required "
                                   "parameter."));
  }
  id.id = std::string(s);
  if (id_el["ProductArn"].get_string().get(s) != simdjson::SUCCESS || s.empty()) {
    return Fail(call, InvalidInput("Invalid parameter 'FindingIdentifier.ProductArn'. Missing "
                                   "required parameter."));
  }
  id.product_arn = std::string(s);
  std::optional<asff::TimeMs> start, end;
  for (auto [key, slot] : {std::pair{"StartTime", &start}, {"EndTime", &end}}) {
    std::string text;
    if (auto err = ReadString(obj, key, &text)) return Fail(call, *err);
    if (text.empty()) continue;
    *slot = asff::ParseTimestamp(text);
    if (!*slot) {
      return Fail(call, InvalidInput("Invalid parameter '" + std::string(key) +
                                     "'. Expected an ISO 8601 timestamp, not '" + text + "'."));
    }
  }
  if (start && end && *start > *end) {
    return Fail(call, InvalidInput("Invalid parameter 'StartTime'. StartTime is after EndTime."));
  }
  std::int64_t max = 100;
  if (auto err = ReadInt(obj, "MaxResults", 1, 100, &max)) return Fail(call, *err);
  std::string token;
  if (auto err = ReadString(obj, "NextToken", &token)) return Fail(call, *err);
  const std::string prefix = HistoryPrefix(id);
  std::string after = start ? HistoryKeyBefore(id, *start) : std::string();
  if (!token.empty()) {
    auto position = TokenPosition("h1", token);
    if (!position || !position->starts_with(prefix)) return Fail(call, BadToken());
    after = *position;
  }
  std::vector<std::pair<std::string, std::string>> page;
  if (Status st = store_.ScanAuxiliary(prefix, after, static_cast<std::size_t>(max) + 1, &page);
      !st.ok()) {
    return Fail(call, FromStatus(st));
  }
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject().Key("Records").BeginArray();
  std::string last;
  bool more = false;
  std::size_t written = 0;
  for (const auto& [key, value] : page) {
    const auto time = HistoryKeyTime(key);
    if (end && time && *time > *end) break;
    if (written == static_cast<std::size_t>(max)) {
      more = true;
      break;
    }
    w.BeginObject().Key("FindingIdentifier");
    WriteIdentifier(w, id);
    // The stored record is the rest of the object.
    if (value.size() > 2) {
      out += ',';
      out.append(value, 1, value.size() - 2);
    }
    w.EndObject();
    last = key;
    ++written;
  }
  w.EndArray();
  if (more) w.Key("NextToken").String(PositionToken("h1", last));
  w.EndObject();
  Finish(call, Json(std::move(out)));
}

// --- Automation rules ---------------------------------------------------------------------------

void Api::CreateAutomationRule(const std::shared_ptr<Call>& call) {
  RuleContext context{options_.region, options_.account_id, call->principal.arn,
                      pipeline::SystemNow()};
  auto parsed = ParseNewRule(call->root, context);
  if (!parsed.ok()) return Fail(call, InvalidInput(parsed.status().message()));
  auto rule = std::make_shared<AutomationRule>(std::move(parsed).value());
  Submit(call, [this, call, rule](Writer& writer) -> std::function<void()> {
    if (writer.rules().size() >= kMaxAutomationRules) {
      return [this, call] {
        Fail(call, LimitExceeded("At most 100 automation rules; delete one first"));
      };
    }
    const Status s = writer.store().PutAuxiliary(RuleKey(rule->arn), StorageJson(*rule));
    if (s.ok()) {
      writer.rules().push_back(*rule);
      writer.RulesChanged();
    }
    return [this, call, s, arn = rule->arn] {
      if (!s.ok()) return Fail(call, FromStatus(s));
      std::string out;
      asff::JsonWriter(out).BeginObject().Key("RuleArn").String(arn).EndObject();
      Finish(call, Json(std::move(out)));
    };
  });
}

namespace {

void WriteUnprocessedRules(asff::JsonWriter& w,
                           const std::vector<std::tuple<std::string, int, std::string>>& list) {
  w.Key("UnprocessedAutomationRules").BeginArray();
  for (const auto& [arn, code, message] : list) {
    w.BeginObject()
        .Key("RuleArn")
        .String(arn)
        .Key("ErrorCode")
        .Int(code)
        .Key("ErrorMessage")
        .String(message)
        .EndObject();
  }
  w.EndArray();
}

}  // namespace

void Api::BatchGetAutomationRules(const std::shared_ptr<Call>& call) {
  std::vector<std::string> arns;
  if (auto err =
          ReadArns(call->root.get_object().value_unsafe(), "AutomationRulesArns", true, &arns)) {
    return Fail(call, *err);
  }
  std::vector<AutomationRule> found;
  std::vector<std::tuple<std::string, int, std::string>> unprocessed;
  for (const std::string& arn : arns) {
    std::string value;
    const Status s = store_.GetAuxiliary(RuleKey(arn), &value);
    if (s.code() == Status::Code::kNotFound) {
      unprocessed.emplace_back(arn, 404, "Automation rule not found");
      continue;
    }
    if (!s.ok()) return Fail(call, FromStatus(s));
    auto rule = FromStorage(value);
    if (!rule.ok()) return Fail(call, FromStatus(rule.status()));
    found.push_back(std::move(rule).value());
  }
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject().Key("Rules").BeginArray();
  for (const AutomationRule& r : found) WriteConfigJson(w, r);
  w.EndArray();
  WriteUnprocessedRules(w, unprocessed);
  w.EndObject();
  Finish(call, Json(std::move(out)));
}

void Api::BatchUpdateAutomationRules(const std::shared_ptr<Call>& call) {
  const object obj = call->root.get_object().value_unsafe();
  simdjson::dom::array items;
  if (obj["UpdateAutomationRulesRequestItems"].get_array().get(items) != simdjson::SUCCESS) {
    return Fail(call, InvalidInput("Invalid parameter 'UpdateAutomationRulesRequestItems'. "
                                   "Missing required parameter (a list of 1..100 items)."));
  }
  if (items.size() < 1 || items.size() > 100) {
    return Fail(call, InvalidInput("Invalid parameter 'UpdateAutomationRulesRequestItems'. Size '" +
                                   std::to_string(items.size()) + "' is not between 1 and 100."));
  }
  for (element item : items) {
    std::string_view arn;
    if (item["RuleArn"].get_string().get(arn) != simdjson::SUCCESS || arn.empty()) {
      return Fail(call,
                  InvalidInput("Invalid parameter 'UpdateAutomationRulesRequestItems[].RuleArn'."
                               " Missing required parameter."));
    }
  }
  // The writer re-reads the body: parsed elements do not outlive this thread's handler.
  auto body = std::make_shared<std::string>(call->request.body);
  Submit(call, [this, call, body](Writer& writer) -> std::function<void()> {
    simdjson::dom::parser parser;
    const simdjson::dom::array list =
        parser.parse(*body)["UpdateAutomationRulesRequestItems"].get_array().value_unsafe();
    const asff::TimeMs now = pipeline::SystemNow();
    std::vector<std::string> processed;
    std::vector<std::tuple<std::string, int, std::string>> unprocessed;
    std::vector<store::AuxiliaryWrite> writes;
    std::vector<AutomationRule> next = writer.rules();
    for (element item : list) {
      const std::string arn(item["RuleArn"].get_string().value_unsafe());
      auto it = std::find_if(next.begin(), next.end(),
                             [&](const AutomationRule& r) { return r.arn == arn; });
      if (it == next.end()) {
        unprocessed.emplace_back(arn, 404, "Automation rule not found");
        continue;
      }
      if (Status s = ApplyRuleUpdate(item, *it, now); !s.ok()) {
        unprocessed.emplace_back(arn, 400, s.message());
        continue;
      }
      writes.push_back({RuleKey(arn), StorageJson(*it), false});
      processed.push_back(arn);
    }
    const Status s = writer.store().WriteAuxiliary(writes);
    if (s.ok()) {
      writer.rules() = std::move(next);
      writer.RulesChanged();
    }
    return [this, call, s, processed, unprocessed] {
      if (!s.ok()) return Fail(call, FromStatus(s));
      std::string out;
      asff::JsonWriter w(out);
      w.BeginObject().Key("ProcessedAutomationRules").BeginArray();
      for (const auto& arn : processed) w.String(arn);
      w.EndArray();
      WriteUnprocessedRules(w, unprocessed);
      w.EndObject();
      Finish(call, Json(std::move(out)));
    };
  });
}

void Api::BatchDeleteAutomationRules(const std::shared_ptr<Call>& call) {
  std::vector<std::string> arns;
  if (auto err =
          ReadArns(call->root.get_object().value_unsafe(), "AutomationRulesArns", true, &arns)) {
    return Fail(call, *err);
  }
  Submit(call, [this, call, arns](Writer& writer) -> std::function<void()> {
    std::vector<std::string> processed;
    std::vector<std::tuple<std::string, int, std::string>> unprocessed;
    std::vector<store::AuxiliaryWrite> writes;
    for (const std::string& arn : arns) {
      const bool known = std::any_of(writer.rules().begin(), writer.rules().end(),
                                     [&](const AutomationRule& r) { return r.arn == arn; });
      if (!known) {
        unprocessed.emplace_back(arn, 404, "Automation rule not found");
        continue;
      }
      writes.push_back({RuleKey(arn), "", true});
      processed.push_back(arn);
    }
    const Status s = writer.store().WriteAuxiliary(writes);
    if (s.ok()) {
      std::erase_if(writer.rules(), [&](const AutomationRule& r) {
        return std::find(processed.begin(), processed.end(), r.arn) != processed.end();
      });
      writer.RulesChanged();
    }
    return [this, call, s, processed, unprocessed] {
      if (!s.ok()) return Fail(call, FromStatus(s));
      std::string out;
      asff::JsonWriter w(out);
      w.BeginObject().Key("ProcessedAutomationRules").BeginArray();
      for (const auto& arn : processed) w.String(arn);
      w.EndArray();
      WriteUnprocessedRules(w, unprocessed);
      w.EndObject();
      Finish(call, Json(std::move(out)));
    };
  });
}

void Api::ListAutomationRules(const std::shared_ptr<Call>& call) {
  std::int64_t max = 100;
  const std::string max_text = call->request.QueryParam("MaxResults");
  if (!max_text.empty()) {
    char* end = nullptr;
    max = std::strtoll(max_text.c_str(), &end, 10);
    if (end == max_text.c_str() || *end != '\0' || max < 1 || max > 100) {
      return Fail(call, InvalidInput("Invalid parameter 'MaxResults'. Value must be an integer "
                                     "between 1 and 100."));
    }
  }
  const std::string token = call->request.QueryParam("NextToken");
  std::vector<AutomationRule> rules;
  std::string after;
  while (true) {
    std::vector<std::pair<std::string, std::string>> page;
    if (Status s = store_.ScanAuxiliary(kRuleKeyPrefix, after, 100, &page); !s.ok()) {
      return Fail(call, FromStatus(s));
    }
    for (const auto& [key, value] : page) {
      auto rule = FromStorage(value);
      if (!rule.ok()) return Fail(call, FromStatus(rule.status()));
      rules.push_back(std::move(rule).value());
    }
    if (page.size() < 100) break;
    after = page.back().first;
  }
  std::sort(rules.begin(), rules.end(), RuleOrderLess);
  std::size_t begin = 0;
  if (!token.empty()) {
    auto position = TokenPosition("r1", token);
    if (!position) return Fail(call, BadToken());
    // Resume after the rule the token names, wherever it now sorts.
    auto it = std::find_if(rules.begin(), rules.end(),
                           [&](const AutomationRule& r) { return r.arn == *position; });
    if (it == rules.end()) return Fail(call, BadToken());
    begin = static_cast<std::size_t>(it - rules.begin()) + 1;
  }
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject().Key("AutomationRulesMetadata").BeginArray();
  std::size_t i = begin;
  for (; i < rules.size() && i < begin + static_cast<std::size_t>(max); ++i) {
    w.BeginObject();
    WriteMetadataJson(w, rules[i]);
    w.EndObject();
  }
  w.EndArray();
  if (i < rules.size()) w.Key("NextToken").String(PositionToken("r1", rules[i - 1].arn));
  w.EndObject();
  Finish(call, Json(std::move(out)));
}

// --- Insights -----------------------------------------------------------------------------------

void Api::CreateInsight(const std::shared_ptr<Call>& call) {
  const std::string arn = "arn:aws:securityhub:" + options_.region + ":" + options_.account_id +
                          ":insight/" + options_.account_id + "/custom/" + NewUuid();
  auto parsed = ParseInsight(call->root, arn, pipeline::SystemNow());
  if (!parsed.ok()) return Fail(call, InvalidInput(parsed.status().message()));
  auto insight = std::make_shared<Insight>(std::move(parsed).value());
  Submit(call, [this, call, insight](Writer& writer) -> std::function<void()> {
    std::vector<std::pair<std::string, std::string>> existing;
    Status s = writer.store().ScanAuxiliary(kInsightKeyPrefix, "", kMaxInsights + 1, &existing);
    std::optional<ApiError> refused;
    if (s.ok() && existing.size() >= kMaxInsights) {
      refused = LimitExceeded("At most 100 custom insights; delete one first");
    }
    for (const auto& [key, value] : existing) {
      auto other = InsightFromStorage(value);
      if (other.ok() && other->name == insight->name) {
        refused =
            ResourceConflict("An insight named '" + insight->name + "' exists: " + other->arn);
      }
    }
    if (s.ok() && !refused) {
      s = writer.store().PutAuxiliary(InsightKey(insight->arn), InsightStorageJson(*insight));
    }
    return [this, call, s, refused, arn = insight->arn] {
      if (!s.ok()) return Fail(call, FromStatus(s));
      if (refused) return Fail(call, *refused);
      std::string out;
      asff::JsonWriter(out).BeginObject().Key("InsightArn").String(arn).EndObject();
      Finish(call, Json(std::move(out)));
    };
  });
}

void Api::GetInsights(const std::shared_ptr<Call>& call) {
  const object obj = call->root.get_object().value_unsafe();
  std::vector<std::string> arns;
  if (auto err = ReadArns(obj, "InsightArns", false, &arns)) return Fail(call, *err);
  std::int64_t max = 100;
  if (auto err = ReadInt(obj, "MaxResults", 1, 100, &max)) return Fail(call, *err);
  std::string token;
  if (auto err = ReadString(obj, "NextToken", &token)) return Fail(call, *err);
  std::vector<Insight> insights;
  std::string next;
  if (!arns.empty()) {
    for (const std::string& arn : arns) {
      std::string value;
      const Status s = store_.GetAuxiliary(InsightKey(arn), &value);
      if (s.code() == Status::Code::kNotFound) {
        return Fail(call, ResourceNotFound("Insight not found: " + arn));
      }
      if (!s.ok()) return Fail(call, FromStatus(s));
      auto insight = InsightFromStorage(value);
      if (!insight.ok()) return Fail(call, FromStatus(insight.status()));
      insights.push_back(std::move(insight).value());
    }
  } else {
    std::string after;
    if (!token.empty()) {
      auto position = TokenPosition("i1", token);
      if (!position || !position->starts_with(kInsightKeyPrefix)) return Fail(call, BadToken());
      after = *position;
    }
    std::vector<std::pair<std::string, std::string>> page;
    if (Status s = store_.ScanAuxiliary(kInsightKeyPrefix, after, static_cast<std::size_t>(max) + 1,
                                        &page);
        !s.ok()) {
      return Fail(call, FromStatus(s));
    }
    for (std::size_t i = 0; i < page.size() && i < static_cast<std::size_t>(max); ++i) {
      auto insight = InsightFromStorage(page[i].second);
      if (!insight.ok()) return Fail(call, FromStatus(insight.status()));
      insights.push_back(std::move(insight).value());
    }
    if (page.size() > static_cast<std::size_t>(max)) {
      next = PositionToken("i1", page[static_cast<std::size_t>(max) - 1].first);
    }
  }
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject().Key("Insights").BeginArray();
  for (const Insight& insight : insights) {
    w.BeginObject();
    WriteInsightJson(w, insight);
    w.EndObject();
  }
  w.EndArray();
  if (!next.empty()) w.Key("NextToken").String(next);
  w.EndObject();
  Finish(call, Json(std::move(out)));
}

void Api::GetInsightResults(const std::shared_ptr<Call>& call) {
  std::string value;
  const Status s = store_.GetAuxiliary(InsightKey(call->route.resource), &value);
  if (s.code() == Status::Code::kNotFound) {
    return Fail(call, ResourceNotFound("Insight not found: " + call->route.resource));
  }
  if (!s.ok()) return Fail(call, FromStatus(s));
  auto insight = InsightFromStorage(value);
  if (!insight.ok()) return Fail(call, FromStatus(insight.status()));
  std::vector<std::pair<std::string, std::uint64_t>> values;
  if (Status r = InsightResults(store_, *insight, options_.clock(), &values); !r.ok()) {
    return Fail(call, FromStatus(r));
  }
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject()
      .Key("InsightResults")
      .BeginObject()
      .Key("InsightArn")
      .String(insight->arn)
      .Key("GroupByAttribute")
      .String(insight->group_by)
      .Key("ResultValues")
      .BeginArray();
  for (const auto& [v, n] : values) {
    w.BeginObject()
        .Key("GroupByAttributeValue")
        .String(v)
        .Key("Count")
        .Int(static_cast<std::int64_t>(n))
        .EndObject();
  }
  w.EndArray().EndObject().EndObject();
  Finish(call, Json(std::move(out)));
}

void Api::UpdateInsight(const std::shared_ptr<Call>& call) {
  // Validate now (a bad filter is the caller's error whether or not the insight exists).
  Insight probe;
  probe.name = "probe";
  if (Status s = ApplyInsightUpdate(call->root, probe); !s.ok()) {
    return Fail(call, InvalidInput(s.message()));
  }
  auto body = std::make_shared<std::string>(call->request.body.empty() ? "{}" : call->request.body);
  const std::string arn = call->route.resource;
  Submit(call, [this, call, body, arn](Writer& writer) -> std::function<void()> {
    std::string value;
    Status s = writer.store().GetAuxiliary(InsightKey(arn), &value);
    std::optional<ApiError> refused;
    if (s.code() == Status::Code::kNotFound) {
      refused = ResourceNotFound("Insight not found: " + arn);
      s = Status::Ok();
    } else if (s.ok()) {
      auto insight = InsightFromStorage(value);
      if (!insight.ok()) {
        s = insight.status();
      } else {
        simdjson::dom::parser parser;
        s = ApplyInsightUpdate(parser.parse(*body).value_unsafe(), *insight);
        if (s.ok()) s = writer.store().PutAuxiliary(InsightKey(arn), InsightStorageJson(*insight));
      }
    }
    return [this, call, s, refused] {
      if (!s.ok()) return Fail(call, FromStatus(s));
      if (refused) return Fail(call, *refused);
      Finish(call, Json("{}"));
    };
  });
}

void Api::DeleteInsight(const std::shared_ptr<Call>& call) {
  const std::string arn = call->route.resource;
  Submit(call, [this, call, arn](Writer& writer) -> std::function<void()> {
    std::string value;
    Status s = writer.store().GetAuxiliary(InsightKey(arn), &value);
    const bool found = s.ok();
    if (found) s = writer.store().DeleteAuxiliary(InsightKey(arn));
    if (s.code() == Status::Code::kNotFound) s = Status::Ok();
    return [this, call, s, found, arn] {
      if (!s.ok()) return Fail(call, FromStatus(s));
      if (!found) return Fail(call, ResourceNotFound("Insight not found: " + arn));
      std::string out;
      asff::JsonWriter(out).BeginObject().Key("InsightArn").String(arn).EndObject();
      Finish(call, Json(std::move(out)));
    };
  });
}

// --- Event endpoints ----------------------------------------------------------------------------

void Api::EventBridge(const std::shared_ptr<Call>& call) {
  if (!call->root.is_object() && !call->root.is_array()) {
    return Fail(call, InvalidInput("An EventBridge delivery is a JSON event or an array of "
                                   "events"));
  }
  Events(call, "eventbridge");
}

void Api::Events(const std::shared_ptr<Call>& call, const std::string& source) {
  auto body = std::make_shared<std::string>(call->request.body);
  Submit(call, [this, call, body, source](Writer& writer) -> std::function<void()> {
    auto summary = std::make_shared<EventSummary>();
    simdjson::dom::parser parser;
    element root;
    Status s;
    if (auto err = parser.parse(*body).get(root); err != simdjson::SUCCESS) {
      s = Status::InvalidInput(std::string("not JSON: ") + simdjson::error_message(err));
    } else {
      s = IngestEvents(writer, root, source, summary.get());
    }
    return [this, call, s, summary] {
      if (!s.ok()) return Fail(call, FromStatus(s));
      const std::uint64_t used = summary->findings_received - summary->rejected +
                                 summary->iot_messages -
                                 std::min(summary->iot_messages, summary->iot_failed);
      if (used == 0 && summary->failures_total > 0) {
        const EventFailure& f = summary->failures.front();
        return Fail(call, InvalidInput("Nothing in the delivery could be used (" +
                                       std::to_string(summary->failures_total) +
                                       " problem(s)); first: " + f.location + ": " + f.error_code +
                                       ": " + f.error_message));
      }
      std::string out;
      WriteEventSummaryJson(out, *summary);
      Finish(call, Json(std::move(out)));
    };
  });
}

void Api::Sns(const std::shared_ptr<Call>& call) {
  auto checked = sns_.Check(call->request.body, call->request.Header("x-amz-sns-message-type"));
  if (auto* error = std::get_if<ApiError>(&checked)) {
    metrics_.SnsMessage("unknown", "refused");
    return Fail(call, *error);
  }
  SnsMessage message = std::get<SnsMessage>(std::move(checked));
  if (message.type == "SubscriptionConfirmation") {
    if (!options_.sns.confirm_subscriptions) {
      logger_.Warn("SNS subscription not confirmed (sns-confirm-subscriptions is off)")
          .Field("topic_arn", message.topic_arn);
      metrics_.SnsMessage(message.type, "ignored");
      return Finish(call, Json(R"({"Confirmed":false})"));
    }
    // The confirmation is an outbound request that may take seconds: not on an I/O thread.
    std::thread([this, call, message = std::move(message)] {
      const Status s = sns_.Confirm(message);
      metrics_.SnsMessage(message.type, s.ok() ? "confirmed" : "failed");
      if (!s.ok()) {
        logger_.Warn("SNS subscription confirmation failed")
            .Field("topic_arn", message.topic_arn)
            .Field("error", s.message());
        return Fail(call, ApiError{s.code() == Status::Code::kInvalidInput ? 400 : 502,
                                   s.code() == Status::Code::kInvalidInput
                                       ? "InvalidInputException"
                                       : "SubscriptionConfirmationFailedException",
                                   s.message()});
      }
      logger_.Info("SNS subscription confirmed").Field("topic_arn", message.topic_arn);
      std::string out;
      asff::JsonWriter(out)
          .BeginObject()
          .Key("Confirmed")
          .Bool(true)
          .Key("TopicArn")
          .String(message.topic_arn)
          .EndObject();
      Finish(call, Json(std::move(out)));
    }).detach();
    return;
  }
  if (message.type == "UnsubscribeConfirmation") {
    logger_.Info("SNS subscription removed").Field("topic_arn", message.topic_arn);
    metrics_.SnsMessage(message.type, "accepted");
    return Finish(call, Json(R"({"Unsubscribed":true})"));
  }
  metrics_.SnsMessage(message.type, "accepted");
  Events(call, "sns");
}

}  // namespace corroborate::server
