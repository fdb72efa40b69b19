// InventoryImporter: inventory documents (AWS Config, EC2, IoT; inventory/inventory.h) into the
// store's resource graph, re-evaluating the correlations whose relations changed.
//
// Contract:
// - It is a sources::FindingVisitor, so it takes whatever the sources readers find in files,
//   stdin or an HTTP body: documents bare or in SNS/Lambda envelopes (VisitDocument), EventBridge
//   events (OnEvent), and the elements of the item arrays the readers stream when given
//   ReadOptions() (configurationItems, Reservations, NetworkInterfaces, SecurityGroups), so a
//   snapshot of a million items takes the memory of one item and one batch. A live pull (once the
//   AWS edge exists) calls OnFinding with each page of an API answer, then Finish.
// - Items are stored with FindingStore::ImportInventory in batches (batch_size items, or fewer
//   when they state very many relations), each atomic and durable. EC2 and IoT outputs carry no
//   time: they are taken to be observed at Context::observed_at, else when the importer reads
//   them (clock).
// - Every document or item that cannot be used is reported once through on_failure with where it
//   was (file:line and the path inside the document) and why; nothing is dropped silently. What
//   is passed over on purpose (a Config message without an item, a principal that is not a
//   certificate) and items observed longer ago than the expiry window (stored, not counted) are
//   said through on_info. A store error stops the import: the items not stored are reported
//   (StoreError) and Finish returns the error.
// - With a CorrelationStage, each stored batch's relation changes are handed to it
//   (AfterInventory): the groups whose relations appeared or disappeared are re-evaluated,
//   coalesced, within the correlator's budget; Finish evaluates what is left and sweeps.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "sources/sources.h"
#include "store/store.h"

namespace corroborate::pipeline {

class CorrelationStage;  // pipeline/correlation.h

struct InventoryFailure {
  std::string location;    // "snapshot.json:3 configurationItems[5]"
  std::string error_code;  // InvalidInput | UnsupportedDocument | StoreError
  std::string error_message;
};

struct InventoryImportReport {
  std::uint64_t documents = 0;  // documents, events and streamed elements read
  std::uint64_t items = 0;      // offered to the store
  std::uint64_t created = 0;
  std::uint64_t replaced = 0;   // a newer item of the identity, stating other relations
  std::uint64_t refreshed = 0;  // seen again, stating the same
  std::uint64_t stale = 0;      // older than the stored item of the identity
  std::uint64_t deleted = 0;    // items saying their resource is gone
  std::uint64_t expired_on_arrival = 0;
  std::uint64_t relations_added = 0;
  std::uint64_t relations_removed = 0;
  std::uint64_t passed_over = 0;  // notes
  std::uint64_t failed = 0;       // documents and items rejected
};

struct InventoryImportOptions {
  inventory::Context context;
  std::size_t batch_size = 1000;
  std::function<asff::TimeMs()> clock;  // default: the system clock
  std::function<void(const InventoryFailure&)> on_failure;
  std::function<void(const std::string&)> on_info;
  CorrelationStage* correlation = nullptr;
};

class InventoryImporter final : public sources::FindingVisitor {
 public:
  InventoryImporter(store::FindingStore& store, InventoryImportOptions options);

  // The read options that stream the item arrays of large inventory documents.
  static sources::ReadOptions ReadOptions();

  void OnFinding(simdjson::dom::element document, const sources::Location& where) override;
  void OnError(const sources::Location& where, const Status& error) override;
  // Stores what is batched (a live stream paused; sources.h).
  void OnIdle() override { (void)Flush(); }
  void OnEvent(simdjson::dom::element event, std::string_view detail_type,
               const sources::Location& where) override;

  // Stores what is batched and correlates it (within the correlator's budget), as a full batch
  // does: for callers that take one message at a time, such as the HTTP server's endpoints.
  Status Flush();
  // Flush, then lets the correlation stage finish (evaluating whatever still waits). Returns the
  // first store or correlation error met.
  Status Finish();

  [[nodiscard]] const InventoryImportReport& report() const { return report_; }

 private:
  void Take(const Status& parsed, inventory::Parsed& result, const sources::Location& where);
  void Fail(std::string location, std::string code, std::string message);
  void Info(const std::string& line);

  store::FindingStore& store_;
  InventoryImportOptions options_;
  InventoryImportReport report_;
  Status fatal_;
  std::vector<inventory::Item> batch_;
  std::vector<std::string> locations_;  // parallel to batch_
  std::size_t batch_relations_ = 0;
};

}  // namespace corroborate::pipeline
