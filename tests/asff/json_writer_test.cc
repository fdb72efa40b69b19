#include "asff/json_writer.h"

#include <gtest/gtest.h>

#include <simdjson.h>
#include <string>
#include <utility>
#include <vector>

namespace corroborate::asff {
namespace {

TEST(JsonWriterTest, WritesNestedStructureWithCommas) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().String("x").Bool(true).Null().EndArray();
  w.Key("c").BeginObject().Key("d").Double(2.5).EndObject().Key("e").Raw(R"({"f":[]})").EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":["x",true,null],"c":{"d":2.5},"e":{"f":[]}})");
}

TEST(JsonWriterTest, EscapesWhatJsonRequiresAndRoundTrips) {
  const std::string nasty =
      std::string("quote\" back\\ nl\n tab\t nul") + '\0' + "\x1f end \xc3\xa9";
  std::string out;
  JsonWriter(out).String(nasty);
  simdjson::dom::parser parser;
  std::string_view back;
  ASSERT_EQ(parser.parse(out).get_string().get(back), simdjson::SUCCESS) << out;
  EXPECT_EQ(back, nasty);
}

// The escaper skips clean text eight bytes at a time: every character that needs escaping must be
// found wherever it falls relative to those words, and UTF-8 bytes (0x80 and above) never need it.
TEST(JsonWriterTest, EscapesAtEveryOffsetAndLeavesUtf8Alone) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\"", R"(\")"},       {"\\", R"(\\)"},  {"\n", R"(\n)"}, {std::string(1, '\0'), R"(\u0000)"},
      {"\x1f", R"(\u001f)"}, {"\x7f", "\x7f"},
  };
  const std::string utf8 = "\xc3\xa9\xe2\x82\xac tail";
  for (const auto& [special, escaped] : cases) {
    for (size_t at = 0; at < 20; ++at) {
      std::string out;
      AppendJsonString(out, std::string(at, 'a') + special + utf8);
      EXPECT_EQ(out, "\"" + std::string(at, 'a') + escaped + utf8 + "\"") << at;
    }
  }
}

// After an escape the escaper goes back to skipping eight bytes at a time: two characters that
// need escaping, at every pair of offsets, are both found and the clean text between them kept.
TEST(JsonWriterTest, EscapesTwoCharactersAtEveryPairOfOffsets) {
  for (size_t first = 0; first < 20; ++first) {
    for (size_t second = first + 1; second < 30; ++second) {
      std::string text;
      for (size_t k = 0; k < 32; ++k) text += static_cast<char>('a' + k % 26);
      text[first] = '"';
      text[second] = '\n';
      std::string want = "\"";
      for (size_t k = 0; k < text.size(); ++k) {
        if (k == first) {
          want += "\\\"";
        } else if (k == second) {
          want += "\\n";
        } else {
          want += text[k];
        }
      }
      want += '"';
      std::string out;
      AppendJsonString(out, text);
      ASSERT_EQ(out, want) << first << "," << second;
    }
  }
}

}  // namespace
}  // namespace corroborate::asff
