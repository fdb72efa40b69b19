#include "aws/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <utility>

namespace corroborate::aws {
namespace {

constexpr std::string_view kHex = "0123456789abcdef";
constexpr std::string_view kHexUpper = "0123456789ABCDEF";

// Headers botocore never signs (botocore.auth.SIGNED_HEADERS_BLACKLIST), plus Authorization,
// which it removes before signing.
constexpr std::array<std::string_view, 12> kUnsignedHeaders = {"authorization",
                                                               "connection",
                                                               "expect",
                                                               "keep-alive",
                                                               "proxy-authenticate",
                                                               "proxy-authorization",
                                                               "te",
                                                               "trailer",
                                                               "transfer-encoding",
                                                               "upgrade",
                                                               "user-agent",
                                                               "x-amzn-trace-id"};

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// What Python's str.split() treats as whitespace among ASCII characters: botocore collapses
// header values with ' '.join(value.split()).
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
         (c >= '\x1c' && c <= '\x1f');
}

std::string TrimAll(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && IsSpace(value[i])) ++i;
    if (i == value.size()) break;
    if (!out.empty()) out += ' ';
    while (i < value.size() && !IsSpace(value[i])) out += value[i++];
  }
  return out;
}

// RFC 3986 "remove dot segments", also dropping empty segments, as botocore's
// normalize_url_path does.
std::string RemoveDotSegments(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view segment = path.substr(start, slash - start);
    if (segment == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!segment.empty() && segment != ".") {
      out.push_back(segment);
    }
    start = slash + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result;
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, md, nullptr) != 1) return {};
  return {reinterpret_cast<const char*>(out.data()), size};
}

bool ParseDigits(std::string_view s, int* out) {
  int v = 0;
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::optional<std::int64_t> EpochOf(int year, int month, int day, int hour, int minute,
                                    int second) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  return HexEncode(Digest(EVP_sha256(), data));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &size) == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(out.data()), size};
}

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHexUpper[c >> 4];
      out += kHexUpper[c & 0xF];
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string CanonicalUri(std::string_view raw_path) {
  return UriEncode(RemoveDotSegments(raw_path), /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view raw_query) {
  if (raw_query.empty()) return "";
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) amp = raw_query.size();
    const std::string_view pair = raw_query.substr(start, amp - start);
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    pairs.emplace_back(UriEncode(UriDecode(name), false), UriEncode(UriDecode(value), false));
    start = amp + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::vector<std::string> SignableHeaderNames(const std::vector<Header>& headers) {
  std::vector<std::string> names;
  for (const Header& h : headers) {
    std::string name = Lower(h.name);
    if (std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), name) !=
        kUnsignedHeaders.end()) {
      continue;
    }
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string CanonicalHeaders(const std::vector<Header>& headers,
                             const std::vector<std::string>& signed_names, bool* all_present) {
  if (all_present != nullptr) *all_present = true;
  std::string out;
  for (const std::string& name : signed_names) {
    std::string value;
    bool found = false;
    for (const Header& h : headers) {
      if (Lower(h.name) != name) continue;
      if (found) value += ',';
      value += TrimAll(h.value);
      found = true;
    }
    if (!found && all_present != nullptr) *all_present = false;
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  return out;
}

std::string JoinSignedHeaders(const std::vector<std::string>& signed_names) {
  std::string out;
  for (const std::string& name : signed_names) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string CanonicalRequest(const SigningRequest& request,
                             const std::vector<std::string>& signed_names) {
  std::string out = request.method;
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  out += '\n';
  out += CanonicalUri(request.raw_path);
  out += '\n';
  out += CanonicalQuery(request.raw_query);
  out += '\n';
  out += CanonicalHeaders(request.headers, signed_names, nullptr);
  out += '\n';
  out += JoinSignedHeaders(signed_names);
  out += '\n';
  out += request.payload_hash;
  return out;
}

std::string CredentialScope(std::string_view date8, std::string_view region,
                            std::string_view service) {
  std::string out(date8);
  out += '/';
  out += region;
  out += '/';
  out += service;
  out += "/aws4_request";
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += Sha256Hex(canonical_request);
  return out;
}

std::string SigningKey(std::string_view secret_access_key, std::string_view date8,
                       std::string_view region, std::string_view service) {
  std::string key = "AWS4";
  key += secret_access_key;
  std::string k = HmacSha256(key, date8);
  OPENSSL_cleanse(key.data(), key.size());
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  return HmacSha256(k, "aws4_request");
}

std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

std::string AuthorizationHeader(std::string_view access_key_id, std::string_view scope,
                                const std::vector<std::string>& signed_names,
                                std::string_view signature_hex) {
  std::string out(kAlgorithm);
  out += " Credential=";
  out += access_key_id;
  out += '/';
  out += scope;
  out += ", SignedHeaders=";
  out += JoinSignedHeaders(signed_names);
  out += ", Signature=";
  out += signature_hex;
  return out;
}

std::string Sign(SigningRequest& request, const Credentials& credentials, std::string_view region,
                 std::string_view service, std::int64_t epoch_seconds) {
  const std::string amz_date = FormatAmzDate(epoch_seconds);
  auto drop = [&](std::string_view name) {
    std::erase_if(request.headers, [&](const Header& h) { return Lower(h.name) == name; });
  };
  drop("authorization");
  drop("x-amz-date");
  request.headers.push_back({"X-Amz-Date", amz_date});
  if (!credentials.session_token.empty()) {
    drop("x-amz-security-token");
    request.headers.push_back({"X-Amz-Security-Token", credentials.session_token});
  }
  const std::vector<std::string> names = SignableHeaderNames(request.headers);
  const std::string date8 = amz_date.substr(0, 8);
  const std::string scope = CredentialScope(date8, region, service);
  const std::string to_sign = StringToSign(amz_date, scope, CanonicalRequest(request, names));
  const std::string key = SigningKey(credentials.secret_access_key, date8, region, service);
  return AuthorizationHeader(credentials.access_key_id, scope, names, SignatureHex(key, to_sign));
}

Result<ParsedAuthorization> ParseAuthorization(std::string_view value) {
  if (!value.starts_with(kAlgorithm) ||
      (value.size() > kAlgorithm.size() && value[kAlgorithm.size()] != ' ')) {
    return Status::InvalidInput("Authorization header requires the AWS4-HMAC-SHA256 algorithm");
  }
  std::string_view rest = value.substr(kAlgorithm.size());
  std::optional<std::string_view> credential, signed_headers, signature;
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
    if (rest.empty()) break;
    size_t end = rest.find(',');
    if (end == std::string_view::npos) end = rest.size();
    std::string_view item = rest.substr(0, end);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    rest.remove_prefix(end);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidInput("Authorization header element '" + std::string(item) +
                                  "' is not of the form key=value");
    }
    const std::string_view key = item.substr(0, eq);
    const std::string_view v = item.substr(eq + 1);
    if (key == "Credential") {
      credential = v;
    } else if (key == "SignedHeaders") {
      signed_headers = v;
    } else if (key == "Signature") {
      signature = v;
    }
  }
  std::string missing;
  if (!credential) missing += " Credential";
  if (!signed_headers) missing += " SignedHeaders";
  if (!signature) missing += " Signature";
  if (!missing.empty()) {
    return Status::InvalidInput("Authorization header requires the parameters" + missing);
  }
  ParsedAuthorization out;
  std::vector<std::string_view> parts;
  std::string_view c = *credential;
  size_t start = 0;
  while (start <= c.size()) {
    size_t slash = c.find('/', start);
    if (slash == std::string_view::npos) slash = c.size();
    parts.push_back(c.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.size() != 5 || parts[4] != "aws4_request" || parts[0].empty() || parts[1].size() != 8 ||
      parts[2].empty() || parts[3].empty()) {
    return Status::InvalidInput(
        "Credential must have the form <access key id>/<YYYYMMDD>/<region>/<service>/"
        "aws4_request, not '" +
        std::string(c) + "'");
  }
  out.access_key_id = std::string(parts[0]);
  out.date8 = std::string(parts[1]);
  out.region = std::string(parts[2]);
  out.service = std::string(parts[3]);
  std::string_view sh = *signed_headers;
  start = 0;
  while (start <= sh.size() && !sh.empty()) {
    size_t semi = sh.find(';', start);
    if (semi == std::string_view::npos) semi = sh.size();
    if (semi > start) out.signed_headers.push_back(Lower(sh.substr(start, semi - start)));
    start = semi + 1;
  }
  if (out.signed_headers.empty()) {
    return Status::InvalidInput("SignedHeaders lists no header");
  }
  out.signature = std::string(*signature);
  if (out.signature.size() != 64 ||
      out.signature.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::InvalidInput("Signature must be 64 lower-case hex digits");
  }
  return out;
}

std::string FormatAmzDate(std::int64_t epoch_seconds) {
  const std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 20> buf{};
  std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
  return buf.data();
}

std::optional<std::int64_t> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!ParseDigits(text.substr(0, 4), &y) || !ParseDigits(text.substr(4, 2), &mo) ||
      !ParseDigits(text.substr(6, 2), &d) || !ParseDigits(text.substr(9, 2), &h) ||
      !ParseDigits(text.substr(11, 2), &mi) || !ParseDigits(text.substr(13, 2), &s)) {
    return std::nullopt;
  }
  return EpochOf(y, mo, d, h, mi, s);
}

std::optional<std::int64_t> ParseHttpDate(std::string_view text) {
  // IMF-fixdate: "Wed, 31 Jan 2024 23:59:59 GMT" (29 characters).
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT" ||
      text[7] != ' ' || text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':') {
    return std::nullopt;
  }
  int d = 0, y = 0, h = 0, mi = 0, s = 0;
  const auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month == kMonths.end() || !ParseDigits(text.substr(5, 2), &d) ||
      !ParseDigits(text.substr(12, 4), &y) || !ParseDigits(text.substr(17, 2), &h) ||
      !ParseDigits(text.substr(20, 2), &mi) || !ParseDigits(text.substr(23, 2), &s)) {
    return std::nullopt;
  }
  return EpochOf(y, static_cast<int>(month - kMonths.begin()) + 1, d, h, mi, s);
}

}  // namespace corroborate::aws
