// StringHash and StringMap<V>: the string-keyed hash table of the hot paths (the store's pending
// identities and index prefixes, the correlator's members and active incidents).
//
// Contract: StringMap<V> is boost::unordered_flat_map<std::string, V> with a transparent hash, so a
// lookup by std::string_view makes no string. It is open addressing: references and iterators
// into it do not survive an insertion (keep values behind a pointer when callers must hold one).
// Why: these tables hold up to a million entries and are looked up for every finding; a
// node-based map's lookup was a cache miss in its bucket array, another in its node and a third
// in its key (docs/performance.md). The hash is std::hash (eight bytes a step) rather than
// boost::hash, which mixes every four bytes of keys that are often a hundred bytes and more.
// Users link Boost::headers (Boost 1.81 or newer).
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace corroborate {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <typename Value>
using StringMap = boost::unordered_flat_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace corroborate
