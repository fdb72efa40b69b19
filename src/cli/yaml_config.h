// A YAML config file for a command: `corroborate serve --config FILE` takes a mapping whose keys
// are the command's long option names (`max-body-bytes: 6291456`; `_` may stand for `-`),
// scalars for single values and flags (true/false), sequences for repeatable options.
//
// Contract: ApplyYamlConfig sets every option the file names that the command line did not give
// (the command line wins), through the option's own validation, as if it had been typed. A key
// that names no option, a nested mapping, a value the option refuses, or a file that is not YAML
// is an InvalidInput Status naming the file, line and key; an unreadable file an IOError.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "common/status.h"

namespace corroborate::cli {

Status ApplyYamlConfig(CLI::App& command, const std::string& path,
                       const std::string& config_option = "config");

}  // namespace corroborate::cli
