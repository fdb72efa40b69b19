#include "server/metrics.h"

#include <dlfcn.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>

namespace corroborate::server {
namespace {

void AppendEscaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

std::string LabelText(const std::vector<std::pair<std::string, std::string>>& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    out += out.empty() ? "{" : ",";
    out += k;
    out += "=\"";
    AppendEscaped(out, v);
    out += '"';
  }
  if (!out.empty()) out += '}';
  return out;
}

// The shortest text that reads back as `v` ("0.005", not "0.0050000000000000001").
std::string Number(double v) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

struct CounterHelp {
  std::string_view name;
  std::string_view help;
};

constexpr CounterHelp kCounters[] = {
    {"corroborate_http_requests_total", "HTTP requests answered, by operation and status code."},
    {"corroborate_findings_ingested_total",
     "Findings offered to the store, by outcome (created, updated, unchanged: not newer than "
     "the stored version)."},
    {"corroborate_findings_rejected_total",
     "Findings and messages refused, by reason (the ErrorCode reported to the sender)."},
    {"corroborate_correlated_findings_total",
     "Correlated findings (incidents) stored, by change: created, updated, archived."},
    {"corroborate_automation_rule_actions_total",
     "Automation rule actions applied to imported findings."},
    {"corroborate_history_records_total", "Finding history records written."},
    {"corroborate_auth_failures_total", "Requests refused by authentication, by error type."},
    {"corroborate_throttled_requests_total",
     "Requests refused with 429 LimitExceededException (rate limit or full write queue)."},
    {"corroborate_sns_messages_total", "SNS messages received, by type and outcome."},
};

// Resident set size in bytes, from /proc/self/statm.
std::uint64_t ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// Bytes the allocator has handed out and not had back, when the allocator is jemalloc (the
// programs link it; found at run time so that this library needs no jemalloc headers): the live
// heap, as opposed to the pages the allocator keeps resident. 0 when unknown.
std::uint64_t HeapAllocatedBytes() {
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  static const auto mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  if (mallctl == nullptr) return 0;
  std::uint64_t epoch = 1;
  size_t size = sizeof epoch;
  mallctl("epoch", &epoch, &size, &epoch, size);  // refreshes the statistics
  size_t allocated = 0;
  size = sizeof allocated;
  if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) != 0) return 0;
  return allocated;
}

}  // namespace

void Histogram::Observe(double value) {
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (value <= buckets_[i]) ++counts_[i];
  }
  ++count_;
  sum_ += value;
}

void Histogram::Render(std::string& out, std::string_view name, std::string_view labels) const {
  auto with = [&](std::string_view extra) {
    std::string l(labels);
    if (l.empty()) return "{" + std::string(extra) + "}";
    l.pop_back();
    return l + "," + std::string(extra) + "}";
  };
  for (size_t i = 0; i < buckets_.size(); ++i) {
    out += name;
    out += "_bucket";
    out += with("le=\"" + Number(buckets_[i]) + "\"");
    out += ' ' + std::to_string(counts_[i]) + '\n';
  }
  out += name;
  out += "_bucket";
  out += with("le=\"+Inf\"");
  out += ' ' + std::to_string(count_) + '\n';
  out += std::string(name) + "_sum" + std::string(labels) + ' ' + Number(sum_) + '\n';
  out += std::string(name) + "_count" + std::string(labels) + ' ' + std::to_string(count_) + '\n';
}

void Metrics::Add(std::string_view family, Labels labels, double n) {
  std::lock_guard lock(mu_);
  counters_[std::string(family)][std::move(labels)] += n;
}

void Metrics::Request(std::string_view operation, int status, double seconds) {
  std::lock_guard lock(mu_);
  counters_["corroborate_http_requests_total"]
           [{{"operation", std::string(operation)}, {"code", std::to_string(status)}}] += 1;
  request_latency_[std::string(operation)].Observe(seconds);
}

void Metrics::FindingsIngested(std::uint64_t created, std::uint64_t updated,
                               std::uint64_t unchanged) {
  std::lock_guard lock(mu_);
  auto& c = counters_["corroborate_findings_ingested_total"];
  c[{{"outcome", "created"}}] += static_cast<double>(created);
  c[{{"outcome", "updated"}}] += static_cast<double>(updated);
  c[{{"outcome", "unchanged"}}] += static_cast<double>(unchanged);
}

void Metrics::FindingsRejected(std::string_view reason, std::uint64_t n) {
  Add("corroborate_findings_rejected_total", {{"reason", std::string(reason)}},
      static_cast<double>(n));
}

void Metrics::Correlated(std::uint64_t created, std::uint64_t updated, std::uint64_t archived) {
  std::lock_guard lock(mu_);
  auto& c = counters_["corroborate_correlated_findings_total"];
  c[{{"change", "created"}}] += static_cast<double>(created);
  c[{{"change", "updated"}}] += static_cast<double>(updated);
  c[{{"change", "archived"}}] += static_cast<double>(archived);
}

void Metrics::AutomationRulesApplied(std::uint64_t n) {
  Add("corroborate_automation_rule_actions_total", {}, static_cast<double>(n));
}

void Metrics::HistoryRecords(std::uint64_t n) {
  Add("corroborate_history_records_total", {}, static_cast<double>(n));
}

void Metrics::AuthFailure(std::string_view reason) {
  Add("corroborate_auth_failures_total", {{"type", std::string(reason)}}, 1);
}

void Metrics::Throttled() {
  Add("corroborate_throttled_requests_total", {}, 1);
}

void Metrics::GroupCommit(std::uint64_t requests, std::uint64_t findings, double seconds) {
  std::lock_guard lock(mu_);
  (void)requests;
  commit_latency_.Observe(seconds);
  commit_findings_.Observe(static_cast<double>(findings));
}

void Metrics::SnsMessage(std::string_view type, std::string_view outcome) {
  Add("corroborate_sns_messages_total",
      {{"type", std::string(type)}, {"outcome", std::string(outcome)}}, 1);
}

void Metrics::SetWriterQueue(std::uint64_t jobs, std::uint64_t findings) {
  queue_jobs_ = jobs;
  queue_findings_ = findings;
}

void Metrics::SetStore(std::uint64_t findings, std::uint64_t disk_bytes) {
  store_findings_ = findings;
  store_disk_bytes_ = disk_bytes;
}

void Metrics::SetConnections(std::int64_t delta) {
  connections_ += delta;
}

std::string Metrics::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const CounterHelp& c : kCounters) {
    Family(out, c.name, "counter", c.help);
    auto it = counters_.find(std::string(c.name));
    if (it == counters_.end()) {
      if (c.name == "corroborate_automation_rule_actions_total" ||
          c.name == "corroborate_history_records_total" ||
          c.name == "corroborate_throttled_requests_total") {
        out += std::string(c.name) + " 0\n";
      }
      continue;
    }
    for (const auto& [labels, value] : it->second) {
      out += c.name;
      out += LabelText(labels);
      out += ' ' + Number(value) + '\n';
    }
  }
  Family(out, "corroborate_http_request_duration_seconds", "histogram",
         "Time from a request's arrival to its response, by operation (writes include waiting "
         "for their durable group commit).");
  for (const auto& [op, h] : request_latency_) {
    h.Render(out, "corroborate_http_request_duration_seconds", LabelText({{"operation", op}}));
  }
  Family(out, "corroborate_group_commit_duration_seconds", "histogram",
         "Time the writer took for one group of writes (store, history, rules, correlation).");
  commit_latency_.Render(out, "corroborate_group_commit_duration_seconds", "");
  Family(out, "corroborate_group_commit_findings", "histogram",
         "Findings per group commit (the buckets are counts, not seconds).");
  commit_findings_.Render(out, "corroborate_group_commit_findings", "");
  auto gauge = [&](std::string_view name, std::string_view help, double v) {
    Family(out, name, "gauge", help);
    out += std::string(name) + ' ' + Number(v) + '\n';
  };
  gauge("corroborate_writer_queue_jobs", "Write jobs waiting for the writer.",
        static_cast<double>(queue_jobs_.load()));
  gauge("corroborate_writer_queue_findings", "Findings waiting in queued import jobs.",
        static_cast<double>(queue_findings_.load()));
  gauge("corroborate_store_findings", "Findings stored (refreshed every --stats-interval seconds).",
        static_cast<double>(store_findings_.load()));
  gauge("corroborate_store_disk_bytes", "Bytes of the store's table files (same refresh).",
        static_cast<double>(store_disk_bytes_.load()));
  gauge("corroborate_open_connections", "Client connections open.",
        static_cast<double>(connections_.load()));
  gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
        static_cast<double>(ResidentBytes()));
  gauge("corroborate_heap_allocated_bytes",
        "Heap bytes in use (jemalloc's stats.allocated; 0 with another allocator).",
        static_cast<double>(HeapAllocatedBytes()));
  return out;
}

}  // namespace corroborate::server
