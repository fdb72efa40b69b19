#include "store/pending_derived.h"

#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <numeric>

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
  scratch_.assign(prefix);
  if (auto it = prefix_ids_.find(scratch_); it != prefix_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(prefixes_.size());
  prefixes_.emplace_back(prefix);
  prefix_ids_.emplace(scratch_, id);
  if (prefix.starts_with(keys::kByRelation)) {
    // Group it under "g|lp(from)", the prefix RelatedResources scans.
    std::size_t pos = 1;
    if (keys::GetLengthPrefixed(prefix, pos)) {
      relation_groups_[std::string(prefix.substr(0, pos))].push_back(id);
    }
  }
  return id;
}

void PendingDerived::Index(std::string_view prefix, int words, std::uint64_t a, std::uint64_t b,
                           std::string_view value, bool remove) {
  const std::uint32_t id = Intern(prefix);
  const auto offset = static_cast<std::uint32_t>(values_.size());
  values_.append(value);
  entries_.push_back({a, words == 2 ? b : 0, id, offset, static_cast<std::uint16_t>(value.size()),
                      static_cast<std::uint8_t>(words), remove});
  if (prefix.starts_with(keys::kByResource) || prefix.starts_with(keys::kByRelation)) {
    scannable_[id].push_back({a, static_cast<std::uint32_t>(entries_.size() - 1), remove});
  } else if (words == 2 &&
             (prefix.starts_with(keys::kByUpdatedDesc) || prefix.starts_with(keys::kByField))) {
    ordered_[id].arrived.push_back(
        {{a, b, remove}, static_cast<std::uint32_t>(entries_.size() - 1)});
  }
}

std::shared_ptr<const PendingDerived::OrderedOps> PendingDerived::Ordered(std::string_view prefix) {
  scratch_.assign(prefix);
  const auto id = prefix_ids_.find(scratch_);
  if (id == prefix_ids_.end()) return nullptr;
  const auto it = ordered_.find(id->second);
  if (it == ordered_.end()) return nullptr;
  OrderedPrefix& p = it->second;
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
    if (auto it = scannable_.find(entries_[i - 1].prefix); it != scannable_.end()) {
      while (!it->second.empty() && it->second.back().entry >= marker.entries) {
        it->second.pop_back();
      }
    }
    // Not merged yet: Ordered runs under the same lock as the import being rolled back.
    if (auto it = ordered_.find(entries_[i - 1].prefix); it != ordered_.end()) {
      while (!it->second.arrived.empty() && it->second.arrived.back().second >= marker.entries) {
        it->second.arrived.pop_back();
      }
    }
  }
  if (marker.entries < entries_.size()) {
    values_.resize(entries_[marker.entries].value_offset);
    entries_.resize(marker.entries);
  }
  deleted_records_.resize(std::min(deleted_records_.size(), marker.deleted_records));
}

void PendingDerived::KeyOf(const Entry& e, std::string* key) const {
  key->assign(prefixes_[e.prefix]);
  keys::PutBigEndian64(*key, e.a);
  if (e.words == 2) keys::PutBigEndian64(*key, e.b);
}

void PendingDerived::ApplyToScan(std::string_view scan_prefix,
                                 std::vector<std::string>* keys) const {
  std::vector<std::uint32_t> prefixes;
  if (auto it = prefix_ids_.find(std::string(scan_prefix)); it != prefix_ids_.end()) {
    prefixes.push_back(it->second);
  }
  if (auto it = relation_groups_.find(std::string(scan_prefix)); it != relation_groups_.end()) {
    prefixes.insert(prefixes.end(), it->second.begin(), it->second.end());
  }
  if (prefixes.empty()) return;
  // `keys` is sorted and small (the findings of one resource): apply each pending operation with a
  // binary search rather than building a set.
  std::string key;
  for (std::uint32_t p : prefixes) {
    const auto it = scannable_.find(p);
    if (it == scannable_.end()) continue;
    for (const ScanOp& op : it->second) {  // in the order added: the last operation wins
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
  }
}

rocksdb::Status PendingDerived::Commit(rocksdb::DB* db, const Handles& cf,
                                       const std::string& table_dir) {
  rocksdb::WriteBatch wb;

  std::vector<const std::pair<const std::string, std::string>*> ids;
  ids.reserve(ids_.size());
  for (const auto& entry : ids_) ids.push_back(&entry);
  std::sort(ids.begin(), ids.end(),
            [](const auto* x, const auto* y) { return x->first < y->first; });
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
  std::sort(by_name.begin(), by_name.end(),
            [&](std::uint32_t x, std::uint32_t y) { return prefixes_[x] < prefixes_[y]; });
  std::vector<std::uint32_t> rank(prefixes_.size());
  for (std::uint32_t r = 0; r < by_name.size(); ++r) rank[by_name[r]] = r;
  struct SortKey {
    std::uint32_t rank;
    std::uint32_t added;  // the order added, so that the last operation on a key is kept
    std::uint64_t a;
    std::uint64_t b;
  };
  std::vector<SortKey> order(entries_.size());
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    order[i] = {rank[entries_[i].prefix], i, entries_[i].a, entries_[i].b};
  }
  std::sort(order.begin(), order.end(), [](const SortKey& x, const SortKey& y) {
    if (x.rank != y.rank) return x.rank < y.rank;
    if (x.a != y.a) return x.a < y.a;
    if (x.b != y.b) return x.b < y.b;
    return x.added < y.added;
  });
  std::vector<std::uint32_t> last;
  last.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const SortKey& k = order[i];
    if (i + 1 < order.size() && order[i + 1].rank == k.rank && order[i + 1].a == k.a &&
        order[i + 1].b == k.b) {
      continue;
    }
    last.push_back(k.added);
  }
  st = WriteSorted(db, cf.index, last.size(), table_dir, wb,
                   [&](std::size_t i, std::string& key, std::string& value, bool& remove) {
                     const Entry& e = entries_[last[i]];
                     KeyOf(e, &key);
                     value.assign(values_, e.value_offset, e.value_size);
                     remove = e.remove;
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
  scannable_.clear();
  ordered_.clear();
  relation_groups_.clear();
}

}  // namespace corroborate::store
