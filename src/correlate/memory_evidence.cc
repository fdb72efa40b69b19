#include "correlate/memory_evidence.h"

namespace corroborate::correlate {

void MemoryEvidence::Index(const asff::Finding& finding, std::uint64_t version, int delta) {
  const Identity identity{finding.product_arn, finding.id};
  for (const asff::Resource& r : finding.resources) {
    if (delta > 0) {
      by_resource_[r.canonical_key].insert(identity);
      continue;
    }
    auto it = by_resource_.find(r.canonical_key);
    if (it == by_resource_.end()) continue;
    it->second.erase(identity);
    if (it->second.empty()) by_resource_.erase(it);
  }
  auto link = [&](const std::string& from, const std::string& to, const std::string& to_type) {
    if (from == to) return;
    Link& l = related_[from][to];
    if (l.type.empty()) l.type = to_type;
    if (delta > 0) {
      l.stated_by.insert(version);
      return;
    }
    l.stated_by.erase(version);
    if (!l.stated_by.empty()) return;
    auto ends = related_.find(from);
    ends->second.erase(to);
    if (ends->second.empty()) related_.erase(ends);
  };
  for (const asff::ResourceRelation& r : finding.relations) {
    link(r.from_key, r.to_key, r.to_type);
    link(r.to_key, r.from_key, r.from_type);
  }
}

std::uint64_t MemoryEvidence::Add(asff::Finding finding) {
  Remove(finding.identifier());
  Identity identity{finding.product_arn, finding.id};
  const std::uint64_t version = ++last_version_;
  by_version_.emplace(version, identity);
  const Held& held =
      findings_.emplace(std::move(identity), Held{std::move(finding), version}).first->second;
  Index(held.finding, version, +1);
  return version;
}

bool MemoryEvidence::Remove(const asff::FindingIdentifier& id) {
  auto it = findings_.find({id.product_arn, id.id});
  if (it == findings_.end()) return false;
  Index(it->second.finding, it->second.version, -1);
  by_version_.erase(it->second.version);
  findings_.erase(it);
  return true;
}

Status MemoryEvidence::Versions(std::string_view resource_key, std::vector<std::uint64_t>* out) {
  out->clear();
  auto it = by_resource_.find(resource_key);
  if (it == by_resource_.end()) return Status::Ok();
  for (const Identity& identity : it->second) out->push_back(findings_.at(identity).version);
  return Status::Ok();
}

Status MemoryEvidence::ReadVersion(std::uint64_t version, asff::Finding* out) {
  auto it = by_version_.find(version);
  if (it == by_version_.end()) {
    return Status::NotFound("finding version " + std::to_string(version) + " is not held");
  }
  *out = findings_.at(it->second).finding;
  return Status::Ok();
}

Status MemoryEvidence::Related(std::string_view resource_key, std::vector<RelatedResource>* out) {
  out->clear();
  auto it = related_.find(resource_key);
  if (it == related_.end()) return Status::Ok();
  for (const auto& [key, link] : it->second) {
    for (std::uint64_t version : link.stated_by) out->push_back({key, link.type, version});
  }
  return Status::Ok();
}

Status MemoryEvidence::Stored(const asff::FindingIdentifier& id, asff::Finding* out) {
  auto it = findings_.find({id.product_arn, id.id});
  if (it == findings_.end()) return Status::NotFound("no finding " + id.id);
  *out = it->second.finding;
  return Status::Ok();
}

Status MemoryEvidence::ActiveCorrelated(std::vector<asff::Finding>* out) {
  out->clear();
  for (const auto& [identity, held] : findings_) {
    const asff::Finding& f = held.finding;
    if (f.generator_id.starts_with(kGeneratorPrefix) &&
        f.record_state == asff::RecordState::kActive) {
      out->push_back(f);
    }
  }
  return Status::Ok();
}

Status MemoryEvidence::ForEachFinding(const std::function<void(const asff::Finding&)>& visit) {
  for (const auto& [identity, held] : findings_) visit(held.finding);
  return Status::Ok();
}

}  // namespace corroborate::correlate
