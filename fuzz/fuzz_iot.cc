// IoT Device Defender messages from outside (SNS notices, ListAuditFindings items, violations,
// CloudTrail verification events): classified, parsed, and what parses becomes ASFF that must
// pass Security Hub's validation.
#include <cstdlib>

#include "asff/finding.h"
#include "fuzz_util.h"
#include "iot/iot.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace corroborate;
  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(fuzz::AsText(data, size)).get(root) != simdjson::SUCCESS) return 0;
  iot::Options options;
  options.defaults = {"aws", "eu-west-1", "111122223333"};
  auto valid = [](const std::string& json) {
    asff::Finding f;
    if (!asff::DecodeFindingText(json, f).ok()) std::abort();
  };
  switch (iot::Classify(root)) {
    case iot::MessageKind::kAuditNotice: (void)iot::ParseAuditNotice(root); break;
    case iot::MessageKind::kAuditFinding: {
      iot::AuditContext context;
      context.scope = options.defaults;
      auto finding = iot::ParseAuditFinding(root, context, options);
      if (finding.ok()) valid(iot::ToAsff(*finding, std::nullopt));
      break;
    }
    case iot::MessageKind::kViolation: {
      auto violation = iot::ParseViolation(root, options.defaults, options);
      if (violation.ok()) valid(iot::ToAsff(*violation, std::nullopt));
      break;
    }
    case iot::MessageKind::kVerificationEvent:
      (void)iot::ParseVerificationEvent(root, options.defaults);
      break;
    default: break;
  }
  return 0;
}
