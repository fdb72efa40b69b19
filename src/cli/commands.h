// The `corroborate` subcommands. Each Register* adds one subcommand to the app; the callback it
// installs runs the command and stores its exit code in *exit_code.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/common.h"

namespace corroborate::cli {

void RegisterIngest(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterFindings(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterUpdate(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterStats(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterRetention(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterRules(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterCorrelate(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterExplain(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterIot(CLI::App& app, GlobalOptions& global, int* exit_code);
// Added for inventory (issue 9).
void RegisterInventory(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterResource(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterServe(CLI::App& app, GlobalOptions& global, int* exit_code);
void RegisterPush(CLI::App& app, GlobalOptions& global, int* exit_code);  // issue 6
void RegisterLambda(CLI::App& app, GlobalOptions& global, int* exit_code);

}  // namespace corroborate::cli
