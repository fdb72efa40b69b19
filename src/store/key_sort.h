// SortByKey: sorts items by a byte-string key in the order RocksDB's bytewise comparator (and
// std::string_view's compare) gives, for large sets of keys that share long prefixes.
//
// Contract: `key_of(item)` returns a std::string_view that stays valid during the call; on return
// `items` is ordered by that key, unsigned byte by byte, a key before every longer key it is a
// prefix of. Items with equal keys end up in an unspecified order.
//
// Why not std::sort with a string comparison: the keys the store writes in order (identity keys
// lp(ProductArn) | Id, index prefixes r|lp(resource)) share most of their bytes within a product,
// so every one of the n log n comparisons re-reads tens of equal bytes (the sorts and their memcmp
// were ~7% of durable ingest, docs/performance.md). This sorts on 8-byte words read after the bytes
// a run of keys shares, three ways (less, equal, greater), and descends a word only for the keys
// that tie on it: integer comparisons, and each shared byte read a few times instead of log n.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace corroborate::store {

namespace key_sort_detail {

// The 8 bytes of `key` from `depth` as a big-endian word, zero-padded past the end (so words
// compare as the bytes do; the padding is told apart from real zero bytes by the key's size).
inline std::uint64_t WordAt(std::string_view key, std::size_t depth) {
  if (depth >= key.size()) return 0;
  unsigned char bytes[8] = {};
  std::memcpy(bytes, key.data() + depth, std::min<std::size_t>(8, key.size() - depth));
  std::uint64_t word = 0;
  for (unsigned char b : bytes) word = (word << 8) | b;
  return word;
}

template <typename Item>
struct Slot {
  std::uint64_t word;
  Item item;
};

// Below this many keys a comparison sort of the remaining bytes is cheaper than another level.
inline constexpr std::size_t kSmallRun = 16;

template <typename Item, typename KeyOf>
void SortTails(Slot<Item>* first, Slot<Item>* last, std::size_t depth, const KeyOf& key_of) {
  std::sort(first, last, [&](const Slot<Item>& x, const Slot<Item>& y) {
    const std::string_view kx = key_of(x.item);
    const std::string_view ky = key_of(y.item);
    return kx.substr(std::min(depth, kx.size())) < ky.substr(std::min(depth, ky.size()));
  });
}

template <typename Item, typename KeyOf>
void SortRun(Slot<Item>* first, Slot<Item>* last, std::size_t depth, const KeyOf& key_of);

// Sorts [first, last), whose keys agree before `depth` and whose `word`s hold their bytes from
// `depth`: a three-way quicksort on the words (Bentley and Sedgewick's multikey quicksort, eight
// bytes at a time), so a word that many keys share is compared once per partition, not per pair.
// `budget` bounds the partitions, as introsort does: keys chosen to defeat the pivots fall back to
// a comparison sort rather than taking quadratic time.
template <typename Item, typename KeyOf>
void SortByWords(Slot<Item>* first, Slot<Item>* last, std::size_t depth, int budget,
                 const KeyOf& key_of) {
  while (static_cast<std::size_t>(last - first) > kSmallRun) {
    if (budget-- == 0) {
      SortTails(first, last, depth, key_of);
      return;
    }
    const std::size_t n = static_cast<std::size_t>(last - first);
    const std::uint64_t a = first->word;
    const std::uint64_t b = first[n / 2].word;
    const std::uint64_t c = last[-1].word;
    const std::uint64_t pivot = std::max(std::min(a, b), std::min(std::max(a, b), c));
    // [first, lt) < pivot, [lt, i) == pivot, [gt, last) > pivot.
    Slot<Item>* lt = first;
    Slot<Item>* i = first;
    Slot<Item>* gt = last;
    while (i < gt) {
      if (i->word < pivot) {
        std::swap(*lt++, *i++);
      } else if (i->word > pivot) {
        std::swap(*i, *--gt);
      } else {
        ++i;
      }
    }
    // The keys equal to the pivot's word: those that end within it are each a prefix of every
    // longer key here (their bytes so far are equal, and the word pads with zeros), so they go
    // first, shortest first; the rest continue after the word.
    if (gt - lt > 1) {
      const std::size_t next = depth + 8;
      Slot<Item>* open = std::partition(
          lt, gt, [&](const Slot<Item>& s) { return key_of(s.item).size() <= next; });
      std::sort(lt, open, [&](const Slot<Item>& x, const Slot<Item>& y) {
        return key_of(x.item).size() < key_of(y.item).size();
      });
      SortRun(open, gt, next, key_of);
    }
    // Recurse into the smaller side and loop on the larger, so the stack stays logarithmic.
    if (lt - first < last - gt) {
      SortByWords(first, lt, depth, budget, key_of);
      first = gt;
    } else {
      SortByWords(gt, last, depth, budget, key_of);
      last = lt;
    }
  }
  SortTails(first, last, depth, key_of);
}

// Sorts [first, last), whose keys all agree on their bytes before `depth` (zero-padded).
template <typename Item, typename KeyOf>
void SortRun(Slot<Item>* first, Slot<Item>* last, std::size_t depth, const KeyOf& key_of) {
  const auto n = static_cast<std::size_t>(last - first);
  if (n < 2) return;
  if (n <= kSmallRun) {
    SortTails(first, last, depth, key_of);
    return;
  }
  // Skip what the whole run shares past `depth`: identity keys of one product agree on dozens
  // of bytes, and a word of them would tie for every key.
  const std::string_view pivot = key_of(first->item);
  std::size_t shared = pivot.size() > depth ? pivot.size() - depth : 0;
  for (Slot<Item>* s = first + 1; s != last && shared > 0; ++s) {
    const std::string_view k = key_of(s->item);
    const std::size_t limit = std::min(shared, k.size() > depth ? k.size() - depth : 0);
    std::size_t i = 0;
    while (i < limit && k[depth + i] == pivot[depth + i]) ++i;
    shared = i;
  }
  depth += shared;
  for (Slot<Item>* s = first; s != last; ++s) s->word = WordAt(key_of(s->item), depth);
  int budget = 2;
  for (std::size_t m = n; m > 1; m >>= 1) budget += 2;  // 2 log2(n), introsort's depth limit
  SortByWords(first, last, depth, budget, key_of);
}

}  // namespace key_sort_detail

template <typename Item, typename KeyOf>
void SortByKey(std::vector<Item>& items, const KeyOf& key_of) {
  std::vector<key_sort_detail::Slot<Item>> slots;
  slots.reserve(items.size());
  for (Item& item : items) slots.push_back({0, std::move(item)});
  key_sort_detail::SortRun(slots.data(), slots.data() + slots.size(), 0, key_of);
  for (std::size_t i = 0; i < items.size(); ++i) items[i] = std::move(slots[i].item);
}

}  // namespace corroborate::store
