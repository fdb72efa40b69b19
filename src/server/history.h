// Finding history (GetFindingHistory): what each accepted import or update changed.
//
// Contract:
// - DiffFindings compares two versions of a finding's stored JSON field by field: objects are
//   descended into, so a change is named by its dotted path ("Workflow.Status", "Note.Text",
//   "Severity.Label"); arrays and scalars are compared whole. Top-level timestamps (CreatedAt,
//   UpdatedAt, FirstObservedAt, LastObservedAt, ProcessedAt) are left out, as Security Hub does.
//   A value is given as the string itself, or else as minified JSON; a missing side is absent;
//   a value longer than kMaxHistoryValue bytes is left out (Security Hub omits values that
//   exceed its limits too).
// - A record is kept in the store's auxiliary space under HistoryKey: keys of one finding sort
//   by time and then by a sequence number, so a finding's history reads as a key range in the
//   order it happened. The value is the response's FindingHistoryRecord without its
//   FindingIdentifier, at most 60 KB (values are dropped, largest first, to fit).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asff/finding.h"
#include "asff/timestamp.h"

namespace corroborate::server {

inline constexpr std::size_t kMaxHistoryValue = 4096;
inline constexpr std::string_view kSourceImport = "BATCH_IMPORT_FINDINGS";
inline constexpr std::string_view kSourceUpdate = "BATCH_UPDATE_FINDINGS";

struct HistoryUpdate {
  std::string field;
  std::optional<std::string> old_value;
  std::optional<std::string> new_value;
};

// `old_json` empty: nothing before (everything the new version has is an update).
std::vector<HistoryUpdate> DiffFindings(std::string_view old_json, std::string_view new_json);

// "h/<sha-256 of ProductArn and Id, hex>/" : every record of one finding starts with it.
std::string HistoryPrefix(const asff::FindingIdentifier& id);
std::string HistoryKey(const asff::FindingIdentifier& id, asff::TimeMs time, std::uint64_t seq);
// The time a key was written at (nullopt when it is not a history key).
std::optional<asff::TimeMs> HistoryKeyTime(std::string_view key);
// The key just before every record at or after `time` of the finding.
std::string HistoryKeyBefore(const asff::FindingIdentifier& id, asff::TimeMs time);

std::string EncodeHistoryRecord(asff::TimeMs time, bool created, std::string_view source_type,
                                std::string_view identity, std::vector<HistoryUpdate> updates);

}  // namespace corroborate::server
