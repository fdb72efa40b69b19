// Shared plumbing of the `corroborate` subcommands: exit codes, the data directory, reading a
// JSON argument given inline or as @file.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/status.h"
#include "correlate/correlator.h"
#include "correlate/rules.h"
#include "pipeline/correlation.h"
#include "sources/sources.h"
#include "store/store.h"

namespace corroborate::cli {

// Exit codes scripts can rely on (also listed in `corroborate --help` and docs/cli.md).
enum ExitCode : int {
  kExitOk = 0,       // everything asked was done
  kExitPartial = 1,  // done, but some input was rejected or some findings were not processed
  kExitUsage = 2,    // the command line was wrong; nothing was done
  kExitFatal = 3,    // the command could not run (store, file system); see the message
};

struct GlobalOptions {
  std::string data_dir;  // empty: DefaultDataDir()
  int retention_active_days = 90;
  int retention_archived_days = 30;
  int inventory_expiry_days = 30;  // added for inventory (issue 9)
  std::string now;                 // --now: evaluate as of this ASFF timestamp instead of the clock
  // Added for the AWS edge (issue 6): the DynamoDB store instead of the embedded one.
  std::string dynamodb_table;         // empty: the embedded store in data_dir
  std::string dynamodb_endpoint_url;  // empty: $AWS_ENDPOINT_URL_DYNAMODB, $AWS_ENDPOINT_URL, AWS
  bool dynamodb_create_table = false;
};

// The time commands act at: --now when given, else the system clock.
asff::TimeMs Now(const GlobalOptions& options);

// $CORROBORATE_DATA_DIR, else $XDG_DATA_HOME/corroborate, else ~/.local/share/corroborate.
std::string DefaultDataDir();

Result<std::unique_ptr<store::FindingStore>> OpenStore(const GlobalOptions& options);
// OpenStore for a command: on failure prints why, sets *exit_code to kExitFatal, returns null.
std::unique_ptr<store::FindingStore> OpenStoreOrReport(const GlobalOptions& options,
                                                       int* exit_code);

// Files to read for PATH arguments: `-` (stdin) as is, files as they are, directories expanded to
// their *.json, *.ndjson and *.jsonl files (sorted; subdirectories too when `recursive`).
Result<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& paths, bool recursive);

// `text` itself, or the contents of the file when it starts with '@'.
Result<std::string> ReadJsonArgument(const std::string& text, const std::string& option_name);

// Reads every file (or stdin for "-") into `visitor`, printing each file that cannot be read;
// returns whether every one was read.
bool ReadEachInput(const std::vector<std::string>& files, sources::FindingVisitor& visitor,
                   const sources::ReadOptions& read = {});

// Which correlation rules a command runs: the built-in ones (rules/*.yaml, compiled in) unless
// --no-builtin-rules, plus every --rules file or directory (*.yaml, *.yml).
struct RuleOptions {
  std::vector<std::string> paths;
  bool no_builtin = false;
};
void AddRuleOptions(CLI::App* command, RuleOptions& options);

// The rule files named by `paths` (directories expanded to their *.yaml and *.yml files, sorted).
Result<std::vector<std::string>> ListRuleFiles(const std::vector<std::string>& paths);

// Loads the rules; prints each refused rule as file:line: reason (the others still load). Returns
// false, printing why and setting *exit_code to kExitFatal, when a rule file cannot be read.
bool LoadRulesOrReport(const RuleOptions& options, correlate::RuleSet* rules, int* exit_code);

// What an importing command (iot, inventory) works with: the rules, the store and, with rules,
// a started correlation stage whose incidents are collected. Not movable once opened (the stage
// appends to `incidents`).
struct CorrelatedStore {
  correlate::RuleSet rules;
  std::unique_ptr<store::FindingStore> store;
  std::unique_ptr<pipeline::CorrelationStage> correlation;  // null without rules
  std::vector<correlate::CorrelatedChange> incidents;

  // Loads the rules, opens the store, starts correlation; false (printed, exit code set) when one
  // of them fails.
  bool Open(const RuleOptions& options, const GlobalOptions& global, int* exit_code);
  // "correlated with N rule(s): ..." (unless quiet and all went well) and, unless quiet, each
  // incident, as ingest prints them.
  void PrintOutcome(bool quiet, bool finished_ok) const;
};

// Prints a created, updated or archived incident with its evidence, for people.
void PrintIncident(std::FILE* out, const correlate::CorrelatedChange& change);

// Prints "corroborate: <message>" to stderr.
void PrintError(const std::string& message);

// The `findings` table: its header, and one row per stored finding's JSON (also `resource`).
void PrintFindingsTableHeader(std::FILE* out);
void PrintFindingsTableRow(std::FILE* out, const std::string& json);

// `explain`'s account of each rule on a resource: its verdict, each condition with its evidence
// and what is missing (also `resource`).
void PrintExplanations(std::FILE* out, const std::vector<correlate::RuleExplanation>& explanations,
                       const std::string& indent = "");

// The canonical key of the resource the user named: an ARN as given, or an id such as i-0abc...
// or a bucket name, looked up among the stored findings' resources (as given, or as the last part
// of an ARN). NotFound when no finding names it; InvalidInput when several resources match.
Result<std::string> ResolveResource(store::FindingStore& store, const std::string& given,
                                    asff::TimeMs now);

}  // namespace corroborate::cli
