// A deterministic generator of realistic ASFF corpora for benchmarks and load tests.
//
// Contract:
// - Finding(i) is a pure function of (options, i): the same options give byte-identical output on
//   every run and machine, and findings can be produced in any order or in parallel (one
//   CorpusGenerator may be shared by threads; every method is const).
// - Every finding is one line of minified JSON (no newline) that passes asff::DecodeFindingText
//   and uses only members of botocore's AwsSecurityFinding shapes. Findings look the way Security
//   Hub hands them out (get-findings, EventBridge), so the service-populated members ProductName,
//   CompanyName, Region, ProcessedAt and the aws/securityhub/* ProductFields are present.
// - The mix imitates a real account: GuardDuty, Inspector v2, Security Hub controls (consolidated
//   and standard-specific), Macie, AWS Config and IoT Device Defender findings, each with its own
//   Id form, GeneratorId, Types, ProductFields, Details and Vulnerabilities, and with a spread of
//   severities, record states, workflow states and compliance states.
// - Every finding is about one of resource_count() pool resources (EC2 instances, S3 buckets,
//   security groups, IoT things, roughly 5:2:2:1, each with a fixed account and region, which the
//   finding takes). It is Resources[0], except in IoT audit findings, which lead with the thing's
//   device certificate. Further Resources entries derive from it: the instance's network interface
//   with its security group, the access key used against a bucket, the S3 object classified. Low
//   pool ordinals are drawn more often, so some resources collect many findings.
// - Size: findings whose target is small are written lean (no Remediation, SourceUrl, tags or some
//   optional details and ProductFields); the others are padded in their naturally bulky part
//   (vulnerability references, ProductFields, compliance requirements, sensitive-data
//   occurrences, device details). Per-finding targets vary within +-40% and are scaled so that
//   the corpus average lands near target_avg_bytes; averages below the lean bare size (about
//   2.6 KB) are not reached.
// - Time: Finding(i)'s UpdatedAt lies in the 60 days before kBaseTime; CreatedAt precedes it by up
//   to 30 days.
// - Update(i, r) is revision r >= 1 of finding i: the same ProductArn, Id, AwsAccountId, CreatedAt
//   and Resources, an UpdatedAt strictly later than revision r-1's, and the provider fields that
//   providers move on re-import (LastObservedAt, counts, record state, compliance, EPSS).
//   Update(i, 0) equals Finding(i).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "asff/timestamp.h"

namespace corroborate::bench {

struct CorpusOptions {
  std::size_t findings = 10'000;
  std::size_t resources = 1'000;
  std::uint64_t seed = 1;
  std::size_t target_avg_bytes = 3000;
  // Added to the ordinal in bucket and thing names. Other identifiers derive from the seed, but
  // those names do not, so two corpora with different seeds share a store without naming the same
  // bucket or thing only if their offsets keep the ordinals apart.
  std::uint32_t name_offset = 0;
};

class CorpusGenerator {
 public:
  // 2026-11-30T00:00:00Z: "now" for every corpus, so that corpora never depend on the clock.
  static constexpr asff::TimeMs kBaseTime = 1'795'996'800'000;
  static constexpr asff::TimeMs kUpdatedAtSpan = 60 * asff::kMsPerDay;

  explicit CorpusGenerator(CorpusOptions options);

  [[nodiscard]] const CorpusOptions& options() const { return options_; }
  // options().resources, raised to at least one resource of each kind.
  [[nodiscard]] std::size_t resource_count() const { return pool_.size(); }

  // Finding `index`; indexes beyond options().findings continue the same series.
  [[nodiscard]] std::string Finding(std::size_t index) const;
  // Revision `revision` of finding `index` (see the contract above).
  [[nodiscard]] std::string Update(std::size_t index, unsigned revision) const;

  // Append forms for callers that reuse one buffer; no newline is added.
  void AppendFinding(std::size_t index, std::string& out) const;
  void AppendUpdate(std::size_t index, unsigned revision, std::string& out) const;

 private:
  class Writer;  // builds one finding; defined in corpus.cc
  void Calibrate();

  enum class Kind : std::uint8_t { kInstance, kBucket, kSecurityGroup, kThing };
  // Compact on purpose: names and ARNs are formatted when a finding needs them, so a pool of a
  // million resources costs tens of megabytes, not gigabytes.
  struct PoolResource {
    Kind kind;
    std::uint8_t account;          // index into the account table
    std::uint8_t region;           // index into the region table
    std::uint32_t ordinal;         // position among the resources of its kind
    std::uint32_t security_group;  // instances: ordinal of the attached security group
    std::uint64_t salt;            // stable per-resource randomness (ids, names, addresses)
  };

  CorpusOptions options_;
  double target_scale_ = 1.0;  // see Calibrate()
  std::vector<PoolResource> pool_;
  // Pool indexes by kind, so that each product draws the kind of resource it reports on.
  std::vector<std::uint32_t> instances_, buckets_, security_groups_, things_;
};

}  // namespace corroborate::bench
