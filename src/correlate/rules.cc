#include "correlate/rules.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <set>

#include "asff/json_writer.h"
#include "filter/field_table.h"

namespace corroborate::correlate {
namespace {

int LineOf(const YAML::Node& node) {
  return node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
}

// Raised inside the loader to abandon one rule; never crosses the API.
struct RuleFailure {
  int line;
  std::string message;
};

[[noreturn]] void Fail(const YAML::Node& at, std::string message) {
  throw RuleFailure{LineOf(at), std::move(message)};
}

std::string Scalar(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) Fail(node, std::string(what) + " must be a single value");
  return node.Scalar();
}

double Number(const YAML::Node& node, std::string_view what) {
  const std::string s = Scalar(node, what);
  try {
    size_t used = 0;
    const double d = std::stod(s, &used);
    if (used == s.size()) return d;
  } catch (const std::exception&) {
  }
  Fail(node, std::string(what) + " must be a number, not '" + s + "'");
}

constexpr std::string_view kComparisons[] = {
    "equals",   "prefix",       "not_equals",   "prefix_not_equals",
    "contains", "not_contains", "contains_word"};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void WriteStringEntry(asff::JsonWriter& w, const std::string& value,
                      const std::string& comparison) {
  w.BeginObject().Key("Value").String(value).Key("Comparison").String(comparison).EndObject();
}

// One filter field, in Security Hub's form or the shorthand, as AwsSecurityFindingFilters JSON.
void WriteField(asff::JsonWriter& w, const filter::FieldInfo& field, const YAML::Node& value) {
  using filter::FilterType;
  w.Key(field.name).BeginArray();
  auto each = [&](auto&& fn) {
    if (value.IsSequence()) {
      for (const auto& item : value) fn(item);
    } else {
      fn(value);
    }
  };
  switch (field.type) {
    case FilterType::kString:
      each([&](const YAML::Node& item) {
        if (item.IsScalar()) {
          WriteStringEntry(w, item.Scalar(), "EQUALS");
        } else if (item.IsMap() && item["Value"]) {
          WriteStringEntry(
              w, Scalar(item["Value"], "Value"),
              item["Comparison"] ? Scalar(item["Comparison"], "Comparison") : "EQUALS");
        } else if (item.IsMap() && item.size() == 1) {
          const std::string comparison = item.begin()->first.Scalar();
          bool known = false;
          for (auto c : kComparisons) known = known || c == comparison;
          if (!known) {
            Fail(item, "unknown comparison '" + comparison + "' for " + std::string(field.name) +
                           " (use equals, prefix, not_equals, prefix_not_equals, contains, "
                           "not_contains or contains_word)");
          }
          const YAML::Node operand = item.begin()->second;
          if (operand.IsSequence()) {
            for (const auto& v : operand)
              WriteStringEntry(w, Scalar(v, field.name), Upper(comparison));
          } else {
            WriteStringEntry(w, Scalar(operand, field.name), Upper(comparison));
          }
        } else {
          Fail(item, std::string(field.name) +
                         ": expected a value, a list of values or {comparison: value}");
        }
      });
      break;
    case FilterType::kNumber:
      each([&](const YAML::Node& item) {
        w.BeginObject();
        if (item.IsScalar()) {
          w.Key("Eq").Double(Number(item, field.name));
        } else if (item.IsMap()) {
          for (const auto& kv : item)
            w.Key(kv.first.Scalar()).Double(Number(kv.second, kv.first.Scalar()));
        } else {
          Fail(item, std::string(field.name) + ": expected a number or {Gte: n, Lte: n, ...}");
        }
        w.EndObject();
      });
      break;
    case FilterType::kDate:
      each([&](const YAML::Node& item) {
        if (!item.IsMap())
          Fail(item, std::string(field.name) + ": expected {Start, End} or {DateRange: ...}");
        w.BeginObject();
        for (const auto& kv : item) {
          const std::string key = kv.first.Scalar();
          if (key == "DateRange") {
            w.Key("DateRange").BeginObject();
            for (const auto& r : kv.second) {
              if (r.first.Scalar() == "Value") {
                w.Key("Value").Int(static_cast<std::int64_t>(Number(r.second, "DateRange.Value")));
              } else {
                w.Key(r.first.Scalar()).String(Scalar(r.second, r.first.Scalar()));
              }
            }
            w.EndObject();
          } else {
            w.Key(key).String(Scalar(kv.second, key));
          }
        }
        w.EndObject();
      });
      break;
    case FilterType::kMap:
      each([&](const YAML::Node& item) {
        if (!item.IsMap())
          Fail(item,
               std::string(field.name) + ": expected {key: value} or {Key, Value, Comparison}");
        if (item["Key"]) {
          w.BeginObject().Key("Key").String(Scalar(item["Key"], "Key"));
          w.Key("Value").String(item["Value"] ? Scalar(item["Value"], "Value") : "");
          w.Key("Comparison")
              .String(item["Comparison"] ? Scalar(item["Comparison"], "Comparison") : "EQUALS");
          w.EndObject();
        } else {
          for (const auto& kv : item) {
            w.BeginObject()
                .Key("Key")
                .String(kv.first.Scalar())
                .Key("Value")
                .String(Scalar(kv.second, kv.first.Scalar()));
            w.Key("Comparison").String("EQUALS").EndObject();
          }
        }
      });
      break;
    case FilterType::kBoolean:
      each([&](const YAML::Node& item) {
        const std::string s = item.IsMap() && item["Value"] ? Scalar(item["Value"], "Value")
                                                            : Scalar(item, field.name);
        if (s != "true" && s != "false")
          Fail(item, std::string(field.name) + " must be true or false");
        w.BeginObject().Key("Value").Bool(s == "true").EndObject();
      });
      break;
    case FilterType::kIp:
      each([&](const YAML::Node& item) {
        const std::string cidr =
            item.IsMap() && item["Cidr"] ? Scalar(item["Cidr"], "Cidr") : Scalar(item, field.name);
        w.BeginObject().Key("Cidr").String(cidr).EndObject();
      });
      break;
    case FilterType::kKeyword:
      each([&](const YAML::Node& item) {
        const std::string v = item.IsMap() && item["Value"] ? Scalar(item["Value"], "Value")
                                                            : Scalar(item, field.name);
        w.BeginObject().Key("Value").String(v).EndObject();
      });
      break;
  }
  w.EndArray();
}

std::string CompileFilter(const YAML::Node& node) {
  if (!node.IsMap()) Fail(node, "filter must be a map of Security Hub filter fields");
  std::string json;
  asff::JsonWriter w(json);
  w.BeginObject();
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    const filter::FieldInfo* field = filter::FindField(name);
    if (field == nullptr) Fail(kv.first, "'" + name + "' is not a Security Hub filter field");
    WriteField(w, *field, kv.second);
  }
  w.EndObject();
  return json;
}

const std::set<std::string>& RuleKeys() {
  static const std::set<std::string> kKeys{
      "id",      "title",   "description",        "severity",        "remediation",
      "types",   "window",  "group_by",           "resource_type",   "conditions",
      "require", "ordered", "include_correlated", "include_inactive"};
  return kKeys;
}

Condition LoadCondition(const std::string& name, const YAML::Node& node) {
  if (!node.IsMap()) Fail(node, "condition '" + name + "' must be a map with a filter");
  static const std::set<std::string> kKeys{"filter", "at_least", "distinct", "within",
                                           "on_related"};
  Condition c;
  c.name = name;
  c.line = LineOf(node);
  for (const auto& kv : node) {
    if (!kKeys.contains(kv.first.Scalar())) {
      Fail(kv.first, "unknown key '" + kv.first.Scalar() + "' in condition '" + name +
                         "' (filter, at_least, distinct, within, on_related)");
    }
  }
  if (!node["filter"]) Fail(node, "condition '" + name + "' has no filter");
  c.filter_json = CompileFilter(node["filter"]);
  filter::ParseOptions options;
  options.max_fields = 1000;
  options.max_values_per_field = 1000;
  auto compiled = filter::FindingFilter::ParseText(c.filter_json, options);
  if (!compiled.ok())
    Fail(node["filter"], "condition '" + name + "': " + compiled.status().message());
  c.filter = std::move(compiled).value();
  c.product_names = c.filter.ExactValues("ProductName");
  if (node["at_least"]) {
    const double n = Number(node["at_least"], "at_least");
    if (n < 1 || n != static_cast<int>(n) || n > 100000) {
      Fail(node["at_least"], "at_least must be a whole number from 1 to 100000");
    }
    c.at_least = static_cast<int>(n);
  }
  if (node["distinct"]) c.distinct = Scalar(node["distinct"], "distinct");
  if (node["within"]) {
    const auto d = ParseDuration(Scalar(node["within"], "within"));
    if (!d || *d <= 0) Fail(node["within"], "within must be a duration such as 7d, 12h or 30m");
    c.within = *d;
  }
  if (node["on_related"]) c.related_type = Scalar(node["on_related"], "on_related");
  return c;
}

Rule LoadRule(const YAML::Node& node, std::string_view file) {
  if (!node.IsMap()) Fail(node, "a rule must be a map");
  Rule r;
  r.file = std::string(file);
  r.line = LineOf(node);
  for (const auto& kv : node) {
    if (!RuleKeys().contains(kv.first.Scalar())) {
      Fail(kv.first, "unknown key '" + kv.first.Scalar() + "' in rule");
    }
  }
  if (!node["id"]) Fail(node, "a rule needs an id");
  r.id = Scalar(node["id"], "id");
  if (r.id.empty()) Fail(node["id"], "the rule id is empty");
  if (!node["title"]) Fail(node, "rule '" + r.id + "' needs a title");
  r.title = Scalar(node["title"], "title");
  r.description = node["description"] ? Scalar(node["description"], "description") : r.title;
  if (r.title.size() > 256) Fail(node["title"], "the title template is longer than 256 characters");
  if (node["severity"]) {
    const auto label = asff::ParseSeverityLabel(Upper(Scalar(node["severity"], "severity")));
    if (!label)
      Fail(node["severity"], "severity must be INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL");
    r.severity = *label;
  }
  if (const auto rem = node["remediation"]) {
    if (!rem.IsMap()) Fail(rem, "remediation must be a map with text and url");
    if (rem["text"]) r.remediation_text = Scalar(rem["text"], "remediation.text");
    if (rem["url"]) r.remediation_url = Scalar(rem["url"], "remediation.url");
  }
  if (const auto types = node["types"]) {
    if (!types.IsSequence()) Fail(types, "types must be a list");
    for (const auto& t : types) r.types.push_back(Scalar(t, "types"));
  }
  if (node["window"]) {
    const auto d = ParseDuration(Scalar(node["window"], "window"));
    if (!d || *d <= 0) Fail(node["window"], "window must be a duration such as 30d, 12h or 30m");
    r.window = *d;
  }
  if (node["group_by"] && Scalar(node["group_by"], "group_by") != "resource") {
    Fail(node["group_by"], "group_by must be 'resource' (the canonical resource of each finding)");
  }
  if (node["resource_type"]) r.resource_type = Scalar(node["resource_type"], "resource_type");
  const auto conditions = node["conditions"];
  if (!conditions || !conditions.IsMap() || conditions.size() == 0) {
    Fail(conditions ? conditions : node, "rule '" + r.id + "' needs a map of named conditions");
  }
  for (const auto& kv : conditions) {
    r.conditions.push_back(LoadCondition(kv.first.Scalar(), kv.second));
    if (r.conditions.back().within && *r.conditions.back().within > r.window) {
      Fail(kv.second["within"], "within is longer than the rule's window");
    }
  }
  if (node["require"]) {
    auto expr = ParseRequire(Scalar(node["require"], "require"), r.conditions);
    if (!expr.ok()) Fail(node["require"], expr.status().message());
    r.require = std::move(expr).value();
  } else {
    r.require.kind = Expr::Kind::kAnd;
    for (size_t i = 0; i < r.conditions.size(); ++i)
      r.require.operands.push_back({Expr::Kind::kCondition, i, {}});
  }
  if (const auto ordered = node["ordered"]) {
    if (!ordered.IsSequence() || ordered.size() < 2)
      Fail(ordered, "ordered must list at least two conditions");
    std::vector<size_t> order;
    for (const auto& item : ordered) {
      const std::string name = Scalar(item, "ordered");
      size_t i = 0;
      while (i < r.conditions.size() && r.conditions[i].name != name) ++i;
      if (i == r.conditions.size())
        Fail(item, "ordered names an undefined condition '" + name + "'");
      order.push_back(i);
    }
    for (size_t i = 1; i < order.size(); ++i) r.ordered.emplace_back(order[i - 1], order[i]);
  }
  if (node["include_correlated"])
    r.include_correlated = Scalar(node["include_correlated"], "include_correlated") == "true";
  if (node["include_inactive"])
    r.include_inactive = Scalar(node["include_inactive"], "include_inactive") == "true";
  return r;
}

// Recursive descent over: expr := term (or term)*; term := factor (and factor)*;
// factor := not factor | ( expr ) | name.
class RequireParser {
 public:
  RequireParser(std::string_view text, const std::vector<Condition>& conditions)
      : text_(text), conditions_(conditions) {}

  Result<Expr> Parse() {
    Expr e = Or();
    if (!error_.empty()) return Status::InvalidInput(error_);
    Skip();
    if (pos_ != text_.size())
      return Status::InvalidInput("require: unexpected '" + std::string(text_.substr(pos_)) + "'");
    return e;
  }

 private:
  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0)
      ++pos_;
  }
  std::string Word() {
    Skip();
    size_t end = pos_;
    while (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) != 0 ||
                                  text_[end] == '_' || text_[end] == '-')) {
      ++end;
    }
    return std::string(text_.substr(pos_, end - pos_));
  }
  bool Accept(std::string_view word) {
    Skip();
    if (word == "(" || word == ")") {
      if (pos_ < text_.size() && text_[pos_] == word[0]) {
        ++pos_;
        return true;
      }
      return false;
    }
    if (Word() == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }
  Expr Or() {
    Expr left = And();
    if (!Peek("or")) return left;
    Expr e{Expr::Kind::kOr, 0, {std::move(left)}};
    while (Accept("or")) e.operands.push_back(And());
    return e;
  }
  Expr And() {
    Expr left = Factor();
    if (!Peek("and")) return left;
    Expr e{Expr::Kind::kAnd, 0, {std::move(left)}};
    while (Accept("and")) e.operands.push_back(Factor());
    return e;
  }
  bool Peek(std::string_view word) {
    Skip();
    return Word() == word;
  }
  Expr Factor() {
    if (Accept("not")) return Expr{Expr::Kind::kNot, 0, {Factor()}};
    if (Accept("(")) {
      Expr e = Or();
      if (!Accept(")")) SetError("require: missing ')'");
      return e;
    }
    const std::string name = Word();
    if (name.empty()) {
      SetError(pos_ < text_.size() ? "require: unexpected '" + std::string(1, text_[pos_]) + "'"
                                   : "require: expression ends too early");
      return {};
    }
    pos_ += name.size();
    for (size_t i = 0; i < conditions_.size(); ++i) {
      if (conditions_[i].name == name) return Expr{Expr::Kind::kCondition, i, {}};
    }
    SetError("require names an undefined condition '" + name + "'");
    return {};
  }
  void SetError(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  std::string_view text_;
  const std::vector<Condition>& conditions_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::string RuleError::ToString() const {
  return file + ":" + (line > 0 ? std::to_string(line) + ":" : std::string()) + " " + message;
}

std::optional<asff::TimeMs> ParseDuration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  std::int64_t n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9' || n > 1'000'000'000) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  switch (unit) {
    case 'd': return n * asff::kMsPerDay;
    case 'h': return n * 3'600'000;
    case 'm': return n * 60'000;
    case 's': return n * 1000;
    default: return std::nullopt;
  }
}

Result<Expr> ParseRequire(std::string_view text, const std::vector<Condition>& conditions) {
  return RequireParser(text, conditions).Parse();
}

bool Evaluate(const Expr& expr, const std::vector<bool>& holds) {
  switch (expr.kind) {
    case Expr::Kind::kCondition: return expr.condition < holds.size() && holds[expr.condition];
    case Expr::Kind::kNot: return !Evaluate(expr.operands[0], holds);
    case Expr::Kind::kAnd:
      for (const auto& e : expr.operands) {
        if (!Evaluate(e, holds)) return false;
      }
      return true;
    case Expr::Kind::kOr:
      for (const auto& e : expr.operands) {
        if (Evaluate(e, holds)) return true;
      }
      return false;
  }
  return false;
}

namespace {

// The documents of a YAML stream. yaml-cpp 0.7 (Debian 12's) has LoadAll loop forever, allocating
// all the while, on some malformed input (jbeder/yaml-cpp#1319, fixed in 0.8; found by
// fuzz/fuzz_rules), while Load of one document does not. So the stream is split at its "---"
// lines here (a document marker is always at the start of a line, never inside a scalar) and each
// document loaded alone, after as many newlines as precede it, so that marks keep their lines.
std::vector<YAML::Node> LoadDocuments(std::string_view text) {
  std::vector<YAML::Node> documents;
  size_t begin = 0, begin_line = 0, line = 0;
  auto load = [&](size_t end) {
    const std::string_view chunk = text.substr(begin, end - begin);
    if (chunk.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
    documents.push_back(YAML::Load(std::string(begin_line, '\n') + std::string(chunk)));
  };
  for (size_t at = 0; at < text.size(); ++line) {
    const size_t eol = std::min(text.find('\n', at), text.size());
    const std::string_view l = text.substr(at, eol - at);
    const bool marker =
        l.starts_with("---") && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (marker && at > begin) {
      load(at);
      begin = at;
      begin_line = line;
    }
    at = eol + 1;
  }
  load(text.size());
  return documents;
}

}  // namespace

void LoadRules(std::string_view yaml_text, std::string_view file_name, RuleSet& into) {
  std::vector<YAML::Node> documents;
  try {
    documents = LoadDocuments(yaml_text);
  } catch (const YAML::Exception& e) {
    into.errors.push_back({std::string(file_name), e.mark.line + 1, "YAML: " + e.msg});
    return;
  }
  std::vector<YAML::Node> nodes;
  for (const auto& doc : documents) {
    if (doc.IsNull()) continue;
    const YAML::Node list = doc.IsMap() && doc["rules"] ? doc["rules"] : doc;
    if (list.IsSequence()) {
      for (const auto& item : list) nodes.push_back(item);
    } else {
      nodes.push_back(list);
    }
  }
  std::set<std::string> ids;
  for (const auto& r : into.rules) ids.insert(r.id);
  for (const auto& node : nodes) {
    try {
      Rule rule = LoadRule(node, file_name);
      if (!ids.insert(rule.id).second) {
        into.errors.push_back(
            {std::string(file_name), rule.line, "duplicate rule id '" + rule.id + "'"});
        continue;
      }
      into.rules.push_back(std::move(rule));
    } catch (const RuleFailure& f) {
      into.errors.push_back({std::string(file_name), f.line, f.message});
    } catch (const YAML::Exception& e) {
      into.errors.push_back({std::string(file_name), e.mark.line + 1, "YAML: " + e.msg});
    }
  }
}

}  // namespace corroborate::correlate

// --- Rules back to text (the dashboard lists rules and offers a copy to edit)
// ---------------------
namespace corroborate::correlate {
namespace {

std::string DurationText(asff::TimeMs ms) {
  struct Unit {
    asff::TimeMs ms;
    char suffix;
  };
  for (const Unit u : {Unit{asff::kMsPerDay, 'd'}, Unit{asff::kMsPerDay / 24, 'h'},
                       Unit{asff::kMsPerDay / 1440, 'm'}, Unit{1000, 's'}}) {
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.suffix;
  }
  return std::to_string((ms + 999) / 1000) + "s";
}

// `precedence`: 0 or, 1 and, 2 not/atom; parentheses only where the operators need them.
void AppendExpr(const Rule& rule, const Expr& expr, int precedence, std::string& out) {
  switch (expr.kind) {
    case Expr::Kind::kCondition:
      out += expr.condition < rule.conditions.size() ? rule.conditions[expr.condition].name : "?";
      return;
    case Expr::Kind::kNot:
      out += "not ";
      if (!expr.operands.empty()) AppendExpr(rule, expr.operands[0], 2, out);
      return;
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr: {
      const int own = expr.kind == Expr::Kind::kAnd ? 1 : 0;
      if (own < precedence) out += '(';
      for (size_t i = 0; i < expr.operands.size(); ++i) {
        if (i > 0) out += own == 1 ? " and " : " or ";
        AppendExpr(rule, expr.operands[i], own + 1, out);
      }
      if (own < precedence) out += ')';
      return;
    }
  }
}

}  // namespace

std::string RequireText(const Rule& rule) {
  std::string out;
  AppendExpr(rule, rule.require, 0, out);
  return out;
}

std::string RuleToYaml(const Rule& rule) {
  YAML::Emitter y;
  y << YAML::BeginMap;
  y << YAML::Key << "id" << YAML::Value << rule.id;
  y << YAML::Key << "title" << YAML::Value << YAML::DoubleQuoted << rule.title;
  if (!rule.description.empty() && rule.description != rule.title) {
    y << YAML::Key << "description" << YAML::Value << YAML::DoubleQuoted << rule.description;
  }
  y << YAML::Key << "severity" << YAML::Value << std::string(asff::ToString(rule.severity));
  if (!rule.remediation_text.empty() || !rule.remediation_url.empty()) {
    y << YAML::Key << "remediation" << YAML::Value << YAML::BeginMap;
    if (!rule.remediation_text.empty())
      y << YAML::Key << "text" << YAML::Value << rule.remediation_text;
    if (!rule.remediation_url.empty())
      y << YAML::Key << "url" << YAML::Value << rule.remediation_url;
    y << YAML::EndMap;
  }
  if (!rule.types.empty()) {
    y << YAML::Key << "types" << YAML::Value << YAML::Flow << rule.types;
  }
  y << YAML::Key << "window" << YAML::Value << DurationText(rule.window);
  if (!rule.resource_type.empty())
    y << YAML::Key << "resource_type" << YAML::Value << rule.resource_type;
  y << YAML::Key << "conditions" << YAML::Value << YAML::BeginMap;
  for (const Condition& c : rule.conditions) {
    y << YAML::Key << c.name << YAML::Value << YAML::BeginMap;
    // The compiled filter is Security Hub's JSON form, which is YAML too.
    y << YAML::Key << "filter" << YAML::Value << YAML::Flow << YAML::Load(c.filter_json);
    if (c.at_least != 1) y << YAML::Key << "at_least" << YAML::Value << c.at_least;
    if (!c.distinct.empty()) y << YAML::Key << "distinct" << YAML::Value << c.distinct;
    if (c.within) y << YAML::Key << "within" << YAML::Value << DurationText(*c.within);
    if (!c.related_type.empty()) y << YAML::Key << "on_related" << YAML::Value << c.related_type;
    y << YAML::EndMap;
  }
  y << YAML::EndMap;
  y << YAML::Key << "require" << YAML::Value << RequireText(rule);
  if (!rule.ordered.empty()) {
    std::vector<std::string> names;
    names.push_back(rule.conditions[rule.ordered.front().first].name);
    for (const auto& [before, after] : rule.ordered) names.push_back(rule.conditions[after].name);
    y << YAML::Key << "ordered" << YAML::Value << YAML::Flow << names;
  }
  if (rule.include_correlated) y << YAML::Key << "include_correlated" << YAML::Value << true;
  if (rule.include_inactive) y << YAML::Key << "include_inactive" << YAML::Value << true;
  y << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

}  // namespace corroborate::correlate
