// A minimal append-only JSON text builder.
//
// Contract: the caller emits a well-formed sequence (keys only inside objects, one value per key);
// JsonWriter adds commas and escapes strings per RFC 8259 (control characters as \u00XX). Raw()
// inserts text the caller guarantees to be one valid minified JSON value. It does no allocation
// beyond the growing output string, so it is fit for the ingest hot path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace corroborate::asff {

void AppendJsonString(std::string& out, std::string_view s);
// Appends `e` as minified JSON (numbers in their shortest exact form) without temporary strings.
void AppendMinified(std::string& out, simdjson::dom::element e);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& BeginObject() {
    Sep();
    out_ += '{';
    first_.push_back(true);
    return *this;
  }
  JsonWriter& EndObject() {
    out_ += '}';
    first_.pop_back();
    return *this;
  }
  JsonWriter& BeginArray() {
    Sep();
    out_ += '[';
    first_.push_back(true);
    return *this;
  }
  JsonWriter& EndArray() {
    out_ += ']';
    first_.pop_back();
    return *this;
  }
  JsonWriter& Key(std::string_view k) {
    Sep();
    AppendJsonString(out_, k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  JsonWriter& String(std::string_view s) {
    Sep();
    AppendJsonString(out_, s);
    return *this;
  }
  JsonWriter& Int(std::int64_t v) {
    Sep();
    out_ += std::to_string(v);
    return *this;
  }
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v) {
    Sep();
    out_ += v ? "true" : "false";
    return *this;
  }
  JsonWriter& Null() {
    Sep();
    out_ += "null";
    return *this;
  }
  JsonWriter& Raw(std::string_view json) {
    Sep();
    out_ += json;
    return *this;
  }
  // One object member's text, `"key":value`, minified.
  JsonWriter& Member(std::string_view json) {
    Sep();
    out_ += json;
    return *this;
  }
  JsonWriter& Element(simdjson::dom::element e) {
    Sep();
    AppendMinified(out_, e);
    return *this;
  }

 private:
  void Sep() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  std::string& out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace corroborate::asff
