#include "dynamodb/dynamodb_store.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "asff/import.h"
#include "asff/json_writer.h"
#include "aws/base64.h"
#include "aws/dynamodb_client.h"
#include "aws/sigv4.h"
#include "store/codec.h"
#include "store/keys.h"

namespace corroborate::dynamodb {
namespace {

using asff::Finding;
using asff::TimeMs;
using store::FindingStore;
using store::StoredFinding;
using store::StoredInventoryItem;

// Writes to one partition key are limited (1,000 a second), so the indexes every finding enters
// spread it over this many partitions by version; readers merge them.
constexpr std::uint64_t kShards = 4;
constexpr std::size_t kMaxTransactionItems = 100;        // DynamoDB's limit
constexpr std::size_t kMaxTransactionBytes = 3'500'000;  // below DynamoDB's 4 MB
constexpr std::size_t kMaxBatchGet = 100;                // BatchGetItem's limit
constexpr std::size_t kMaxItemBytes = 380'000;           // below DynamoDB's 400 KB an item
constexpr std::size_t kMaxBatchWrite = 25;               // BatchWriteItem's limit
constexpr int kMaxRaces = 16;  // optimistic retries of one write before giving up
constexpr char kGeneratorTokenVersion = '2';

// --- Attribute values -------------------------------------------------------------------------

struct Attr {
  char type = 'S';  // 'B' bytes, 'S' string, 'N' number (its text)
  std::string value;
};
using Item = std::map<std::string, Attr>;

Attr B(std::string v) {
  return {'B', std::move(v)};
}
Attr S(std::string v) {
  return {'S', std::move(v)};
}
Attr N(std::int64_t v) {
  return {'N', std::to_string(v)};
}

void WriteAttr(asff::JsonWriter& w, const Attr& a) {
  w.BeginObject().Key(std::string_view(&a.type, 1));
  w.String(a.type == 'B' ? aws::Base64Encode(a.value) : a.value).EndObject();
}

void WriteItem(asff::JsonWriter& w, const Item& item) {
  w.BeginObject();
  for (const auto& [name, value] : item) {
    w.Key(name);
    WriteAttr(w, value);
  }
  w.EndObject();
}

Status Malformed(std::string_view what) {
  return Status::Corruption("DynamoDB answered a malformed " + std::string(what));
}

Status ParseItem(simdjson::dom::element element, Item* out) {
  out->clear();
  simdjson::dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) return Malformed("item");
  for (auto field : object) {
    simdjson::dom::object typed;
    if (field.value.get_object().get(typed) != simdjson::SUCCESS) return Malformed("attribute");
    for (auto t : typed) {
      std::string_view text;
      if (t.value.get_string().get(text) != simdjson::SUCCESS) continue;  // lists, maps: unused
      if (t.key == "B") {
        auto bytes = aws::Base64Decode(text);
        if (!bytes) return Malformed("binary attribute");
        (*out)[std::string(field.key)] = B(std::move(*bytes));
      } else if (t.key == "S" || t.key == "N") {
        (*out)[std::string(field.key)] = {t.key[0], std::string(text)};
      }
    }
  }
  return Status::Ok();
}

const std::string* Attribute(const Item& item, const std::string& name) {
  auto it = item.find(name);
  return it == item.end() ? nullptr : &it->second.value;
}

// The attribute's value, or empty when the item lacks it (an answer never crashes the reader).
const std::string& Field(const Item& item, const std::string& name) {
  static const std::string kNone;
  const std::string* v = Attribute(item, name);
  return v != nullptr ? *v : kNone;
}

std::int64_t Number(const Item& item, const std::string& name) {
  const std::string* v = Attribute(item, name);
  if (v == nullptr) return 0;
  try {
    return std::stoll(*v);
  } catch (...) {
    return 0;
  }
}

// --- Keys -------------------------------------------------------------------------------------

std::string BigEndian(std::uint64_t v) {
  std::string s;
  store::keys::PutBigEndian64(s, v);
  return s;
}

std::uint64_t FromBigEndian(std::string_view b) {
  std::uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < b.size(); ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

std::string FindingPk(std::string_view product_arn, std::string_view id) {
  return "f" + store::keys::PrimaryKey(product_arn, id);
}
std::string VersionPk(std::uint64_t v) {
  return "v" + BigEndian(v);
}
// A resource's partition: its key, or a digest of a key too long for a partition key (an
// inventory subject may have 2,048 bytes).
std::string ResourcePk(std::string_view key) {
  return key.size() <= 2000 ? "r" + std::string(key) : "R" + aws::Sha256Hex(key);
}
// Sort keys are at most 1,024 bytes and partition keys 2,048: a resource's entries are keyed by a
// digest of what they name (which the item holds in full), so no valid finding's Id, ARN or
// resource key can make a key too long.
std::string Digest(std::string_view bytes) {
  return aws::Sha256Hex(bytes);
}
std::string MemberSk(std::string_view owner) {
  return "m" + Digest(owner);
}
std::string RelationPart(std::string_view to, std::string_view to_type) {
  std::string part;
  store::keys::PutLengthPrefixed(part, to);
  store::keys::PutLengthPrefixed(part, to_type);
  return part;
}
std::string RelationSk(std::string_view to, std::string_view to_type, std::string_view owner) {
  return "g" + Digest(RelationPart(to, to_type) + std::string(owner));
}
std::string InventoryOwner(std::string_view subject, std::string_view source) {
  std::string o = "i";
  store::keys::PutLengthPrefixed(o, subject);
  store::keys::PutLengthPrefixed(o, source);
  return o;
}
std::string InventoryPk(std::string_view subject) {
  return subject.size() <= 1024 ? "i" + std::string(subject) : "I" + Digest(subject);
}
std::string InventorySk(std::string_view source) {
  return "s" + Digest(source);
}
// The version index: a table partition per kind ('f' findings, 'i' inventory) and shard, read
// strongly consistently (a crash's catch-up must not miss a version an index has not caught up on).
std::string VersionIndexPk(char kind, std::uint64_t version) {
  return std::string("x") + kind + static_cast<char>('0' + version % kShards);
}
std::string Shard(char prefix, std::uint64_t version) {
  return std::string(1, prefix) + static_cast<char>('0' + version % kShards);
}
std::string Sharded(std::string_view value, std::uint64_t version) {
  return std::string(value) + static_cast<char>('0' + version % kShards);
}
// asc(UpdatedAt) | be64(~version): read backwards (newest first) findings with one UpdatedAt come
// in version order, as in the embedded store.
std::string UpdatedSk(TimeMs updated, std::uint64_t version) {
  std::string s;
  store::keys::PutTimeAscending(s, updated);
  store::keys::PutBigEndian64(s, ~version);
  return s;
}

// The GSIs. Those with a filter field serve GetFindings' EQUALS filters on it (the item's
// attribute holds the value with its shard appended), preferred in this order when a filter
// names several (most selective first).
struct IndexDefinition {
  std::string_view name;
  std::string_view hash;
  std::string_view range;
  std::string_view filter_name;  // empty: not a field's index
};
constexpr std::array<IndexDefinition, 8> kIndexes{{
    {"by_generator", "g_pk", "u_sk", "GeneratorId"},
    {"by_product", "p_pk", "u_sk", "ProductName"},
    {"by_compliance", "c_pk", "u_sk", "ComplianceStatus"},
    {"by_severity", "s_pk", "u_sk", "SeverityLabel"},
    {"by_workflow", "w_pk", "u_sk", "WorkflowStatus"},
    {"by_record_state", "r_pk", "u_sk", "RecordState"},
    {"by_updated", "u_pk", "u_sk", ""},
    {"by_last_seen", "t_pk", "t_sk", ""},
}};

// --- Writes -----------------------------------------------------------------------------------

struct WriteAction {
  enum Kind : std::uint8_t { kPut, kDelete, kCheck } kind = kPut;
  Item item;  // kPut: the whole item; kDelete, kCheck: its key (pk, sk)
  std::string condition;
  Item values;                               // the condition's :placeholders
  std::map<std::string, std::string> names;  // the condition's #placeholders
  [[nodiscard]] std::pair<std::string, std::string> Key() const {
    return {item.at("pk").value, item.at("sk").value};
  }
  [[nodiscard]] std::size_t Bytes() const {
    std::size_t n = 0;
    for (const auto& [name, a] : item) n += name.size() + a.value.size();
    return n + 64;
  }
};

WriteAction Put(Item item) {
  return {WriteAction::kPut, std::move(item), {}, {}, {}};
}
WriteAction Delete(std::string pk, std::string sk) {
  Item key{{"pk", B(std::move(pk))}, {"sk", B(std::move(sk))}};
  return {WriteAction::kDelete, std::move(key), {}, {}, {}};
}

// The condition a record's write carries: nobody wrote it since it was read (`writes` counts
// every write of it), or it does not exist yet.
void Condition(WriteAction& a, std::optional<std::int64_t> writes,
               std::optional<TimeMs> older_than = std::nullopt) {
  if (!writes) {
    a.condition = "attribute_not_exists(#pk)";
    a.names["#pk"] = "pk";
    return;
  }
  a.condition = "#w = :w";
  a.names["#w"] = "w";
  a.values[":w"] = N(*writes);
  if (older_than) {
    a.condition += " AND #u < :u";
    a.names["#u"] = "u";
    a.values[":u"] = N(*older_than);
  }
}

std::int64_t ExpirySeconds(TimeMs ms) {
  return ms / 1000;
}

// --- Reading ----------------------------------------------------------------------------------

struct QuerySpec {
  std::string index;  // empty: the table
  std::string hash_attribute = "pk";
  std::string hash_value;
  std::string range_attribute = "sk";
  enum Range : std::uint8_t { kAll, kBeginsWith, kLess, kGreater } range = kAll;
  std::string range_value;
  bool forward = true;
  std::size_t page = 500;
};

class DynamoDbStore;

// A Query's items in range-key order, fetched a page at a time as they are consumed.
class QueryCursor {
 public:
  QueryCursor(DynamoDbStore* store, QuerySpec spec) : store_(store), spec_(std::move(spec)) {}
  // The next item, or nullopt at the end; errors in status().
  const Item* Peek();
  void Pop() { ++at_; }
  [[nodiscard]] const Status& status() const { return status_; }
  [[nodiscard]] const QuerySpec& spec() const { return spec_; }

 private:
  DynamoDbStore* store_;
  QuerySpec spec_;
  std::vector<Item> items_;
  std::size_t at_ = 0;
  std::optional<std::string> start_key_;  // the LastEvaluatedKey JSON to resume from
  bool done_ = false;
  Status status_;
};

// Several cursors of one index merged in range-key order (the shards of an index, or the values
// an EQUALS filter lists).
class MergedCursor {
 public:
  explicit MergedCursor(std::vector<QueryCursor> cursors) : cursors_(std::move(cursors)) {}
  const Item* Next() {
    const Item* best = nullptr;
    std::size_t best_i = 0;
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      const Item* item = cursors_[i].Peek();
      if (!cursors_[i].status().ok()) {
        status_ = cursors_[i].status();
        return nullptr;
      }
      if (item == nullptr) continue;
      if (best == nullptr || Before(*item, *best, cursors_[i].spec())) {
        best = item;
        best_i = i;
      }
    }
    if (best == nullptr) return nullptr;
    current_ = *best;
    cursors_[best_i].Pop();
    return &current_;
  }
  [[nodiscard]] const Status& status() const { return status_; }

 private:
  static bool Before(const Item& a, const Item& b, const QuerySpec& spec) {
    const std::string* ra = Attribute(a, spec.range_attribute);
    const std::string* rb = Attribute(b, spec.range_attribute);
    const std::string& x = ra != nullptr ? *ra : kEmpty;
    const std::string& y = rb != nullptr ? *rb : kEmpty;
    return spec.forward ? x < y : x > y;
  }
  static inline const std::string kEmpty;
  std::vector<QueryCursor> cursors_;
  Item current_;
  Status status_;
};

// Consecutive runs of `actions` that each fit one transaction (100 items, 4 MB).
std::vector<std::vector<WriteAction>> Groups(const std::vector<WriteAction>& actions) {
  std::vector<std::vector<WriteAction>> groups;
  std::size_t bytes = 0;
  for (const auto& a : actions) {
    if (groups.empty() || groups.back().size() == kMaxTransactionItems ||
        bytes + a.Bytes() > kMaxTransactionBytes) {
      groups.emplace_back();
      bytes = 0;
    }
    groups.back().push_back(a);
    bytes += a.Bytes();
  }
  return groups;
}

// A fresh ClientRequestToken (1..36 characters).
std::string RequestToken() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token(32, '0');
  for (char& c : token) c = kHex[rng() % 16];
  return token;
}

// The state of a finding's record as a write sees it.
struct Current {
  bool exists = false;
  StoredFinding finding;
  std::uint64_t version = 0;
  std::int64_t writes = 0;
};

class DynamoDbStore final : public FindingStore {
 public:
  DynamoDbStore(std::unique_ptr<aws::HttpClient> http,
                std::unique_ptr<aws::CredentialChain> credentials, DynamoDbStoreOptions options)
      : http_(std::move(http)),
        credentials_(std::move(credentials)),
        options_(std::move(options)),
        client_(*http_, *credentials_, {options_.region, options_.endpoint_url}) {}

  Status Open();

  Status Import(std::span<const store::IncomingFinding> batch, TimeMs now,
                std::vector<store::ImportOutcome>* outcomes) override;
  Status BatchUpdate(const asff::BatchUpdate& update, TimeMs now,
                     store::BatchUpdateResult* result) override;
  Status Get(const asff::FindingIdentifier& id, StoredFinding* out) override;
  Status Query(const store::QueryRequest& request, TimeMs now, store::QueryPage* page) override;
  Status FindingsForResource(std::string_view canonical_key,
                             std::vector<StoredFinding>* out) override;
  Status ResourceVersions(std::string_view canonical_key,
                          std::vector<std::uint64_t>* versions) override;
  Status GetVersion(std::uint64_t version, StoredFinding* out) override;
  Status RelatedResources(std::string_view canonical_key,
                          std::vector<store::RelatedResource>* out) override;
  Status LastVersion(std::uint64_t* version) override;
  Status ForEachVersionSince(
      std::uint64_t after,
      const std::function<Status(std::uint64_t, const StoredFinding&)>& visit) override;
  Status ApplyRetention(TimeMs now, store::RetentionResult* result) override;
  Status Stats(store::StoreStats* stats) override;
  Status Compact() override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
  Status FindingsOfGeneratorBefore(const store::GeneratorRangeRequest& request,
                                   store::QueryPage* page) override;
  Status PutAuxiliary(std::string_view key, std::string_view value) override;
  Status GetAuxiliary(std::string_view key, std::string* value) override;
  Status DeleteAuxiliary(std::string_view key) override;
  Status ImportInventory(std::span<const inventory::Item> batch, TimeMs now,
                         std::vector<store::InventoryOutcome>* outcomes) override;
  Status InventoryItemsOf(std::string_view subject_key,
                          std::vector<StoredInventoryItem>* out) override;
  Status InventoryItemOfVersion(std::uint64_t version, StoredInventoryItem* out) override;
  Status InventoryItemsSince(
      std::uint64_t after_version,
      const std::function<Status(const StoredInventoryItem&)>& visit) override;
  Status WriteAuxiliary(std::span<const store::AuxiliaryWrite> writes) override;
  Status ScanAuxiliary(std::string_view prefix, std::string_view after, std::size_t limit,
                       std::vector<std::pair<std::string, std::string>>* out) override;

  // One page of a Query: items and the LastEvaluatedKey to go on from (nullopt: the end).
  Status QueryPage(const QuerySpec& spec, const std::optional<std::string>& start_key,
                   std::vector<Item>* items, std::optional<std::string>* last_key);

 private:
  Result<std::string> Call(std::string_view operation, std::string body,
                           aws::DynamoDbFailure* failure = nullptr) {
    return client_.Call(operation, std::move(body), failure);
  }
  // The JSON request opened with the table name.
  std::string Request(const std::function<void(asff::JsonWriter&)>& members) const {
    std::string body;
    asff::JsonWriter w(body);
    w.BeginObject().Key("TableName").String(options_.table);
    members(w);
    w.EndObject();
    return body;
  }
  Status GetItem(const std::string& pk, const std::string& sk, Item* out);
  // Reads items by key, strongly consistently; absent keys are absent from `out`.
  Status BatchGet(const std::vector<std::pair<std::string, std::string>>& keys,
                  std::map<std::pair<std::string, std::string>, Item>* out);
  // false: a condition failed (someone wrote meanwhile).
  Result<bool> Transact(const std::vector<WriteAction>& actions);
  // Unconditional writes in batches of 25 (for what does not fit one transaction).
  Status BatchWrite(const std::vector<WriteAction>& actions);
  Result<std::uint64_t> ReserveVersions(std::uint64_t count);

  // The entries of a resource's partition: 'm' those of the findings naming it, 'g' relations.
  QueryCursor ResourceEntries(std::string_view canonical_key, char kind) {
    QuerySpec spec;
    spec.hash_value = ResourcePk(canonical_key);
    spec.range = QuerySpec::kBeginsWith;
    spec.range_value = std::string(1, kind);
    return {this, std::move(spec)};
  }
  // The owner (finding record pk, or inventory owner) of a version of `kind` ('f' or 'i');
  // NotFound when the version is not stored or of the other kind.
  Status OwnerOfVersion(std::uint64_t version, char kind, std::string* owner);
  Status ReadFinding(const Item& item, StoredFinding* out, std::uint64_t* version = nullptr,
                     std::int64_t* writes = nullptr);
  Item FindingItem(const StoredFinding& f, std::uint64_t version, std::int64_t writes) const;
  TimeMs RetentionEnd(const Finding& f) const {
    const int days = f.record_state == asff::RecordState::kActive
                         ? options_.store.retention_active_days
                         : options_.store.retention_archived_days;
    return store::RetentionClock(f) + static_cast<TimeMs>(days) * asff::kMsPerDay;
  }
  // The resource entries and relations a finding version puts, keyed by (pk, sk).
  std::map<std::pair<std::string, std::string>, Item> DerivedItems(const Finding& f,
                                                                   std::uint64_t version) const;
  // The writes that store `next` (version `version`) over `current`.
  std::vector<WriteAction> FindingWrites(const Current& current, const StoredFinding& next,
                                         std::uint64_t version, bool import) const;
  // The writes that delete a stored finding with everything that points at it.
  std::vector<WriteAction> FindingDeletes(const Current& current) const;
  // Commits one finding's or group's writes: a transaction when they fit one, else the
  // conditional record first and the rest after it.
  Result<bool> Commit(const std::vector<WriteAction>& actions);

  Status ReadCurrent(const std::vector<std::string>& pks, std::map<std::string, Current>* known);
  std::vector<QueryCursor> ShardCursors(std::string_view index, std::string_view hash_attribute,
                                        const std::vector<std::string>& hash_values,
                                        std::string_view range_attribute, bool forward,
                                        QuerySpec::Range range, const std::string& range_value);
  // Reads the findings of index entries (their pk and u_sk) in order, keeping those whose
  // stored version is the one the entry names.
  Status LoadEntries(const std::vector<Item>& entries, std::vector<std::optional<Current>>* out);
  // The next up to `n` entries of an index on u_sk, each finding version once (`previous`
  // carries the last one between calls), with LoadEntries' findings; false at the end.
  Result<bool> NextEntries(MergedCursor& cursor, std::size_t n, std::string* previous,
                           std::vector<Item>* chunk, std::vector<std::optional<Current>>* loaded);

  Status ReadInventory(const Item& item, StoredInventoryItem* out, std::int64_t* writes);
  // The TTL of an inventory version's items (epoch seconds; none when it never expires).
  [[nodiscard]] std::optional<std::int64_t> InventoryTtl(const StoredInventoryItem& item) const;
  std::vector<WriteAction> InventoryWrites(const StoredInventoryItem& next,
                                           const StoredInventoryItem* existing,
                                           std::optional<std::int64_t> writes) const;
  std::vector<WriteAction> InventoryDeletes(const StoredInventoryItem& stored) const;
  Status ExpireInventory(TimeMs now, store::RetentionResult* result);

  std::unique_ptr<aws::HttpClient> http_;
  std::unique_ptr<aws::CredentialChain> credentials_;
  DynamoDbStoreOptions options_;
  aws::DynamoDbClient client_;
  std::mutex write_mu_;  // one writer per process; other processes are handled by conditions
};

// --- Low-level calls --------------------------------------------------------------------------

const Item* QueryCursor::Peek() {
  while (at_ >= items_.size()) {
    if (done_ || !status_.ok()) return nullptr;
    items_.clear();
    at_ = 0;
    std::optional<std::string> next;
    status_ = store_->QueryPage(spec_, start_key_, &items_, &next);
    if (!status_.ok()) return nullptr;
    start_key_ = std::move(next);
    done_ = !start_key_.has_value();
  }
  return &items_[at_];
}

Status DynamoDbStore::QueryPage(const QuerySpec& spec, const std::optional<std::string>& start_key,
                                std::vector<Item>* items, std::optional<std::string>* last_key) {
  const std::string body = Request([&](asff::JsonWriter& w) {
    if (!spec.index.empty()) w.Key("IndexName").String(spec.index);
    if (spec.index.empty()) w.Key("ConsistentRead").Bool(true);
    w.Key("Limit").Int(static_cast<std::int64_t>(spec.page));
    w.Key("ScanIndexForward").Bool(spec.forward);
    std::string condition = "#h = :h";
    switch (spec.range) {
      case QuerySpec::kAll: break;
      case QuerySpec::kBeginsWith: condition += " AND begins_with(#r, :r)"; break;
      case QuerySpec::kLess: condition += " AND #r < :r"; break;
      case QuerySpec::kGreater: condition += " AND #r > :r"; break;
    }
    w.Key("KeyConditionExpression").String(condition);
    w.Key("ExpressionAttributeNames").BeginObject().Key("#h").String(spec.hash_attribute);
    if (spec.range != QuerySpec::kAll) w.Key("#r").String(spec.range_attribute);
    w.EndObject();
    w.Key("ExpressionAttributeValues").BeginObject().Key(":h");
    WriteAttr(w, B(spec.hash_value));
    if (spec.range != QuerySpec::kAll) {
      w.Key(":r");
      WriteAttr(w, B(spec.range_value));
    }
    w.EndObject();
    if (start_key) w.Key("ExclusiveStartKey").Raw(*start_key);
  });
  auto answer = Call("Query", body);
  if (!answer.ok()) return answer.status();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array array;
  if (parser.parse(*answer).get(root) != simdjson::SUCCESS ||
      root["Items"].get_array().get(array) != simdjson::SUCCESS) {
    return Malformed("Query answer");
  }
  for (simdjson::dom::element e : array) {
    Item item;
    if (Status s = ParseItem(e, &item); !s.ok()) return s;
    items->push_back(std::move(item));
  }
  last_key->reset();
  simdjson::dom::element last;
  if (root["LastEvaluatedKey"].get(last) == simdjson::SUCCESS) {
    *last_key = simdjson::minify(last);
  }
  return Status::Ok();
}

Status DynamoDbStore::GetItem(const std::string& pk, const std::string& sk, Item* out) {
  const std::string body = Request([&](asff::JsonWriter& w) {
    w.Key("ConsistentRead").Bool(true).Key("Key");
    WriteItem(w, {{"pk", B(pk)}, {"sk", B(sk)}});
  });
  auto answer = Call("GetItem", body);
  if (!answer.ok()) return answer.status();
  simdjson::dom::parser parser;
  simdjson::dom::element root, item;
  if (parser.parse(*answer).get(root) != simdjson::SUCCESS) return Malformed("GetItem answer");
  if (root["Item"].get(item) != simdjson::SUCCESS) return Status::NotFound("no such item");
  return ParseItem(item, out);
}

Status DynamoDbStore::BatchGet(const std::vector<std::pair<std::string, std::string>>& keys,
                               std::map<std::pair<std::string, std::string>, Item>* out) {
  std::vector<std::pair<std::string, std::string>> unique(keys);
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  for (std::size_t start = 0; start < unique.size(); start += kMaxBatchGet) {
    const std::size_t end = std::min(unique.size(), start + kMaxBatchGet);
    std::vector<std::pair<std::string, std::string>> pending(unique.begin() + start,
                                                             unique.begin() + end);
    for (int round = 0; !pending.empty(); ++round) {
      if (round > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50 << round, 2000)));
      if (round > 20)
        return Status::LimitExceeded("DynamoDB kept keys of BatchGetItem unprocessed");
      std::string body;
      asff::JsonWriter w(body);
      w.BeginObject().Key("RequestItems").BeginObject().Key(options_.table).BeginObject();
      w.Key("ConsistentRead").Bool(true).Key("Keys").BeginArray();
      for (const auto& [pk, sk] : pending) WriteItem(w, {{"pk", B(pk)}, {"sk", B(sk)}});
      w.EndArray().EndObject().EndObject().EndObject();
      auto answer = Call("BatchGetItem", body);
      if (!answer.ok()) return answer.status();
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      simdjson::dom::array found;
      if (parser.parse(*answer).get(root) != simdjson::SUCCESS ||
          root["Responses"][options_.table].get_array().get(found) != simdjson::SUCCESS) {
        return Malformed("BatchGetItem answer");
      }
      for (simdjson::dom::element e : found) {
        Item item;
        if (Status s = ParseItem(e, &item); !s.ok()) return s;
        const std::string* pk = Attribute(item, "pk");
        const std::string* sk = Attribute(item, "sk");
        if (pk == nullptr || sk == nullptr) return Malformed("item key");
        (*out)[{*pk, *sk}] = std::move(item);
      }
      pending.clear();
      simdjson::dom::array unprocessed;
      if (root["UnprocessedKeys"][options_.table]["Keys"].get_array().get(unprocessed) ==
          simdjson::SUCCESS) {
        for (simdjson::dom::element e : unprocessed) {
          Item key;
          if (Status s = ParseItem(e, &key); !s.ok()) return s;
          pending.emplace_back(key["pk"].value, key["sk"].value);
        }
      }
    }
  }
  return Status::Ok();
}

void WriteTransactItem(asff::JsonWriter& w, const WriteAction& a, const std::string& table) {
  const char* kind = a.kind == WriteAction::kPut      ? "Put"
                     : a.kind == WriteAction::kDelete ? "Delete"
                                                      : "ConditionCheck";
  w.BeginObject().Key(kind).BeginObject();
  w.Key("TableName").String(table).Key(a.kind == WriteAction::kPut ? "Item" : "Key");
  WriteItem(w, a.item);
  if (!a.condition.empty()) {
    w.Key("ConditionExpression").String(a.condition);
    w.Key("ExpressionAttributeNames").BeginObject();
    for (const auto& [k, v] : a.names) w.Key(k).String(v);
    w.EndObject();
    if (!a.values.empty()) {
      w.Key("ExpressionAttributeValues");
      WriteItem(w, a.values);
    }
  }
  w.EndObject().EndObject();
}

Result<bool> DynamoDbStore::Transact(const std::vector<WriteAction>& actions) {
  if (actions.empty()) return true;
  std::string body;
  asff::JsonWriter w(body);
  // The token makes the HTTP client's retry of a transaction whose answer was lost (a timeout, a
  // 5xx after the commit) succeed without applying it twice, instead of failing its conditions.
  w.BeginObject().Key("ClientRequestToken").String(RequestToken()).Key("TransactItems");
  w.BeginArray();
  for (const auto& a : actions) WriteTransactItem(w, a, options_.table);
  w.EndArray().EndObject();
  // Another transaction on the same items (TransactionConflict) or throttling of one of them
  // (ThrottlingError) among the reasons: wait and try again; a failed condition is a lost race
  // the caller handles by reading again.
  for (int attempt = 0;; ++attempt) {
    aws::DynamoDbFailure failure;
    auto answer = Call("TransactWriteItems", body, &failure);
    if (answer.ok()) return true;
    const bool conflict = std::any_of(
        failure.cancellation.begin(), failure.cancellation.end(),
        [](const std::string& c) { return c == "TransactionConflict" || c == "ThrottlingError"; });
    const bool condition =
        std::any_of(failure.cancellation.begin(), failure.cancellation.end(),
                    [](const std::string& c) { return c == "ConditionalCheckFailed"; });
    if (condition) return false;
    if (!conflict || attempt >= 8) return answer.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20 << attempt, 2000)));
  }
}

Status DynamoDbStore::BatchWrite(const std::vector<WriteAction>& actions) {
  for (std::size_t start = 0; start < actions.size(); start += kMaxBatchWrite) {
    std::vector<const WriteAction*> pending;
    for (std::size_t i = start; i < std::min(actions.size(), start + kMaxBatchWrite); ++i) {
      pending.push_back(&actions[i]);
    }
    std::vector<Item> retry_puts, retry_deletes;
    for (int round = 0;; ++round) {
      std::string body;
      asff::JsonWriter w(body);
      w.BeginObject().Key("RequestItems").BeginObject().Key(options_.table).BeginArray();
      auto add = [&](bool put, const Item& item) {
        w.BeginObject().Key(put ? "PutRequest" : "DeleteRequest").BeginObject();
        w.Key(put ? "Item" : "Key");
        WriteItem(w, item);
        w.EndObject().EndObject();
      };
      if (round == 0) {
        for (const auto* a : pending) add(a->kind == WriteAction::kPut, a->item);
      } else {
        for (const auto& i : retry_puts) add(true, i);
        for (const auto& i : retry_deletes) add(false, i);
      }
      w.EndArray().EndObject().EndObject();
      auto answer = Call("BatchWriteItem", body);
      if (!answer.ok()) return answer.status();
      retry_puts.clear();
      retry_deletes.clear();
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      simdjson::dom::array left;
      if (parser.parse(*answer).get(root) != simdjson::SUCCESS) {
        return Malformed("BatchWriteItem answer");
      }
      if (root["UnprocessedItems"][options_.table].get_array().get(left) == simdjson::SUCCESS) {
        for (simdjson::dom::element e : left) {
          simdjson::dom::element put, del;
          Item item;
          if (e["PutRequest"]["Item"].get(put) == simdjson::SUCCESS) {
            if (Status s = ParseItem(put, &item); !s.ok()) return s;
            retry_puts.push_back(std::move(item));
          } else if (e["DeleteRequest"]["Key"].get(del) == simdjson::SUCCESS) {
            if (Status s = ParseItem(del, &item); !s.ok()) return s;
            retry_deletes.push_back(std::move(item));
          }
        }
      }
      if (retry_puts.empty() && retry_deletes.empty()) break;
      if (round > 20)
        return Status::LimitExceeded("DynamoDB kept items of BatchWriteItem unprocessed");
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50 << round, 2000)));
    }
  }
  return Status::Ok();
}

Result<bool> DynamoDbStore::Commit(const std::vector<WriteAction>& actions) {
  auto fits = [](const std::vector<WriteAction>& group, const WriteAction* more) {
    std::size_t bytes = more != nullptr ? more->Bytes() : 0;
    for (const auto& a : group) bytes += a.Bytes();
    return group.size() + (more != nullptr ? 1 : 0) <= kMaxTransactionItems &&
           bytes <= kMaxTransactionBytes;
  };
  if (actions.empty() || fits(actions, nullptr)) return Transact(actions);
  // Only one finding or inventory item with very many resources and relations gets here
  // (actions[0] is its conditioned record). Its new entries go first, in transactions that
  // each check the record is still as read; then the record with its version items and as many
  // removals as fit; then the remaining removals of the old version's entries. Until the record
  // is written, a re-import of the same revision finds the old one and redoes it all; a removal
  // left undone by a crash is a stale entry readers ignore (its version is not the record's)
  // and TTL deletes.
  const WriteAction& record = actions[0];
  WriteAction check{WriteAction::kCheck,
                    {{"pk", record.item.at("pk")}, {"sk", record.item.at("sk")}},
                    record.condition,
                    record.values,
                    record.names};
  std::vector<WriteAction> core, puts, deletes;
  for (const auto& a : actions) {
    if (!a.condition.empty()) {
      core.push_back(a);
    } else if (a.kind == WriteAction::kPut) {
      puts.push_back(a);
    } else {
      deletes.push_back(a);
    }
  }
  std::vector<WriteAction> group;
  auto flush = [&]() -> Result<bool> {
    if (group.empty()) return true;
    group.push_back(check);
    auto done = Transact(group);
    group.clear();
    return done;
  };
  for (const auto& put : puts) {
    // Room for this put and the check.
    if (!group.empty() && (group.size() + 2 > kMaxTransactionItems || !fits(group, &put))) {
      auto done = flush();
      if (!done.ok() || !*done) return done;
    }
    group.push_back(put);
  }
  if (auto done = flush(); !done.ok() || !*done) return done;
  std::size_t used = 0;
  while (used < deletes.size() && fits(core, &deletes[used])) core.push_back(deletes[used++]);
  auto done = Transact(core);
  if (!done.ok() || !*done) return done;
  if (Status s = BatchWrite(std::vector<WriteAction>(deletes.begin() + used, deletes.end()));
      !s.ok()) {
    return s;
  }
  return true;
}

Result<std::uint64_t> DynamoDbStore::ReserveVersions(std::uint64_t count) {
  const std::string body = Request([&](asff::JsonWriter& w) {
    w.Key("Key");
    WriteItem(w, {{"pk", B("c")}, {"sk", B("c")}});
    w.Key("UpdateExpression").String("ADD #n :k");
    w.Key("ExpressionAttributeNames").BeginObject().Key("#n").String("n").EndObject();
    w.Key("ExpressionAttributeValues");
    WriteItem(w, {{":k", N(static_cast<std::int64_t>(count))}});
    w.Key("ReturnValues").String("UPDATED_NEW");
  });
  auto answer = Call("UpdateItem", body);
  if (!answer.ok()) return answer.status().WithContext("reserving version numbers");
  simdjson::dom::parser parser;
  simdjson::dom::element root, attributes;
  Item item;
  if (parser.parse(*answer).get(root) != simdjson::SUCCESS ||
      root["Attributes"].get(attributes) != simdjson::SUCCESS ||
      !ParseItem(attributes, &item).ok()) {
    return Malformed("UpdateItem answer");
  }
  const auto last = static_cast<std::uint64_t>(Number(item, "n"));
  if (last < count) return Malformed("version counter");
  return last - count + 1;
}

// --- Findings ---------------------------------------------------------------------------------

Status DynamoDbStore::ReadFinding(const Item& item, StoredFinding* out, std::uint64_t* version,
                                  std::int64_t* writes) {
  const std::string* json = Attribute(item, "j");
  if (json == nullptr) return Status::Corruption("a finding item without its JSON");
  out->core = {};
  if (Status s = asff::DecodeFindingText(*json, out->core); !s.ok()) {
    return Status::Corruption("stored finding does not decode: " + s.message());
  }
  out->core.json = *json;
  out->analyst_mask = static_cast<asff::AnalystMask>(Number(item, "m"));
  if (version != nullptr) *version = static_cast<std::uint64_t>(Number(item, "v"));
  if (writes != nullptr) *writes = Number(item, "w");
  return Status::Ok();
}

Item DynamoDbStore::FindingItem(const StoredFinding& stored, std::uint64_t version,
                                std::int64_t writes) const {
  const Finding& f = stored.core;
  Item item{
      {"pk", B(FindingPk(f.product_arn, f.id))},
      {"sk", B("f")},
      {"j", S(f.json)},
      {"m", N(stored.analyst_mask)},
      {"v", N(static_cast<std::int64_t>(version))},
      {"w", N(writes)},
      {"u", N(f.updated_at)},
      {"expires_at", N(ExpirySeconds(RetentionEnd(f)))},
      {"u_pk", B(Shard('u', version))},
      {"u_sk", B(UpdatedSk(f.updated_at, version))},
      {"g_pk", B(Sharded(f.generator_id, version))},
      {"p_pk", B(Sharded(f.product_name, version))},
      {"s_pk", B(Sharded(asff::ToString(f.severity_label), version))},
      {"w_pk", B(Sharded(asff::ToString(f.workflow_status), version))},
      {"r_pk", B(Sharded(asff::ToString(f.record_state), version))},
  };
  if (!f.compliance_status.empty()) item["c_pk"] = B(Sharded(f.compliance_status, version));
  std::set<std::string> types;
  for (const auto& r : f.resources) types.insert(r.type);
  std::string joined;
  for (const auto& t : types) joined += (joined.empty() ? "" : "\n") + t;
  if (!joined.empty()) item["rt"] = S(joined);
  return item;
}

std::map<std::pair<std::string, std::string>, Item> DynamoDbStore::DerivedItems(
    const Finding& f, std::uint64_t version) const {
  std::map<std::pair<std::string, std::string>, Item> out;
  const std::string owner = FindingPk(f.product_arn, f.id);
  const Attr expires = N(ExpirySeconds(RetentionEnd(f)));
  const Attr v = N(static_cast<std::int64_t>(version));
  for (const auto& r : f.resources) {
    std::pair<std::string, std::string> key{ResourcePk(r.canonical_key), MemberSk(owner)};
    out[key] = {{"pk", B(key.first)},
                {"sk", B(key.second)},
                {"o", B(owner)},
                {"v", v},
                {"expires_at", expires}};
  }
  for (const auto& rel : f.relations) {
    for (bool forward : {true, false}) {
      const std::string& to = forward ? rel.to_key : rel.from_key;
      const std::string& to_type = forward ? rel.to_type : rel.from_type;
      std::pair<std::string, std::string> key{ResourcePk(forward ? rel.from_key : rel.to_key),
                                              RelationSk(to, to_type, owner)};
      out[key] = {{"pk", B(key.first)},
                  {"sk", B(key.second)},
                  {"to", B(to)},
                  {"tt", B(to_type)},
                  {"v", v},
                  {"expires_at", expires}};
    }
  }
  return out;
}

std::vector<WriteAction> DynamoDbStore::FindingWrites(const Current& current,
                                                      const StoredFinding& next,
                                                      std::uint64_t version, bool import) const {
  std::vector<WriteAction> actions;
  const std::string owner = FindingPk(next.core.product_arn, next.core.id);
  WriteAction record = Put(FindingItem(next, version, current.writes + 1));
  Condition(record, current.exists ? std::optional(current.writes) : std::nullopt,
            current.exists && import ? std::optional(next.core.updated_at) : std::nullopt);
  actions.push_back(std::move(record));
  if (!import) return actions;  // BatchUpdate: same version, same resources and relations
  const Attr expires = N(ExpirySeconds(RetentionEnd(next.core)));
  WriteAction version_item = Put(
      {{"pk", B(VersionPk(version))}, {"sk", B("v")}, {"o", B(owner)}, {"expires_at", expires}});
  Condition(version_item, std::nullopt);  // a version number is never given twice
  actions.push_back(std::move(version_item));
  actions.push_back(Put({{"pk", B(VersionIndexPk('f', version))},
                         {"sk", B(BigEndian(version))},
                         {"expires_at", expires}}));
  auto derived = DerivedItems(next.core, version);
  if (current.exists) {
    actions.push_back(Delete(VersionPk(current.version), "v"));
    actions.push_back(Delete(VersionIndexPk('f', current.version), BigEndian(current.version)));
    for (auto& [key, item] : DerivedItems(current.finding.core, current.version)) {
      if (!derived.contains(key)) actions.push_back(Delete(key.first, key.second));
    }
  }
  for (auto& [key, item] : derived) actions.push_back(Put(std::move(item)));
  return actions;
}

std::vector<WriteAction> DynamoDbStore::FindingDeletes(const Current& current) const {
  const Finding& f = current.finding.core;
  WriteAction record = Delete(FindingPk(f.product_arn, f.id), "f");
  Condition(record, current.writes);
  std::vector<WriteAction> actions{
      std::move(record), Delete(VersionPk(current.version), "v"),
      Delete(VersionIndexPk('f', current.version), BigEndian(current.version))};
  for (auto& [key, item] : DerivedItems(f, current.version)) {
    actions.push_back(Delete(key.first, key.second));
  }
  return actions;
}

Status DynamoDbStore::ReadCurrent(const std::vector<std::string>& pks,
                                  std::map<std::string, Current>* known) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& pk : pks) {
    if (!known->contains(pk)) keys.emplace_back(pk, "f");
  }
  std::map<std::pair<std::string, std::string>, Item> items;
  if (Status s = BatchGet(keys, &items); !s.ok()) return s;
  for (const auto& key : keys) {
    Current c;
    if (auto it = items.find(key); it != items.end()) {
      c.exists = true;
      if (Status s = ReadFinding(it->second, &c.finding, &c.version, &c.writes); !s.ok()) return s;
    }
    (*known)[key.first] = std::move(c);
  }
  return Status::Ok();
}

Status DynamoDbStore::Import(std::span<const store::IncomingFinding> batch, TimeMs now,
                             std::vector<store::ImportOutcome>* outcomes) {
  std::lock_guard lock(write_mu_);
  outcomes->assign(batch.size(), store::ImportOutcome{});
  std::vector<std::string> pks;
  pks.reserve(batch.size());
  for (const auto& in : batch) pks.push_back(FindingPk(in.core.product_arn, in.core.id));
  std::map<std::string, Current> known;  // what this call knows each identity to be
  std::size_t start = 0;
  int races = 0;
  while (start < batch.size()) {
    // Read ahead what the next findings replace.
    std::vector<std::string> ahead;
    for (std::size_t k = start; k < batch.size() && ahead.size() < kMaxBatchGet; ++k) {
      if (!known.contains(pks[k])) ahead.push_back(pks[k]);
    }
    if (Status s = ReadCurrent(ahead, &known); !s.ok()) return s.WithContext("import");
    // Plan a group: distinct identities whose writes fit one transaction.
    struct Planned {
      std::size_t index;
      StoredFinding next;
    };
    std::vector<Planned> planned;
    std::set<std::string> in_group;
    std::size_t end = start;
    std::size_t items = 0, bytes = 0;
    for (; end < batch.size(); ++end) {
      if (!known.contains(pks[end]) || in_group.contains(pks[end])) break;
      const store::IncomingFinding& in = batch[end];
      const Current& current = known[pks[end]];
      StoredFinding next;
      if (!current.exists) {
        (*outcomes)[end].action = asff::ImportAction::kCreated;
        next.core = in.core;
        next.core.json = in.json;
      } else {
        auto merged = asff::MergeImport(in.json, in.core, current.finding.core.json,
                                        current.finding.core, current.finding.analyst_mask, now);
        if (!merged.ok()) return merged.status().WithContext("finding " + in.core.id);
        (*outcomes)[end].action = merged->action;
        if (merged->action == asff::ImportAction::kIgnoredStale) continue;
        if (Status s = asff::DecodeFindingText(merged->json, next.core); !s.ok()) {
          return Status::Internal("merged finding does not decode: " + s.message());
        }
        next.core.json = std::move(merged->json);
        next.analyst_mask = current.finding.analyst_mask;
      }
      const auto writes = FindingWrites(current, next, 0, true);
      std::size_t b = 0;
      for (const auto& a : writes) b += a.Bytes();
      if (!planned.empty() &&
          (items + writes.size() > kMaxTransactionItems || bytes + b > kMaxTransactionBytes)) {
        break;
      }
      items += writes.size();
      bytes += b;
      in_group.insert(pks[end]);
      planned.push_back({end, std::move(next)});
    }
    if (planned.empty()) {
      start = end;
      continue;
    }
    auto first = ReserveVersions(planned.size());
    if (!first.ok()) return first.status();
    const bool reused = std::any_of(planned.begin(), planned.end(), [&](const Planned& p) {
      const Current& c = known[pks[p.index]];
      return c.exists && c.version >= *first && c.version < *first + planned.size();
    });
    if (reused) {
      // The counter gave out a number a stored finding has: never on DynamoDB, whose ADD is
      // atomic; treated as a lost race (the V items' conditions catch the same case).
      if (++races > kMaxRaces) return Status::Internal("import: the version counter repeats");
      for (const auto& p : planned) known.erase(pks[p.index]);
      continue;
    }
    std::vector<WriteAction> actions;
    for (std::size_t n = 0; n < planned.size(); ++n) {
      auto writes = FindingWrites(known[pks[planned[n].index]], planned[n].next, *first + n, true);
      std::move(writes.begin(), writes.end(), std::back_inserter(actions));
    }
    auto written = Commit(actions);
    if (!written.ok()) return written.status().WithContext("import");
    if (!*written) {
      // Another writer changed one of these findings since it was read: read them again.
      if (++races > kMaxRaces) {
        return Status::LimitExceeded("import: other writers kept changing the same findings");
      }
      for (const auto& p : planned) known.erase(pks[p.index]);
      continue;
    }
    for (std::size_t n = 0; n < planned.size(); ++n) {
      const std::size_t i = planned[n].index;
      Current& c = known[pks[i]];
      (*outcomes)[i].version = *first + n;
      if (c.exists) (*outcomes)[i].replaced = c.version;
      c.exists = true;
      c.version = *first + n;
      ++c.writes;
      c.finding = std::move(planned[n].next);
    }
    start = end;
  }
  return Status::Ok();
}

Status DynamoDbStore::BatchUpdate(const asff::BatchUpdate& update, TimeMs now,
                                  store::BatchUpdateResult* result) {
  std::lock_guard lock(write_mu_);
  std::map<std::string, int> occurrences;
  for (const auto& id : update.identifiers) ++occurrences[FindingPk(id.product_arn, id.id)];
  for (int race = 0;; ++race) {
    *result = {};
    std::vector<std::string> pks;
    for (const auto& id : update.identifiers) pks.push_back(FindingPk(id.product_arn, id.id));
    std::map<std::string, Current> known;
    if (Status s = ReadCurrent(pks, &known); !s.ok()) return s.WithContext("batch update");
    std::vector<WriteAction> actions;
    for (const auto& id : update.identifiers) {
      const std::string pk = FindingPk(id.product_arn, id.id);
      if (occurrences[pk] > 1) {
        result->unprocessed.push_back(
            {id, "DuplicatedFindingIdentifier", "Finding Identifier is duplicated"});
        continue;
      }
      const Current& current = known[pk];
      if (!current.exists) {
        result->unprocessed.push_back({id, "FindingNotFound", "Finding Not Found"});
        continue;
      }
      StoredFinding next;
      if (auto refused = store::ApplyBatchUpdateTo(current.finding, id, update, now, &next)) {
        result->unprocessed.push_back(std::move(*refused));
        continue;
      }
      auto writes = FindingWrites(current, next, current.version, false);
      std::move(writes.begin(), writes.end(), std::back_inserter(actions));
      result->processed.push_back(id);
    }
    // At most 100 identifiers, one item each: one transaction unless the findings are large (4
    // MB); then several, and a lost race in a later one redoes the whole update (applying it
    // again to a finding it was applied to changes nothing).
    bool all_written = true;
    for (const auto& group : Groups(actions)) {
      auto written = Transact(group);
      if (!written.ok()) return written.status().WithContext("batch update");
      if (!*written) {
        all_written = false;
        break;
      }
    }
    if (all_written) return Status::Ok();
    if (race >= kMaxRaces) {
      return Status::LimitExceeded("batch update: other writers kept changing the same findings");
    }
  }
}

Status DynamoDbStore::Get(const asff::FindingIdentifier& id, StoredFinding* out) {
  Item item;
  Status s = GetItem(FindingPk(id.product_arn, id.id), "f", &item);
  if (s.code() == Status::Code::kNotFound) return Status::NotFound("finding not found");
  if (!s.ok()) return s;
  return ReadFinding(item, out);
}

Status DynamoDbStore::FindingsForResource(std::string_view canonical_key,
                                          std::vector<StoredFinding>* out) {
  out->clear();
  QueryCursor cursor = ResourceEntries(canonical_key, 'm');
  std::vector<std::pair<std::string, std::string>> keys;
  std::vector<std::uint64_t> entry_versions;
  for (const Item* e = cursor.Peek(); e != nullptr; cursor.Pop(), e = cursor.Peek()) {
    if (Field(*e, "o").empty()) return Malformed("resource entry");
    keys.emplace_back(Field(*e, "o"), "f");
    entry_versions.push_back(static_cast<std::uint64_t>(Number(*e, "v")));
  }
  if (!cursor.status().ok()) return cursor.status();
  std::map<std::pair<std::string, std::string>, Item> items;
  if (Status s = BatchGet(keys, &items); !s.ok()) return s;
  std::vector<std::pair<std::uint64_t, StoredFinding>> found;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto it = items.find(keys[i]);
    if (it == items.end()) continue;  // raced with a delete
    StoredFinding f;
    std::uint64_t version = 0;
    if (Status s = ReadFinding(it->second, &f, &version); !s.ok()) return s;
    if (version != entry_versions[i]) continue;  // an entry of another version (Commit)
    found.emplace_back(version, std::move(f));
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [version, f] : found) out->push_back(std::move(f));
  return Status::Ok();
}

Status DynamoDbStore::ResourceVersions(std::string_view canonical_key,
                                       std::vector<std::uint64_t>* versions) {
  versions->clear();
  QueryCursor cursor = ResourceEntries(canonical_key, 'm');
  for (const Item* e = cursor.Peek(); e != nullptr; cursor.Pop(), e = cursor.Peek()) {
    versions->push_back(static_cast<std::uint64_t>(Number(*e, "v")));
  }
  std::sort(versions->begin(), versions->end());
  return cursor.status();
}

Status DynamoDbStore::OwnerOfVersion(std::uint64_t version, char kind, std::string* owner) {
  Item v;
  Status s = GetItem(VersionPk(version), "v", &v);
  const std::string* o = s.ok() ? Attribute(v, "o") : nullptr;
  if (s.ok() && (o == nullptr || o->empty() || (*o)[0] != kind)) {
    s = Status::NotFound("another kind of version");
  }
  if (s.code() == Status::Code::kNotFound) {
    return Status::NotFound(kind == 'f' ? "finding not found" : "not an inventory version");
  }
  if (!s.ok()) return s;
  *owner = *o;
  return Status::Ok();
}

Status DynamoDbStore::GetVersion(std::uint64_t version, StoredFinding* out) {
  std::string owner;
  if (Status s = OwnerOfVersion(version, 'f', &owner); !s.ok()) return s;
  Item item;
  Status s = GetItem(owner, "f", &item);
  if (s.code() == Status::Code::kNotFound) return Status::NotFound("finding not found");
  if (!s.ok()) return s;
  std::uint64_t stored = 0;
  if (s = ReadFinding(item, out, &stored); !s.ok()) return s;
  return stored == version ? Status::Ok() : Status::NotFound("finding not found");
}

Status DynamoDbStore::RelatedResources(std::string_view canonical_key,
                                       std::vector<store::RelatedResource>* out) {
  out->clear();
  QueryCursor cursor = ResourceEntries(canonical_key, 'g');
  for (const Item* e = cursor.Peek(); e != nullptr; cursor.Pop(), e = cursor.Peek()) {
    if (Field(*e, "to").empty()) return Malformed("relation entry");
    out->push_back({Field(*e, "to"), Field(*e, "tt"), static_cast<std::uint64_t>(Number(*e, "v")),
                    Number(*e, "e")});
  }
  // In the embedded store's order: its keys are lp(related) | lp(type) | version.
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) {
    const std::string x = RelationPart(a.key, a.type), y = RelationPart(b.key, b.type);
    return x != y ? x < y : a.version < b.version;
  });
  return cursor.status();
}

Status DynamoDbStore::LastVersion(std::uint64_t* version) {
  Item item;
  Status s = GetItem("c", "c", &item);
  if (s.code() == Status::Code::kNotFound) {
    *version = 0;
    return Status::Ok();
  }
  if (!s.ok()) return s;
  *version = static_cast<std::uint64_t>(Number(item, "n"));
  return Status::Ok();
}

std::vector<QueryCursor> DynamoDbStore::ShardCursors(std::string_view index,
                                                     std::string_view hash_attribute,
                                                     const std::vector<std::string>& hash_values,
                                                     std::string_view range_attribute, bool forward,
                                                     QuerySpec::Range range,
                                                     const std::string& range_value) {
  std::vector<QueryCursor> cursors;
  for (const auto& h : hash_values) {
    QuerySpec spec;
    spec.index = std::string(index);
    spec.hash_attribute = std::string(hash_attribute);
    spec.hash_value = h;
    spec.range_attribute = std::string(range_attribute);
    spec.range = range;
    spec.range_value = range_value;
    spec.forward = forward;
    cursors.emplace_back(this, std::move(spec));
  }
  return cursors;
}

std::vector<std::string> AllShards(std::string_view value, bool prefix_char) {
  std::vector<std::string> out;
  for (std::uint64_t s = 0; s < kShards; ++s) {
    out.push_back(prefix_char ? Shard(value[0], s) : Sharded(value, s));
  }
  return out;
}

Status DynamoDbStore::ForEachVersionSince(
    std::uint64_t after, const std::function<Status(std::uint64_t, const StoredFinding&)>& visit) {
  MergedCursor versions(ShardCursors("", "pk", AllShards("xf", false), "sk", true,
                                     QuerySpec::kGreater, BigEndian(after)));
  for (;;) {
    std::vector<std::uint64_t> chunk;
    while (chunk.size() < kMaxBatchGet) {
      const Item* e = versions.Next();
      if (e == nullptr) break;
      chunk.push_back(FromBigEndian(Field(*e, "sk")));
    }
    if (!versions.status().ok()) return versions.status();
    if (chunk.empty()) return Status::Ok();
    std::vector<std::pair<std::string, std::string>> keys;
    keys.reserve(chunk.size());
    for (auto v : chunk) keys.emplace_back(VersionPk(v), "v");
    std::map<std::pair<std::string, std::string>, Item> owners, findings;
    if (Status s = BatchGet(keys, &owners); !s.ok()) return s;
    keys.clear();
    for (const auto& [key, item] : owners) {
      if (const std::string* o = Attribute(item, "o")) keys.emplace_back(*o, "f");
    }
    if (Status s = BatchGet(keys, &findings); !s.ok()) return s;
    for (auto v : chunk) {
      auto o = owners.find({VersionPk(v), "v"});
      if (o == owners.end()) continue;
      auto f = findings.find({o->second["o"].value, "f"});
      if (f == findings.end()) continue;
      StoredFinding stored;
      std::uint64_t version = 0;
      if (Status s = ReadFinding(f->second, &stored, &version); !s.ok()) return s;
      if (version != v) continue;  // replaced since
      if (Status s = visit(v, stored); !s.ok()) return s;
    }
  }
}

Status DynamoDbStore::LoadEntries(const std::vector<Item>& entries,
                                  std::vector<std::optional<Current>>* out) {
  out->assign(entries.size(), std::nullopt);
  std::vector<std::pair<std::string, std::string>> keys;
  keys.reserve(entries.size());
  for (const auto& e : entries) keys.emplace_back(Field(e, "pk"), "f");
  std::map<std::pair<std::string, std::string>, Item> items;
  if (Status s = BatchGet(keys, &items); !s.ok()) return s;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto it = items.find(keys[i]);
    if (it == items.end()) continue;
    const std::string* entry_sk = Attribute(entries[i], "u_sk");
    const std::string* item_sk = Attribute(it->second, "u_sk");
    // An entry the index has not caught up on: the finding is listed where it is now.
    if (entry_sk == nullptr || item_sk == nullptr || *entry_sk != *item_sk) continue;
    Current c;
    c.exists = true;
    if (Status s = ReadFinding(it->second, &c.finding, &c.version, &c.writes); !s.ok()) return s;
    (*out)[i] = std::move(c);
  }
  return Status::Ok();
}

Result<bool> DynamoDbStore::NextEntries(MergedCursor& cursor, std::size_t n, std::string* previous,
                                        std::vector<Item>* chunk,
                                        std::vector<std::optional<Current>>* loaded) {
  chunk->clear();
  while (chunk->size() < n) {
    const Item* e = cursor.Next();
    if (e == nullptr) break;
    const std::string& sk = Field(*e, "u_sk");
    if (sk == *previous) continue;  // an entry left under a value the finding no longer has
    *previous = sk;
    chunk->push_back(*e);
  }
  if (!cursor.status().ok()) return cursor.status();
  if (chunk->empty()) return false;
  if (Status s = LoadEntries(*chunk, loaded); !s.ok()) return s;
  return true;
}

Status DynamoDbStore::Query(const store::QueryRequest& request, TimeMs now,
                            store::QueryPage* page) {
  *page = {};
  if (request.max_results < 1 || request.max_results > 100) {
    return Status::InvalidInput("Invalid parameter 'MaxResults'. Value must be between 1 and 100.");
  }
  const filter::FindingFilter* filter = request.filter;
  std::string index = "by_updated", attribute = "u_pk";
  std::vector<std::string> hashes = AllShards("u", true);
  if (filter != nullptr) {
    for (const auto& field : kIndexes) {
      if (field.filter_name.empty()) continue;
      auto values = filter->ExactValues(field.filter_name);
      if (!values) continue;
      index = field.name;
      attribute = field.hash;
      hashes.clear();
      for (const auto& v : *values) {
        for (auto& h : AllShards(v, false)) hashes.push_back(std::move(h));
      }
      break;
    }
  }
  const bool default_order =
      request.sort.empty() || (request.sort.size() == 1 && request.sort[0].field == "UpdatedAt");
  const bool ascending = !request.sort.empty() && request.sort[0].ascending;
  std::string token_body;
  if (!request.next_token.empty()) {
    if (request.next_token[0] != '1') return store::BadNextToken();
    auto decoded = store::keys::HexDecode(std::string_view(request.next_token).substr(1));
    if (!decoded) return store::BadNextToken();
    token_body = std::move(*decoded);
  }
  simdjson::dom::parser parser;
  auto matches = [&](const Current& c) {
    simdjson::dom::element root;
    if (parser.parse(c.finding.core.json).get(root) != simdjson::SUCCESS) return false;
    return filter == nullptr || filter->Matches(root, now);
  };

  if (default_order) {
    if (!token_body.empty() && token_body.size() != 16) return store::BadNextToken();
    QuerySpec::Range range = QuerySpec::kAll;
    if (!token_body.empty()) range = ascending ? QuerySpec::kGreater : QuerySpec::kLess;
    MergedCursor candidates(
        ShardCursors(index, attribute, hashes, "u_sk", ascending, range, token_body));
    std::string last, previous;
    std::vector<Item> chunk;
    std::vector<std::optional<Current>> loaded;
    for (;;) {
      auto more = NextEntries(candidates, 50, &previous, &chunk, &loaded);
      if (!more.ok()) return more.status();
      if (!*more) return Status::Ok();
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        ++page->examined;
        if (!loaded[i] || !matches(*loaded[i])) continue;
        if (page->findings.size() == request.max_results) {
          page->next_token = "1" + store::keys::HexEncode(last);
          return Status::Ok();
        }
        page->findings.push_back(std::move(loaded[i]->finding.core.json));
        last = Field(chunk[i], "u_sk");
      }
    }
  }

  // Any other order: keep the best max_results + 1 matches after the token position.
  store::SortedPage sorted(request.sort, request.max_results);
  if (Status s = sorted.Resume(token_body); !s.ok()) return s;
  MergedCursor candidates(
      ShardCursors(index, attribute, hashes, "u_sk", false, QuerySpec::kAll, ""));
  std::string previous;
  std::vector<Item> chunk;
  std::vector<std::optional<Current>> loaded;
  for (;;) {
    auto more = NextEntries(candidates, 50, &previous, &chunk, &loaded);
    if (!more.ok()) return more.status();
    if (!*more) break;
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      ++page->examined;
      if (!loaded[i] || !matches(*loaded[i])) continue;
      std::string& json = loaded[i]->finding.core.json;
      sorted.Offer(parser.parse(json).value_unsafe(), BigEndian(loaded[i]->version), json);
    }
  }
  sorted.Finish(page);
  return Status::Ok();
}

Status DynamoDbStore::FindingsOfGeneratorBefore(const store::GeneratorRangeRequest& request,
                                                store::QueryPage* page) {
  *page = {};
  if (request.max_results < 1 || request.max_results > 1000) {
    return Status::InvalidInput(
        "Invalid parameter 'MaxResults'. Value must be between 1 and 1000.");
  }
  std::string bound;
  store::keys::PutTimeAscending(bound, request.updated_before);
  if (!request.next_token.empty()) {
    auto position = request.next_token[0] == kGeneratorTokenVersion
                        ? store::keys::HexDecode(std::string_view(request.next_token).substr(1))
                        : std::nullopt;
    if (!position || position->size() != 16) return store::BadNextToken();
    bound = std::move(*position);
  }
  MergedCursor candidates(ShardCursors("by_generator", "g_pk",
                                       AllShards(request.generator_id, false), "u_sk", false,
                                       QuerySpec::kLess, bound));
  std::string last, previous;
  std::vector<Item> chunk;
  std::vector<std::optional<Current>> loaded;
  for (;;) {
    auto more = NextEntries(candidates, 100, &previous, &chunk, &loaded);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      if (page->findings.size() == request.max_results) {
        page->next_token = kGeneratorTokenVersion + store::keys::HexEncode(last);
        return Status::Ok();
      }
      ++page->examined;
      if (!loaded[i] || loaded[i]->finding.core.generator_id != request.generator_id) continue;
      if (request.active_only &&
          loaded[i]->finding.core.record_state != asff::RecordState::kActive) {
        continue;
      }
      page->findings.push_back(std::move(loaded[i]->finding.core.json));
      last = Field(chunk[i], "u_sk");
    }
  }
}

Status DynamoDbStore::ApplyRetention(TimeMs now, store::RetentionResult* result) {
  std::lock_guard lock(write_mu_);
  *result = {};
  const TimeMs active_limit =
      now - static_cast<TimeMs>(options_.store.retention_active_days) * asff::kMsPerDay;
  const TimeMs archived_limit =
      now - static_cast<TimeMs>(options_.store.retention_archived_days) * asff::kMsPerDay;
  // The retention clock is never earlier than UpdatedAt: only findings updated before the
  // later limit can be due.
  std::string bound;
  store::keys::PutTimeAscending(bound, std::max(active_limit, archived_limit));
  MergedCursor candidates(ShardCursors("by_updated", "u_pk", AllShards("u", true), "u_sk", true,
                                       QuerySpec::kLess, bound));
  std::string previous;
  std::vector<Item> chunk;
  std::vector<std::optional<Current>> loaded;
  for (;;) {
    auto more = NextEntries(candidates, 100, &previous, &chunk, &loaded);
    if (!more.ok()) return more.status();
    if (!*more) break;
    for (const auto& c : loaded) {
      if (!c) continue;
      const Finding& f = c->finding.core;
      const bool active = f.record_state == asff::RecordState::kActive;
      if (store::RetentionClock(f) >= (active ? active_limit : archived_limit)) continue;
      auto deleted = Commit(FindingDeletes(*c));
      if (!deleted.ok()) return deleted.status().WithContext("deleting expired findings");
      if (!*deleted) continue;  // updated meanwhile: no longer due
      ++(active ? result->deleted_active : result->deleted_archived);
    }
  }
  return ExpireInventory(now, result);
}

Status DynamoDbStore::Stats(store::StoreStats* stats) {
  *stats = {};
  std::optional<std::string> start;
  do {
    const std::string body = Request([&](asff::JsonWriter& w) {
      w.Key("ConsistentRead").Bool(true);
      w.Key("FilterExpression").String("#sk = :f AND attribute_exists(j)");
      w.Key("ProjectionExpression").String("p_pk, s_pk, r_pk, w_pk, rt");
      w.Key("ExpressionAttributeNames").BeginObject().Key("#sk").String("sk").EndObject();
      w.Key("ExpressionAttributeValues");
      WriteItem(w, {{":f", B("f")}});
      if (start) w.Key("ExclusiveStartKey").Raw(*start);
    });
    auto answer = Call("Scan", body);
    if (!answer.ok()) return answer.status().WithContext("computing statistics");
    simdjson::dom::parser parser;
    simdjson::dom::element root, last;
    simdjson::dom::array items;
    if (parser.parse(*answer).get(root) != simdjson::SUCCESS ||
        root["Items"].get_array().get(items) != simdjson::SUCCESS) {
      return Malformed("Scan answer");
    }
    for (simdjson::dom::element e : items) {
      Item item;
      if (Status s = ParseItem(e, &item); !s.ok()) return s;
      auto count = [&](const char* attribute, std::map<std::string, std::uint64_t>& counts) {
        const std::string* v = Attribute(item, attribute);
        if (v != nullptr && !v->empty()) ++counts[v->substr(0, v->size() - 1)];  // the shard
      };
      count("p_pk", stats->by_product);
      count("s_pk", stats->by_severity);
      count("r_pk", stats->by_record_state);
      count("w_pk", stats->by_workflow_status);
      if (const std::string* types = Attribute(item, "rt")) {
        std::size_t pos = 0;
        while (pos <= types->size()) {
          const std::size_t nl = std::min(types->find('\n', pos), types->size());
          ++stats->by_resource_type[types->substr(pos, nl - pos)];
          pos = nl + 1;
        }
      }
      ++stats->findings;
    }
    start.reset();
    if (root["LastEvaluatedKey"].get(last) == simdjson::SUCCESS) start = simdjson::minify(last);
  } while (start);
  auto table = Call("DescribeTable", Request([](asff::JsonWriter&) {}));
  if (!table.ok()) return table.status();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::uint64_t size = 0;
  if (parser.parse(*table).get(root) == simdjson::SUCCESS &&
      root["Table"]["TableSizeBytes"].get_uint64().get(size) == simdjson::SUCCESS) {
    stats->disk_bytes = size;
  }
  return Status::Ok();
}

// --- Auxiliary values -------------------------------------------------------------------------

Status CheckAuxiliary(std::string_view key, std::size_t value_size, bool remove) {
  if (key.empty() || key.size() > store::kMaxAuxiliaryKey ||
      (!remove && value_size > store::kMaxAuxiliaryValue)) {
    return Status::InvalidInput("auxiliary keys are 1..1024 bytes, values at most 64 KB");
  }
  return Status::Ok();
}

Status DynamoDbStore::PutAuxiliary(std::string_view key, std::string_view value) {
  const store::AuxiliaryWrite write{std::string(key), std::string(value), false};
  return WriteAuxiliary(std::span(&write, 1));
}

Status DynamoDbStore::GetAuxiliary(std::string_view key, std::string* value) {
  Item item;
  Status s = GetItem("a", std::string(key), &item);
  if (s.code() == Status::Code::kNotFound) {
    return Status::NotFound("auxiliary key " + std::string(key));
  }
  if (!s.ok()) return s;
  const std::string* v = Attribute(item, "val");
  *value = v != nullptr ? *v : std::string();
  return Status::Ok();
}

Status DynamoDbStore::DeleteAuxiliary(std::string_view key) {
  const store::AuxiliaryWrite write{std::string(key), {}, true};
  return WriteAuxiliary(std::span(&write, 1));
}

Status DynamoDbStore::WriteAuxiliary(std::span<const store::AuxiliaryWrite> writes) {
  // A transaction may name an item once: the last write of a key is the one that counts.
  std::map<std::string, const store::AuxiliaryWrite*> last;
  std::vector<std::string> order;
  for (const auto& w : writes) {
    if (Status s = CheckAuxiliary(w.key, w.value.size(), w.remove); !s.ok()) return s;
    if (!last.contains(w.key)) order.push_back(w.key);
    last[w.key] = &w;
  }
  std::vector<WriteAction> actions;
  for (const auto& key : order) {
    const store::AuxiliaryWrite& w = *last[key];
    actions.push_back(w.remove ? Delete("a", w.key)
                               : Put({{"pk", B("a")}, {"sk", B(w.key)}, {"val", B(w.value)}}));
  }
  for (const auto& group : Groups(actions)) {
    auto written = Transact(group);
    if (!written.ok()) return written.status().WithContext("writing auxiliary values");
  }
  return Status::Ok();
}

Status DynamoDbStore::ScanAuxiliary(std::string_view prefix, std::string_view after,
                                    std::size_t limit,
                                    std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  QuerySpec spec;
  spec.hash_value = "a";
  if (!after.empty()) {
    spec.range = QuerySpec::kGreater;
    spec.range_value = std::string(after);
  } else if (!prefix.empty()) {
    spec.range = QuerySpec::kBeginsWith;
    spec.range_value = std::string(prefix);
  }
  spec.page = std::clamp<std::size_t>(limit, 1, 1000);
  QueryCursor cursor(this, spec);
  for (const Item* e = cursor.Peek(); e != nullptr && out->size() < limit;
       cursor.Pop(), e = cursor.Peek()) {
    const std::string& key = Field(*e, "sk");
    if (!key.starts_with(prefix)) break;
    const std::string* v = Attribute(*e, "val");
    out->emplace_back(key, v != nullptr ? *v : std::string());
  }
  return cursor.status();
}

// --- Inventory --------------------------------------------------------------------------------

Status DynamoDbStore::ReadInventory(const Item& item, StoredInventoryItem* out,
                                    std::int64_t* writes) {
  const std::string* subject = Attribute(item, "sub");
  const std::string* source = Attribute(item, "src");
  const std::string* d = Attribute(item, "d");
  if (subject == nullptr || source == nullptr || d == nullptr) {
    return Status::Corruption("malformed inventory item");
  }
  if (Status s = store::DecodeInventory(*subject, *source, *d, out); !s.ok()) return s;
  out->expires_at = store::InventoryExpiresAt(out->last_seen, options_.store.inventory_expiry_days);
  if (writes != nullptr) *writes = Number(item, "w");
  return Status::Ok();
}

// Every item of an inventory version but its record, keyed (each once: two relations may differ
// only in a type the key does not hold twice).
std::map<std::pair<std::string, std::string>, Item> InventoryDerived(
    const StoredInventoryItem& stored, std::optional<std::int64_t> ttl_seconds) {
  std::map<std::pair<std::string, std::string>, Item> out;
  const std::string owner = InventoryOwner(stored.item.subject_key, stored.item.source);
  auto with_ttl = [&](Item item) {
    if (ttl_seconds) item["expires_at"] = N(*ttl_seconds);
    return item;
  };
  out[{VersionPk(stored.version), "v"}] =
      with_ttl({{"pk", B(VersionPk(stored.version))}, {"sk", B("v")}, {"o", B(owner)}});
  const std::pair<std::string, std::string> index{VersionIndexPk('i', stored.version),
                                                  BigEndian(stored.version)};
  out[index] = with_ttl({{"pk", B(index.first)}, {"sk", B(index.second)}});
  for (const inventory::Relation& r : stored.item.relations) {
    for (bool forward : {true, false}) {
      const std::string& to = forward ? r.to_key : r.from_key;
      const std::string& to_type = forward ? r.to_type : r.from_type;
      std::pair<std::string, std::string> key{ResourcePk(forward ? r.from_key : r.to_key),
                                              RelationSk(to, to_type, owner)};
      out[key] = with_ttl({{"pk", B(key.first)},
                           {"sk", B(key.second)},
                           {"to", B(to)},
                           {"tt", B(to_type)},
                           {"v", N(static_cast<std::int64_t>(stored.version))},
                           {"e", N(stored.expires_at)}});
    }
  }
  return out;
}

std::vector<WriteAction> DynamoDbStore::InventoryDeletes(const StoredInventoryItem& stored) const {
  std::vector<WriteAction> actions;
  for (const auto& [key, item] : InventoryDerived(stored, std::nullopt)) {
    actions.push_back(Delete(key.first, key.second));
  }
  return actions;
}

std::optional<std::int64_t> DynamoDbStore::InventoryTtl(const StoredInventoryItem& item) const {
  // A week after the relations stop counting: ApplyRetention deletes the item then (and a
  // sighting before it refreshes the item, as in the embedded store); TTL deletes what no
  // retention pass does.
  if (item.expires_at == 0) return std::nullopt;
  return ExpirySeconds(item.expires_at + 7 * asff::kMsPerDay);
}

std::vector<WriteAction> DynamoDbStore::InventoryWrites(const StoredInventoryItem& next,
                                                        const StoredInventoryItem* existing,
                                                        std::optional<std::int64_t> writes) const {
  const auto ttl = InventoryTtl(next);
  Item record{{"pk", B(InventoryPk(next.item.subject_key))},
              {"sk", B(InventorySk(next.item.source))},
              {"sub", B(next.item.subject_key)},
              {"src", B(next.item.source)},
              {"d", B(store::EncodeInventory(next))},
              {"w", N(writes.value_or(0) + 1)},
              {"t_pk", B(Shard('t', next.version))},
              {"t_sk", B(UpdatedSk(next.last_seen, next.version))}};
  if (ttl) record["expires_at"] = N(*ttl);
  WriteAction head = Put(std::move(record));
  Condition(head, writes);
  std::vector<WriteAction> actions{std::move(head)};
  auto puts = InventoryDerived(next, ttl);
  if (existing != nullptr) {
    for (auto& d : InventoryDeletes(*existing)) {
      if (!puts.contains(d.Key())) actions.push_back(std::move(d));
    }
  }
  const bool new_version = existing == nullptr || existing->version != next.version;
  for (auto& [key, item] : puts) {
    WriteAction put = Put(std::move(item));
    // A version number is never given twice.
    if (new_version && key.first == VersionPk(next.version)) Condition(put, std::nullopt);
    actions.push_back(std::move(put));
  }
  return actions;
}

Status DynamoDbStore::ImportInventory(std::span<const inventory::Item> batch, TimeMs now,
                                      std::vector<store::InventoryOutcome>* outcomes) {
  outcomes->assign(batch.size(), store::InventoryOutcome{});
  for (const inventory::Item& item : batch) {
    if (item.source.empty() || item.subject_key.empty() ||
        item.subject_key.size() > store::kMaxInventoryKey ||
        item.source.size() > store::kMaxInventoryKey) {
      return Status::InvalidInput("an inventory item needs a source and a subject of at most " +
                                  std::to_string(store::kMaxInventoryKey) + " bytes");
    }
    StoredInventoryItem sized;
    sized.item = item;
    if (store::EncodeInventory(sized).size() > kMaxItemBytes) {
      return Status::InvalidInput("inventory item " + item.subject_key + " from " + item.source +
                                  " is larger than a DynamoDB item can hold (400 KB)");
    }
  }
  std::lock_guard lock(write_mu_);
  struct Known {
    std::optional<StoredInventoryItem> item;
    std::int64_t writes = 0;
  };
  std::map<std::pair<std::string, std::string>, Known> known;
  auto key_of = [](const inventory::Item& in) {
    return std::pair{InventoryPk(in.subject_key), InventorySk(in.source)};
  };
  std::size_t start = 0;
  int races = 0;
  while (start < batch.size()) {
    std::vector<std::pair<std::string, std::string>> ahead;
    for (std::size_t k = start; k < batch.size() && ahead.size() < kMaxBatchGet; ++k) {
      if (!known.contains(key_of(batch[k]))) ahead.push_back(key_of(batch[k]));
    }
    std::map<std::pair<std::string, std::string>, Item> items;
    if (Status s = BatchGet(ahead, &items); !s.ok()) return s.WithContext("inventory");
    for (const auto& key : ahead) {
      Known k;
      if (auto it = items.find(key); it != items.end()) {
        StoredInventoryItem stored;
        if (Status s = ReadInventory(it->second, &stored, &k.writes); !s.ok()) return s;
        k.item = std::move(stored);
      }
      known[key] = std::move(k);
    }
    struct Planned {
      std::size_t index;
      StoredInventoryItem next;
    };
    std::vector<Planned> planned;
    std::set<std::pair<std::string, std::string>> in_group;
    std::size_t end = start, count = 0, bytes = 0, needs_version = 0;
    for (; end < batch.size(); ++end) {
      const auto key = key_of(batch[end]);
      if (!known.contains(key) || in_group.contains(key)) break;
      const Known& k = known[key];
      auto next = store::PlanInventoryItem(batch[end], k.item ? &*k.item : nullptr, now,
                                           options_.store.inventory_expiry_days, &(*outcomes)[end]);
      if (!next) continue;  // stale
      const auto writes = InventoryWrites(*next, k.item ? &*k.item : nullptr,
                                          k.item ? std::optional(k.writes) : std::nullopt);
      std::size_t b = 0;
      for (const auto& a : writes) b += a.Bytes();
      if (!planned.empty() &&
          (count + writes.size() > kMaxTransactionItems || bytes + b > kMaxTransactionBytes)) {
        break;
      }
      count += writes.size();
      bytes += b;
      in_group.insert(key);
      if ((*outcomes)[end].action != store::InventoryAction::kRefreshed) ++needs_version;
      planned.push_back({end, std::move(*next)});
    }
    if (planned.empty()) {
      start = end;
      continue;
    }
    std::uint64_t version = 0;
    if (needs_version > 0) {
      auto first = ReserveVersions(needs_version);
      if (!first.ok()) return first.status();
      version = *first;
    }
    const bool reused = std::any_of(planned.begin(), planned.end(), [&](const Planned& p) {
      const Known& k = known[key_of(batch[p.index])];
      return needs_version > 0 && k.item && k.item->version >= version &&
             k.item->version < version + needs_version;
    });
    if (reused) {  // as in Import: never on DynamoDB
      if (++races > kMaxRaces) return Status::Internal("inventory: the version counter repeats");
      for (const auto& p : planned) known.erase(key_of(batch[p.index]));
      continue;
    }
    std::vector<WriteAction> actions;
    for (auto& p : planned) {
      const Known& k = known[key_of(batch[p.index])];
      if ((*outcomes)[p.index].action != store::InventoryAction::kRefreshed) {
        p.next.version = (*outcomes)[p.index].version = version++;
      }
      auto writes = InventoryWrites(p.next, k.item ? &*k.item : nullptr,
                                    k.item ? std::optional(k.writes) : std::nullopt);
      std::move(writes.begin(), writes.end(), std::back_inserter(actions));
    }
    auto written = Commit(actions);
    if (!written.ok()) return written.status().WithContext("writing inventory items");
    if (!*written) {
      if (++races > kMaxRaces) {
        return Status::LimitExceeded("inventory: other writers kept changing the same items");
      }
      for (const auto& p : planned) known.erase(key_of(batch[p.index]));
      continue;
    }
    for (auto& p : planned) {
      Known& k = known[key_of(batch[p.index])];
      ++k.writes;
      k.item = std::move(p.next);
    }
    start = end;
  }
  return Status::Ok();
}

Status DynamoDbStore::InventoryItemsOf(std::string_view subject_key,
                                       std::vector<StoredInventoryItem>* out) {
  out->clear();
  QuerySpec spec;
  spec.hash_value = InventoryPk(subject_key);
  QueryCursor cursor(this, spec);
  for (const Item* e = cursor.Peek(); e != nullptr; cursor.Pop(), e = cursor.Peek()) {
    StoredInventoryItem stored;
    if (Status s = ReadInventory(*e, &stored, nullptr); !s.ok()) return s;
    out->push_back(std::move(stored));
  }
  // The embedded store lists them in key order: lp(source).
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) {
    return InventoryOwner("", a.item.source) < InventoryOwner("", b.item.source);
  });
  return cursor.status();
}

Status DynamoDbStore::InventoryItemOfVersion(std::uint64_t version, StoredInventoryItem* out) {
  std::string owner;
  if (Status s = OwnerOfVersion(version, 'i', &owner); !s.ok()) return s;
  std::size_t pos = 1;
  const auto subject = store::keys::GetLengthPrefixed(owner, pos);
  const auto source = subject ? store::keys::GetLengthPrefixed(owner, pos) : std::nullopt;
  if (!source) return Status::Corruption("malformed inventory version");
  Item item;
  Status s = GetItem(InventoryPk(*subject), InventorySk(*source), &item);
  if (s.code() == Status::Code::kNotFound) return Status::NotFound("not an inventory version");
  if (!s.ok()) return s;
  if (s = ReadInventory(item, out, nullptr); !s.ok()) return s;
  return out->version == version ? Status::Ok() : Status::NotFound("not an inventory version");
}

Status DynamoDbStore::InventoryItemsSince(
    std::uint64_t after_version, const std::function<Status(const StoredInventoryItem&)>& visit) {
  MergedCursor versions(ShardCursors("", "pk", AllShards("xi", false), "sk", true,
                                     QuerySpec::kGreater, BigEndian(after_version)));
  for (const Item* e = versions.Next(); e != nullptr; e = versions.Next()) {
    StoredInventoryItem stored;
    Status s = InventoryItemOfVersion(FromBigEndian(Field(*e, "sk")), &stored);
    if (s.code() == Status::Code::kNotFound) continue;  // replaced meanwhile
    if (s.ok()) s = visit(stored);
    if (!s.ok()) return s;
  }
  return versions.status();
}

Status DynamoDbStore::ExpireInventory(TimeMs now, store::RetentionResult* result) {
  if (options_.store.inventory_expiry_days <= 0) return Status::Ok();
  std::string bound;  // last seen + window <= now
  store::keys::PutTimeAscending(
      bound, now - static_cast<TimeMs>(options_.store.inventory_expiry_days) * asff::kMsPerDay + 1);
  MergedCursor due(ShardCursors("by_last_seen", "t_pk", AllShards("t", true), "t_sk", true,
                                QuerySpec::kLess, bound));
  for (const Item* e = due.Next(); e != nullptr; e = due.Next()) {
    Item item;
    Status s = GetItem(Field(*e, "pk"), Field(*e, "sk"), &item);
    if (s.code() == Status::Code::kNotFound) continue;
    if (!s.ok()) return s;
    StoredInventoryItem stored;
    std::int64_t writes = 0;
    if (s = ReadInventory(item, &stored, &writes); !s.ok()) return s;
    if (stored.expires_at == 0 || stored.expires_at > now) continue;  // seen again meanwhile
    WriteAction record =
        Delete(InventoryPk(stored.item.subject_key), InventorySk(stored.item.source));
    Condition(record, writes);
    std::vector<WriteAction> actions{std::move(record)};
    for (auto& d : InventoryDeletes(stored)) actions.push_back(std::move(d));
    auto deleted = Commit(actions);
    if (!deleted.ok()) return deleted.status().WithContext("deleting expired inventory");
    if (*deleted) ++result->deleted_inventory;
  }
  return due.status();
}

// --- Opening ----------------------------------------------------------------------------------

Status DynamoDbStore::Open() {
  const std::string describe = Request([](asff::JsonWriter&) {});
  aws::DynamoDbFailure failure;
  auto answer = Call("DescribeTable", describe, &failure);
  if (!answer.ok() && failure.type == "ResourceNotFoundException" && options_.create_table) {
    auto created = Call("CreateTable", CreateTableRequest(options_.table));
    if (!created.ok()) return created.status().WithContext("creating the table");
    for (int i = 0; i < 300; ++i) {
      answer = Call("DescribeTable", describe);
      if (!answer.ok()) return answer.status();
      simdjson::dom::parser status_parser;
      simdjson::dom::element status_root;
      std::string_view status;
      if (status_parser.parse(*answer).get(status_root) == simdjson::SUCCESS &&
          status_root["Table"]["TableStatus"].get_string().get(status) == simdjson::SUCCESS &&
          status == "ACTIVE") {
        break;
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    const std::string ttl = Request([](asff::JsonWriter& w) {
      w.Key("TimeToLiveSpecification").BeginObject().Key("Enabled").Bool(true);
      w.Key("AttributeName").String("expires_at").EndObject();
    });
    if (auto t = Call("UpdateTimeToLive", ttl); !t.ok()) return t.status();
  }
  if (!answer.ok()) {
    if (failure.type == "ResourceNotFoundException") {
      return Status::NotFound("DynamoDB table " + options_.table + " does not exist at " +
                              client_.endpoint() +
                              " (deploy/corroborate.yaml creates it; --dynamodb-create-table "
                              "creates it from here)");
    }
    return answer.status();
  }
  // The schema this code needs: pk and sk binary, and every index.
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(*answer).get(root) != simdjson::SUCCESS) return Malformed("DescribeTable");
  std::map<std::string, std::string> types;
  simdjson::dom::array definitions, indexes;
  if (root["Table"]["AttributeDefinitions"].get_array().get(definitions) == simdjson::SUCCESS) {
    for (simdjson::dom::element d : definitions) {
      std::string_view name, type;
      if (d["AttributeName"].get_string().get(name) == simdjson::SUCCESS &&
          d["AttributeType"].get_string().get(type) == simdjson::SUCCESS) {
        types[std::string(name)] = std::string(type);
      }
    }
  }
  std::set<std::string> present;
  if (root["Table"]["GlobalSecondaryIndexes"].get_array().get(indexes) == simdjson::SUCCESS) {
    for (simdjson::dom::element i : indexes) {
      std::string_view name;
      if (i["IndexName"].get_string().get(name) == simdjson::SUCCESS) present.emplace(name);
    }
  }
  std::vector<std::string> missing;
  if (types["pk"] != "B" || types["sk"] != "B") missing.emplace_back("binary keys pk and sk");
  for (const auto& index : kIndexes) {
    if (!present.contains(std::string(index.name))) missing.emplace_back(index.name);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return Status::InvalidInput("DynamoDB table " + options_.table + " at " + client_.endpoint() +
                                " is not a Corroborate store: it lacks " + list +
                                " (docs/dynamodb.md gives the table design)");
  }
  return Status::Ok();
}

}  // namespace

std::string CreateTableRequest(const std::string& table) {
  std::string body;
  asff::JsonWriter w(body);
  w.BeginObject().Key("TableName").String(table).Key("BillingMode").String("PAY_PER_REQUEST");
  std::set<std::string_view> attributes{"pk", "sk"};
  for (const auto& index : kIndexes) {
    attributes.insert(index.hash);
    attributes.insert(index.range);
  }
  w.Key("AttributeDefinitions").BeginArray();
  for (auto a : attributes) {
    w.BeginObject().Key("AttributeName").String(a).Key("AttributeType").String("B").EndObject();
  }
  w.EndArray().Key("KeySchema").BeginArray();
  w.BeginObject().Key("AttributeName").String("pk").Key("KeyType").String("HASH").EndObject();
  w.BeginObject().Key("AttributeName").String("sk").Key("KeyType").String("RANGE").EndObject();
  w.EndArray().Key("GlobalSecondaryIndexes").BeginArray();
  for (const auto& index : kIndexes) {
    w.BeginObject().Key("IndexName").String(index.name).Key("KeySchema").BeginArray();
    w.BeginObject().Key("AttributeName").String(index.hash).Key("KeyType").String("HASH");
    w.EndObject();
    w.BeginObject().Key("AttributeName").String(index.range).Key("KeyType").String("RANGE");
    w.EndObject().EndArray();
    w.Key("Projection").BeginObject().Key("ProjectionType").String("KEYS_ONLY").EndObject();
    w.EndObject();
  }
  w.EndArray().EndObject();
  return body;
}

Result<std::unique_ptr<store::FindingStore>> OpenDynamoDbStore(
    const DynamoDbStoreOptions& options, std::unique_ptr<aws::HttpClient> http,
    std::unique_ptr<aws::CredentialChain> credentials) {
  if (options.table.empty()) return Status::InvalidInput("a DynamoDB store needs a table name");
  if (options.region.empty()) return Status::InvalidInput("a DynamoDB store needs a region");
  auto store = std::make_unique<DynamoDbStore>(std::move(http), std::move(credentials), options);
  if (Status s = store->Open(); !s.ok()) return s;
  return std::unique_ptr<store::FindingStore>(std::move(store));
}

}  // namespace corroborate::dynamodb
