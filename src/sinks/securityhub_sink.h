// The AWS Security Hub sink: a durable outbox in the store's auxiliary space, and the drain that
// pushes it to Security Hub (or any compatible endpoint) in batches within Security Hub's limits.
//
// Contract:
// - Outbox keys are `outbox/<20-digit sequence>`, in the order work was accepted; the next
//   sequence number lives at `outbox-state/next` and is written in the same atomic auxiliary
//   batch as the entries. An entry names work, not data: an import names a finding by
//   (ProductArn, Id) and the drain sends the finding as stored at that time (Security Hub keeps
//   the newest UpdatedAt, so sending the newest stored version is what the sequence of imports
//   would have left); an update holds a BatchUpdateFindings request (at most 25 identifiers per
//   entry, so a value stays far under the store's 64 KB).
// - OutboxStore wraps a FindingStore: Import writes the batch's identities to the outbox, durably,
//   before it stores the batch (so every stored finding is in the outbox whatever the moment of a
//   crash; an entry whose finding never got stored is skipped by the drain); BatchUpdate stores
//   the update and then, before returning, writes the identifiers it processed as an update entry.
//   Everything else is forwarded unchanged.
// - SecurityHubSink::Drain reads the outbox in order and sends it: consecutive imports as
//   BatchImportFindings of at most 100 findings and under 6 MB (one finding per identity per
//   request), updates as BatchUpdateFindings, in outbox order. An entry is removed only after AWS
//   accepted its work, or after AWS refused it for good: then a dead letter
//   `outbox-dead/<sequence>-<n>` keeps the finding's identity (or the update), AWS's ErrorCode
//   and ErrorMessage and the time, in the same atomic write that removes the entry. Per-finding
//   failures that may pass (throttling, internal errors) are sent again with full-jitter backoff,
//   up to `max_finding_attempts`; if they still fail, or a whole request fails after the HTTP
//   client's own retries (throttling, 5xx, connection, credentials), the drain stops and returns
//   the error, and what was not accepted stays in the outbox for the next drain. So nothing is
//   lost when AWS throttles, and a restarted process resumes where the last one stopped.
// - Delivery is at least once: an entry accepted by AWS but not yet removed when the process
//   stopped is sent again, which Security Hub's (ProductArn, Id, UpdatedAt) rules make harmless.
// - One drain at a time per store (the sink is not meant to be shared between threads; the
//   server runs one drain thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "asff/finding.h"
#include "asff/import.h"
#include "aws/securityhub_client.h"
#include "common/status.h"
#include "store/store.h"

namespace corroborate::sinks {

inline constexpr std::string_view kOutboxPrefix = "outbox/";
inline constexpr std::string_view kDeadLetterPrefix = "outbox-dead/";
inline constexpr std::string_view kOutboxNextKey = "outbox-state/next";

// What the sink calls: aws::SecurityHubClient in production, a fake in unit tests.
class SecurityHubApi {
 public:
  virtual ~SecurityHubApi() = default;
  virtual Result<aws::ImportResponse> BatchImportFindings(std::string_view findings_array) = 0;
  virtual Result<aws::UpdateResponse> BatchUpdateFindings(std::string_view request) = 0;
};

// SecurityHubApi over the real client.
class ClientApi final : public SecurityHubApi {
 public:
  explicit ClientApi(aws::SecurityHubClient& client) : client_(client) {}
  Result<aws::ImportResponse> BatchImportFindings(std::string_view findings_array) override {
    return client_.BatchImportFindings(findings_array);
  }
  Result<aws::UpdateResponse> BatchUpdateFindings(std::string_view request) override {
    return client_.BatchUpdateFindings(request);
  }

 private:
  aws::SecurityHubClient& client_;
};

struct OutboxEntry {
  enum class Kind : std::uint8_t { kImport, kUpdate };
  std::string key;  // outbox/<sequence>
  Kind kind = Kind::kImport;
  asff::FindingIdentifier finding;                   // kImport
  std::vector<asff::FindingIdentifier> identifiers;  // kUpdate
  std::string changes;  // kUpdate: the request's members but FindingIdentifiers, as a JSON object
};

struct DeadLetter {
  std::string key;  // outbox-dead/<sequence>-<n>
  asff::FindingIdentifier finding;
  std::string operation;  // BatchImportFindings | BatchUpdateFindings
  std::string error_code;
  std::string error_message;
  std::string at;  // ASFF timestamp
};

class Outbox {
 public:
  explicit Outbox(store::FindingStore& store) : store_(store) {}

  Status EnqueueImports(std::span<const asff::FindingIdentifier> findings);
  Status EnqueueUpdate(const asff::BatchUpdate& update,
                       std::span<const asff::FindingIdentifier> identifiers);
  // Up to `limit` entries after key `after` (empty: from the first), in order.
  Status Read(std::string_view after, std::size_t limit, std::vector<OutboxEntry>* out);
  // Removes `done` and stores `dead` (whose entries are removed too), atomically.
  Status Settle(std::span<const std::string> done, std::span<const DeadLetter> dead);
  // Settle, also rewriting entries (key, value) in the same atomic write; `dead_changes` is the
  // update the dead letters belong to (empty for imports).
  Status SettleWith(std::span<const std::string> done, std::span<const DeadLetter> dead,
                    std::span<const std::pair<std::string, std::string>> rewrites,
                    std::string_view dead_changes);
  Status CountPending(std::uint64_t* pending);
  Status ReadDeadLetters(std::size_t limit, std::vector<DeadLetter>* out);

 private:
  Status Append(std::vector<std::string> values);

  store::FindingStore& store_;
  std::mutex mu_;
  std::optional<std::uint64_t> next_;
};

// The BatchUpdateFindings request members of `update` but FindingIdentifiers ("{...}").
std::string BatchUpdateChangesJson(const asff::BatchUpdate& update);

class OutboxStore final : public store::FindingStore {
 public:
  OutboxStore(store::FindingStore& inner, Outbox& outbox) : inner_(inner), outbox_(outbox) {}

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
  Status LastVersion(std::uint64_t* version) override { return inner_.LastVersion(version); }
  Status ForEachVersionSince(
      std::uint64_t after,
      const std::function<Status(std::uint64_t, const store::StoredFinding&)>& visit) override {
    return inner_.ForEachVersionSince(after, visit);
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
  Status WriteAuxiliary(std::span<const store::AuxiliaryWrite> writes) override {
    return inner_.WriteAuxiliary(writes);
  }
  Status ScanAuxiliary(std::string_view prefix, std::string_view after, std::size_t limit,
                       std::vector<std::pair<std::string, std::string>>* out) override {
    return inner_.ScanAuxiliary(prefix, after, limit, out);
  }

 private:
  store::FindingStore& inner_;
  Outbox& outbox_;
};

struct SinkOptions {
  std::size_t max_findings_per_batch = aws::kMaxFindingsPerImport;
  std::size_t max_batch_bytes = aws::kMaxImportRequestBytes;
  int max_finding_attempts = 5;  // per-finding retryable failures, within one drain
  std::chrono::milliseconds base_delay{1000};
  std::chrono::milliseconds max_delay{20000};
  bool dry_run = false;  // read and batch, send nothing, remove nothing
  // Injectable for tests; defaults: sleep_for, a uniform [0, 1) generator, the system clock.
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<double()> random;
  std::function<asff::TimeMs()> now;
};

struct DrainReport {
  std::uint64_t imported = 0;  // findings AWS accepted
  std::uint64_t updated = 0;   // identifiers AWS processed in BatchUpdateFindings
  std::uint64_t import_requests = 0;
  std::uint64_t update_requests = 0;
  std::uint64_t retried = 0;  // per-finding retries
  std::uint64_t dead_lettered = 0;
  std::uint64_t not_stored = 0;  // entries whose finding is not (or no longer) stored
  std::uint64_t remaining = 0;   // entries still in the outbox after the drain
  std::vector<DeadLetter> dead;  // this drain's dead letters
};

class SecurityHubSink {
 public:
  SecurityHubSink(store::FindingStore& store, Outbox& outbox, SecurityHubApi& api,
                  SinkOptions options = {});

  // Sends everything the outbox holds (see the contract). OK when the outbox was emptied (dead
  // letters included); the first error that stopped it otherwise.
  Status Drain(DrainReport* report);

  [[nodiscard]] static bool IsRetryableErrorCode(std::string_view error_code);

 private:
  struct PendingFinding {
    asff::FindingIdentifier id;
    std::string json;
    std::vector<std::string> keys;  // the outbox entries it settles
  };
  Status SendImports(std::vector<PendingFinding>& batch, DrainReport* report);
  Status SendUpdate(const OutboxEntry& entry, DrainReport* report);
  std::chrono::milliseconds Backoff(int attempt);
  DeadLetter MakeDeadLetter(const std::string& entry_key, int n,
                            const asff::FindingIdentifier& finding, std::string operation,
                            std::string code, std::string message);

  store::FindingStore& store_;
  Outbox& outbox_;
  SecurityHubApi& api_;
  SinkOptions options_;
};

}  // namespace corroborate::sinks
