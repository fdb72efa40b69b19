// Key encodings of the embedded store (see docs/storage.md for the layout and why).
//
// Contract: every encoding is order-preserving where the store iterates in order (times are
// big-endian with the sign bit flipped, descending times are bit-inverted), and every variable-
// length part is length-prefixed, so no value, however hostile, can make two keys collide or a
// prefix scan stray into another resource's or value's range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "asff/finding.h"

namespace corroborate::store::keys {

// Index key prefixes (the first byte of every key in the index column family).
inline constexpr char kByUpdatedDesc =
    'u';  // u | desc(UpdatedAt) | pk -> state | asc(retention clock)
inline constexpr char kByResource = 'r';  // r | lp(canonical key) | pk
inline constexpr char kByField = 'f';     // f | field id | lp(value) | desc(UpdatedAt) | pk
// g | lp(resource key) | lp(related key) | lp(related type) | seq: a relation a finding states.
inline constexpr char kByRelation = 'g';

void PutVarint(std::string& out, std::uint64_t v);
// Reads a varint at `pos`, advancing it; nullopt when malformed.
std::optional<std::uint64_t> GetVarint(std::string_view in, size_t& pos);
void PutLengthPrefixed(std::string& out, std::string_view s);
std::optional<std::string_view> GetLengthPrefixed(std::string_view in, size_t& pos);

// The 8 bytes big-endian, so that integers compare as their encodings do.
void PutBigEndian64(std::string& out, std::uint64_t v);
// The words PutTimeAscending and PutTimeDescending write (big-endian).
std::uint64_t TimeAscendingBits(asff::TimeMs t);
std::uint64_t TimeDescendingBits(asff::TimeMs t);
void PutTimeAscending(std::string& out, asff::TimeMs t);
void PutTimeDescending(std::string& out, asff::TimeMs t);
asff::TimeMs GetTimeAscending(std::string_view eight_bytes);

// Primary key: lp(ProductArn) | Id.
std::string PrimaryKey(std::string_view product_arn, std::string_view id);
asff::FindingIdentifier IdentifierFromPrimaryKey(std::string_view pk);

std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex);

}  // namespace corroborate::store::keys
