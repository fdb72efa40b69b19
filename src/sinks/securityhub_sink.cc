#include "sinks/securityhub_sink.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <thread>

#include "asff/json_writer.h"
#include "asff/timestamp.h"

namespace corroborate::sinks {
namespace {

// Identifiers per update entry: 25 of at most ~2.3 KB each stay far under the 64 KB value limit.
constexpr std::size_t kIdentifiersPerUpdateEntry = 25;
constexpr std::size_t kReadPage = 1000;

std::string SequenceKey(std::uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(seq));
  return std::string(kOutboxPrefix) + buf;
}

std::string StringOf(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

void WriteIdentifier(asff::JsonWriter& w, const asff::FindingIdentifier& id) {
  w.BeginObject().Key("ProductArn").String(id.product_arn).Key("Id").String(id.id).EndObject();
}

std::string IdentifiersArray(std::span<const asff::FindingIdentifier> ids) {
  std::string out;
  asff::JsonWriter w(out);
  w.BeginArray();
  for (const auto& id : ids) WriteIdentifier(w, id);
  w.EndArray();
  return out;
}

std::string UpdateEntryJson(std::span<const asff::FindingIdentifier> ids,
                            std::string_view changes) {
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject()
      .Key("Op")
      .String("Update")
      .Key("FindingIdentifiers")
      .Raw(IdentifiersArray(ids))
      .Key("Changes")
      .Raw(changes)
      .EndObject();
  return out;
}

// {"FindingIdentifiers":[...], <changes' members>}
std::string UpdateRequestJson(std::span<const asff::FindingIdentifier> ids,
                              std::string_view changes) {
  std::string out = "{\"FindingIdentifiers\":" + IdentifiersArray(ids);
  if (changes.size() > 2) {
    out += ',';
    out += changes.substr(1);  // drops '{', keeps the closing '}'
  } else {
    out += '}';
  }
  return out;
}

Status ParseEntry(const std::string& key, const std::string& value, OutboxEntry* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(value).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Status::Corruption("outbox entry " + key + " is not JSON");
  }
  out->key = key;
  const std::string op = StringOf(doc, "Op");
  if (op == "Import") {
    out->kind = OutboxEntry::Kind::kImport;
    out->finding = {StringOf(doc, "ProductArn"), StringOf(doc, "Id")};
    return Status::Ok();
  }
  if (op == "Update") {
    out->kind = OutboxEntry::Kind::kUpdate;
    simdjson::dom::array ids;
    if (doc["FindingIdentifiers"].get_array().get(ids) == simdjson::SUCCESS) {
      for (simdjson::dom::element id : ids) {
        out->identifiers.push_back({StringOf(id, "ProductArn"), StringOf(id, "Id")});
      }
    }
    simdjson::dom::element changes;
    if (doc["Changes"].get(changes) == simdjson::SUCCESS) {
      out->changes = simdjson::minify(changes);
    } else {
      out->changes = "{}";
    }
    return Status::Ok();
  }
  return Status::Corruption("outbox entry " + key + " has an unknown Op '" + op + "'");
}

std::string DeadLetterJson(const DeadLetter& d, std::string_view changes) {
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject()
      .Key("Operation")
      .String(d.operation)
      .Key("ProductArn")
      .String(d.finding.product_arn)
      .Key("Id")
      .String(d.finding.id)
      .Key("ErrorCode")
      .String(d.error_code)
      .Key("ErrorMessage")
      .String(d.error_message.substr(0, 4096))
      .Key("At")
      .String(d.at);
  if (!changes.empty()) w.Key("Changes").Raw(changes);
  w.EndObject();
  return out;
}

}  // namespace

// --- BatchUpdateFindings request members -----------------------------------------------------

std::string BatchUpdateChangesJson(const asff::BatchUpdate& update) {
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject();
  if (update.note) {
    w.Key("Note")
        .BeginObject()
        .Key("Text")
        .String(update.note->text)
        .Key("UpdatedBy")
        .String(update.note->updated_by)
        .EndObject();
  }
  if (update.severity_json) w.Key("Severity").Raw(*update.severity_json);
  if (update.verification_state) w.Key("VerificationState").String(*update.verification_state);
  if (update.confidence) w.Key("Confidence").Int(*update.confidence);
  if (update.criticality) w.Key("Criticality").Int(*update.criticality);
  if (update.types) {
    w.Key("Types").BeginArray();
    for (const auto& t : *update.types) w.String(t);
    w.EndArray();
  }
  if (update.user_defined_fields) {
    w.Key("UserDefinedFields").BeginObject();
    for (const auto& [k, v] : *update.user_defined_fields) w.Key(k).String(v);
    w.EndObject();
  }
  if (update.workflow_status) {
    w.Key("Workflow").BeginObject().Key("Status").String(*update.workflow_status).EndObject();
  }
  if (update.related_findings) {
    w.Key("RelatedFindings").Raw(IdentifiersArray(*update.related_findings));
  }
  w.EndObject();
  return out;
}

// --- Outbox ----------------------------------------------------------------------------------

Status Outbox::Append(std::vector<std::string> values) {
  if (values.empty()) return Status::Ok();
  std::lock_guard lock(mu_);
  if (!next_) {
    std::string text;
    Status s = store_.GetAuxiliary(kOutboxNextKey, &text);
    if (s.ok()) {
      next_ = std::strtoull(text.c_str(), nullptr, 10);
    } else if (s.code() == Status::Code::kNotFound) {
      next_ = 1;
    } else {
      return s.WithContext("outbox");
    }
  }
  std::vector<store::AuxiliaryWrite> writes;
  writes.reserve(values.size() + 1);
  std::uint64_t seq = *next_;
  for (auto& v : values) writes.push_back({SequenceKey(seq++), std::move(v), false});
  writes.push_back({std::string(kOutboxNextKey), std::to_string(seq), false});
  Status s = store_.WriteAuxiliary(writes);
  if (!s.ok()) return s.WithContext("outbox");
  next_ = seq;
  return Status::Ok();
}

Status Outbox::EnqueueImports(std::span<const asff::FindingIdentifier> findings) {
  std::vector<std::string> values;
  values.reserve(findings.size());
  for (const auto& f : findings) {
    std::string v;
    asff::JsonWriter w(v);
    w.BeginObject()
        .Key("Op")
        .String("Import")
        .Key("ProductArn")
        .String(f.product_arn)
        .Key("Id")
        .String(f.id)
        .EndObject();
    values.push_back(std::move(v));
  }
  return Append(std::move(values));
}

Status Outbox::EnqueueUpdate(const asff::BatchUpdate& update,
                             std::span<const asff::FindingIdentifier> identifiers) {
  const std::string changes = BatchUpdateChangesJson(update);
  std::vector<std::string> values;
  for (std::size_t i = 0; i < identifiers.size(); i += kIdentifiersPerUpdateEntry) {
    values.push_back(UpdateEntryJson(
        identifiers.subspan(i, std::min(kIdentifiersPerUpdateEntry, identifiers.size() - i)),
        changes));
  }
  return Append(std::move(values));
}

Status Outbox::Read(std::string_view after, std::size_t limit, std::vector<OutboxEntry>* out) {
  out->clear();
  std::vector<std::pair<std::string, std::string>> rows;
  if (Status s = store_.ScanAuxiliary(kOutboxPrefix, after, limit, &rows); !s.ok()) {
    return s.WithContext("outbox");
  }
  for (const auto& [key, value] : rows) {
    OutboxEntry entry;
    if (Status s = ParseEntry(key, value, &entry); !s.ok()) return s;
    out->push_back(std::move(entry));
  }
  return Status::Ok();
}

Status Outbox::Settle(std::span<const std::string> done, std::span<const DeadLetter> dead) {
  return SettleWith(done, dead, {}, "");
}

Status Outbox::SettleWith(std::span<const std::string> done, std::span<const DeadLetter> dead,
                          std::span<const std::pair<std::string, std::string>> rewrites,
                          std::string_view dead_changes) {
  std::vector<store::AuxiliaryWrite> writes;
  for (const auto& key : done) writes.push_back({key, "", true});
  for (const auto& d : dead) writes.push_back({d.key, DeadLetterJson(d, dead_changes), false});
  for (const auto& [key, value] : rewrites) writes.push_back({key, value, false});
  if (writes.empty()) return Status::Ok();
  Status s = store_.WriteAuxiliary(writes);
  return s.ok() ? s : s.WithContext("outbox");
}

Status Outbox::CountPending(std::uint64_t* pending) {
  *pending = 0;
  std::string after;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> rows;
    if (Status s = store_.ScanAuxiliary(kOutboxPrefix, after, kReadPage, &rows); !s.ok()) {
      return s.WithContext("outbox");
    }
    *pending += rows.size();
    if (rows.size() < kReadPage) return Status::Ok();
    after = rows.back().first;
  }
}

Status Outbox::ReadDeadLetters(std::size_t limit, std::vector<DeadLetter>* out) {
  out->clear();
  std::vector<std::pair<std::string, std::string>> rows;
  if (Status s = store_.ScanAuxiliary(kDeadLetterPrefix, "", limit, &rows); !s.ok()) {
    return s.WithContext("outbox");
  }
  simdjson::dom::parser parser;
  for (const auto& [key, value] : rows) {
    simdjson::dom::element doc;
    if (parser.parse(value).get(doc) != simdjson::SUCCESS) {
      return Status::Corruption("dead letter " + key + " is not JSON");
    }
    DeadLetter d;
    d.key = key;
    d.operation = StringOf(doc, "Operation");
    d.finding = {StringOf(doc, "ProductArn"), StringOf(doc, "Id")};
    d.error_code = StringOf(doc, "ErrorCode");
    d.error_message = StringOf(doc, "ErrorMessage");
    d.at = StringOf(doc, "At");
    out->push_back(std::move(d));
  }
  return Status::Ok();
}

// --- OutboxStore -----------------------------------------------------------------------------

Status OutboxStore::Import(std::span<const store::IncomingFinding> batch, asff::TimeMs now,
                           std::vector<store::ImportOutcome>* outcomes) {
  // Intent first: a crash after this write and before the import leaves entries the drain skips
  // (their findings are not stored); the other order could lose a stored finding's push.
  std::vector<asff::FindingIdentifier> ids;
  ids.reserve(batch.size());
  for (const auto& f : batch) ids.push_back(f.core.identifier());
  if (Status s = outbox_.EnqueueImports(ids); !s.ok()) return s;
  return inner_.Import(batch, now, outcomes);
}

Status OutboxStore::BatchUpdate(const asff::BatchUpdate& update, asff::TimeMs now,
                                store::BatchUpdateResult* result) {
  // After the update, with the identifiers it processed: AWS gets only changes that were made.
  Status s = inner_.BatchUpdate(update, now, result);
  if (!s.ok() || result->processed.empty()) return s;
  return outbox_.EnqueueUpdate(update, result->processed);
}

// --- SecurityHubSink -------------------------------------------------------------------------

SecurityHubSink::SecurityHubSink(store::FindingStore& store, Outbox& outbox, SecurityHubApi& api,
                                 SinkOptions options)
    : store_(store), outbox_(outbox), api_(api), options_(std::move(options)) {
  if (!options_.sleep) {
    options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
  if (!options_.random) {
    options_.random = [engine = std::make_shared<std::mt19937_64>(std::random_device{}())] {
      return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
    };
  }
  if (!options_.now) {
    options_.now = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  options_.max_findings_per_batch =
      std::clamp<std::size_t>(options_.max_findings_per_batch, 1, aws::kMaxFindingsPerImport);
  options_.max_batch_bytes = std::min(options_.max_batch_bytes, aws::kMaxImportRequestBytes);
  options_.max_finding_attempts = std::max(1, options_.max_finding_attempts);
}

bool SecurityHubSink::IsRetryableErrorCode(std::string_view code) {
  for (std::string_view transient : {"Throttl", "TooManyRequests", "Internal", "LimitExceeded",
                                     "ServiceUnavailable", "Timeout", "Unavailable"}) {
    if (code.find(transient) != std::string_view::npos) return true;
  }
  return false;
}

std::chrono::milliseconds SecurityHubSink::Backoff(int attempt) {
  const int shift = std::min(attempt - 1, 30);
  const double ceiling = std::min<double>(static_cast<double>(options_.max_delay.count()),
                                          static_cast<double>(options_.base_delay.count()) *
                                              static_cast<double>(std::int64_t{1} << shift));
  return std::chrono::milliseconds(static_cast<std::int64_t>(options_.random() * ceiling));
}

DeadLetter SecurityHubSink::MakeDeadLetter(const std::string& entry_key, int n,
                                           const asff::FindingIdentifier& finding,
                                           std::string operation, std::string code,
                                           std::string message) {
  DeadLetter d;
  d.key = std::string(kDeadLetterPrefix) + entry_key.substr(kOutboxPrefix.size()) + "-" +
          std::to_string(n);
  d.finding = finding;
  d.operation = std::move(operation);
  d.error_code = std::move(code);
  d.error_message = std::move(message);
  d.at = asff::FormatTimestamp(options_.now());
  return d;
}

Status SecurityHubSink::SendImports(std::vector<PendingFinding>& batch, DrainReport* report) {
  if (batch.empty()) return Status::Ok();
  std::vector<PendingFinding*> pending;
  pending.reserve(batch.size());
  for (auto& f : batch) pending.push_back(&f);
  for (int attempt = 1;; ++attempt) {
    std::string array = "[";
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (i > 0) array += ',';
      array += pending[i]->json;
    }
    array += ']';
    ++report->import_requests;
    if (options_.dry_run) {
      report->imported += pending.size();
      return Status::Ok();
    }
    auto response = api_.BatchImportFindings(array);
    if (!response.ok()) return response.status();
    std::map<std::string, const aws::ImportFailure*> failed;
    for (const auto& f : response->failed) failed[f.id] = &f;
    std::vector<std::string> done;
    std::vector<DeadLetter> dead;
    std::vector<PendingFinding*> again;
    const aws::ImportFailure* last_retryable = nullptr;
    for (PendingFinding* f : pending) {
      auto it = failed.find(f->id.id);
      if (it == failed.end()) {
        done.insert(done.end(), f->keys.begin(), f->keys.end());
        ++report->imported;
      } else if (IsRetryableErrorCode(it->second->error_code)) {
        again.push_back(f);
        last_retryable = it->second;
      } else {
        // One dead letter, named after the first entry; every entry of the finding goes.
        dead.push_back(MakeDeadLetter(f->keys.front(), 0, f->id, "BatchImportFindings",
                                      it->second->error_code, it->second->error_message));
        done.insert(done.end(), f->keys.begin(), f->keys.end());
        report->dead.push_back(dead.back());
        ++report->dead_lettered;
      }
    }
    if (Status s = outbox_.Settle(done, dead); !s.ok()) return s;
    if (again.empty()) return Status::Ok();
    if (attempt >= options_.max_finding_attempts) {
      return Status::LimitExceeded("Security Hub BatchImportFindings still refused " +
                                   std::to_string(again.size()) + " finding(s) after " +
                                   std::to_string(attempt) + " attempts (" +
                                   last_retryable->error_code + ": " +
                                   last_retryable->error_message + "); they stay in the outbox");
    }
    report->retried += again.size();
    options_.sleep(Backoff(attempt));
    pending = std::move(again);
  }
}

Status SecurityHubSink::SendUpdate(const OutboxEntry& entry, DrainReport* report) {
  std::vector<asff::FindingIdentifier> pending;
  // Only findings this store holds: an update of a finding retention deleted has nothing to say.
  for (const auto& id : entry.identifiers) {
    store::StoredFinding stored;
    Status s = store_.Get(id, &stored);
    if (s.ok()) {
      pending.push_back(id);
    } else if (s.code() == Status::Code::kNotFound) {
      ++report->not_stored;
    } else {
      return s;
    }
  }
  int dead_index = 0;
  for (int attempt = 1;; ++attempt) {
    if (pending.empty()) {
      if (options_.dry_run) return Status::Ok();
      const std::string key = entry.key;
      return outbox_.Settle(std::span<const std::string>(&key, 1), {});
    }
    ++report->update_requests;
    if (options_.dry_run) {
      report->updated += pending.size();
      return Status::Ok();
    }
    auto response = api_.BatchUpdateFindings(UpdateRequestJson(pending, entry.changes));
    if (!response.ok()) return response.status();
    std::vector<asff::FindingIdentifier> again;
    std::vector<DeadLetter> dead;
    const aws::UpdateFailure* last_retryable = nullptr;
    for (const auto& u : response->unprocessed) {
      if (IsRetryableErrorCode(u.error_code)) {
        again.push_back(u.identifier);
        last_retryable = &u;
      } else {
        dead.push_back(MakeDeadLetter(entry.key, dead_index++, u.identifier, "BatchUpdateFindings",
                                      u.error_code, u.error_message));
        report->dead.push_back(dead.back());
        ++report->dead_lettered;
      }
    }
    report->updated += response->processed.size();
    // What is left of the entry is written back with the dead letters, atomically, so that a
    // crash neither repeats a dead letter nor forgets a retry.
    std::vector<std::string> done;
    std::vector<std::pair<std::string, std::string>> rewrites;
    if (again.empty()) {
      done.push_back(entry.key);
    } else {
      rewrites.emplace_back(entry.key, UpdateEntryJson(again, entry.changes));
    }
    if (Status s = outbox_.SettleWith(done, dead, rewrites, entry.changes); !s.ok()) return s;
    if (again.empty()) return Status::Ok();
    if (attempt >= options_.max_finding_attempts) {
      return Status::LimitExceeded("Security Hub BatchUpdateFindings still refused " +
                                   std::to_string(again.size()) + " finding(s) after " +
                                   std::to_string(attempt) + " attempts (" +
                                   last_retryable->error_code + ": " +
                                   last_retryable->error_message + "); they stay in the outbox");
    }
    report->retried += again.size();
    options_.sleep(Backoff(attempt));
    pending = std::move(again);
  }
}

Status SecurityHubSink::Drain(DrainReport* report) {
  *report = DrainReport{};
  std::string after;
  Status result;
  for (;;) {
    std::vector<OutboxEntry> entries;
    if (result = outbox_.Read(after, kReadPage, &entries); !result.ok()) break;
    if (entries.empty()) break;
    std::vector<PendingFinding> batch;
    std::map<std::string, std::size_t> batch_index;  // Id -> position in batch
    std::size_t batch_bytes = 2;                     // "[]"
    std::vector<std::string> missing;
    auto flush = [&]() -> Status {
      Status s = SendImports(batch, report);
      batch.clear();
      batch_index.clear();
      batch_bytes = 2;
      return s;
    };
    for (const auto& entry : entries) {
      if (entry.kind == OutboxEntry::Kind::kUpdate) {
        // Order matters: an update follows the imports queued before it.
        if (result = flush(); !result.ok()) break;
        if (result = SendUpdate(entry, report); !result.ok()) break;
        continue;
      }
      if (auto it = batch_index.find(entry.finding.id); it != batch_index.end()) {
        if (batch[it->second].id == entry.finding) {
          batch[it->second].keys.push_back(entry.key);  // the same finding queued again
          continue;
        }
        // Same Id, other product: FailedFindings names findings by Id only, so not together.
        if (result = flush(); !result.ok()) break;
      }
      store::StoredFinding stored;
      Status got = store_.Get(entry.finding, &stored);
      if (got.code() == Status::Code::kNotFound) {
        missing.push_back(entry.key);
        ++report->not_stored;
        continue;
      }
      if (!got.ok()) {
        result = got;
        break;
      }
      std::string& json = stored.core.json;
      if (!batch.empty() && (batch.size() >= options_.max_findings_per_batch ||
                             batch_bytes + json.size() + 1 + 16 > options_.max_batch_bytes)) {
        if (result = flush(); !result.ok()) break;
      }
      batch_index[entry.finding.id] = batch.size();
      batch_bytes += json.size() + 1;
      batch.push_back({entry.finding, std::move(json), {entry.key}});
    }
    if (result.ok()) result = flush();
    if (result.ok() && !options_.dry_run) result = outbox_.Settle(missing, {});
    if (!result.ok()) break;
    after = entries.back().key;
  }
  if (Status s = outbox_.CountPending(&report->remaining); !s.ok() && result.ok()) result = s;
  return result;
}

}  // namespace corroborate::sinks
