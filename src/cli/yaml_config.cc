#include "cli/yaml_config.h"

#include <sstream>

#include <yaml-cpp/yaml.h>

namespace corroborate::cli {

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool /*description*/,
                                  std::string /*prefix*/) const {
  std::ostringstream out;
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_lnames().empty() || opt->get_configurable() == false) continue;
    const std::string name = opt->get_lnames().front();
    if (name == "help" || name == "config") continue;
    std::vector<std::string> values = opt->reduced_results();
    if (values.empty() && default_also && !opt->get_default_str().empty()) {
      values.push_back(opt->get_default_str());
    }
    if (values.empty()) continue;
    if (values.size() == 1) {
      out << name << ": " << YAML::Dump(YAML::Node(values.front())) << "\n";
    } else {
      out << name << ":\n";
      for (const auto& v : values) out << "  - " << YAML::Dump(YAML::Node(v)) << "\n";
    }
  }
  return out.str();
}

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  YAML::Node root;
  try {
    root = YAML::Load(input);
  } catch (const YAML::Exception& e) {
    throw CLI::ConversionError("config file: not YAML: " + std::string(e.what()));
  }
  std::vector<CLI::ConfigItem> result;
  if (root.IsNull()) return result;
  if (!root.IsMap()) throw CLI::ConversionError("config file: expected a mapping of option: value");
  for (const auto& entry : root) {
    const std::string line = std::to_string(entry.first.Mark().line + 1);
    CLI::ConfigItem item;
    item.name = entry.first.as<std::string>();
    for (char& c : item.name) {
      if (c == '_') c = '-';
    }
    const YAML::Node& value = entry.second;
    if (value.IsScalar()) {
      item.inputs.push_back(value.as<std::string>());
    } else if (value.IsSequence()) {
      for (const auto& v : value) {
        if (!v.IsScalar()) {
          throw CLI::ConversionError("config file line " + line + ": '" + item.name +
                                     "' must be a list of plain values");
        }
        item.inputs.push_back(v.as<std::string>());
      }
    } else if (value.IsNull()) {
      continue;
    } else {
      throw CLI::ConversionError("config file line " + line + ": '" + item.name +
                                 "' must be a value or a list of values, not a mapping");
    }
    result.push_back(std::move(item));
  }
  return result;
}

}  // namespace corroborate::cli
