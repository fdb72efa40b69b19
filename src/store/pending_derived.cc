#include "store/pending_derived.h"

#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <numeric>

#include "store/key_sort.h"
#include "store/keys.h"

namespace corroborate::store {
namespace {

// Below this many operations a column family's share goes through the WriteBatch; above it,
// through a table file ingested directly (no memtable, no WAL).
constexpr std::size_t kTableFileThreshold = 20'000;

rocksdb::Slice ToSlice(std::string_view s) {
  return {s.data(), s.size()};
}

// Writes sorted operations of one column family: as an ingested table file when there are many,
// else into `wb`. `op(i, key, value, remove)` yields operation i.
template <typename Op>
rocksdb::Status WriteSorted(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::size_t count,
                            const std::string& table_dir, rocksdb::WriteBatch& wb, Op&& op) {
  std::string key, value;
  bool remove = false;
  if (count < kTableFileThreshold || table_dir.empty()) {
    for (std::size_t i = 0; i < count; ++i) {
      op(i, key, value, remove);
      auto st = remove ? wb.Delete(cf, ToSlice(key)) : wb.Put(cf, ToSlice(key), ToSlice(value));
      if (!st.ok()) return st;
    }
    return rocksdb::Status::OK();
  }
  static std::atomic<std::uint64_t> counter{0};
  const std::string path = table_dir + "/derived-" + std::to_string(::getpid()) + "-" +
                           std::to_string(counter.fetch_add(1)) + ".sst";
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), db->GetOptions(cf), cf);
  auto st = writer.Open(path);
  for (std::size_t i = 0; st.ok() && i < count; ++i) {
    op(i, key, value, remove);
    st = remove ? writer.Delete(ToSlice(key)) : writer.Put(ToSlice(key), ToSlice(value));
  }
  if (st.ok()) st = writer.Finish();
  if (st.ok()) {
    rocksdb::IngestExternalFileOptions ingest;
    ingest.move_files = true;
    st = db->IngestExternalFile(cf, {path}, ingest);
  }
  std::error_code ec;
  std::filesystem::remove(path, ec);  // moved on success; left over only on failure
  return st;
}

}  // namespace

std::uint32_t PendingDerived::Intern(std::string_view prefix) {
  if (auto it = prefix_ids_.find(prefix); it != prefix_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(prefixes_.size());
  prefixes_.emplace_back(prefix);
  prefix_ids_.emplace(prefix, id);
  PrefixState& state = prefix_state_.emplace_back();
  if (prefix.starts_with(keys::kByResource) || prefix.starts_with(keys::kByRelation)) {
    state.kind = PrefixKind::kScannable;
  } else if (prefix.starts_with(keys::kByUpdatedDesc) || prefix.starts_with(keys::kByField)) {
    state.kind = PrefixKind::kOrdered;
  }
  if (prefix.starts_with(keys::kByRelation)) {
    // Group it under "g|lp(from)", the prefix RelatedResources scans.
    std::size_t pos = 1;
    if (keys::GetLengthPrefixed(prefix, pos)) {
      const std::string_view group = prefix.substr(0, pos);
      auto it = relation_groups_.find(group);
      if (it == relation_groups_.end()) {
        it = relation_groups_.emplace(std::string(group), std::vector<std::uint32_t>()).first;
      }
      it->second.push_back(id);
    }
  }
  return id;
}

void PendingDerived::Index(std::string_view prefix, int words, std::uint64_t a, std::uint64_t b,
                           std::string_view value, bool remove) {
  const std::uint32_t id = Intern(prefix);
  const auto offset = static_cast<std::uint32_t>(values_.size());
  values_.append(value);
  const auto entry = static_cast<std::uint32_t>(entries_.size());
  entries_.push_back(
      {a, words == 2 ? b : 0, id, offset, static_cast<std::uint16_t>(value.size()), remove});
  PrefixState& state = prefix_state_[id];
  state.words = static_cast<std::uint8_t>(words);  // the same for every key under a prefix
  state.has_values = state.has_values || !value.empty();
  if (state.kind == PrefixKind::kScannable) {
    state.scan.push_back({a, entry, remove});
  } else if (state.kind == PrefixKind::kOrdered && words == 2) {
    state.ordered.arrived.push_back({{a, b, remove}, entry});
  }
}

std::shared_ptr<const PendingDerived::OrderedOps> PendingDerived::Ordered(std::string_view prefix) {
  const auto id = prefix_ids_.find(prefix);
  if (id == prefix_ids_.end()) return nullptr;
  PrefixState& state = prefix_state_[id->second];
  if (state.kind != PrefixKind::kOrdered) return nullptr;
  OrderedPrefix& p = state.ordered;
  if (p.arrived.empty()) return p.merged;
  auto less = [](const OrderedOp& x, const OrderedOp& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  };
  auto same = [](const OrderedOp& x, const OrderedOp& y) { return x.a == y.a && x.b == y.b; };
  // Stable: of the operations on one key, the last added stays last, and is the one kept.
  std::stable_sort(p.arrived.begin(), p.arrived.end(),
                   [&](const auto& x, const auto& y) { return less(x.first, y.first); });
  OrderedOps fresh;
  fresh.reserve(p.arrived.size());
  for (std::size_t i = 0; i < p.arrived.size(); ++i) {
    if (i + 1 < p.arrived.size() && same(p.arrived[i].first, p.arrived[i + 1].first)) continue;
    fresh.push_back(p.arrived[i].first);
  }
  p.arrived.clear();
  if (!p.merged) {
    p.merged = std::make_shared<const OrderedOps>(std::move(fresh));
    return p.merged;
  }
  // Merge, the newer operation winning on a key both hold.
  auto merged = std::make_shared<OrderedOps>();
  merged->reserve(p.merged->size() + fresh.size());
  auto old = p.merged->begin();
  for (const OrderedOp& op : fresh) {
    while (old != p.merged->end() && less(*old, op)) merged->push_back(*old++);
    if (old != p.merged->end() && same(*old, op)) ++old;
    merged->push_back(op);
  }
  merged->insert(merged->end(), old, p.merged->end());
  p.merged = std::move(merged);
  return p.merged;
}

void PendingDerived::Rollback(Marker marker) {
  for (std::size_t i = entries_.size(); i > marker.entries; --i) {
    PrefixState& state = prefix_state_[entries_[i - 1].prefix];
    while (!state.scan.empty() && state.scan.back().entry >= marker.entries) state.scan.pop_back();
    // Not merged yet: Ordered runs under the same lock as the import being rolled back.
    auto& arrived = state.ordered.arrived;
    while (!arrived.empty() && arrived.back().second >= marker.entries) arrived.pop_back();
  }
  if (marker.entries < entries_.size()) {
    values_.resize(entries_[marker.entries].value_offset);
    entries_.resize(marker.entries);
  }
  deleted_records_.resize(std::min(deleted_records_.size(), marker.deleted_records));
}

void PendingDerived::ApplyToScan(std::string_view scan_prefix,
                                 std::vector<std::string>* keys) const {
  // `keys` is sorted and small (the findings of one resource): apply each pending operation with a
  // binary search rather than building a set.
  std::string key;
  auto apply = [&](std::uint32_t p) {
    for (const ScanOp& op : prefix_state_[p].scan) {  // in the order added: the last one wins
      key.assign(prefixes_[p]);
      keys::PutBigEndian64(key, op.a);
      const auto at = std::lower_bound(keys->begin(), keys->end(), key);
      const bool present = at != keys->end() && *at == key;
      if (op.remove && present) {
        keys->erase(at);
      } else if (!op.remove && !present) {
        keys->insert(at, key);
      }
    }
  };
  if (auto it = prefix_ids_.find(scan_prefix); it != prefix_ids_.end()) apply(it->second);
  if (auto it = relation_groups_.find(scan_prefix); it != relation_groups_.end()) {
    for (std::uint32_t p : it->second) apply(p);
  }
}

rocksdb::Status PendingDerived::Commit(rocksdb::DB* db, const Handles& cf,
                                       const std::string& table_dir) {
  rocksdb::WriteBatch wb;

  std::vector<const std::pair<const std::string, std::string>*> ids;
  ids.reserve(ids_.size());
  for (const auto& entry : ids_) ids.push_back(&entry);
  SortByKey(ids, [](const auto* entry) { return std::string_view(entry->first); });
  auto st = WriteSorted(db, cf.ids, ids.size(), table_dir, wb,
                        [&](std::size_t i, std::string& key, std::string& value, bool& remove) {
                          key = ids[i]->first;
                          value = ids[i]->second;
                          remove = false;
                        });
  if (!st.ok()) return st;

  std::sort(deleted_records_.begin(), deleted_records_.end());
  deleted_records_.erase(std::unique(deleted_records_.begin(), deleted_records_.end()),
                         deleted_records_.end());
  st = WriteSorted(db, cf.findings, deleted_records_.size(), table_dir, wb,
                   [&](std::size_t i, std::string& key, std::string&, bool& remove) {
                     key.clear();
                     keys::PutBigEndian64(key, deleted_records_[i]);
                     remove = true;
                   });
  if (!st.ok()) return st;

  // Rank the distinct prefixes once; the entries then sort on integers.
  std::vector<std::uint32_t> by_name(prefixes_.size());
  std::iota(by_name.begin(), by_name.end(), 0);
  SortByKey(by_name, [&](std::uint32_t x) { return std::string_view(prefixes_[x]); });
  std::vector<std::uint32_t> rank(prefixes_.size());
  for (std::uint32_t r = 0; r < by_name.size(); ++r) rank[by_name[r]] = r;
  // 24 bytes, read in order: the keys are written from these alone (the entries themselves, in
  // the order added, would be read at random; that was a tenth of the import's time).
  constexpr std::uint32_t kRemoved = 1U << 31;  // in `added`; far above any pending count
  struct SortKey {
    std::uint64_t a;
    std::uint64_t b;
    std::uint32_t rank;
    std::uint32_t added;  // the order added (| kRemoved), so the last operation on a key is kept
  };
  std::vector<SortKey> order(entries_.size());
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    order[i] = {e.a, e.b, rank[e.prefix], i | (e.remove ? kRemoved : 0)};
  }
  std::sort(order.begin(), order.end(), [](const SortKey& x, const SortKey& y) {
    if (x.rank != y.rank) return x.rank < y.rank;
    if (x.a != y.a) return x.a < y.a;
    if (x.b != y.b) return x.b < y.b;
    return (x.added & ~kRemoved) < (y.added & ~kRemoved);
  });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const SortKey& k = order[i];
    if (i + 1 < order.size() && order[i + 1].rank == k.rank && order[i + 1].a == k.a &&
        order[i + 1].b == k.b) {
      continue;
    }
    order[kept++] = k;
  }
  std::uint32_t current_rank = UINT32_MAX;
  const PrefixState* state = nullptr;
  std::string_view prefix;
  st = WriteSorted(db, cf.index, kept, table_dir, wb,
                   [&](std::size_t i, std::string& key, std::string& value, bool& remove) {
                     const SortKey& k = order[i];
                     if (k.rank != current_rank) {
                       current_rank = k.rank;
                       prefix = prefixes_[by_name[k.rank]];
                       state = &prefix_state_[by_name[k.rank]];
                     }
                     key.assign(prefix);
                     keys::PutBigEndian64(key, k.a);
                     if (state->words == 2) keys::PutBigEndian64(key, k.b);
                     remove = (k.added & kRemoved) != 0;
                     value.clear();
                     if (state->has_values) {
                       const Entry& e = entries_[k.added & ~kRemoved];
                       value.assign(values_, e.value_offset, e.value_size);
                     }
                   });
  if (!st.ok()) return st;
  if (wb.Count() > 0) {
    st = db->Write(rocksdb::WriteOptions(), &wb);  // unsynced: the records are the durable truth
    if (!st.ok()) return st;
  }
  return rocksdb::Status::OK();
}

void PendingDerived::Clear() {
  ids_.clear();
  deleted_records_.clear();
  entries_.clear();
  values_.clear();
  prefixes_.clear();
  prefix_ids_.clear();
  prefix_state_.clear();
  relation_groups_.clear();
}

}  // namespace corroborate::store
