// AWS Signature Version 4: the signing primitives, shared by anything that signs outbound
// requests (an AWS client) and by the HTTP server's verifier, which recomputes a request's
// signature from what it received.
//
// Contract:
// - The canonical request is built exactly as botocore's SigV4Auth builds it for every service
//   but S3 (tests/aws compares Authorization headers with botocore's signer on generated
//   requests): the method; the path as sent, with dot segments and empty segments removed and
//   then percent-encoded once more (only A-Z a-z 0-9 - _ . ~ and / stay as they are); the query as
//   sent, each name and value percent-decoded and encoded again the same way (keeping /
//   encoded), pairs sorted by name then value; the signed headers, names lower-cased, values
//   with leading, trailing and repeated whitespace collapsed, repeated headers joined with ',';
//   the SignedHeaders list; the payload's hex SHA-256.
// - CanonicalRequest signs exactly the headers it is given; Sign picks every header but the
//   hop-by-hop ones botocore leaves out, adds X-Amz-Date (and X-Amz-Security-Token when the
//   credentials have a session token) and returns the Authorization header's value.
// - ParseAuthorization reads an `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`
//   value and says precisely what is missing or malformed. ParseAmzDate reads X-Amz-Date
//   (YYYYMMDDTHHMMSSZ) and ParseHttpDate an RFC 7231 Date header.
// - Pure functions over bytes; HMAC and SHA-256 come from OpenSSL. No I/O, no clock: the caller
//   passes the time. Nothing here ever logs or keeps a secret.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace corroborate::aws {

struct Header {
  std::string name;  // as sent (compared case-insensitively)
  std::string value;
};

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

// A request as signed: what goes on the wire, before signing.
struct SigningRequest {
  std::string method;     // "POST"
  std::string raw_path;   // the path as sent, already percent-encoded ("/insights/arn%3Aaws...")
  std::string raw_query;  // the query as sent, without '?' (may be empty)
  std::vector<Header> headers;
  std::string payload_hash;  // hex SHA-256 of the body (see PayloadHash)
};

// --- Primitives ---------------------------------------------------------------------------------
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string HexEncode(std::string_view bytes);                        // lower-case
// RFC 3986 percent-encoding: A-Z a-z 0-9 - _ . ~ unchanged (and '/' when keep_slash), the rest
// %XX with upper-case hex.
std::string UriEncode(std::string_view s, bool keep_slash);
// %XX sequences decoded; a '%' not followed by two hex digits is kept as it is.
std::string UriDecode(std::string_view s);
// Constant-time comparison, for signatures and tokens.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// --- Canonical request --------------------------------------------------------------------------
std::string CanonicalUri(std::string_view raw_path);
std::string CanonicalQuery(std::string_view raw_query);
// The canonical headers block (each "name:value\n") of `headers` whose lower-cased names are in
// `signed_names` (lower-case, sorted, unique), and whether every signed name was present.
std::string CanonicalHeaders(const std::vector<Header>& headers,
                             const std::vector<std::string>& signed_names, bool* all_present);
// Lower-cased, sorted, unique names of `headers` minus the ones botocore never signs.
std::vector<std::string> SignableHeaderNames(const std::vector<Header>& headers);
std::string JoinSignedHeaders(const std::vector<std::string>& signed_names);
std::string CanonicalRequest(const SigningRequest& request,
                             const std::vector<std::string>& signed_names);

// --- Signature ----------------------------------------------------------------------------------
// "20240131/us-east-1/securityhub/aws4_request"
std::string CredentialScope(std::string_view date8, std::string_view region,
                            std::string_view service);
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
std::string SigningKey(std::string_view secret_access_key, std::string_view date8,
                       std::string_view region, std::string_view service);
std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign);
std::string AuthorizationHeader(std::string_view access_key_id, std::string_view scope,
                                const std::vector<std::string>& signed_names,
                                std::string_view signature_hex);

// Signs `request` at `epoch_seconds`: adds X-Amz-Date (and X-Amz-Security-Token), and returns
// the Authorization header value (which the caller adds). `request.payload_hash` must be set.
std::string Sign(SigningRequest& request, const Credentials& credentials, std::string_view region,
                 std::string_view service, std::int64_t epoch_seconds);

// --- Parsing what a client sent -----------------------------------------------------------------
struct ParsedAuthorization {
  std::string access_key_id;
  std::string date8;
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  // as listed (lower-case, ';'-separated on the wire)
  std::string signature;                    // hex
};
// InvalidInput with a message naming what is wrong (IncompleteSignature in AWS's terms).
Result<ParsedAuthorization> ParseAuthorization(std::string_view value);

std::string FormatAmzDate(std::int64_t epoch_seconds);  // 20240131T235959Z
std::optional<std::int64_t> ParseAmzDate(std::string_view text);
std::optional<std::int64_t> ParseHttpDate(
    std::string_view text);  // "Wed, 31 Jan 2024 23:59:59 GMT"

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace corroborate::aws
