// Server: `corroborate serve`. A Security Hub compatible HTTP API (the routes, status codes and
// error shapes of botocore's securityhub model, so awscli and boto3 work with --endpoint-url),
// event endpoints for EventBridge and SNS, /healthz and /metrics, over one store.
//
// Contract:
// - Run serves until Shutdown, then shuts down gracefully: it stops accepting connections,
//   answers 503 to new write requests, waits (up to shutdown_timeout_seconds) until every
//   request already handed to the API has been answered, lets the writer finish every job it
//   queued (so every write that will be acknowledged is durable), brings the store's indexes up
//   to date and returns. Nothing acknowledged is lost.
// - Writes go through one Writer (writer.h): group commit, automation rules, history and
//   correlation. Reads run concurrently on the I/O threads.
// - Binds 127.0.0.1 unless told otherwise; TLS when given a certificate and key.
// - The store's size metrics are refreshed every stats_interval_seconds on a thread of their own.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "correlate/rules.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/writer.h"
#include "store/store.h"

namespace corroborate::server {

struct ServerOptions {
  HttpOptions http;
  ApiOptions api;
  WriterOptions writer;
  int stats_interval_seconds = 60;
  int shutdown_timeout_seconds = 30;
  std::string port_file;  // when set, the bound port is written there once listening
};

class Server {
 public:
  // `rules` (correlation rules; may be null) must outlive the server, and so must `store`.
  static Result<std::unique_ptr<Server>> Create(store::FindingStore& store,
                                                const std::vector<correlate::Rule>* rules,
                                                ServerOptions options, Logger& logger);
  ~Server();

  [[nodiscard]] int port() const { return http_->port(); }
  Status Run();
  void Shutdown();  // thread-safe; Run returns once the shutdown is complete

 private:
  Server(store::FindingStore& store, ServerOptions options, Logger& logger);
  void StatsLoop();

  store::FindingStore& store_;
  ServerOptions options_;
  Logger& logger_;
  Metrics metrics_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> http_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool shutdown_ = false;
  std::thread stats_thread_;
};

}  // namespace corroborate::server
