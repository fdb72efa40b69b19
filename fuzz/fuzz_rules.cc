// Correlation rule files from outside: whatever the YAML, LoadRules refuses or loads, never
// crashes.
#include "correlate/rules.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace corroborate;
  correlate::RuleSet rules;
  correlate::LoadRules(fuzz::AsText(data, size), "fuzz.yaml", rules);
  return 0;
}
