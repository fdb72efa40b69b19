// Shared by the iot tests: the fixtures in tests/iot/data (the reference examples of
// device-defender-examples/, copied unchanged) and small builders for variations of them.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "asff/finding.h"
#include "iot/iot.h"

namespace corroborate::iot::testing {

inline std::string DataPath(const std::string& name) {
  return std::string(CORROBORATE_SOURCE_DIR) + "/tests/iot/data/" + name;
}

inline std::string ReadData(const std::string& name) {
  std::ifstream in(DataPath(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << DataPath(name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Keeps parsed documents alive for the test's duration (one parser per document).
class Documents {
 public:
  simdjson::dom::element Parse(const std::string& json) {
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    simdjson::dom::element e;
    const auto error = parsers_.back()->parse(json).get(e);
    EXPECT_EQ(error, simdjson::SUCCESS) << json;
    return e;
  }
  simdjson::dom::element Load(const std::string& name) { return Parse(ReadData(name)); }

 private:
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

inline const Scope kScope{"aws", "eu-west-1", "111122223333"};

// Decodes ASFF JSON as the pipeline does, failing the test when it does not validate.
inline asff::Finding Decoded(const std::string& json) {
  asff::Finding f;
  const Status s = asff::DecodeFindingText(json, f);
  EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << json;
  return f;
}

inline std::string ProductField(const asff::Finding& f, std::string_view key) {
  for (const auto& [k, v] : f.product_fields) {
    if (k == key) return v;
  }
  return "<absent>";
}

inline bool HasRelation(const asff::Finding& f, std::string_view a, std::string_view b) {
  for (const auto& r : f.relations) {
    if ((r.from_key == a && r.to_key == b) || (r.from_key == b && r.to_key == a)) return true;
  }
  return false;
}

inline constexpr std::string_view kSharedCertificate =
    "3f8a9c1d2b4e6f7081928374655647382910abcdef0123456789abcdef012345";
inline constexpr std::string_view kPump017 = "arn:aws:iot:eu-west-1:111122223333:thing/pump-017";
inline constexpr std::string_view kPump044 = "arn:aws:iot:eu-west-1:111122223333:thing/pump-044";
inline std::string CertificateArn(std::string_view id = kSharedCertificate) {
  return "arn:aws:iot:eu-west-1:111122223333:cert/" + std::string(id);
}
inline constexpr std::string_view kPolicyArn =
    "arn:aws:iot:eu-west-1:111122223333:policy/PumpFleetPolicy";

}  // namespace corroborate::iot::testing
