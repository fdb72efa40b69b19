// HubStore: the store as the server's writer sees it. A FindingStore that forwards to the real
// one and, on every write, does what Security Hub does around the write:
//
// Contract (the writer thread is its only caller for writes; reads forward unchanged):
// - Import: the batch is imported into the inner store (atomically and durably, as the inner
//   store promises); then, for every finding created or updated (not the stale ones), the
//   enabled automation rules are evaluated on its stored version in rule order (RuleOrder, then
//   UpdatedAt), each rule's criteria against the finding as the earlier rules left it, stopping
//   after a terminal rule that matched; each matching rule's action is applied with
//   BatchUpdateFindings semantics (one inner BatchUpdate per rule). Then one history record per
//   changed finding (BATCH_IMPORT_FINDINGS, FindingCreated when it is new) and one per rule
//   action (BATCH_UPDATE_FINDINGS, identity the rule's ARN) are written in one durable batch.
//   Only then does Import return. Several versions of one finding in one batch give one import
//   record (the batch's net change).
// - BatchUpdate: forwarded; a history record (BATCH_UPDATE_FINDINGS, identity the caller) per
//   processed finding that changed.
// - Between BeginRecording and TakeRecording, every finding a write changed is collected for the
//   correlation stage: the imported ones with their outcomes and the JSON they are stored as
//   after the rules, and the identifiers BatchUpdate changed.
// - Not crash-atomic across those steps: a crash after the import but before the rule updates or
//   history are written leaves the import without them (the request was not acknowledged; a
//   retry of the same finding is then a stale import, which runs no rule). See docs/server.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/automation_rules.h"
#include "server/metrics.h"
#include "store/store.h"

namespace corroborate::server {

struct Recording {
  std::vector<store::IncomingFinding> imported;  // created or updated, as stored after the rules
  std::vector<store::ImportOutcome> outcomes;    // parallel to imported
  std::vector<asff::FindingIdentifier> updated;  // changed in place by BatchUpdate
  std::uint64_t created = 0, updated_by_import = 0, unchanged = 0;
  std::uint64_t rule_actions = 0;
};

class HubStore final : public store::FindingStore {
 public:
  HubStore(store::FindingStore& inner, Metrics* metrics);

  // Writer-thread state.
  void SetRules(const std::vector<AutomationRule>* rules) { rules_ = rules; }  // sorted
  void SetIdentity(std::string identity) { identity_ = std::move(identity); }
  void SetHistoryEnabled(bool enabled) { history_ = enabled; }
  void BeginRecording();
  Recording TakeRecording();
  void PauseRecording(bool paused) { paused_ = paused; }

  Status Import(std::span<const store::IncomingFinding> batch, asff::TimeMs now,
                std::vector<store::ImportOutcome>* outcomes) override;
  Status BatchUpdate(const asff::BatchUpdate& update, asff::TimeMs now,
                     store::BatchUpdateResult* result) override;

  Status Get(const asff::FindingIdentifier& id, store::StoredFinding* out) override {
    return inner_.Get(id, out);
  }
  Status Query(const store::QueryRequest& request, asff::TimeMs now,
               store::QueryPage* page) override {
    return inner_.Query(request, now, page);
  }
  Status FindingsForResource(std::string_view key,
                             std::vector<store::StoredFinding>* out) override {
    return inner_.FindingsForResource(key, out);
  }
  Status ResourceVersions(std::string_view key, std::vector<std::uint64_t>* versions) override {
    return inner_.ResourceVersions(key, versions);
  }
  Status GetVersion(std::uint64_t version, store::StoredFinding* out) override {
    return inner_.GetVersion(version, out);
  }
  Status RelatedResources(std::string_view key, std::vector<store::RelatedResource>* out) override {
    return inner_.RelatedResources(key, out);
  }
  Status ApplyRetention(asff::TimeMs now, store::RetentionResult* result) override {
    return inner_.ApplyRetention(now, result);
  }
  Status Stats(store::StoreStats* stats) override { return inner_.Stats(stats); }
  Status Compact() override { return inner_.Compact(); }
  Status Flush() override { return inner_.Flush(); }
  Status FindingsOfGeneratorBefore(const store::GeneratorRangeRequest& request,
                                   store::QueryPage* page) override {
    return inner_.FindingsOfGeneratorBefore(request, page);
  }
  Status PutAuxiliary(std::string_view key, std::string_view value) override {
    return inner_.PutAuxiliary(key, value);
  }
  Status GetAuxiliary(std::string_view key, std::string* value) override {
    return inner_.GetAuxiliary(key, value);
  }
  Status DeleteAuxiliary(std::string_view key) override { return inner_.DeleteAuxiliary(key); }
  Status WriteAuxiliary(std::span<const store::AuxiliaryWrite> writes) override {
    return inner_.WriteAuxiliary(writes);
  }
  Status ScanAuxiliary(std::string_view prefix, std::string_view after, std::size_t limit,
                       std::vector<std::pair<std::string, std::string>>* out) override {
    return inner_.ScanAuxiliary(prefix, after, limit, out);
  }
  Status LastVersion(std::uint64_t* version) override { return inner_.LastVersion(version); }
  Status ForEachVersionSince(
      std::uint64_t after,
      const std::function<Status(std::uint64_t, const store::StoredFinding&)>& visit) override {
    return inner_.ForEachVersionSince(after, visit);
  }
  Status ImportInventory(std::span<const inventory::Item> batch, asff::TimeMs now,
                         std::vector<store::InventoryOutcome>* outcomes) override {
    return inner_.ImportInventory(batch, now, outcomes);
  }
  Status InventoryItemsOf(std::string_view subject_key,
                          std::vector<store::StoredInventoryItem>* out) override {
    return inner_.InventoryItemsOf(subject_key, out);
  }
  Status InventoryItemOfVersion(std::uint64_t version, store::StoredInventoryItem* out) override {
    return inner_.InventoryItemOfVersion(version, out);
  }
  Status InventoryItemsSince(
      std::uint64_t after_version,
      const std::function<Status(const store::StoredInventoryItem&)>& visit) override {
    return inner_.InventoryItemsSince(after_version, visit);
  }

 private:
  void AddHistory(const asff::FindingIdentifier& id, asff::TimeMs now, bool created,
                  std::string_view source, std::string_view identity, std::string_view before,
                  std::string_view after);
  Status WriteHistory();

  store::FindingStore& inner_;
  Metrics* metrics_;
  const std::vector<AutomationRule>* rules_ = nullptr;
  std::string identity_ = "corroborate";
  bool history_ = true;
  bool recording_ = false;
  bool paused_ = false;
  Recording recording_data_;
  std::vector<store::AuxiliaryWrite> pending_history_;
  std::uint64_t history_seq_;
};

}  // namespace corroborate::server
