// PendingDerived: the embedded store's derived state that is not written yet (identity entries,
// secondary index entries, removals of superseded records), internal to src/store.
//
// Contract:
// - Index entries are added as parts: a key prefix from a prefix-free set (keys.h: "u",
//   "f|field|lp(value)", "r|lp(resource)", "g|lp(from)|lp(to)|lp(type)") and one or two 64-bit
//   words that follow it big-endian (UpdatedAt descending and seq, or seq alone). Because no
//   prefix is a prefix of another, ordering by (prefix, words) is the order of the full keys, so
//   Commit sorts integers and one string per distinct prefix instead of comparing long keys that
//   share most of their bytes (the sort was a fifth of durable ingest; docs/performance.md).
// - A later operation on the same key wins, as in a WriteBatch applied in order.
// - ScanPrefix answers, for a resource ("r|lp(key)") or relation ("g|lp(from)") prefix, which
//   pending keys it adds or removes, so reads see every acknowledged import without the pending
//   state being written first.
// - Ordered answers, for an ordered prefix (two words: "u", "f|field|lp(value)"), the pending
//   operations under it, each key once with its last operation, in key order, as an immutable
//   snapshot that later additions do not change: Query merges it with what is written instead of
//   writing the pending state first (which, with GetFindings arriving between every few imports,
//   turned the batched, table-file writes of the derived state into memtable inserts of a few
//   hundred findings at a time; docs/performance.md). It sorts only what arrived since the last
//   call for that prefix and merges it in.
// - Mark/Rollback undo what an import added when its durable write failed.
// - Commit writes everything in key order (a table file ingested per column family when large,
//   else one WriteBatch); the owner then calls Clear. It changes nothing Ordered reads, so
//   queries may take their snapshots meanwhile. It is not atomic across column families: the
//   records are the durable truth and the owner re-derives after a crash.
#pragma once

#include <rocksdb/db.h>

#include "common/string_map.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace corroborate::store {

class PendingDerived {
 public:
  struct Handles {
    rocksdb::ColumnFamilyHandle* ids;
    rocksdb::ColumnFamilyHandle* findings;
    rocksdb::ColumnFamilyHandle* index;
  };

  // pk -> seq (8 bytes, big-endian) of the finding's current version, not written yet.
  // Every import looks each identity and index prefix up in tables of up to a few hundred
  // thousand entries, hence open addressing (common/string_map.h), here and below.
  template <typename Value>
  using StringMap = corroborate::StringMap<Value>;
  using IdMap = StringMap<std::string>;
  IdMap& ids() { return ids_; }
  // A superseded record to delete.
  void DeleteRecord(std::uint64_t seq) { deleted_records_.push_back(seq); }
  // An index entry prefix|a (words = 1) or prefix|a|b (words = 2), with `value` (put) or removed.
  void Index(std::string_view prefix, int words, std::uint64_t a, std::uint64_t b,
             std::string_view value, bool remove);

  [[nodiscard]] std::size_t IndexCount() const { return entries_.size(); }
  [[nodiscard]] bool empty() const {
    return ids_.empty() && deleted_records_.empty() && entries_.empty();
  }

  struct Marker {
    std::size_t entries;
    std::size_t deleted_records;
  };
  [[nodiscard]] Marker Mark() const { return {entries_.size(), deleted_records_.size()}; }
  // Drops the index entries and record removals added since `marker` (ids are the caller's).
  void Rollback(Marker marker);

  // Applies the pending entries under `scan_prefix` (a resource or relation prefix) to `keys`,
  // the full index keys read from the store in order: adds the pending puts, drops the pending
  // removals, keeping the order.
  void ApplyToScan(std::string_view scan_prefix, std::vector<std::string>* keys) const;

  // A pending operation on an ordered index key, prefix|a|b.
  struct OrderedOp {
    std::uint64_t a;
    std::uint64_t b;
    bool remove;
  };
  using OrderedOps = std::vector<OrderedOp>;
  // The pending operations under an ordered prefix (see the contract); null when there are none.
  // Callers hold the owner's write lock (the call merges what arrived since the last one).
  std::shared_ptr<const OrderedOps> Ordered(std::string_view prefix);

  rocksdb::Status Commit(rocksdb::DB* db, const Handles& cf, const std::string& table_dir);
  void Clear();

 private:
  struct Entry {
    std::uint64_t a;
    std::uint64_t b;
    std::uint32_t prefix;  // into prefixes_
    std::uint32_t value_offset;
    std::uint16_t value_size;
    bool remove;  // (how many integers follow the prefix is the prefix's: PrefixState::words)
  };
  std::uint32_t Intern(std::string_view prefix);

  IdMap ids_;
  std::vector<std::uint64_t> deleted_records_;
  std::vector<Entry> entries_;
  std::string values_;
  std::vector<std::string> prefixes_;
  StringMap<std::uint32_t> prefix_ids_;
  // Per interned prefix (indexed by its id, dense), what reads need of the entries under it.
  // For the prefixes reads scan: the operations in the order added (kept here rather than as
  // indexes into entries_: a scan then reads one small array instead of entries scattered over the
  // whole pending state).
  struct ScanOp {
    std::uint64_t a;
    std::uint32_t entry;  // its index in entries_, for Rollback
    bool remove;
  };
  // For the ordered prefixes Query reads: what Ordered last answered, and what arrived since (in
  // the order added, with its index in entries_, for Rollback).
  struct OrderedPrefix {
    std::shared_ptr<const OrderedOps> merged;
    std::vector<std::pair<OrderedOp, std::uint32_t>> arrived;
  };
  enum class PrefixKind : std::uint8_t { kOther, kScannable, kOrdered };
  struct PrefixState {
    PrefixKind kind = PrefixKind::kOther;
    std::uint8_t words = 1;    // integers after the prefix (keys.h fixes it per prefix)
    bool has_values = false;   // whether any entry under it has a value
    std::vector<ScanOp> scan;  // kScannable
    OrderedPrefix ordered;     // kOrdered
  };
  std::vector<PrefixState> prefix_state_;  // by prefix id
  // For relation prefixes: which interned prefixes start with "g|lp(from)".
  StringMap<std::vector<std::uint32_t>> relation_groups_;
};

}  // namespace corroborate::store
