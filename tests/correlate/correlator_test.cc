// The Correlator over an in-memory source: what it keeps between evaluations (condition results
// per version, members per resource) must not change what it decides, however small its cache.
#include "correlate/correlator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "correlate/builtin_rules.h"
#include "correlate/memory_evidence.h"
#include "sources/sources.h"

namespace corroborate::correlate {
namespace {

constexpr asff::TimeMs kNow = 1795392000000;  // 2026-11-23T00:00:00Z, just after the examples

class Decode final : public sources::FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element e, const sources::Location&) override {
    asff::Finding f;
    ASSERT_TRUE(asff::DecodeFinding(e, f).ok());
    f.json = simdjson::minify(e);
    findings.push_back(std::move(f));
  }
  void OnError(const sources::Location& where, const Status& error) override {
    ADD_FAILURE() << where.ToString() << ": " << error.ToString();
  }
  std::vector<asff::Finding> findings;
};

std::vector<asff::Finding> Examples() {
  Decode d;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(CORROBORATE_SOURCE_DIR) + "/examples")) {
    if (e.is_regular_file() && e.path().extension() != ".md") {
      EXPECT_TRUE(sources::ReadFindingsFromFile(e.path().string(), d).ok());
    }
  }
  return d.findings;
}

// Touches the examples one by one, running after each (as small import batches would), and
// returns "kind rule resource" of every change.
std::multiset<std::string> Changes(std::size_t cache_limit) {
  RuleSet rules;
  for (const auto& file : BuiltinRuleFiles()) LoadRules(file.text, file.name, rules);
  EXPECT_TRUE(rules.errors.empty());
  MemoryEvidence evidence;
  Correlator correlator(rules.rules, evidence, cache_limit);
  EXPECT_TRUE(correlator.Start().ok());
  std::multiset<std::string> out;
  for (asff::Finding& f : Examples()) {
    const std::string json = f.json;
    const asff::Finding copy = f;
    const std::uint64_t version = evidence.Add(std::move(f));
    correlator.Touch(copy, json, kNow, version);
    std::vector<CorrelatedChange> changes;
    EXPECT_TRUE(correlator.Run(kNow, &changes).ok());
    for (const CorrelatedChange& c : changes) {
      out.insert(std::string(ToString(c.kind)) + " " + c.rule->id + " " + c.group.canonical_key);
      asff::Finding incident;
      EXPECT_TRUE(asff::DecodeFindingText(c.json, incident).ok());
      incident.json = c.json;
      const asff::Finding incident_copy = incident;
      const std::uint64_t v = evidence.Add(std::move(incident));
      correlator.Touch(incident_copy, c.json, kNow, v);
    }
    correlator.Stored(changes);
  }
  return out;
}

TEST(CorrelatorTest, ATinyCacheDecidesTheSameAsALargeOne) {
  const auto large = Changes(1'000'000);
  EXPECT_EQ(large.count("created ec2-backdoor-with-critical-cves "
                        "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718"),
            1U);
  EXPECT_EQ(large.count("created s3-sensitive-data-exfiltration arn:aws:s3:::acme-payroll-exports"),
            1U);
  EXPECT_EQ(large.count("created ec2-exposed-under-attack "
                        "arn:aws:ec2:eu-west-1:111122223333:instance/i-0f9e8d7c6b5a40312"),
            1U);
  // Two versions and two resources kept: every evaluation evicts and reads again.
  EXPECT_EQ(Changes(2), large);
}

TEST(CorrelatorTest, ReImportingAFindingKeepsOneVersionOfItNotOnePerRevision) {
  RuleSet rules;
  for (const auto& file : BuiltinRuleFiles()) LoadRules(file.text, file.name, rules);
  MemoryEvidence evidence;
  Correlator correlator(rules.rules, evidence);
  ASSERT_TRUE(correlator.Start().ok());
  std::vector<asff::Finding> examples = Examples();
  ASSERT_FALSE(examples.empty());
  std::vector<std::uint64_t> current(examples.size(), 0);
  for (int revision = 0; revision < 50; ++revision) {
    for (size_t i = 0; i < examples.size(); ++i) {
      asff::Finding f = examples[i];
      const std::string json = f.json;
      const std::uint64_t version = evidence.Add(std::move(f));
      correlator.Touch(examples[i], json, kNow, version, true, current[i]);
      current[i] = version;
    }
    std::vector<CorrelatedChange> changes;
    ASSERT_TRUE(correlator.Run(kNow, &changes).ok());
    correlator.Stored(changes);
  }
  // One kept version per finding (and what the evaluations read), not 50 per finding.
  EXPECT_LE(correlator.versions_kept(), 2 * examples.size());
}

}  // namespace
}  // namespace corroborate::correlate
