#include "store/key_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace corroborate::store {
namespace {

// Sorts copies of `keys` both ways and expects the same order.
void ExpectSortsAsStdSort(std::vector<std::string> keys) {
  std::vector<const std::string*> items;
  items.reserve(keys.size());
  for (const auto& k : keys) items.push_back(&k);
  SortByKey(items, [](const std::string* s) { return std::string_view(*s); });
  std::vector<std::string> got;
  got.reserve(items.size());
  for (const auto* p : items) got.push_back(*p);
  std::vector<std::string> want = keys;
  std::sort(want.begin(), want.end());
  ASSERT_EQ(got, want);
}

TEST(KeySortTest, OrdersKeysThatShareLongPrefixesAsBytes) {
  // The shape of identity keys: a length byte, the product ARN, then Ids sharing most bytes.
  std::mt19937_64 rng(7);
  std::vector<std::string> keys;
  const std::vector<std::string> products = {
      "arn:aws:securityhub:us-east-1::product/aws/guardduty",
      "arn:aws:securityhub:us-east-1::product/aws/inspector",
      "arn:aws:securityhub:eu-west-1::product/aws/guardduty"};
  for (int i = 0; i < 5000; ++i) {
    const std::string& product = products[rng() % products.size()];
    std::string key(1, static_cast<char>(product.size()));
    key += product;
    key += "arn:aws:guardduty:us-east-1:123456789012:detector/12abc34d/finding/";
    for (int j = 0; j < 1 + static_cast<int>(rng() % 3); ++j) key += std::to_string(rng() % 97);
    keys.push_back(key);
  }
  ExpectSortsAsStdSort(keys);
}

TEST(KeySortTest, PrefixesZeroBytesAndHighBytesOrderAsStdStringDoes) {
  // A key before each longer key it is a prefix of, even when the longer one goes on with zero
  // bytes (which is what the words are padded with); bytes above 0x7f compare unsigned.
  std::vector<std::string> keys = {"",
                                   std::string(1, '\0'),
                                   std::string(2, '\0'),
                                   "ab",
                                   std::string("ab\0", 3),
                                   std::string("ab\0\0\0\0\0\0\0\0", 10),
                                   std::string("ab\0\0\0\0\0\0\0\0x", 11),
                                   "abcdefgh",
                                   "abcdefghi",
                                   "abcdefgh\xff",
                                   "\xff",
                                   "\x7f",
                                   "abcdefghabcdefgh",
                                   "abcdefghabcdefg"};
  // Enough copies with a shared head that the runs are sorted by words, not the small-run sort.
  std::vector<std::string> many;
  for (int copy = 0; copy < 4; ++copy) {
    for (const auto& k : keys) many.push_back(std::string(40, 'p') + k);
    for (const auto& k : keys) many.push_back(k);
  }
  ExpectSortsAsStdSort(many);
}

TEST(KeySortTest, RandomKeysOfEveryLengthOverASmallAlphabet) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> keys;
    const int count = 1 + static_cast<int>(rng() % 400);
    for (int i = 0; i < count; ++i) {
      std::string key;
      const int size = static_cast<int>(rng() % 30);
      for (int j = 0; j < size; ++j) key += static_cast<char>("\0\1a\xfe"[rng() % 4]);
      keys.push_back(key);
    }
    ExpectSortsAsStdSort(keys);
  }
}

TEST(KeySortTest, SortedReversedAndRepeatedInputs) {
  // The inputs that defeat naive pivots: already ordered, reversed, one key many times, and an
  // organ pipe (ascending then descending), each long enough to be partitioned many times over.
  std::vector<std::string> ascending;
  for (int i = 0; i < 3000; ++i) ascending.push_back("key/" + std::to_string(100000 + i));
  ExpectSortsAsStdSort(ascending);
  ExpectSortsAsStdSort({ascending.rbegin(), ascending.rend()});
  ExpectSortsAsStdSort(std::vector<std::string>(2000, "the same identity key, repeated"));
  std::vector<std::string> organ_pipe(ascending.begin(), ascending.begin() + 1500);
  organ_pipe.insert(organ_pipe.end(), ascending.rbegin(), ascending.rbegin() + 1500);
  ExpectSortsAsStdSort(organ_pipe);
}

}  // namespace
}  // namespace corroborate::store
