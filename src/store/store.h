// FindingStore: durable storage of findings with Security Hub's semantics.
//
// Contract:
// - Import applies a batch of provider imports atomically and durably: when it returns OK, every
//   outcome it reports is on disk (fsync'd) and survives a crash; when it returns non-OK, nothing
//   of the batch was written. Identity is (ProductArn, Id); the decision for each finding (create,
//   replace, ignore as stale) and the merged JSON come from asff/import.h, so every backend has the
//   same semantics. Two findings with one identity in a batch are applied in order.
// - BatchUpdate applies BatchUpdateFindings: it never creates findings, never changes UpdatedAt,
//   and reports each identifier as processed or unprocessed (FindingNotFound,
//   DuplicatedFindingIdentifier) the way Security Hub does.
// - Query evaluates a filter::FindingFilter with sort criteria and keyset pagination; a NextToken
//   stays valid while data changes (it names a position in the sort order, not an offset). Reads
//   see every Import/BatchUpdate that returned before them.
// - FindingsForResource returns every stored finding naming the canonical resource key (see
//   asff/resource_key.h) in any of its Resources.
// - ResourceVersions lists, for the findings FindingsForResource would return, the version each
//   is stored as: a token that changes with every accepted import of the finding (BatchUpdate
//   changes analyst fields in place and keeps it). GetVersion reads one. Together they let a
//   caller that keeps derived state per finding version (correlation) read only what changed.
// - RelatedResources returns the resources that stored findings relate to the canonical resource
//   key (asff/relations.h): one entry per related resource and stored version stating the
//   relation, with its type; a relation lives as long as a finding stating it is stored.
// - ApplyRetention deletes ACTIVE findings whose last update (the later of UpdatedAt and the last
//   accepted import) is older than `active_days`, and ARCHIVED ones older than `archived_days`.
// - FindingsOfGeneratorBefore returns, a page at a time and newest first, the findings with one
//   GeneratorId whose UpdatedAt is before a time (optionally only ACTIVE ones); it reads that index
//   range only, so its cost is what it returns, not everything the generator has. It is how an
//   IoT Device Defender audit archives what it no longer reports.
// - PutAuxiliary / GetAuxiliary / DeleteAuxiliary keep small values beside the findings, durably
//   (like an Import batch) but outside them: state an integration must remember across runs, such
//   as an operator's verification of a violation that has not been imported yet. Retention and
//   queries never see it.
// - Added for inventory (issue 9). ImportInventory stores inventory items (inventory/inventory.h)
//   atomically and durably per batch, as Import does. An item's identity is (source, subject
//   key); for each item, in order: one observed before the stored item of its identity is ignored
//   as stale; one stating the same relations (and gone or not alike) refreshes it (its last-seen
//   time moves on, its version stays); any other is stored as a new version, with a sequence
//   number from the space finding versions use, replacing the stored one: the relations the old
//   version stated leave the relation index and the new ones enter it, so RelatedResources
//   returns them beside those findings state, one entry per stating version. Each outcome says
//   which relations came to count and which stopped (what correlation re-evaluates).
// - Expiry: a relation an inventory item states counts until its last sighting plus
//   StoreOptions::inventory_expiry_days (RelatedResource::expires_at; a caller acting at time t
//   ignores entries with expires_at <= t); ApplyRetention deletes the items not seen within the
//   window, with their relations. Relations findings state never expire this way (expires_at 0):
//   they live as long as their finding.
// - InventoryItemsOf returns every source's stored item about a subject; InventoryItemOfVersion
//   the item a version is (NotFound when it is not an inventory version: a finding's, or gone),
//   which is how a relation's provenance is told.
// - WriteAuxiliary writes several auxiliary keys (puts and deletes) as one atomic, durable batch;
//   ScanAuxiliary reads a key range of the auxiliary space in key order, a page at a time. The
//   HTTP server keeps finding history, automation rules and insights there.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "asff/finding.h"
#include "asff/import.h"
#include "common/status.h"
#include "filter/filter.h"
#include "inventory/inventory.h"

namespace corroborate::store {

struct StoreOptions {
  int retention_active_days = 90;    // Security Hub's value
  int retention_archived_days = 30;  // Security Hub's value
  bool sync = true;                  // fsync each batch; off only for throwaway stores in tests
  // Added for inventory (issue 9): how long a relation an inventory source stated counts after it
  // was last seen (0: forever).
  int inventory_expiry_days = 30;
  // The index entries and other derived state are written in bulk once this many findings are
  // waiting (bounding memory, about 500 bytes a finding, and what a crash recovery redoes);
  // smaller only in tests, to exercise the write.
  std::size_t derived_flush_findings = 200'000;
};

// A validated finding ready for import: its core view and its NormalizeNewFinding JSON.
struct IncomingFinding {
  asff::Finding core;
  std::string json;
};

struct ImportOutcome {
  asff::ImportAction action = asff::ImportAction::kIgnoredStale;
  std::uint64_t version = 0;   // the stored version (see ResourceVersions); 0 when ignored
  std::uint64_t replaced = 0;  // the version it replaced; 0 when created or ignored
};

struct StoredFinding {
  asff::Finding core;  // core.json holds the stored JSON
  asff::AnalystMask analyst_mask = 0;
};

struct UnprocessedFinding {
  asff::FindingIdentifier identifier;
  std::string error_code;     // FindingNotFound | DuplicatedFindingIdentifier | InternalFailure
  std::string error_message;  // "Finding Not Found" ...
};

struct BatchUpdateResult {
  std::vector<asff::FindingIdentifier> processed;
  std::vector<UnprocessedFinding> unprocessed;
};

struct QueryRequest {
  const filter::FindingFilter* filter = nullptr;  // null: every finding
  std::vector<filter::SortCriterion> sort;        // empty: UpdatedAt descending
  std::size_t max_results = 100;
  std::string next_token;  // empty: first page
};

struct QueryPage {
  std::vector<std::string> findings;  // stored JSON, in sort order
  std::string next_token;             // empty: no more pages
  std::uint64_t examined = 0;         // candidates read to build the page (for tuning)
};

struct RelatedResource {
  std::string key;  // canonical resource key
  std::string type;
  std::uint64_t version = 0;  // the stored version stating the relation
  // Added for inventory (issue 9): when the relation stops counting unless seen again (0: never,
  // as for relations findings state).
  asff::TimeMs expires_at = 0;
  friend bool operator==(const RelatedResource&, const RelatedResource&) = default;
};

// FindingsOfGeneratorBefore's request; the page it answers is a QueryPage (its NextToken works like
// Query's: a position, valid while data changes).
struct GeneratorRangeRequest {
  std::string generator_id;
  asff::TimeMs updated_before = 0;  // UpdatedAt < this
  bool active_only = true;          // RecordState ACTIVE only
  std::size_t max_results = 100;    // 1..1000
  std::string next_token;
};

struct RetentionResult {
  std::uint64_t deleted_active = 0;
  std::uint64_t deleted_archived = 0;
  std::uint64_t deleted_inventory = 0;  // inventory items not seen within the expiry window
};

// --- Added for inventory (issue 9) ------------------------------------------------------------
struct StoredInventoryItem {
  inventory::Item item;
  std::uint64_t version = 0;    // the version its relations are stored as
  asff::TimeMs first_seen = 0;  // observed_at of the first item of its identity
  asff::TimeMs last_seen = 0;   // observed_at of the latest one (refreshes included)
  asff::TimeMs expires_at = 0;  // last_seen + the expiry window (0: never)
};

enum class InventoryAction : std::uint8_t { kCreated, kReplaced, kRefreshed, kIgnoredStale };

struct InventoryOutcome {
  InventoryAction action = InventoryAction::kIgnoredStale;
  std::uint64_t version = 0;   // the version stating the item's relations (0: ignored)
  std::uint64_t replaced = 0;  // the version it replaced (kReplaced)
  // Relations that count now and did not (new, or stated again after they had expired), and
  // relations the replaced version stated that this one does not.
  std::vector<inventory::Relation> added;
  std::vector<inventory::Relation> removed;
  bool expired_on_arrival = false;  // seen longer ago than the expiry window: stored, not counted
};
// ---

struct StoreStats {
  std::uint64_t findings = 0;
  std::map<std::string, std::uint64_t> by_product;
  std::map<std::string, std::uint64_t> by_severity;
  std::map<std::string, std::uint64_t> by_resource_type;
  std::map<std::string, std::uint64_t> by_record_state;
  std::map<std::string, std::uint64_t> by_workflow_status;
  std::uint64_t disk_bytes = 0;
};

// One write of FindingStore::WriteAuxiliary (added for the HTTP server, issue 5).
struct AuxiliaryWrite {
  std::string key;    // 1..1024 bytes
  std::string value;  // at most 64 KB; ignored when `remove`
  bool remove = false;
};

class FindingStore {
 public:
  virtual ~FindingStore() = default;

  virtual Status Import(std::span<const IncomingFinding> batch, asff::TimeMs now,
                        std::vector<ImportOutcome>* outcomes) = 0;
  virtual Status BatchUpdate(const asff::BatchUpdate& update, asff::TimeMs now,
                             BatchUpdateResult* result) = 0;
  // NotFound when no finding has the identifier.
  virtual Status Get(const asff::FindingIdentifier& id, StoredFinding* out) = 0;
  virtual Status Query(const QueryRequest& request, asff::TimeMs now, QueryPage* page) = 0;
  virtual Status FindingsForResource(std::string_view canonical_key,
                                     std::vector<StoredFinding>* out) = 0;
  virtual Status ResourceVersions(std::string_view canonical_key,
                                  std::vector<std::uint64_t>* versions) = 0;
  // NotFound when the version is no longer stored (take versions from ResourceVersions).
  virtual Status GetVersion(std::uint64_t version, StoredFinding* out) = 0;
  virtual Status RelatedResources(std::string_view canonical_key,
                                  std::vector<RelatedResource>* out) = 0;
  // The newest version stored (0 when none), and every version newer than `after`, oldest first:
  // what imports stored since a point, for work that follows imports and must be redone after a
  // crash (correlation). A version replaced since may still be visited while its removal is
  // pending; `visit` returning an error stops the walk with it.
  virtual Status LastVersion(std::uint64_t* version) = 0;
  virtual Status ForEachVersionSince(
      std::uint64_t after,
      const std::function<Status(std::uint64_t version, const StoredFinding&)>& visit) = 0;
  virtual Status ApplyRetention(asff::TimeMs now, RetentionResult* result) = 0;
  virtual Status Stats(StoreStats* stats) = 0;
  // Maintenance: rewrites the store compactly (reclaims space of deleted and replaced findings).
  virtual Status Compact() = 0;
  // Brings every index up to date with every import (reads do this themselves; this is for callers
  // that want the work done now, such as a benchmark or a shutdown).
  virtual Status Flush() = 0;

  // --- Added for IoT Device Defender (issue 4). Defaults report the method as unsupported, so a
  // backend without them still builds; the embedded store implements them.
  virtual Status FindingsOfGeneratorBefore(const GeneratorRangeRequest& request, QueryPage* page);
  // Keys up to 1 KB, values up to 64 KB. GetAuxiliary: NotFound when the key is absent.
  virtual Status PutAuxiliary(std::string_view key, std::string_view value);
  virtual Status GetAuxiliary(std::string_view key, std::string* value);
  virtual Status DeleteAuxiliary(std::string_view key);

  // --- Added for inventory (issue 9); defaults report the method as unsupported, as above.
  virtual Status ImportInventory(std::span<const inventory::Item> batch, asff::TimeMs now,
                                 std::vector<InventoryOutcome>* outcomes);
  virtual Status InventoryItemsOf(std::string_view subject_key,
                                  std::vector<StoredInventoryItem>* out);
  // NotFound when `version` is not a stored inventory version.
  virtual Status InventoryItemOfVersion(std::uint64_t version, StoredInventoryItem* out);
  // Calls `visit` with each stored inventory item whose version is after `after_version`, in
  // version order, stopping at the first non-OK status it returns (which is returned): what a
  // correlation that was interrupted must still re-evaluate.
  virtual Status InventoryItemsSince(
      std::uint64_t after_version, const std::function<Status(const StoredInventoryItem&)>& visit);
  // --- Added for the HTTP server (issue 5): several auxiliary keys in one durable batch, and key
  // ranges of the auxiliary space. Defaults report the method as unsupported.
  // Atomic: every write of the batch is applied, durably, or none is.
  virtual Status WriteAuxiliary(std::span<const AuxiliaryWrite> writes);
  // Up to `limit` (key, value) pairs whose keys start with `prefix` and sort after `after` (a full
  // key; empty: from the first), in ascending key order.
  virtual Status ScanAuxiliary(std::string_view prefix, std::string_view after, std::size_t limit,
                               std::vector<std::pair<std::string, std::string>>* out);
};

// The embedded default backend (RocksDB in one directory; see docs/storage.md for why).
Result<std::unique_ptr<FindingStore>> OpenEmbeddedStore(const std::string& directory,
                                                        const StoreOptions& options = {});

}  // namespace corroborate::store
