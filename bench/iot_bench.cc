// IoT Device Defender benchmark: converts and stores generated audits through the IotImporter
// (the path `corroborate iot import-audit` takes), and prints findings/s and seconds for
//   1. conversion alone (AuditFinding -> ASFF, validated and normalized, no store);
//   2. the first audit into an empty embedded store (every finding created, durably);
//   3. the next audit: most findings reported again (updates that keep CreatedAt) and the rest
//      archived as resolved by the resolution pass.
//
//   iot_bench [--findings N] [--resolved-percent P] [--dir DIR] [--batch N] [--all-cores]
//
// Pages hold 250 findings, ListAuditFindings' maximum, and are read one at a time through the
// sources reader, so memory is one page plus one batch whatever N is. Pinned to one core unless
// --all-cores (as ingest_bench; RocksDB's background threads included). Figures are recorded in
// docs/performance.md.
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "asff/finding.h"
#include "asff/import.h"
#include "iot/iot.h"
#include "measure.h"
#include "pipeline/iot_import.h"
#include "sources/sources.h"
#include "store/store.h"

namespace {

using namespace corroborate;
using bench::DirectoryBytes;
using bench::PeakRssMb;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Args {
  std::size_t findings = 1'000'000;
  std::size_t resolved_percent = 10;
  std::string dir = "/tmp/corroborate-iot-bench";
  std::size_t batch = 1000;
  bool one_core = true;
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
    } else if (arg == "--resolved-percent") {
      a.resolved_percent = std::stoull(next());
    } else if (arg == "--dir") {
      a.dir = next();
    } else if (arg == "--batch") {
      a.batch = std::stoull(next());
    } else if (arg == "--all-cores") {
      a.one_core = false;
    } else {
      std::fprintf(stderr,
                   "usage: iot_bench [--findings N] [--resolved-percent P] [--dir DIR] [--batch N] "
                   "[--all-cores]\n");
      std::exit(2);
    }
  }
  return a;
}

constexpr std::int64_t kFirstAudit = 1795334400;  // 2026-11-22T08:00:00Z
constexpr std::int64_t kDay = 86400;
constexpr std::size_t kPage = 250;

// The checks of the generated fleet, with the share of findings each has.
struct CheckMix {
  const char* name;
  const char* severity;
  int percent;
};
constexpr CheckMix kChecks[] = {
    {"DEVICE_CERTIFICATE_EXPIRING_CHECK", "MEDIUM", 40},
    {"DEVICE_CERTIFICATE_AGE_CHECK", "LOW", 20},
    {"DEVICE_CERTIFICATE_SHARED_CHECK", "CRITICAL", 10},
    {"REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK", "MEDIUM", 10},
    {"CONFLICTING_CLIENT_IDS_CHECK", "HIGH", 10},
    {"IOT_POLICY_OVERLY_PERMISSIVE_CHECK", "CRITICAL", 10},
};

const CheckMix& CheckOf(std::size_t i) {
  const int slot = static_cast<int>(i % 100);
  int upto = 0;
  for (const CheckMix& c : kChecks) {
    upto += c.percent;
    if (slot < upto) return c;
  }
  return kChecks[0];
}

std::string Hex64(std::size_t i) {
  char buf[65];
  for (std::size_t k = 0; k < 4; ++k) {
    std::snprintf(buf + 16 * k, 17, "%016llx",
                  static_cast<unsigned long long>((i + 1) * 0x9E3779B97F4A7C15ULL * (k + 1)));
  }
  return std::string(buf, 64);
}

// Appends AuditFinding `i` of the audit starting at `start`.
void AppendFinding(std::string& out, std::size_t i, const std::string& task, std::int64_t start) {
  const CheckMix& check = CheckOf(i);
  const std::string name = check.name;
  out += R"({"findingId":")" + task + "-" + std::to_string(i) + R"(","taskId":")" + task +
         R"(","checkName":")" + name + R"(","taskStartTime":)" + std::to_string(start) +
         R"(,"findingTime":)" + std::to_string(start + 60 + static_cast<std::int64_t>(i % 3000)) +
         R"(,"severity":")" + check.severity + R"(","nonCompliantResource":)";
  if (name == "IOT_POLICY_OVERLY_PERMISSIVE_CHECK") {
    out += R"({"resourceType":"IOT_POLICY","resourceIdentifier":{"policyVersionIdentifier":)"
           R"({"policyName":"FleetPolicy-)" +
           std::to_string(i) + R"(","policyVersionId":"3"}}})";
  } else if (name == "CONFLICTING_CLIENT_IDS_CHECK") {
    out += R"({"resourceType":"CLIENT_ID","resourceIdentifier":{"clientId":"device-)" +
           std::to_string(i) +
           R"("}},"relatedResources":[{"resourceType":"DEVICE_CERTIFICATE","resourceIdentifier":)"
           R"({"deviceCertificateId":")" +
           Hex64(i) +
           R"("}},{"resourceType":"DEVICE_CERTIFICATE","resourceIdentifier":)"
           R"({"deviceCertificateId":")" +
           Hex64(i + 7) + R"("}}])";
  } else {
    out += R"({"resourceType":"DEVICE_CERTIFICATE","resourceIdentifier":{"deviceCertificateId":")" +
           Hex64(i) + R"("},"additionalInfo":{"EXPIRATION_TIME":"1796000000"}})";
    if (name == "DEVICE_CERTIFICATE_SHARED_CHECK") {
      out += R"(,"relatedResources":[{"resourceType":"CLIENT_ID","resourceIdentifier":)"
             R"({"clientId":"device-)" +
             std::to_string(i) +
             R"("},"additionalInfo":{"CONNECTION_TIME":"1795300000"}},{"resourceType":"CLIENT_ID",)"
             R"("resourceIdentifier":{"clientId":"device-)" +
             std::to_string(i + 1) + R"("}}])";
    }
  }
  out += R"(,"reasonForNonCompliance":"Generated non-compliance reason for the benchmark",)"
         R"("reasonForNonComplianceCode":"GENERATED","isSuppressed":false})";
}

std::string Notice(const std::string& task, std::int64_t start, std::size_t findings,
                   const std::function<bool(std::size_t)>& reported) {
  std::string details;
  for (const CheckMix& c : kChecks) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < findings; ++i) n += (&CheckOf(i) == &c && reported(i)) ? 1 : 0;
    if (!details.empty()) details += ",";
    details += R"({"checkName":")" + std::string(c.name) +
               R"(","checkRunStatus":"COMPLETED_NON_COMPLIANT","nonCompliantResourcesCount":)" +
               std::to_string(n) + R"(,"suppressedNonCompliantResourcesCount":0})";
  }
  return R"({"accountId":"111122223333","taskId":")" + task +
         R"(","taskStatus":"COMPLETED","taskType":"SCHEDULED_AUDIT_TASK",)"
         R"("scheduledAuditName":"Bench","taskStartTime":)" +
         std::to_string(start) + R"(,"auditDetails":[)" + details + "]}";
}

struct Totals {
  std::size_t findings = 0;
  std::size_t bytes = 0;
};

// Feeds one audit, page by page, to `visitor`.
Totals FeedAudit(sources::FindingVisitor& visitor, std::size_t findings, const std::string& task,
                 std::int64_t start, const std::function<bool(std::size_t)>& reported) {
  sources::ReadOptions read;
  read.streamed_array_key = "findings";
  Totals t;
  std::string page;
  std::size_t in_page = 0;
  auto flush = [&] {
    page += "]}";
    t.bytes += page.size();
    sources::ReadFindingsFromBuffer(page, "page", visitor, read);
    page.clear();
    in_page = 0;
  };
  for (std::size_t i = 0; i < findings; ++i) {
    if (!reported(i)) continue;
    page += in_page == 0 ? R"({"findings":[)" : ",";
    AppendFinding(page, i, task, start);
    ++t.findings;
    if (++in_page == kPage) flush();
  }
  if (in_page > 0) flush();
  return t;
}

// Conversion, validation and normalization of every AuditFinding, without a store.
class ConvertOnly final : public sources::FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element item, const sources::Location&) override {
    auto f = iot::ParseAuditFinding(item, {{"aws", "eu-west-1", "111122223333"}, "", ""}, {});
    if (!f.ok()) {
      ++failed;
      return;
    }
    const std::string json = iot::ToAsff(*f, std::nullopt);
    simdjson::dom::element root;
    asff::Finding core;
    if (parser_.parse(json).get(root) != simdjson::SUCCESS ||
        !asff::DecodeFinding(root, core).ok()) {
      ++failed;
      return;
    }
    bytes += asff::NormalizeNewFinding(root, core, 0).size();
    ++n;
  }
  void OnError(const sources::Location& where, const Status& error) override {
    std::fprintf(stderr, "%s: %s\n", where.ToString().c_str(), error.message().c_str());
    ++failed;
  }
  std::size_t n = 0, failed = 0, bytes = 0;

 private:
  simdjson::dom::parser parser_;
};

void Report(const char* what, std::size_t n, double secs) {
  std::printf("%-58s %9.0f findings/s  %8.2f s  (%zu findings)\n", what,
              static_cast<double>(n) / secs, secs, n);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  if (args.one_core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
  }
  std::printf("audit of %zu findings in pages of %zu, %zu%% resolved by the next audit; %s\n",
              args.findings, kPage, args.resolved_percent,
              args.one_core ? "pinned to one core" : "all cores");
  const auto everything = [](std::size_t) { return true; };
  const std::size_t resolved = args.resolved_percent;
  // Spread over the checks: every finding whose index falls in the resolved share of 100.
  const auto still_reported = [resolved](std::size_t i) { return (i / 100) % 100 >= resolved; };

  {
    ConvertOnly convert;
    const auto start = Clock::now();
    FeedAudit(convert, args.findings, "task-1", kFirstAudit, everything);
    Report("convert + validate + normalize (no store)", convert.n, Seconds(start));
    if (convert.failed > 0)
      std::fprintf(stderr, "%zu findings failed to convert\n", convert.failed);
  }

  std::filesystem::remove_all(args.dir);
  std::filesystem::create_directories(args.dir);
  auto opened = store::OpenEmbeddedStore(args.dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 3;
  }
  std::unique_ptr<store::FindingStore> store = std::move(opened).value();
  std::size_t failures = 0;
  auto run_audit = [&](const char* what, const std::string& task, std::int64_t start,
                       const std::function<bool(std::size_t)>& reported) {
    pipeline::IotImportOptions options;
    options.batch_size = args.batch;
    options.on_failure = [&](const pipeline::IotFailure& f) {
      if (failures++ < 10) {
        std::fprintf(stderr, "%s: %s: %s\n", f.location.c_str(), f.error_code.c_str(),
                     f.error_message.c_str());
      }
    };
    options.iot.defaults = {"aws", "eu-west-1", "111122223333"};
    const auto began = Clock::now();
    pipeline::IotImporter importer(*store, options);
    sources::ReadFindingsFromBuffer(Notice(task, start, args.findings, reported), "notice",
                                    importer);
    FeedAudit(importer, args.findings, task, start, reported);
    const Status flushed = importer.Finish();
    const Status indexed = store->Flush();
    const double secs = Seconds(began);
    if (!flushed.ok() || !indexed.ok()) {
      std::fprintf(stderr, "%s\n", (flushed.ok() ? indexed : flushed).ToString().c_str());
      std::exit(3);
    }
    const auto& r = importer.report();
    Report(what, r.audit_findings + r.archived_resolved, secs);
    std::printf(
        "    %llu created, %llu updated, %llu unchanged, %llu archived as resolved, %llu "
        "rejected\n",
        static_cast<unsigned long long>(r.created), static_cast<unsigned long long>(r.updated),
        static_cast<unsigned long long>(r.unchanged),
        static_cast<unsigned long long>(r.archived_resolved),
        static_cast<unsigned long long>(r.failed));
  };
  run_audit("first audit: convert and store durably (all created)", "task-1", kFirstAudit,
            everything);
  const std::uint64_t bytes = DirectoryBytes(args.dir);
  std::printf("    store: %.0f bytes per finding\n",
              static_cast<double>(bytes) / static_cast<double>(args.findings));
  run_audit("next audit: updates + resolution pass (archives)", "task-2", kFirstAudit + kDay,
            still_reported);
  std::printf("peak resident memory: %ld MB\n", PeakRssMb());
  store.reset();
  std::filesystem::remove_all(args.dir);
  return failures == 0 ? 0 : 1;
}
