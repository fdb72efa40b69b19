#include "store/keys.h"

#include <gtest/gtest.h>

namespace corroborate::store::keys {
namespace {

TEST(KeysTest, TimesSortInByteOrder) {
  std::string a, b, c;
  PutTimeAscending(a, -5);
  PutTimeAscending(b, 0);
  PutTimeAscending(c, 1794000000000);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(GetTimeAscending(c), 1794000000000);
  std::string da, db;
  PutTimeDescending(da, 10);
  PutTimeDescending(db, 20);
  EXPECT_GT(da, db);
}

TEST(KeysTest, LengthPrefixKeepsHostileValuesApart) {
  // Without the prefix, ("ab", "c...") and ("a", "bc...") would share bytes.
  EXPECT_NE(PrimaryKey("ab", "c"), PrimaryKey("a", "bc"));
  const auto id = IdentifierFromPrimaryKey(PrimaryKey(std::string("a\0b", 3), "x\xff"));
  EXPECT_EQ(id.product_arn, std::string("a\0b", 3));
  EXPECT_EQ(id.id, "x\xff");
}

TEST(KeysTest, VarintsRoundTripAndRejectTruncation) {
  for (std::uint64_t v : {0ULL, 127ULL, 128ULL, 300ULL, 1ULL << 40, ~0ULL}) {
    std::string s;
    PutVarint(s, v);
    size_t pos = 0;
    EXPECT_EQ(GetVarint(s, pos), v);
    EXPECT_EQ(pos, s.size());
    size_t p2 = 0;
    EXPECT_FALSE(GetVarint(std::string_view(s).substr(0, s.size() - 1), p2).has_value() &&
                 s.size() > 1);
  }
}

TEST(KeysTest, HexRoundTripsAndRejectsJunk) {
  EXPECT_EQ(HexDecode(HexEncode(std::string("\x00\x7f\xff", 3))), std::string("\x00\x7f\xff", 3));
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

}  // namespace
}  // namespace corroborate::store::keys
