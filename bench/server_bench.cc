// Load client for `corroborate serve`, run as a second process on 127.0.0.1: BatchImportFindings
// throughput over HTTP (SigV4-signed with src/aws, the way awscli signs) and GetFindings latency
// while the imports run.
//
//   server_bench --port P [--host 127.0.0.1] [--findings N] [--resources R] [--offset K]
//                [--connections C] [--batch 100] [--query-threads Q] [--query-rate QPS]
//                [--region R]
//                [--access-key ID --secret-key S | --token T]
//                [--duration SECONDS --rate FINDINGS_PER_S --working-set N
//                 --update-rate UPDATES_PER_S]                              (soak mode)
//
// Throughput mode: the corpus (bench/corpus.h, findings offset..offset+N) is cut into requests
// of --batch findings, which are built and signed before the clock starts; C connections send
// them as fast as the server acknowledges them; Q more connections send GetFindings (three
// filters in turn) meanwhile, back to back or --query-rate a second each (Security Hub's own
// GetFindings limit is 3 a second). Prints findings/s, then GetFindings p50/p99 under load and
// idle. Soak mode: for --duration seconds, re-imports newer revisions of a working set of findings
// at --rate findings/s (so the store's size stays level) with GetFindings and BatchUpdateFindings
// (--update-rate a second, default 2) alongside, signing each request when it is sent; prints a
// line of figures every 10 s. Exit status 1 when any request failed.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aws/sigv4.h"
#include "corpus.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string host = "127.0.0.1";
  int port = 0;
  std::size_t findings = 100'000;
  std::size_t resources = 10'000;
  std::size_t offset = 0;
  int connections = 8;
  std::size_t batch = 100;
  int query_threads = 1;
  double query_rate = 0;   // GetFindings per second per query thread; 0: back to back
  double update_rate = 2;  // soak mode: BatchUpdateFindings per second
  std::string region = "us-east-1";
  std::string access_key, secret_key, token;
  int duration = 0;  // soak mode when > 0
  double rate = 2000;
  std::size_t working_set = 20'000;
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--host") {
      a.host = next();
    } else if (arg == "--port") {
      a.port = std::stoi(next());
    } else if (arg == "--findings") {
      a.findings = std::stoull(next());
    } else if (arg == "--resources") {
      a.resources = std::stoull(next());
    } else if (arg == "--offset") {
      a.offset = std::stoull(next());
    } else if (arg == "--connections") {
      a.connections = std::stoi(next());
    } else if (arg == "--batch") {
      a.batch = std::stoull(next());
    } else if (arg == "--query-threads") {
      a.query_threads = std::stoi(next());
    } else if (arg == "--query-rate") {
      a.query_rate = std::stod(next());
    } else if (arg == "--update-rate") {
      a.update_rate = std::stod(next());
    } else if (arg == "--region") {
      a.region = next();
    } else if (arg == "--access-key") {
      a.access_key = next();
    } else if (arg == "--secret-key") {
      a.secret_key = next();
    } else if (arg == "--token") {
      a.token = next();
    } else if (arg == "--duration") {
      a.duration = std::stoi(next());
    } else if (arg == "--rate") {
      a.rate = std::stod(next());
    } else if (arg == "--working-set") {
      a.working_set = std::stoull(next());
    } else {
      std::fprintf(stderr, "unknown option %s (see the comment at the top of server_bench.cc)\n",
                   arg.c_str());
      std::exit(2);
    }
  }
  if (a.port == 0 || (a.token.empty() && (a.access_key.empty() || a.secret_key.empty()))) {
    std::fprintf(stderr, "server_bench: give --port and --access-key/--secret-key or --token\n");
    std::exit(2);
  }
  return a;
}

std::int64_t EpochSeconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// A request ready to send: target, body, and the headers (signed or with the token).
struct Prepared {
  std::string target;
  std::string method;
  std::string body;
  std::vector<corroborate::aws::Header> headers;
};

Prepared Prepare(const Args& a, std::string method, std::string target, std::string body) {
  Prepared p{std::move(target), std::move(method), std::move(body), {}};
  const std::string host = a.host + ":" + std::to_string(a.port);
  if (!a.token.empty()) {
    p.headers = {{"Host", host},
                 {"Content-Type", "application/json"},
                 {"Authorization", "Bearer " + a.token}};
    return p;
  }
  corroborate::aws::SigningRequest s{p.method,
                                     p.target,
                                     "",
                                     {{"Host", host}, {"Content-Type", "application/json"}},
                                     corroborate::aws::Sha256Hex(p.body)};
  const std::string authorization = corroborate::aws::Sign(s, {a.access_key, a.secret_key, ""},
                                                           a.region, "securityhub", EpochSeconds());
  p.headers = std::move(s.headers);
  p.headers.push_back({"Authorization", authorization});
  return p;
}

class Connection {
 public:
  explicit Connection(const Args& a) : args_(a) {}

  // Sends the request; returns the status (0 on a transport error) and fills `body`.
  int Send(const Prepared& p, std::string* body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!socket_) Connect();
        http::request<http::string_body> req(
            p.method == "PATCH" ? http::verb::patch : http::verb::post, p.target, 11);
        for (const auto& h : p.headers) req.set(h.name, h.value);
        req.keep_alive(true);
        req.body() = p.body;
        req.prepare_payload();
        http::write(*socket_, req);
        http::response<http::string_body> res;
        http::read(*socket_, buffer_, res);
        *body = std::move(res.body());
        if (!res.keep_alive()) socket_.reset();
        return static_cast<int>(res.result_int());
      } catch (const std::exception&) {
        socket_.reset();  // the server closed a keep-alive connection: once more, afresh
      }
    }
    return 0;
  }

 private:
  void Connect() {
    tcp::resolver resolver(io_);
    socket_.emplace(io_);
    net::connect(*socket_, resolver.resolve(args_.host, std::to_string(args_.port)));
    socket_->set_option(tcp::no_delay(true));
  }

  const Args& args_;
  net::io_context io_;
  std::optional<tcp::socket> socket_;
  beast::flat_buffer buffer_;
};

std::string ImportBody(const corroborate::bench::CorpusGenerator& corpus, std::size_t first,
                       std::size_t n, unsigned revision) {
  std::string body = R"({"Findings":[)";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) body += ',';
    if (revision == 0) {
      corpus.AppendFinding(first + i, body);
    } else {
      corpus.AppendUpdate(first + i, revision, body);
    }
  }
  body += "]}";
  return body;
}

const char* const kQueries[] = {
    R"({"MaxResults":100})",
    R"({"Filters":{"SeverityLabel":[{"Value":"CRITICAL","Comparison":"EQUALS"}]},"MaxResults":100})",
    R"({"Filters":{"ProductName":[{"Value":"GuardDuty","Comparison":"EQUALS"}],"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}]},"MaxResults":100})",
};

struct Latencies {
  std::mutex mu;
  std::vector<double> ms;
  void Add(double v) {
    std::lock_guard lock(mu);
    ms.push_back(v);
  }
  // p50, p99, max in ms.
  std::array<double, 3> Summary() {
    std::lock_guard lock(mu);
    if (ms.empty()) return {0, 0, 0};
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {
      return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
    };
    return {at(0.50), at(0.99), v.back()};
  }
  void Clear() {
    std::lock_guard lock(mu);
    ms.clear();
  }
};

void QueryLoop(const Args& a, std::atomic<bool>& stop, Latencies& latencies,
               std::atomic<std::uint64_t>& failures) {
  Connection c(a);
  std::string body;
  const auto begin = Clock::now();
  for (std::size_t n = 0; !stop; ++n) {
    if (a.query_rate > 0) {
      std::this_thread::sleep_until(
          begin + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(static_cast<double>(n) / a.query_rate)));
      if (stop) break;
    }
    const Prepared p = Prepare(a, "POST", "/findings", kQueries[n % 3]);
    const auto start = Clock::now();
    const int status = c.Send(p, &body);
    latencies.Add(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (status != 200) ++failures;
  }
}

bool ImportOk(int status, const std::string& body, std::size_t n) {
  return status == 200 &&
         body.find("\"SuccessCount\":" + std::to_string(n) + ",") != std::string::npos;
}

int Throughput(const Args& a) {
  corroborate::bench::CorpusGenerator corpus({a.offset + a.findings, a.resources, 1, 3000});
  std::vector<Prepared> requests;
  std::size_t bytes = 0;
  for (std::size_t first = a.offset; first < a.offset + a.findings; first += a.batch) {
    const std::size_t n = std::min(a.batch, a.offset + a.findings - first);
    requests.push_back(Prepare(a, "POST", "/findings/import", ImportBody(corpus, first, n, 0)));
    bytes += requests.back().body.size();
  }
  std::fprintf(stderr, "server_bench: %zu requests of up to %zu findings (%.1f MB) prepared\n",
               requests.size(), a.batch, static_cast<double>(bytes) / 1e6);
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> failures{0}, stored{0};
  std::atomic<bool> stop{false};
  Latencies under_load;
  std::vector<std::thread> queries;
  queries.reserve(static_cast<std::size_t>(a.query_threads));
  for (int i = 0; i < a.query_threads; ++i) {
    queries.emplace_back([&] { QueryLoop(a, stop, under_load, failures); });
  }
  const auto start = Clock::now();
  std::vector<std::thread> importers;
  importers.reserve(static_cast<std::size_t>(a.connections));
  for (int i = 0; i < a.connections; ++i) {
    importers.emplace_back([&] {
      Connection c(a);
      std::string body;
      for (std::size_t r = next++; r < requests.size(); r = next++) {
        const std::size_t n = std::min(a.batch, a.offset + a.findings - (a.offset + r * a.batch));
        const int status = c.Send(requests[r], &body);
        if (ImportOk(status, body, n)) {
          stored += n;
        } else {
          if (failures++ < 3) {
            std::fprintf(stderr, "import failed: HTTP %d %s\n", status,
                         body.substr(0, 300).c_str());
          }
        }
      }
    });
  }
  for (auto& t : importers) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  for (auto& t : queries) t.join();
  const auto loaded = under_load.Summary();
  const std::size_t loaded_n = under_load.ms.size();
  // Idle: the same queries with nothing else running.
  Latencies idle;
  {
    Connection c(a);
    std::string body;
    for (int i = 0; i < 90; ++i) {
      const Prepared p = Prepare(a, "POST", "/findings", kQueries[i % 3]);
      const auto t0 = Clock::now();
      if (c.Send(p, &body) != 200) ++failures;
      idle.Add(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  const auto quiet = idle.Summary();
  std::printf(
      "BatchImportFindings over HTTP: %llu findings in %.2f s = %.0f findings/s "
      "(%.0f requests/s, %.1f MB/s, %d connections, %zu per request)\n",
      static_cast<unsigned long long>(stored.load()), secs,
      static_cast<double>(stored.load()) / secs, static_cast<double>(requests.size()) / secs,
      static_cast<double>(bytes) / 1e6 / secs, a.connections, a.batch);
  std::printf("GetFindings under load (%zu requests): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              loaded_n, loaded[0], loaded[1], loaded[2]);
  std::printf("GetFindings idle (90 requests): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", quiet[0],
              quiet[1], quiet[2]);
  std::printf("failed requests: %llu\n", static_cast<unsigned long long>(failures.load()));
  return failures == 0 ? 0 : 1;
}

int Soak(const Args& a) {
  corroborate::bench::CorpusGenerator corpus({a.working_set, a.resources, 1, 3000});
  std::atomic<std::uint64_t> failures{0}, stored{0};
  std::atomic<bool> stop{false};
  Latencies latencies;
  std::vector<std::thread> queries;
  queries.reserve(static_cast<std::size_t>(a.query_threads));
  for (int i = 0; i < a.query_threads; ++i) {
    queries.emplace_back([&] { QueryLoop(a, stop, latencies, failures); });
  }
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(a.duration);
  std::atomic<std::size_t> sequence{0};
  const std::size_t batches = std::max<std::size_t>(1, a.working_set / a.batch);
  const double requests_per_second = a.rate / static_cast<double>(a.batch);
  std::vector<std::thread> importers;
  importers.reserve(static_cast<std::size_t>(a.connections));
  for (int i = 0; i < a.connections; ++i) {
    importers.emplace_back([&] {
      Connection c(a);
      std::string body;
      while (Clock::now() < end) {
        const std::size_t s = sequence++;
        // Paced: request s is due at s / requests_per_second seconds after the start.
        const auto due =
            start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                        static_cast<double>(s) / requests_per_second));
        std::this_thread::sleep_until(due);
        if (Clock::now() >= end) break;
        const std::size_t first = (s % batches) * a.batch;
        const unsigned revision = static_cast<unsigned>(s / batches);  // 0 first, then newer
        const Prepared p =
            Prepare(a, "POST", "/findings/import", ImportBody(corpus, first, a.batch, revision));
        const int status = c.Send(p, &body);
        if (ImportOk(status, body, a.batch)) {
          stored += a.batch;
        } else if (failures++ < 3) {
          std::fprintf(stderr, "import failed: HTTP %d %s\n", status, body.substr(0, 300).c_str());
        }
      }
    });
  }
  // Analysts meanwhile: BatchUpdateFindings on one finding of the working set at a time, the
  // workflow status and note changing each time.
  Latencies update_latencies;
  std::atomic<std::uint64_t> updates{0};
  std::thread updater([&] {
    if (a.update_rate <= 0) return;
    Connection c(a);
    std::string body;
    constexpr std::array<const char*, 3> kStatuses{"NOTIFIED", "SUPPRESSED", "NEW"};
    for (std::size_t n = 0; Clock::now() < end; ++n) {
      std::this_thread::sleep_until(
          start + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(static_cast<double>(n) / a.update_rate)));
      if (Clock::now() >= end) break;
      // Only findings imported already: the batches acknowledged, less those maybe in flight.
      const std::size_t done = stored.load() / a.batch;
      const std::size_t margin = 2 * static_cast<std::size_t>(a.connections);
      if (done <= margin) continue;
      const std::size_t imported = std::min(a.working_set, (done - margin) * a.batch);
      const std::string finding = corpus.Finding((n * 7919) % imported);
      auto member = [&](std::string_view key) {  // the corpus writes Id, then ProductArn, first
        const std::string marker = "\"" + std::string(key) + "\":\"";
        const size_t at = finding.find(marker) + marker.size();
        return finding.substr(at, finding.find('"', at) - at);
      };
      const std::string request =
          R"({"FindingIdentifiers":[{"Id":")" + member("Id") + R"(","ProductArn":")" +
          member("ProductArn") + R"("}],"Workflow":{"Status":")" + kStatuses[n % 3] +
          R"("},"Note":{"Text":"soak )" + std::to_string(n) + R"(","UpdatedBy":"soak"}})";
      const Prepared p = Prepare(a, "PATCH", "/findings/batchupdate", request);
      const auto sent = Clock::now();
      const int status = c.Send(p, &body);
      update_latencies.Add(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      if (status == 200 && body.find(R"("UnprocessedFindings":[])") != std::string::npos) {
        ++updates;
      } else if (failures++ < 3) {
        std::fprintf(stderr, "update failed: HTTP %d %s\n", status, body.substr(0, 300).c_str());
      }
    }
  });
  for (int t = 10; t <= a.duration; t += 10) {
    std::this_thread::sleep_until(start + std::chrono::seconds(t));
    const auto l = latencies.Summary();
    const auto u = update_latencies.Summary();
    std::printf(
        "t=%4ds imported %llu (%.0f/s) GetFindings p50 %.2f ms p99 %.2f ms updates %llu p50 %.2f "
        "ms p99 %.2f ms failures %llu\n",
        t, static_cast<unsigned long long>(stored.load()), static_cast<double>(stored.load()) / t,
        l[0], l[1], static_cast<unsigned long long>(updates.load()), u[0], u[1],
        static_cast<unsigned long long>(failures.load()));
    std::fflush(stdout);
    latencies.Clear();
    update_latencies.Clear();
  }
  updater.join();
  for (auto& th : importers) th.join();
  stop = true;
  for (auto& th : queries) th.join();
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  return args.duration > 0 ? Soak(args) : Throughput(args);
}
