// Inventory benchmark: the path `corroborate inventory import` takes (sources reader, inventory
// engine, FindingStore::ImportInventory, correlation of the relation changes), on generated data.
//
//   inventory_bench [--items N] [--fanout N] [--findings-instances N] [--dir DIR] [--batch N]
//                   [--all-cores] [--skip-import] [--skip-fanout]
//
// 1. Import N (default 1,000,000) AWS Config configuration items (delivered form, NDJSON, fed a
//    batch at a time) into a store that already holds the findings of --findings-instances
//    instances (EC2.9, two GuardDuty findings each) and EC2.18 FAILED on a few groups, with the
//    built-in rules: every relation change re-evaluates what it joins. Prints items/s, the
//    slowest batch, the incidents found, the peak RSS and the store's size.
// 2. Fan-out: one security group associated (by its own Config item) with --fanout (default
//    50,000) instances that each have the other evidence. Times each step as an import batch
//    (the time it holds up the caller: ingest or the HTTP server) and then the rest of the work
//    (Finish): the association appearing, an ordinary ingest batch meanwhile, the group's EC2.18
//    finding turning PASSED and FAILED again, and the group deleted.
//
// Pinned to one core unless --all-cores (as ingest_bench). Figures: docs/performance.md.
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "asff/import.h"
#include "correlate/builtin_rules.h"
#include "measure.h"
#include "pipeline/correlation.h"
#include "pipeline/inventory_import.h"
#include "pipeline/pipeline.h"
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
  std::size_t items = 1'000'000;
  std::size_t fanout = 50'000;
  std::size_t findings_instances = 10'000;
  std::string dir = "/tmp/corroborate-inventory-bench";
  std::size_t batch = 1000;
  bool one_core = true;
  bool import = true;
  bool fan = true;
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
    if (arg == "--items") {
      a.items = std::stoull(next());
    } else if (arg == "--fanout") {
      a.fanout = std::stoull(next());
    } else if (arg == "--findings-instances") {
      a.findings_instances = std::stoull(next());
    } else if (arg == "--dir") {
      a.dir = next();
    } else if (arg == "--batch") {
      a.batch = std::stoull(next());
    } else if (arg == "--all-cores") {
      a.one_core = false;
    } else if (arg == "--skip-import") {
      a.import = false;
    } else if (arg == "--skip-fanout") {
      a.fan = false;
    } else {
      std::fprintf(stderr,
                   "usage: inventory_bench [--items N] [--fanout N] [--findings-instances N] "
                   "[--dir DIR] [--batch N] [--all-cores] [--skip-import] [--skip-fanout]\n");
      std::exit(2);
    }
  }
  return a;
}

constexpr asff::TimeMs kNow = 1795392000000;  // 2026-11-23T00:00:00Z
constexpr std::string_view kSecurityHub = "arn:aws:securityhub:eu-west-1::product/aws/securityhub";
constexpr std::string_view kGuardDuty = "arn:aws:securityhub:eu-west-1::product/aws/guardduty";

std::string Id(const char* prefix, std::size_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s-%017zx", prefix, n);
  return buf;
}

std::string Finding(std::string_view product_arn, std::string_view product_name,
                    const std::string& id, std::string_view type, std::string_view resource_type,
                    const std::string& resource_id, std::string_view extra,
                    std::string_view updated = "2026-11-20T10:00:00Z") {
  std::string f;
  f.reserve(700);
  f += R"({"SchemaVersion":"2018-10-08","Id":")";
  f += id;
  f += R"(","ProductArn":")";
  f += product_arn;
  f += R"(","ProductName":")";
  f += product_name;
  f += R"(","GeneratorId":"bench","AwsAccountId":"111122223333","Types":[")";
  f += type;
  f += R"("],"CreatedAt":"2026-11-20T10:00:00Z","UpdatedAt":")";
  f += updated;
  f += R"(","Severity":{"Label":"HIGH"},"Title":")";
  f += id;
  f += R"(","Description":"generated","Resources":[{"Type":")";
  f += resource_type;
  f += R"(","Id":")";
  f += resource_id;
  f += R"(","Region":"eu-west-1"}])";
  f += extra;
  f += "}";
  return f;
}

std::vector<std::string> Evidence(const std::string& instance) {
  return {Finding(kSecurityHub, "Security Hub", "ec2-9-" + instance,
                  "Software and Configuration Checks/Industry and Regulatory Standards",
                  "AwsEc2Instance", instance,
                  R"(,"Compliance":{"Status":"FAILED","SecurityControlId":"EC2.9"})"),
          Finding(kGuardDuty, "GuardDuty", "gd-port-" + instance,
                  "TTPs/Discovery/Behavior:EC2-NetworkPortUnusual", "AwsEc2Instance", instance, ""),
          Finding(kGuardDuty, "GuardDuty", "gd-ssh-" + instance,
                  "TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce", "AwsEc2Instance",
                  instance, "")};
}

std::string GroupFinding(const std::string& group, std::string_view status,
                         std::string_view updated) {
  return Finding(kSecurityHub, "Security Hub", "ec2-18-" + group,
                 "Software and Configuration Checks/Industry and Regulatory Standards",
                 "AwsEc2SecurityGroup", group,
                 std::string(R"(,"Compliance":{"Status":")") + std::string(status) +
                     R"(","SecurityControlId":"EC2.18"})",
                 updated);
}

// Decodes and imports findings (a batch at a time), without correlation when `stage` is null.
double ImportFindings(store::FindingStore& store, const std::vector<std::string>& findings,
                      pipeline::CorrelationStage* stage, std::size_t batch_size) {
  const auto start = Clock::now();
  simdjson::dom::parser parser;
  std::vector<store::IncomingFinding> batch;
  std::vector<store::ImportOutcome> outcomes;
  auto flush = [&] {
    if (batch.empty()) return;
    if (Status s = store.Import(batch, kNow, &outcomes); !s.ok()) {
      std::fprintf(stderr, "import: %s\n", s.ToString().c_str());
      std::exit(3);
    }
    if (stage != nullptr) {
      if (Status s = stage->AfterBatch(batch, outcomes, kNow); !s.ok()) {
        std::fprintf(stderr, "correlate: %s\n", s.ToString().c_str());
        std::exit(3);
      }
    }
    batch.clear();
  };
  for (const std::string& json : findings) {
    store::IncomingFinding& in = batch.emplace_back();
    simdjson::dom::element root = parser.parse(json).value();
    if (Status s = asff::DecodeFinding(root, in.core); !s.ok()) {
      std::fprintf(stderr, "bad generated finding: %s\n", s.ToString().c_str());
      std::exit(3);
    }
    in.json = asff::NormalizeNewFinding(root, in.core, kNow);
    if (batch.size() >= batch_size) flush();
  }
  flush();
  return Seconds(start);
}

void Relationship(std::string& out, bool& first, std::string_view type, const std::string& id,
                  std::string_view name) {
  out += first ? "" : ",";
  first = false;
  out += R"({"resourceType":")";
  out += type;
  out += R"(","resourceId":")";
  out += id;
  out += R"(","resourceName":null,"name":")";
  out += name;
  out += R"("})";
}

// One configuration item, delivered form, for item number n of a generated account: instances,
// their interfaces and volumes, security groups, buckets and roles.
std::string ConfigItem(std::size_t n, std::size_t groups) {
  const std::size_t kind = n % 10;
  const std::size_t k = n / 10;
  std::string type, id;
  std::string rel;
  bool first = true;
  // Groups: the first is on a tenth of the instances, the rest spread evenly.
  auto group_of = [&](std::size_t instance) {
    return Id("sg", instance % 10 == 0 ? 0 : 1 + instance % (groups - 1));
  };
  switch (kind) {
    case 0:
    case 1:
    case 2: {  // instances
      const std::size_t i = k * 3 + kind;
      type = "AWS::EC2::Instance";
      id = Id("i", i);
      Relationship(rel, first, "AWS::EC2::NetworkInterface", Id("eni", i),
                   "Contains NetworkInterface");
      Relationship(rel, first, "AWS::EC2::SecurityGroup", group_of(i),
                   "Is associated with SecurityGroup");
      Relationship(rel, first, "AWS::EC2::Subnet", Id("subnet", i % 64), "Is contained in Subnet");
      Relationship(rel, first, "AWS::EC2::VPC", Id("vpc", i % 8), "Is contained in Vpc");
      Relationship(rel, first, "AWS::EC2::Volume", Id("vol", i), "Is attached to Volume");
      break;
    }
    case 3:
    case 4:
    case 5: {  // their interfaces
      const std::size_t i = k * 3 + (kind - 3);
      type = "AWS::EC2::NetworkInterface";
      id = Id("eni", i);
      Relationship(rel, first, "AWS::EC2::Instance", Id("i", i), "Is attached to Instance");
      Relationship(rel, first, "AWS::EC2::SecurityGroup", group_of(i),
                   "Is associated with SecurityGroup");
      Relationship(rel, first, "AWS::EC2::Subnet", Id("subnet", i % 64), "Is contained in Subnet");
      break;
    }
    case 6:
    case 7: {  // volumes
      const std::size_t i = k * 3 + (kind - 6);
      type = "AWS::EC2::Volume";
      id = Id("vol", i);
      Relationship(rel, first, "AWS::EC2::Instance", Id("i", i), "Is attached to Instance");
      break;
    }
    case 8: {  // groups, then buckets
      if (k < groups) {
        type = "AWS::EC2::SecurityGroup";
        id = Id("sg", k);
        Relationship(rel, first, "AWS::EC2::VPC", Id("vpc", k % 8), "Is contained in Vpc");
      } else {
        type = "AWS::S3::Bucket";
        id = "acme-data-" + std::to_string(k);
        Relationship(rel, first, "AWS::IAM::Role", "AROAEXAMPLE" + std::to_string(k % 500),
                     "Is associated with Role");
      }
      break;
    }
    default: {  // roles
      type = "AWS::IAM::Role";
      id = "AROAEXAMPLE" + std::to_string(k);
      Relationship(rel, first, "AWS::IAM::Policy", "ANPAEXAMPLE" + std::to_string(k % 300),
                   "Is attached to CustomerManagedPolicy");
      break;
    }
  }
  std::string out;
  out.reserve(900);
  out += R"({"relatedEvents":[],"relationships":[)";
  out += rel;
  out += R"(],"configuration":{},"supplementaryConfiguration":{},"tags":{},)";
  out +=
      R"("configurationItemVersion":"1.3","configurationItemCaptureTime":"2026-11-22T06:00:00.000Z",)";
  out += R"("configurationStateId":1795327200000,"awsAccountId":"111122223333",)";
  out += R"("configurationItemStatus":"OK","resourceType":")";
  out += type;
  out += R"(","resourceId":")";
  out += id;
  out += R"(","resourceName":null,"awsRegion":"eu-west-1","availabilityZone":"eu-west-1a"})";
  out += "\n";
  return out;
}

struct Run {
  std::unique_ptr<store::FindingStore> store;
  correlate::RuleSet rules;
};

Run Open(const std::string& dir, bool fresh) {
  if (fresh) std::filesystem::remove_all(dir);
  Run r;
  auto opened = store::OpenEmbeddedStore(dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    std::exit(3);
  }
  r.store = std::move(opened).value();
  for (const auto& file : correlate::BuiltinRuleFiles()) {
    correlate::LoadRules(file.text, file.name, r.rules);
  }
  return r;
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(3);
  }
}

// Feeds NDJSON text to an importer as one read, timing it: the time the caller is held up.
double Feed(pipeline::InventoryImporter& importer, const std::string& text) {
  const auto start = Clock::now();
  sources::ReadFindingsFromBuffer(text, "bench", importer,
                                  pipeline::InventoryImporter::ReadOptions());
  Check(importer.Flush(), "flush");
  return Seconds(start);
}

void BenchImport(const Args& args) {
  const std::string dir = args.dir + "/import";
  Run run = Open(dir, true);
  const std::size_t groups = 2000;
  // History first (no correlation, as loaded before the rules ran): evidence on some instances
  // (every 10th of them on the popular group sg-0), EC2.18 FAILED on the popular group and on a
  // tenth of the others.
  std::vector<std::string> findings;
  for (std::size_t n = 0; n < args.findings_instances; ++n) {
    for (std::string& f : Evidence(Id("i", n * 7))) findings.push_back(std::move(f));
  }
  for (std::size_t g = 0; g < groups; g += 10) {
    findings.push_back(GroupFinding(Id("sg", g), "FAILED", "2026-11-20T10:00:00Z"));
  }
  const double load = ImportFindings(*run.store, findings, nullptr, 1000);
  Check(run.store->Flush(), "flush");
  std::printf("history: %zu findings stored in %.1f s\n", findings.size(), load);

  std::size_t incidents = 0;
  pipeline::CorrelationStage stage(*run.store, run.rules.rules,
                                   [&](const correlate::CorrelatedChange&) { ++incidents; });
  Check(stage.Start(), "start");
  pipeline::InventoryImportOptions options;
  options.batch_size = args.batch;
  options.clock = [] { return kNow; };
  options.correlation = &stage;
  std::uint64_t failures = 0;
  options.on_failure = [&](const pipeline::InventoryFailure& f) {
    if (failures++ < 5)
      std::fprintf(stderr, "%s: %s\n", f.location.c_str(), f.error_message.c_str());
  };
  pipeline::InventoryImporter importer(*run.store, options);
  std::vector<double> batch_seconds;
  std::size_t max_deferred = 0;
  const auto start = Clock::now();
  std::string chunk;
  for (std::size_t n = 0; n < args.items;) {
    chunk.clear();
    for (std::size_t i = 0; i < args.batch && n < args.items; ++i, ++n) {
      chunk += ConfigItem(n, groups);
    }
    batch_seconds.push_back(Feed(importer, chunk));
    max_deferred = std::max(max_deferred, stage.deferred());
  }
  const double imported = Seconds(start);
  const auto finish_start = Clock::now();
  Check(importer.Finish(), "finish");
  const double finished = Seconds(finish_start);
  std::sort(batch_seconds.begin(), batch_seconds.end());
  const auto& r = importer.report();
  std::printf(
      "import: %zu configuration items (%llu relations) in %.1f s + %.1f s finishing = %.0f "
      "items/s; batches of %zu: median %.0f ms, p99 %.0f ms, max %.0f ms; at most %zu groups "
      "waiting; %llu groups evaluated; %zu incidents; %llu rejected\n",
      args.items, static_cast<unsigned long long>(r.relations_added), imported, finished,
      static_cast<double>(args.items) / (imported + finished), args.batch,
      batch_seconds[batch_seconds.size() / 2] * 1000,
      batch_seconds[batch_seconds.size() * 99 / 100] * 1000, batch_seconds.back() * 1000,
      max_deferred, static_cast<unsigned long long>(stage.report().groups_evaluated), incidents,
      static_cast<unsigned long long>(failures));
  Check(run.store->Flush(), "flush");
  std::printf("import: peak RSS %ld MB, store %.0f MB\n", PeakRssMb(),
              static_cast<double>(DirectoryBytes(dir)) / 1e6);
}

void BenchFanout(const Args& args) {
  const std::string dir = args.dir + "/fanout";
  Run run = Open(dir, true);
  const std::string group = Id("sg", 0xfa11);
  std::vector<std::string> findings;
  for (std::size_t n = 0; n < args.fanout; ++n) {
    for (std::string& f : Evidence(Id("i", n))) findings.push_back(std::move(f));
  }
  findings.push_back(GroupFinding(group, "FAILED", "2026-11-20T10:00:00Z"));
  const double load = ImportFindings(*run.store, findings, nullptr, 1000);
  Check(run.store->Flush(), "flush");
  std::printf("fan-out: %zu findings on %zu instances stored in %.1f s\n", findings.size(),
              args.fanout, load);

  // The group's own Config item, associated with every instance (Config lists them).
  auto group_item = [&](std::string_view status, std::string_view captured) {
    std::string rel;
    bool first = true;
    if (status == "OK") {
      for (std::size_t n = 0; n < args.fanout; ++n) {
        Relationship(rel, first, "AWS::EC2::Instance", Id("i", n), "Is associated with Instance");
      }
    }
    return std::string(R"({"relationships":[)") + rel + R"(],"configurationItemCaptureTime":")" +
           std::string(captured) +
           R"(","awsAccountId":"111122223333","configurationItemStatus":")" + std::string(status) +
           R"(","resourceType":"AWS::EC2::SecurityGroup","resourceId":")" + group +
           R"(","awsRegion":"eu-west-1"})" + "\n";
  };

  std::size_t changes = 0;
  pipeline::CorrelationStage stage(*run.store, run.rules.rules,
                                   [&](const correlate::CorrelatedChange&) { ++changes; });
  Check(stage.Start(), "start");
  auto report = [&](const char* step, double held, double rest, std::size_t waiting) {
    std::printf(
        "fan-out: %-58s held the caller %5.0f ms (%zu groups left waiting), the rest took "
        "%5.1f s; %zu incident changes\n",
        step, held * 1000, waiting, rest, changes);
    changes = 0;
  };
  auto finish = [&] {
    const auto start = Clock::now();
    Check(stage.Finish(kNow), "finish");
    return Seconds(start);
  };

  {
    pipeline::InventoryImportOptions options;
    options.clock = [] { return kNow; };
    options.correlation = &stage;
    pipeline::InventoryImporter importer(*run.store, options);
    const double held = Feed(importer, group_item("OK", "2026-11-22T06:00:00.000Z"));
    const std::size_t waiting = stage.deferred();
    // An ordinary ingest batch arriving meanwhile: 1000 unrelated findings.
    std::vector<std::string> other;
    for (std::size_t n = 0; n < 1000; ++n) {
      other.push_back(Finding(kGuardDuty, "GuardDuty", "other-" + std::to_string(n),
                              "TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort", "AwsEc2Instance",
                              Id("i", 0x900000 + n), ""));
    }
    const double ingest = ImportFindings(*run.store, other, &stage, 1000);
    const std::size_t after_ingest = stage.deferred();
    const auto start = Clock::now();
    Check(importer.Finish(), "finish");
    report("the group's item associates it with every instance:", held, Seconds(start), waiting);
    std::printf(
        "fan-out:   an ingest batch of 1000 findings meanwhile took %.0f ms (%zu groups "
        "waiting after it)\n",
        ingest * 1000, after_ingest);
  }
  {
    const double held = ImportFindings(
        *run.store, {GroupFinding(group, "PASSED", "2026-11-21T10:00:00Z")}, &stage, 1);
    const std::size_t waiting = stage.deferred();
    report("its EC2.18 finding turns PASSED (incidents withdrawn):", held, finish(), waiting);
  }
  {
    const double held = ImportFindings(
        *run.store, {GroupFinding(group, "FAILED", "2026-11-21T11:00:00Z")}, &stage, 1);
    const std::size_t waiting = stage.deferred();
    report("it turns FAILED again (incidents back):", held, finish(), waiting);
  }
  {
    pipeline::InventoryImportOptions options;
    options.clock = [] { return kNow; };
    options.correlation = &stage;
    pipeline::InventoryImporter importer(*run.store, options);
    const double held = Feed(importer, group_item("ResourceDeleted", "2026-11-22T12:00:00.000Z"));
    const std::size_t waiting = stage.deferred();
    const auto start = Clock::now();
    Check(importer.Finish(), "finish");
    report("the group is deleted (its 50,000 relations go):", held, Seconds(start), waiting);
  }
  std::printf("fan-out: peak RSS %ld MB (both parts so far), store %.0f MB\n", PeakRssMb(),
              static_cast<double>(DirectoryBytes(dir)) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  if (args.one_core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
  }
  std::filesystem::create_directories(args.dir);
  if (args.import) BenchImport(args);
  if (args.fan) BenchFanout(args);
  return 0;
}
