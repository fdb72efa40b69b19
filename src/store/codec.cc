#include "store/codec.h"

#include <algorithm>
#include <cstring>
#include <variant>

#include "asff/import.h"
#include "store/keys.h"

namespace corroborate::store {

asff::TimeMs RetentionClock(const asff::Finding& f) {
  return std::max(f.updated_at, f.processed_at.value_or(f.updated_at));
}

std::string EncodeSortValues(const std::vector<filter::SortValue>& values, std::string_view tail) {
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
  out.append(tail);
  return out;
}

bool DecodeSortValues(std::string_view in, std::size_t count,
                      std::vector<filter::SortValue>* values, std::string* tail) {
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
      for (int i = 0; i < 8; ++i)
        bits |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
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
  *tail = std::string(in.substr(pos + 1));
  return true;
}

bool SortPositionLess(const std::vector<filter::SortCriterion>& sort,
                      const std::vector<filter::SortValue>& a_values, std::string_view a_tail,
                      const std::vector<filter::SortValue>& b_values, std::string_view b_tail) {
  for (size_t i = 0; i < sort.size(); ++i) {
    int c = filter::CompareSortValues(a_values[i], b_values[i]);
    // Missing values sort last in both directions.
    const bool a_missing = std::holds_alternative<std::monostate>(a_values[i]);
    const bool b_missing = std::holds_alternative<std::monostate>(b_values[i]);
    if (!sort[i].ascending && !a_missing && !b_missing) c = -c;
    if (c != 0) return c < 0;
  }
  return a_tail < b_tail;
}

Status SortedPage::Resume(std::string_view token_body) {
  has_after_ = !token_body.empty();
  if (has_after_ && !DecodeSortValues(token_body, sort_.size(), &after_values_, &after_tail_)) {
    return BadNextToken();
  }
  return Status::Ok();
}

void SortedPage::Offer(simdjson::dom::element root, std::string_view tail, std::string& json) {
  Entry e;
  for (const auto& c : sort_) e.values.push_back(filter::SortValueOf(root, c.field));
  e.tail = std::string(tail);
  if (has_after_ && !SortPositionLess(sort_, after_values_, after_tail_, e.values, e.tail)) return;
  if (best_.size() == max_results_ + 1 && !Less{this}(e, best_.top())) return;
  e.json = std::move(json);
  best_.push(std::move(e));
  if (best_.size() > max_results_ + 1) best_.pop();
}

void SortedPage::Finish(QueryPage* page) {
  std::vector<Entry> sorted;
  while (!best_.empty()) {
    sorted.push_back(std::move(const_cast<Entry&>(best_.top())));
    best_.pop();
  }
  std::reverse(sorted.begin(), sorted.end());
  if (sorted.size() > max_results_) {
    sorted.pop_back();
    page->next_token =
        "1" + keys::HexEncode(EncodeSortValues(sorted.back().values, sorted.back().tail));
  }
  for (auto& e : sorted) page->findings.push_back(std::move(e.json));
}

Status BadNextToken() {
  return Status::InvalidInput(
      "Invalid parameter 'NextToken'. The token is not one this server issued.");
}

std::optional<UnprocessedFinding> ApplyBatchUpdateTo(const StoredFinding& existing,
                                                     const asff::FindingIdentifier& id,
                                                     const asff::BatchUpdate& update,
                                                     asff::TimeMs now, StoredFinding* next) {
  asff::AnalystMask mask = existing.analyst_mask;
  auto json = asff::ApplyBatchUpdate(existing.core.json, update, now, mask);
  *next = {};
  if (!json.ok()) return UnprocessedFinding{id, "InvalidInput", json.status().message()};
  if (json->size() > asff::kMaxFindingBytes) {
    return UnprocessedFinding{id, "FindingSizeExceeded", "Finding size exceeded 240 KB"};
  }
  if (const Status d = asff::DecodeFindingText(*json, next->core); !d.ok()) {
    return UnprocessedFinding{id, "InvalidInput", d.message()};
  }
  next->core.json = std::move(json).value();
  next->analyst_mask = mask;
  return std::nullopt;
}

namespace {
constexpr char kInventoryFormat = 1;
}  // namespace

std::string EncodeInventory(const StoredInventoryItem& s) {
  std::string v(1, kInventoryFormat);
  keys::PutBigEndian64(v, s.version);
  keys::PutTimeAscending(v, s.first_seen);
  keys::PutTimeAscending(v, s.last_seen);
  keys::PutTimeAscending(v, s.item.observed_at);
  v += s.item.deleted ? '\1' : '\0';
  keys::PutLengthPrefixed(v, s.item.subject_type);
  keys::PutLengthPrefixed(v, s.item.subject_id);
  keys::PutVarint(v, s.item.relations.size());
  for (const inventory::Relation& r : s.item.relations) {
    for (const std::string* part : {&r.from_key, &r.from_type, &r.to_key, &r.to_type, &r.name}) {
      keys::PutLengthPrefixed(v, *part);
    }
  }
  keys::PutVarint(v, s.item.attributes.size());
  for (const auto& [name, value] : s.item.attributes) {
    keys::PutLengthPrefixed(v, name);
    keys::PutLengthPrefixed(v, value);
  }
  return v;
}

Status DecodeInventory(std::string_view subject, std::string_view source, std::string_view v,
                       StoredInventoryItem* out) {
  auto bad = [] { return Status::Corruption("malformed inventory record"); };
  *out = {};
  if (v.size() < 34 || v[0] != kInventoryFormat) return bad();
  out->item.subject_key = std::string(subject);
  out->item.source = std::string(source);
  std::uint64_t version = 0;
  for (size_t i = 1; i < 9; ++i) version = (version << 8) | static_cast<unsigned char>(v[i]);
  out->version = version;
  out->first_seen = keys::GetTimeAscending(v.substr(9, 8));
  out->last_seen = keys::GetTimeAscending(v.substr(17, 8));
  out->item.observed_at = keys::GetTimeAscending(v.substr(25, 8));
  out->item.deleted = v[33] != '\0';
  size_t pos = 34;
  auto text = [&](std::string& field) {
    const auto got = keys::GetLengthPrefixed(v, pos);
    if (got) field = std::string(*got);
    return got.has_value();
  };
  if (!text(out->item.subject_type) || !text(out->item.subject_id)) return bad();
  const auto relations = keys::GetVarint(v, pos);
  if (!relations || *relations > v.size()) return bad();
  out->item.relations.resize(*relations);
  for (inventory::Relation& r : out->item.relations) {
    if (!text(r.from_key) || !text(r.from_type) || !text(r.to_key) || !text(r.to_type) ||
        !text(r.name)) {
      return bad();
    }
  }
  const auto attributes = keys::GetVarint(v, pos);
  if (!attributes || *attributes > v.size()) return bad();
  out->item.attributes.resize(*attributes);
  for (auto& [name, value] : out->item.attributes) {
    if (!text(name) || !text(value)) return bad();
  }
  return pos == v.size() ? Status::Ok() : bad();
}

RelationEnds EndsOf(const inventory::Relation& r) {
  if (r.to_key < r.from_key) return {r.to_key, r.to_type, r.from_key, r.from_type};
  return {r.from_key, r.from_type, r.to_key, r.to_type};
}

std::set<RelationEnds> RelationEndsOf(const std::vector<inventory::Relation>& relations) {
  std::set<RelationEnds> out;
  for (const inventory::Relation& r : relations) out.insert(EndsOf(r));
  return out;
}

std::vector<inventory::Relation> NormalisedRelations(
    const std::vector<inventory::Relation>& relations) {
  std::vector<inventory::Relation> out;
  std::set<RelationEnds> seen;
  for (const inventory::Relation& r : relations) {
    if (r.from_key.empty() || r.to_key.empty() || r.from_key == r.to_key) continue;
    if (seen.insert(EndsOf(r)).second) out.push_back(r);
  }
  return out;
}

asff::TimeMs InventoryExpiresAt(asff::TimeMs last_seen, int expiry_days) {
  return expiry_days > 0 ? last_seen + static_cast<asff::TimeMs>(expiry_days) * asff::kMsPerDay : 0;
}

std::optional<StoredInventoryItem> PlanInventoryItem(const inventory::Item& in,
                                                     const StoredInventoryItem* existing,
                                                     asff::TimeMs now, int expiry_days,
                                                     InventoryOutcome* outcome) {
  *outcome = {};
  if (existing != nullptr && in.observed_at < existing->item.observed_at) return std::nullopt;
  StoredInventoryItem next;
  next.item = in;
  next.item.relations = NormalisedRelations(in.relations);
  if (next.item.deleted) next.item.relations.clear();
  const bool was_counting =
      existing != nullptr && (existing->expires_at == 0 || existing->expires_at > now);
  if (existing != nullptr && existing->item.deleted == next.item.deleted &&
      RelationEndsOf(existing->item.relations) == RelationEndsOf(next.item.relations)) {
    // Seen again, saying the same: the version stays; its last sighting moves on.
    next.version = existing->version;
    next.first_seen = existing->first_seen;
    next.last_seen = std::max(existing->last_seen, in.observed_at);
    outcome->action = InventoryAction::kRefreshed;
    outcome->version = next.version;
  } else {
    next.first_seen = existing != nullptr ? existing->first_seen : in.observed_at;
    next.last_seen = in.observed_at;
    outcome->action = existing != nullptr ? InventoryAction::kReplaced : InventoryAction::kCreated;
    if (existing != nullptr) {
      outcome->replaced = existing->version;
      const auto now_stated = RelationEndsOf(next.item.relations);
      for (const inventory::Relation& r : existing->item.relations) {
        if (!now_stated.contains(EndsOf(r))) outcome->removed.push_back(r);
      }
    }
  }
  next.expires_at = InventoryExpiresAt(next.last_seen, expiry_days);
  const bool counts = next.expires_at == 0 || next.expires_at > now;
  outcome->expired_on_arrival = !counts;
  if (counts) {
    const auto before =
        was_counting ? RelationEndsOf(existing->item.relations) : std::set<RelationEnds>();
    for (const inventory::Relation& r : next.item.relations) {
      if (!before.contains(EndsOf(r))) outcome->added.push_back(r);
    }
  }
  return next;
}

}  // namespace corroborate::store
