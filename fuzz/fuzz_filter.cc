// AwsSecurityFindingFilters from outside (GetFindings bodies, rule conditions): parse, and for
// what parses, evaluate on a finding and ask the planner's question.
#include "filter/filter.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace corroborate;
  static simdjson::dom::parser finding_parser;
  static const simdjson::dom::element finding = finding_parser.parse(fuzz::kFinding).value();
  auto filter = filter::FindingFilter::ParseText(fuzz::AsText(data, size));
  if (!filter.ok()) return 0;
  (void)filter->Matches(finding, 1795392000000);
  (void)filter->ExactValues("ProductName");
  return 0;
}
