#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/aws_sink.h"
#include "cli/commands.h"
#include "pipeline/correlation.h"
#include "pipeline/pipeline.h"
#include "sources/sources.h"

namespace corroborate::cli {
namespace {

namespace fs = std::filesystem;

// A one-line progress display on a terminal: bytes, percentage, findings/s.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled), start_(Clock::now()) {}

  void Update(const std::string& name, std::uint64_t bytes, std::uint64_t total,
              std::uint64_t findings) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(findings) / secs : 0;
    if (total > 0) {
      std::fprintf(stderr, "\r\033[K%s: %.1f / %.1f MB (%.0f%%), %llu findings, %.0f findings/s",
                   name.c_str(), static_cast<double>(bytes) / 1e6, static_cast<double>(total) / 1e6,
                   100.0 * static_cast<double>(bytes) / static_cast<double>(total),
                   static_cast<unsigned long long>(findings), rate);
    } else {
      std::fprintf(stderr, "\r\033[K%s: %.1f MB, %llu findings, %.0f findings/s", name.c_str(),
                   static_cast<double>(bytes) / 1e6, static_cast<unsigned long long>(findings),
                   rate);
    }
    shown_ = true;
  }
  void Done() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool shown_ = false;
  Clock::time_point start_;
  Clock::time_point last_{};
};

}  // namespace

void RegisterIngest(CLI::App& app, GlobalOptions& global, int* exit_code) {
  struct Args {
    std::vector<std::string> paths;
    bool recursive = false;
    bool quiet = false;
    std::size_t batch_size = 1000;
    std::size_t max_errors_shown = 100;
    RuleOptions rules;
    AwsOptions aws;  // --sink securityhub (issue 6)
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "ingest",
      "Store ASFF findings from files, directories or stdin.\n"
      "Accepts NDJSON, JSON arrays, `aws securityhub get-findings` output ({\"Findings\": "
      "[...]}),\n"
      "EventBridge 'Security Hub Findings - Imported' events and SNS/Lambda envelopes, detected\n"
      "per document. Findings are validated as Security Hub's BatchImportFindings does; invalid "
      "ones\n"
      "are reported with file:line and the field at fault, the valid ones are stored.\n"
      "Each stored batch is correlated: the rules run on the resources it touched, and the\n"
      "incidents they create, update or withdraw are stored as findings and printed.\n"
      "With --sink securityhub, what is stored (incidents included) is also queued in the\n"
      "store's outbox with each batch and pushed to AWS Security Hub at the end (docs/aws.md).\n"
      "Exit status: 0 all stored, 1 some rejected (or a rule refused, or the push did not\n"
      "complete), 2 usage error,\n"
      "3 store or file error.");
  cmd->add_option("paths", args->paths, "Files or directories to read; - for stdin")->required();
  cmd->add_flag("-r,--recursive", args->recursive, "Descend into subdirectories");
  cmd->add_flag("-q,--quiet", args->quiet, "Print only errors");
  cmd->add_option("--batch-size", args->batch_size,
                  "Findings per durable write (a crash loses no acknowledged batch)")
      ->default_val(1000)
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--max-errors-shown", args->max_errors_shown,
                  "Print at most this many rejected findings (all are counted)")
      ->default_val(100);
  AddRuleOptions(cmd, args->rules);
  AddAwsOptions(cmd, args->aws, /*sink_flag=*/true);
  cmd->callback([args, &global, exit_code] {
    auto files = ExpandPaths(args->paths, args->recursive);
    if (!files.ok()) {
      PrintError(files.status().message());
      *exit_code = kExitFatal;
      return;
    }
    correlate::RuleSet rules;
    if (!LoadRulesOrReport(args->rules, &rules, exit_code)) return;
    auto opened = OpenStoreOrReport(global, exit_code);
    if (!opened) return;
    // With a sink, every write (findings and incidents) goes through the outbox first.
    std::unique_ptr<SecurityHubPusher> pusher;
    std::unique_ptr<sinks::OutboxStore> outbox_store;
    store::FindingStore* store = opened.get();
    if (args->aws.sink == "securityhub") {
      auto created = SecurityHubPusher::Create(*opened, args->aws, /*dry_run=*/false);
      if (!created.ok()) {
        PrintError("--sink securityhub: " + created.status().message());
        *exit_code = kExitFatal;
        return;
      }
      pusher = std::move(created).value();
      outbox_store = std::make_unique<sinks::OutboxStore>(*opened, pusher->outbox());
      store = outbox_store.get();
    }
    std::vector<correlate::CorrelatedChange> incidents;
    std::unique_ptr<pipeline::CorrelationStage> correlation;
    if (!rules.rules.empty()) {
      correlation = std::make_unique<pipeline::CorrelationStage>(
          *store, rules.rules,
          [&](const correlate::CorrelatedChange& c) { incidents.push_back(c); });
      if (Status s = correlation->Start(); !s.ok()) {
        PrintError(s.message());
        *exit_code = kExitFatal;
        return;
      }
    }
    std::uint64_t errors_shown = 0;
    Progress progress(!args->quiet && isatty(STDERR_FILENO) != 0);
    pipeline::PipelineOptions options;
    options.batch_size = args->batch_size;
    options.correlation = correlation.get();
    options.clock = [&global] { return Now(global); };
    options.on_failure = [&](const pipeline::FailedFinding& f) {
      if (errors_shown++ >= args->max_errors_shown) return;
      progress.Done();
      const std::string who = f.id.empty() ? "" : "finding " + f.id + ": ";
      std::fprintf(stderr, "%s: %s%s: %s\n", f.location.c_str(), who.c_str(), f.error_code.c_str(),
                   f.error_message.c_str());
    };
    pipeline::IngestPipeline pipe(*store, options);
    bool read_failed = false;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& file : *files) {
      sources::ReadOptions read_options;
      std::uint64_t size = 0;
      if (file != "-") {
        std::error_code ec;
        size = fs::file_size(file, ec);
        if (ec) size = 0;
      }
      read_options.on_progress = [&](std::uint64_t bytes) {
        progress.Update(file, bytes, size, pipe.report().received);
      };
      const Status s = file == "-"
                           ? sources::ReadFindingsFromFd(STDIN_FILENO, "-", pipe, read_options)
                           : sources::ReadFindingsFromFile(file, pipe, read_options);
      if (!s.ok()) {
        progress.Done();
        PrintError(s.message());
        read_failed = true;
      }
    }
    const Status finished = pipe.Finish();
    progress.Done();
    const auto& r = pipe.report();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (errors_shown > args->max_errors_shown) {
      std::fprintf(stderr, "... and %llu more rejected findings\n",
                   static_cast<unsigned long long>(errors_shown - args->max_errors_shown));
    }
    if (!args->quiet || r.failed > 0 || !finished.ok()) {
      std::fprintf(stdout,
                   "ingested %zu file(s): %llu findings read, %llu created, %llu updated, "
                   "%llu unchanged (not newer than stored), %llu rejected (%.2f s)\n",
                   files->size(), static_cast<unsigned long long>(r.received),
                   static_cast<unsigned long long>(r.created),
                   static_cast<unsigned long long>(r.updated),
                   static_cast<unsigned long long>(r.stale),
                   static_cast<unsigned long long>(r.failed), secs);
    }
    if (correlation && (!args->quiet || !finished.ok())) {
      const auto c = correlation->report();
      std::fprintf(stdout,
                   "correlated with %zu rule(s): %llu incident(s) created, %llu updated, "
                   "%llu withdrawn\n",
                   rules.rules.size(), static_cast<unsigned long long>(c.created),
                   static_cast<unsigned long long>(c.updated),
                   static_cast<unsigned long long>(c.archived));
    }
    if (!args->quiet) {
      for (const auto& incident : incidents) {
        std::fprintf(stdout, "\n");
        PrintIncident(stdout, incident);
      }
    }
    bool push_failed = false;
    if (pusher && finished.ok()) {
      sinks::DrainReport pushed;
      const Status s = pusher->Drain(&pushed);
      if (!args->quiet || !s.ok() || pushed.dead_lettered > 0) {
        PrintDrainReport(stdout, pushed, pusher->endpoint(), false);
      }
      if (!s.ok()) {
        PrintError("--sink securityhub: " + s.message() +
                   "; the findings are stored and stay in the outbox: `corroborate push` sends "
                   "them");
      }
      push_failed = !s.ok() || pushed.dead_lettered > 0;
    }
    if (!finished.ok()) {
      PrintError(finished.message());
      *exit_code = kExitFatal;
    } else if (push_failed) {
      *exit_code = kExitPartial;
    } else if (read_failed) {
      *exit_code = kExitFatal;
    } else {
      *exit_code = r.failed > 0 || !rules.errors.empty() ? kExitPartial : kExitOk;
    }
  });
}

}  // namespace corroborate::cli
