#include "server/auth.h"

#include <algorithm>
#include <cstdlib>

#include "aws/sigv4.h"

namespace corroborate::server {
namespace {

constexpr std::string_view kMissing = "MissingAuthenticationTokenException";
constexpr std::string_view kIncomplete = "IncompleteSignatureException";
constexpr std::string_view kInvalid = "InvalidSignatureException";
constexpr std::string_view kUnrecognized = "UnrecognizedClientException";

std::variant<Principal, ApiError> FromToken(std::string_view token, const AuthOptions& options) {
  for (const BearerToken& t : options.bearer_tokens) {
    if (!t.token.empty() && aws::ConstantTimeEquals(t.token, token)) {
      return Principal{"token:" + t.name, "arn:aws:iam::" + options.account_id + ":user/" + t.name};
    }
  }
  return AuthFailure("AccessDeniedException", "The bearer token is not one this server accepts");
}

std::variant<Principal, ApiError> VerifySigV4(const Request& request, std::string_view header,
                                              const AuthOptions& options,
                                              std::int64_t now_seconds) {
  auto parsed = aws::ParseAuthorization(header);
  if (!parsed.ok()) return AuthFailure(kIncomplete, parsed.status().message());
  const aws::ParsedAuthorization& auth = *parsed;
  if (std::find(options.services.begin(), options.services.end(), auth.service) ==
      options.services.end()) {
    return AuthFailure(kInvalid, "Credential should be scoped to a valid service: '" +
                                     auth.service + "' is not one this server answers for");
  }
  const AccessKey* key = nullptr;
  for (const AccessKey& k : options.access_keys) {
    if (k.access_key_id == auth.access_key_id) key = &k;
  }
  if (key == nullptr) {
    return AuthFailure(kUnrecognized,
                       "The security token included in the request is invalid: access key " +
                           auth.access_key_id + " is not configured on this server");
  }
  if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), "host") ==
      auth.signed_headers.end()) {
    return AuthFailure(kIncomplete, "'Host' must be a signed header");
  }
  std::string amz_date(request.Header("x-amz-date"));
  std::optional<std::int64_t> when;
  if (!amz_date.empty()) {
    when = aws::ParseAmzDate(amz_date);
  } else if (const std::string_view date = request.Header("date"); !date.empty()) {
    when = aws::ParseHttpDate(date);
    if (when) amz_date = aws::FormatAmzDate(*when);
  } else {
    return AuthFailure(kIncomplete,
                       "Authorization header requires existence of either a 'X-Amz-Date' or a "
                       "'Date' header");
  }
  if (!when) {
    return AuthFailure(kIncomplete,
                       "The request date is not a valid X-Amz-Date "
                       "(YYYYMMDDTHHMMSSZ) or HTTP Date");
  }
  if (amz_date.substr(0, 8) != auth.date8) {
    return AuthFailure(kInvalid,
                       "Date in Credential scope does not match YYYYMMDD from "
                       "ISO-8601 version of date from HTTP: '" +
                           auth.date8 + "' != '" + amz_date.substr(0, 8) + "'");
  }
  if (std::llabs(*when - now_seconds) > options.max_skew_seconds) {
    const bool late = *when < now_seconds;
    return AuthFailure(kInvalid,
                       std::string("Signature ") + (late ? "expired: " : "not yet current: ") +
                           amz_date + " is " + (late ? "now earlier than " : "later than ") +
                           aws::FormatAmzDate(late ? now_seconds - options.max_skew_seconds
                                                   : now_seconds + options.max_skew_seconds) +
                           " (" + aws::FormatAmzDate(now_seconds) + (late ? " - " : " + ") +
                           std::to_string(options.max_skew_seconds / 60) + " min.)");
  }
  const std::string_view token = request.Header("x-amz-security-token");
  if (!key->session_token.empty() || !token.empty()) {
    if (!aws::ConstantTimeEquals(key->session_token, token)) {
      return AuthFailure(kUnrecognized, "The security token included in the request is invalid");
    }
  }
  std::string payload_hash = aws::Sha256Hex(request.body);
  if (const std::string_view declared = request.Header("x-amz-content-sha256"); !declared.empty()) {
    if (declared != payload_hash) {
      return AuthFailure(kInvalid,
                         "The provided 'x-amz-content-sha256' header does not match "
                         "the SHA-256 of the request body");
    }
  }
  aws::SigningRequest signing{request.method, request.raw_path, request.raw_query, request.headers,
                              std::move(payload_hash)};
  bool all_present = true;
  (void)aws::CanonicalHeaders(signing.headers, auth.signed_headers, &all_present);
  if (!all_present) {
    return AuthFailure(kIncomplete, "A header listed in SignedHeaders is not in the request");
  }
  const std::string scope = aws::CredentialScope(auth.date8, auth.region, auth.service);
  const std::string to_sign =
      aws::StringToSign(amz_date, scope, aws::CanonicalRequest(signing, auth.signed_headers));
  const std::string expected = aws::SignatureHex(
      aws::SigningKey(key->secret_access_key, auth.date8, auth.region, auth.service), to_sign);
  if (!aws::ConstantTimeEquals(expected, auth.signature)) {
    return AuthFailure(kInvalid,
                       "The request signature we calculated does not match the signature you "
                       "provided. Check your AWS Secret Access Key and signing method.");
  }
  std::string arn = key->principal.empty()
                        ? "arn:aws:iam::" + options.account_id + ":user/" + key->access_key_id
                        : key->principal;
  return Principal{"key:" + key->access_key_id, std::move(arn)};
}

}  // namespace

std::variant<Principal, ApiError> Authenticate(const Request& request, const AuthOptions& options,
                                               std::int64_t now_seconds, bool query_token_allowed) {
  if (options.allow_anonymous) {
    return Principal{"anonymous", "arn:aws:iam::" + options.account_id + ":root"};
  }
  const std::string_view header = request.Header("authorization");
  if (header.starts_with("Bearer ")) return FromToken(header.substr(7), options);
  if (header.starts_with("AWS4-")) return VerifySigV4(request, header, options, now_seconds);
  if (!header.empty()) {
    return AuthFailure(kIncomplete,
                       "Authorization header must be AWS4-HMAC-SHA256 (SigV4) or Bearer <token>");
  }
  if (query_token_allowed) {
    if (const std::string token = request.QueryParam("token"); !token.empty()) {
      return FromToken(token, options);
    }
  }
  return AuthFailure(kMissing,
                     "Missing Authentication Token: sign the request with AWS SigV4 (as awscli "
                     "and boto3 do) or send Authorization: Bearer <token>");
}

}  // namespace corroborate::server
