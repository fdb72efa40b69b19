#include "pipeline/resource_view.h"

#include <algorithm>
#include <map>
#include <set>

#include "asff/json_writer.h"
#include "filter/filter.h"
#include "pipeline/correlation.h"

namespace corroborate::pipeline {

std::string_view ToString(RelationProvenance::Kind kind) {
  switch (kind) {
    case RelationProvenance::Kind::kInventory: return "inventory";
    case RelationProvenance::Kind::kFinding: return "finding";
    case RelationProvenance::Kind::kGone: return "gone";
  }
  return "?";
}

bool RelationView::counts() const {
  return std::any_of(provenance.begin(), provenance.end(),
                     [](const RelationProvenance& p) { return p.counts; });
}

namespace {

// Where one stored version stating a relation of `key` to `related` comes from.
Status Provenance(store::FindingStore& store, std::string_view key, std::string_view related,
                  const store::RelatedResource& entry, asff::TimeMs now, RelationProvenance* out) {
  out->version = entry.version;
  out->expires_at = entry.expires_at;
  out->counts = entry.expires_at == 0 || entry.expires_at > now;
  store::StoredInventoryItem item;
  Status s = store.InventoryItemOfVersion(entry.version, &item);
  if (s.ok()) {
    out->kind = RelationProvenance::Kind::kInventory;
    out->source = item.item.source;
    out->subject = item.item.subject_key;
    out->last_seen = item.last_seen;
    for (const inventory::Relation& r : item.item.relations) {
      if ((r.from_key == key && r.to_key == related) ||
          (r.from_key == related && r.to_key == key)) {
        out->name = r.name;
        break;
      }
    }
    return Status::Ok();
  }
  if (s.code() != Status::Code::kNotFound) return s;
  store::StoredFinding finding;
  s = store.GetVersion(entry.version, &finding);
  if (s.code() == Status::Code::kNotFound) {  // replaced since the index was read
    out->kind = RelationProvenance::Kind::kGone;
    out->counts = false;
    return Status::Ok();
  }
  if (!s.ok()) return s;
  out->kind = RelationProvenance::Kind::kFinding;
  out->finding = finding.core.identifier();
  out->product_name = finding.core.product_name;
  out->last_seen = finding.core.last_observed_at.value_or(finding.core.updated_at);
  return Status::Ok();
}

}  // namespace

Status DescribeResource(store::FindingStore& store, const std::vector<correlate::Rule>& rules,
                        std::string_view key, asff::TimeMs now, ResourceView* out,
                        const DescribeOptions& options) {
  *out = {};
  out->key = std::string(key);
  out->as_of = now;
  std::vector<store::StoredFinding> stored;
  if (Status s = store.FindingsForResource(key, &stored); !s.ok()) return s;
  for (store::StoredFinding& f : stored) {
    for (const asff::Resource& r : f.core.resources) {
      if (r.canonical_key == key && out->type.empty()) out->type = r.type;
    }
    out->findings.push_back(std::move(f.core));
  }
  if (Status s = store.InventoryItemsOf(key, &out->inventory); !s.ok()) return s;
  for (const store::StoredInventoryItem& item : out->inventory) {
    if (out->type.empty()) out->type = item.item.subject_type;
  }
  std::vector<store::RelatedResource> related;
  if (Status s = store.RelatedResources(key, &related); !s.ok()) return s;
  if (out->findings.empty() && out->inventory.empty() && related.empty()) {
    return Status::NotFound("no stored finding, inventory item or relation names the resource " +
                            std::string(key));
  }
  if (out->type.empty()) out->type = inventory::TypeOfKey(key);
  if (out->type.empty()) out->type = "Other";

  std::map<std::pair<std::string, std::string>, std::vector<const store::RelatedResource*>> by_key;
  for (const store::RelatedResource& r : related) by_key[{r.type, r.key}].push_back(&r);
  out->relations_total = by_key.size();
  for (const auto& [type_key, entries] : by_key) {
    if (out->relations.size() >= options.max_relations) break;
    RelationView& view = out->relations.emplace_back();
    view.type = type_key.first;
    view.key = type_key.second;
    for (const store::RelatedResource* entry : entries) {
      if (Status s = Provenance(store, key, view.key, *entry, now, &view.provenance.emplace_back());
          !s.ok()) {
        return s;
      }
    }
  }

  StoreEvidence evidence(store);
  correlate::Correlator correlator(rules, evidence);
  Status explained = correlator.Explain(key, "", now, &out->rules, out->type);
  if (explained.code() == Status::Code::kNotFound ||
      explained.code() == Status::Code::kInvalidInput) {
    out->rules_note = explained.message();
  } else if (!explained.ok()) {
    return explained;
  }
  return Status::Ok();
}

void WriteRuleExplanationJson(asff::JsonWriter& w, const correlate::RuleExplanation& e) {
  w.BeginObject().Key("RuleId").String(e.rule->id);
  w.Key("Rule").BeginObject().Key("Id").String(e.rule->id).Key("Title").String(e.rule->title);
  w.Key("Severity").String(asff::ToString(e.rule->severity)).EndObject();
  w.Key("Group")
      .BeginObject()
      .Key("Id")
      .String(e.group.canonical_key)
      .Key("Type")
      .String(e.group.type);
  w.EndObject();
  w.Key("Fires").Bool(e.evaluation.fires);
  w.Key("Incident");
  if (e.stored) {
    w.BeginObject().Key("Id").String(e.stored->id);
    w.Key("RecordState").String(asff::ToString(e.stored->record_state));
    w.Key("WorkflowStatus").String(asff::ToString(e.stored->workflow_status)).EndObject();
  } else {
    w.Null();
  }
  w.Key("Conditions").BeginArray();
  for (size_t k = 0; k < e.rule->conditions.size() && k < e.evaluation.conditions.size(); ++k) {
    const auto& c = e.evaluation.conditions[k];
    w.BeginObject().Key("Name").String(e.rule->conditions[k].name).Key("Holds").Bool(c.holds);
    w.Key("Explanation").String(c.explanation).Key("Evidence").BeginArray();
    for (const correlate::EvidenceItem& item : e.condition_evidence[k]) {
      w.BeginObject().Key("ProductArn").String(item.id.product_arn).Key("Id").String(item.id.id);
      w.Key("ProductName").String(item.product_name).Key("Title").String(item.title);
      w.Key("SeverityLabel").String(asff::ToString(item.severity));
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  // The evaluation's last line is the verdict (require and ordered); the others are per condition.
  std::string_view verdict = e.evaluation.explanation;
  while (!verdict.empty() && verdict.back() == '\n') verdict.remove_suffix(1);
  if (const size_t nl = verdict.rfind('\n'); nl != std::string_view::npos) {
    verdict = verdict.substr(nl + 1);
  }
  w.Key("Verdict").String(verdict);
  w.EndObject();
}

std::string ResourceViewJson(const ResourceView& view) {
  std::string out;
  asff::JsonWriter w(out);
  auto time = [&](std::string_view name, asff::TimeMs t) {
    w.Key(name);
    if (t == 0) {
      w.Null();
    } else {
      w.String(asff::FormatTimestamp(t));
    }
  };
  w.BeginObject();
  w.Key("Resource").BeginObject().Key("Id").String(view.key).Key("Type").String(view.type);
  w.EndObject();
  time("AsOf", view.as_of);
  w.Key("Inventory").BeginArray();
  for (const store::StoredInventoryItem& s : view.inventory) {
    w.BeginObject().Key("Source").String(s.item.source).Key("SubjectId").String(s.item.subject_id);
    w.Key("Type")
        .String(s.item.subject_type)
        .Key("Version")
        .Int(static_cast<std::int64_t>(s.version));
    time("ObservedAt", s.item.observed_at);
    time("FirstSeen", s.first_seen);
    time("LastSeen", s.last_seen);
    time("ExpiresAt", s.expires_at);
    w.Key("Counts").Bool(s.expires_at == 0 || s.expires_at > view.as_of);
    w.Key("Deleted").Bool(s.item.deleted);
    w.Key("Attributes").BeginObject();
    for (const auto& [k, v] : s.item.attributes) w.Key(k).String(v);
    w.EndObject();
    w.Key("Relations").BeginArray();
    for (const inventory::Relation& r : s.item.relations) {
      w.BeginObject().Key("From").String(r.from_key).Key("FromType").String(r.from_type);
      w.Key("To").String(r.to_key).Key("ToType").String(r.to_type).Key("Name").String(r.name);
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("Relations").BeginArray();
  for (const RelationView& r : view.relations) {
    w.BeginObject().Key("Id").String(r.key).Key("Type").String(r.type).Key("Counts").Bool(
        r.counts());
    w.Key("Provenance").BeginArray();
    for (const RelationProvenance& p : r.provenance) {
      w.BeginObject().Key("Kind").String(ToString(p.kind));
      w.Key("Version").Int(static_cast<std::int64_t>(p.version));
      if (p.kind == RelationProvenance::Kind::kInventory) {
        w.Key("Source").String(p.source).Key("Subject").String(p.subject).Key("Name").String(
            p.name);
      } else if (p.kind == RelationProvenance::Kind::kFinding) {
        w.Key("ProductArn").String(p.finding.product_arn).Key("Id").String(p.finding.id);
        w.Key("ProductName").String(p.product_name);
      }
      time("LastSeen", p.last_seen);
      time("ExpiresAt", p.expires_at);
      w.Key("Counts").Bool(p.counts).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("RelationsTotal").Int(static_cast<std::int64_t>(view.relations_total));
  w.Key("Findings").BeginArray();
  for (const asff::Finding& f : view.findings) w.Raw(f.json);
  w.EndArray();
  w.Key("Rules").BeginArray();
  for (const correlate::RuleExplanation& e : view.rules) WriteRuleExplanationJson(w, e);
  w.EndArray();
  if (!view.rules_note.empty()) w.Key("RulesNote").String(view.rules_note);
  w.EndObject();
  return out;
}

Result<std::string> ResolveResourceKey(store::FindingStore& store, std::string_view given_text,
                                       asff::TimeMs now) {
  const std::string given(given_text);
  std::vector<store::StoredFinding> found;
  if (Status s = store.FindingsForResource(given, &found); !s.ok()) return s;
  if (!found.empty()) return given;
  std::string filter_json;
  asff::JsonWriter w(filter_json);
  w.BeginObject().Key("ResourceId").BeginArray();
  w.BeginObject().Key("Value").String(given).Key("Comparison").String("CONTAINS").EndObject();
  w.EndArray().EndObject();
  auto filter = filter::FindingFilter::ParseText(filter_json);
  if (!filter.ok()) return filter.status();
  std::set<std::string> keys;
  store::QueryRequest request;
  request.filter = &*filter;
  do {
    store::QueryPage page;
    if (Status s = store.Query(request, now, &page); !s.ok()) return s;
    for (const auto& json : page.findings) {
      asff::Finding f;
      if (!asff::DecodeFindingText(json, f).ok()) continue;
      for (const auto& r : f.resources) {
        const std::string_view id = r.id;
        if (id == given || id.ends_with("/" + given) || id.ends_with(":" + given)) {
          keys.insert(r.canonical_key);
        }
      }
    }
    request.next_token = page.next_token;
  } while (!request.next_token.empty() && keys.size() < 2);
  if (keys.empty()) return Status::NotFound("no stored finding names the resource " + given);
  if (keys.size() > 1) {
    std::string list;
    for (const auto& k : keys) list += "\n  " + k;
    return Status::InvalidInput("several resources match " + given + "; give one of:" + list);
  }
  return *keys.begin();
}

}  // namespace corroborate::pipeline
