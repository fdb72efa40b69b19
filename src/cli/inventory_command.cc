// corroborate inventory import / pull, and corroborate resource: inventory documents into the
// resource graph (pipeline/inventory_import.h), correlated like ingest, and one resource with its
// relations, their provenance, its findings and every rule's state (pipeline/resource_view.h).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>

#include <fmt/format.h>

#include "aws/config_client.h"
#include "aws/credentials.h"
#include "aws/ec2_client.h"
#include "aws/http_client.h"
#include "aws/iot_client.h"
#include "cli/aws_sink.h"
#include "cli/commands.h"
#include "pipeline/correlation.h"
#include "pipeline/inventory_import.h"
#include "pipeline/inventory_pull.h"
#include "pipeline/resource_view.h"
#include "sources/sources.h"

namespace corroborate::cli {
namespace {

struct ImportArgs {
  std::vector<std::string> paths;
  bool recursive = false;
  bool quiet = false;
  std::size_t batch_size = 1000;
  std::size_t max_errors_shown = 100;
  std::string account;
  std::string region;
  std::string partition = "aws";
  std::string thing;
  std::string principal;
  std::string target;
  std::string policy;
  std::string observed_at;
  RuleOptions rules;
};

bool IsAccount(const std::string& s) {
  return s.size() == 12 && s.find_first_not_of("0123456789") == std::string::npos;
}

// Where an import's documents come from: files (import) or the AWS APIs (pull). `feed` gives
// them to the importer; an error it returns stops the run (exit 3) after what was stored.
struct InventorySource {
  std::string what;  // "2 file(s)", "the IoT API and AWS Config"
  std::function<Status(pipeline::InventoryImporter&)> feed;
  std::vector<std::string> paths;  // files: expanded, checked before the store is opened
};

void RunImport(const ImportArgs& args, GlobalOptions& global, int* exit_code,
               InventorySource source) {
  if (!args.account.empty() && !IsAccount(args.account)) {
    PrintError("--account: '" + args.account + "' is not a 12-digit AWS account id");
    *exit_code = kExitUsage;
    return;
  }
  pipeline::InventoryImportOptions options;
  options.batch_size = args.batch_size;
  options.context.defaults = {args.partition, args.region, args.account};
  options.context.thing = args.thing;
  options.context.principal = args.principal;
  options.context.target = args.target;
  options.context.policy = args.policy;
  if (!args.observed_at.empty()) {
    const auto t = asff::ParseTimestamp(args.observed_at);
    if (!t) {
      PrintError("--observed-at: '" + args.observed_at +
                 "' is not an ASFF timestamp (YYYY-MM-DDTHH:MM:SS[.fff]Z or with +HH:MM)");
      *exit_code = kExitUsage;
      return;
    }
    options.context.observed_at = *t;
  }
  if (!source.feed) {
    auto files = ExpandPaths(args.paths, args.recursive);
    if (!files.ok()) {
      PrintError(files.status().message());
      *exit_code = kExitFatal;
      return;
    }
    source.what = std::to_string(files->size()) + " file(s)";
    source.feed = [paths = std::move(files).value()](pipeline::InventoryImporter& importer) {
      // Each unreadable file is printed as it is met.
      return ReadEachInput(paths, importer, pipeline::InventoryImporter::ReadOptions())
                 ? Status::Ok()
                 : Status::IOError("");
    };
  }
  CorrelatedStore run;
  if (!run.Open(args.rules, global, exit_code)) return;
  auto& store = run.store;
  auto& rules = run.rules;
  auto& correlation = run.correlation;
  std::uint64_t errors_shown = 0;
  options.correlation = correlation.get();
  options.clock = [&global] { return Now(global); };
  options.on_failure = [&](const pipeline::InventoryFailure& f) {
    if (errors_shown++ >= args.max_errors_shown) return;
    fmt::print(stderr, "{}: {}: {}\n", f.location, f.error_code, f.error_message);
  };
  options.on_info = [&](const std::string& line) {
    if (!args.quiet) fmt::print("{}\n", line);
  };
  pipeline::InventoryImporter importer(*store, options);
  const auto start = std::chrono::steady_clock::now();
  const Status fed = source.feed(importer);
  const bool read_failed = !fed.ok();
  if (!fed.ok() && !fed.message().empty()) PrintError(fed.message());
  const Status finished = importer.Finish();
  const auto& r = importer.report();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (errors_shown > args.max_errors_shown) {
    fmt::print(stderr, "... and {} more rejected\n", errors_shown - args.max_errors_shown);
  }
  if (!args.quiet || r.failed > 0 || !finished.ok()) {
    fmt::print(
        "imported {}: {} document(s), {} item(s): {} created, {} replaced, {} refreshed "
        "(seen again), {} unchanged (older than stored), {} deleted; relations: {} added, {} "
        "removed; {} observed longer ago than the expiry window; {} passed over; {} rejected "
        "({:.2f} s)\n",
        source.what, r.documents, r.items, r.created, r.replaced, r.refreshed, r.stale, r.deleted,
        r.relations_added, r.relations_removed, r.expired_on_arrival, r.passed_over, r.failed,
        secs);
  }
  std::fflush(stdout);
  run.PrintOutcome(args.quiet, finished.ok());
  if (!finished.ok()) {
    PrintError(finished.message());
    *exit_code = kExitFatal;
  } else if (read_failed) {
    *exit_code = kExitFatal;
  } else {
    *exit_code = r.failed > 0 || !rules.errors.empty() ? kExitPartial : kExitOk;
  }
}

std::string Time(asff::TimeMs t) {
  return t == 0 ? std::string("never") : asff::FormatTimestamp(t);
}

void PrintView(const pipeline::ResourceView& view) {
  fmt::print("resource {} {}\n", view.type, view.key);
  fmt::print("\ninventory ({} source{}):\n", view.inventory.size(),
             view.inventory.size() == 1 ? "" : "s");
  if (view.inventory.empty()) fmt::print("  (no inventory source names it)\n");
  for (const store::StoredInventoryItem& s : view.inventory) {
    const bool counts = s.expires_at == 0 || s.expires_at > view.as_of;
    fmt::print("  {}{}: observed {}, first seen {}, last seen {}, {} {}\n", s.item.source,
               s.item.deleted ? " (deleted)" : "", Time(s.item.observed_at), Time(s.first_seen),
               Time(s.last_seen), counts ? "counts until" : "EXPIRED at", Time(s.expires_at));
    std::string attributes;
    for (const auto& [k, v] : s.item.attributes) {
      if (!attributes.empty()) attributes += ", ";
      attributes.append(k).append(" ").append(v);
    }
    if (!attributes.empty()) fmt::print("    {}\n", attributes);
  }
  fmt::print("\nrelations ({}{}):\n", view.relations_total,
             view.relations.size() < view.relations_total
                 ? ", " + std::to_string(view.relations.size()) + " shown"
                 : "");
  if (view.relations.empty()) fmt::print("  (none)\n");
  for (const pipeline::RelationView& r : view.relations) {
    fmt::print("  {} {}{}\n", r.type, r.key, r.counts() ? "" : " (does not count)");
    for (const pipeline::RelationProvenance& p : r.provenance) {
      switch (p.kind) {
        case pipeline::RelationProvenance::Kind::kInventory:
          fmt::print("    {} item of {}{}: last seen {}, {} {}\n", p.source, p.subject,
                     p.name.empty() ? "" : " (" + p.name + ")", Time(p.last_seen),
                     p.counts ? "counts until" : "EXPIRED at", Time(p.expires_at));
          break;
        case pipeline::RelationProvenance::Kind::kFinding:
          fmt::print("    finding {} {}: last seen {}\n", p.product_name, p.finding.id,
                     Time(p.last_seen));
          break;
        case pipeline::RelationProvenance::Kind::kGone:
          fmt::print("    version {}: no longer stored\n", p.version);
          break;
      }
    }
  }
  fmt::print("\nfindings ({}):\n", view.findings.size());
  if (!view.findings.empty()) {
    PrintFindingsTableHeader(stdout);
    for (const asff::Finding& f : view.findings) PrintFindingsTableRow(stdout, f.json);
  }
  fmt::print("\nrules:\n");
  if (view.rules.empty()) fmt::print("  {}\n", view.rules_note);
  PrintExplanations(stdout, view.rules, "  ");
}

struct PullArgs {
  std::vector<std::string> things;
  bool all_things = false;
  std::vector<std::string> config_types;
  bool ec2 = false;
  int ec2_page_size = 1000;
  std::string iot_endpoint, config_endpoint, ec2_endpoint, profile;
  int max_attempts = 5;
};

// The APIs as the pull sees them (pipeline/inventory_pull.h), over the signed clients.
class LiveInventoryApi final : public pipeline::InventoryApi {
 public:
  LiveInventoryApi(aws::IotClient& iot, aws::ConfigClient& config, aws::Ec2Client& ec2)
      : iot_(iot), config_(config), ec2_(ec2) {}
  Result<std::string> ListThings(std::string_view token) override { return iot_.ListThings(token); }
  Result<std::string> DescribeThing(std::string_view thing) override {
    return iot_.DescribeThing(thing);
  }
  Result<std::string> ListThingPrincipals(std::string_view thing, std::string_view token) override {
    return iot_.ListThingPrincipals(thing, token);
  }
  Result<std::string> ListAttachedPolicies(std::string_view target,
                                           std::string_view marker) override {
    return iot_.ListAttachedPolicies(target, marker);
  }
  Result<std::string> ListDiscoveredResources(std::string_view type,
                                              std::string_view token) override {
    return config_.ListDiscoveredResources(type, token);
  }
  Result<std::string> GetResourceConfigHistory(std::string_view type,
                                               std::string_view id) override {
    return config_.GetResourceConfigHistory(type, id);
  }
  Result<std::string> DescribeEc2(std::string_view operation, std::string_view token) override {
    return ec2_.Describe(operation, token);
  }

 private:
  aws::IotClient& iot_;
  aws::ConfigClient& config_;
  aws::Ec2Client& ec2_;
};

void RunPull(ImportArgs args, const PullArgs& pull, GlobalOptions& global, int* exit_code) {
  const bool iot = pull.all_things || !pull.things.empty();
  if (!iot && pull.config_types.empty() && !pull.ec2) {
    PrintError(
        "inventory pull: say what to read: --iot-thing NAME, --iot-all-things, "
        "--config-type TYPE and/or --ec2");
    *exit_code = kExitUsage;
    return;
  }
  auto session = AwsSession::Open(pull.profile, args.region, pull.max_attempts);
  if (!session.ok()) {
    PrintError("inventory pull: " + session.status().message());
    *exit_code = session.status().code() == Status::Code::kInvalidInput ? kExitUsage : kExitFatal;
    return;
  }
  args.region = session->region;
  aws::IotClient iot_client(
      *session->http, *session->credentials,
      {args.region, pull.iot_endpoint.empty()
                        ? EnvOr("AWS_ENDPOINT_URL_IOT", EnvOr("AWS_ENDPOINT_URL", ""))
                        : pull.iot_endpoint});
  aws::ConfigClient config_client(
      *session->http, *session->credentials,
      {args.region, pull.config_endpoint.empty()
                        ? EnvOr("AWS_ENDPOINT_URL_CONFIG_SERVICE", EnvOr("AWS_ENDPOINT_URL", ""))
                        : pull.config_endpoint});
  aws::Ec2Client ec2_client(
      *session->http, *session->credentials,
      {args.region,
       pull.ec2_endpoint.empty() ? EnvOr("AWS_ENDPOINT_URL_EC2", EnvOr("AWS_ENDPOINT_URL", ""))
                                 : pull.ec2_endpoint,
       pull.ec2_page_size});
  LiveInventoryApi api(iot_client, config_client, ec2_client);
  InventorySource source;
  std::vector<std::string> apis;
  if (iot) apis.emplace_back("the IoT API");
  if (!pull.config_types.empty()) apis.emplace_back("AWS Config");
  if (pull.ec2) apis.emplace_back("the EC2 API");
  for (std::size_t i = 0; i < apis.size(); ++i) {
    if (i > 0) source.what += i + 1 == apis.size() ? " and " : ", ";
    source.what += apis[i];
  }
  source.feed = [&](pipeline::InventoryImporter& importer) -> Status {
    pipeline::InventoryPullReport report;
    if (iot) {
      const std::vector<std::string> none;
      if (Status s = pipeline::PullIotInventory(api, importer, pull.all_things ? none : pull.things,
                                                &report);
          !s.ok()) {
        return s;
      }
    }
    if (Status s = pipeline::PullConfigInventory(api, importer, pull.config_types, &report);
        !s.ok()) {
      return s;
    }
    return pull.ec2 ? pipeline::PullEc2Inventory(api, importer, &report) : Status::Ok();
  };
  RunImport(args, global, exit_code, std::move(source));
}

}  // namespace

void RegisterInventory(CLI::App& app, GlobalOptions& global, int* exit_code) {
  auto* inventory = app.add_subcommand(
      "inventory",
      "Resource inventory (AWS Config, EC2, IoT): how resources are related, so correlations\n"
      "join across related resources (docs/inventory.md).");
  inventory->require_subcommand(1);

  auto args = std::make_shared<ImportArgs>();
  auto* import = inventory->add_subcommand(
      "import",
      "Import inventory documents as the AWS CLI prints them or AWS delivers them, detected per\n"
      "document: AWS Config configuration items, snapshot and history files,\n"
      "get-resource-config-history and batch-get-resource-config output, change notifications\n"
      "(bare, SNS, Lambda or EventBridge); EC2 describe-instances, describe-network-interfaces,\n"
      "describe-security-groups; IoT list-thing-principals (--thing), list-principal-things\n"
      "(--principal), list-attached-policies (--target), list-targets-for-policy (--policy),\n"
      "describe-thing. A newer item about a resource replaces what an older one from the same\n"
      "source stated (a detached group disappears); the rules are re-evaluated for the groups\n"
      "whose relations changed, and the incidents created or withdrawn are printed.\n"
      "Example: aws iot list-thing-principals --thing-name pump-017 |\n"
      "           corroborate inventory import --thing pump-017 -\n"
      "Exit status: 0 all imported, 1 some documents or items rejected (each is printed with\n"
      "file:line and where in the document), 2 usage error, 3 store or file error.");
  import->add_option("paths", args->paths, "Files or directories to read; - for stdin")->required();
  import->add_flag("-r,--recursive", args->recursive, "Descend into subdirectories");
  import->add_flag("-q,--quiet", args->quiet, "Print only errors");
  import->add_option("--thing", args->thing,
                     "The thing (name or ARN) list-thing-principals output is about");
  import->add_option("--principal", args->principal,
                     "The certificate ARN list-principal-things output is about");
  import->add_option("--target", args->target,
                     "The target (certificate ARN) list-attached-policies output is about");
  import->add_option("--policy", args->policy,
                     "The policy (name or ARN) list-targets-for-policy output is about");
  import->add_option("--account", args->account,
                     "AWS account of documents that do not say theirs (12 digits)");
  import->add_option("--region", args->region,
                     "AWS region of documents that do not say theirs (describe-security-groups "
                     "without SecurityGroupArn, IoT outputs naming things by name only)");
  import->add_option("--partition", args->partition, "AWS partition of such documents")
      ->default_val("aws")
      ->check(CLI::IsMember({"aws", "aws-cn", "aws-us-gov"}));
  import->add_option("--observed-at", args->observed_at,
                     "When the EC2 and IoT outputs (which carry no time) were taken (ASFF "
                     "timestamp); default now");
  import
      ->add_option("--batch-size", args->batch_size,
                   "Items per durable write (a crash loses no acknowledged batch)")
      ->default_val(1000)
      ->check(CLI::Range(1, 100000));
  import
      ->add_option("--max-errors-shown", args->max_errors_shown,
                   "Print at most this many rejected documents or items (all are counted)")
      ->default_val(100);
  AddRuleOptions(import, args->rules);
  import->callback([args, &global, exit_code] { RunImport(*args, global, exit_code, {});
});

auto pull_args = std::make_shared<ImportArgs>();
auto pull = std::make_shared<PullArgs>();
auto* pull_cmd = inventory->add_subcommand(
    "pull",
    "Pull the inventory live, with pagination, and import it as `inventory import` would:\n"
    "from the IoT API, the things named with --iot-thing (or every thing, --iot-all-things):\n"
    "each thing's type and attributes (DescribeThing), its certificates\n"
    "(ListThingPrincipals) and the policies attached to those\n"
    "(ListAttachedPolicies); from AWS Config, every resource of each --config-type as its\n"
    "newest configuration item, with its relationships (ListDiscoveredResources,\n"
    "GetResourceConfigHistory); with --ec2, every security group, network interface and\n"
    "instance of the region from the EC2 API (DescribeSecurityGroups,\n"
    "DescribeNetworkInterfaces, DescribeInstances), read as `aws ec2 describe-*` output.\n"
    "Credentials and region come from the AWS SDKs' chain (docs/aws.md).\n"
    "Example: corroborate inventory pull --region eu-west-1 --iot-all-things --ec2 \\\n"
    "           --config-type AWS::EC2::SecurityGroup\n"
    "Exit status: 0 all imported, 1 some items rejected, 2 usage error, 3 AWS, credential or\n"
    "store error (the message says which call and what AWS answered).");
pull_cmd->add_option("--iot-thing", pull->things, "An IoT thing to read (repeatable)");
pull_cmd->add_flag("--iot-all-things", pull->all_things, "Every IoT thing (ListThings)");
pull_cmd->add_option("--config-type", pull->config_types,
                     "An AWS Config resource type to read, e.g. AWS::EC2::Instance (repeatable)");
pull_cmd->add_flag("--ec2", pull->ec2,
                   "Every security group, network interface and instance in the region (EC2 API)");
pull_cmd->add_flag("-q,--quiet", pull_args->quiet, "Print only errors");
pull_cmd->add_option("--account", pull_args->account,
                     "AWS account of items that do not say theirs (IoT things by name)");
pull_cmd->add_option("--region", pull_args->region,
                     "The region to read (default: the AWS chain's: AWS_REGION, the profile)");
pull_cmd->add_option("--iot-endpoint-url", pull->iot_endpoint,
                     "The IoT API's endpoint (default: $AWS_ENDPOINT_URL_IOT, $AWS_ENDPOINT_URL, "
                     "else https://iot.<region>.amazonaws.com)");
pull_cmd->add_option("--config-endpoint-url", pull->config_endpoint,
                     "AWS Config's endpoint (default: $AWS_ENDPOINT_URL_CONFIG_SERVICE, "
                     "$AWS_ENDPOINT_URL, else https://config.<region>.amazonaws.com)");
pull_cmd->add_option("--ec2-endpoint-url", pull->ec2_endpoint,
                     "The EC2 API's endpoint (default: $AWS_ENDPOINT_URL_EC2, $AWS_ENDPOINT_URL, "
                     "else https://ec2.<region>.amazonaws.com)");
pull_cmd->add_option("--ec2-page-size", pull->ec2_page_size, "MaxResults of each EC2 Describe call")
    ->default_val(1000)
    ->check(CLI::Range(5, 1000));
pull_cmd->add_option("--profile", pull->profile, "The shared-config profile to use");
pull_cmd
    ->add_option("--max-attempts", pull->max_attempts,
                 "Attempts per call (throttling and 5xx are retried with backoff)")
    ->default_val(5)
    ->check(CLI::Range(1, 20));
AddRuleOptions(pull_cmd, pull_args->rules);
pull_cmd->callback([pull_args, pull, &global, exit_code] {
  RunPull(*pull_args, *pull, global, exit_code);
});
}  // namespace corroborate::cli

void RegisterResource(CLI::App& app, GlobalOptions& global, int* exit_code) {
  struct Args {
    std::string resource;
    std::string output = "table";
    std::size_t max_relations = 1000;
    RuleOptions rules;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "resource",
      "Show one resource: what each inventory source says about it, its relations with where\n"
      "each comes from (an inventory source or a finding) and when it was last seen, the\n"
      "findings naming it, and every rule's state for it (as explain). Nothing is changed.\n"
      "Example: corroborate resource arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123...\n"
      "Exit status: 0 shown, 1 nothing stored names the resource, 2 usage error, 3 store error.");
  cmd->add_option("resource", args->resource,
                  "The resource: its ARN (canonical key), or an id findings name it by")
      ->required();
  cmd->add_option("--output,-o", args->output,
                  "table, or json (the document GET /resources/{arn} returns)")
      ->default_val("table")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("--max-relations", args->max_relations,
                  "Describe at most this many related resources (all are counted)")
      ->default_val(1000)
      ->check(CLI::Range(1, 1000000));
  AddRuleOptions(cmd, args->rules);
  cmd->callback([args, &global, exit_code] {
    correlate::RuleSet rules;
    if (!LoadRulesOrReport(args->rules, &rules, exit_code)) return;
    auto store = OpenStoreOrReport(global, exit_code);
    if (!store) return;
    const asff::TimeMs now = Now(global);
    pipeline::DescribeOptions options;
    options.max_relations = args->max_relations;
    pipeline::ResourceView view;
    Status s = pipeline::DescribeResource(*store, rules.rules, args->resource, now, &view, options);
    if (s.code() == Status::Code::kNotFound) {
      // Not a stored key as given: an id findings name the resource by (i-0abc..., a bucket).
      auto key = ResolveResource(*store, args->resource, now);
      s = key.ok() ? pipeline::DescribeResource(*store, rules.rules, *key, now, &view, options)
                   : key.status();
    }
    if (!s.ok()) {
      PrintError(s.code() == Status::Code::kNotFound
                     ? "nothing stored names the resource " + args->resource +
                           " (give its ARN as the findings and inventory name it)"
                     : s.message());
      *exit_code = s.code() == Status::Code::kNotFound || s.code() == Status::Code::kInvalidInput
                       ? kExitPartial
                       : kExitFatal;
      return;
    }
    if (args->output == "json") {
      fmt::print("{}\n", pipeline::ResourceViewJson(view));
    } else {
      PrintView(view);
    }
    *exit_code = rules.errors.empty() ? kExitOk : kExitPartial;
  });
}

}  // namespace corroborate::cli
