// Ingest and query benchmark: prints findings/s and MB/s for parse-only, for the full validation
// path, and for durable ingest into the embedded store, the store's bytes per finding, the rate of
// provider re-imports, and GetFindings first-page latency over the stored corpus.
//
//   ingest_bench [--findings N] [--resources R] [--avg-bytes B] [--dir DIR] [--all-cores]
//                [--batch N] [--query-runs N] [--durable-only]
//   (--durable-only runs just the durable ingest, for profiling the store's write path)
//   (BENCH_NO_SYNC=1 in the environment turns off fsync, to see what durability costs)
//
// By default the process (and so RocksDB's background threads) is pinned to one core, as the
// performance goal is stated per core. Figures are recorded in docs/performance.md.
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "asff/finding.h"
#include "asff/import.h"
#include "corpus.h"
#include "filter/filter.h"
#include "measure.h"
#include "pipeline/pipeline.h"
#include "sources/sources.h"
#include "store/store.h"

namespace {

using namespace corroborate;
using bench::DirectoryBytes;
using Clock = std::chrono::steady_clock;

// CPU time of the calling thread: what Import spends waiting for its fsyncs is the difference.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Args {
  std::size_t findings = 1'000'000;
  std::size_t resources = 100'000;
  std::size_t avg_bytes = 3000;
  std::string dir = "/tmp/corroborate-bench";
  bool one_core = true;
  int query_runs = 30;
  std::size_t batch = 1000;
  bool durable_only = false;
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
    if (arg == "--findings") {
      a.findings = std::stoull(next());
    } else if (arg == "--resources") {
      a.resources = std::stoull(next());
    } else if (arg == "--avg-bytes") {
      a.avg_bytes = std::stoull(next());
    } else if (arg == "--dir") {
      a.dir = next();
    } else if (arg == "--all-cores") {
      a.one_core = false;
    } else if (arg == "--batch") {
      a.batch = std::stoull(next());
    } else if (arg == "--query-runs") {
      a.query_runs = std::stoi(next());
    } else if (arg == "--durable-only") {
      a.durable_only = true;
    } else {
      std::fprintf(stderr,
                   "usage: ingest_bench [--findings N] [--resources R] [--avg-bytes B] [--dir DIR] "
                   "[--all-cores] [--query-runs N] [--batch N] [--durable-only]\n");
      std::exit(2);
    }
  }
  return a;
}

void Report(const char* what, std::size_t n, std::size_t bytes, double secs) {
  std::printf("%-44s %10.0f findings/s %9.1f MB/s  (%zu findings, %.2f s)\n", what,
              static_cast<double>(n) / secs, static_cast<double>(bytes) / 1e6 / secs, n, secs);
}

// Counts findings without doing anything else: the reader's and parser's own cost.
class ParseOnly final : public sources::FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element, const sources::Location&) override { ++n; }
  void OnError(const sources::Location& where, const Status& error) override {
    std::fprintf(stderr, "%s: %s\n", where.ToString().c_str(), error.message().c_str());
  }
  std::size_t n = 0;
};

// Validation and core view, and optionally Security Hub normalization, without a store.
class DecodeOnly final : public sources::FindingVisitor {
 public:
  explicit DecodeOnly(bool normalize) : normalize_(normalize) {}
  void OnFinding(simdjson::dom::element e, const sources::Location& where) override {
    asff::Finding f;
    if (asff::DecodeFinding(e, f).ok()) {
      if (normalize_) bytes += asff::NormalizeNewFinding(e, f, 0, where.text).size();
      ++n;
    }
  }
  void OnError(const sources::Location&, const Status&) override {}
  std::size_t n = 0, bytes = 0;

 private:
  bool normalize_;
};

// Times the store's share of ingest, to show where the time goes.
class TimedStore final : public store::FindingStore {
 public:
  explicit TimedStore(store::FindingStore& inner) : inner_(inner) {}
  Status Import(std::span<const store::IncomingFinding> batch, asff::TimeMs now,
                std::vector<store::ImportOutcome>* outcomes) override {
    const auto start = Clock::now();
    const double cpu_start = ThreadCpuSeconds();
    Status s = inner_.Import(batch, now, outcomes);
    import_seconds += Seconds(start);
    import_cpu_seconds += ThreadCpuSeconds() - cpu_start;
    return s;
  }
  Status BatchUpdate(const asff::BatchUpdate& u, asff::TimeMs now,
                     store::BatchUpdateResult* r) override {
    return inner_.BatchUpdate(u, now, r);
  }
  Status Get(const asff::FindingIdentifier& id, store::StoredFinding* out) override {
    return inner_.Get(id, out);
  }
  Status Query(const store::QueryRequest& r, asff::TimeMs now, store::QueryPage* p) override {
    return inner_.Query(r, now, p);
  }
  Status FindingsForResource(std::string_view key,
                             std::vector<store::StoredFinding>* out) override {
    return inner_.FindingsForResource(key, out);
  }
  Status ResourceVersions(std::string_view key, std::vector<std::uint64_t>* out) override {
    return inner_.ResourceVersions(key, out);
  }
  Status GetVersion(std::uint64_t version, store::StoredFinding* out) override {
    return inner_.GetVersion(version, out);
  }
  Status RelatedResources(std::string_view key, std::vector<store::RelatedResource>* out) override {
    return inner_.RelatedResources(key, out);
  }
  Status LastVersion(std::uint64_t* v) override { return inner_.LastVersion(v); }
  Status ForEachVersionSince(
      std::uint64_t after,
      const std::function<Status(std::uint64_t, const store::StoredFinding&)>& visit) override {
    return inner_.ForEachVersionSince(after, visit);
  }
  Status ApplyRetention(asff::TimeMs now, store::RetentionResult* r) override {
    return inner_.ApplyRetention(now, r);
  }
  Status Stats(store::StoreStats* s) override { return inner_.Stats(s); }
  Status Compact() override { return inner_.Compact(); }
  Status Flush() override { return inner_.Flush(); }

  double import_seconds = 0;
  double import_cpu_seconds = 0;

 private:
  store::FindingStore& inner_;
};

// Accepts everything and stores nothing: the pipeline's own cost.
class NullStore final : public store::FindingStore {
 public:
  Status Import(std::span<const store::IncomingFinding> batch, asff::TimeMs,
                std::vector<store::ImportOutcome>* outcomes) override {
    outcomes->assign(batch.size(), {asff::ImportAction::kCreated});
    return Status::Ok();
  }
  Status BatchUpdate(const asff::BatchUpdate&, asff::TimeMs, store::BatchUpdateResult*) override {
    return Status::Ok();
  }
  Status Get(const asff::FindingIdentifier&, store::StoredFinding*) override {
    return Status::NotFound("");
  }
  Status Query(const store::QueryRequest&, asff::TimeMs, store::QueryPage*) override {
    return Status::Ok();
  }
  Status FindingsForResource(std::string_view, std::vector<store::StoredFinding>*) override {
    return Status::Ok();
  }
  Status ResourceVersions(std::string_view, std::vector<std::uint64_t>*) override {
    return Status::Ok();
  }
  Status GetVersion(std::uint64_t, store::StoredFinding*) override {
    return Status::NotFound("keeps nothing");
  }
  Status RelatedResources(std::string_view, std::vector<store::RelatedResource>*) override {
    return Status::Ok();
  }
  Status LastVersion(std::uint64_t* v) override {
    *v = 0;
    return Status::Ok();
  }
  Status ForEachVersionSince(
      std::uint64_t,
      const std::function<Status(std::uint64_t, const store::StoredFinding&)>&) override {
    return Status::Ok();
  }
  Status ApplyRetention(asff::TimeMs, store::RetentionResult*) override { return Status::Ok(); }
  Status Stats(store::StoreStats*) override { return Status::Ok(); }
  Status Compact() override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
};

struct Latency {
  double p50_ms, p99_ms, max_ms;
  std::size_t returned;
  std::uint64_t examined;
};

Latency TimeQuery(store::FindingStore& s, const std::string& filter_json,
                  const std::vector<filter::SortCriterion>& sort, int runs) {
  auto filter = filter::FindingFilter::ParseText(filter_json);
  if (!filter.ok()) {
    std::fprintf(stderr, "bad filter: %s\n", filter.status().message().c_str());
    std::exit(1);
  }
  std::vector<double> ms;
  Latency out{};
  for (int i = 0; i < runs; ++i) {
    store::QueryRequest r;
    r.filter = &*filter;
    r.sort = sort;
    r.max_results = 100;
    store::QueryPage page;
    const auto start = Clock::now();
    const Status st = s.Query(r, bench::CorpusGenerator::kBaseTime, &page);
    ms.push_back(Seconds(start) * 1000);
    if (!st.ok()) {
      std::fprintf(stderr, "query failed: %s\n", st.message().c_str());
      std::exit(1);
    }
    out.returned = page.findings.size();
    out.examined = page.examined;
  }
  std::sort(ms.begin(), ms.end());
  out.p50_ms = ms[ms.size() / 2];
  out.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  out.max_ms = ms.back();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  const Args args = ParseArgs(argc, argv);
  if (args.one_core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
  }
  std::printf("corpus: %zu findings over %zu resources, target %zu bytes each; %s\n", args.findings,
              args.resources, args.avg_bytes, args.one_core ? "pinned to one core" : "all cores");

  bench::CorpusGenerator gen({args.findings, args.resources, 1, args.avg_bytes});
  auto start = Clock::now();
  std::string corpus;
  corpus.reserve(args.findings * (args.avg_bytes + 200));
  for (std::size_t i = 0; i < args.findings; ++i) {
    gen.AppendFinding(i, corpus);
    corpus += '\n';
  }
  std::printf("generated %.1f MB (%.0f bytes/finding) in %.1f s\n\n",
              static_cast<double>(corpus.size()) / 1e6,
              static_cast<double>(corpus.size()) / static_cast<double>(args.findings),
              Seconds(start));

  if (!args.durable_only) {
    ParseOnly v;
    start = Clock::now();
    sources::ReadFindingsFromBuffer(corpus, "corpus", v);
    Report("read + parse (simdjson DOM)", v.n, corpus.size(), Seconds(start));
  }
  for (bool normalize : {false, true}) {
    if (args.durable_only) break;
    DecodeOnly v(normalize);
    start = Clock::now();
    sources::ReadFindingsFromBuffer(corpus, "corpus", v);
    Report(normalize ? "read + parse + validate + normalize" : "read + parse + validate", v.n,
           corpus.size(), Seconds(start));
  }

  if (!args.durable_only) {
    NullStore null_store;
    pipeline::PipelineOptions options;
    options.batch_size = args.batch;
    pipeline::IngestPipeline pipe(null_store, options);
    start = Clock::now();
    sources::ReadFindingsFromBuffer(corpus, "corpus", pipe);
    (void)pipe.Finish();
    Report("ingest pipeline into a store that keeps nothing", pipe.report().created, corpus.size(),
           Seconds(start));
  }

  std::filesystem::remove_all(args.dir);
  store::StoreOptions store_options;
  store_options.sync = std::getenv("BENCH_NO_SYNC") == nullptr;
  auto opened = store::OpenEmbeddedStore(args.dir, store_options);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().message().c_str());
    return 1;
  }
  auto store = std::move(opened).value();
  {
    pipeline::PipelineOptions options;
    options.batch_size = args.batch;
    options.clock = [] { return bench::CorpusGenerator::kBaseTime; };
    TimedStore timed(*store);
    pipeline::IngestPipeline pipe(timed, options);
    start = Clock::now();
    sources::ReadFindingsFromBuffer(corpus, "corpus", pipe);
    Status s = pipe.Finish();
    const auto index_start = Clock::now();
    if (s.ok()) s = store->Flush();  // the indexes are part of the work: count them
    const double index_secs = Seconds(index_start);
    const double secs = Seconds(start);

    if (!s.ok() || pipe.report().failed != 0) {
      std::fprintf(stderr, "ingest failed: %s (%llu rejected)\n", s.message().c_str(),
                   static_cast<unsigned long long>(pipe.report().failed));
      return 1;
    }
    const std::string label =
        "durable ingest (fsync per " + std::to_string(args.batch) + "), new findings";
    Report(label.c_str(), pipe.report().created, corpus.size(), secs);
    std::printf(
        "  of which %.2f s in FindingStore::Import (%.2f s of it on the CPU), %.2f s writing the "
        "last index entries\n",
        timed.import_seconds, timed.import_cpu_seconds, index_secs);
  }
  if (args.durable_only) {
    store.reset();
    std::filesystem::remove_all(args.dir);
    return 0;
  }
  {
    const std::size_t n = std::max<std::size_t>(1, args.findings / 10);
    std::string updates;
    for (std::size_t i = 0; i < n; ++i) {
      gen.AppendUpdate(i * 7 % args.findings, 1, updates);
      updates += '\n';
    }
    pipeline::PipelineOptions options;
    options.clock = [] { return bench::CorpusGenerator::kBaseTime; };
    pipeline::IngestPipeline pipe(*store, options);
    start = Clock::now();
    sources::ReadFindingsFromBuffer(updates, "updates", pipe);
    (void)pipe.Finish();
    (void)store->Flush();
    Report("durable re-import (provider updates)", pipe.report().updated + pipe.report().stale,
           updates.size(), Seconds(start));
  }
  const auto ingested_bytes = static_cast<double>(DirectoryBytes(args.dir));
  std::printf(
      "\nstore on disk after ingest: %.1f MB = %.0f bytes/finding (input %.0f bytes/finding)\n",
      ingested_bytes / 1e6, ingested_bytes / static_cast<double>(args.findings),
      static_cast<double>(corpus.size()) / static_cast<double>(args.findings));
  corpus.clear();
  corpus.shrink_to_fit();
  start = Clock::now();
  (void)store->Compact();
  const double compact_secs = Seconds(start);
  const auto compacted_bytes = static_cast<double>(DirectoryBytes(args.dir));
  std::printf("after full compaction (%.1f s):  %.1f MB = %.0f bytes/finding\n\n", compact_secs,
              compacted_bytes / 1e6, compacted_bytes / static_cast<double>(args.findings));

  struct Shape {
    const char* name;
    std::string filter;
    std::vector<filter::SortCriterion> sort;
  };
  const std::vector<Shape> shapes = {
      {"no filter, newest first", "{}", {}},
      {"3 fields: Inspector, CRITICAL, ACTIVE",
       R"({"ProductName":[{"Value":"Inspector","Comparison":"EQUALS"}],
           "SeverityLabel":[{"Value":"CRITICAL","Comparison":"EQUALS"}],
           "RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}]})",
       {}},
      {"3 fields: GuardDuty, HIGH|CRITICAL, NEW",
       R"({"ProductName":[{"Value":"GuardDuty","Comparison":"EQUALS"}],
           "SeverityLabel":[{"Value":"HIGH","Comparison":"EQUALS"},{"Value":"CRITICAL","Comparison":"EQUALS"}],
           "WorkflowStatus":[{"Value":"NEW","Comparison":"EQUALS"}]})",
       {}},
      {"3 fields incl. unindexed Type PREFIX",
       R"({"ResourceType":[{"Value":"AwsS3Bucket","Comparison":"EQUALS"}],
           "Type":[{"Value":"Sensitive Data Identifications","Comparison":"PREFIX"}],
           "RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}]})",
       {}},
      {"1 field, sorted by SeverityNormalized",
       R"({"ProductName":[{"Value":"Macie","Comparison":"EQUALS"}]})",
       {{"SeverityNormalized", false}}},
  };
  std::printf("GetFindings, first page of 100 (%d runs each):\n", args.query_runs);
  for (const auto& shape : shapes) {
    const Latency l = TimeQuery(*store, shape.filter, shape.sort, args.query_runs);
    std::printf("  %-42s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%zu returned, %llu examined)\n",
                shape.name, l.p50_ms, l.p99_ms, l.max_ms, l.returned,
                static_cast<unsigned long long>(l.examined));
  }
  store.reset();
  std::filesystem::remove_all(args.dir);
  return 0;
}
