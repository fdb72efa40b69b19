// Input files and streams: NDJSON, arrays, get-findings output, EventBridge and SNS envelopes,
// truncated or malformed; every finding the reader yields is decoded as ingest would, and the
// text it comes with (Location::text) must be its own.
#include <cstdio>
#include <cstdlib>

#include "asff/finding.h"
#include "fuzz_util.h"
#include "sources/sources.h"

namespace {

class Decode final : public corroborate::sources::FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element finding,
                 const corroborate::sources::Location& where) override {
    corroborate::asff::Finding f;
    (void)corroborate::asff::DecodeFinding(finding, f);
    if (where.text.empty()) return;
    // The text a finding comes with is the text it was parsed from: one object, the same one.
    static simdjson::dom::parser parser;
    simdjson::dom::element again;
    std::string_view id, id_again;
    const bool has_id = finding["Id"].get_string().get(id) == simdjson::SUCCESS;
    if (parser.parse(where.text.data(), where.text.size()).get(again) != simdjson::SUCCESS ||
        !again.is_object() ||
        again.get_object().value_unsafe().size() != finding.get_object().value_unsafe().size() ||
        has_id != (again["Id"].get_string().get(id_again) == simdjson::SUCCESS) || id != id_again) {
      std::fprintf(stderr, "a finding's text is not the finding: %.*s\n",
                   static_cast<int>(where.text.size()), where.text.data());
      std::abort();
    }
  }
  void OnError(const corroborate::sources::Location& where, const corroborate::Status&) override {
    (void)where.ToString();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Decode visitor;
  corroborate::sources::ReadOptions options;
  options.chunk_bytes = 64;  // many refills: the chunk boundaries are where streaming goes wrong
  corroborate::sources::ReadFindingsFromBuffer(corroborate::fuzz::AsText(data, size), "fuzz",
                                               visitor, options);
  return 0;
}
