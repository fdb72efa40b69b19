// ResourceView: one resource with what is known about it, as `corroborate resource ARN` prints it
// and the HTTP server's GET /resources/{arn} answers it.
//
// Contract:
// - DescribeResource reads, for one canonical resource key: what each inventory source says about
//   the resource (store::FindingStore::InventoryItemsOf); its relations, each with its provenance
//   (every stored version stating it: an inventory item's source, subject and last sighting, or a
//   finding's ProductArn, Id and last observation) and whether it counts at `now` (inventory
//   relations expire, finding relations live as long as their finding); the stored findings
//   naming it; and every rule's state for it, as `explain` shows it. Nothing is changed.
// - The resource's type is what its findings say, else its inventory items, else its key's shape
//   (inventory::TypeOfKey). NotFound when no finding, inventory item or relation names the key.
// - At most DescribeOptions::max_relations related resources are described (each one reads the
//   versions stating it); relations_total counts them all, so a security group on 50,000
//   instances answers quickly and says how many there are.
// - ResourceViewJson renders a view as the JSON document the HTTP API returns (docs/inventory.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "asff/json_writer.h"
#include "correlate/correlator.h"
#include "store/store.h"

namespace corroborate::pipeline {

struct RelationProvenance {
  enum class Kind : std::uint8_t { kInventory, kFinding, kGone };
  Kind kind = Kind::kGone;
  std::uint64_t version = 0;
  // kInventory: the source, the item's subject, the source's name for the relation.
  std::string source;
  std::string subject;
  std::string name;
  // kFinding: the finding's identity and product.
  asff::FindingIdentifier finding;
  std::string product_name;
  asff::TimeMs last_seen = 0;   // the item's last sighting, the finding's LastObservedAt/UpdatedAt
  asff::TimeMs expires_at = 0;  // 0: does not expire
  bool counts = true;           // at the time of the view
};

struct RelationView {
  std::string key;
  std::string type;
  std::vector<RelationProvenance> provenance;
  [[nodiscard]] bool counts() const;
};

struct ResourceView {
  std::string key;
  std::string type;
  asff::TimeMs as_of = 0;
  std::vector<store::StoredInventoryItem> inventory;  // what each source says about it
  std::vector<RelationView> relations;                // by related key
  std::size_t relations_total = 0;
  std::vector<asff::Finding> findings;  // the stored findings naming it (json filled)
  std::vector<correlate::RuleExplanation> rules;
  std::string rules_note;  // why `rules` is empty, when it is
};

struct DescribeOptions {
  std::size_t max_relations = 1000;
};

Status DescribeResource(store::FindingStore& store, const std::vector<correlate::Rule>& rules,
                        std::string_view key, asff::TimeMs now, ResourceView* out,
                        const DescribeOptions& options = {});

std::string ResourceViewJson(const ResourceView& view);
// One rule's state on one resource, as ResourceViewJson's Rules and the dashboard's explain
// answer it: the rule, the group, whether it fires, its stored incident, each condition with its
// evidence, and the verdict.
void WriteRuleExplanationJson(asff::JsonWriter& w, const correlate::RuleExplanation& e);

std::string_view ToString(RelationProvenance::Kind kind);

// The canonical key of the resource `given` names: itself when a stored finding names it so,
// else the one key whose stored findings' Resources[].Id is it or ends with "/given" or ":given"
// (i-0abc..., a bucket name). NotFound when none, InvalidInput listing them when several.
Result<std::string> ResolveResourceKey(store::FindingStore& store, std::string_view given,
                                       asff::TimeMs now);

}  // namespace corroborate::pipeline
