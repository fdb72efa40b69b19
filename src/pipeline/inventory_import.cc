#include "pipeline/inventory_import.h"

#include "pipeline/correlation.h"
#include "pipeline/pipeline.h"

namespace corroborate::pipeline {
namespace {

// A batch holding an item with very many relations (a security group on 50,000 instances) is
// written before it grows further, bounding memory and the size of one write.
constexpr std::size_t kMaxBatchRelations = 200'000;

std::string Join(const sources::Location& where, std::string_view inner) {
  std::string out = where.ToString();
  if (inner.empty()) return out;
  out += where.path.empty() ? " " : ".";
  out += inner;
  return out;
}

}  // namespace

InventoryImporter::InventoryImporter(store::FindingStore& store, InventoryImportOptions options)
    : store_(store), options_(std::move(options)) {
  if (!options_.clock) options_.clock = SystemNow;
  if (options_.batch_size == 0) options_.batch_size = 1;
}

sources::ReadOptions InventoryImporter::ReadOptions() {
  sources::ReadOptions read;
  read.streamed_array_keys = {"configurationItems", "Reservations", "NetworkInterfaces",
                              "SecurityGroups"};
  return read;
}

void InventoryImporter::Fail(std::string location, std::string code, std::string message) {
  ++report_.failed;
  if (options_.on_failure) {
    options_.on_failure({std::move(location), std::move(code), std::move(message)});
  }
}

void InventoryImporter::Info(const std::string& line) {
  if (options_.on_info) options_.on_info(line);
}

void InventoryImporter::OnFinding(simdjson::dom::element document, const sources::Location& where) {
  ++report_.documents;
  inventory::Context context = options_.context;
  if (context.observed_at == 0) context.observed_at = options_.clock();
  inventory::Parsed parsed;
  const Status s = inventory::Parse(document, context, &parsed);
  Take(s, parsed, where);
}

void InventoryImporter::OnEvent(simdjson::dom::element event, std::string_view detail_type,
                                const sources::Location& where) {
  ++report_.documents;
  inventory::Context context = options_.context;
  if (context.observed_at == 0) context.observed_at = options_.clock();
  inventory::Parsed parsed;
  const Status s = inventory::ParseEvent(event, detail_type, context, &parsed);
  Take(s, parsed, where);
}

void InventoryImporter::OnError(const sources::Location& where, const Status& error) {
  ++report_.documents;
  Fail(where.ToString(), "InvalidInput", error.message());
}

void InventoryImporter::Take(const Status& parsed, inventory::Parsed& result,
                             const sources::Location& where) {
  if (!parsed.ok()) {
    Fail(where.ToString(),
         result.kind == inventory::Kind::kUnknown ? "UnsupportedDocument" : "InvalidInput",
         parsed.message());
    return;
  }
  for (const inventory::Problem& p : result.rejected) {
    Fail(Join(where, p.where), "InvalidInput", p.message);
  }
  for (const std::string& note : result.notes) {
    ++report_.passed_over;
    Info(where.ToString() + ": " + note);
  }
  for (inventory::Item& item : result.items) {
    if (!fatal_.ok()) {
      Fail(where.ToString(), "StoreError", "not stored: " + fatal_.message());
      continue;
    }
    batch_relations_ += item.relations.size();
    locations_.push_back(where.ToString());
    batch_.push_back(std::move(item));
    if (batch_.size() >= options_.batch_size || batch_relations_ >= kMaxBatchRelations) {
      (void)Flush();
    }
  }
}

Status InventoryImporter::Flush() {
  if (batch_.empty()) return fatal_;
  const asff::TimeMs now = options_.clock();
  std::vector<store::InventoryOutcome> outcomes;
  const Status s = fatal_.ok() ? store_.ImportInventory(batch_, now, &outcomes) : fatal_;
  if (!s.ok()) {
    if (fatal_.ok()) fatal_ = s;
    for (const std::string& location : locations_) {
      Fail(location, "StoreError", "not stored: " + s.message());
    }
  } else {
    report_.items += batch_.size();
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      const store::InventoryOutcome& o = outcomes[i];
      switch (o.action) {
        case store::InventoryAction::kCreated: ++report_.created; break;
        case store::InventoryAction::kReplaced: ++report_.replaced; break;
        case store::InventoryAction::kRefreshed: ++report_.refreshed; break;
        case store::InventoryAction::kIgnoredStale: ++report_.stale; break;
      }
      if (o.action == store::InventoryAction::kIgnoredStale) continue;
      if (batch_[i].deleted) ++report_.deleted;
      report_.relations_added += o.added.size();
      report_.relations_removed += o.removed.size();
      if (o.expired_on_arrival) {
        ++report_.expired_on_arrival;
        Info(locations_[i] + ": " + batch_[i].subject_type + " " + batch_[i].subject_key +
             " was observed " + asff::FormatTimestamp(batch_[i].observed_at) +
             ", longer ago than the inventory expiry window: stored, but its relations do not "
             "count");
      }
    }
    if (options_.correlation != nullptr) {
      if (Status c = options_.correlation->AfterInventory(batch_, outcomes, now); !c.ok()) {
        fatal_ = c.WithContext("correlating");
      }
    }
  }
  batch_.clear();
  locations_.clear();
  batch_relations_ = 0;
  return fatal_;
}

Status InventoryImporter::Finish() {
  (void)Flush();
  if (fatal_.ok() && options_.correlation != nullptr) {
    if (Status s = options_.correlation->Finish(options_.clock()); !s.ok()) {
      fatal_ = s.WithContext("correlating");
    }
  }
  return fatal_;
}

}  // namespace corroborate::pipeline
