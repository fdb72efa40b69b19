// ASFF findings from outside: decode (validation), and for what passes, the import semantics on
// it: normalizing must give JSON that decodes again to the same identity, the same JSON whether
// the kept members are copied from the input's text or written out from the DOM, and a re-import
// of it merges with itself.
#include <cstdio>
#include <cstdlib>

#include "asff/finding.h"
#include "asff/import.h"
#include "asff/json_writer.h"
#include "fuzz_util.h"

namespace {

// `json` as its parsed value, written out canonically (whatever the spelling of its strings and
// numbers).
std::string Canonical(std::string_view json) {
  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string out;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return out;
  corroborate::asff::AppendMinified(out, root);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace corroborate;
  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(fuzz::AsText(data, size)).get(root) != simdjson::SUCCESS) return 0;
  asff::Finding finding;
  if (!asff::DecodeFinding(root, finding).ok()) return 0;
  asff::Finding decoded = finding;
  const std::string stored = asff::NormalizeNewFinding(root, finding, 1795392000000);
  const std::string copied =
      asff::NormalizeNewFinding(root, decoded, 1795392000000, fuzz::AsText(data, size));
  if (Canonical(copied).empty() || Canonical(copied) != Canonical(stored)) {
    std::fprintf(stderr, "normalizing from the text differs from the DOM:\n%s\n%s\n",
                 copied.c_str(), stored.c_str());
    std::abort();
  }
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
