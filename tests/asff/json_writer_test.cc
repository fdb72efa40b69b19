#include "asff/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

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

}  // namespace
}  // namespace corroborate::asff
