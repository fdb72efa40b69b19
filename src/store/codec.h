// Encodings and rules both store backends share (embedded and DynamoDB), so that they agree on
// what a token, an inventory record and a retention clock are.
//
// Contract:
// - RetentionClock is what retention measures a finding's age from: the later of UpdatedAt and the
//   last accepted import.
// - EncodeSortValues / DecodeSortValues write and read a position in a non-UpdatedAt sort order:
//   the sort values of the last finding of a page and its unique tail (a sequence number, or any
//   bytes that order findings with equal values). SortPositionLess orders two positions as
//   GetFindings' SortCriteria say, missing values last in both directions, ties by the tail.
// - EncodeInventory / DecodeInventory are the stored form of an inventory item without its
//   identity (subject key and source), which the caller keeps in the key. DecodeInventory refuses
//   anything it did not write (Corruption).
// - NormalisedRelations keeps the relations that relate two different resources, each once;
//   RelationEndsOf gives the unordered typed ends of a list, to compare what two versions state.
// - SortedPage builds a GetFindings page in an order other than UpdatedAt: it is offered every
//   matching finding (in any order) and keeps the best max_results after the token's position
//   (and one more, to know whether a next page exists); Finish writes the page and its token.
// - BadNextToken is the error every backend answers a token it did not issue with.
// - ApplyBatchUpdateTo applies a BatchUpdateFindings request to one stored finding: the updated
//   finding in `next`, or what Security Hub reports as unprocessed for it (FindingSizeExceeded
//   when the result would pass 240 KB, InvalidInput when it is not a valid finding).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "asff/finding.h"
#include "common/status.h"
#include "filter/filter.h"
#include "store/store.h"

namespace corroborate::store {

inline constexpr std::size_t kMaxAuxiliaryKey = 1024;
inline constexpr std::size_t kMaxAuxiliaryValue = std::size_t{64} << 10;
inline constexpr std::size_t kMaxInventoryKey = 2048;

asff::TimeMs RetentionClock(const asff::Finding& f);

std::string EncodeSortValues(const std::vector<filter::SortValue>& values, std::string_view tail);
bool DecodeSortValues(std::string_view in, std::size_t count,
                      std::vector<filter::SortValue>* values, std::string* tail);
bool SortPositionLess(const std::vector<filter::SortCriterion>& sort,
                      const std::vector<filter::SortValue>& a_values, std::string_view a_tail,
                      const std::vector<filter::SortValue>& b_values, std::string_view b_tail);

Status BadNextToken();

class SortedPage {
 public:
  SortedPage(const std::vector<filter::SortCriterion>& sort, std::size_t max_results)
      : sort_(sort), max_results_(max_results), best_(Less{this}) {}
  // `token_body`: the decoded NextToken after its version character (empty: the first page).
  Status Resume(std::string_view token_body);
  // A matching finding: its parsed JSON (for the sort values), its tail, and its JSON, which is
  // moved from only when the finding is kept.
  void Offer(simdjson::dom::element root, std::string_view tail, std::string& json);
  void Finish(QueryPage* page);

 private:
  struct Entry {
    std::vector<filter::SortValue> values;
    std::string tail;
    std::string json;
  };
  struct Less {
    const SortedPage* page;
    bool operator()(const Entry& a, const Entry& b) const {
      return SortPositionLess(page->sort_, a.values, a.tail, b.values, b.tail);
    }
  };
  const std::vector<filter::SortCriterion>& sort_;
  std::size_t max_results_;
  bool has_after_ = false;
  std::vector<filter::SortValue> after_values_;
  std::string after_tail_;
  std::priority_queue<Entry, std::vector<Entry>, Less> best_;
};

std::optional<UnprocessedFinding> ApplyBatchUpdateTo(const StoredFinding& existing,
                                                     const asff::FindingIdentifier& id,
                                                     const asff::BatchUpdate& update,
                                                     asff::TimeMs now, StoredFinding* next);

std::string EncodeInventory(const StoredInventoryItem& s);
Status DecodeInventory(std::string_view subject, std::string_view source, std::string_view value,
                       StoredInventoryItem* out);

using RelationEnds = std::array<std::string_view, 4>;
RelationEnds EndsOf(const inventory::Relation& r);
std::set<RelationEnds> RelationEndsOf(const std::vector<inventory::Relation>& relations);
std::vector<inventory::Relation> NormalisedRelations(
    const std::vector<inventory::Relation>& relations);

// What storing `in` does, given the stored item of its identity (null: none), at `now`, with
// relations counting `expiry_days` after their last sighting (0: forever): nullopt when `in` is
// stale (observed before the stored item); otherwise the item to store and `outcome` (action,
// added, removed, expired_on_arrival, replaced). On a refresh the item keeps the stored version;
// on a creation or replacement its version is 0 and the caller gives it the next one (and sets
// outcome->version; for a refresh that is set here).
std::optional<StoredInventoryItem> PlanInventoryItem(const inventory::Item& in,
                                                     const StoredInventoryItem* existing,
                                                     asff::TimeMs now, int expiry_days,
                                                     InventoryOutcome* outcome);
asff::TimeMs InventoryExpiresAt(asff::TimeMs last_seen, int expiry_days);

}  // namespace corroborate::store
