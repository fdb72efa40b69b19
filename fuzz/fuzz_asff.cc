// ASFF findings from outside: decode (validation), and for what passes, the import semantics on
// it: normalizing must give JSON that decodes again to the same identity, and a re-import of it
// merges with itself.
#include <cstdio>
#include <cstdlib>

#include "asff/finding.h"
#include "asff/import.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace corroborate;
  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(fuzz::AsText(data, size)).get(root) != simdjson::SUCCESS) return 0;
  asff::Finding finding;
  if (!asff::DecodeFinding(root, finding).ok()) return 0;
  const std::string stored = asff::NormalizeNewFinding(root, finding, 1795392000000);
  asff::Finding again;
  const Status s = asff::DecodeFindingText(stored, again);
  // The stored form of a valid finding is a valid finding with the same identity.
  if (!s.ok() || again.id != finding.id || again.product_arn != finding.product_arn) {
    std::fprintf(stderr, "normalizing a valid finding broke it: %s\n%s\n", s.message().c_str(),
                 stored.c_str());
    std::abort();
  }
  auto merged = asff::MergeImport(stored, again, stored, again, 0, 1795392000000);
  if (!merged.ok()) {
    std::fprintf(stderr, "merging a finding with itself failed: %s\n",
                 merged.status().message().c_str());
    std::abort();
  }
  return 0;
}
