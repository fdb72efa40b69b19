#include "cli/yaml_config.h"

#include <fstream>

#include <yaml-cpp/yaml.h>

namespace corroborate::cli {
namespace {

Status Refuse(const std::string& where, const std::string& name, std::string_view what) {
  std::string message = "--config: ";
  message += where;
  message += ": '";
  message += name;
  message += "' ";
  message += what;
  return Status::InvalidInput(std::move(message));
}

}  // namespace

Status ApplyYamlConfig(CLI::App& command, const std::string& path,
                       const std::string& config_option) {
  std::ifstream in(path);
  if (!in) return Status::IOError("--config: cannot read " + path);
  YAML::Node root;
  try {
    root = YAML::Load(in);
  } catch (const YAML::Exception& e) {
    return Status::InvalidInput("--config: " + path + " is not YAML: " + e.what());
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) {
    return Status::InvalidInput("--config: " + path + " must be a mapping of option: value");
  }
  for (const auto& entry : root) {
    const std::string where = path + ":" + std::to_string(entry.first.Mark().line + 1);
    std::string name = entry.first.as<std::string>();
    for (char& c : name) {
      if (c == '_') c = '-';
    }
    CLI::Option* option =
        name == config_option ? nullptr : command.get_option_no_throw("--" + name);
    if (option == nullptr) {
      return Refuse(where, name, "is not an option of `" + command.get_name() + "` (see --help)");
    }
    if (option->count() > 0) continue;  // given on the command line
    // The command's copy of a global option (--data-dir) yields to the global one given before
    // the command name too.
    if (const CLI::App* parent = command.get_parent(); parent != nullptr) {
      const CLI::Option* global = parent->get_option_no_throw("--" + name);
      if (global != nullptr && global->count() > 0) continue;
    }
    std::vector<std::string> values;
    const YAML::Node& value = entry.second;
    if (value.IsNull()) continue;
    if (value.IsScalar()) {
      values.push_back(value.as<std::string>());
    } else if (value.IsSequence()) {
      for (const auto& v : value) {
        if (!v.IsScalar()) {
          return Refuse(where, name, "must be a list of plain values");
        }
        values.push_back(v.as<std::string>());
      }
    } else {
      return Refuse(where, name, "must be a value or a list of values, not a mapping");
    }
    try {
      if (option->get_type_size() == 0) {
        if (values.size() != 1) {
          return Refuse(where, name, "is a flag: give true or false");
        }
        // A negated name (no-...) inverts, as on the command line.
        values[0] = option->get_flag_value(name, values[0]);
      }
      for (auto& v : values) option->add_result(v);
      option->run_callback();
    } catch (const CLI::Error& e) {
      return Refuse(where, name, std::string("was refused: ") + e.what());
    }
  }
  return Status::Ok();
}

}  // namespace corroborate::cli
