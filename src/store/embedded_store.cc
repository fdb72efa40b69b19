// The embedded backend: RocksDB with three column families.
//   ids:      pk (ProductArn, Id) -> seq, the finding's 8-byte sequence number given at creation
//   findings: seq -> record (format byte, analyst mask, stored JSON)
//   index:    secondary keys ending in seq (see keys.h)
//   default:  meta keys (next sequence number, how far the derived state is written)
// Records are the source of truth; `ids` and `index` are derived from them.
//
// Import writes, durably and atomically per batch, only what cannot be derived: each new version
// of a finding appends a record under a fresh sequence number (naming the version it supersedes).
// The derived changes (identity map, index keys, deletion of superseded versions) are collected in
// memory and written later in key order, as bulk-loaded table files when there are many: random
// inserts of index keys into RocksDB's memtable were most of the cost of ingest (see
// docs/performance.md). Every read first writes the pending derived state, so reads always see
// every acknowledged import; after a crash, Open re-derives it from the records written since the
// last time it was complete.
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <unordered_map>

#include "store/codec.h"
#include "store/keys.h"
#include "store/pending_derived.h"
#include "store/store.h"

namespace corroborate::store {
namespace {

using asff::Finding;
using asff::TimeMs;

constexpr char kRecordFormat = 2;
constexpr size_t kRecordHeader = 13;  // format, analyst mask (4), superseded seq (8)
constexpr std::string_view kNextSeqKey = "meta/next_seq";
constexpr std::string_view kDerivedThroughKey = "meta/derived_through";
// Import batches with at least this many new versions write them as an ingested table file.
constexpr size_t kRecordTableThreshold = 256;
constexpr char kStateActive = 'A';
constexpr char kStateArchived = 'X';

// Fields with an equality index: a query with EQUALS on one of them reads only matching findings.
struct IndexedField {
  char id;
  std::string_view filter_name;
  std::function<void(const Finding&, std::vector<std::string_view>&)> values;
};

// Each index costs a memtable insert per finding on every import, so only the fields that
// GetFindings callers filter on most, and whose values are few, are indexed; the filter
// evaluator handles every other field on the candidates an index (or the UpdatedAt order) yields.
const std::array<IndexedField, 7>& IndexedFields() {
  static const std::array<IndexedField, 7> kFields{{
      {'p', "ProductName", [](const Finding& f, auto& v) { v.push_back(f.product_name); }},
      {'s', "SeverityLabel",
       [](const Finding& f, auto& v) { v.push_back(ToString(f.severity_label)); }},
      {'r', "RecordState",
       [](const Finding& f, auto& v) { v.push_back(ToString(f.record_state)); }},
      {'w', "WorkflowStatus",
       [](const Finding& f, auto& v) { v.push_back(ToString(f.workflow_status)); }},
      {'c', "ComplianceStatus",
       [](const Finding& f, auto& v) {
         if (!f.compliance_status.empty()) v.push_back(f.compliance_status);
       }},
      {'t', "ResourceType",
       [](const Finding& f, auto& v) {
         for (const auto& r : f.resources) v.push_back(r.type);
       }},
      // FindingsOfGeneratorBefore reads this index (IoT Device Defender audits).
      {'g', "GeneratorId", [](const Finding& f, auto& v) { v.push_back(f.generator_id); }},
  }};
  return kFields;
}

std::string FieldPrefix(char field_id, std::string_view value) {
  std::string k;
  k += keys::kByField;
  k += field_id;
  keys::PutLengthPrefixed(k, value);
  return k;
}

// A record's fixed header: format, analyst mask, superseded seq (zeros when none).
std::array<char, kRecordHeader> RecordHeader(asff::AnalystMask mask,
                                             std::string_view superseded_seq) {
  std::array<char, kRecordHeader> h{};
  h[0] = kRecordFormat;
  for (int i = 0; i < 4; ++i) h[1 + i] = static_cast<char>((mask >> (8 * i)) & 0xFF);
  if (superseded_seq.size() == 8) std::copy(superseded_seq.begin(), superseded_seq.end(), &h[5]);
  return h;
}

std::string EncodeRecord(std::string_view json, asff::AnalystMask mask,
                         std::string_view superseded_seq) {
  const auto header = RecordHeader(mask, superseded_seq);
  std::string v;
  v.reserve(kRecordHeader + json.size());
  v.append(header.data(), header.size());
  v += json;
  return v;
}

// A record to write, in parts: the finding's JSON is not copied into a record string of its own
// (3 KB per finding, ~1% of durable ingest) but written from where the batch already holds it.
struct RecordParts {
  std::string seq;
  std::array<char, kRecordHeader> header;
  std::string_view json;  // the caller's input or the batch's merged version
};

// Decodes a record; `superseded_seq`, when given, receives the sequence number of the version this
// one replaced (empty when none).
Status DecodeRecord(std::string_view value, StoredFinding* out,
                    std::string* superseded_seq = nullptr) {
  if (value.size() < kRecordHeader || value[0] != kRecordFormat) {
    return Status::Corruption("bad record header");
  }
  out->analyst_mask = 0;
  for (int i = 0; i < 4; ++i) {
    out->analyst_mask |= static_cast<std::uint32_t>(static_cast<unsigned char>(value[1 + i]))
                         << (8 * i);
  }
  if (superseded_seq != nullptr) {
    const std::string_view prev = value.substr(5, 8);
    superseded_seq->clear();
    if (prev != std::string_view("\0\0\0\0\0\0\0\0", 8)) superseded_seq->assign(prev);
  }
  out->core = {};
  const std::string_view json = value.substr(kRecordHeader);
  const Status s = asff::DecodeFindingText(json, out->core);
  if (!s.ok()) return Status::Corruption("stored finding does not decode: " + s.message());
  out->core.json = std::string(json);
  return Status::Ok();
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(std::string(what));
  if (s.IsCorruption()) return Status::Corruption(std::string(what) + ": " + s.ToString());
  return Status::IOError(std::string(what) + ": " + s.ToString());
}

// A write batch applied in key order, for BatchUpdateFindings and retention (imports go through
// PendingDerived). RocksDB's memtable is a skip list that reuses its last insert position: keys
// written in ascending order cost a short search each instead of a full descent with a cache miss
// per level. Operations on the same key keep their relative order, and only the last one is
// written.
class SortedBatch {
 public:
  void Put(rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string_view value) {
    Add(cf, key, value, false);
  }
  void Delete(rocksdb::ColumnFamilyHandle* cf, std::string_view key) { Add(cf, key, {}, true); }
  [[nodiscard]] size_t Count() const { return ops_.size(); }
  void Clear() {
    ops_.clear();
    bytes_.clear();
  }

  rocksdb::Status Commit(rocksdb::DB* db, const rocksdb::WriteOptions& options) {
    std::stable_sort(ops_.begin(), ops_.end(), [this](const Op& a, const Op& b) {
      return a.cf_id != b.cf_id ? a.cf_id < b.cf_id : Key(a) < Key(b);
    });
    rocksdb::WriteBatch wb;
    for (size_t i = 0; i < ops_.size(); ++i) {
      // A later operation on the same key wins.
      if (i + 1 < ops_.size() && ops_[i + 1].cf_id == ops_[i].cf_id &&
          Key(ops_[i + 1]) == Key(ops_[i])) {
        continue;
      }
      const Op& op = ops_[i];
      auto st = op.remove ? wb.Delete(op.cf, ToSlice(Key(op)))
                          : wb.Put(op.cf, ToSlice(Key(op)), ToSlice(Value(op)));
      if (!st.ok()) return st;
    }
    Clear();
    if (wb.Count() == 0) return rocksdb::Status::OK();
    return db->Write(options, &wb);
  }

 private:
  // Keys and values live in one buffer: a finding adds about ten index entries, and a string
  // allocation for each was a visible share of ingest.
  struct Op {
    uint32_t cf_id;
    rocksdb::ColumnFamilyHandle* cf;
    size_t offset;
    uint32_t key_size;
    uint32_t value_size;
    bool remove;
  };

  void Add(rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string_view value,
           bool remove) {
    ops_.push_back({cf->GetID(), cf, bytes_.size(), static_cast<uint32_t>(key.size()),
                    static_cast<uint32_t>(value.size()), remove});
    bytes_.append(key).append(value);
  }
  std::string_view Key(const Op& op) const { return {bytes_.data() + op.offset, op.key_size}; }
  std::string_view Value(const Op& op) const {
    return {bytes_.data() + op.offset + op.key_size, op.value_size};
  }
  static rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

  std::vector<Op> ops_;
  std::string bytes_;
};

std::string EncodeSeq(std::uint64_t seq) {
  std::string s;
  keys::PutBigEndian64(s, seq);
  return s;
}

std::uint64_t DecodeSeq(std::string_view b) {
  std::uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < b.size(); ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

class EmbeddedStore final : public FindingStore {
 public:
  EmbeddedStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                StoreOptions options, std::string directory)
      : db_(std::move(db)),
        handles_(std::move(handles)),
        options_(options),
        directory_(std::move(directory)) {
    meta_ = handles_[0];
    ids_ = handles_[1];
    findings_ = handles_[2];
    index_ = handles_[3];
    inventory_ = handles_[4];  // added for inventory (issue 9)
    write_options_.sync = options_.sync;
  }

  ~EmbeddedStore() override {
    {
      std::lock_guard lock(write_mu_);
      (void)FlushDerived();  // what is not written now, the next Open re-derives
    }
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }

  // Reads the meta keys and re-derives what a crash left underived.
  Status Recover();

  Status Import(std::span<const IncomingFinding> batch, TimeMs now,
                std::vector<ImportOutcome>* outcomes) override;
  Status BatchUpdate(const asff::BatchUpdate& update, TimeMs now,
                     BatchUpdateResult* result) override;
  Status Get(const asff::FindingIdentifier& id, StoredFinding* out) override;
  Status Query(const QueryRequest& request, TimeMs now, QueryPage* page) override;
  Status FindingsForResource(std::string_view canonical_key,
                             std::vector<StoredFinding>* out) override;
  Status ResourceVersions(std::string_view canonical_key,
                          std::vector<std::uint64_t>* versions) override;
  Status GetVersion(std::uint64_t version, StoredFinding* out) override;
  Status RelatedResources(std::string_view canonical_key,
                          std::vector<RelatedResource>* out) override;
  Status LastVersion(std::uint64_t* version) override {
    std::lock_guard lock(write_mu_);
    *version = next_seq_ - 1;
    return Status::Ok();
  }
  Status ForEachVersionSince(
      std::uint64_t after,
      const std::function<Status(std::uint64_t, const StoredFinding&)>& visit) override;
  Status ApplyRetention(TimeMs now, RetentionResult* result) override;
  Status Stats(StoreStats* stats) override;
  Status Flush() override { return FlushDerivedLocked(); }

  // --- Added for IoT Device Defender (issue 4); implemented at the end of this file.
  Status FindingsOfGeneratorBefore(const GeneratorRangeRequest& request, QueryPage* page) override;
  Status PutAuxiliary(std::string_view key, std::string_view value) override;
  Status GetAuxiliary(std::string_view key, std::string* value) override;
  Status DeleteAuxiliary(std::string_view key) override;
  // --- Added for inventory (issue 9); implemented at the end of this file.
  Status ImportInventory(std::span<const inventory::Item> batch, TimeMs now,
                         std::vector<InventoryOutcome>* outcomes) override;
  Status InventoryItemsOf(std::string_view subject_key,
                          std::vector<StoredInventoryItem>* out) override;
  Status InventoryItemOfVersion(std::uint64_t version, StoredInventoryItem* out) override;
  Status InventoryItemsSince(
      std::uint64_t after_version,
      const std::function<Status(const StoredInventoryItem&)>& visit) override;
  // ---
  // --- Added for the HTTP server (issue 5); implemented at the end of this file.
  Status WriteAuxiliary(std::span<const AuxiliaryWrite> writes) override;
  Status ScanAuxiliary(std::string_view prefix, std::string_view after, std::size_t limit,
                       std::vector<std::pair<std::string, std::string>>* out) override;
  // ---
  Status Compact() override {
    if (Status s = FlushDerivedLocked(); !s.ok()) return s;
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    for (auto* cf : {ids_, findings_, index_, inventory_}) {
      if (Status s = FromRocks(db_->CompactRange(options, cf, nullptr, nullptr), "compacting");
          !s.ok()) {
        return s;
      }
    }
    return Status::Ok();
  }

 private:
  // Calls `emit(prefix, words, a, b, value)` for every index entry of a stored finding: the key is
  // prefix | a, or prefix | a | b with words = 2, the integers big-endian (PendingDerived).
  template <typename Emit>
  static void ForEachIndexEntry(const Finding& f, std::uint64_t seq, Emit&& emit) {
    const std::uint64_t updated_desc = keys::TimeDescendingBits(f.updated_at);
    // The UpdatedAt index carries what retention needs, so a retention pass reads no records
    // but those it deletes.
    std::string prefix(
        1, f.record_state == asff::RecordState::kActive ? kStateActive : kStateArchived);
    keys::PutTimeAscending(prefix, RetentionClock(f));  // here the value, not a prefix
    emit(std::string_view(&keys::kByUpdatedDesc, 1), 2, updated_desc, seq, prefix);
    for (size_t i = 0; i < f.resources.size(); ++i) {
      const std::string& key = f.resources[i].canonical_key;
      bool repeated = false;
      for (size_t j = 0; j < i && !repeated; ++j) repeated = f.resources[j].canonical_key == key;
      if (repeated) continue;
      prefix.assign(1, keys::kByResource);
      keys::PutLengthPrefixed(prefix, key);
      emit(std::string_view(prefix), 1, seq, 0, std::string_view());
    }
    for (const auto& rel : f.relations) {
      for (bool forward : {true, false}) {
        prefix.assign(1, keys::kByRelation);
        keys::PutLengthPrefixed(prefix, forward ? rel.from_key : rel.to_key);
        keys::PutLengthPrefixed(prefix, forward ? rel.to_key : rel.from_key);
        keys::PutLengthPrefixed(prefix, forward ? rel.to_type : rel.from_type);
        emit(std::string_view(prefix), 1, seq, 0, std::string_view());
      }
    }
    std::vector<std::string_view> values;
    for (const auto& field : IndexedFields()) {
      values.clear();
      field.values(f, values);
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      for (auto v : values) {
        prefix.assign(1, keys::kByField);
        prefix += field.id;
        keys::PutLengthPrefixed(prefix, v);
        emit(std::string_view(prefix), 2, updated_desc, seq, std::string_view());
      }
    }
  }

  // Adds (or, with remove, deletes) every index key of a stored finding to a write batch.
  void WriteIndexes(SortedBatch& batch, const Finding& f, std::string_view seq, bool remove) {
    std::string key;
    ForEachIndexEntry(f, DecodeSeq(seq),
                      [&](std::string_view prefix, int words, std::uint64_t a, std::uint64_t b,
                          std::string_view value) {
                        key.assign(prefix);
                        keys::PutBigEndian64(key, a);
                        if (words == 2) keys::PutBigEndian64(key, b);
                        if (remove) {
                          batch.Delete(index_, key);
                        } else {
                          batch.Put(index_, key, value);
                        }
                      });
  }

  // The same, to the pending derived state.
  void DeriveIndexes(const Finding& f, std::string_view seq, bool remove) {
    ForEachIndexEntry(
        f, DecodeSeq(seq),
        [&](std::string_view prefix, int words, std::uint64_t a, std::uint64_t b,
            std::string_view value) { derived_.Index(prefix, words, a, b, value, remove); });
  }

  // The index keys starting with `prefix`, as written plus what is pending (without writing the
  // pending state: correlation reads after every import batch, and writing the derived state that
  // often would undo the batching that makes ingest fast).
  Status ScanIndex(std::string_view prefix, std::vector<std::string>* out) {
    out->clear();
    std::lock_guard lock(write_mu_);
    rocksdb::ReadOptions ro;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, index_));
    for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
         it->Valid() && it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()));
         it->Next()) {
      out->emplace_back(it->key().data(), it->key().size());
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scanning the index");
    derived_.ApplyToScan(prefix, out);
    return Status::Ok();
  }

  // The sequence number of the finding with primary key `pk`; NotFound when there is none.
  Status LookupSeq(const rocksdb::ReadOptions& ro, std::string_view pk, std::string* seq) {
    const auto s = db_->Get(ro, ids_, rocksdb::Slice(pk.data(), pk.size()), seq);
    if (s.IsNotFound()) return Status::NotFound("finding not found");
    if (!s.ok()) return FromRocks(s, "looking up a finding");
    if (seq->size() != 8) return Status::Corruption("malformed id entry");
    return Status::Ok();
  }

  Status ReadRecord(const rocksdb::ReadOptions& ro, std::string_view seq, StoredFinding* out,
                    std::string* scratch) {
    const auto s = db_->Get(ro, findings_, rocksdb::Slice(seq.data(), seq.size()), scratch);
    if (s.IsNotFound()) return Status::NotFound("finding not found");
    if (!s.ok()) return FromRocks(s, "reading a finding");
    return DecodeRecord(*scratch, out);
  }

  // Writes the pending derived state (identity map, index keys, superseded versions) in key order,
  // then records that everything up to next_seq_ is derived. Callers hold write_mu_.
  // Queries go on meanwhile (they take derived_mu_ only): one that reads part of what is being
  // written and all of it as pending still sees each finding once, since a pending put of a
  // written key yields it once, and the only pending removals are of replaced versions' entries,
  // which are never put again.
  Status FlushDerived() {
    if (derived_.empty() && pending_findings_ == 0) return Status::Ok();
    Status s = FromRocks(derived_.Commit(db_.get(), {ids_, findings_, index_}, directory_),
                         "writing index entries");
    if (!s.ok()) return s;
    {
      std::lock_guard lock(derived_mu_);
      derived_.Clear();
    }
    s = FromRocks(db_->Put(write_options_, meta_, kDerivedThroughKey, EncodeSeq(next_seq_)),
                  "writing the index watermark");
    if (!s.ok()) return s;
    pending_findings_ = 0;
    return Status::Ok();
  }

  Status FlushDerivedLocked() {
    std::lock_guard lock(write_mu_);
    return FlushDerived();
  }

  // Adds to derived_ what one stored version implies: its identity and index entries, and the
  // removal of the version it superseded (record and index entries).
  // `pk` is the version's primary key.
  Status DeriveVersion(const rocksdb::ReadOptions& ro, const std::string& pk,
                       const Finding& version, const std::string& seq,
                       const std::string& superseded_seq, const Finding* superseded) {
    if (!superseded_seq.empty()) {
      StoredFinding old;
      std::string scratch;
      if (superseded == nullptr) {
        Status s = ReadRecord(ro, superseded_seq, &old, &scratch);
        if (s.ok()) superseded = &old.core;
        if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
      }
      if (superseded != nullptr) DeriveIndexes(*superseded, superseded_seq, /*remove=*/true);
      derived_.DeleteRecord(DecodeSeq(superseded_seq));
    }
    derived_.ids()[pk] = seq;
    DeriveIndexes(version, seq, /*remove=*/false);
    return Status::Ok();
  }

  // Writes records (ascending sequence numbers, all newer than any stored) as one synced table file
  // and ingests it into the findings column family.
  rocksdb::Status IngestRecords(const std::vector<RecordParts>& records) {
    static std::atomic<std::uint64_t> counter{0};
    const std::string path = directory_ + "/records-" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter.fetch_add(1)) + ".sst";
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), db_->GetOptions(findings_), findings_);
    auto st = writer.Open(path);
    std::string value;  // one buffer for every record: SstFileWriter::Put takes a single slice
    for (size_t i = 0; st.ok() && i < records.size(); ++i) {
      value.assign(records[i].header.data(), records[i].header.size());
      value.append(records[i].json);
      st = writer.Put(records[i].seq, value);
    }
    if (st.ok()) st = writer.Finish();  // fsyncs the file
    if (st.ok()) {
      rocksdb::IngestExternalFileOptions ingest;
      ingest.move_files = true;
      st = db_->IngestExternalFile(findings_, {path}, ingest);  // records it in the synced MANIFEST
    }
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return st;
  }

  // --- Added for inventory (issue 9) ---
  // The index keys under `prefix` with their values, written plus pending (pending entries are
  // findings' and have empty values).
  Status ScanIndexWithValues(std::string_view prefix,
                             std::vector<std::pair<std::string, std::string>>* out);
  TimeMs InventoryWindow() const {
    return static_cast<TimeMs>(options_.inventory_expiry_days) * asff::kMsPerDay;
  }
  TimeMs ExpiresAt(TimeMs last_seen) const {
    return InventoryExpiresAt(last_seen, options_.inventory_expiry_days);
  }
  Status ReadInventory(std::string_view pk, StoredInventoryItem* out, std::string* scratch);
  // Adds (or removes) the relation index entries of an inventory version to `batch`.
  void WriteInventoryRelations(SortedBatch& batch, const StoredInventoryItem& stored, bool remove);
  void DeleteInventory(SortedBatch& batch, const StoredInventoryItem& stored);
  Status ExpireInventory(TimeMs now, RetentionResult* result);
  // ---

  // Deletes a stored finding with everything that points at it.
  void DeleteFinding(SortedBatch& batch, const Finding& f, const std::string& seq) {
    WriteIndexes(batch, f, seq, /*remove=*/true);
    batch.Delete(findings_, seq);
    batch.Delete(ids_, keys::PrimaryKey(f.product_arn, f.id));
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* ids_ = nullptr;
  rocksdb::ColumnFamilyHandle* findings_ = nullptr;
  rocksdb::ColumnFamilyHandle* index_ = nullptr;
  rocksdb::ColumnFamilyHandle* inventory_ = nullptr;  // added for inventory (issue 9)
  StoreOptions options_;
  rocksdb::WriteOptions write_options_;
  std::string directory_;
  std::mutex write_mu_;  // serializes writers; guards everything below
  // Guards derived_ against Query, which takes only this (after write_mu_ when both are taken).
  std::mutex derived_mu_;
  std::uint64_t next_seq_ = 1;  // the sequence number the next stored version gets
  PendingDerived derived_;      // derived changes not written yet
  // pk -> seq of the current version, for the findings whose identity entry is not written yet.
  PendingDerived::IdMap& pending_ids_ = derived_.ids();
  size_t pending_findings_ = 0;
};

Status EmbeddedStore::Import(std::span<const IncomingFinding> batch, TimeMs now,
                             std::vector<ImportOutcome>* outcomes) {
  std::lock_guard lock(write_mu_);
  // Held until the batch is durable or undone, so that a query sees its new versions' index
  // entries only with their records, and a replaced version's removal only with its successor.
  std::unique_lock derived_lock(derived_mu_);
  outcomes->assign(batch.size(), ImportOutcome{});
  rocksdb::WriteBatch wb;
  // The current version of a finding as this import sees it: stored, or produced earlier in this
  // batch (so a repeated identity sees its earlier twin). Pointers stay valid for the whole call.
  struct Version {
    std::string seq;
    const Finding* core;
    std::string_view json;
    asff::AnalystMask mask;
  };
  PendingDerived::StringMap<Version> in_batch;
  std::deque<StoredFinding> merged;  // versions made by MergeImport in this batch
  // To undo this batch's additions to the pending state if its write fails.
  const std::uint64_t first_seq = next_seq_;
  const PendingDerived::Marker derived_mark = derived_.Mark();
  // (pk, seq) for each identity this batch gives a new pending version that had one before it.
  std::vector<std::pair<std::string, std::string>> replaced_pending_ids;
  auto rollback = [&](Status s) {
    next_seq_ = first_seq;
    derived_.Rollback(derived_mark);
    for (const auto& [pk, version] : in_batch) pending_ids_.erase(pk);
    for (auto& [pk, seq] : replaced_pending_ids) pending_ids_[pk] = std::move(seq);
    return s;
  };
  std::string scratch;
  rocksdb::ReadOptions ro;
  size_t changed = 0;
  std::vector<RecordParts> records;  // seq ascending
  records.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const IncomingFinding& in = batch[i];
    std::string pk = keys::PrimaryKey(in.core.product_arn, in.core.id);
    std::optional<Version> existing;
    StoredFinding read;
    std::optional<std::string> prior_pending;  // its pending version from before this batch
    if (auto it = in_batch.find(pk); it != in_batch.end()) {
      existing = it->second;
    } else {
      std::string seq;
      Status s = Status::NotFound("");
      if (auto p = pending_ids_.find(pk); p != pending_ids_.end()) {
        seq = p->second;
        prior_pending = seq;
        s = Status::Ok();
      } else {
        s = LookupSeq(ro, pk, &seq);
      }
      if (s.ok()) s = ReadRecord(ro, seq, &read, &scratch);
      if (s.ok()) {
        existing = Version{std::move(seq), &read.core, read.core.json, read.analyst_mask};
      } else if (s.code() != Status::Code::kNotFound) {
        return rollback(s.WithContext("finding " + in.core.id));
      }
    }
    const Finding* version = &in.core;
    asff::AnalystMask mask = 0;
    if (!existing) {
      (*outcomes)[i].action = asff::ImportAction::kCreated;
    } else {
      auto result =
          asff::MergeImport(in.json, in.core, existing->json, *existing->core, existing->mask, now);
      if (!result.ok()) return rollback(result.status().WithContext("finding " + in.core.id));
      (*outcomes)[i].action = result->action;
      if (result->action == asff::ImportAction::kIgnoredStale) continue;
      StoredFinding& next = merged.emplace_back();
      const Status s = asff::DecodeFindingText(result->json, next.core);
      if (!s.ok())
        return rollback(Status::Internal("merged finding does not decode: " + s.message()));
      next.core.json = std::move(result->json);
      next.analyst_mask = mask = existing->mask;
      version = &next.core;
    }
    (*outcomes)[i].version = next_seq_;
    if (existing) (*outcomes)[i].replaced = DecodeSeq(existing->seq);
    std::string seq = EncodeSeq(next_seq_++);
    const std::string_view superseded =
        existing ? std::string_view(existing->seq) : std::string_view();
    const std::string_view json =
        existing ? std::string_view(version->json) : std::string_view(in.json);
    records.push_back({seq, RecordHeader(mask, superseded), json});
    // Noted before DeriveVersion points the identity at the new version, so that a rollback
    // restores the version it had (not one whose sequence number the next import reuses).
    if (prior_pending) replaced_pending_ids.emplace_back(pk, std::move(*prior_pending));
    if (Status s = DeriveVersion(ro, pk, *version, seq, std::string(superseded),
                                 existing ? existing->core : nullptr);
        !s.ok()) {
      return rollback(s);
    }
    in_batch[std::move(pk)] = Version{std::move(seq), version, json, mask};
    ++changed;
  }
  if (changed == 0) return Status::Ok();
  Status s;
  if (records.size() >= kRecordTableThreshold) {
    // A synced table file of the new versions, ingested: written once, never through the WAL or
    // the memtable, and below every other file, so no compaction rewrites it. Its ingestion is the
    // batch's commit point: nothing written after it may fail the batch, since the records would
    // stay and Recover would bring back a batch the caller was told had failed. So the sequence
    // number is not written here; Recover finds it from the records and the index watermark.
    s = FromRocks(IngestRecords(records), "writing an import batch");
  } else {
    for (const RecordParts& r : records) {
      const rocksdb::Slice key(r.seq);
      const std::array<rocksdb::Slice, 2> value = {rocksdb::Slice(r.header.data(), r.header.size()),
                                                   rocksdb::Slice(r.json.data(), r.json.size())};
      wb.Put(findings_, rocksdb::SliceParts(&key, 1), rocksdb::SliceParts(value.data(), 2));
    }
    wb.Put(meta_, kNextSeqKey, EncodeSeq(next_seq_));
    s = FromRocks(db_->Write(write_options_, &wb), "writing an import batch");
  }
  if (!s.ok()) return rollback(s);
  pending_findings_ += changed;
  derived_lock.unlock();  // FlushDerived takes it only to clear what it wrote
  if (pending_findings_ >= options_.derived_flush_findings) return FlushDerived();
  return Status::Ok();
}

Status EmbeddedStore::Recover() {
  rocksdb::ReadOptions ro;
  std::string value;
  auto s = db_->Get(ro, meta_, kNextSeqKey, &value);
  if (s.ok() && value.size() == 8) {
    next_seq_ = DecodeSeq(value);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading the store's sequence number");
  }
  std::uint64_t derived_through = 1;
  s = db_->Get(ro, meta_, kDerivedThroughKey, &value);
  if (s.ok() && value.size() == 8) {
    derived_through = DecodeSeq(value);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading the index watermark");
  }
  // Versions stored after the watermark: their derived state may be missing. Re-deriving is
  // idempotent, so it does not matter how much of it had been written before the crash.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, findings_));
  for (it->Seek(EncodeSeq(derived_through)); it->Valid(); it->Next()) {
    const std::string seq(it->key().data(), it->key().size());
    StoredFinding version;
    std::string superseded;
    const Status d = DecodeRecord(std::string_view(it->value().data(), it->value().size()),
                                  &version, &superseded);
    if (!d.ok()) return d.WithContext("recovering record " + std::to_string(DecodeSeq(seq)));
    if (Status r = DeriveVersion(ro, keys::PrimaryKey(version.core.product_arn, version.core.id),
                                 version.core, seq, superseded, nullptr);
        !r.ok()) {
      return r;
    }
    ++pending_findings_;
    next_seq_ = std::max(next_seq_, DecodeSeq(seq) + 1);
  }
  if (Status st = FromRocks(it->status(), "scanning records to recover"); !st.ok()) return st;
  // Batches written as table files do not write the sequence number; the watermark covers those
  // whose derived state was written, the scan above those whose was not.
  next_seq_ = std::max(next_seq_, derived_through);
  return FlushDerived();
}

Status EmbeddedStore::BatchUpdate(const asff::BatchUpdate& update, TimeMs now,
                                  BatchUpdateResult* result) {
  std::lock_guard lock(write_mu_);
  *result = {};
  if (Status s = FlushDerived(); !s.ok()) return s;
  std::unordered_map<std::string, int> occurrences;
  for (const auto& id : update.identifiers) ++occurrences[keys::PrimaryKey(id.product_arn, id.id)];
  SortedBatch wb;
  std::string scratch;
  rocksdb::ReadOptions ro;
  std::vector<asff::FindingIdentifier> processed;
  for (const auto& id : update.identifiers) {
    const std::string pk = keys::PrimaryKey(id.product_arn, id.id);
    std::string seq;
    if (occurrences[pk] > 1) {
      result->unprocessed.push_back(
          {id, "DuplicatedFindingIdentifier", "Finding Identifier is duplicated"});
      continue;
    }
    StoredFinding existing;
    Status s = LookupSeq(ro, pk, &seq);
    if (s.ok()) s = ReadRecord(ro, seq, &existing, &scratch);
    if (s.code() == Status::Code::kNotFound) {
      result->unprocessed.push_back({id, "FindingNotFound", "Finding Not Found"});
      continue;
    }
    if (!s.ok()) {
      result->unprocessed.push_back(
          {id, "InternalFailure", "Internal service failure: " + s.message()});
      continue;
    }
    StoredFinding next;
    if (auto refused = ApplyBatchUpdateTo(existing, id, update, now, &next)) {
      result->unprocessed.push_back(std::move(*refused));
      continue;
    }
    WriteIndexes(wb, existing.core, seq, /*remove=*/true);
    wb.Put(findings_, seq, EncodeRecord(next.core.json, next.analyst_mask, /*superseded_seq=*/{}));
    WriteIndexes(wb, next.core, seq, /*remove=*/false);
    processed.push_back(id);
  }
  if (wb.Count() > 0) {
    Status s = FromRocks(wb.Commit(db_.get(), write_options_), "writing a batch update");
    if (!s.ok()) return s;
  }
  result->processed = std::move(processed);
  return Status::Ok();
}

Status EmbeddedStore::Get(const asff::FindingIdentifier& id, StoredFinding* out) {
  std::string scratch, seq;
  const rocksdb::ReadOptions ro;
  const std::string pk = keys::PrimaryKey(id.product_arn, id.id);
  {
    std::lock_guard lock(write_mu_);
    if (auto it = pending_ids_.find(pk); it != pending_ids_.end()) seq = it->second;
  }
  if (seq.empty()) {
    Status s = LookupSeq(ro, pk, &seq);
    if (!s.ok()) return s;
  }
  return ReadRecord(ro, seq, out, &scratch);
}

Status EmbeddedStore::FindingsForResource(std::string_view canonical_key,
                                          std::vector<StoredFinding>* out) {
  out->clear();
  std::string prefix(1, keys::kByResource);
  keys::PutLengthPrefixed(prefix, canonical_key);
  std::vector<std::string> index_keys;
  if (Status s = ScanIndex(prefix, &index_keys); !s.ok()) return s;
  rocksdb::ReadOptions ro;
  std::string scratch;
  for (const auto& key : index_keys) {
    const std::string_view seq = std::string_view(key).substr(prefix.size());
    StoredFinding f;
    Status s = ReadRecord(ro, seq, &f, &scratch);
    if (s.code() == Status::Code::kNotFound) continue;  // raced with a delete
    if (!s.ok()) return s;
    out->push_back(std::move(f));
  }
  return Status::Ok();
}

Status EmbeddedStore::ResourceVersions(std::string_view canonical_key,
                                       std::vector<std::uint64_t>* versions) {
  versions->clear();
  std::string prefix(1, keys::kByResource);
  keys::PutLengthPrefixed(prefix, canonical_key);
  std::vector<std::string> index_keys;
  if (Status s = ScanIndex(prefix, &index_keys); !s.ok()) return s;
  for (const auto& key : index_keys) {
    const std::string_view seq = std::string_view(key).substr(prefix.size());
    if (seq.size() != 8) return Status::Corruption("malformed resource entry");
    versions->push_back(DecodeSeq(seq));
  }
  return Status::Ok();
}

Status EmbeddedStore::GetVersion(std::uint64_t version, StoredFinding* out) {
  std::string scratch;
  return ReadRecord(rocksdb::ReadOptions(), EncodeSeq(version), out, &scratch);
}

Status EmbeddedStore::ForEachVersionSince(
    std::uint64_t after, const std::function<Status(std::uint64_t, const StoredFinding&)>& visit) {
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, findings_));
  for (it->Seek(EncodeSeq(after + 1)); it->Valid(); it->Next()) {
    StoredFinding f;
    const std::string_view seq(it->key().data(), it->key().size());
    if (Status s = DecodeRecord(std::string_view(it->value().data(), it->value().size()), &f);
        !s.ok()) {
      return s.WithContext("record " + std::to_string(DecodeSeq(seq)));
    }
    if (Status s = visit(DecodeSeq(seq), f); !s.ok()) return s;
  }
  return FromRocks(it->status(), "reading records");
}

Status EmbeddedStore::RelatedResources(std::string_view canonical_key,
                                       std::vector<RelatedResource>* out) {
  out->clear();
  std::string prefix(1, keys::kByRelation);
  keys::PutLengthPrefixed(prefix, canonical_key);
  // Changed for inventory (issue 9): the entries' values are read too, since an inventory
  // source's relation carries its last sighting there (expires_at); findings' entries are empty.
  std::vector<std::pair<std::string, std::string>> entries;
  if (Status s = ScanIndexWithValues(prefix, &entries); !s.ok()) return s;
  for (const auto& [key, value] : entries) {
    size_t pos = prefix.size();
    const auto related = keys::GetLengthPrefixed(key, pos);
    const auto type = related ? keys::GetLengthPrefixed(key, pos) : std::nullopt;
    if (!type || key.size() - pos != 8) return Status::Corruption("malformed relation entry");
    out->push_back({std::string(*related), std::string(*type), DecodeSeq(key.substr(pos)),
                    value.size() == 8 ? ExpiresAt(keys::GetTimeAscending(value)) : 0});
  }
  return Status::Ok();
}

// --- Query -------------------------------------------------------------------------------------

// Candidates in UpdatedAt-descending order (or ascending, for `reverse`), from one or more ranges
// of the index whose keys end in desc(UpdatedAt) | seq; merged with a heap when there are several.
// Each range is what is written (read at the query's snapshot) overlaid with what is pending for
// its prefix at that moment (PendingDerived::Ordered): a pending removal hides a written key, a
// pending put adds one.
class OrderedCandidates {
 public:
  using Overlay = std::shared_ptr<const PendingDerived::OrderedOps>;

  OrderedCandidates(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                    const rocksdb::ReadOptions& ro, std::vector<std::string> prefixes,
                    std::vector<Overlay> overlays, bool reverse, const std::string& resume_after)
      : reverse_(reverse) {
    const bool resume = resume_after.size() == 16;
    const Op resume_at = resume ? Op{Word(resume_after, 0), Word(resume_after, 8), false} : Op{};
    for (size_t n = 0; n < prefixes.size(); ++n) {
      Range r;
      r.prefix = std::move(prefixes[n]);
      r.overlay = n < overlays.size() ? std::move(overlays[n]) : nullptr;
      r.it.reset(db->NewIterator(ro, cf));
      if (reverse_) {
        std::string upper = r.prefix;
        if (resume_after.empty()) {
          upper.append(64, '\xff');
        } else {
          upper.append(resume_after);
        }
        r.it->SeekForPrev(upper);
      } else {
        r.it->Seek(r.prefix + resume_after);
      }
      if (r.overlay) {
        const auto& ops = *r.overlay;
        // Forward: the first key after the resume point; reverse: pos counts the keys before it.
        r.pos = !resume
                    ? (reverse_ ? ops.size() : 0)
                    : static_cast<size_t>(
                          (reverse_ ? std::lower_bound(ops.begin(), ops.end(), resume_at, Less)
                                    : std::upper_bound(ops.begin(), ops.end(), resume_at, Less)) -
                          ops.begin());
      }
      ranges_.push_back(std::move(r));
    }
    for (size_t i = 0; i < ranges_.size(); ++i) {
      SkipPast(i, resume_after);
      Push(i);
    }
  }

  // The next candidate's suffix (desc(UpdatedAt) | pk), or nullopt at the end.
  std::optional<std::string> Next() {
    if (heap_.empty()) return std::nullopt;
    auto [suffix, i] = heap_.top();
    heap_.pop();
    Advance(i);
    Push(i);
    return suffix;
  }

  Status status() const {
    for (const auto& r : ranges_) {
      if (!r.it->status().ok()) return FromRocks(r.it->status(), "scanning an index");
    }
    return Status::Ok();
  }

 private:
  using Op = PendingDerived::OrderedOp;
  struct Range {
    std::string prefix;
    std::unique_ptr<rocksdb::Iterator> it;
    Overlay overlay;
    size_t pos = 0;             // forward: the next overlay op; reverse: one past it
    bool from_overlay = false;  // which side the current candidate comes from
  };
  static bool Less(const Op& x, const Op& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; }
  static std::uint64_t Word(std::string_view s, size_t at) {
    std::uint64_t v = 0;
    for (size_t k = 0; k < 8; ++k) v = (v << 8) | static_cast<unsigned char>(s[at + k]);
    return v;
  }
  static std::string SuffixOf(const Op& op) {
    std::string out;
    keys::PutBigEndian64(out, op.a);
    keys::PutBigEndian64(out, op.b);
    return out;
  }
  bool InRange(size_t i) const {
    return ranges_[i].it->Valid() && ranges_[i].it->key().starts_with(ranges_[i].prefix);
  }
  std::string SuffixOf(size_t i) const {
    const auto k = ranges_[i].it->key();
    return {k.data() + ranges_[i].prefix.size(), k.size() - ranges_[i].prefix.size()};
  }
  bool OverlayValid(const Range& r) const {
    return r.overlay && (reverse_ ? r.pos > 0 : r.pos < r.overlay->size());
  }
  const Op& OverlayAt(const Range& r) const { return (*r.overlay)[reverse_ ? r.pos - 1 : r.pos]; }
  void OverlayAdvance(Range& r) const {
    if (reverse_) {
      --r.pos;
    } else {
      ++r.pos;
    }
  }
  void IteratorAdvance(size_t i) {
    if (reverse_) {
      ranges_[i].it->Prev();
    } else {
      ranges_[i].it->Next();
    }
  }
  // Passes over what the overlay hides: its own removals, and written keys it removes or puts
  // again (the overlay then yields those).
  void Settle(size_t i) {
    Range& r = ranges_[i];
    while (OverlayValid(r) && OverlayAt(r).remove) OverlayAdvance(r);
    if (!r.overlay) return;
    while (InRange(i)) {
      const std::string suffix = SuffixOf(i);
      if (suffix.size() != 16) return;
      const Op key{Word(suffix, 0), Word(suffix, 8), false};
      if (!std::binary_search(r.overlay->begin(), r.overlay->end(), key, Less)) return;
      IteratorAdvance(i);
    }
  }
  void Advance(size_t i) {
    if (ranges_[i].from_overlay) {
      OverlayAdvance(ranges_[i]);
    } else {
      IteratorAdvance(i);
    }
  }
  void SkipPast(size_t i, const std::string& resume_after) {
    if (!resume_after.empty() && InRange(i) && SuffixOf(i) == resume_after) IteratorAdvance(i);
  }
  void Push(size_t i) {
    Settle(i);
    Range& r = ranges_[i];
    const bool written = InRange(i);
    const bool pending = OverlayValid(r);
    if (!written && !pending) return;
    std::string suffix;
    if (written && pending) {
      std::string mine = SuffixOf(i), theirs = SuffixOf(OverlayAt(r));
      r.from_overlay = reverse_ ? theirs > mine : theirs < mine;
      suffix = r.from_overlay ? std::move(theirs) : std::move(mine);
    } else {
      r.from_overlay = pending;
      suffix = pending ? SuffixOf(OverlayAt(r)) : SuffixOf(i);
    }
    heap_.emplace(std::move(suffix), i);
  }
  struct Later {
    bool reverse;
    bool operator()(const std::pair<std::string, size_t>& a,
                    const std::pair<std::string, size_t>& b) const {
      return reverse ? a.first < b.first : a.first > b.first;
    }
  };
  bool reverse_;
  std::vector<Range> ranges_;
  std::priority_queue<std::pair<std::string, size_t>, std::vector<std::pair<std::string, size_t>>,
                      Later>
      heap_{Later{reverse_}};
};

Status EmbeddedStore::Query(const QueryRequest& request, TimeMs now, QueryPage* page) {
  *page = {};
  if (request.max_results < 1 || request.max_results > 100) {
    return Status::InvalidInput("Invalid parameter 'MaxResults'. Value must be between 1 and 100.");
  }
  const filter::FindingFilter* filter = request.filter;

  // Plan: the indexed field whose EQUALS values cover the fewest bytes of index, else everything.
  std::vector<std::string> prefixes{std::string(1, keys::kByUpdatedDesc)};
  if (filter != nullptr) {
    uint64_t best_size = UINT64_MAX;
    for (const auto& field : IndexedFields()) {
      auto values = filter->ExactValues(field.filter_name);
      if (!values) continue;
      std::vector<std::string> candidate;
      uint64_t size = 0;
      for (const auto& v : *values) {
        std::string start = FieldPrefix(field.id, v);
        std::string limit = start;
        limit.append(16, '\xff');
        rocksdb::Range range(start, limit);
        uint64_t bytes = 0;
        rocksdb::SizeApproximationOptions sao;
        sao.include_memtables = true;
        sao.include_files = true;
        (void)db_->GetApproximateSizes(sao, index_, &range, 1, &bytes);
        size += bytes;
        candidate.push_back(std::move(start));
      }
      if (size < best_size) {
        best_size = size;
        prefixes = std::move(candidate);
      }
    }
  }

  // What is written as of a snapshot, and what is pending at that moment for the chosen ranges,
  // taken together under derived_mu_ (not the write lock: a query need not wait while the writer
  // writes the derived state in bulk): every acknowledged import is seen, and the pending state
  // need not be written first.
  rocksdb::ReadOptions ro;
  std::vector<OrderedCandidates::Overlay> overlays;
  const rocksdb::Snapshot* snapshot = nullptr;
  {
    std::lock_guard lock(derived_mu_);
    snapshot = db_->GetSnapshot();
    for (const std::string& p : prefixes) overlays.push_back(derived_.Ordered(p));
  }
  ro.snapshot = snapshot;
  struct SnapshotGuard {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~SnapshotGuard() { db->ReleaseSnapshot(s); }
  } guard{db_.get(), snapshot};

  const bool default_order =
      request.sort.empty() || (request.sort.size() == 1 && request.sort[0].field == "UpdatedAt");
  const bool ascending = !request.sort.empty() && request.sort[0].ascending;
  std::string token_body;
  if (!request.next_token.empty()) {
    if (request.next_token[0] != '1') return BadNextToken();
    auto decoded = keys::HexDecode(std::string_view(request.next_token).substr(1));
    if (!decoded) return BadNextToken();
    token_body = std::move(*decoded);
  }

  std::string scratch;
  simdjson::dom::parser parser;
  // Reads the finding behind an index suffix and applies the filter.
  auto load_if_match = [&](std::string_view suffix, StoredFinding* f) -> Result<bool> {
    const std::string_view seq = suffix.substr(8);
    ++page->examined;
    const auto s = db_->Get(ro, findings_, rocksdb::Slice(seq.data(), seq.size()), &scratch);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromRocks(s, "reading a finding");
    if (scratch.size() < kRecordHeader) return Status::Corruption("bad record header");
    const std::string_view json(scratch.data() + kRecordHeader, scratch.size() - kRecordHeader);
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
      return Status::Corruption("stored finding is not JSON");
    }
    if (filter != nullptr && !filter->Matches(root, now)) return false;
    f->core.json = std::string(json);
    return true;
  };

  if (default_order) {
    if (!token_body.empty() && token_body.size() < 8) return BadNextToken();
    OrderedCandidates candidates(db_.get(), index_, ro, prefixes, overlays, ascending, token_body);
    std::string last;
    while (auto suffix = candidates.Next()) {
      StoredFinding f;
      auto match = load_if_match(*suffix, &f);
      if (!match.ok()) return match.status();
      if (!*match) continue;
      if (page->findings.size() == request.max_results) {
        page->next_token = "1" + keys::HexEncode(last);
        break;
      }
      page->findings.push_back(std::move(f.core.json));
      last = std::move(*suffix);
    }
    return candidates.status();
  }

  // Any other order: keep the best max_results + 1 matches after the token position.
  SortedPage sorted(request.sort, request.max_results);
  if (Status s = sorted.Resume(token_body); !s.ok()) return s;
  OrderedCandidates candidates(db_.get(), index_, ro, prefixes, overlays, false, "");
  while (auto suffix = candidates.Next()) {
    StoredFinding f;
    auto match = load_if_match(*suffix, &f);
    if (!match.ok()) return match.status();
    if (!*match) continue;
    sorted.Offer(parser.parse(f.core.json).value_unsafe(), suffix->substr(8), f.core.json);
  }
  if (Status s = candidates.status(); !s.ok()) return s;
  sorted.Finish(page);
  return Status::Ok();
}

Status EmbeddedStore::ApplyRetention(TimeMs now, RetentionResult* result) {
  std::lock_guard lock(write_mu_);
  *result = {};
  if (Status s = FlushDerived(); !s.ok()) return s;
  const TimeMs active_limit =
      now - static_cast<TimeMs>(options_.retention_active_days) * asff::kMsPerDay;
  const TimeMs archived_limit =
      now - static_cast<TimeMs>(options_.retention_archived_days) * asff::kMsPerDay;
  // The retention clock is never earlier than UpdatedAt, so only findings updated before the
  // shorter window's limit can be due: walk the UpdatedAt index from its oldest end up to there.
  const TimeMs scan_limit = std::max(active_limit, archived_limit);
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, index_));
  SortedBatch wb;
  std::string scratch;
  const std::string prefix(1, keys::kByUpdatedDesc);
  std::string end = prefix;
  end.append(16, '\xff');
  for (it->SeekForPrev(end); it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view value(it->value().data(), it->value().size());
    if (key.size() < 9 || value.size() != 9)
      return Status::Corruption("malformed UpdatedAt index entry");
    std::string updated_bytes(key.substr(1, 8));
    for (auto& c : updated_bytes) c = static_cast<char>(~c);  // descending -> ascending
    if (keys::GetTimeAscending(updated_bytes) >= scan_limit) break;
    const bool active = value[0] == kStateActive;
    const TimeMs clock = keys::GetTimeAscending(value.substr(1));
    if (clock >= (active ? active_limit : archived_limit)) continue;
    const std::string seq(key.substr(9));
    StoredFinding f;
    Status s = ReadRecord(ro, seq, &f, &scratch);
    if (s.code() == Status::Code::kNotFound) continue;
    if (!s.ok()) return s;
    DeleteFinding(wb, f.core, seq);
    ++(active ? result->deleted_active : result->deleted_archived);
    if (wb.Count() > 10000) {
      if (Status w = FromRocks(wb.Commit(db_.get(), write_options_), "deleting expired findings");
          !w.ok()) {
        return w;
      }
    }
  }
  if (Status st = FromRocks(it->status(), "scanning for expired findings"); !st.ok()) return st;
  if (wb.Count() > 0) {
    if (Status w = FromRocks(wb.Commit(db_.get(), write_options_), "deleting expired findings");
        !w.ok()) {
      return w;
    }
  }
  return ExpireInventory(now, result);  // added for inventory (issue 9)
}

Status EmbeddedStore::Stats(StoreStats* stats) {
  *stats = {};
  if (Status s = FlushDerivedLocked(); !s.ok()) return s;
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, index_));
  const std::pair<char, std::map<std::string, std::uint64_t>*> wanted[] = {
      {'p', &stats->by_product},         {'s', &stats->by_severity},
      {'t', &stats->by_resource_type},   {'r', &stats->by_record_state},
      {'w', &stats->by_workflow_status},
  };
  for (const auto& [field_id, counts] : wanted) {
    const std::string prefix{keys::kByField, field_id};
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      size_t pos = 2;
      auto value = keys::GetLengthPrefixed(key, pos);
      if (!value) return Status::Corruption("malformed index key");
      ++(*counts)[std::string(*value)];
    }
  }
  for (const auto& [state, n] : stats->by_record_state) stats->findings += n;
  uint64_t sst = 0, mem = 0;
  db_->GetIntProperty(findings_, "rocksdb.total-sst-files-size", &sst);
  stats->disk_bytes += sst;
  db_->GetIntProperty(index_, "rocksdb.total-sst-files-size", &sst);
  stats->disk_bytes += sst;
  (void)mem;
  return FromRocks(it->status(), "computing statistics");
}

// --- Added for IoT Device Defender (issue 4) ---------------------------------------------------

constexpr std::string_view kAuxiliaryPrefix = "aux/";
constexpr char kGeneratorTokenVersion = '2';

Status EmbeddedStore::FindingsOfGeneratorBefore(const GeneratorRangeRequest& request,
                                                QueryPage* page) {
  *page = {};
  if (request.max_results < 1 || request.max_results > 1000) {
    return Status::InvalidInput(
        "Invalid parameter 'MaxResults'. Value must be between 1 and 1000.");
  }
  if (Status s = FlushDerivedLocked(); !s.ok()) return s;
  const std::string prefix = FieldPrefix('g', request.generator_id);
  // Entries are ordered newest first, so those before the limit start right after its position.
  std::string start = prefix;
  if (request.next_token.empty()) {
    keys::PutTimeDescending(start, request.updated_before - 1);
  } else {
    auto position = request.next_token[0] == kGeneratorTokenVersion
                        ? keys::HexDecode(std::string_view(request.next_token).substr(1))
                        : std::nullopt;
    if (!position || position->size() != 16) return BadNextToken();
    start += *position;
  }
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  ro.snapshot = snapshot;
  struct SnapshotGuard {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~SnapshotGuard() { db->ReleaseSnapshot(s); }
  } guard{db_.get(), snapshot};
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, index_));
  simdjson::dom::parser parser;
  std::string scratch;
  std::string last;
  for (it->Seek(start); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view suffix = key.substr(prefix.size());
    if (suffix.size() != 16) return Status::Corruption("malformed GeneratorId index entry");
    if (!request.next_token.empty() && key == start) continue;  // the token's own entry
    if (page->findings.size() == request.max_results) {
      page->next_token = kGeneratorTokenVersion + keys::HexEncode(last);
      break;
    }
    ++page->examined;
    const std::string_view seq = suffix.substr(8);
    const auto got = db_->Get(ro, findings_, rocksdb::Slice(seq.data(), seq.size()), &scratch);
    if (got.IsNotFound()) continue;
    if (!got.ok()) return FromRocks(got, "reading a finding");
    if (scratch.size() < kRecordHeader) return Status::Corruption("bad record header");
    const std::string_view json(scratch.data() + kRecordHeader, scratch.size() - kRecordHeader);
    if (request.active_only) {
      simdjson::dom::element root;
      std::string_view state;
      if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
        return Status::Corruption("stored finding is not JSON");
      }
      if (root["RecordState"].get_string().get(state) == simdjson::SUCCESS && state != "ACTIVE") {
        continue;
      }
    }
    page->findings.emplace_back(json);
    last.assign(suffix);
  }
  return FromRocks(it->status(), "scanning the GeneratorId index");
}

Status EmbeddedStore::PutAuxiliary(std::string_view key, std::string_view value) {
  if (key.empty() || key.size() > kMaxAuxiliaryKey || value.size() > kMaxAuxiliaryValue) {
    return Status::InvalidInput("auxiliary keys are 1..1024 bytes, values at most 64 KB");
  }
  const std::string k = std::string(kAuxiliaryPrefix) + std::string(key);
  return FromRocks(db_->Put(write_options_, meta_, k, rocksdb::Slice(value.data(), value.size())),
                   "writing an auxiliary value");
}

Status EmbeddedStore::GetAuxiliary(std::string_view key, std::string* value) {
  const std::string k = std::string(kAuxiliaryPrefix) + std::string(key);
  return FromRocks(db_->Get(rocksdb::ReadOptions(), meta_, k, value),
                   "auxiliary key " + std::string(key));
}

Status EmbeddedStore::DeleteAuxiliary(std::string_view key) {
  const std::string k = std::string(kAuxiliaryPrefix) + std::string(key);
  return FromRocks(db_->Delete(write_options_, meta_, k), "deleting an auxiliary value");
}

// --- end of the IoT Device Defender additions --------------------------------------------------

// --- Added for inventory (issue 9) ------------------------------------------------------------
//
// Inventory column family:
//   i | lp(subject) | lp(source)  -> the item (record below)
//   v | seq                       -> lp(subject) | lp(source): the item a version is (provenance)
//   t | asc(last seen) | seq      -> (empty): what expiry deletes, oldest first
// Relation index (index family), as for findings: g | lp(from) | lp(to) | lp(to type) | seq in
// both directions, valued with asc(last seen) (8 bytes; findings' entries are empty).
// Everything of one ImportInventory is one synced WriteBatch, so a batch is all or nothing and
// on disk when it returns; nothing is derived later, so recovery has nothing to redo. (Findings
// go through PendingDerived because their index entries are most of ingest's cost; an inventory
// item writes a few entries per relation, and keeping them in the WAL keeps the crash story
// simple: the batch is the truth.)

constexpr char kInventoryItem = 'i';
constexpr char kInventoryVersion = 'v';
constexpr char kInventorySeen = 't';

std::string InventoryKey(std::string_view subject, std::string_view source) {
  std::string k(1, kInventoryItem);
  keys::PutLengthPrefixed(k, subject);
  keys::PutLengthPrefixed(k, source);
  return k;
}

std::string InventoryVersionKey(std::uint64_t seq) {
  std::string k(1, kInventoryVersion);
  keys::PutBigEndian64(k, seq);
  return k;
}

std::string InventorySeenKey(TimeMs last_seen, std::uint64_t seq) {
  std::string k(1, kInventorySeen);
  keys::PutTimeAscending(k, last_seen);
  keys::PutBigEndian64(k, seq);
  return k;
}

// A record of the inventory family: its key (i | lp(subject) | lp(source)) and value.
Status DecodeInventoryRecord(std::string_view pk, std::string_view value,
                             StoredInventoryItem* out) {
  size_t pos = 1;
  const auto subject = keys::GetLengthPrefixed(pk, pos);
  const auto source = subject ? keys::GetLengthPrefixed(pk, pos) : std::nullopt;
  if (!source) return Status::Corruption("malformed inventory record");
  return DecodeInventory(*subject, *source, value, out);
}

Status EmbeddedStore::ScanIndexWithValues(std::string_view prefix,
                                          std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  std::lock_guard lock(write_mu_);
  rocksdb::ReadOptions ro;
  // Bounded above by the prefix's successor: without the bound, a seek skips every deleted entry
  // after the prefix up to the next live key, and when a security group's 50,000 relations have
  // just been deleted every instance's read walked all of them (quadratic).
  std::string upper(prefix);
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) upper.pop_back();
  if (!upper.empty())
    upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
  const rocksdb::Slice upper_slice(upper);
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, index_));
  const rocksdb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
    out->emplace_back(std::string(it->key().data(), it->key().size()),
                      std::string(it->value().data(), it->value().size()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning the index");
  if (derived_.empty()) return Status::Ok();
  std::vector<std::string> keys;
  keys.reserve(out->size());
  for (const auto& entry : *out) keys.push_back(entry.first);
  derived_.ApplyToScan(prefix, &keys);
  // Both lists are in key order; a pending key has no written value.
  std::vector<std::pair<std::string, std::string>> merged;
  merged.reserve(keys.size());
  auto written = out->begin();
  for (std::string& k : keys) {
    while (written != out->end() && written->first < k) ++written;
    std::string value =
        written != out->end() && written->first == k ? std::move(written->second) : std::string();
    merged.emplace_back(std::move(k), std::move(value));
  }
  *out = std::move(merged);
  return Status::Ok();
}

Status EmbeddedStore::ReadInventory(std::string_view pk, StoredInventoryItem* out,
                                    std::string* scratch) {
  const auto s =
      db_->Get(rocksdb::ReadOptions(), inventory_, rocksdb::Slice(pk.data(), pk.size()), scratch);
  if (s.IsNotFound()) return Status::NotFound("no such inventory item");
  if (!s.ok()) return FromRocks(s, "reading an inventory item");
  if (Status d = DecodeInventoryRecord(pk, *scratch, out); !d.ok()) return d;
  out->expires_at = ExpiresAt(out->last_seen);
  return Status::Ok();
}

void EmbeddedStore::WriteInventoryRelations(SortedBatch& batch, const StoredInventoryItem& stored,
                                            bool remove) {
  std::string key, value;
  keys::PutTimeAscending(value, stored.last_seen);
  for (const inventory::Relation& r : stored.item.relations) {
    for (bool forward : {true, false}) {
      key.assign(1, keys::kByRelation);
      keys::PutLengthPrefixed(key, forward ? r.from_key : r.to_key);
      keys::PutLengthPrefixed(key, forward ? r.to_key : r.from_key);
      keys::PutLengthPrefixed(key, forward ? r.to_type : r.from_type);
      keys::PutBigEndian64(key, stored.version);
      if (remove) {
        batch.Delete(index_, key);
      } else {
        batch.Put(index_, key, value);
      }
    }
  }
}

void EmbeddedStore::DeleteInventory(SortedBatch& batch, const StoredInventoryItem& stored) {
  WriteInventoryRelations(batch, stored, /*remove=*/true);
  batch.Delete(inventory_, InventoryKey(stored.item.subject_key, stored.item.source));
  batch.Delete(inventory_, InventoryVersionKey(stored.version));
  batch.Delete(inventory_, InventorySeenKey(stored.last_seen, stored.version));
}

Status EmbeddedStore::ImportInventory(std::span<const inventory::Item> batch, TimeMs now,
                                      std::vector<InventoryOutcome>* outcomes) {
  outcomes->assign(batch.size(), InventoryOutcome{});
  for (const inventory::Item& item : batch) {
    if (item.source.empty() || item.subject_key.empty() ||
        item.subject_key.size() > kMaxInventoryKey || item.source.size() > kMaxInventoryKey) {
      return Status::InvalidInput("an inventory item needs a source and a subject of at most " +
                                  std::to_string(kMaxInventoryKey) + " bytes");
    }
  }
  std::lock_guard lock(write_mu_);
  const std::uint64_t first_seq = next_seq_;
  // The state of each identity as this batch leaves it, so repeated identities apply in order.
  std::unordered_map<std::string, std::optional<StoredInventoryItem>> current;
  SortedBatch wb;
  std::string scratch;
  for (size_t i = 0; i < batch.size(); ++i) {
    const inventory::Item& in = batch[i];
    InventoryOutcome& outcome = (*outcomes)[i];
    const std::string pk = InventoryKey(in.subject_key, in.source);
    auto [slot, first_time] = current.try_emplace(pk);
    if (first_time) {
      StoredInventoryItem stored;
      Status s = ReadInventory(pk, &stored, &scratch);
      if (s.ok()) {
        slot->second = std::move(stored);
      } else if (s.code() != Status::Code::kNotFound) {
        next_seq_ = first_seq;
        return s.WithContext("inventory item " + in.subject_key);
      }
    }
    std::optional<StoredInventoryItem>& existing = slot->second;
    auto planned = PlanInventoryItem(in, existing ? &*existing : nullptr, now,
                                     options_.inventory_expiry_days, &outcome);
    if (!planned) continue;  // stale
    StoredInventoryItem& next = *planned;
    if (outcome.action == InventoryAction::kRefreshed) {
      // The version stays; its last sighting (in the record, the expiry index and every relation
      // entry's value) moves on.
      wb.Delete(inventory_, InventorySeenKey(existing->last_seen, existing->version));
    } else {
      next.version = outcome.version = next_seq_++;
      if (existing) DeleteInventory(wb, *existing);
    }
    wb.Put(inventory_, pk, EncodeInventory(next));
    wb.Put(inventory_, InventoryVersionKey(next.version),
           std::string_view(pk).substr(1));  // lp(subject) | lp(source)
    wb.Put(inventory_, InventorySeenKey(next.last_seen, next.version), {});
    WriteInventoryRelations(wb, next, /*remove=*/false);
    existing = std::move(next);
  }
  if (wb.Count() == 0) return Status::Ok();
  wb.Put(meta_, kNextSeqKey, EncodeSeq(next_seq_));
  if (Status s = FromRocks(wb.Commit(db_.get(), write_options_), "writing inventory items");
      !s.ok()) {
    next_seq_ = first_seq;
    return s;
  }
  return Status::Ok();
}

Status EmbeddedStore::InventoryItemsOf(std::string_view subject_key,
                                       std::vector<StoredInventoryItem>* out) {
  out->clear();
  std::string prefix(1, kInventoryItem);
  keys::PutLengthPrefixed(prefix, subject_key);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), inventory_));
  const rocksdb::Slice p(prefix);
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
    StoredInventoryItem stored;
    const std::string_view key(it->key().data(), it->key().size());
    if (Status d = DecodeInventoryRecord(
            key, std::string_view(it->value().data(), it->value().size()), &stored);
        !d.ok()) {
      return d;
    }
    stored.expires_at = ExpiresAt(stored.last_seen);
    out->push_back(std::move(stored));
  }
  return FromRocks(it->status(), "scanning inventory items");
}

Status EmbeddedStore::InventoryItemOfVersion(std::uint64_t version, StoredInventoryItem* out) {
  std::string rest, scratch;
  const auto s = db_->Get(rocksdb::ReadOptions(), inventory_, InventoryVersionKey(version), &rest);
  if (s.IsNotFound()) return Status::NotFound("not an inventory version");
  if (!s.ok()) return FromRocks(s, "reading an inventory version");
  return ReadInventory(std::string(1, kInventoryItem) + rest, out, &scratch);
}

Status EmbeddedStore::InventoryItemsSince(
    std::uint64_t after_version, const std::function<Status(const StoredInventoryItem&)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), inventory_));
  const std::string prefix(1, kInventoryVersion);
  std::string scratch;
  for (it->Seek(InventoryVersionKey(after_version + 1));
       it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string pk =
        std::string(1, kInventoryItem) + std::string(it->value().data(), it->value().size());
    StoredInventoryItem stored;
    Status s = ReadInventory(pk, &stored, &scratch);
    if (s.code() == Status::Code::kNotFound) continue;  // replaced meanwhile
    if (s.ok()) s = visit(stored);
    if (!s.ok()) return s;
  }
  return FromRocks(it->status(), "scanning inventory versions");
}

Status EmbeddedStore::ExpireInventory(TimeMs now, RetentionResult* result) {
  if (options_.inventory_expiry_days <= 0) return Status::Ok();
  // Called by ApplyRetention with write_mu_ held.
  std::string limit(1, kInventorySeen);
  keys::PutTimeAscending(limit, now - InventoryWindow() + 1);  // last seen + window <= now
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), inventory_));
  SortedBatch wb;
  std::string scratch, rest;
  const std::string prefix(1, kInventorySeen);
  for (it->Seek(prefix);
       it->Valid() && it->key().starts_with(prefix) && it->key().compare(limit) < 0; it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() != 17) return Status::Corruption("malformed inventory expiry entry");
    const auto got = db_->Get(rocksdb::ReadOptions(), inventory_,
                              InventoryVersionKey(DecodeSeq(key.substr(9))), &rest);
    if (got.IsNotFound()) continue;
    if (!got.ok()) return FromRocks(got, "reading an inventory version");
    StoredInventoryItem stored;
    if (Status s = ReadInventory(std::string(1, kInventoryItem) + rest, &stored, &scratch);
        !s.ok()) {
      if (s.code() == Status::Code::kNotFound) continue;
      return s;
    }
    DeleteInventory(wb, stored);
    ++result->deleted_inventory;
    if (wb.Count() > 10000) {
      if (Status w = FromRocks(wb.Commit(db_.get(), write_options_), "deleting expired inventory");
          !w.ok()) {
        return w;
      }
    }
  }
  if (Status st = FromRocks(it->status(), "scanning inventory for expiry"); !st.ok()) return st;
  if (wb.Count() == 0) return Status::Ok();
  return FromRocks(wb.Commit(db_.get(), write_options_), "deleting expired inventory");
}

// --- end of the inventory additions -----------------------------------------------------------

// --- Added for the HTTP server (issue 5) --------------------------------------------------------

Status EmbeddedStore::WriteAuxiliary(std::span<const AuxiliaryWrite> writes) {
  rocksdb::WriteBatch wb;
  std::string k;
  for (const AuxiliaryWrite& w : writes) {
    if (w.key.empty() || w.key.size() > kMaxAuxiliaryKey ||
        (!w.remove && w.value.size() > kMaxAuxiliaryValue)) {
      return Status::InvalidInput("auxiliary keys are 1..1024 bytes, values at most 64 KB");
    }
    k.assign(kAuxiliaryPrefix).append(w.key);
    const auto st = w.remove ? wb.Delete(meta_, k) : wb.Put(meta_, k, w.value);
    if (!st.ok()) return FromRocks(st, "batching auxiliary values");
  }
  if (wb.Count() == 0) return Status::Ok();
  return FromRocks(db_->Write(write_options_, &wb), "writing auxiliary values");
}

Status EmbeddedStore::ScanAuxiliary(std::string_view prefix, std::string_view after,
                                    std::size_t limit,
                                    std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  const std::string full_prefix = std::string(kAuxiliaryPrefix) + std::string(prefix);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_));
  const std::string start =
      after.empty() ? full_prefix : std::string(kAuxiliaryPrefix) + std::string(after);
  for (it->Seek(start);
       it->Valid() && out->size() < limit && it->key().starts_with(rocksdb::Slice(full_prefix));
       it->Next()) {
    std::string key(it->key().data() + kAuxiliaryPrefix.size(),
                    it->key().size() - kAuxiliaryPrefix.size());
    if (!after.empty() && key == after) continue;
    out->emplace_back(std::move(key), it->value().ToString());
  }
  return FromRocks(it->status(), "scanning auxiliary values");
}

// --- end of the HTTP server additions -----------------------------------------------------------

}  // namespace

// Defaults of the methods added for IoT Device Defender, for backends without them.
Status FindingStore::FindingsOfGeneratorBefore(const GeneratorRangeRequest&, QueryPage*) {
  return Status::Internal("FindingsOfGeneratorBefore is not implemented by this store backend");
}
Status FindingStore::PutAuxiliary(std::string_view, std::string_view) {
  return Status::Internal("PutAuxiliary is not implemented by this store backend");
}
Status FindingStore::GetAuxiliary(std::string_view, std::string*) {
  return Status::Internal("GetAuxiliary is not implemented by this store backend");
}
Status FindingStore::DeleteAuxiliary(std::string_view) {
  return Status::Internal("DeleteAuxiliary is not implemented by this store backend");
}
// Defaults of the methods added for inventory (issue 9).
Status FindingStore::ImportInventory(std::span<const inventory::Item>, asff::TimeMs,
                                     std::vector<InventoryOutcome>*) {
  return Status::Internal("ImportInventory is not implemented by this store backend");
}
Status FindingStore::InventoryItemsOf(std::string_view, std::vector<StoredInventoryItem>*) {
  return Status::Internal("InventoryItemsOf is not implemented by this store backend");
}
Status FindingStore::InventoryItemOfVersion(std::uint64_t, StoredInventoryItem*) {
  return Status::Internal("InventoryItemOfVersion is not implemented by this store backend");
}
Status FindingStore::InventoryItemsSince(std::uint64_t,
                                         const std::function<Status(const StoredInventoryItem&)>&) {
  return Status::Internal("InventoryItemsSince is not implemented by this store backend");
}
// Defaults of the methods added for the HTTP server.
Status FindingStore::WriteAuxiliary(std::span<const AuxiliaryWrite>) {
  return Status::Internal("WriteAuxiliary is not implemented by this store backend");
}
Status FindingStore::ScanAuxiliary(std::string_view, std::string_view, std::size_t,
                                   std::vector<std::pair<std::string, std::string>>*) {
  return Status::Internal("ScanAuxiliary is not implemented by this store backend");
}

Result<std::unique_ptr<FindingStore>> OpenEmbeddedStore(const std::string& directory,
                                                        const StoreOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  // The meta column family takes a few bytes per batch and would otherwise never flush, pinning
  // every WAL file (the whole ingested volume) on disk; this bound makes RocksDB flush it.
  db_options.max_total_wal_size = 256 << 20;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;

  rocksdb::ColumnFamilyOptions findings_cf;
  findings_cf.OptimizeLevelStyleCompaction(256 << 20);
  findings_cf.write_buffer_size = 128 << 20;
  findings_cf.compression = rocksdb::kLZ4Compression;
  // LZ4 at every level: large import batches arrive as table files ingested at the bottom level,
  // which keep the compression they were written with, and ZSTD there cost several microseconds
  // per finding on ingest's single core (docs/performance.md).
  findings_cf.bottommost_compression = rocksdb::kLZ4Compression;
  // One block cache for every column family. Correlation reads the records and the resource and
  // relation index entries of what each import batch touched; with RocksDB's default 32 MB cache
  // per family nearly every such read went to the file (docs/performance.md).
  const std::shared_ptr<rocksdb::Cache> block_cache = rocksdb::NewLRUCache(size_t{768} << 20);
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_size = 16 << 10;
  table.block_cache = block_cache;
  findings_cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::ColumnFamilyOptions index_cf;
  index_cf.OptimizeLevelStyleCompaction(128 << 20);
  index_cf.write_buffer_size = 64 << 20;
  // Index blocks (keys sharing long prefixes, then big-endian numbers) did not compress by the
  // 12.5% RocksDB requires, so LZ4 only cost time.
  index_cf.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions index_table;
  index_table.block_cache = block_cache;
  index_cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(index_table));

  rocksdb::ColumnFamilyOptions ids_cf;
  ids_cf.OptimizeLevelStyleCompaction(64 << 20);
  ids_cf.write_buffer_size = 32 << 20;
  // Identity blocks (sorted primary keys, whose shared prefixes the blocks already delta-encode,
  // then random ids) did not compress by the 12.5% RocksDB requires either: the same store size
  // with and without LZ4, which only cost its attempt (docs/performance.md).
  ids_cf.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions ids_table;
  ids_table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  ids_table.block_cache = block_cache;
  ids_cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(ids_table));

  // Added for inventory (issue 9): inventory items, by (subject, source), version and last
  // sighting; point reads (bloom filters) and short prefix scans.
  rocksdb::ColumnFamilyOptions inventory_cf;
  inventory_cf.OptimizeLevelStyleCompaction(64 << 20);
  inventory_cf.write_buffer_size = 32 << 20;
  inventory_cf.compression = rocksdb::kLZ4Compression;
  rocksdb::BlockBasedTableOptions inventory_table;
  inventory_table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  inventory_table.block_cache = block_cache;
  inventory_cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(inventory_table));

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs{
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"ids", ids_cf},
      {"findings", findings_cf},
      {"index", index_cf},
      {"inventory", inventory_cf},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const auto s = rocksdb::DB::Open(db_options, directory, cfs, &handles, &raw);
  if (!s.ok()) {
    if (s.ToString().find("lock") != std::string::npos) {
      return Status::IOError("the data directory " + directory +
                             " is in use by another corroborate process (" + s.ToString() + ")");
    }
    return Status::IOError("cannot open the data directory " + directory + ": " + s.ToString());
  }
  auto store = std::make_unique<EmbeddedStore>(std::unique_ptr<rocksdb::DB>(raw),
                                               std::move(handles), options, directory);
  if (Status recovered = store->Recover(); !recovered.ok()) {
    return recovered.WithContext("opening " + directory);
  }
  return std::unique_ptr<FindingStore>(std::move(store));
}

}  // namespace corroborate::store
