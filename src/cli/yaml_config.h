// A YAML front end for CLI11's config files: `corroborate serve --config FILE` reads a YAML
// mapping whose keys are the command's long option names (`max-body-bytes: 6291456`; `_` may
// stand for `-`), scalars for single values and flags (true/false), sequences for repeatable
// options. Options given on the command line win over the file. A key that names no option, or a
// nested mapping, is refused with the file's line number.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace corroborate::cli {

class YamlConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

}  // namespace corroborate::cli
