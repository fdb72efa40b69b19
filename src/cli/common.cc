#include "cli/common.h"

#include <unistd.h>

#include "pipeline/resource_view.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "asff/json_writer.h"
#include "aws/credentials.h"
#include "aws/http_client.h"
#include "cli/aws_sink.h"
#include "correlate/builtin_rules.h"
#include "dynamodb/dynamodb_store.h"
#include "filter/filter.h"
#include "pipeline/pipeline.h"

namespace corroborate::cli {

std::string DefaultDataDir() {
  if (const char* dir = std::getenv("CORROBORATE_DATA_DIR"); dir != nullptr && *dir != '\0')
    return dir;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/corroborate";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.local/share/corroborate";
  }
  return ".corroborate";
}

asff::TimeMs Now(const GlobalOptions& options) {
  if (!options.now.empty()) {
    if (auto t = asff::ParseTimestamp(options.now)) return *t;  // main checked it parses
  }
  return pipeline::SystemNow();
}

namespace {

// The DynamoDB store (--dynamodb-table): credentials and region from the AWS chain.
Result<std::unique_ptr<store::FindingStore>> OpenDynamoDb(const GlobalOptions& options,
                                                          const store::StoreOptions& store) {
  aws::CredentialOptions credential_options;
  auto region = aws::ResolveRegion(credential_options);
  if (!region.ok()) {
    return Status::InvalidInput("the DynamoDB store needs a region: " + region.status().message());
  }
  auto credentials = std::make_unique<aws::CredentialChain>(credential_options);
  if (auto got = credentials->Get(); !got.ok()) {
    return Status::IOError("the DynamoDB store needs AWS credentials: " + got.status().message());
  }
  auto http = aws::HttpClient::Create();
  if (!http.ok()) return http.status();
  dynamodb::DynamoDbStoreOptions dynamo;
  dynamo.table = options.dynamodb_table;
  dynamo.region = *region;
  dynamo.endpoint_url = options.dynamodb_endpoint_url.empty()
                            ? EnvOr("AWS_ENDPOINT_URL_DYNAMODB", EnvOr("AWS_ENDPOINT_URL", ""))
                            : options.dynamodb_endpoint_url;
  dynamo.create_table = options.dynamodb_create_table;
  dynamo.store = store;
  return dynamodb::OpenDynamoDbStore(dynamo, std::move(http).value(), std::move(credentials));
}

}  // namespace

Result<std::unique_ptr<store::FindingStore>> OpenStore(const GlobalOptions& options) {
  if (!options.dynamodb_table.empty()) {
    store::StoreOptions store_options;
    store_options.retention_active_days = options.retention_active_days;
    store_options.retention_archived_days = options.retention_archived_days;
    store_options.inventory_expiry_days = options.inventory_expiry_days;
    return OpenDynamoDb(options, store_options);
  }
  const std::string dir = options.data_dir.empty() ? DefaultDataDir() : options.data_dir;
  std::error_code ec;
  const bool existed = std::filesystem::exists(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create the data directory " + dir + ": " + ec.message());
  if (!existed) {
    // Findings are sensitive: a store this command creates is its owner's only. (An existing
    // directory keeps the permissions its owner chose.)
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  store::StoreOptions store_options;
  store_options.retention_active_days = options.retention_active_days;
  store_options.retention_archived_days = options.retention_archived_days;
  store_options.inventory_expiry_days = options.inventory_expiry_days;
  return store::OpenEmbeddedStore(dir, store_options);
}

std::unique_ptr<store::FindingStore> OpenStoreOrReport(const GlobalOptions& options,
                                                       int* exit_code) {
  auto store = OpenStore(options);
  if (!store.ok()) {
    PrintError(store.status().message());
    *exit_code = kExitFatal;
    return nullptr;
  }
  return std::move(store).value();
}

bool CorrelatedStore::Open(const RuleOptions& options, const GlobalOptions& global,
                           int* exit_code) {
  if (!LoadRulesOrReport(options, &rules, exit_code)) return false;
  store = OpenStoreOrReport(global, exit_code);
  if (!store) return false;
  if (rules.rules.empty()) return true;
  correlation = std::make_unique<pipeline::CorrelationStage>(
      *store, rules.rules,
      [this](const correlate::CorrelatedChange& c) { incidents.push_back(c); });
  if (Status s = correlation->Start(); !s.ok()) {
    PrintError(s.message());
    *exit_code = kExitFatal;
    return false;
  }
  return true;
}

void CorrelatedStore::PrintOutcome(bool quiet, bool finished_ok) const {
  if (correlation && (!quiet || !finished_ok)) {
    const auto c = correlation->report();
    std::fprintf(stdout,
                 "correlated with %zu rule(s): %llu incident(s) created, %llu updated, %llu "
                 "withdrawn\n",
                 rules.rules.size(), static_cast<unsigned long long>(c.created),
                 static_cast<unsigned long long>(c.updated),
                 static_cast<unsigned long long>(c.archived));
  }
  if (quiet) return;
  for (const auto& incident : incidents) {
    std::fprintf(stdout, "\n");
    PrintIncident(stdout, incident);
  }
}

bool ReadEachInput(const std::vector<std::string>& files, sources::FindingVisitor& visitor,
                   const sources::ReadOptions& read) {
  bool all_read = true;
  for (const auto& file : files) {
    const Status s = file == "-" ? sources::ReadFindingsFromFd(STDIN_FILENO, "-", visitor, read)
                                 : sources::ReadFindingsFromFile(file, visitor, read);
    if (!s.ok()) {
      PrintError(s.message());
      all_read = false;
    }
  }
  return all_read;
}

Result<std::string> ReadJsonArgument(const std::string& text, const std::string& option_name) {
  if (text.empty() || text[0] != '@') return text;
  const std::string path = text.substr(1);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(option_name + ": cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

bool IsFindingsFile(const std::filesystem::path& p) {
  const auto ext = p.extension().string();
  return ext == ".json" || ext == ".ndjson" || ext == ".jsonl";
}

}  // namespace

Result<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& paths,
                                             bool recursive) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& p : paths) {
    if (p == "-") {
      out.push_back(p);
      continue;
    }
    std::error_code ec;
    const auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) return Status::IOError("no such file or directory: " + p);
    if (!fs::is_directory(status)) {
      out.push_back(p);
      continue;
    }
    std::vector<std::string> files;
    auto add = [&](const fs::directory_entry& e) {
      if (e.is_regular_file() && IsFindingsFile(e.path())) files.push_back(e.path().string());
    };
    if (recursive) {
      for (const auto& e : fs::recursive_directory_iterator(p, ec)) add(e);
    } else {
      for (const auto& e : fs::directory_iterator(p, ec)) add(e);
    }
    if (ec) return Status::IOError("cannot list " + p + ": " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) return Status::InvalidInput("no *.json, *.ndjson or *.jsonl files in " + p);
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

void AddRuleOptions(CLI::App* command, RuleOptions& options) {
  command->add_option("--rules", options.paths,
                      "Correlation rule file or directory of *.yaml rules, in addition to the "
                      "built-in ones (repeatable; see docs/rules.md)");
  command->add_flag("--no-builtin-rules", options.no_builtin,
                    "Do not load the built-in rules (rules/*.yaml, compiled in)");
}

Result<std::vector<std::string>> ListRuleFiles(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> in_dir;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        const auto ext = e.path().extension();
        if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
          in_dir.push_back(e.path().string());
      }
      if (ec) return Status::IOError("cannot list " + p + ": " + ec.message());
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      return Status::IOError("no such file or directory: " + p);
    }
  }
  return files;
}

bool LoadRulesOrReport(const RuleOptions& options, correlate::RuleSet* rules, int* exit_code) {
  if (!options.no_builtin) {
    for (const auto& file : correlate::BuiltinRuleFiles()) {
      correlate::LoadRules(file.text, "builtin:" + std::string(file.name), *rules);
    }
  }
  auto files = ListRuleFiles(options.paths);
  if (!files.ok()) {
    PrintError(files.status().message());
    *exit_code = kExitFatal;
    return false;
  }
  for (const auto& f : *files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      PrintError("cannot read " + f);
      *exit_code = kExitFatal;
      return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    correlate::LoadRules(text.str(), f, *rules);
  }
  for (const auto& e : rules->errors) PrintError("rule refused: " + e.ToString());
  return true;
}

void PrintIncident(std::FILE* out, const correlate::CorrelatedChange& change) {
  fmt::print(out, "incident {}: {} on {} {}\n", correlate::ToString(change.kind), change.rule->id,
             change.group.type, change.group.canonical_key);
  fmt::print(out, "  {}\n", change.title);
  if (change.kind == correlate::CorrelatedChange::Kind::kArchived) {
    fmt::print(out, "  withdrawn: the rule no longer holds ({} piece{} of evidence left)\n",
               change.evidence.size(), change.evidence.size() == 1 ? "" : "s");
    return;
  }
  fmt::print(out, "  evidence ({}):\n", change.evidence.size());
  for (const auto& e : change.evidence) {
    std::string conditions;
    for (const auto& c : e.conditions) conditions += (conditions.empty() ? "" : ", ") + c;
    fmt::print(out, "    [{}] {} {}: {}\n      {}\n", conditions, e.product_name,
               asff::ToString(e.severity), e.title, e.id.id);
  }
}

void PrintError(const std::string& message) {
  std::fprintf(stderr, "corroborate: %s\n", message.c_str());
}

// --- Shared by findings, explain and resource (moved here for inventory, issue 9) -------------

namespace {

std::string Field(simdjson::dom::element root, std::string_view pointer) {
  std::string_view s;
  if (root.at_pointer(pointer).get_string().get(s) != simdjson::SUCCESS) return "";
  return std::string(s);
}

std::string Clip(std::string s, size_t width) {
  if (s.size() <= width) return s;
  s.resize(width - 1);
  return s + "~";
}

// Keeps the end, where an ARN's distinguishing part is ("~instance/i-0a1b2c3d4e5f60718").
std::string ClipLeft(const std::string& s, size_t width) {
  if (s.size() <= width) return s;
  return "~" + s.substr(s.size() - (width - 1));
}

std::string ProductOf(const asff::FindingIdentifier& id) {
  const auto slash = id.product_arn.rfind('/');
  return slash == std::string::npos ? id.product_arn : id.product_arn.substr(slash + 1);
}

}  // namespace

void PrintFindingsTableHeader(std::FILE* out) {
  fmt::print(out, "{:<24} {:<13} {:<10} {:<14} {:<48} {}\n", "UPDATED", "SEVERITY", "WORKFLOW",
             "PRODUCT", "RESOURCE", "TITLE");
}

void PrintFindingsTableRow(std::FILE* out, const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return;
  std::string state = Field(root, "/Workflow/Status");
  if (Field(root, "/RecordState") == "ARCHIVED") state += "*";
  fmt::print(out, "{:<24} {:<13} {:<10} {:<14} {:<48} {}\n",
             Field(root, "/UpdatedAt").substr(0, 24), Field(root, "/Severity/Label"), state,
             Clip(Field(root, "/ProductName"), 14), ClipLeft(Field(root, "/Resources/0/Id"), 48),
             Clip(Field(root, "/Title"), 80));
}

void PrintExplanations(std::FILE* out, const std::vector<correlate::RuleExplanation>& explanations,
                       const std::string& indent) {
  for (const auto& e : explanations) {
    const auto& rule = *e.rule;
    fmt::print(out, "{}{}rule {} on {} {}: {}\n", &e == &explanations.front() ? "" : "\n", indent,
               rule.id, e.group.type, e.group.canonical_key,
               e.evaluation.fires ? "FIRES" : "does not fire");
    if (e.stored) {
      fmt::print(out, "{}  incident {} ({}, workflow {})\n", indent, e.stored->id,
                 asff::ToString(e.stored->record_state), asff::ToString(e.stored->workflow_status));
    }
    for (size_t k = 0; k < rule.conditions.size(); ++k) {
      const auto& outcome = e.evaluation.conditions[k];
      fmt::print(out, "{}  [{}] {}\n", indent, outcome.holds ? "x" : " ", outcome.explanation);
      for (const auto& item : e.condition_evidence[k]) {
        fmt::print(out, "{}      - {} {}: {}\n{}        {}\n", indent, ProductOf(item.id),
                   asff::ToString(item.severity), item.title, indent, item.id.id);
      }
    }
    // The last line of the evaluator's explanation is the verdict on require/ordered.
    const std::string& text = e.evaluation.explanation;
    const auto last = text.rfind('\n', text.size() - 2);
    fmt::print(out, "{}  {}\n", indent, last == std::string::npos ? text : text.substr(last + 1));
  }
}

Result<std::string> ResolveResource(store::FindingStore& store, const std::string& given,
                                    asff::TimeMs now) {
  return pipeline::ResolveResourceKey(store, given, now);
}

}  // namespace corroborate::cli
