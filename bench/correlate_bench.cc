// Correlation benchmark: durable ingest of a generated corpus with and without correlation (the 3
// built-in rules plus N generated user rules), printing findings/s and the cost per finding in
// stretches of the store's growth (to 10k, 100k, 1M findings), so that a cost growing with the
// number of stored findings shows.
//
//   correlate_bench [--findings N] [--resources R] [--user-rules N] [--dir DIR] [--batch N]
//                   [--all-cores] [--correlation-only] [--probe N]
//
// The corpus's resources are fixed, so as the store grows each one collects more evidence and more
// incidents form: the stretches' cost mixes the store's size with the workload's density. --probe
// separates them: for each stretch's end it fills a fresh store with the corpus up to there (with
// correlation), then ingests one and the same probe batch (N findings over N/10 resources of its
// own) and prints that batch's cost alone, so only the number of stored findings differs.
//
// Pinned to one core by default, as the ingest goal is stated per core. Figures are recorded in
// docs/performance.md.
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "corpus.h"
#include "correlate/builtin_rules.h"
#include "correlate/rules.h"
#include "pipeline/correlation.h"
#include "pipeline/pipeline.h"
#include "sources/sources.h"
#include "store/store.h"

namespace {

using namespace corroborate;
using Clock = std::chrono::steady_clock;

struct Args {
  std::size_t findings = 1'000'000;
  std::size_t resources = 100'000;
  std::size_t user_rules = 20;
  std::size_t batch = 1000;
  std::string dir = "/tmp/corroborate-correlate-bench";
  bool one_core = true;
  bool correlation_only = false;  // skip the run without correlation (for profiling)
  std::size_t probe = 0;          // findings per probe batch; 0: no probes
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--findings") {
      a.findings = std::stoul(value());
    } else if (arg == "--resources") {
      a.resources = std::stoul(value());
    } else if (arg == "--user-rules") {
      a.user_rules = std::stoul(value());
    } else if (arg == "--batch") {
      a.batch = std::stoul(value());
    } else if (arg == "--dir") {
      a.dir = value();
    } else if (arg == "--all-cores") {
      a.one_core = false;
    } else if (arg == "--correlation-only") {
      a.correlation_only = true;
    } else if (arg == "--probe") {
      a.probe = std::stoul(value());
      if (a.probe == 0) {
        std::fprintf(stderr, "--probe needs a positive number of findings\n");
        std::exit(2);
      }
    } else {
      std::fprintf(stderr,
                   "usage: correlate_bench [--findings N] [--resources R] [--user-rules N] "
                   "[--dir DIR] [--batch N] [--all-cores] [--correlation-only] [--probe N]\n");
      std::exit(2);
    }
  }
  return a;
}

// User rules in the shapes people write: pairs and triples of products on one resource, distinct
// counts, sub-windows, related security groups, each a little different so none is a duplicate.
std::string UserRules(std::size_t count) {
  static const char* const kShapes[] = {
      R"(resource_type: AwsEc2Instance
conditions:
  guardduty: {filter: {ProductName: GuardDuty, SeverityLabel: [HIGH, CRITICAL]}}
  vulns: {filter: {ProductName: Inspector, SeverityLabel: [HIGH, CRITICAL]}, distinct: "Vulnerabilities[].Id", at_least: %d})",
      R"(resource_type: AwsS3Bucket
conditions:
  macie: {filter: {ProductName: Macie}}
  public: {filter: {ComplianceStatus: FAILED, ComplianceSecurityControlId: [S3.1, S3.2, S3.8]}, at_least: %d})",
      R"(resource_type: AwsEc2Instance
conditions:
  recon: {filter: {ProductName: GuardDuty, Type: {prefix: "TTPs/Discovery"}}, within: 24h}
  open_group: {on_related: AwsEc2SecurityGroup, filter: {ComplianceStatus: FAILED}, at_least: %d})",
      R"(resource_type: AwsEc2Instance
conditions:
  failed_controls: {filter: {ComplianceStatus: FAILED, SeverityLabel: [HIGH, CRITICAL]}, at_least: %d}
  anything_guardduty: {filter: {ProductName: GuardDuty}})",
  };
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    char body[1024];
    std::snprintf(body, sizeof body, kShapes[i % 4], static_cast<int>(2 + i % 3));
    out += "---\nid: user-rule-" + std::to_string(i) + "\ntitle: \"User rule " + std::to_string(i) +
           " on {resource}\"\nwindow: " + std::to_string(7 + i) + "d\n" + body + "\n";
  }
  return out;
}

struct Stretch {
  std::size_t end;  // findings stored at its end
  double seconds;
};

// An empty embedded store in `dir`; null (with the reason on stderr) when it cannot be opened.
std::unique_ptr<store::FindingStore> FreshStore(const std::string& dir) {
  std::filesystem::remove_all(dir);
  auto opened = store::OpenEmbeddedStore(dir, {});
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().message().c_str());
    return nullptr;
  }
  return std::move(opened).value();
}

// The pipeline as every run here uses it: the corpus's fixed "now", with `stage` when correlating.
pipeline::PipelineOptions BenchOptions(const Args& args, pipeline::CorrelationStage* stage) {
  pipeline::PipelineOptions options;
  options.batch_size = args.batch;
  options.clock = [] { return bench::CorpusGenerator::kBaseTime; };
  options.correlation = stage;
  return options;
}

// Whether the pipeline rejected any finding (the corpus's are all valid: that would be a bug).
bool Rejected(const pipeline::IngestPipeline& pipe) {
  if (pipe.report().failed == 0) return false;
  std::fprintf(stderr, "%llu findings rejected\n",
               static_cast<unsigned long long>(pipe.report().failed));
  return true;
}

// The probe batch: N findings over N/10 resources of their own (another seed, and bucket and thing
// names far from the corpus's), the same for every store it meets.
std::size_t ProbeResources(std::size_t findings) {
  return std::max<std::size_t>(findings / 10, 4);
}

std::string ProbeCorpus(std::size_t findings) {
  bench::CorpusOptions o;
  o.findings = findings;
  o.resources = ProbeResources(findings);
  o.seed = 1000;
  o.name_offset = 1'000'000;
  bench::CorpusGenerator gen(o);
  std::string out;
  for (std::size_t i = 0; i < findings; ++i) {
    gen.AppendFinding(i, out);
    out += '\n';
  }
  return out;
}

double Micros(double seconds, std::size_t n) {
  return seconds * 1e6 / static_cast<double>(n);
}

void PrintCorrelationWork(const pipeline::CorrelationReport& r,
                          const pipeline::CorrelationReport& before, std::size_t count) {
  const auto n = static_cast<double>(count);
  std::printf(
      "    per finding: %.2f groups evaluated, %.1f findings read, %.4f incidents changed;"
      " noting %.1f us, evaluating %.1f us, storing incidents %.1f us\n",
      static_cast<double>(r.groups_evaluated - before.groups_evaluated) / n,
      static_cast<double>(r.findings_read - before.findings_read) / n,
      static_cast<double>(r.created + r.updated + r.archived - before.created - before.updated -
                          before.archived) /
          n,
      Micros(r.touch_seconds - before.touch_seconds, count),
      Micros(r.evaluate_seconds - before.evaluate_seconds, count),
      Micros(r.store_seconds - before.store_seconds, count));
}

// Out of line, so that a profile tells the probe's samples from the fill's.
[[gnu::noinline]] void IngestProbe(std::string_view probe, pipeline::IngestPipeline& pipe) {
  sources::ReadFindingsFromBuffer(probe, "probe", pipe);
}

// For each fill level: a fresh store filled with the corpus's first `fill` findings (correlated,
// then finished: deferred groups drained, active incidents swept; then compacted), then the probe,
// timed alone.
// The probe's batches are full ones, so no Finish (whose sweep re-evaluates every active incident
// in the store) falls inside the timing.
int RunProbes(const Args& args, const correlate::RuleSet& rules, std::string_view corpus,
              const std::vector<std::size_t>& offsets, const std::vector<std::size_t>& ends) {
  const std::string probe = ProbeCorpus(args.probe);
  std::printf(
      "\nthe same probe of %zu findings over %zu resources of its own, after filling a "
      "fresh store:\n",
      args.probe, ProbeResources(args.probe));
  for (std::size_t fill : ends) {
    auto store = FreshStore(args.dir);
    if (store == nullptr) return 1;
    pipeline::CorrelationStage stage(*store, rules.rules);
    if (!stage.Start().ok()) return 1;
    pipeline::IngestPipeline pipe(*store, BenchOptions(args, &stage));
    sources::ReadFindingsFromBuffer(corpus.substr(0, offsets[fill]), "corpus", pipe);
    if (!pipe.Finish().ok()) return 1;
    // The fill's compactions would otherwise still run on the one core during the probe, and its
    // time would show the fill's write debt, which the stretches above already pay for.
    if (Status s = store->Compact(); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
    const pipeline::CorrelationReport before = stage.report();
    const auto start = Clock::now();
    IngestProbe(probe, pipe);
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const pipeline::CorrelationReport after = stage.report();
    if (!pipe.Finish().ok()) return 1;
    std::printf("  %8zu findings stored: %.1f us/finding\n", fill, Micros(secs, args.probe));
    PrintCorrelationWork(after, before, args.probe);
    if (Rejected(pipe)) return 1;
  }
  std::filesystem::remove_all(args.dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const Args args = ParseArgs(argc, argv);
  if (args.one_core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
  }
  correlate::RuleSet rules;
  for (const auto& f : correlate::BuiltinRuleFiles()) correlate::LoadRules(f.text, f.name, rules);
  const std::size_t builtin = rules.rules.size();
  correlate::LoadRules(UserRules(args.user_rules), "user-rules.yaml", rules);
  if (!rules.errors.empty()) {
    for (const auto& e : rules.errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    return 1;
  }
  std::printf("corpus: %zu findings over %zu resources; %zu rules (%zu built-in); %s\n",
              args.findings, args.resources, rules.rules.size(), builtin,
              args.one_core ? "pinned to one core" : "all cores");

  bench::CorpusGenerator gen({args.findings, args.resources, 1, 3000});
  std::string corpus;
  std::vector<std::size_t> offsets;  // where finding i starts
  offsets.reserve(args.findings + 1);
  for (std::size_t i = 0; i < args.findings; ++i) {
    offsets.push_back(corpus.size());
    gen.AppendFinding(i, corpus);
    corpus += '\n';
  }
  offsets.push_back(corpus.size());
  std::vector<std::size_t> ends;
  for (std::size_t n = 10'000; n < args.findings; n *= 10) ends.push_back(n);
  ends.push_back(args.findings);

  if (args.probe > 0) return RunProbes(args, rules, corpus, offsets, ends);

  double baseline_total = 0;
  std::vector<Stretch> baseline;
  for (bool correlate_on : {false, true}) {
    if (!correlate_on && args.correlation_only) continue;
    auto store = FreshStore(args.dir);
    if (store == nullptr) return 1;
    pipeline::CorrelationStage stage(*store, rules.rules);
    if (correlate_on && !stage.Start().ok()) return 1;
    pipeline::IngestPipeline pipe(*store, BenchOptions(args, correlate_on ? &stage : nullptr));
    std::printf("\n%s:\n", correlate_on ? "durable ingest with correlation" : "durable ingest");
    std::size_t begin = 0;
    double total = 0;
    pipeline::CorrelationReport before;
    for (std::size_t k = 0; k < ends.size(); ++k) {
      const std::size_t end = ends[k];
      const auto start = Clock::now();
      const std::string_view slice(corpus.data() + offsets[begin], offsets[end] - offsets[begin]);
      sources::ReadFindingsFromBuffer(slice, "corpus", pipe);
      if (end == args.findings && !pipe.Finish().ok()) return 1;
      const double secs = std::chrono::duration<double>(Clock::now() - start).count();
      total += secs;
      const double per = secs * 1e6 / static_cast<double>(end - begin);
      std::printf("  findings %8zu..%-8zu %8.1f us/finding %9.0f findings/s", begin, end, per,
                  static_cast<double>(end - begin) / secs);
      if (correlate_on && !args.correlation_only) {
        std::printf("  (correlation adds %.1f us/finding)",
                    per - baseline[k].seconds * 1e6 / static_cast<double>(end - begin));
      } else {
        baseline.push_back({end, secs});
      }
      std::printf("\n");
      if (correlate_on) {
        // What the stretch's correlation did, per finding: how much it read, what it changed,
        // and where its time went, so that a cost growing with the store shows its cause.
        const pipeline::CorrelationReport r = stage.report();
        PrintCorrelationWork(r, before, end - begin);
        before = r;
      }
      begin = end;
    }
    std::printf("  overall %.0f findings/s (%.1f s)\n", static_cast<double>(args.findings) / total,
                total);
    if (correlate_on) {
      const auto r = stage.report();
      std::printf(
          "  groups evaluated %llu (%llu more ruled out by their counts), incidents created %llu, "
          "updated %llu, withdrawn %llu\n",
          static_cast<unsigned long long>(r.groups_evaluated),
          static_cast<unsigned long long>(r.groups_ruled_out),
          static_cast<unsigned long long>(r.created), static_cast<unsigned long long>(r.updated),
          static_cast<unsigned long long>(r.archived));
      if (!args.correlation_only) {
        std::printf("  with correlation, ingest runs at %.0f%% of the rate without\n",
                    100.0 * baseline_total / total);
      }
    } else {
      baseline_total = total;
    }
    if (Rejected(pipe)) return 1;
  }
  std::filesystem::remove_all(args.dir);
  return 0;
}
