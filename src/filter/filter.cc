#include "filter/filter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "filter/field_table.h"

namespace corroborate::filter {

using simdjson::dom::element;

// Reads a FindingView's members for the evaluator below.
struct FindingViewAccess {
  static constexpr std::size_t kMembers = FindingView::kMembers;
  static_assert(kMembers <= 64, "FindingView keeps its slots in 64-bit masks");
  template <typename Step>
  static bool Member(const FindingView& view, const Step& step, element* out) {
    const std::uint64_t bit = std::uint64_t{1} << step.view_slot;
    if ((view.looked_up_ & bit) == 0) {
      view.looked_up_ |= bit;
      simdjson::dom::object object;
      if (view.finding_.get_object().get(object) == simdjson::SUCCESS &&
          object.at_key(step.member).get(view.members_[step.view_slot]) == simdjson::SUCCESS) {
        view.found_ |= bit;
      }
    }
    if ((view.found_ & bit) == 0) return false;
    *out = view.members_[step.view_slot];
    return true;
  }
};

namespace {

// ---------------------------------------------------------------------------------------------
// Compiled ASFF paths

// One member step of a field's ASFF path. A map's `{}` needs no step of its own: the path ends at
// the map object and the MapFilter picks the entry by Key.
struct PathStep {
  std::string_view member;
  bool each_element = false;  // `[]`: continue into every element of the list
  // A path's first step: its member's slot in a FindingView (the same for every path starting
  // with that member).
  std::uint8_t view_slot = 0;
};

using Path = std::span<const PathStep>;

// Splits "Resources[].Details.AwsEc2Instance.IpV4Addresses[]" into steps. The views point into
// the generated table's string literals, so they live as long as the program.
std::vector<PathStep> CompilePath(std::string_view path) {
  std::vector<PathStep> steps;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    PathStep step;
    if (part.ends_with("[]")) {
      step.each_element = true;
      part.remove_suffix(2);
    } else if (part.ends_with("{}")) {
      part.remove_suffix(2);
    }
    step.member = part;
    steps.push_back(step);
  }
  return steps;
}

// Every field's path, compiled once per process and indexed like AllFields(). Filters refer to
// these by span, so parsing a filter compiles nothing and copying one copies no paths. Each
// distinct first member gets a FindingView slot.
const std::vector<std::vector<PathStep>>& CompiledPaths() {
  static const std::vector<std::vector<PathStep>> compiled = [] {
    std::vector<std::vector<PathStep>> paths;
    std::vector<std::string_view> first_members;
    for (const FieldInfo& field : AllFields()) {
      paths.push_back(CompilePath(field.path));
      if (paths.back().empty()) continue;  // Keyword
      PathStep& first = paths.back().front();
      auto slot = std::find(first_members.begin(), first_members.end(), first.member);
      if (slot == first_members.end()) slot = first_members.insert(slot, first.member);
      first.view_slot = static_cast<std::uint8_t>(slot - first_members.begin());
    }
    // The generated table is the only source of paths: a botocore upgrade that adds top-level
    // members past the view's capacity must fail loudly here, not index past its end.
    if (first_members.size() > FindingViewAccess::kMembers) std::abort();
    return paths;
  }();
  return compiled;
}

Path PathOf(const FieldInfo& field) {
  return CompiledPaths()[static_cast<size_t>(&field - AllFields().data())];
}

// Calls visit(value) for every value the path reaches in `node`, visiting every element of the
// lists marked `[]`, and returns true as soon as a call does (so "any" stops early). A missing
// member reaches nothing. A `[]` member that is not a list is visited as its one element, which
// keeps a finding whose producer wrote a scalar matchable. With `view` (of `node`, a whole
// finding), the first member comes from the view.
template <typename Visit>
bool AnyValue(element node, Path path, const Visit& visit, const FindingView* view = nullptr) {
  for (size_t i = 0; i < path.size(); ++i) {
    element child;
    if (i == 0 && view != nullptr) {
      if (!FindingViewAccess::Member(*view, path[i], &child)) return false;
    } else {
      simdjson::dom::object object;
      if (node.get_object().get(object) != simdjson::SUCCESS) return false;
      if (object.at_key(path[i].member).get(child) != simdjson::SUCCESS) return false;
    }
    simdjson::dom::array list;
    if (path[i].each_element && child.get_array().get(list) == simdjson::SUCCESS) {
      const Path rest = path.subspan(i + 1);
      for (element item : list) {
        if (AnyValue(item, rest, visit)) return true;
      }
      return false;
    }
    node = child;
  }
  return visit(node);
}

template <typename Visit>
bool AnyValue(const FindingView& finding, Path path, const Visit& visit) {
  return AnyValue(finding.element(), path, visit, &finding);
}

// The text fields a KeywordFilter searches (it has no ASFF path of its own): those of the Title,
// Description and Type filters.
const std::array<Path, 3>& KeywordPaths() {
  static const std::array<Path, 3> paths{
      PathOf(*FindField("Title")), PathOf(*FindField("Description")), PathOf(*FindField("Type"))};
  return paths;
}

// ---------------------------------------------------------------------------------------------
// Reading values from a finding

std::optional<std::string_view> StringOf(element value) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
  return text;
}

// JSON numbers, and strings that are wholly a finite number: producers write ports and PIDs
// either way, and a NumberFilter should not care which.
std::optional<double> NumberOf(element value) {
  double number = 0;
  if (value.is_number()) {
    if (value.get_double().get(number) != simdjson::SUCCESS) return std::nullopt;
    return number;
  }
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS || text.empty()) return std::nullopt;
  const char* const end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, number);
  if (error != std::errc() || ptr != end || !std::isfinite(number)) return std::nullopt;
  return number;
}

std::optional<asff::TimeMs> TimeOf(element value) {
  const auto text = StringOf(value);
  if (!text) return std::nullopt;
  return asff::ParseTimestamp(*text);
}

// ---------------------------------------------------------------------------------------------
// IP addresses: both families are held as 16 bytes, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d),
// so one comparison serves every combination of CIDR family and finding value family.

using IpBytes = std::array<unsigned char, 16>;
constexpr int kMappedV4PrefixBits = 96;

std::optional<IpBytes> ParseIp(std::string_view text) {
  // inet_pton wants a terminated string; a stack copy keeps Matches free of allocation.
  std::array<char, INET6_ADDRSTRLEN + 1> terminated{};
  if (text.empty() || text.size() >= terminated.size()) return std::nullopt;
  std::memcpy(terminated.data(), text.data(), text.size());
  IpBytes bytes{};
  std::array<unsigned char, 4> v4{};
  if (inet_pton(AF_INET, terminated.data(), v4.data()) == 1) {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    std::copy(v4.begin(), v4.end(), bytes.begin() + 12);
    return bytes;
  }
  if (inet_pton(AF_INET6, terminated.data(), bytes.data()) == 1) return bytes;
  return std::nullopt;
}

struct Cidr {
  IpBytes network{};  // host bits cleared
  int prefix_bits = 128;

  [[nodiscard]] bool Contains(const IpBytes& address) const {
    const int whole_bytes = prefix_bits / 8;
    if (std::memcmp(address.data(), network.data(), static_cast<size_t>(whole_bytes)) != 0) {
      return false;
    }
    const int rest_bits = prefix_bits % 8;
    if (rest_bits == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - rest_bits));
    return (address[static_cast<size_t>(whole_bytes)] & mask) ==
           network[static_cast<size_t>(whole_bytes)];
  }
};

std::optional<Cidr> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  const auto address = ParseIp(text.substr(0, slash));
  if (!address) return std::nullopt;
  const bool is_v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  Cidr cidr;
  cidr.network = *address;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    int bits = -1;
    const char* const end = digits.data() + digits.size();
    const auto [ptr, error] = std::from_chars(digits.data(), end, bits);
    if (digits.empty() || error != std::errc() || ptr != end || bits < 0 ||
        bits > (is_v4 ? 32 : 128)) {
      return std::nullopt;
    }
    cidr.prefix_bits = is_v4 ? kMappedV4PrefixBits + bits : bits;
  }
  for (int bit = cidr.prefix_bits; bit < 128; ++bit) {
    cidr.network[static_cast<size_t>(bit / 8)] &= static_cast<unsigned char>(~(0x80 >> (bit % 8)));
  }
  return cidr;
}

// ---------------------------------------------------------------------------------------------
// String comparisons

// Bytes of a word: ASCII letters, digits, `_`, and any non-ASCII byte (so a UTF-8 word is never
// split in the middle). Spelled out rather than std::isalnum, whose answer depends on the locale.
bool IsWordByte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || c == '_';
}

// `word` occurs in `text` and is not glued to a neighbouring word character.
bool ContainsWord(std::string_view text, std::string_view word) {
  const bool check_left = IsWordByte(word.front());
  const bool check_right = IsWordByte(word.back());
  for (size_t pos = text.find(word); pos != std::string_view::npos;
       pos = text.find(word, pos + 1)) {
    const size_t end = pos + word.size();
    const bool left_ok = !check_left || pos == 0 || !IsWordByte(text[pos - 1]);
    const bool right_ok = !check_right || end == text.size() || !IsWordByte(text[end]);
    if (left_ok && right_ok) return true;
  }
  return false;
}

// The comparisons Security Hub names. A negative one is evaluated as "no value satisfies the
// positive comparison it negates", so conditions store the positive test plus a flag.
enum class Comparison : unsigned char {
  kEquals,
  kPrefix,
  kNotEquals,
  kPrefixNotEquals,
  kContains,
  kNotContains,
  kContainsWord,
};
enum class StringTest : unsigned char { kEquals, kPrefix, kContains, kContainsWord };

struct ComparisonName {
  std::string_view name;
  Comparison comparison;
  StringTest test;
  bool negative;
};

constexpr std::array<ComparisonName, 7> kComparisons{{
    {"EQUALS", Comparison::kEquals, StringTest::kEquals, false},
    {"PREFIX", Comparison::kPrefix, StringTest::kPrefix, false},
    {"NOT_EQUALS", Comparison::kNotEquals, StringTest::kEquals, true},
    {"PREFIX_NOT_EQUALS", Comparison::kPrefixNotEquals, StringTest::kPrefix, true},
    {"CONTAINS", Comparison::kContains, StringTest::kContains, false},
    {"NOT_CONTAINS", Comparison::kNotContains, StringTest::kContains, true},
    {"CONTAINS_WORD", Comparison::kContainsWord, StringTest::kContainsWord, false},
}};

// MapFilterComparison is the subset without the prefix forms and CONTAINS_WORD.
constexpr std::array<Comparison, 4> kMapComparisons{
    Comparison::kEquals, Comparison::kNotEquals, Comparison::kContains, Comparison::kNotContains};

bool Passes(StringTest test, std::string_view actual, std::string_view wanted) {
  switch (test) {
    case StringTest::kEquals: return actual == wanted;
    case StringTest::kPrefix: return actual.starts_with(wanted);
    case StringTest::kContains: return actual.find(wanted) != std::string_view::npos;
    case StringTest::kContainsWord: return ContainsWord(actual, wanted);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Conditions, one kind per filter type

struct StringCondition {
  StringTest test;
  std::string value;
};

struct MapCondition {
  std::string key;
  StringTest test;
  std::string value;
};

// Bounds inside one NumberFilter object AND together.
struct NumberCondition {
  std::optional<double> gte, lte, eq, gt, lt;

  [[nodiscard]] bool Holds(double v) const {
    return (!gte || v >= *gte) && (!lte || v <= *lte) && (!eq || v == *eq) && (!gt || v > *gt) &&
           (!lt || v < *lt);
  }
};

struct DateCondition {
  std::optional<asff::TimeMs> start, end;  // inclusive
  std::optional<std::int64_t> range_days;  // DateRange, relative to `now`
  bool older_than = false;                 // DateRange Comparison OLDER_THAN (else WITHIN)

  [[nodiscard]] bool Holds(asff::TimeMs t, asff::TimeMs now) const {
    if (range_days) {
      const asff::TimeMs boundary = now - *range_days * asff::kMsPerDay;
      return older_than ? t < boundary : t >= boundary;
    }
    return (!start || t >= *start) && (!end || t <= *end);
  }
};

// Everything one filter name asks for. Only the vectors of the name's filter type are used.
struct FieldCondition {
  const FieldInfo* field = nullptr;
  Path path;
  std::vector<StringCondition> positives;  // OR
  std::vector<StringCondition> negatives;  // each must fail on every value (stored un-negated)
  std::vector<MapCondition> map_positives;
  std::vector<MapCondition> map_negatives;
  std::vector<NumberCondition> numbers;  // OR
  std::vector<DateCondition> dates;      // OR
  std::vector<Cidr> cidrs;               // OR
  bool accept_true = false;              // BooleanFilter values, OR
  bool accept_false = false;
  std::vector<std::string> keywords;  // OR

  [[nodiscard]] bool Matches(const FindingView& finding, asff::TimeMs now) const;

 private:
  [[nodiscard]] bool MatchesStrings(const FindingView& finding) const;
  [[nodiscard]] bool MatchesMaps(const FindingView& finding) const;
  [[nodiscard]] bool MatchesKeywords(const FindingView& finding) const;
};

bool FieldCondition::MatchesStrings(const FindingView& finding) const {
  if (!positives.empty()) {
    const bool any = AnyValue(finding, path, [this](element value) {
      const auto text = StringOf(value);
      if (!text) return false;
      return std::any_of(positives.begin(), positives.end(),
                         [&](const StringCondition& c) { return Passes(c.test, *text, c.value); });
    });
    if (!any) return false;
  }
  if (!negatives.empty()) {
    const bool excluded = AnyValue(finding, path, [this](element value) {
      const auto text = StringOf(value);
      if (!text) return false;
      return std::any_of(negatives.begin(), negatives.end(),
                         [&](const StringCondition& c) { return Passes(c.test, *text, c.value); });
    });
    if (excluded) return false;
  }
  return true;
}

// True when some map on the path has an entry for one condition's key that passes its test.
bool AnyMapEntryPasses(const FindingView& finding, Path path,
                       const std::vector<MapCondition>& conditions) {
  return AnyValue(finding, path, [&conditions](element map) {
    simdjson::dom::object entries;
    if (map.get_object().get(entries) != simdjson::SUCCESS) return false;
    return std::any_of(conditions.begin(), conditions.end(), [&entries](const MapCondition& c) {
      element entry;
      if (entries.at_key(c.key).get(entry) != simdjson::SUCCESS) return false;
      const auto text = StringOf(entry);
      return text && Passes(c.test, *text, c.value);
    });
  });
}

bool FieldCondition::MatchesMaps(const FindingView& finding) const {
  if (!map_positives.empty() && !AnyMapEntryPasses(finding, path, map_positives)) return false;
  if (!map_negatives.empty() && AnyMapEntryPasses(finding, path, map_negatives)) return false;
  return true;
}

bool FieldCondition::MatchesKeywords(const FindingView& finding) const {
  const auto& paths = KeywordPaths();
  return std::any_of(paths.begin(), paths.end(), [&](Path text_path) {
    return AnyValue(finding, text_path, [this](element value) {
      const auto text = StringOf(value);
      if (!text) return false;
      return std::any_of(keywords.begin(), keywords.end(),
                         [&](const std::string& word) { return ContainsWord(*text, word); });
    });
  });
}

bool FieldCondition::Matches(const FindingView& finding, asff::TimeMs now) const {
  switch (field->type) {
    case FilterType::kString: return MatchesStrings(finding);
    case FilterType::kMap: return MatchesMaps(finding);
    case FilterType::kKeyword: return keywords.empty() || MatchesKeywords(finding);
    case FilterType::kNumber:
      return numbers.empty() || AnyValue(finding, path, [this](element value) {
               const auto number = NumberOf(value);
               return number &&
                      std::any_of(numbers.begin(), numbers.end(),
                                  [&](const NumberCondition& c) { return c.Holds(*number); });
             });
    case FilterType::kDate:
      return dates.empty() || AnyValue(finding, path, [this, now](element value) {
               const auto time = TimeOf(value);
               return time && std::any_of(dates.begin(), dates.end(), [&](const DateCondition& c) {
                        return c.Holds(*time, now);
                      });
             });
    case FilterType::kIp:
      return cidrs.empty() || AnyValue(finding, path, [this](element value) {
               const auto text = StringOf(value);
               if (!text) return false;
               const auto address = ParseIp(*text);
               return address && std::any_of(cidrs.begin(), cidrs.end(),
                                             [&](const Cidr& c) { return c.Contains(*address); });
             });
    case FilterType::kBoolean:
      return (!accept_true && !accept_false) || AnyValue(finding, path, [this](element value) {
               bool flag = false;
               if (value.get_bool().get(flag) != simdjson::SUCCESS) return false;
               return flag ? accept_true : accept_false;
             });
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Parsing

std::string_view TypeName(FilterType type) {
  switch (type) {
    case FilterType::kString: return "StringFilter";
    case FilterType::kNumber: return "NumberFilter";
    case FilterType::kDate: return "DateFilter";
    case FilterType::kMap: return "MapFilter";
    case FilterType::kBoolean: return "BooleanFilter";
    case FilterType::kIp: return "IpFilter";
    case FilterType::kKeyword: return "KeywordFilter";
  }
  return "Filter";
}

std::string_view MemberList(FilterType type) {
  switch (type) {
    case FilterType::kString: return "Value, Comparison";
    case FilterType::kNumber: return "Gte, Lte, Eq, Gt, Lt";
    case FilterType::kDate: return "Start, End, DateRange";
    case FilterType::kMap: return "Key, Value, Comparison";
    case FilterType::kBoolean:
    case FilterType::kKeyword: return "Value";
    case FilterType::kIp: return "Cidr";
  }
  return "";
}

Status Invalid(std::string_view where, std::string_view problem) {
  return Status::InvalidInput("Invalid parameter '" + std::string(where) + "'. " +
                              std::string(problem));
}

Status TooMany(std::string_view where, size_t size, size_t limit) {
  return Invalid(where, "Size '" + std::to_string(size) +
                            "' is greater than maximum value: " + std::to_string(limit));
}

// Lower-case letters and digits only, so "Severity.Label" and "severitylabel" compare equal.
std::string Folded(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0) out += static_cast<char>(std::tolower(byte));
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The filter name a mistyped one most plausibly meant: compared case- and punctuation-blind with
// every name and with every ASFF path (so "Severity.Label" and "Types" find theirs). Nothing when
// no name is close or two different names are equally close.
std::optional<std::string_view> ClosestFieldName(std::string_view wanted) {
  // No name or path is this long, and the distance costs length times length for each of them:
  // a hostile filter with huge keys must not buy seconds of CPU (found by fuzz/fuzz_filter).
  if (wanted.size() > 100) return std::nullopt;
  const std::string folded = Folded(wanted);
  std::optional<std::string_view> best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  bool tied = false;
  for (const FieldInfo& field : AllFields()) {
    const size_t distance =
        std::min(EditDistance(folded, Folded(field.name)),
                 field.path.empty() ? best_distance : EditDistance(folded, Folded(field.path)));
    if (distance < best_distance) {
      best = field.name;
      best_distance = distance;
      tied = false;
    } else if (distance == best_distance) {
      tied = true;
    }
  }
  const size_t allowed = std::max<size_t>(2, folded.size() / 5);
  if (!best || tied || best_distance > allowed) return std::nullopt;
  return best;
}

Status UnknownField(std::string_view where, std::string_view name) {
  std::string problem = "'" + std::string(name.substr(0, 128)) + (name.size() > 128 ? "…" : "") +
                        "' is not a filter field";
  if (const auto suggestion = ClosestFieldName(name)) {
    problem += "; did you mean '" + std::string(*suggestion) + "'?";
  }
  return Invalid(where, problem);
}

// Reads one filter object's members, rejecting members its type does not have.
class MemberReader {
 public:
  MemberReader(simdjson::dom::object object, std::string where)
      : object_(object), where_(std::move(where)) {}

  [[nodiscard]] const std::string& where() const { return where_; }

  Status CheckMembers(std::initializer_list<std::string_view> allowed,
                      std::string_view type_description) const {
    for (const auto member : object_) {
      if (std::find(allowed.begin(), allowed.end(), member.key) == allowed.end()) {
        return Invalid(where_, "Unknown member '" + std::string(member.key) + "' (" +
                                   std::string(type_description) + ")");
      }
    }
    return Status::Ok();
  }

  // Absent, or null (which the REST-JSON protocol treats as absent).
  [[nodiscard]] std::optional<element> Get(std::string_view member) const {
    element value;
    if (object_.at_key(member).get(value) != simdjson::SUCCESS || value.is_null()) {
      return std::nullopt;
    }
    return value;
  }

  Status String(std::string_view member, bool required,
                std::optional<std::string_view>& out) const {
    const auto value = Get(member);
    if (!value) {
      return required ? Invalid(where_, "Missing required member '" + std::string(member) + "'")
                      : Status::Ok();
    }
    std::string_view text;
    if (value->get_string().get(text) != simdjson::SUCCESS) {
      return Invalid(At(member), "Expected a string");
    }
    // NonEmptyString's pattern in the model is .*\S.*
    if (std::all_of(text.begin(), text.end(),
                    [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
      return Invalid(At(member), "Expected a string with a non-whitespace character");
    }
    out = text;
    return Status::Ok();
  }

  Status Number(std::string_view member, std::optional<double>& out) const {
    const auto value = Get(member);
    if (!value) return Status::Ok();
    double number = 0;
    if (!value->is_number() || value->get_double().get(number) != simdjson::SUCCESS) {
      return Invalid(At(member), "Expected a number");
    }
    out = number;
    return Status::Ok();
  }

  [[nodiscard]] std::string At(std::string_view member) const {
    return where_ + "." + std::string(member);
  }

 private:
  simdjson::dom::object object_;
  std::string where_;
};

Result<Comparison> ParseComparison(const MemberReader& reader, std::string_view text,
                                   bool map_filter) {
  std::string allowed;
  for (const ComparisonName& c : kComparisons) {
    const bool offered = !map_filter || std::find(kMapComparisons.begin(), kMapComparisons.end(),
                                                  c.comparison) != kMapComparisons.end();
    if (!offered) continue;
    if (c.name == text) return c.comparison;
    if (!allowed.empty()) allowed += ", ";
    allowed += c.name;
  }
  return Invalid(reader.At("Comparison"),
                 "Value '" + std::string(text) + "' is not one of: " + allowed);
}

const ComparisonName& Describe(Comparison comparison) {
  for (const ComparisonName& c : kComparisons) {
    if (c.comparison == comparison) return c;
  }
  return kComparisons[0];
}

// Security Hub's rules for mixing comparisons on one field (StringFilter and MapFilter alike).
Status CheckCombination(std::string_view where, const std::vector<Comparison>& used) {
  const auto has = [&used](Comparison c) {
    return std::find(used.begin(), used.end(), c) != used.end();
  };
  const auto only = [&used](Comparison c) {
    return std::all_of(used.begin(), used.end(), [c](Comparison u) { return u == c; });
  };
  if (has(Comparison::kContains) && has(Comparison::kNotContains)) {
    return Invalid(where,
                   "A CONTAINS filter and a NOT_CONTAINS filter cannot be used on the same field");
  }
  if (has(Comparison::kEquals) &&
      (has(Comparison::kNotEquals) || has(Comparison::kPrefixNotEquals))) {
    return Invalid(where,
                   "An EQUALS filter cannot be combined with NOT_EQUALS or PREFIX_NOT_EQUALS "
                   "filters on the same field");
  }
  if (has(Comparison::kContains) && !only(Comparison::kContains)) {
    return Invalid(where, "CONTAINS filters can only be used with other CONTAINS filters");
  }
  if (has(Comparison::kNotContains) && !only(Comparison::kNotContains)) {
    return Invalid(where, "NOT_CONTAINS filters can only be used with other NOT_CONTAINS filters");
  }
  return Status::Ok();
}

Status ParseStringFilter(const MemberReader& reader, FieldCondition& out,
                         std::vector<Comparison>& used) {
  if (Status s =
          reader.CheckMembers({"Value", "Comparison"}, "a StringFilter has Value, Comparison");
      !s.ok()) {
    return s;
  }
  std::optional<std::string_view> value, comparison_text;
  if (Status s = reader.String("Value", true, value); !s.ok()) return s;
  if (Status s = reader.String("Comparison", true, comparison_text); !s.ok()) return s;
  auto comparison = ParseComparison(reader, *comparison_text, false);
  if (!comparison.ok()) return comparison.status();
  used.push_back(*comparison);
  const ComparisonName& described = Describe(*comparison);
  (described.negative ? out.negatives : out.positives)
      .push_back({described.test, std::string(*value)});
  return Status::Ok();
}

Status ParseMapFilter(const MemberReader& reader, FieldCondition& out,
                      std::vector<Comparison>& used) {
  if (Status s = reader.CheckMembers({"Key", "Value", "Comparison"},
                                     "a MapFilter has Key, Value, Comparison");
      !s.ok()) {
    return s;
  }
  std::optional<std::string_view> key, value, comparison_text;
  if (Status s = reader.String("Key", true, key); !s.ok()) return s;
  if (Status s = reader.String("Value", true, value); !s.ok()) return s;
  if (Status s = reader.String("Comparison", true, comparison_text); !s.ok()) return s;
  auto comparison = ParseComparison(reader, *comparison_text, true);
  if (!comparison.ok()) return comparison.status();
  used.push_back(*comparison);
  const ComparisonName& described = Describe(*comparison);
  (described.negative ? out.map_negatives : out.map_positives)
      .push_back({std::string(*key), described.test, std::string(*value)});
  return Status::Ok();
}

Status ParseNumberFilter(const MemberReader& reader, FieldCondition& out) {
  if (Status s = reader.CheckMembers({"Gte", "Lte", "Eq", "Gt", "Lt"},
                                     "a NumberFilter has Gte, Lte, Eq, Gt, Lt");
      !s.ok()) {
    return s;
  }
  NumberCondition condition;
  for (auto [member, bound] : {std::pair{"Gte", &condition.gte}, std::pair{"Lte", &condition.lte},
                               std::pair{"Eq", &condition.eq}, std::pair{"Gt", &condition.gt},
                               std::pair{"Lt", &condition.lt}}) {
    if (Status s = reader.Number(member, *bound); !s.ok()) return s;
  }
  if (!condition.gte && !condition.lte && !condition.eq && !condition.gt && !condition.lt) {
    return Invalid(reader.where(), "A NumberFilter needs at least one of Gte, Lte, Eq, Gt, Lt");
  }
  out.numbers.push_back(condition);
  return Status::Ok();
}

Status ParseTimestampMember(const MemberReader& reader, std::string_view member,
                            std::optional<asff::TimeMs>& out) {
  std::optional<std::string_view> text;
  if (Status s = reader.String(member, false, text); !s.ok()) return s;
  if (!text) return Status::Ok();
  out = asff::ParseTimestamp(*text);
  if (!out) {
    return Invalid(reader.At(member), "'" + std::string(*text) +
                                          "' is not a timestamp (expected e.g. "
                                          "2024-01-31T12:00:00Z)");
  }
  return Status::Ok();
}

Status ParseDateRange(const MemberReader& outer, element range, DateCondition& out) {
  simdjson::dom::object object;
  if (range.get_object().get(object) != simdjson::SUCCESS) {
    return Invalid(outer.At("DateRange"), "Expected a DateRange object");
  }
  const MemberReader reader(object, outer.At("DateRange"));
  if (Status s = reader.CheckMembers({"Value", "Unit", "Comparison"},
                                     "a DateRange has Value, Unit, Comparison");
      !s.ok()) {
    return s;
  }
  const auto value = reader.Get("Value");
  if (!value) return Invalid(reader.where(), "Missing required member 'Value'");
  std::int64_t days = 0;
  if (!value->is_int64() || value->get_int64().get(days) != simdjson::SUCCESS) {
    return Invalid(reader.At("Value"), "Expected an integer");
  }
  if (days < 0 || days > std::numeric_limits<std::int32_t>::max()) {
    return Invalid(reader.At("Value"),
                   "Value '" + std::to_string(days) + "' must be between 0 and 2147483647");
  }
  std::optional<std::string_view> unit, comparison;
  if (Status s = reader.String("Unit", false, unit); !s.ok()) return s;
  if (unit && *unit != "DAYS") {
    return Invalid(reader.At("Unit"), "Value '" + std::string(*unit) + "' is not one of: DAYS");
  }
  if (Status s = reader.String("Comparison", false, comparison); !s.ok()) return s;
  if (comparison && *comparison != "WITHIN" && *comparison != "OLDER_THAN") {
    return Invalid(reader.At("Comparison"),
                   "Value '" + std::string(*comparison) + "' is not one of: WITHIN, OLDER_THAN");
  }
  out.range_days = days;
  out.older_than = comparison && *comparison == "OLDER_THAN";
  return Status::Ok();
}

Status ParseDateFilter(const MemberReader& reader, FieldCondition& out) {
  if (Status s = reader.CheckMembers({"Start", "End", "DateRange"},
                                     "a DateFilter has Start, End, DateRange");
      !s.ok()) {
    return s;
  }
  DateCondition condition;
  if (Status s = ParseTimestampMember(reader, "Start", condition.start); !s.ok()) return s;
  if (Status s = ParseTimestampMember(reader, "End", condition.end); !s.ok()) return s;
  if (const auto range = reader.Get("DateRange")) {
    if (condition.start || condition.end) {
      return Invalid(reader.where(), "Use either Start/End or DateRange, not both");
    }
    if (Status s = ParseDateRange(reader, *range, condition); !s.ok()) return s;
  } else if (!condition.start && !condition.end) {
    return Invalid(reader.where(), "A DateFilter needs Start, End or DateRange");
  }
  out.dates.push_back(condition);
  return Status::Ok();
}

Status ParseIpFilter(const MemberReader& reader, FieldCondition& out) {
  if (Status s = reader.CheckMembers({"Cidr"}, "an IpFilter has Cidr"); !s.ok()) return s;
  std::optional<std::string_view> text;
  if (Status s = reader.String("Cidr", true, text); !s.ok()) return s;
  const auto cidr = ParseCidr(*text);
  if (!cidr) {
    return Invalid(reader.At("Cidr"),
                   "'" + std::string(*text) + "' is not an IPv4 or IPv6 address or CIDR block");
  }
  out.cidrs.push_back(*cidr);
  return Status::Ok();
}

Status ParseBooleanFilter(const MemberReader& reader, FieldCondition& out) {
  if (Status s = reader.CheckMembers({"Value"}, "a BooleanFilter has Value"); !s.ok()) return s;
  const auto value = reader.Get("Value");
  if (!value) return Invalid(reader.where(), "Missing required member 'Value'");
  bool flag = false;
  if (value->get_bool().get(flag) != simdjson::SUCCESS) {
    return Invalid(reader.At("Value"), "Expected true or false");
  }
  (flag ? out.accept_true : out.accept_false) = true;
  return Status::Ok();
}

Status ParseKeywordFilter(const MemberReader& reader, FieldCondition& out) {
  if (Status s = reader.CheckMembers({"Value"}, "a KeywordFilter has Value"); !s.ok()) return s;
  std::optional<std::string_view> value;
  if (Status s = reader.String("Value", true, value); !s.ok()) return s;
  out.keywords.emplace_back(*value);
  return Status::Ok();
}

Result<FieldCondition> ParseField(const FieldInfo& field, element values,
                                  const ParseOptions& options) {
  const std::string where = "Filters." + std::string(field.name);
  FieldCondition condition;
  condition.field = &field;
  condition.path = PathOf(field);
  if (values.is_null()) return condition;
  simdjson::dom::array list;
  if (values.get_array().get(list) != simdjson::SUCCESS) {
    return Invalid(where, "Expected a list of " + std::string(TypeName(field.type)) + " objects");
  }
  if (list.size() > options.max_values_per_field) {
    return TooMany(where, list.size(), options.max_values_per_field);
  }
  std::vector<Comparison> used;
  size_t index = 0;
  for (element item : list) {
    const std::string item_where = where + "[" + std::to_string(index++) + "]";
    simdjson::dom::object object;
    if (item.get_object().get(object) != simdjson::SUCCESS) {
      return Invalid(item_where, "Expected a " + std::string(TypeName(field.type)) + " object (" +
                                     std::string(MemberList(field.type)) + ")");
    }
    const MemberReader reader(object, item_where);
    Status status;
    switch (field.type) {
      case FilterType::kString: status = ParseStringFilter(reader, condition, used); break;
      case FilterType::kMap: status = ParseMapFilter(reader, condition, used); break;
      case FilterType::kNumber: status = ParseNumberFilter(reader, condition); break;
      case FilterType::kDate: status = ParseDateFilter(reader, condition); break;
      case FilterType::kIp: status = ParseIpFilter(reader, condition); break;
      case FilterType::kBoolean: status = ParseBooleanFilter(reader, condition); break;
      case FilterType::kKeyword: status = ParseKeywordFilter(reader, condition); break;
    }
    if (!status.ok()) return status;
  }
  if (Status s = CheckCombination(where, used); !s.ok()) return s;
  return condition;
}

// ---------------------------------------------------------------------------------------------
// FindingFilter

// A rough relative cost of evaluating one condition: each member lookup is a linear scan of an
// object, each list multiplies the work, and some leaves need parsing. Only the order matters.
int EvaluationCost(const FieldCondition& condition) {
  int cost = 0;
  for (const PathStep& step : condition.path) cost += step.each_element ? 4 : 1;
  switch (condition.field->type) {
    case FilterType::kDate: return cost + 2;  // timestamp parse
    case FilterType::kIp: return cost + 3;    // address parse
    case FilterType::kKeyword: return 20;     // three texts, word search
    default: return cost;
  }
}

}  // namespace

struct FindingFilter::Impl {
  std::vector<FieldCondition> fields;  // in the order given (FieldNames reports that order)
  // Indexes into `fields`, cheapest first: every condition must hold, so a finding that fails
  // one is rejected sooner when the cheap ones run first.
  std::vector<size_t> evaluation_order;
};

FindingFilter::FindingFilter() : impl_(std::make_unique<Impl>()) {}
FindingFilter::~FindingFilter() = default;
FindingFilter::FindingFilter(FindingFilter&&) noexcept = default;
FindingFilter& FindingFilter::operator=(FindingFilter&&) noexcept = default;
FindingFilter::FindingFilter(const FindingFilter& other)
    : impl_(std::make_unique<Impl>(other.impl_ ? *other.impl_ : Impl{})) {}
FindingFilter& FindingFilter::operator=(const FindingFilter& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(other.impl_ ? *other.impl_ : Impl{});
  return *this;
}

Result<FindingFilter> FindingFilter::Parse(element filters, const ParseOptions& options) {
  FindingFilter filter;
  if (filters.is_null()) return filter;
  simdjson::dom::object object;
  if (filters.get_object().get(object) != simdjson::SUCCESS) {
    return Invalid("Filters", "Expected an object of filter names");
  }
  if (object.size() > options.max_fields) {
    return TooMany("Filters", object.size(), options.max_fields);
  }
  for (const auto member : object) {
    const FieldInfo* field = FindField(member.key);
    if (field == nullptr) return UnknownField("Filters", member.key);
    const auto& seen = filter.impl_->fields;
    if (std::any_of(seen.begin(), seen.end(),
                    [field](const FieldCondition& c) { return c.field == field; })) {
      return Invalid("Filters",
                     "Filter '" + std::string(field->name) + "' is given more than once");
    }
    auto condition = ParseField(*field, member.value, options);
    if (!condition.ok()) return condition.status();
    filter.impl_->fields.push_back(std::move(condition).value());
  }
  auto& order = filter.impl_->evaluation_order;
  for (size_t i = 0; i < filter.impl_->fields.size(); ++i) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&fields = filter.impl_->fields](size_t a, size_t b) {
                     return EvaluationCost(fields[a]) < EvaluationCost(fields[b]);
                   });
  return filter;
}

Result<FindingFilter> FindingFilter::ParseText(std::string_view json, const ParseOptions& options) {
  simdjson::dom::parser parser;
  element root;
  if (const auto error = parser.parse(json.data(), json.size()).get(root); error) {
    return Invalid("Filters", std::string("Not valid JSON: ") + simdjson::error_message(error));
  }
  return Parse(root, options);
}

bool FindingFilter::Matches(const FindingView& finding, asff::TimeMs now) const {
  if (!impl_) return true;
  const auto& fields = impl_->fields;
  return std::all_of(impl_->evaluation_order.begin(), impl_->evaluation_order.end(),
                     [&](size_t i) { return fields[i].Matches(finding, now); });
}

bool FindingFilter::empty() const {
  return !impl_ || impl_->fields.empty();
}

std::optional<std::vector<std::string>> FindingFilter::ExactValues(
    std::string_view filter_name) const {
  if (!impl_) return std::nullopt;
  for (const FieldCondition& c : impl_->fields) {
    if (c.field->name != filter_name) continue;
    if (c.field->type != FilterType::kString || c.positives.empty()) return std::nullopt;
    std::vector<std::string> values;
    for (const StringCondition& positive : c.positives) {
      if (positive.test != StringTest::kEquals) return std::nullopt;
      if (std::find(values.begin(), values.end(), positive.value) == values.end()) {
        values.push_back(positive.value);
      }
    }
    return values;
  }
  return std::nullopt;
}

std::vector<std::string> FindingFilter::FieldNames() const {
  std::vector<std::string> names;
  if (!impl_) return names;
  for (const FieldCondition& c : impl_->fields) names.emplace_back(c.field->name);
  return names;
}

// ---------------------------------------------------------------------------------------------
// Sorting

Result<std::vector<SortCriterion>> ParseSortCriteria(element criteria) {
  std::vector<SortCriterion> out;
  if (criteria.is_null()) return out;
  simdjson::dom::array list;
  if (criteria.get_array().get(list) != simdjson::SUCCESS) {
    return Invalid("SortCriteria", "Expected a list of SortCriterion objects");
  }
  size_t index = 0;
  for (element item : list) {
    const std::string where = "SortCriteria[" + std::to_string(index++) + "]";
    simdjson::dom::object object;
    if (item.get_object().get(object) != simdjson::SUCCESS) {
      return Invalid(where, "Expected a SortCriterion object (Field, SortOrder)");
    }
    const MemberReader reader(object, where);
    if (Status s =
            reader.CheckMembers({"Field", "SortOrder"}, "a SortCriterion has Field, SortOrder");
        !s.ok()) {
      return s;
    }
    std::optional<std::string_view> field_name, order;
    if (Status s = reader.String("Field", true, field_name); !s.ok()) return s;
    const FieldInfo* field = FindField(*field_name);
    if (field == nullptr) return UnknownField(reader.At("Field"), *field_name);
    if (field->type == FilterType::kMap || field->type == FilterType::kKeyword) {
      return Invalid(reader.At("Field"), "'" + std::string(*field_name) + "' is a " +
                                             std::string(TypeName(field->type)) +
                                             " field and has no single value to sort by");
    }
    if (Status s = reader.String("SortOrder", false, order); !s.ok()) return s;
    if (order && *order != "asc" && *order != "desc") {
      return Invalid(reader.At("SortOrder"),
                     "Value '" + std::string(*order) + "' is not one of: asc, desc");
    }
    out.push_back({std::string(field->name), order && *order == "asc"});
  }
  return out;
}

SortValue SortValueOf(element finding, std::string_view filter_name) {
  const FieldInfo* field = FindField(filter_name);
  if (field == nullptr) return {};
  SortValue found;
  const Path path = PathOf(*field);
  switch (field->type) {
    case FilterType::kNumber:
      AnyValue(finding, path, [&found](element value) {
        const auto number = NumberOf(value);
        if (number) found = *number;
        return number.has_value();
      });
      break;
    case FilterType::kDate:
      AnyValue(finding, path, [&found](element value) {
        const auto time = TimeOf(value);
        if (time) found = static_cast<double>(*time);
        return time.has_value();
      });
      break;
    case FilterType::kString:
    case FilterType::kIp:
      AnyValue(finding, path, [&found](element value) {
        const auto text = StringOf(value);
        if (text) found = std::string(*text);
        return text.has_value();
      });
      break;
    case FilterType::kBoolean:
      AnyValue(finding, path, [&found](element value) {
        bool flag = false;
        if (value.get_bool().get(flag) != simdjson::SUCCESS) return false;
        found = std::string(flag ? "true" : "false");
        return true;
      });
      break;
    case FilterType::kMap:
    case FilterType::kKeyword: break;
  }
  return found;
}

int CompareSortValues(const SortValue& a, const SortValue& b) {
  // Variant order is monostate, double, string; missing must come last, so it is ranked apart.
  const auto rank = [](const SortValue& v) {
    return v.index() == 0 ? 3 : static_cast<int>(v.index());
  };
  if (rank(a) != rank(b)) return rank(a) < rank(b) ? -1 : 1;
  if (const auto* x = std::get_if<double>(&a)) {
    const double y = std::get<double>(b);
    return *x < y ? -1 : (*x > y ? 1 : 0);
  }
  if (const auto* x = std::get_if<std::string>(&a)) {
    const int c = x->compare(std::get<std::string>(b));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return 0;
}

}  // namespace corroborate::filter
