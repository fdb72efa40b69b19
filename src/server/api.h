// Api: the Security Hub operations and the server's own endpoints, over a store and its writer.
//
// Contract:
// - Handle answers every request exactly once through its Responder: route (router.h), then
//   authentication (auth.h; /healthz never needs it, /metrics only when metrics_require_auth),
//   then the per-client rate limit (429 LimitExceededException), then the body's media type
//   (JSON; SNS also text/plain: otherwise 415) and JSON syntax (400 InvalidInputException), then
//   the operation. Request and response shapes are those of botocore's securityhub model.
// - Reads (GetFindings, GetFindingHistory, the Get/List calls, GetInsightResults) run on the
//   calling thread against the store and see every write acknowledged before them. Writes are
//   validated on the calling thread, then queued to the Writer; they are answered once durable.
//   A full write queue answers 429 LimitExceededException; after SetDraining, 503.
// - BatchImportFindings: 1..100 findings (else 400 InvalidInputException "Invalid parameter
//   'Findings'. Size 'N' is ..."), each validated as `ingest` does; invalid ones are reported in
//   FailedFindings (ErrorCode InvalidInput, the message naming the field) and the valid ones
//   stored. SuccessCount counts the valid ones (a not-newer version is a success that changes
//   nothing, as the reference recommends).
// - Every answered request is logged (one JSON line, with its request id, operation, status,
//   duration, principal, client address; never credentials) and counted in the metrics.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "correlate/rules.h"
#include "server/auth.h"
#include "server/http_types.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/rate_limit.h"
#include "server/router.h"
#include "server/sns.h"
#include "server/writer.h"
#include "store/store.h"

namespace corroborate::server {

struct ApiOptions {
  AuthOptions auth;
  double rate_limit = 50;  // requests per second per client; 0: unlimited
  double rate_burst = 100;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  SnsOptions sns;
  bool metrics_require_auth = false;
  bool access_log = true;
  std::function<asff::TimeMs()> clock;  // the findings' clock (default: system)
  Fetcher sns_fetcher;                  // default: CurlGet
  // The dashboard (dashboard.h): the correlation rules it lists, explains and tries (null: none),
  // and the directory of its built front end, served at / without authentication (the page holds
  // no data; every call it makes authenticates).
  const std::vector<correlate::Rule>* rules = nullptr;
  std::string web_dir;
};

class Api {
 public:
  Api(store::FindingStore& store, Writer& writer, ApiOptions options, Metrics& metrics,
      Logger& logger);
  ~Api();

  void Handle(Request request, Responder respond);
  void SetDraining() { draining_ = true; }

 private:
  struct Call;
  void Dispatch(const std::shared_ptr<Call>& call);
  void Finish(const std::shared_ptr<Call>& call, Response response);
  void Fail(const std::shared_ptr<Call>& call, const ApiError& error);

  void BatchImportFindings(const std::shared_ptr<Call>& call);
  void GetFindings(const std::shared_ptr<Call>& call);
  void BatchUpdateFindings(const std::shared_ptr<Call>& call);
  void GetFindingHistory(const std::shared_ptr<Call>& call);
  void CreateAutomationRule(const std::shared_ptr<Call>& call);
  void BatchGetAutomationRules(const std::shared_ptr<Call>& call);
  void BatchUpdateAutomationRules(const std::shared_ptr<Call>& call);
  void BatchDeleteAutomationRules(const std::shared_ptr<Call>& call);
  void ListAutomationRules(const std::shared_ptr<Call>& call);
  void CreateInsight(const std::shared_ptr<Call>& call);
  void GetInsights(const std::shared_ptr<Call>& call);
  void GetInsightResults(const std::shared_ptr<Call>& call);
  void UpdateInsight(const std::shared_ptr<Call>& call);
  void DeleteInsight(const std::shared_ptr<Call>& call);
  void Dashboard(const std::shared_ptr<Call>& call);
  void EventBridge(const std::shared_ptr<Call>& call);
  void Sns(const std::shared_ptr<Call>& call);
  void Events(const std::shared_ptr<Call>& call, const std::string& source);

  // Queues a task; answers 429/503 itself when the writer refuses it.
  void Submit(const std::shared_ptr<Call>& call, Writer::Task task);

  store::FindingStore& store_;
  Writer& writer_;
  ApiOptions options_;
  Metrics& metrics_;
  Logger& logger_;
  RateLimiter limiter_;
  SnsEndpoint sns_;
  std::atomic<bool> draining_{false};
};

}  // namespace corroborate::server
