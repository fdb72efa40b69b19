// BatchUpdateFindings request bodies from outside: parsed, and what parses is applied to a stored
// finding; the result must still be a valid finding.
#include <cstdio>
#include <cstdlib>

#include "asff/finding.h"
#include "asff/import.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace corroborate;
  static const std::string stored = [] {
    simdjson::dom::parser p;
    asff::Finding f;
    const simdjson::dom::element e = p.parse(fuzz::kFinding).value();
    if (!asff::DecodeFinding(e, f).ok()) std::abort();
    return asff::NormalizeNewFinding(e, f, 1795392000000);
  }();
  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(fuzz::AsText(data, size)).get(root) != simdjson::SUCCESS) return 0;
  auto update = asff::ParseBatchUpdate(root);
  if (!update.ok()) return 0;
  asff::AnalystMask mask = 0;
  auto json = asff::ApplyBatchUpdate(stored, *update, 1795392000000, mask);
  if (!json.ok()) return 0;
  asff::Finding f;
  // What only the merge with the stored finding makes too big (its size, more map pairs than
  // allowed) the store reports per finding (FindingSizeExceeded, InvalidInput); anything else the
  // request parser must have refused.
  if (json->size() <= asff::kMaxFindingBytes) {
    const Status s = asff::DecodeFindingText(*json, f);
    if (!s.ok() && s.message().find("should NOT have more than") == std::string::npos) {
      std::fprintf(stderr, "an accepted update made an invalid finding: %s\n", s.message().c_str());
      std::abort();
    }
  }
  return 0;
}
