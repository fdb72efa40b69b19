// The server's metrics, rendered in Prometheus' text exposition format (version 0.0.4).
//
// Contract: counters only grow; gauges are set by whoever owns the value; histograms have fixed
// buckets (seconds). Every method is thread-safe and cheap enough for the request path (a mutex
// per update, no allocation once a label set has been seen). Render() lists every family with
// # HELP and # TYPE lines, label values escaped.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corroborate::server {

class Histogram {
 public:
  static std::vector<double> Seconds() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  }
  explicit Histogram(std::vector<double> buckets = Seconds())
      : buckets_(std::move(buckets)), counts_(buckets_.size()) {}
  void Observe(double value);
  void Render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::vector<double> buckets_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  void Request(std::string_view operation, int status, double seconds);
  void FindingsIngested(std::uint64_t created, std::uint64_t updated, std::uint64_t unchanged);
  void FindingsRejected(std::string_view reason, std::uint64_t n = 1);
  void Correlated(std::uint64_t created, std::uint64_t updated, std::uint64_t archived);
  void AutomationRulesApplied(std::uint64_t n);
  void HistoryRecords(std::uint64_t n);
  void AuthFailure(std::string_view reason);
  void Throttled();
  void GroupCommit(std::uint64_t requests, std::uint64_t findings, double seconds);
  void SnsMessage(std::string_view type, std::string_view outcome);
  void SetWriterQueue(std::uint64_t jobs, std::uint64_t findings);
  void SetStore(std::uint64_t findings, std::uint64_t disk_bytes);
  void SetConnections(std::int64_t delta);

  [[nodiscard]] std::string Render() const;

 private:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  void Add(std::string_view family, Labels labels, double n);

  mutable std::mutex mu_;
  std::map<std::string, std::map<Labels, double>> counters_;
  std::map<std::string, Histogram> request_latency_;  // by operation
  Histogram commit_latency_;
  Histogram commit_findings_{{1, 10, 100, 250, 500, 1000, 2500, 5000, 10000}};
  std::atomic<std::uint64_t> queue_jobs_{0}, queue_findings_{0};
  std::atomic<std::uint64_t> store_findings_{0}, store_disk_bytes_{0};
  std::atomic<std::int64_t> connections_{0};
};

}  // namespace corroborate::server
