// Input files and streams: NDJSON, arrays, get-findings output, EventBridge and SNS envelopes,
// truncated or malformed; every finding the reader yields is decoded as ingest would.
#include "asff/finding.h"
#include "fuzz_util.h"
#include "sources/sources.h"

namespace {

class Decode final : public corroborate::sources::FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element finding, const corroborate::sources::Location&) override {
    corroborate::asff::Finding f;
    (void)corroborate::asff::DecodeFinding(finding, f);
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
