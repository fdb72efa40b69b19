// Shared plumbing of the `corroborate` subcommands: exit codes, the data directory, reading a
// JSON argument given inline or as @file.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
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
};

// $CORROBORATE_DATA_DIR, else $XDG_DATA_HOME/corroborate, else ~/.local/share/corroborate.
std::string DefaultDataDir();

Result<std::unique_ptr<store::FindingStore>> OpenStore(const GlobalOptions& options);
// OpenStore for a command: on failure prints why, sets *exit_code to kExitFatal, returns null.
std::unique_ptr<store::FindingStore> OpenStoreOrReport(const GlobalOptions& options,
                                                       int* exit_code);

// `text` itself, or the contents of the file when it starts with '@'.
Result<std::string> ReadJsonArgument(const std::string& text, const std::string& option_name);

// Prints "corroborate: <message>" to stderr.
void PrintError(const std::string& message);

}  // namespace corroborate::cli
