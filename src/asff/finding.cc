#include "asff/finding.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "asff/resource_key.h"

namespace corroborate::asff {

bool MatchesTypePattern(std::string_view type) {
  // ^([^/]+)(/[^/]+){0,2}$ : one to three non-empty parts separated by '/'.
  if (type.empty() || type.front() == '/' || type.back() == '/') return false;
  size_t parts = 1;
  for (size_t j = 0; j < type.size(); ++j) {
    if (type[j] != '/') continue;
    if (type[j + 1] == '/') return false;
    ++parts;
  }
  return parts <= 3;
}

using simdjson::dom::element;
using simdjson::dom::object;

namespace {

constexpr std::array<std::string_view, 5> kSeverityNames{"INFORMATIONAL", "LOW", "MEDIUM", "HIGH",
                                                         "CRITICAL"};
constexpr std::array<std::string_view, 2> kRecordStateNames{"ACTIVE", "ARCHIVED"};
constexpr std::array<std::string_view, 4> kWorkflowNames{"NEW", "NOTIFIED", "RESOLVED",
                                                         "SUPPRESSED"};
constexpr std::array<std::string_view, 4> kComplianceNames{"PASSED", "WARNING", "FAILED",
                                                           "NOT_AVAILABLE"};
constexpr std::array<std::string_view, 4> kVerificationNames{"UNKNOWN", "TRUE_POSITIVE",
                                                             "FALSE_POSITIVE", "BENIGN_POSITIVE"};
constexpr std::array<std::string_view, 5> kWorkflowStateNames{"NEW", "ASSIGNED", "IN_PROGRESS",
                                                              "DEFERRED", "RESOLVED"};
constexpr std::array<std::string_view, 3> kPartitionNames{"aws", "aws-cn", "aws-us-gov"};

template <size_t N>
int IndexOf(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<int>(i);
  }
  return -1;
}

template <size_t N>
std::string Joined(const std::array<std::string_view, N>& names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// A JSON path for error messages, kept as parts and joined only when a message needs one: most
// findings are valid, and building each map item's and array item's path up front was a
// measurable share of decoding.
class Path {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor)
  Path(const char* s) : Path(std::string_view(s), {}) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  Path(const std::string& s) : Path(std::string_view(s), {}) {}
  Path(std::string_view head, std::string_view tail) : parts_{head, tail}, size_(2) {}
  // This path with `part` after it; `part` must outlive the result. At most kMaxParts in all.
  [[nodiscard]] Path Then(std::string_view part) const {
    Path p = *this;
    if (p.size_ < kMaxParts) p.parts_[p.size_++] = part;
    return p;
  }
  [[nodiscard]] std::string str() const {
    std::string out;
    for (std::size_t i = 0; i < size_; ++i) out += parts_[i];
    return out;
  }

 private:
  static constexpr std::size_t kMaxParts = 6;
  std::array<std::string_view, kMaxParts> parts_{};
  std::size_t size_;
};

// "[i]", formatted in place for a Path.
class Subscript {
 public:
  explicit Subscript(std::size_t i) {
    buffer_[0] = '[';
    char* end = std::to_chars(buffer_.data() + 1, buffer_.data() + buffer_.size() - 1, i).ptr;
    *end = ']';
    size_ = static_cast<std::size_t>(end + 1 - buffer_.data());
  }
  [[nodiscard]] std::string_view view() const { return {buffer_.data(), size_}; }

 private:
  std::array<char, 24> buffer_{};
  std::size_t size_;
};

// An object's members in one compact array, for decoding's many lookups by name (some forty at
// the top level of a finding). simdjson's lookup walks the object's tape and string buffer for
// each; this compares lengths first in a small array that stays in the cache. The first member
// of a name wins, as in simdjson's lookup.
class Members {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor): stands in for the object it indexes
  Members(object obj) {
    for (auto [key, value] : obj) {
      if (size_ < inline_.size()) {
        inline_[size_] = {key, value};
      } else {
        overflow_.emplace_back(key, value);
      }
      ++size_;
    }
    // A finding's top level (some 25 members, looked up some 40 times, many of them absent) is
    // worth chaining by bucket; a Severity or a Resource scanned in a row is cheaper.
    hashed_ = size_ > kScanned;
    if (hashed_) {
      // Inserted last to first, so each chain holds its keys in input order and a repeated key
      // finds its first occurrence, as the scan does (repeats are refused by Unique anyway).
      for (size_t i = std::min(size_, inline_.size()); i-- > 0;) {
        const size_t b = Bucket(inline_[i].first);
        // A repeated name lands in its twin's chain: checked here, for Unique, instead of by
        // comparing every pair of names.
        for (size_t j = heads_[b]; j != 0 && !repeated_; j = next_[j - 1]) {
          repeated_ = inline_[j - 1].first == inline_[i].first;
        }
        next_[i] = heads_[b];
        heads_[b] = static_cast<std::uint8_t>(i + 1);
      }
    }
  }
  simdjson::simdjson_result<element> operator[](std::string_view key) const {
    if (hashed_) {
      for (size_t i = heads_[Bucket(key)]; i != 0; i = next_[i - 1]) {
        if (inline_[i - 1].first == key) return element(inline_[i - 1].second);
      }
    } else {
      const size_t n = std::min(size_, inline_.size());
      for (size_t i = 0; i < n; ++i) {
        if (inline_[i].first.size() == key.size() && inline_[i].first == key) {
          return element(inline_[i].second);
        }
      }
    }
    for (const auto& [k, v] : overflow_) {
      if (k == key) return element(v);
    }
    return simdjson::NO_SUCH_FIELD;
  }
  [[nodiscard]] size_t size() const { return size_; }
  // Whether two of the first kInline names are known to be the same; nullopt when not checked
  // (objects of at most kScanned members).
  [[nodiscard]] std::optional<bool> KnownRepeated() const {
    return hashed_ ? std::optional<bool>(repeated_) : std::nullopt;
  }
  static constexpr size_t kInline = 48;

  // Calls f(a, b) for every two members' keys (of the first kInline members only).
  template <typename F>
  void ForEachPair(F&& f) const {
    const size_t n = std::min(size_, inline_.size());
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n; ++j) f(inline_[i].first, inline_[j].first);
    }
  }
  template <typename F>
  void ForEachKey(F&& f) const {
    for (size_t i = 0; i < std::min(size_, inline_.size()); ++i) f(inline_[i].first);
    for (const auto& [k, v] : overflow_) f(k);
  }

 private:
  // Objects of at most this many members are looked up by scanning them.
  static constexpr size_t kScanned = 8;
  static constexpr size_t kBuckets = 64;
  // Length and first and last bytes: three loads, where hashing the whole name (or its first
  // bytes, tried in stop 23) cost more than the comparisons it saved. The 45 top-level names of
  // botocore's AwsSecurityFinding fall into 34 of the 64 buckets, at most three to one.
  static size_t Bucket(std::string_view key) {
    if (key.empty()) return 0;
    const size_t first = static_cast<unsigned char>(key.front());
    const size_t last = static_cast<unsigned char>(key.back());
    return (key.size() * 7 + first * 3 + last) & (kBuckets - 1);
  }

  std::array<std::pair<std::string_view, element>, kInline> inline_;
  std::vector<std::pair<std::string_view, element>> overflow_;
  size_t size_ = 0;
  bool hashed_ = false;
  bool repeated_ = false;
  std::array<std::uint8_t, kBuckets> heads_{};  // 1 + index into inline_ of a chain's first key
  std::array<std::uint8_t, kInline> next_{};    // 1 + index of the chain's next key, 0 at its end
};

// Validates while it decodes; the first violation wins and names its JSON path.
class Decoder {
 public:
  explicit Decoder(Finding& out) : out_(out) {}

  Status Run(element root) {
    object root_object;
    if (root.get_object().get(root_object) != simdjson::SUCCESS) {
      return Fail("data should be object");
    }
    const Members obj(root_object);
    // Identity first, so that any later failure can be reported against it.
    if (auto v = obj["Id"]; v.error() == simdjson::SUCCESS && v.value().is_string()) {
      out_.id = std::string(v.value().get_string().value());
    }
    if (auto v = obj["ProductArn"]; v.error() == simdjson::SUCCESS && v.value().is_string()) {
      out_.product_arn = std::string(v.value().get_string().value());
    }
    if (!Unique(obj, "data")) return status_;
    for (std::string_view key : {"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId",
                                 "CreatedAt", "UpdatedAt", "Title", "Description", "Resources"}) {
      if (obj[key].error() != simdjson::SUCCESS) {
        return Fail("data should have required property '" + std::string(key) + "'");
      }
    }
    std::string_view s;
    if (!String(obj, "SchemaVersion", 1, 64, s)) return status_;
    if (s != kSchemaVersion) {
      return Fail("data.SchemaVersion should be equal to one of the allowed values: " +
                  std::string(kSchemaVersion));
    }
    if (!String(obj, "Id", 1, 512, s)) return status_;
    if (!String(obj, "ProductArn", 12, 2048, s)) return status_;
    const auto arn = ParseProductArn(s);
    if (!arn) {
      return Fail(
          "data.ProductArn should match pattern "
          "arn:<partition>:securityhub:<region>:<account>:product/<company>/<product>");
    }
    out_.partition = std::string(arn->partition);
    out_.region = std::string(arn->region);
    if (!String(obj, "GeneratorId", 1, 512, s)) return status_;
    out_.generator_id = std::string(s);
    if (!String(obj, "AwsAccountId", 12, 12, s)) return status_;
    for (char c : s) {
      if (c < '0' || c > '9') return Fail("data.AwsAccountId should be 12 digits");
    }
    out_.aws_account_id = std::string(s);
    if (!String(obj, "Title", 1, 256, s)) return status_;
    out_.title = std::string(s);
    if (!String(obj, "Description", 1, 1024, s)) return status_;
    out_.description = std::string(s);
    if (!OptString(obj, "ProductName", 0, 128, out_.product_name)) return status_;
    if (!OptString(obj, "CompanyName", 0, 128, out_.company_name)) return status_;
    std::string region;
    if (!OptString(obj, "Region", 0, 16, region)) return status_;
    if (!region.empty()) out_.region = std::move(region);
    std::string ignored;
    if (!OptString(obj, "AwsAccountName", 0, 50, ignored)) return status_;
    if (!OptString(obj, "SourceUrl", 0, 2048, ignored)) return status_;

    if (!Time(obj, "CreatedAt", out_.created_at)) return status_;
    if (!Time(obj, "UpdatedAt", out_.updated_at)) return status_;
    if (!OptTime(obj, "FirstObservedAt", out_.first_observed_at)) return status_;
    if (!OptTime(obj, "LastObservedAt", out_.last_observed_at)) return status_;
    if (!OptTime(obj, "ProcessedAt", out_.processed_at)) return status_;

    if (!DecodeTypes(obj, "Types", "data.Types", out_.types)) return status_;
    if (!DecodeSeverityAndProviderFields(obj)) return status_;
    if (!Percent(obj, "Confidence", "data.Confidence")) return status_;
    if (!Percent(obj, "Criticality", "data.Criticality")) return status_;
    if (!DecodeResources(obj)) return status_;
    if (!DecodeCompliance(obj)) return status_;
    if (!DecodeStates(obj)) return status_;
    // The top-level list wins over FindingProviderFields' (decoded earlier), as for Types.
    std::vector<FindingIdentifier> related;
    if (!DecodeRelated(obj, "RelatedFindings", "data.RelatedFindings", &related)) return status_;
    if (!related.empty()) out_.related_findings = std::move(related);
    if (!DecodeNote(obj)) return status_;
    if (!DecodeMap(obj, "UserDefinedFields", 128, 1024, out_.user_defined_fields, "")) {
      return status_;
    }
    // The keys Security Hub writes itself (FindingId, ProductName, CompanyName) are not the
    // provider's 50: a finding Security Hub returned, or that normalization stored, has them
    // beside 50 of its own.
    if (!DecodeMap(obj, "ProductFields", 128, 2048, out_.product_fields, "aws/securityhub/")) {
      return status_;
    }
    if (!DecodeVulnerabilities(obj)) return status_;
    if (!DecodeRemediation(obj)) return status_;
    for (auto [key, max] : {std::pair<std::string_view, size_t>{"Malware", 5},
                            {"ThreatIntelIndicators", 5},
                            {"Threats", 32}}) {
      if (!OptArray(obj, key, max)) return status_;
    }
    for (const auto& [k, v] : out_.product_fields) {
      if (k == "ControlId" || k == "RuleId") out_.compliance_ids.push_back(v);
    }
    return Status::Ok();
  }

 private:
  bool Failed(const std::string& msg) {
    status_ = Fail(msg);
    return false;
  }
  static Status Fail(const std::string& msg) {
    return Status::InvalidInput(std::string(kSchemaErrorPrefix) + msg);
  }

  // JSON leaves a repeated member name's meaning open (lookups here see the first, many clients
  // the last), so a finding or resource that repeats one is refused rather than read two ways.
  bool Unique(const Members& obj, const std::string& path) {
    if (obj.size() <= Members::kInline) {
      // Comparing every pair is cheaper than sorting for objects this small, and most pairs
      // differ in length; objects large enough to be hashed were checked as they were indexed.
      bool repeated = false;
      if (const auto known = obj.KnownRepeated()) {
        repeated = *known;
      } else {
        obj.ForEachPair([&](std::string_view a, std::string_view b) { repeated |= a == b; });
      }
      if (!repeated) return true;
    }
    std::vector<std::string_view> keys;
    keys.reserve(obj.size());
    obj.ForEachKey([&](std::string_view key) { keys.push_back(key); });
    std::sort(keys.begin(), keys.end());
    const auto twice = std::adjacent_find(keys.begin(), keys.end());
    if (twice == keys.end()) return true;
    return Failed(path + " should NOT have the member '" + std::string(twice->substr(0, 128)) +
                  "' twice");
  }

  bool Length(const Path& path, std::string_view s, size_t min, size_t max) {
    if (s.size() < min) {
      return Failed(path.str() + " should NOT be shorter than " + std::to_string(min) +
                    " characters");
    }
    if (s.size() > max) {
      return Failed(path.str() + " should NOT be longer than " + std::to_string(max) +
                    " characters");
    }
    return true;
  }

  bool AsString(element e, const Path& path, size_t min, size_t max, std::string_view& out) {
    if (e.get_string().get(out) != simdjson::SUCCESS)
      return Failed(path.str() + " should be string");
    return Length(path, out, min, max);
  }

  bool String(const Members& obj, std::string_view key, size_t min, size_t max,
              std::string_view& out) {
    return AsString(obj[key].value_unsafe(), Path("data.", key), min, max, out);
  }

  bool OptString(const Members& obj, std::string_view key, size_t min, size_t max,
                 std::string& out) {
    element e;
    if (obj[key].get(e) != simdjson::SUCCESS) return true;
    std::string_view s;
    if (!AsString(e, Path("data.", key), min, max, s)) return false;
    out = std::string(s);
    return true;
  }

  bool AsTime(element e, const Path& path, TimeMs& out) {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return Failed(path.str() + " should be string");
    const auto t = ParseTimestamp(s);
    if (!t) {
      return Failed(path.str() + " should match format \"date-time\" (got \"" +
                    std::string(s.substr(0, 64)) + "\")");
    }
    out = *t;
    return true;
  }

  bool Time(const Members& obj, std::string_view key, TimeMs& out) {
    return AsTime(obj[key].value_unsafe(), Path("data.", key), out);
  }

  bool OptTime(const Members& obj, std::string_view key, std::optional<TimeMs>& out) {
    element e;
    if (obj[key].get(e) != simdjson::SUCCESS) return true;
    TimeMs t = 0;
    if (!AsTime(e, Path("data.", key), t)) return false;
    out = t;
    return true;
  }

  // An optional number in [0, 100], whole.
  bool PercentValue(element e, const Path& path, std::optional<int>* out = nullptr) {
    double d = 0;
    if (e.is_int64()) {
      d = static_cast<double>(e.get_int64().value());
    } else if (e.is_uint64()) {
      d = static_cast<double>(e.get_uint64().value());
    } else if (e.is_double()) {
      d = e.get_double().value();
    } else {
      return Failed(path.str() + " should be integer");
    }
    if (d != std::floor(d)) return Failed(path.str() + " should be integer");
    if (d < 0) return Failed(path.str() + " should be >= 0");
    if (d > 100) return Failed(path.str() + " should be <= 100");
    if (out != nullptr) *out = static_cast<int>(d);
    return true;
  }

  bool Percent(const Members& obj, std::string_view key, const Path& path) {
    element e;
    if (obj[key].get(e) != simdjson::SUCCESS) return true;
    return PercentValue(e, path);
  }

  bool OptArray(const Members& obj, std::string_view key, size_t max) {
    element e;
    if (obj[key].get(e) != simdjson::SUCCESS) return true;
    simdjson::dom::array arr;
    if (e.get_array().get(arr) != simdjson::SUCCESS)
      return Failed("data." + std::string(key) + " should be array");
    if (arr.size() > max) {
      return Failed("data." + std::string(key) + " should NOT have more than " +
                    std::to_string(max) + " items");
    }
    return true;
  }

  bool DecodeTypes(const Members& obj, std::string_view key, const std::string& path,
                   std::vector<std::string>& out) {
    element e;
    if (obj[key].get(e) != simdjson::SUCCESS) return true;
    simdjson::dom::array arr;
    if (e.get_array().get(arr) != simdjson::SUCCESS) return Failed(path + " should be array");
    if (arr.size() > kMaxTypes) {
      return Failed(path + " should NOT have more than " + std::to_string(kMaxTypes) + " items");
    }
    size_t i = 0;
    for (element t : arr) {
      const Subscript index(i++);
      const Path item(path, index.view());
      std::string_view s;
      if (!AsString(t, item, 1, 128, s)) return false;
      if (!MatchesTypePattern(s)) {
        return Failed(item.str() + " should match pattern \"^([^/]+)(/[^/]+){0,2}$\" (got \"" +
                      std::string(s.substr(0, 128)) + "\")");
      }
      out.emplace_back(s);
    }
    return true;
  }

  // Severity: Label and/or Normalized (Product and Original optional). Returns false on a
  // violation; sets *present when the object carried a label or normalized value.
  bool DecodeSeverityObject(element e, const std::string& path, bool* present,
                            SeverityLabel* label_out, int* normalized_out) {
    object sev;
    if (e.get_object().get(sev) != simdjson::SUCCESS) return Failed(path + " should be object");
    std::optional<SeverityLabel> label;
    std::optional<int> normalized;
    element v;
    if (sev["Label"].get(v) == simdjson::SUCCESS) {
      std::string_view s;
      if (!AsString(v, Path(path, ".Label"), 1, 32, s)) return false;
      label = ParseSeverityLabel(s);
      if (!label) {
        return Failed(path + ".Label should be equal to one of the allowed values: " +
                      Joined(kSeverityNames));
      }
    }
    if (sev["Normalized"].get(v) == simdjson::SUCCESS) {
      if (!PercentValue(v, Path(path, ".Normalized"), &normalized)) return false;
    }
    if (sev["Product"].get(v) == simdjson::SUCCESS && !v.is_number()) {
      return Failed(path + ".Product should be number");
    }
    if (sev["Original"].get(v) == simdjson::SUCCESS) {
      std::string_view s;
      if (!AsString(v, Path(path, ".Original"), 0, 64, s)) return false;
    }
    *present = label.has_value() || normalized.has_value();
    if (label) {
      *label_out = *label;
      *normalized_out = normalized ? *normalized : NormalizedForLabel(*label);
    } else if (normalized) {
      *normalized_out = *normalized;
      *label_out = LabelForNormalized(*normalized);
    }
    return true;
  }

  bool DecodeSeverityAndProviderFields(const Members& obj) {
    bool top_present = false;
    bool fpf_present = false;
    SeverityLabel top_label{}, fpf_label{};
    int top_norm = 0, fpf_norm = 0;
    element e;
    if (obj["Severity"].get(e) == simdjson::SUCCESS) {
      if (!DecodeSeverityObject(e, "data.Severity", &top_present, &top_label, &top_norm))
        return false;
    }
    if (obj["FindingProviderFields"].get(e) == simdjson::SUCCESS) {
      object fpf;
      if (e.get_object().get(fpf) != simdjson::SUCCESS) {
        return Failed("data.FindingProviderFields should be object");
      }
      element v;
      if (fpf["Severity"].get(v) == simdjson::SUCCESS) {
        if (!DecodeSeverityObject(v, "data.FindingProviderFields.Severity", &fpf_present,
                                  &fpf_label, &fpf_norm)) {
          return false;
        }
      }
      std::vector<std::string> fpf_types;
      if (!DecodeTypes(fpf, "Types", "data.FindingProviderFields.Types", fpf_types)) return false;
      if (out_.types.empty()) out_.types = std::move(fpf_types);
      if (fpf["Confidence"].get(v) == simdjson::SUCCESS &&
          !PercentValue(v, "data.FindingProviderFields.Confidence")) {
        return false;
      }
      if (fpf["Criticality"].get(v) == simdjson::SUCCESS &&
          !PercentValue(v, "data.FindingProviderFields.Criticality")) {
        return false;
      }
      if (!DecodeRelated(fpf, "RelatedFindings", "data.FindingProviderFields.RelatedFindings",
                         out_.related_findings.empty() ? &out_.related_findings : nullptr)) {
        return false;
      }
    }
    if (!top_present && !fpf_present) {
      return Failed(
          "data should have required property 'Severity' or 'FindingProviderFields.Severity' "
          "with a Label or Normalized value");
    }
    out_.severity_label = top_present ? top_label : fpf_label;
    out_.severity_normalized = top_present ? top_norm : fpf_norm;
    return true;
  }

  bool DecodeResources(const Members& obj) {
    simdjson::dom::array arr;
    if (obj["Resources"].get_array().get(arr) != simdjson::SUCCESS) {
      return Failed("data.Resources should be array");
    }
    if (arr.size() < 1) return Failed("data.Resources should NOT have fewer than 1 items");
    if (arr.size() > kMaxResources) {
      return Failed("data.Resources should NOT have more than " + std::to_string(kMaxResources) +
                    " items");
    }
    size_t i = 0;
    for (element r : arr) {
      const std::string path = "data.Resources[" + std::to_string(i++) + "]";
      object resource;
      if (r.get_object().get(resource) != simdjson::SUCCESS) {
        return Failed(path + " should be object");
      }
      const Members ro(resource);
      if (!Unique(ro, path)) return false;
      for (std::string_view key : {"Type", "Id"}) {
        if (ro[key].error() != simdjson::SUCCESS) {
          return Failed(path + " should have required property '" + std::string(key) + "'");
        }
      }
      Resource res;
      std::string_view s;
      if (!AsString(ro["Type"].value_unsafe(), Path(path, ".Type"), 1, 256, s)) return false;
      res.type = std::string(s);
      if (!AsString(ro["Id"].value_unsafe(), Path(path, ".Id"), 1, 512, s)) return false;
      res.id = std::string(s);
      element v;
      if (ro["Partition"].get(v) == simdjson::SUCCESS) {
        if (!AsString(v, Path(path, ".Partition"), 1, 16, s)) return false;
        if (IndexOf(kPartitionNames, s) < 0) {
          return Failed(path + ".Partition should be equal to one of the allowed values: " +
                        Joined(kPartitionNames));
        }
        res.partition = std::string(s);
      } else {
        res.partition = out_.partition;
      }
      if (ro["Region"].get(v) == simdjson::SUCCESS) {
        if (!AsString(v, Path(path, ".Region"), 0, 16, s)) return false;
        res.region = std::string(s);
      }
      if (res.region.empty()) res.region = out_.region;
      if (ro["Tags"].get(v) == simdjson::SUCCESS) {
        object tags;
        if (v.get_object().get(tags) != simdjson::SUCCESS)
          return Failed(path + ".Tags should be object");
        for (auto [k, tv] : tags) {
          if (!tv.is_string())
            return Failed(path + ".Tags['" + std::string(k) + "'] should be string");
        }
      }
      if (ro["Details"].get(v) == simdjson::SUCCESS) {
        object details;
        if (v.get_object().get(details) != simdjson::SUCCESS) {
          return Failed(path + ".Details should be object");
        }
        element other;
        if (details["Other"].get(other) == simdjson::SUCCESS) {
          object om;
          if (other.get_object().get(om) != simdjson::SUCCESS) {
            return Failed(path + ".Details.Other should be object");
          }
          for (auto [k, ov] : om) {
            if (!AsString(ov, Path(path, ".Details.Other['").Then(k).Then("']"), 0, 1024, s)) {
              return false;
            }
          }
        }
      }
      res.canonical_key =
          CanonicalResourceKey(res.type, res.id, res.partition, res.region, out_.aws_account_id);
      if (ro["Details"].get(v) == simdjson::SUCCESS) {
        AddResourceRelations(v, res, out_.aws_account_id, out_.relations);
      }
      out_.resources.push_back(std::move(res));
    }
    return true;
  }

  bool DecodeCompliance(const Members& obj) {
    element e;
    if (obj["Compliance"].get(e) != simdjson::SUCCESS) return true;
    object c;
    if (e.get_object().get(c) != simdjson::SUCCESS)
      return Failed("data.Compliance should be object");
    element v;
    std::string_view s;
    if (c["Status"].get(v) == simdjson::SUCCESS) {
      if (!AsString(v, "data.Compliance.Status", 1, 32, s)) return false;
      if (IndexOf(kComplianceNames, s) < 0) {
        return Failed("data.Compliance.Status should be equal to one of the allowed values: " +
                      Joined(kComplianceNames));
      }
      out_.compliance_status = std::string(s);
    }
    if (c["SecurityControlId"].get(v) == simdjson::SUCCESS) {
      if (!AsString(v, "data.Compliance.SecurityControlId", 0, 256, s)) return false;
      out_.compliance_ids.emplace_back(s);
    }
    return true;
  }

  template <size_t N>
  bool Enum(const Members& obj, std::string_view key, const Path& path,
            const std::array<std::string_view, N>& allowed, auto&& accept) {
    element e;
    if (obj[key].get(e) != simdjson::SUCCESS) return true;
    std::string_view s;
    if (!AsString(e, path, 1, 64, s)) return false;
    if (!accept(s)) {
      return Failed(path.str() +
                    " should be equal to one of the allowed values: " + Joined(allowed));
    }
    return true;
  }

  bool DecodeStates(const Members& obj) {
    if (!Enum(obj, "RecordState", "data.RecordState", kRecordStateNames, [&](std::string_view s) {
          auto v = ParseRecordState(s);
          if (v) {
            out_.record_state = *v;
            out_.has_record_state = true;
          }
          return v.has_value();
        })) {
      return false;
    }
    if (!Enum(obj, "VerificationState", "data.VerificationState", kVerificationNames,
              [&](std::string_view s) {
                out_.verification_state = std::string(s);
                return IndexOf(kVerificationNames, s) >= 0;
              })) {
      return false;
    }
    if (!Enum(obj, "WorkflowState", "data.WorkflowState", kWorkflowStateNames,
              [&](std::string_view s) { return IndexOf(kWorkflowStateNames, s) >= 0; })) {
      return false;
    }
    element e;
    if (obj["Workflow"].get(e) == simdjson::SUCCESS) {
      object w;
      if (e.get_object().get(w) != simdjson::SUCCESS)
        return Failed("data.Workflow should be object");
      if (!Enum(w, "Status", "data.Workflow.Status", kWorkflowNames, [&](std::string_view s) {
            auto v = ParseWorkflowStatus(s);
            if (v) {
              out_.workflow_status = *v;
              out_.has_workflow = true;
            }
            return v.has_value();
          })) {
        return false;
      }
    }
    return true;
  }

  bool DecodeRelated(const Members& obj, std::string_view key, const std::string& path,
                     std::vector<FindingIdentifier>* out) {
    element e;
    if (obj[key].get(e) != simdjson::SUCCESS) return true;
    simdjson::dom::array arr;
    if (e.get_array().get(arr) != simdjson::SUCCESS) return Failed(path + " should be array");
    if (arr.size() > kMaxRelatedFindings) {
      return Failed(path + " should NOT have more than " + std::to_string(kMaxRelatedFindings) +
                    " items");
    }
    size_t i = 0;
    for (element r : arr) {
      const Subscript index(i++);
      const Path item(path, index.view());
      object ro;
      if (r.get_object().get(ro) != simdjson::SUCCESS)
        return Failed(item.str() + " should be object");
      FindingIdentifier fid;
      for (std::string_view k : {"ProductArn", "Id"}) {
        element v;
        if (ro[k].get(v) != simdjson::SUCCESS) {
          return Failed(item.str() + " should have required property '" + std::string(k) + "'");
        }
        std::string_view s;
        if (!AsString(v, item.Then(".").Then(k), 1, 2048, s)) return false;
        (k == "Id" ? fid.id : fid.product_arn) = std::string(s);
      }
      if (out != nullptr) out->push_back(std::move(fid));
    }
    return true;
  }

  bool DecodeNote(const Members& obj) {
    element e;
    if (obj["Note"].get(e) != simdjson::SUCCESS) return true;
    object n;
    if (e.get_object().get(n) != simdjson::SUCCESS) return Failed("data.Note should be object");
    Note note;
    for (std::string_view k : {"Text", "UpdatedBy", "UpdatedAt"}) {
      element v;
      if (n[k].get(v) != simdjson::SUCCESS) {
        return Failed("data.Note should have required property '" + std::string(k) + "'");
      }
      std::string_view s;
      if (!AsString(v, "data.Note." + std::string(k), 1, 512, s)) return false;
      if (k == "Text") note.text = std::string(s);
      if (k == "UpdatedBy") note.updated_by = std::string(s);
      if (k == "UpdatedAt") {
        if (!ParseTimestamp(s))
          return Failed("data.Note.UpdatedAt should match format \"date-time\"");
        note.updated_at = std::string(s);
      }
    }
    out_.note = std::move(note);
    return true;
  }

  // `uncounted` prefixes the keys the pair limit does not count (none when empty).
  bool DecodeMap(const Members& obj, std::string_view key, size_t max_key, size_t max_value,
                 std::vector<std::pair<std::string, std::string>>& out,
                 std::string_view uncounted) {
    element e;
    if (obj[key].get(e) != simdjson::SUCCESS) return true;
    const std::string path = "data." + std::string(key);
    object m;
    if (e.get_object().get(m) != simdjson::SUCCESS) return Failed(path + " should be object");
    size_t counted = 0;
    for (auto [k, v] : m) counted += uncounted.empty() || !k.starts_with(uncounted) ? 1 : 0;
    if (counted > kMaxMapPairs) {
      return Failed(path + " should NOT have more than " + std::to_string(kMaxMapPairs) +
                    " properties");
    }
    for (auto [k, v] : m) {
      const Path item = Path(path, "['").Then(k.substr(0, 128)).Then("']");
      if (k.size() > max_key) {
        return Failed(path + " property name should NOT be longer than " + std::to_string(max_key) +
                      " characters");
      }
      std::string_view s;
      if (!AsString(v, item, 0, max_value, s)) return false;
      out.emplace_back(k, s);
    }
    return true;
  }

  bool DecodeVulnerabilities(const Members& obj) {
    element e;
    if (obj["Vulnerabilities"].get(e) != simdjson::SUCCESS) return true;
    simdjson::dom::array arr;
    if (e.get_array().get(arr) != simdjson::SUCCESS)
      return Failed("data.Vulnerabilities should be array");
    size_t i = 0;
    for (element v : arr) {
      const Subscript index(i++);
      const Path item("data.Vulnerabilities", index.view());
      object vo;
      if (v.get_object().get(vo) != simdjson::SUCCESS)
        return Failed(item.str() + " should be object");
      element idv;
      if (vo["Id"].get(idv) != simdjson::SUCCESS) {
        return Failed(item.str() + " should have required property 'Id'");
      }
      std::string_view s;
      if (!AsString(idv, item.Then(".Id"), 1, 512, s)) return false;
      out_.vulnerability_ids.emplace_back(s);
    }
    return true;
  }

  bool DecodeRemediation(const Members& obj) {
    element e;
    if (obj["Remediation"].get(e) != simdjson::SUCCESS) return true;
    object r;
    if (e.get_object().get(r) != simdjson::SUCCESS)
      return Failed("data.Remediation should be object");
    element rec;
    if (r["Recommendation"].get(rec) != simdjson::SUCCESS) return true;
    object ro;
    if (rec.get_object().get(ro) != simdjson::SUCCESS) {
      return Failed("data.Remediation.Recommendation should be object");
    }
    element v;
    std::string_view s;
    if (ro["Text"].get(v) == simdjson::SUCCESS &&
        !AsString(v, "data.Remediation.Recommendation.Text", 1, 512, s)) {
      return false;
    }
    if (ro["Url"].get(v) == simdjson::SUCCESS &&
        !AsString(v, "data.Remediation.Recommendation.Url", 0, 2048, s)) {
      return false;
    }
    return true;
  }

  Finding& out_;
  Status status_;
};

}  // namespace

std::string_view ToString(SeverityLabel v) {
  return kSeverityNames[static_cast<size_t>(v)];
}
std::string_view ToString(RecordState v) {
  return kRecordStateNames[static_cast<size_t>(v)];
}
std::string_view ToString(WorkflowStatus v) {
  return kWorkflowNames[static_cast<size_t>(v)];
}

std::optional<SeverityLabel> ParseSeverityLabel(std::string_view s) {
  const int i = IndexOf(kSeverityNames, s);
  if (i < 0) return std::nullopt;
  return static_cast<SeverityLabel>(i);
}
std::optional<RecordState> ParseRecordState(std::string_view s) {
  const int i = IndexOf(kRecordStateNames, s);
  if (i < 0) return std::nullopt;
  return static_cast<RecordState>(i);
}
std::optional<WorkflowStatus> ParseWorkflowStatus(std::string_view s) {
  const int i = IndexOf(kWorkflowNames, s);
  if (i < 0) return std::nullopt;
  return static_cast<WorkflowStatus>(i);
}

SeverityLabel LabelForNormalized(int n) {
  if (n <= 0) return SeverityLabel::kInformational;
  if (n < 40) return SeverityLabel::kLow;
  if (n < 70) return SeverityLabel::kMedium;
  if (n < 90) return SeverityLabel::kHigh;
  return SeverityLabel::kCritical;
}

int NormalizedForLabel(SeverityLabel label) {
  static constexpr std::array<int, 5> kNormalized{0, 1, 40, 70, 90};
  return kNormalized[static_cast<size_t>(label)];
}

std::optional<ProductArnParts> ParseProductArn(std::string_view arn) {
  // arn:<partition>:securityhub:<region>:<account>:product/<company>/<product>
  std::array<std::string_view, 6> parts{};
  size_t start = 0;
  for (size_t i = 0; i < 5; ++i) {
    const size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts[i] = arn.substr(start, colon - start);
    start = colon + 1;
  }
  parts[5] = arn.substr(start);
  if (parts[0] != "arn" || parts[1].empty() || parts[2] != "securityhub" || parts[3].empty()) {
    return std::nullopt;
  }
  // A region code (the finding's Region when it gives none, so within Region's 16 characters;
  // found by fuzz/fuzz_asff).
  if (parts[3].size() > 16 || parts[3].find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") !=
                                  std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = parts[5];
  if (!rest.starts_with("product/")) return std::nullopt;
  rest.remove_prefix(8);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= rest.size())
    return std::nullopt;
  return ProductArnParts{parts[1], parts[3], parts[4], rest.substr(0, slash),
                         rest.substr(slash + 1)};
}

Status DecodeFinding(element element, Finding& out) {
  return Decoder(out).Run(element);
}

Status DecodeFindingText(std::string_view json, Finding& out) {
  if (json.size() > kMaxFindingBytes) {
    return Status::InvalidInput("Finding size exceeded 240 KB (" + std::to_string(json.size()) +
                                " bytes)");
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS) {
    return Status::InvalidInput(std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  return DecodeFinding(root, out);
}

}  // namespace corroborate::asff
