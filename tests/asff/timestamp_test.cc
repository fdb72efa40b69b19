#include "asff/timestamp.h"

#include <gtest/gtest.h>

namespace corroborate::asff {
namespace {

TEST(TimestampTest, AcceptsEveryFormatSecurityHubAccepts) {
  const TimeMs base = *ParseTimestamp("2024-03-01T12:00:00Z");
  EXPECT_EQ(base, 1709294400000);
  EXPECT_EQ(*ParseTimestamp("2024-03-01T12:00:00.5Z"), base + 500);
  EXPECT_EQ(*ParseTimestamp("2024-03-01T12:00:00.123Z"), base + 123);
  EXPECT_EQ(*ParseTimestamp("2024-03-01T12:00:00.123456789Z"), base + 123);
  EXPECT_EQ(*ParseTimestamp("2024-03-01T13:00:00+01:00"), base);
  EXPECT_EQ(*ParseTimestamp("2024-03-01T11:30:00-0030"), base);
  EXPECT_EQ(*ParseTimestamp("2024-03-01T12:00:00.250+00:00"), base + 250);
}

TEST(TimestampTest, RoundsNanosecondsToMilliseconds) {
  const TimeMs base = *ParseTimestamp("2024-03-01T12:00:00Z");
  EXPECT_EQ(*ParseTimestamp("2024-03-01T12:00:00.0004999Z"), base);
  EXPECT_EQ(*ParseTimestamp("2024-03-01T12:00:00.0005Z"), base + 1);
  EXPECT_EQ(*ParseTimestamp("2024-03-01T12:00:00.9999999Z"), base + 1000);
}

TEST(TimestampTest, RejectsWhatSecurityHubRejects) {
  for (const char* bad :
       {"", "2024-03-01", "2024-03-01T12:00:00", "2024-03-01 12:00:00Z", "2024-13-01T12:00:00Z",
        "2024-02-30T12:00:00Z", "2024-03-01T24:00:00Z", "2024-03-01T12:00:00.Z",
        "2024-03-01T12:00:00.1234567890Z", "2024-03-01T12:00:00+19:00", "2024-03-01T12:00:00+1:00",
        "2024-03-01T12:00:00Zjunk", "1709294400"}) {
    EXPECT_FALSE(ParseTimestamp(bad).has_value()) << bad;
  }
  EXPECT_TRUE(ParseTimestamp("2024-03-01T12:00:00+18:00").has_value());
}

TEST(TimestampTest, FormatsCanonicallyAndRoundTrips) {
  EXPECT_EQ(FormatTimestamp(1709294400123), "2024-03-01T12:00:00.123Z");
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(253402300799999), "9999-12-31T23:59:59.999Z");
  // Outside four-digit years (never valid ASFF, but a clock can say anything): still readable.
  EXPECT_EQ(FormatTimestamp(253402300800000), "10000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(-62167219200001), "-001-12-31T23:59:59.999Z");
  for (TimeMs t : {TimeMs{1}, TimeMs{951782400000}, TimeMs{4102444799999}}) {
    EXPECT_EQ(*ParseTimestamp(FormatTimestamp(t)), t);
  }
}

}  // namespace
}  // namespace corroborate::asff
