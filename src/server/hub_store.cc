#include "server/hub_store.h"

#include <chrono>
#include <optional>
#include <unordered_map>

#include "server/history.h"

namespace corroborate::server {
namespace {

std::string IdentityKey(std::string_view product_arn, std::string_view id) {
  std::string k(product_arn);
  k += '\n';
  k += id;
  return k;
}

}  // namespace

HubStore::HubStore(store::FindingStore& inner, Metrics* metrics)
    : inner_(inner),
      metrics_(metrics),
      history_seq_(
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count())) {}

void HubStore::BeginRecording() {
  recording_ = true;
  recording_data_ = {};
}

Recording HubStore::TakeRecording() {
  recording_ = false;
  return std::move(recording_data_);
}

void HubStore::AddHistory(const asff::FindingIdentifier& id, asff::TimeMs now, bool created,
                          std::string_view source, std::string_view identity,
                          std::string_view before, std::string_view after) {
  std::vector<HistoryUpdate> updates;
  if (!created) {
    updates = DiffFindings(before, after);
    if (updates.empty()) return;  // nothing a reader could see changed
  }
  pending_history_.push_back(
      {HistoryKey(id, now, ++history_seq_),
       EncodeHistoryRecord(now, created, source, identity, std::move(updates)), false});
}

Status HubStore::WriteHistory() {
  if (pending_history_.empty()) return Status::Ok();
  const Status s = inner_.WriteAuxiliary(pending_history_);
  if (s.ok() && metrics_ != nullptr) metrics_->HistoryRecords(pending_history_.size());
  pending_history_.clear();
  return s.WithContext("writing finding history");
}

Status HubStore::Import(std::span<const store::IncomingFinding> batch, asff::TimeMs now,
                        std::vector<store::ImportOutcome>* outcomes) {
  // What each finding was before the batch, for its history record.
  std::unordered_map<std::string, std::optional<std::string>> before;
  if (history_) {
    for (const store::IncomingFinding& in : batch) {
      auto [it, inserted] = before.try_emplace(IdentityKey(in.core.product_arn, in.core.id));
      if (!inserted) continue;
      store::StoredFinding stored;
      const Status s = inner_.Get(in.core.identifier(), &stored);
      if (s.ok()) {
        it->second = std::move(stored.core.json);
      } else if (s.code() != Status::Code::kNotFound) {
        return s.WithContext("reading finding " + in.core.id + " before its import");
      }
    }
  }
  if (Status s = inner_.Import(batch, now, outcomes); !s.ok()) return s;

  // The findings the batch changed, once each, with the JSON they are now stored as.
  struct Changed {
    asff::FindingIdentifier id;
    std::string key;
    size_t last = 0;            // the batch index of its last accepted version
    size_t count = 0;           // accepted versions in the batch
    std::string imported_json;  // after the import
    std::string final_json;     // after the rules
    bool ruled = false;         // a rule changed it
  };
  std::vector<Changed> changed;
  std::unordered_map<std::string, size_t> slot;
  std::uint64_t created = 0, updated = 0, unchanged = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    switch ((*outcomes)[i].action) {
      case asff::ImportAction::kIgnoredStale: ++unchanged; continue;
      case asff::ImportAction::kCreated: ++created; break;
      case asff::ImportAction::kUpdated: ++updated; break;
    }
    std::string key = IdentityKey(batch[i].core.product_arn, batch[i].core.id);
    auto [it, inserted] = slot.try_emplace(key, changed.size());
    if (inserted)
      changed.push_back({batch[i].core.identifier(), std::move(key), i, 0, {}, {}, false});
    Changed& c = changed[it->second];
    c.last = i;
    ++c.count;
  }
  const bool rules = rules_ != nullptr && !rules_->empty();
  if (rules || history_) {
    for (Changed& c : changed) {
      if (c.count == 1 && (*outcomes)[c.last].action == asff::ImportAction::kCreated) {
        // A new finding is stored exactly as given; its history record needs no JSON.
        if (rules) c.final_json = c.imported_json = batch[c.last].json;
        continue;
      }
      store::StoredFinding stored;
      if (Status s = inner_.Get(c.id, &stored); !s.ok()) {
        return s.WithContext("reading finding " + c.id.id + " after its import");
      }
      c.imported_json = std::move(stored.core.json);
      c.final_json = c.imported_json;
    }
  }

  // Automation rules, in order, each on the finding as the earlier ones left it.
  struct Step {
    size_t changed;
    size_t rule;
    std::string before, after;
  };
  std::vector<Step> steps;
  if (rules) {
    std::vector<std::vector<asff::FindingIdentifier>> matched(rules_->size());
    simdjson::dom::parser parser;
    for (size_t ci = 0; ci < changed.size(); ++ci) {
      Changed& c = changed[ci];
      simdjson::dom::element root;
      if (parser.parse(c.final_json).get(root) != simdjson::SUCCESS) continue;
      const filter::FindingView view(root);  // every rule's criteria read the same members
      for (size_t r = 0; r < rules_->size(); ++r) {
        const AutomationRule& rule = (*rules_)[r];
        if (!rule.enabled || !rule.criteria.Matches(view, now)) continue;
        asff::AnalystMask mask = 0;
        auto next = asff::ApplyBatchUpdate(c.final_json, rule.action, now, mask);
        if (!next.ok()) continue;
        steps.push_back({ci, r, c.final_json, *next});
        c.final_json = std::move(next).value();
        c.ruled = true;
        matched[r].push_back(c.id);
        if (parser.parse(c.final_json).get(root) != simdjson::SUCCESS) break;
        if (rule.terminal) break;
      }
    }
    for (size_t r = 0; r < rules_->size(); ++r) {
      if (matched[r].empty()) continue;
      asff::BatchUpdate update = (*rules_)[r].action;
      update.identifiers = std::move(matched[r]);
      store::BatchUpdateResult result;
      if (Status s = inner_.BatchUpdate(update, now, &result); !s.ok()) {
        return s.WithContext("applying automation rule " + (*rules_)[r].arn);
      }
      for (const store::UnprocessedFinding& u : result.unprocessed) {
        // The simulated version is not what is stored: read what is.
        auto it = slot.find(IdentityKey(u.identifier.product_arn, u.identifier.id));
        if (it == slot.end()) continue;
        store::StoredFinding stored;
        if (inner_.Get(u.identifier, &stored).ok()) {
          changed[it->second].final_json = std::move(stored.core.json);
        }
      }
      if (metrics_ != nullptr) metrics_->AutomationRulesApplied(result.processed.size());
      recording_data_.rule_actions += result.processed.size();
    }
  }

  if (history_) {
    for (const Changed& c : changed) {
      const auto& previous = before[c.key];
      AddHistory(c.id, now, !previous.has_value(), kSourceImport, identity_,
                 previous ? std::string_view(*previous) : std::string_view(), c.imported_json);
    }
    for (const Step& step : steps) {
      AddHistory(changed[step.changed].id, now, false, kSourceUpdate, (*rules_)[step.rule].arn,
                 step.before, step.after);
    }
    if (Status s = WriteHistory(); !s.ok()) return s;
  }
  if (metrics_ != nullptr) metrics_->FindingsIngested(created, updated, unchanged);

  if (recording_ && !paused_) {
    recording_data_.created += created;
    recording_data_.updated_by_import += updated;
    recording_data_.unchanged += unchanged;
    for (size_t i = 0; i < batch.size(); ++i) {
      if ((*outcomes)[i].action == asff::ImportAction::kIgnoredStale) continue;
      const Changed& c = changed[slot.at(IdentityKey(batch[i].core.product_arn, batch[i].core.id))];
      store::IncomingFinding f;
      if (c.ruled && c.last == i) {
        // The correlator keeps what it learns per stored version: give it the version as the
        // rules left it, not as it was imported.
        if (!asff::DecodeFindingText(c.final_json, f.core).ok()) f.core = batch[i].core;
        f.json = c.final_json;
      } else {
        f = batch[i];
      }
      recording_data_.imported.push_back(std::move(f));
      recording_data_.outcomes.push_back((*outcomes)[i]);
    }
  }
  return Status::Ok();
}

Status HubStore::BatchUpdate(const asff::BatchUpdate& update, asff::TimeMs now,
                             store::BatchUpdateResult* result) {
  std::unordered_map<std::string, std::string> before;
  if (history_) {
    for (const asff::FindingIdentifier& id : update.identifiers) {
      const std::string key = IdentityKey(id.product_arn, id.id);
      if (before.contains(key)) continue;
      store::StoredFinding stored;
      if (inner_.Get(id, &stored).ok()) before[key] = std::move(stored.core.json);
    }
  }
  if (Status s = inner_.BatchUpdate(update, now, result); !s.ok()) return s;
  if (history_) {
    for (const asff::FindingIdentifier& id : result->processed) {
      store::StoredFinding stored;
      if (!inner_.Get(id, &stored).ok()) continue;
      const auto it = before.find(IdentityKey(id.product_arn, id.id));
      AddHistory(id, now, false, kSourceUpdate, identity_,
                 it == before.end() ? std::string_view() : std::string_view(it->second),
                 stored.core.json);
    }
    if (Status s = WriteHistory(); !s.ok()) return s;
  }
  if (recording_ && !paused_) {
    recording_data_.updated.insert(recording_data_.updated.end(), result->processed.begin(),
                                   result->processed.end());
  }
  return Status::Ok();
}

}  // namespace corroborate::server
