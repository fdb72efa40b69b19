#include "store/keys.h"

namespace corroborate::store::keys {

void PutVarint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

std::optional<std::uint64_t> GetVarint(std::string_view in, size_t& pos) {
  std::uint64_t v = 0;
  for (int shift = 0; shift <= 63 && pos < in.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in[pos++]);
    v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  return std::nullopt;
}

void PutLengthPrefixed(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

std::optional<std::string_view> GetLengthPrefixed(std::string_view in, size_t& pos) {
  const auto len = GetVarint(in, pos);
  if (!len || *len > in.size() - pos) return std::nullopt;
  const auto out = in.substr(pos, *len);
  pos += *len;
  return out;
}

namespace {
constexpr std::uint64_t kSignBit = 1ULL << 63;
}  // namespace

void PutBigEndian64(std::string& out, std::uint64_t v) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((v >> (56 - 8 * i)) & 0xFF);
  out.append(bytes, sizeof bytes);
}

std::uint64_t TimeAscendingBits(asff::TimeMs t) {
  return static_cast<std::uint64_t>(t) ^ kSignBit;
}

std::uint64_t TimeDescendingBits(asff::TimeMs t) {
  return ~TimeAscendingBits(t);
}

void PutTimeAscending(std::string& out, asff::TimeMs t) {
  PutBigEndian64(out, TimeAscendingBits(t));
}

void PutTimeDescending(std::string& out, asff::TimeMs t) {
  PutBigEndian64(out, TimeDescendingBits(t));
}

asff::TimeMs GetTimeAscending(std::string_view b) {
  std::uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < b.size(); ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return static_cast<asff::TimeMs>(v ^ kSignBit);
}

std::string PrimaryKey(std::string_view product_arn, std::string_view id) {
  std::string pk;
  pk.reserve(product_arn.size() + id.size() + 2);
  PutLengthPrefixed(pk, product_arn);
  pk.append(id);
  return pk;
}

asff::FindingIdentifier IdentifierFromPrimaryKey(std::string_view pk) {
  size_t pos = 0;
  const auto arn = GetLengthPrefixed(pk, pos);
  if (!arn) return {};
  return {std::string(*arn), std::string(pk.substr(pos))};
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace corroborate::store::keys
