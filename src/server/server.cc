#include "server/server.h"

#include <chrono>
#include <fstream>

namespace corroborate::server {

Server::Server(store::FindingStore& store, ServerOptions options, Logger& logger)
    : store_(store), options_(std::move(options)), logger_(logger) {}

Server::~Server() {
  Shutdown();
  if (stats_thread_.joinable()) stats_thread_.join();
  if (http_) http_->Stop();
  if (writer_) writer_->Stop();
}

Result<std::unique_ptr<Server>> Server::Create(store::FindingStore& store,
                                               const std::vector<correlate::Rule>* rules,
                                               ServerOptions options, Logger& logger) {
  std::unique_ptr<Server> server(new Server(store, std::move(options), logger));
  Server& s = *server;
  s.writer_ = std::make_unique<Writer>(store, rules, s.options_.writer, &s.metrics_, &logger);
  if (Status st = s.writer_->Start(); !st.ok()) return st;
  // Reads go to the store itself; writes through the writer's HubStore.
  s.api_ = std::make_unique<Api>(store, *s.writer_, s.options_.api, s.metrics_, logger);
  Api* api = s.api_.get();
  auto http = HttpServer::Create(
      s.options_.http,
      [api](Request r, Responder respond) { api->Handle(std::move(r), std::move(respond)); },
      &s.metrics_, &logger);
  if (!http.ok()) return http.status();
  s.http_ = std::move(http).value();
  if (!s.options_.port_file.empty()) {
    std::ofstream out(s.options_.port_file, std::ios::trunc);
    out << s.http_->port() << "\n";
    if (!out) return Status::IOError("cannot write the port file " + s.options_.port_file);
  }
  return server;
}

Status Server::Run() {
  http_->Start();
  stats_thread_ = std::thread([this] { StatsLoop(); });
  const bool tls = !options_.http.tls_cert_file.empty();
  logger_.Info("listening")
      .Field("address", options_.http.address)
      .Field("port", http_->port())
      .Field("tls", tls)
      .Field("threads", options_.http.threads);
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return shutdown_; });
  }
  logger_.Info("shutting down").Field("in_flight", static_cast<std::uint64_t>(http_->in_flight()));
  http_->StopAccepting();
  api_->SetDraining();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(options_.shutdown_timeout_seconds);
  while (http_->in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Whatever the writer still holds is finished before it stops (and answered: the I/O threads
  // still run).
  writer_->Stop();
  while (http_->in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::size_t unanswered = http_->in_flight();
  http_->Stop();
  if (stats_thread_.joinable()) stats_thread_.join();
  Status flushed = store_.Flush();
  logger_.Info("stopped").Field("unanswered", static_cast<std::uint64_t>(unanswered));
  return flushed;
}

void Server::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

void Server::StatsLoop() {
  std::unique_lock lock(mu_);
  while (!shutdown_) {
    lock.unlock();
    store::StoreStats stats;
    if (store_.Stats(&stats).ok()) metrics_.SetStore(stats.findings, stats.disk_bytes);
    lock.lock();
    cv_.wait_for(lock, std::chrono::seconds(std::max(1, options_.stats_interval_seconds)),
                 [&] { return shutdown_; });
  }
}

}  // namespace corroborate::server
