// The built-in correlation rules: rules/*.yaml, compiled into the binary so they are there
// wherever it runs. Load them with LoadRules(file.text, "builtin:" + file.name, set).
#pragma once

#include <span>
#include <string_view>

namespace corroborate::correlate {

struct BuiltinRuleFile {
  std::string_view name;  // e.g. "ec2-backdoor-critical-cves.yaml"
  std::string_view text;
};

std::span<const BuiltinRuleFile> BuiltinRuleFiles();

}  // namespace corroborate::correlate
