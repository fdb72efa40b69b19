// MemoryEvidence: an EvidenceSource over findings held in memory, for rule tests and other callers
// that have a handful of findings and no store.
//
// Contract:
// - Add(finding) keeps the finding (core view, with its JSON in Finding::json), indexes it by
//   every Resources[].canonical_key and returns its version: a new one on every Add, as a store
//   gives every accepted import. A finding with the identity (ProductArn, Id) of one already held
//   replaces it, as an import would. Remove(id) forgets one.
// - Versions lists the current version of each finding naming the resource, once; ReadVersion
//   returns the finding of a current version (NotFound once it was replaced or removed); Related
//   returns the resources the held findings' relations (asff/relations.h) connect to the
//   resource, in both directions, with its type, once per version stating it; Stored looks up by
//   identity (NotFound when absent); ActiveCorrelated returns the ACTIVE findings whose GeneratorId
//   starts with kGeneratorPrefix; ForEachFinding visits every finding. Results come in identity
//   order, so runs are repeatable.
// - Pure: no I/O. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asff/finding.h"
#include "correlate/correlator.h"

namespace corroborate::correlate {

class MemoryEvidence final : public EvidenceSource {
 public:
  // Returns the version the finding is held as.
  std::uint64_t Add(asff::Finding finding);
  // Returns whether a finding with that identity was held.
  bool Remove(const asff::FindingIdentifier& id);
  [[nodiscard]] size_t size() const { return findings_.size(); }

  Status Versions(std::string_view resource_key, std::vector<std::uint64_t>* out) override;
  Status ReadVersion(std::uint64_t version, asff::Finding* out) override;
  Status Related(std::string_view resource_key, std::vector<RelatedResource>* out) override;
  Status Stored(const asff::FindingIdentifier& id, asff::Finding* out) override;
  Status ActiveCorrelated(std::vector<asff::Finding>* out) override;
  Status ForEachFinding(const std::function<void(const asff::Finding&)>& visit) override;

 private:
  using Identity = std::pair<std::string, std::string>;  // (ProductArn, Id)
  // One end of a relation as seen from the other, with the versions of the held findings that
  // state it (so removing one finding keeps relations others still state).
  struct Link {
    std::string type;
    std::set<std::uint64_t> stated_by;
  };

  struct Held {
    asff::Finding finding;
    std::uint64_t version = 0;
  };

  void Index(const asff::Finding& finding, std::uint64_t version, int delta);

  std::map<Identity, Held> findings_;
  std::map<std::uint64_t, Identity> by_version_;  // current versions only
  std::uint64_t last_version_ = 0;                // 0 is no version (Correlator::Touch)
  std::map<std::string, std::set<Identity>, std::less<>> by_resource_;
  std::map<std::string, std::map<std::string, Link>, std::less<>> related_;
};

}  // namespace corroborate::correlate
