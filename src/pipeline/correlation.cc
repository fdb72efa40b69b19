#include "pipeline/correlation.h"

#include <chrono>

#include "asff/import.h"
#include "filter/filter.h"

namespace corroborate::pipeline {
namespace {

// Calls `visit` with every stored finding matching `filter` (null: all), page by page.
Status ForEachStored(store::FindingStore& store, const filter::FindingFilter* filter,
                     const std::function<void(const asff::Finding&)>& visit) {
  store::QueryRequest request;
  request.filter = filter;
  request.max_results = 100;
  const asff::TimeMs now = 0;  // no DateFilter with relative dates is used here
  do {
    store::QueryPage page;
    if (Status s = store.Query(request, now, &page); !s.ok()) return s;
    for (std::string& json : page.findings) {
      asff::Finding f;
      if (Status s = asff::DecodeFindingText(json, f); !s.ok()) {
        return Status::Corruption("stored finding does not decode: " + s.message());
      }
      f.json = std::move(json);
      visit(f);
    }
    request.next_token = page.next_token;
  } while (!request.next_token.empty());
  return Status::Ok();
}

void ConvertRelations(const std::vector<inventory::Relation>& from,
                      std::vector<asff::ResourceRelation>* to) {
  to->reserve(to->size() + from.size());
  for (const inventory::Relation& r : from) to->push_back(r.ToResourceRelation());
}

}  // namespace

Status StoreEvidence::Versions(std::string_view resource_key, std::vector<std::uint64_t>* out) {
  return store_.ResourceVersions(resource_key, out);
}

Status StoreEvidence::ReadVersion(std::uint64_t version, asff::Finding* out) {
  store::StoredFinding stored;
  if (Status s = store_.GetVersion(version, &stored); !s.ok()) return s;
  *out = std::move(stored.core);
  return Status::Ok();
}

Status StoreEvidence::Related(std::string_view resource_key,
                              std::vector<correlate::RelatedResource>* out) {
  std::vector<store::RelatedResource> related;
  if (Status s = store_.RelatedResources(resource_key, &related); !s.ok()) return s;
  out->clear();
  for (auto& r : related) {
    out->push_back({std::move(r.key), std::move(r.type), r.version, r.expires_at});
  }
  return Status::Ok();
}

Status StoreEvidence::Stored(const asff::FindingIdentifier& id, asff::Finding* out) {
  store::StoredFinding stored;
  if (Status s = store_.Get(id, &stored); !s.ok()) return s;
  *out = std::move(stored.core);
  return Status::Ok();
}

Status StoreEvidence::ActiveCorrelated(std::vector<asff::Finding>* out) {
  static const auto kFilter = filter::FindingFilter::ParseText(
      std::string(R"({"ProductName": [{"Value": ")") + std::string(correlate::kProductName) +
      R"(", "Comparison": "EQUALS"}], "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
         "GeneratorId": [{"Value": ")" +
      std::string(correlate::kGeneratorPrefix) + R"(", "Comparison": "PREFIX"}]})");
  if (!kFilter.ok()) return kFilter.status();
  out->clear();
  return ForEachStored(store_, &*kFilter, [&](const asff::Finding& f) { out->push_back(f); });
}

Status StoreEvidence::ForEachFinding(const std::function<void(const asff::Finding&)>& visit) {
  return ForEachStored(store_, nullptr, visit);
}

namespace {

// An incident's updates, at most one per second: a busy resource gathers evidence in nearly every
// import batch, and each update is an evaluation, a finding to store and (with a sink) a
// BatchImportFindings call, which Security Hub throttles.
constexpr asff::TimeMs kDefaultUpdateIntervalMs = 1000;
// The auxiliary store value of crash recovery (see the contract in correlation.h).
constexpr std::string_view kCorrelatedThroughKey = "correlation/correlated-through";
// How often the value is advanced while a run goes on (each is a synced write): a crash redoes
// at most this many batches' correlation.
constexpr std::uint64_t kAdvanceEveryBatches = 100;
// Versions touched per evaluation while recovering, bounding what one Run holds.
constexpr std::size_t kRecoveryChunk = 1000;

}  // namespace

CorrelationStage::CorrelationStage(store::FindingStore& store,
                                   const std::vector<correlate::Rule>& rules,
                                   ChangeHandler on_change)
    : store_(store),
      evidence_(store),
      correlator_(rules, evidence_),
      on_change_(std::move(on_change)) {
  SetUpdateInterval(kDefaultUpdateIntervalMs);
}

asff::TimeMs CorrelationStage::SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status CorrelationStage::Start() {
  if (Status s = correlator_.Start(); !s.ok()) return s;
  std::string value;
  Status s = store_.GetAuxiliary(kCorrelatedThroughKey, &value);
  if (s.ok()) {
    try {
      recover_after_ = std::stoull(value);
    } catch (const std::exception&) {
      return Status::Corruption("the correlation recovery value '" + value + "' is not a version");
    }
  } else if (s.code() != Status::Code::kNotFound) {
    return s.WithContext("reading the correlation recovery value");
  }
  std::uint64_t last = 0;
  if (s = store_.LastVersion(&last); !s.ok()) return s;
  correlated_through_ = recover_after_.value_or(last);
  if (s = store_.PutAuxiliary(kCorrelatedThroughKey, std::to_string(correlated_through_));
      !s.ok()) {
    return s.WithContext("writing the correlation recovery value");
  }
  marked_ = true;
  return Status::Ok();
}

Status CorrelationStage::Recover(asff::TimeMs now) {
  if (!recover_after_) return Status::Ok();
  const std::uint64_t after = *recover_after_;
  recover_after_.reset();
  std::size_t touched = 0;
  auto run = [&]() -> Status {
    std::vector<correlate::CorrelatedChange> changes;
    if (Status s = correlator_.Run(now, &changes); !s.ok()) return s;
    touched = 0;
    return Apply(changes, now);
  };
  Status s = store_.ForEachVersionSince(
      after, [&](std::uint64_t version, const store::StoredFinding& f) -> Status {
        correlator_.Touch(f.core, f.core.json, now, version);
        correlated_through_ = std::max(correlated_through_, version);
        return ++touched >= kRecoveryChunk ? run() : Status::Ok();
      });
  // Inventory stored after the point states relations whose groups were maybe never evaluated.
  if (s.ok()) {
    s = store_.InventoryItemsSince(after, [&](const store::StoredInventoryItem& stored) -> Status {
      correlate::RelationChange change;
      change.version = stored.version;
      if (!stored.item.deleted) ConvertRelations(stored.item.relations, &change.stated);
      change.added = change.stated;  // what it replaced is unknown; the sweep re-checks incidents
      correlator_.TouchRelations(change);
      correlated_through_ = std::max(correlated_through_, stored.version);
      return ++touched >= kRecoveryChunk ? run() : Status::Ok();
    });
  }
  if (s.ok()) s = run();
  if (s.ok()) {
    // The versions replayed here replaced versions the correlator never saw, so it cannot tell
    // which incidents they may withdraw (Touch): every active one is checked again.
    std::vector<correlate::CorrelatedChange> changes;
    s = correlator_.Sweep(now, &changes);
    if (s.ok()) s = Apply(changes, now);
  }
  if (!s.ok()) return s.WithContext("correlating what an interrupted run stored");
  return Advance(correlated_through_);
}

Status CorrelationStage::Advance(std::uint64_t version) {
  correlated_through_ = std::max(correlated_through_, version);
  batches_since_advance_ = 0;
  // Groups still waiting (reached through relations) are not correlated yet: the stored point
  // stays where it was until the queue is empty, so a crash redoes them.
  if (!marked_ || correlator_.deferred() > 0) return Status::Ok();
  return store_.PutAuxiliary(kCorrelatedThroughKey, std::to_string(correlated_through_));
}

Status CorrelationStage::Done() {
  if (!marked_) return Status::Ok();
  marked_ = false;
  return store_.DeleteAuxiliary(kCorrelatedThroughKey);
}

Status CorrelationStage::AfterBatch(std::span<const store::IncomingFinding> changed,
                                    std::span<const store::ImportOutcome> outcomes,
                                    asff::TimeMs now) {
  if (Status s = Recover(now); !s.ok()) return s;
  std::uint64_t newest = 0;
  for (const store::ImportOutcome& o : outcomes) newest = std::max(newest, o.version);
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < changed.size(); ++i) {
    const bool known = i < outcomes.size();
    correlator_.Touch(changed[i].core, changed[i].json, now, known ? outcomes[i].version : 0,
                      known && outcomes[i].action == asff::ImportAction::kCreated,
                      known ? outcomes[i].replaced : 0);
  }
  const auto touched = std::chrono::steady_clock::now();
  std::vector<correlate::CorrelatedChange> changes;
  if (Status s = correlator_.Run(now, &changes); !s.ok()) return s;
  const auto evaluated = std::chrono::steady_clock::now();
  if (Status s = Apply(changes, now); !s.ok()) return s;
  const auto stored = std::chrono::steady_clock::now();
  report_.touch_seconds += std::chrono::duration<double>(touched - start).count();
  report_.evaluate_seconds += std::chrono::duration<double>(evaluated - touched).count();
  report_.store_seconds += std::chrono::duration<double>(stored - evaluated).count();
  correlated_through_ = std::max(correlated_through_, newest);
  if (++batches_since_advance_ >= kAdvanceEveryBatches) return Advance(correlated_through_);
  return Status::Ok();
}

Status CorrelationStage::AfterUpdate(std::span<const asff::FindingIdentifier> updated,
                                     asff::TimeMs now) {
  if (Status s = Recover(now); !s.ok()) return s;
  // BatchUpdateFindings changed these findings without new versions: what was kept for them is
  // stale (and only that: dropping everything made every update cost a re-read of all evidence).
  correlator_.ForgetFindings(updated);
  for (const asff::FindingIdentifier& id : updated) {
    store::StoredFinding f;
    Status s = store_.Get(id, &f);
    if (s.code() == Status::Code::kNotFound) continue;  // deleted since (retention)
    if (!s.ok()) return s;
    correlator_.Touch(f.core, f.core.json, now);
  }
  std::vector<correlate::CorrelatedChange> changes;
  if (Status s = correlator_.Run(now, &changes); !s.ok()) return s;
  return Apply(changes, now);
}

void CorrelationStage::ForgetEvidence() {
  correlator_.Forget();
}

Status CorrelationStage::Finish(asff::TimeMs now) {
  if (Status s = Sweep(now); !s.ok()) return s;
  return Done();
}

Status CorrelationStage::Sweep(asff::TimeMs now) {
  if (Status s = Recover(now); !s.ok()) return s;
  // What waits for evaluation (groups reached through relations) first, stored before the sweep
  // so that it sees the incidents it created or withdrew.
  if (Status s = Drain(now); !s.ok()) return s;
  std::vector<correlate::CorrelatedChange> changes;
  if (Status s = correlator_.Sweep(now, &changes); !s.ok()) return s;
  if (Status s = Apply(changes, now); !s.ok()) return s;
  return Advance(correlated_through_);
}

Status CorrelationStage::Idle(asff::TimeMs now) {
  if (correlator_.held() == 0) return Status::Ok();
  if (Status s = Recover(now); !s.ok()) return s;
  std::vector<correlate::CorrelatedChange> changes;
  if (Status s = correlator_.EvaluateDue(now, &changes); !s.ok()) return s;
  return Apply(changes, now);
}

// --- Added for inventory (issue 9) ---
Status CorrelationStage::Drain(asff::TimeMs now) {
  // A part at a time, so memory holds one part's incidents, not a 50,000-instance fan-out's.
  constexpr std::size_t kDrainPart = 1000;
  std::vector<correlate::CorrelatedChange> changes;
  for (std::size_t waiting = correlator_.deferred() + correlator_.held(); waiting > 0;) {
    changes.clear();
    if (Status s = correlator_.Drain(now, &changes, kDrainPart); !s.ok()) return s;
    if (Status s = Apply(changes, now); !s.ok()) return s;
    const std::size_t left = correlator_.deferred() + correlator_.held();
    if (left >= waiting) return Status::Internal("correlation: the waiting groups do not drain");
    waiting = left;
  }
  return Status::Ok();
}

Status CorrelationStage::AfterInventory(std::span<const inventory::Item> items,
                                        std::span<const store::InventoryOutcome> outcomes,
                                        asff::TimeMs now) {
  if (Status s = Recover(now); !s.ok()) return s;
  std::uint64_t newest = 0;
  for (size_t i = 0; i < items.size() && i < outcomes.size(); ++i) {
    const store::InventoryOutcome& o = outcomes[i];
    if (o.action == store::InventoryAction::kIgnoredStale) continue;
    correlate::RelationChange change;
    change.version = o.version;
    change.replaced = o.replaced;
    if (!items[i].deleted) ConvertRelations(items[i].relations, &change.stated);
    ConvertRelations(o.added, &change.added);
    ConvertRelations(o.removed, &change.removed);
    correlator_.TouchRelations(change);
    newest = std::max(newest, o.version);
  }
  std::vector<correlate::CorrelatedChange> changes;
  if (Status s = correlator_.Run(now, &changes); !s.ok()) return s;
  if (Status s = Apply(changes, now); !s.ok()) return s;
  correlated_through_ = std::max(correlated_through_, newest);
  if (++batches_since_advance_ >= kAdvanceEveryBatches) return Advance(correlated_through_);
  return Status::Ok();
}
// ---

Status CorrelationStage::RunAll(asff::TimeMs now) {
  recover_after_.reset();  // everything is correlated now
  std::vector<correlate::CorrelatedChange> changes;
  if (Status s = correlator_.RunAll(now, &changes); !s.ok()) return s;
  if (Status s = Apply(changes, now); !s.ok()) return s;
  return Done();
}

Status CorrelationStage::Apply(std::vector<correlate::CorrelatedChange>& changes,
                               asff::TimeMs now) {
  if (changes.empty()) return Status::Ok();
  std::vector<store::IncomingFinding> batch(changes.size());
  simdjson::dom::parser parser;
  for (size_t i = 0; i < changes.size(); ++i) {
    simdjson::dom::element root;
    if (parser.parse(changes[i].json).get(root) != simdjson::SUCCESS) {
      return Status::Internal("correlated finding is not JSON: " + changes[i].json);
    }
    if (Status s = asff::DecodeFinding(root, batch[i].core); !s.ok()) {
      return Status::Internal("correlated finding for rule " + changes[i].rule->id + " on " +
                              changes[i].group.canonical_key + " is invalid: " + s.message());
    }
    batch[i].json = asff::NormalizeNewFinding(root, batch[i].core, now);
  }
  std::vector<store::ImportOutcome> outcomes;
  if (Status s = store_.Import(batch, now, &outcomes); !s.ok()) {
    return s.WithContext("storing correlated findings");
  }
  for (size_t i = 0; i < batch.size(); ++i) {  // the correlator keeps every version's membership
    if (outcomes[i].action == asff::ImportAction::kIgnoredStale) continue;
    correlator_.Touch(batch[i].core, batch[i].json, now, outcomes[i].version,
                      outcomes[i].action == asff::ImportAction::kCreated, outcomes[i].replaced);
  }
  correlator_.Stored(changes);
  for (const auto& c : changes) {
    switch (c.kind) {
      case correlate::CorrelatedChange::Kind::kCreated: ++report_.created; break;
      case correlate::CorrelatedChange::Kind::kUpdated: ++report_.updated; break;
      case correlate::CorrelatedChange::Kind::kArchived: ++report_.archived; break;
    }
    if (on_change_) on_change_(c);
  }
  return Status::Ok();
}

CorrelationReport CorrelationStage::report() const {
  CorrelationReport r = report_;
  r.groups_evaluated = correlator_.groups_evaluated();
  r.groups_ruled_out = correlator_.groups_ruled_out();
  r.findings_read = correlator_.findings_read();
  return r;
}

}  // namespace corroborate::pipeline
