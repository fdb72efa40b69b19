#include "correlate/rule_tests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <utility>

#include "asff/json_writer.h"
#include "correlate/correlator.h"
#include "correlate/memory_evidence.h"

namespace corroborate::correlate {
namespace {

int LineOf(const YAML::Node& node) {
  return node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
}

// Raised inside the loader to abandon the file or one case; never crosses the API.
struct TestFailure {
  int line;
  std::string message;
};

[[noreturn]] void FailAt(int line, std::string message) {
  throw TestFailure{line, std::move(message)};
}

[[noreturn]] void Fail(const YAML::Node& at, std::string message) {
  FailAt(LineOf(at), std::move(message));
}

std::string Scalar(const YAML::Node& node, const std::string& what) {
  if (node.IsNull()) Fail(node, what + " is empty");
  if (!node.IsScalar()) Fail(node, what + " must be a single value");
  return node.Scalar();
}

void CheckKeys(const YAML::Node& node, std::initializer_list<std::string_view> keys,
               const std::string& where) {
  for (const auto& kv : node) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    std::string allowed;
    for (std::string_view k : keys) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
    std::string message = "unknown key '" + key + "' in ";
    message += where;
    message += " (" + allowed + ")";
    Fail(kv.first, std::move(message));
  }
}

asff::TimeMs ParseTime(const YAML::Node& node, const std::string& what) {
  const std::string text = Scalar(node, what);
  const auto t = asff::ParseTimestamp(text);
  if (!t)
    Fail(node, what + " must be a timestamp such as 2026-11-23T00:00:00Z, not '" + text + "'");
  return *t;
}

bool ParseBool(const YAML::Node& node, const std::string& what) {
  const std::string text = Scalar(node, what);
  if (text != "true" && text != "false") Fail(node, what + " must be true or false");
  return text == "true";
}

std::vector<std::string> ScalarList(const YAML::Node& node, const std::string& what) {
  std::vector<std::string> out;
  if (!node.IsSequence()) {
    out.push_back(Scalar(node, what));
    return out;
  }
  for (const auto& item : node) out.push_back(Scalar(item, what));
  return out;
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t begin = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - begin;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (digits() == 0) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// YAML to JSON, keeping the types a finding written as JSON would have (see the contract).
void AppendJson(const YAML::Node& node, std::string& out) {
  switch (node.Type()) {
    case YAML::NodeType::Null: out += "null"; return;
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      // "?" is the non-specific tag of a plain scalar; quoted and block scalars have "!".
      if (node.Tag() == "?" && (s == "true" || s == "false" || IsJsonNumber(s))) {
        out += s;
      } else {
        asff::AppendJsonString(out, s);
      }
      return;
    }
    case YAML::NodeType::Sequence: {
      out += '[';
      bool first = true;
      for (const auto& item : node) {
        if (!first) out += ',';
        first = false;
        AppendJson(item, out);
      }
      out += ']';
      return;
    }
    case YAML::NodeType::Map: {
      out += '{';
      bool first = true;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) Fail(kv.first, "a key in a finding must be a plain string");
        if (!first) out += ',';
        first = false;
        asff::AppendJsonString(out, kv.first.Scalar());
        out += ':';
        AppendJson(kv.second, out);
      }
      out += '}';
      return;
    }
    case YAML::NodeType::Undefined: break;
  }
  Fail(node, "a value in a finding is undefined");
}

// A finding as written: its top-level members as JSON text, so patches can replace them.
struct Fixture {
  std::vector<std::pair<std::string, std::string>> members;
  asff::Finding finding;  // decoded, with its JSON
};

// Decodes the members into fixture.finding, or fails at `line` with Security Hub's reason.
void Decode(Fixture& fixture, int line, const std::string& what) {
  std::string json = "{";
  for (const auto& [key, value] : fixture.members) {
    if (json.size() > 1) json += ',';
    asff::AppendJsonString(json, key);
    json += ':';
    json += value;
  }
  json += '}';
  asff::Finding decoded;
  if (Status s = asff::DecodeFindingText(json, decoded); !s.ok())
    FailAt(line, what + ": " + s.message());
  decoded.json = std::move(json);
  fixture.finding = std::move(decoded);
}

Fixture ParseFixture(const YAML::Node& node) {
  if (!node.IsMap()) Fail(node, "a finding must be a map of ASFF fields");
  Fixture fixture;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) Fail(kv.first, "a key in a finding must be a plain string");
    std::string value;
    AppendJson(kv.second, value);
    fixture.members.emplace_back(kv.first.Scalar(), std::move(value));
  }
  const YAML::Node id = node["Id"];
  Decode(fixture, LineOf(node),
         id && id.IsScalar() ? "finding '" + id.Scalar() + "'" : std::string("finding"));
  return fixture;
}

std::vector<Fixture> ParseFixtures(const YAML::Node& node, const std::string& what) {
  if (!node.IsSequence()) Fail(node, what + " must be a list of findings");
  std::vector<Fixture> out;
  for (const auto& item : node) out.push_back(ParseFixture(item));
  return out;
}

bool SameIdentity(const asff::Finding& a, const asff::Finding& b) {
  return a.id == b.id && a.product_arn == b.product_arn;
}

std::vector<asff::Finding> FindingsOf(const std::vector<Fixture>& fixtures) {
  std::vector<asff::Finding> out;
  out.reserve(fixtures.size());
  for (const Fixture& f : fixtures) out.push_back(f.finding);
  return out;
}

void ApplyPatch(const YAML::Node& item, std::vector<Fixture>& set) {
  if (!item.IsMap()) Fail(item, "a patch must be a map with id and set");
  CheckKeys(item, {"id", "set"}, "a patch");
  if (!item["id"]) Fail(item, "a patch needs the id of the finding it changes");
  const std::string id = Scalar(item["id"], "patch id");
  Fixture* target = nullptr;
  for (Fixture& f : set) {
    if (f.finding.id != id) continue;
    if (target != nullptr) Fail(item["id"], "patch: more than one finding has the Id '" + id + "'");
    target = &f;
  }
  if (target == nullptr) Fail(item["id"], "patch: no finding has the Id '" + id + "'");
  const YAML::Node changes = item["set"];
  if (!changes || !changes.IsMap()) Fail(changes ? changes : item, "a patch needs a map `set`");
  for (const auto& kv : changes) {
    if (!kv.first.IsScalar()) Fail(kv.first, "a key in a patch must be a plain string");
    const std::string key = kv.first.Scalar();
    auto& members = target->members;
    auto it = std::find_if(members.begin(), members.end(),
                           [&](const auto& member) { return member.first == key; });
    if (kv.second.IsNull()) {  // null removes the member
      if (it != members.end()) members.erase(it);
      continue;
    }
    std::string value;
    AppendJson(kv.second, value);
    if (it != members.end()) {
      it->second = std::move(value);
    } else {
      members.emplace_back(key, std::move(value));
    }
  }
  Decode(*target, LineOf(item), "patch of finding '" + id + "'");
}

RuleTestCase ParseCase(const YAML::Node& node, const std::vector<Fixture>& base,
                       std::set<std::string>& names) {
  if (!node.IsMap()) Fail(node, "a case must be a map with name, resource, expect and findings");
  CheckKeys(node,
            {"name", "resource", "expect", "now", "findings", "without", "patch", "with",
             "explain_contains", "expect_resource_type", "archives"},
            "a case");
  RuleTestCase c;
  c.line = LineOf(node);
  if (!node["name"]) Fail(node, "a case needs a name");
  c.name = Scalar(node["name"], "name");
  if (!names.insert(c.name).second) Fail(node["name"], "duplicate case name '" + c.name + "'");
  const std::string label = "case '" + c.name + "'";
  if (!node["resource"]) {
    Fail(node, label + " needs a resource (the resource the rule groups, e.g. an instance ARN)");
  }
  c.resource = Scalar(node["resource"], "resource");
  if (!node["expect"]) Fail(node, label + " needs expect: fire or no-fire");
  const std::string expect = Scalar(node["expect"], "expect");
  if (expect != "fire" && expect != "no-fire") {
    Fail(node["expect"], "expect must be fire or no-fire, not '" + expect + "'");
  }
  c.expect_fire = expect == "fire";
  if (node["now"]) c.now = ParseTime(node["now"], "now");
  if (node["explain_contains"]) {
    c.explain_contains = ScalarList(node["explain_contains"], "explain_contains");
  }
  if (node["expect_resource_type"]) {
    if (!c.expect_fire)
      Fail(node["expect_resource_type"], "expect_resource_type needs expect: fire");
    c.expect_resource_type = Scalar(node["expect_resource_type"], "expect_resource_type");
  }
  if (node["archives"]) {
    c.archives = ParseBool(node["archives"], "archives");
    if (c.archives && c.expect_fire) {
      Fail(node["archives"], "archives needs expect: no-fire (the edits withdraw the incident)");
    }
  }

  std::vector<Fixture> set = node["findings"] ? ParseFixtures(node["findings"], "findings") : base;
  c.start = FindingsOf(set);
  bool edited = false;
  if (const YAML::Node without = node["without"]) {
    for (const std::string& id : ScalarList(without, "without")) {
      const size_t before = set.size();
      std::erase_if(set, [&](const Fixture& f) { return f.finding.id == id; });
      if (set.size() == before) Fail(without, "without: no finding has the Id '" + id + "'");
    }
    edited = true;
  }
  if (const YAML::Node patches = node["patch"]) {
    if (!patches.IsSequence()) Fail(patches, "patch must be a list of {id, set}");
    for (const auto& item : patches) ApplyPatch(item, set);
    edited = true;
  }
  if (const YAML::Node with = node["with"]) {
    for (Fixture& added : ParseFixtures(with, "with")) {
      auto it = std::find_if(set.begin(), set.end(), [&](const Fixture& f) {
        return SameIdentity(f.finding, added.finding);
      });
      if (it != set.end()) {
        *it = std::move(added);
      } else {
        set.push_back(std::move(added));
      }
    }
    edited = true;
  }
  if (set.empty()) {
    Fail(node, label + " has no findings (give them at the top of the file or in the case)");
  }
  if (c.archives && !edited) {
    Fail(node["archives"],
         "archives needs the case to change the starting findings (without, "
         "patch or with)");
  }
  c.findings = FindingsOf(set);
  return c;
}

const Rule* FindRule(const std::vector<Rule>& rules, std::string_view id) {
  for (const Rule& r : rules) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

// Runs `parse`, turning a failure into an error; returns whether it succeeded.
template <typename Fn>
bool Guard(const std::string& file, std::vector<RuleError>& errors, Fn&& parse) {
  try {
    parse();
    return true;
  } catch (const TestFailure& f) {
    errors.push_back({file, f.line, f.message});
  } catch (const YAML::Exception& e) {
    errors.push_back({file, e.mark.line + 1, "YAML: " + e.msg});
  }
  return false;
}

// One second after the latest time any of the findings carries.
asff::TimeMs DefaultNow(const std::vector<asff::Finding>& findings) {
  asff::TimeMs latest = 0;
  for (const asff::Finding& f : findings) {
    latest = std::max({latest, f.created_at, f.updated_at, f.last_observed_at.value_or(0)});
  }
  return latest + 1000;
}

// The canonical key of the case's resource: as given, or the key of a resource the findings give
// that Id. Empty when no finding names it.
std::string ResolveResource(const std::vector<asff::Finding>& findings, const std::string& given) {
  std::string by_id;
  for (const asff::Finding& f : findings) {
    for (const asff::Resource& r : f.resources) {
      if (r.canonical_key == given) return given;
      if (r.id == given && by_id.empty()) by_id = r.canonical_key;
    }
  }
  return by_id;
}

// Each condition's verdict with the evidence it counted, then the rule's verdict.
std::string Explanation(const RuleExplanation& e) {
  const Evaluation& ev = e.evaluation;
  std::string out;
  size_t verdict = 0;
  for (size_t k = 0; k < ev.conditions.size(); ++k) {
    out += ev.conditions[k].explanation + "\n";
    if (k < e.condition_evidence.size()) {
      for (const EvidenceItem& item : e.condition_evidence[k]) {
        out += "  " + item.product_name + " " + std::string(asff::ToString(item.severity)) + ": " +
               item.title + "\n";
      }
    }
    const size_t eol = ev.explanation.find('\n', verdict);
    verdict = eol == std::string::npos ? ev.explanation.size() : eol + 1;
  }
  out += ev.explanation.substr(verdict);
  return out;
}

const CorrelatedChange* FindChange(const std::vector<CorrelatedChange>& changes,
                                   const std::string& rule_id, const std::string& key,
                                   CorrelatedChange::Kind kind) {
  for (const CorrelatedChange& c : changes) {
    if (c.rule->id == rule_id && c.group.canonical_key == key && c.kind == kind) return &c;
  }
  return nullptr;
}

// A finding put into the evidence, with the version it was stored as.
struct StoredFinding {
  const asff::Finding* finding;
  std::uint64_t version;
};

// Imports the stored findings as ingest would (Touch, then Run) and returns the changes.
Status Import(Correlator& correlator, const std::vector<StoredFinding>& touched, asff::TimeMs now,
              std::vector<CorrelatedChange>* changes) {
  for (const StoredFinding& f : touched) {
    correlator.Touch(*f.finding, f.finding->json, now, f.version);
  }
  if (Status s = correlator.Run(now, changes); !s.ok()) return s;
  return correlator.Drain(now, changes);  // a case's verdict is the whole outcome, not a budget's
}

class CaseRunner {
 public:
  CaseRunner(const RuleTestFile& tests, const RuleTestCase& test_case,
             const std::vector<Rule>& rules)
      : tests_(tests), case_(test_case), rules_(rules) {
    result_.file = tests.file;
    result_.line = test_case.line;
    result_.rule_id = tests.rule_id;
    result_.name = test_case.name;
  }

  RuleTestResult Run() {
    const asff::TimeMs now = case_.now.value_or(tests_.now.value_or(DefaultNow(case_.findings)));
    key_ = ResolveResource(case_.findings, case_.resource);
    if (key_.empty()) {
      Failure("no finding of the case names the resource " + case_.resource);
    } else if (Verdict(now) && case_.archives) {
      CheckArchives(now);
    }
    result_.passed = result_.failures.empty();
    return std::move(result_);
  }

 private:
  void Failure(std::string why) { result_.failures.push_back(std::move(why)); }

  // Explain's verdict against the expectations, and the import path against Explain. Returns
  // false when the rule could not be evaluated at all.
  bool Verdict(asff::TimeMs now) {
    MemoryEvidence evidence;
    std::vector<StoredFinding> all;
    for (const asff::Finding& f : case_.findings) all.push_back({&f, evidence.Add(f)});
    Correlator correlator(rules_, evidence);
    std::vector<RuleExplanation> explanations;
    Status s = correlator.Explain(key_, tests_.rule_id, now, &explanations);
    if (s.ok() && explanations.size() != 1) s = Status::Internal("Explain returned no evaluation");
    if (!s.ok()) {
      Failure(s.message());
      return false;
    }
    const RuleExplanation& e = explanations.front();
    result_.explanation = Explanation(e);
    const bool fires = e.evaluation.fires;
    if (fires != case_.expect_fire) {
      Failure(case_.expect_fire ? "expected the rule to fire on " + key_ + "; it does not"
                                : "expected the rule not to fire on " + key_ + "; it fires");
    }
    for (const std::string& line : case_.explain_contains) {
      if (result_.explanation.find(line) == std::string::npos) {
        Failure("the explanation does not contain '" + line + "'");
      }
    }

    std::vector<CorrelatedChange> changes;
    if (s = correlator.Start(); s.ok()) s = Import(correlator, all, now, &changes);
    if (!s.ok()) {
      Failure("importing the findings failed: " + s.message());
      return false;
    }
    const CorrelatedChange* incident =
        FindChange(changes, tests_.rule_id, key_, CorrelatedChange::Kind::kCreated);
    if (fires && incident == nullptr) {
      Failure("Explain says the rule fires, but importing the findings raises no incident on " +
              key_);
    } else if (!fires && incident != nullptr) {
      Failure("importing the findings raises an incident on " + key_ +
              " though Explain says the rule does not fire");
    }
    if (incident != nullptr && case_.expect_fire) CheckIncident(*incident, e.group.type);
    return true;
  }

  void CheckIncident(const CorrelatedChange& incident, const std::string& group_type) {
    asff::Finding f;
    if (Status s = asff::DecodeFindingText(incident.json, f); !s.ok()) {
      Failure("the correlated finding is not valid ASFF: " + s.message());
      return;
    }
    const std::string type = f.resources.empty() ? "" : f.resources[0].type;
    const std::string key = f.resources.empty() ? "" : f.resources[0].canonical_key;
    if (type != group_type || key != key_) {
      Failure("the correlated finding names " + type + " " + key + ", not the grouped " +
              group_type + " " + key_);
    }
    if (!case_.expect_resource_type.empty() && type != case_.expect_resource_type) {
      Failure("the correlated finding's Resources[0].Type is " + type + ", not " +
              case_.expect_resource_type);
    }
  }

  // The starting findings raise the incident; importing the case's edits must archive it.
  void CheckArchives(asff::TimeMs now) {
    const asff::TimeMs start_now = case_.now.value_or(tests_.now.value_or(DefaultNow(case_.start)));
    now = std::max(now, start_now);
    MemoryEvidence store;
    Correlator correlator(rules_, store);
    std::vector<StoredFinding> touched;
    for (const asff::Finding& f : case_.start) touched.push_back({&f, store.Add(f)});
    std::vector<CorrelatedChange> changes;
    Status s = correlator.Start();
    if (s.ok()) s = Import(correlator, touched, start_now, &changes);
    if (!s.ok()) {
      Failure("archives: importing the starting findings failed: " + s.message());
      return;
    }
    if (FindChange(changes, tests_.rule_id, key_, CorrelatedChange::Kind::kCreated) == nullptr) {
      Failure("archives: the starting findings raise no incident on " + key_ + " to archive");
      return;
    }
    for (const CorrelatedChange& change : changes) {  // stored, as the pipeline would
      asff::Finding f;
      if (s = asff::DecodeFindingText(change.json, f); !s.ok()) {
        Failure("archives: the correlated finding is not valid ASFF: " + s.message());
        return;
      }
      f.json = change.json;
      store.Add(std::move(f));
    }
    correlator.Stored(changes);

    touched.clear();
    for (const asff::Finding& f : case_.start) {
      const bool kept = std::any_of(case_.findings.begin(), case_.findings.end(),
                                    [&](const asff::Finding& g) { return SameIdentity(f, g); });
      if (!kept) {
        store.Remove(f.identifier());
        correlator.Forget();  // a deletion the correlator is not told of otherwise
      }
    }
    for (const asff::Finding& f : case_.findings) {
      const bool unchanged =
          std::any_of(case_.start.begin(), case_.start.end(),
                      [&](const auto& g) { return SameIdentity(f, g) && f.json == g.json; });
      if (unchanged) continue;
      touched.push_back({&f, store.Add(f)});
    }
    changes.clear();
    s = Import(correlator, touched, now, &changes);
    if (s.ok()) {
      correlator.Stored(changes);
      s = correlator.Sweep(now, &changes);
    }
    if (!s.ok()) {
      Failure("archives: importing failed: " + s.message());
      return;
    }
    const CorrelatedChange* archived =
        FindChange(changes, tests_.rule_id, key_, CorrelatedChange::Kind::kArchived);
    asff::Finding f;
    if (archived == nullptr) {
      Failure("archives: importing the case's changes does not archive the incident on " + key_);
    } else if (s = asff::DecodeFindingText(archived->json, f); !s.ok()) {
      Failure("archives: the archived correlated finding is not valid ASFF: " + s.message());
    } else if (f.record_state != asff::RecordState::kArchived) {
      Failure("archives: the withdrawn correlated finding is not ARCHIVED");
    }
  }

  const RuleTestFile& tests_;
  const RuleTestCase& case_;
  const std::vector<Rule>& rules_;
  std::string key_;
  RuleTestResult result_;
};

}  // namespace

RuleTestFile LoadRuleTests(std::string_view yaml_text, std::string_view file_name,
                           const std::vector<Rule>& rules, std::vector<RuleError>& errors) {
  RuleTestFile out;
  out.file = std::string(file_name);
  YAML::Node root;
  if (!Guard(out.file, errors, [&] { root = YAML::Load(std::string(yaml_text)); })) return out;
  const bool header_ok = Guard(out.file, errors, [&] {
    if (!root.IsMap()) Fail(root, "a rule test file must be a map with rule and cases");
    CheckKeys(root, {"rule", "description", "now", "findings", "cases"}, "a rule test file");
    out.line = LineOf(root);
    if (!root["rule"]) Fail(root, "a rule test file needs the id of the rule it tests (rule: id)");
    out.rule_id = Scalar(root["rule"], "rule");
    if (FindRule(rules, out.rule_id) == nullptr) {
      std::string known;
      for (const Rule& r : rules) known += (known.empty() ? "" : ", ") + r.id;
      Fail(root["rule"], "no rule has the id '" + out.rule_id + "' (loaded: " + known + ")");
    }
    if (root["now"]) out.now = ParseTime(root["now"], "now");
    const YAML::Node cases = root["cases"];
    if (!cases || !cases.IsSequence() || cases.size() == 0) {
      Fail(cases ? cases : root, "a rule test file needs a list of cases");
    }
    if (root["findings"] && !root["findings"].IsSequence()) {
      Fail(root["findings"], "findings must be a list of findings");
    }
  });
  if (!header_ok) return out;

  // Every invalid base finding is reported; any of them refuses the file (every case uses them).
  std::vector<Fixture> base;
  bool base_ok = true;
  if (const YAML::Node findings = root["findings"]) {
    for (const auto& item : findings) {
      base_ok &= Guard(out.file, errors, [&] { base.push_back(ParseFixture(item)); });
    }
  }
  if (!base_ok) return out;
  std::set<std::string> names;
  for (const auto& item : root["cases"]) {
    Guard(out.file, errors, [&] { out.cases.push_back(ParseCase(item, base, names)); });
  }
  return out;
}

RuleTestResult RunRuleTestCase(const RuleTestFile& tests, const RuleTestCase& test_case,
                               const std::vector<Rule>& rules) {
  return CaseRunner(tests, test_case, rules).Run();
}

std::vector<RuleTestResult> RunRuleTests(const RuleTestFile& tests,
                                         const std::vector<Rule>& rules) {
  std::vector<RuleTestResult> out;
  out.reserve(tests.cases.size());
  for (const RuleTestCase& c : tests.cases) out.push_back(RunRuleTestCase(tests, c, rules));
  return out;
}

}  // namespace corroborate::correlate
