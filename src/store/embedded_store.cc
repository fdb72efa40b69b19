// The embedded backend: RocksDB with two column families.
//   findings: pk -> record (format byte, analyst mask, stored JSON)
//   index:    secondary keys (see keys.h), all with empty values
// One WriteBatch per Import/BatchUpdate call carries the records and all their index changes, so
// a crash leaves either all of a batch or none of it.
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <mutex>
#include <queue>
#include <set>
#include <unordered_map>

#include "store/keys.h"
#include "store/store.h"

namespace corroborate::store {
namespace {

using asff::Finding;
using asff::TimeMs;

constexpr char kRecordFormat = 1;

// Fields with an equality index: a query with EQUALS on one of them reads only matching findings.
struct IndexedField {
  char id;
  std::string_view filter_name;
  std::function<void(const Finding&, std::vector<std::string_view>&)> values;
};

const std::array<IndexedField, 8>& IndexedFields() {
  static const std::array<IndexedField, 8> kFields{{
      {'p', "ProductName", [](const Finding& f, auto& v) { v.push_back(f.product_name); }},
      {'s', "SeverityLabel", [](const Finding& f, auto& v) { v.push_back(ToString(f.severity_label)); }},
      {'r', "RecordState", [](const Finding& f, auto& v) { v.push_back(ToString(f.record_state)); }},
      {'w', "WorkflowStatus", [](const Finding& f, auto& v) { v.push_back(ToString(f.workflow_status)); }},
      {'c', "ComplianceStatus",
       [](const Finding& f, auto& v) {
         if (!f.compliance_status.empty()) v.push_back(f.compliance_status);
       }},
      {'t', "ResourceType",
       [](const Finding& f, auto& v) {
         for (const auto& r : f.resources) v.push_back(r.type);
       }},
      {'a', "AwsAccountId", [](const Finding& f, auto& v) { v.push_back(f.aws_account_id); }},
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

std::string EncodeRecord(const StoredFinding& s) {
  std::string v;
  v.reserve(5 + s.core.json.size());
  v += kRecordFormat;
  for (int i = 0; i < 4; ++i) v += static_cast<char>((s.analyst_mask >> (8 * i)) & 0xFF);
  v += s.core.json;
  return v;
}

Status DecodeRecord(std::string_view value, StoredFinding* out) {
  if (value.size() < 5 || value[0] != kRecordFormat) return Status::Corruption("bad record header");
  out->analyst_mask = 0;
  for (int i = 0; i < 4; ++i) {
    out->analyst_mask |= static_cast<std::uint32_t>(static_cast<unsigned char>(value[1 + i])) << (8 * i);
  }
  out->core = {};
  const Status s = asff::DecodeFindingText(value.substr(5), out->core);
  if (!s.ok()) return Status::Corruption("stored finding does not decode: " + s.message());
  out->core.json = std::string(value.substr(5));
  return Status::Ok();
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(std::string(what));
  if (s.IsCorruption()) return Status::Corruption(std::string(what) + ": " + s.ToString());
  return Status::IOError(std::string(what) + ": " + s.ToString());
}

// Suffix shared by the ordered indexes: desc(UpdatedAt) | pk.
std::string OrderSuffix(TimeMs updated_at, std::string_view pk) {
  std::string s;
  keys::PutTimeDescending(s, updated_at);
  s.append(pk);
  return s;
}

// The later of UpdatedAt and the last accepted import: what retention measures age from.
TimeMs RetentionClock(const Finding& f) {
  return std::max(f.updated_at, f.processed_at.value_or(f.updated_at));
}

class EmbeddedStore final : public FindingStore {
 public:
  EmbeddedStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                StoreOptions options)
      : db_(std::move(db)), handles_(std::move(handles)), options_(options) {
    findings_ = handles_[1];
    index_ = handles_[2];
    write_options_.sync = options_.sync;
  }

  ~EmbeddedStore() override {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }

  Status Import(std::span<const IncomingFinding> batch, TimeMs now,
                std::vector<ImportOutcome>* outcomes) override;
  Status BatchUpdate(const asff::BatchUpdate& update, TimeMs now, BatchUpdateResult* result) override;
  Status Get(const asff::FindingIdentifier& id, StoredFinding* out) override;
  Status Query(const QueryRequest& request, TimeMs now, QueryPage* page) override;
  Status FindingsForResource(std::string_view canonical_key, std::vector<StoredFinding>* out) override;
  Status ApplyRetention(TimeMs now, RetentionResult* result) override;
  Status Stats(StoreStats* stats) override;

 private:
  // Adds (or, with remove, deletes) every index key of a stored finding.
  void WriteIndexes(rocksdb::WriteBatch& wb, const Finding& f, std::string_view pk, bool remove) {
    auto put = [&](const std::string& key) {
      if (remove) {
        wb.Delete(index_, key);
      } else {
        wb.Put(index_, key, rocksdb::Slice());
      }
    };
    const std::string order = OrderSuffix(f.updated_at, pk);
    put(std::string(1, keys::kByUpdatedDesc) + order);
    {
      std::string k(1, f.record_state == asff::RecordState::kActive ? keys::kRetainActive
                                                                    : keys::kRetainArchived);
      keys::PutTimeAscending(k, RetentionClock(f));
      k.append(pk);
      put(k);
    }
    std::set<std::string_view> seen_resources;
    for (const auto& r : f.resources) {
      if (!seen_resources.insert(r.canonical_key).second) continue;
      std::string k(1, keys::kByResource);
      keys::PutLengthPrefixed(k, r.canonical_key);
      k.append(pk);
      put(k);
    }
    std::vector<std::string_view> values;
    for (const auto& field : IndexedFields()) {
      values.clear();
      field.values(f, values);
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      for (auto v : values) put(FieldPrefix(field.id, v) + order);
    }
  }

  Status ReadRecord(const rocksdb::ReadOptions& ro, std::string_view pk, StoredFinding* out,
                    std::string* scratch) {
    const auto s = db_->Get(ro, findings_, rocksdb::Slice(pk.data(), pk.size()), scratch);
    if (s.IsNotFound()) return Status::NotFound("finding not found");
    if (!s.ok()) return FromRocks(s, "reading a finding");
    return DecodeRecord(*scratch, out);
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* findings_ = nullptr;
  rocksdb::ColumnFamilyHandle* index_ = nullptr;
  StoreOptions options_;
  rocksdb::WriteOptions write_options_;
  std::mutex write_mu_;  // serializes read-modify-write batches
};

Status EmbeddedStore::Import(std::span<const IncomingFinding> batch, TimeMs now,
                             std::vector<ImportOutcome>* outcomes) {
  std::lock_guard lock(write_mu_);
  outcomes->assign(batch.size(), ImportOutcome{});
  rocksdb::WriteBatch wb;
  // What this batch has written so far, so a repeated identity sees its earlier twin.
  std::unordered_map<std::string, StoredFinding> pending;
  std::string scratch;
  rocksdb::ReadOptions ro;
  for (size_t i = 0; i < batch.size(); ++i) {
    const IncomingFinding& in = batch[i];
    std::string pk = keys::PrimaryKey(in.core.product_arn, in.core.id);
    StoredFinding existing;
    bool exists = false;
    if (auto it = pending.find(pk); it != pending.end()) {
      existing = it->second;
      exists = true;
    } else {
      const Status s = ReadRecord(ro, pk, &existing, &scratch);
      if (s.ok()) {
        exists = true;
      } else if (s.code() != Status::Code::kNotFound) {
        return s.WithContext("finding " + in.core.id);
      }
    }
    StoredFinding next;
    if (!exists) {
      next.core = in.core;
      next.core.json = in.json;
      if (next.core.product_name.empty() || next.core.company_name.empty()) {
        auto [product, company] = asff::ProductAndCompanyNames(in.core.product_arn);
        if (next.core.product_name.empty()) next.core.product_name = std::move(product);
        if (next.core.company_name.empty()) next.core.company_name = std::move(company);
      }
      next.core.processed_at = now;
      (*outcomes)[i].action = asff::ImportAction::kCreated;
    } else {
      auto merged = asff::MergeImport(in.json, in.core, existing.core.json, existing.core,
                                      existing.analyst_mask, now);
      if (!merged.ok()) return merged.status().WithContext("finding " + in.core.id);
      (*outcomes)[i].action = merged->action;
      if (merged->action == asff::ImportAction::kIgnoredStale) continue;
      const Status s = asff::DecodeFindingText(merged->json, next.core);
      if (!s.ok()) return Status::Internal("merged finding does not decode: " + s.message());
      next.core.json = std::move(merged->json);
      next.analyst_mask = existing.analyst_mask;
      WriteIndexes(wb, existing.core, pk, /*remove=*/true);
    }
    wb.Put(findings_, pk, EncodeRecord(next));
    WriteIndexes(wb, next.core, pk, /*remove=*/false);
    pending[std::move(pk)] = std::move(next);
  }
  if (wb.Count() == 0) return Status::Ok();
  return FromRocks(db_->Write(write_options_, &wb), "writing an import batch");
}

Status EmbeddedStore::BatchUpdate(const asff::BatchUpdate& update, TimeMs now,
                                  BatchUpdateResult* result) {
  std::lock_guard lock(write_mu_);
  *result = {};
  std::unordered_map<std::string, int> occurrences;
  for (const auto& id : update.identifiers) ++occurrences[keys::PrimaryKey(id.product_arn, id.id)];
  rocksdb::WriteBatch wb;
  std::string scratch;
  rocksdb::ReadOptions ro;
  std::vector<asff::FindingIdentifier> processed;
  for (const auto& id : update.identifiers) {
    const std::string pk = keys::PrimaryKey(id.product_arn, id.id);
    if (occurrences[pk] > 1) {
      result->unprocessed.push_back({id, "DuplicatedFindingIdentifier", "Finding Identifier is duplicated"});
      continue;
    }
    StoredFinding existing;
    const Status s = ReadRecord(ro, pk, &existing, &scratch);
    if (s.code() == Status::Code::kNotFound) {
      result->unprocessed.push_back({id, "FindingNotFound", "Finding Not Found"});
      continue;
    }
    if (!s.ok()) {
      result->unprocessed.push_back({id, "InternalFailure", "Internal service failure: " + s.message()});
      continue;
    }
    asff::AnalystMask mask = existing.analyst_mask;
    auto json = asff::ApplyBatchUpdate(existing.core.json, update, now, mask);
    StoredFinding next;
    if (json.ok()) {
      const Status d = asff::DecodeFindingText(*json, next.core);
      if (!d.ok()) json = Status::InvalidInput(d.message());
    }
    if (!json.ok()) {
      const bool too_big = json->size() > asff::kMaxFindingBytes;
      result->unprocessed.push_back({id, too_big ? "FindingSizeExceeded" : "InvalidInput",
                                     too_big ? "Finding size exceeded 240 KB" : json.status().message()});
      continue;
    }
    next.core.json = std::move(json).value();
    next.analyst_mask = mask;
    WriteIndexes(wb, existing.core, pk, /*remove=*/true);
    wb.Put(findings_, pk, EncodeRecord(next));
    WriteIndexes(wb, next.core, pk, /*remove=*/false);
    processed.push_back(id);
  }
  if (wb.Count() > 0) {
    const Status s = FromRocks(db_->Write(write_options_, &wb), "writing a batch update");
    if (!s.ok()) return s;
  }
  result->processed = std::move(processed);
  return Status::Ok();
}

Status EmbeddedStore::Get(const asff::FindingIdentifier& id, StoredFinding* out) {
  std::string scratch;
  return ReadRecord(rocksdb::ReadOptions(), keys::PrimaryKey(id.product_arn, id.id), out, &scratch);
}

Status EmbeddedStore::FindingsForResource(std::string_view canonical_key,
                                          std::vector<StoredFinding>* out) {
  out->clear();
  std::string prefix(1, keys::kByResource);
  keys::PutLengthPrefixed(prefix, canonical_key);
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, index_));
  std::string scratch;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view pk(it->key().data() + prefix.size(), it->key().size() - prefix.size());
    StoredFinding f;
    const Status s = ReadRecord(ro, pk, &f, &scratch);
    if (s.code() == Status::Code::kNotFound) continue;  // raced with a delete
    if (!s.ok()) return s;
    out->push_back(std::move(f));
  }
  return FromRocks(it->status(), "scanning a resource's findings");
}

// --- Query -------------------------------------------------------------------------------------

// Candidates in UpdatedAt-descending order (or ascending, for `reverse`), from one or more ranges
// of the index whose keys end in OrderSuffix; merged with a heap when there are several.
class OrderedCandidates {
 public:
  OrderedCandidates(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::ReadOptions& ro,
                    std::vector<std::string> prefixes, bool reverse, const std::string& resume_after)
      : reverse_(reverse) {
    for (auto& p : prefixes) {
      Range r;
      r.prefix = std::move(p);
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
  struct Range {
    std::string prefix;
    std::unique_ptr<rocksdb::Iterator> it;
  };
  bool InRange(size_t i) const {
    return ranges_[i].it->Valid() && ranges_[i].it->key().starts_with(ranges_[i].prefix);
  }
  std::string SuffixOf(size_t i) const {
    const auto k = ranges_[i].it->key();
    return {k.data() + ranges_[i].prefix.size(), k.size() - ranges_[i].prefix.size()};
  }
  void Advance(size_t i) {
    if (reverse_) {
      ranges_[i].it->Prev();
    } else {
      ranges_[i].it->Next();
    }
  }
  void SkipPast(size_t i, const std::string& resume_after) {
    if (!resume_after.empty() && InRange(i) && SuffixOf(i) == resume_after) Advance(i);
  }
  void Push(size_t i) {
    if (InRange(i)) heap_.emplace(SuffixOf(i), i);
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
  std::priority_queue<std::pair<std::string, size_t>, std::vector<std::pair<std::string, size_t>>, Later>
      heap_{Later{reverse_}};
};

// Token: "1" + hex(position). Position: for UpdatedAt order the last OrderSuffix; otherwise the
// last finding's sort values and pk.
std::string EncodeSortValues(const std::vector<filter::SortValue>& values, std::string_view pk) {
  std::string out;
  for (const auto& v : values) {
    if (std::holds_alternative<std::monostate>(v)) {
      out += 'n';
    } else if (const double* d = std::get_if<double>(&v)) {
      out += 'd';
      std::uint64_t bits = 0;
      std::memcpy(&bits, d, sizeof bits);
      for (int i = 0; i < 8; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xFF);
    } else {
      out += 's';
      keys::PutLengthPrefixed(out, std::get<std::string>(v));
    }
  }
  out += 'k';
  out.append(pk);
  return out;
}

bool DecodeSortValues(std::string_view in, size_t count, std::vector<filter::SortValue>* values,
                      std::string* pk) {
  size_t pos = 0;
  values->clear();
  for (size_t n = 0; n < count; ++n) {
    if (pos >= in.size()) return false;
    const char tag = in[pos++];
    if (tag == 'n') {
      values->emplace_back(std::monostate{});
    } else if (tag == 'd') {
      if (in.size() - pos < 8) return false;
      std::uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
      pos += 8;
      double d = 0;
      std::memcpy(&d, &bits, sizeof d);
      values->emplace_back(d);
    } else if (tag == 's') {
      auto s = keys::GetLengthPrefixed(in, pos);
      if (!s) return false;
      values->emplace_back(std::string(*s));
    } else {
      return false;
    }
  }
  if (pos >= in.size() || in[pos] != 'k') return false;
  *pk = std::string(in.substr(pos + 1));
  return true;
}

Status BadToken() {
  return Status::InvalidInput("Invalid parameter 'NextToken'. The token is not one this server issued.");
}

Status EmbeddedStore::Query(const QueryRequest& request, TimeMs now, QueryPage* page) {
  *page = {};
  if (request.max_results < 1 || request.max_results > 100) {
    return Status::InvalidInput("Invalid parameter 'MaxResults'. Value must be between 1 and 100.");
  }
  const filter::FindingFilter* filter = request.filter;
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  ro.snapshot = snapshot;
  struct SnapshotGuard {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~SnapshotGuard() { db->ReleaseSnapshot(s); }
  } guard{db_.get(), snapshot};

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

  const bool default_order = request.sort.empty() ||
                             (request.sort.size() == 1 && request.sort[0].field == "UpdatedAt");
  const bool ascending = !request.sort.empty() && request.sort[0].ascending;
  std::string token_body;
  if (!request.next_token.empty()) {
    if (request.next_token[0] != '1') return BadToken();
    auto decoded = keys::HexDecode(std::string_view(request.next_token).substr(1));
    if (!decoded) return BadToken();
    token_body = std::move(*decoded);
  }

  std::string scratch;
  simdjson::dom::parser parser;
  // Reads the finding behind an index suffix and applies the filter.
  auto load_if_match = [&](std::string_view suffix, StoredFinding* f) -> Result<bool> {
    const std::string_view pk = suffix.substr(8);
    ++page->examined;
    const auto s = db_->Get(ro, findings_, rocksdb::Slice(pk.data(), pk.size()), &scratch);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromRocks(s, "reading a finding");
    if (scratch.size() < 5) return Status::Corruption("bad record header");
    const std::string_view json(scratch.data() + 5, scratch.size() - 5);
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
      return Status::Corruption("stored finding is not JSON");
    }
    if (filter != nullptr && !filter->Matches(root, now)) return false;
    f->core.json = std::string(json);
    return true;
  };

  if (default_order) {
    if (!token_body.empty() && token_body.size() < 8) return BadToken();
    OrderedCandidates candidates(db_.get(), index_, ro, prefixes, ascending, token_body);
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
  std::vector<filter::SortValue> after_values;
  std::string after_pk;
  const bool has_after = !token_body.empty();
  if (has_after && !DecodeSortValues(token_body, request.sort.size(), &after_values, &after_pk)) {
    return BadToken();
  }
  struct Entry {
    std::vector<filter::SortValue> values;
    std::string pk;
    std::string json;
  };
  auto compare = [&](const std::vector<filter::SortValue>& av, std::string_view apk,
                     const std::vector<filter::SortValue>& bv, std::string_view bpk) {
    for (size_t i = 0; i < request.sort.size(); ++i) {
      int c = filter::CompareSortValues(av[i], bv[i]);
      // Missing values sort last in both directions.
      const bool a_missing = std::holds_alternative<std::monostate>(av[i]);
      const bool b_missing = std::holds_alternative<std::monostate>(bv[i]);
      if (!request.sort[i].ascending && !a_missing && !b_missing) c = -c;
      if (c != 0) return c < 0;
    }
    return apk < bpk;
  };
  auto entry_less = [&](const Entry& a, const Entry& b) { return compare(a.values, a.pk, b.values, b.pk); };
  std::priority_queue<Entry, std::vector<Entry>, decltype(entry_less)> best(entry_less);
  OrderedCandidates candidates(db_.get(), index_, ro, prefixes, false, "");
  while (auto suffix = candidates.Next()) {
    StoredFinding f;
    auto match = load_if_match(*suffix, &f);
    if (!match.ok()) return match.status();
    if (!*match) continue;
    simdjson::dom::element root = parser.parse(f.core.json).value_unsafe();
    Entry e;
    for (const auto& c : request.sort) e.values.push_back(filter::SortValueOf(root, c.field));
    e.pk = suffix->substr(8);
    if (has_after && !compare(after_values, after_pk, e.values, e.pk)) continue;
    if (best.size() == request.max_results + 1 && !entry_less(e, best.top())) continue;
    e.json = std::move(f.core.json);
    best.push(std::move(e));
    if (best.size() > request.max_results + 1) best.pop();
  }
  if (Status s = candidates.status(); !s.ok()) return s;
  std::vector<Entry> sorted;
  while (!best.empty()) {
    sorted.push_back(std::move(const_cast<Entry&>(best.top())));
    best.pop();
  }
  std::reverse(sorted.begin(), sorted.end());
  if (sorted.size() > request.max_results) {
    sorted.pop_back();
    page->next_token = "1" + keys::HexEncode(EncodeSortValues(sorted.back().values, sorted.back().pk));
  }
  for (auto& e : sorted) page->findings.push_back(std::move(e.json));
  return Status::Ok();
}

Status EmbeddedStore::ApplyRetention(TimeMs now, RetentionResult* result) {
  std::lock_guard lock(write_mu_);
  *result = {};
  for (const auto& [prefix, days, counter] :
       {std::tuple{keys::kRetainActive, options_.retention_active_days, &result->deleted_active},
        std::tuple{keys::kRetainArchived, options_.retention_archived_days, &result->deleted_archived}}) {
    std::string limit(1, prefix);
    keys::PutTimeAscending(limit, now - static_cast<TimeMs>(days) * asff::kMsPerDay);
    rocksdb::ReadOptions ro;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, index_));
    rocksdb::WriteBatch wb;
    std::string scratch;
    const std::string start(1, prefix);
    for (it->Seek(start); it->Valid() && it->key().starts_with(start) && it->key().compare(limit) < 0;
         it->Next()) {
      const std::string pk(it->key().data() + 9, it->key().size() - 9);
      StoredFinding f;
      const Status s = ReadRecord(ro, pk, &f, &scratch);
      if (s.code() == Status::Code::kNotFound) continue;
      if (!s.ok()) return s;
      WriteIndexes(wb, f.core, pk, /*remove=*/true);
      wb.Delete(findings_, pk);
      ++*counter;
      if (wb.Count() > 10000) {
        if (Status w = FromRocks(db_->Write(write_options_, &wb), "deleting expired findings"); !w.ok()) return w;
        wb.Clear();
      }
    }
    if (Status st = FromRocks(it->status(), "scanning for expired findings"); !st.ok()) return st;
    if (wb.Count() > 0) {
      if (Status w = FromRocks(db_->Write(write_options_, &wb), "deleting expired findings"); !w.ok()) return w;
    }
  }
  return Status::Ok();
}

Status EmbeddedStore::Stats(StoreStats* stats) {
  *stats = {};
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, index_));
  const std::pair<char, std::map<std::string, std::uint64_t>*> wanted[] = {
      {'p', &stats->by_product},
      {'s', &stats->by_severity},
      {'t', &stats->by_resource_type},
      {'r', &stats->by_record_state},
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

}  // namespace

Result<std::unique_ptr<FindingStore>> OpenEmbeddedStore(const std::string& directory,
                                                        const StoreOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;

  rocksdb::ColumnFamilyOptions findings_cf;
  findings_cf.OptimizeLevelStyleCompaction(256 << 20);
  findings_cf.write_buffer_size = 128 << 20;
  findings_cf.compression = rocksdb::kLZ4Compression;
  findings_cf.bottommost_compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_size = 16 << 10;
  findings_cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::ColumnFamilyOptions index_cf;
  index_cf.OptimizeLevelStyleCompaction(128 << 20);
  index_cf.write_buffer_size = 64 << 20;
  index_cf.compression = rocksdb::kLZ4Compression;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs{
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"findings", findings_cf},
      {"index", index_cf},
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
  return std::unique_ptr<FindingStore>(
      new EmbeddedStore(std::unique_ptr<rocksdb::DB>(raw), std::move(handles), options));
}

}  // namespace corroborate::store
