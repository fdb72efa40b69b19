// Correlation in the ingest path: the correlate::Correlator fed from, and writing to, a store.
//
// Contract:
// - StoreEvidence is the correlate::EvidenceSource of a store::FindingStore.
// - CorrelationStage runs after every stored import batch (IngestPipeline calls AfterBatch with
//   the findings the batch created or updated): it evaluates the rules on the resources those
//   findings name and imports the correlated findings that were created, updated or archived into
//   the same store, as one more atomic batch, then reports each through `on_change` (the hook for
//   sinks and for printing incidents). Finish() re-evaluates the groups with an active incident,
//   so evidence that aged out of a window archives it even when nothing new arrived. AfterUpdate
//   does for BatchUpdateFindings what AfterBatch does for imports.
// - Added for inventory (issue 9): AfterInventory does it for inventory items stored with
//   FindingStore::ImportInventory: the relations that appeared or disappeared re-evaluate the
//   groups they join (correlate::Correlator::TouchRelations). Groups reached through relations
//   are evaluated within the correlator's budget per batch; Finish first evaluates whatever is
//   still waiting, then sweeps.
// - A correlated finding that does not pass asff::DecodeFinding is an internal error returned as
//   such, never dropped.
// - Crash recovery: from Start until Done (or Finish, which calls it), the store holds (as an
//   auxiliary value) the newest version whose correlation is complete, advanced as batches are
//   correlated. A Start that finds it left by a run that never got to Done correlates every
//   version stored since (findings, and inventory items through their relations), before its own
//   first batch (or in Finish), so evidence stored by a crashed run is not left uncorrelated. The
//   value does not advance while groups reached through relations wait to be evaluated.
//   Withdrawals that a crash between a BatchUpdate and AfterUpdate missed are made by the next
//   Finish's sweep.
// - An active incident is updated at most once per update interval (1 s of the steady clock,
//   whatever `now` says, unless SetUpdateInterval says otherwise; correlate::Correlator holds the
//   evaluations meanwhile). The batches that follow evaluate what is due; callers whose input
//   pauses call Idle (a live stream while it is paused, the server at NextHeldDue), which
//   evaluates what is due and nothing else. Drain, Sweep and Finish evaluate all that is held.
//   Held updates do not keep the recovery value back: every held group has an active incident,
//   which after a crash is evaluated, with all of its evidence, at the next touch of its
//   resource or at the next sweep (a Finish, or the server's periodic one): later than the
//   recovery point would have, for an incident nothing touches again.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "correlate/correlator.h"
#include "store/store.h"

namespace corroborate::pipeline {

class StoreEvidence final : public correlate::EvidenceSource {
 public:
  explicit StoreEvidence(store::FindingStore& store) : store_(store) {}
  Status Versions(std::string_view resource_key, std::vector<std::uint64_t>* out) override;
  Status ReadVersion(std::uint64_t version, asff::Finding* out) override;
  Status Related(std::string_view resource_key,
                 std::vector<correlate::RelatedResource>* out) override;
  Status Stored(const asff::FindingIdentifier& id, asff::Finding* out) override;
  Status ActiveCorrelated(std::vector<asff::Finding>* out) override;
  Status ForEachFinding(const std::function<void(const asff::Finding&)>& visit) override;

 private:
  store::FindingStore& store_;
};

struct CorrelationReport {
  std::uint64_t created = 0;
  std::uint64_t updated = 0;
  std::uint64_t archived = 0;
  std::uint64_t groups_evaluated = 0;
  std::uint64_t groups_ruled_out = 0;  // touched, but no rule could hold (correlator.h)
  std::uint64_t findings_read = 0;     // findings evaluations read (Correlator::findings_read)
  // Where AfterBatch's time went (steady clock): noting the findings, evaluating the touched
  // groups, and storing what changed.
  double touch_seconds = 0, evaluate_seconds = 0, store_seconds = 0;
};

class CorrelationStage {
 public:
  using ChangeHandler = std::function<void(const correlate::CorrelatedChange&)>;
  // `rules` must outlive the stage.
  CorrelationStage(store::FindingStore& store, const std::vector<correlate::Rule>& rules,
                   ChangeHandler on_change = {});

  // Loads the active incidents; call once before the others.
  Status Start();
  // `outcomes[i]` is how changed[i] was stored (its version; a created finding is stored as
  // given, an update merged with analyst fields that the incoming JSON does not show).
  Status AfterBatch(std::span<const store::IncomingFinding> changed,
                    std::span<const store::ImportOutcome> outcomes, asff::TimeMs now);
  // After BatchUpdateFindings changed these findings (an analyst resolving or suppressing
  // evidence withdraws the incident it supported).
  Status AfterUpdate(std::span<const asff::FindingIdentifier> updated, asff::TimeMs now);
  // After findings were deleted (retention): nothing kept about them is used again.
  void ForgetEvidence();
  // Added for inventory (issue 9): `outcomes[i]` is how items[i] was stored.
  Status AfterInventory(std::span<const inventory::Item> items,
                        std::span<const store::InventoryOutcome> outcomes, asff::TimeMs now);
  // Evaluates (and stores the changes of) every group still waiting or held, a part at a time;
  // Finish does it first. For one-shot callers that correlate without finishing (`update`).
  Status Drain(asff::TimeMs now);
  void SetDeferralBudget(const correlate::DeferralBudget& budget) {
    correlator_.SetDeferralBudget(budget);
  }
  [[nodiscard]] std::size_t deferred() const { return correlator_.deferred(); }
  // Incident updates held (see the contract); `interval_ms` 0 evaluates every touch at once.
  // The interval is measured on `hold_clock` (milliseconds; SteadyMs unless a test says).
  void SetUpdateInterval(asff::TimeMs interval_ms,
                         std::function<asff::TimeMs()> hold_clock = SteadyMs) {
    correlator_.SetUpdateInterval(interval_ms, std::move(hold_clock));
  }
  [[nodiscard]] std::size_t held() const { return correlator_.held(); }
  // When the first held update is due, on the hold clock (nullopt: none held).
  [[nodiscard]] std::optional<asff::TimeMs> NextHeldDue() const {
    return correlator_.NextHeldDue();
  }
  // std::chrono::steady_clock in milliseconds since its epoch.
  static asff::TimeMs SteadyMs();
  // Evaluates (and stores the changes of) the held updates that are due, and nothing that waits
  // in the deferral queue (Drain's job, which can be a fan-out of thousands of groups).
  Status Idle(asff::TimeMs now);
  Status Finish(asff::TimeMs now);
  // Finish without Done, for a long-running caller (the server) that sweeps now and then and
  // goes on correlating: the recovery point moves to what is correlated and stays in the store.
  Status Sweep(asff::TimeMs now);
  // Marks the run as complete for crash recovery (see the contract); Finish calls it.
  Status Done();
  // Every rule over every stored finding (backfill), then the sweep of Finish.
  Status RunAll(asff::TimeMs now);

  [[nodiscard]] CorrelationReport report() const;

 private:
  Status Apply(std::vector<correlate::CorrelatedChange>& changes, asff::TimeMs now);
  // Correlates what a crashed run left (see the contract), once.
  Status Recover(asff::TimeMs now);
  // Records that every version up to `version` is correlated.
  Status Advance(std::uint64_t version);

  store::FindingStore& store_;
  StoreEvidence evidence_;
  correlate::Correlator correlator_;
  ChangeHandler on_change_;
  CorrelationReport report_;
  std::optional<std::uint64_t> recover_after_;  // versions a crashed run may have left
  std::uint64_t correlated_through_ = 0;
  std::uint64_t batches_since_advance_ = 0;
  bool marked_ = false;  // the recovery value is in the store
};

}  // namespace corroborate::pipeline
