// Authentication: requests signed with src/aws/sigv4 (which tests/aws checks against botocore)
// are accepted by the verifier; every way a signature can be wrong is refused with AWS's error
// type and a message without secrets.
#include "server/auth.h"

#include <gtest/gtest.h>

#include "aws/sigv4.h"

namespace corroborate::server {
namespace {

constexpr std::int64_t kNow = 1795334400;  // 2026-11-22T08:00:00Z
const aws::Credentials kKey{"AKIAEXAMPLEEXAMPLE01", "secret/secret/secret/secret/secret/secret",
                            ""};

AuthOptions Options() {
  AuthOptions o;
  o.access_keys.push_back(
      {kKey.access_key_id, kKey.secret_access_key, "", "arn:aws:iam::111122223333:user/alice"});
  o.bearer_tokens.push_back({"ci", "a-bearer-token-of-some-length"});
  return o;
}

Request Signed(std::string body = "{}", std::int64_t when = kNow,
               const aws::Credentials& key = kKey, std::string service = "securityhub") {
  Request r;
  r.method = "POST";
  r.raw_path = "/findings";
  r.body = std::move(body);
  aws::SigningRequest s{r.method,
                        r.raw_path,
                        "",
                        {{"Host", "127.0.0.1:8080"}, {"Content-Type", "application/json"}},
                        aws::Sha256Hex(r.body)};
  const std::string authorization = aws::Sign(s, key, "eu-west-1", service, when);
  r.headers = s.headers;
  r.headers.push_back({"Authorization", authorization});
  r.headers.push_back({"User-Agent", "aws-cli/1.x"});  // not signed: may be anything
  return r;
}

ApiError Refused(const Request& r, const AuthOptions& o = Options(), std::int64_t now = kNow,
                 bool query_token = false) {
  auto result = Authenticate(r, o, now, query_token);
  EXPECT_TRUE(std::holds_alternative<ApiError>(result));
  if (!std::holds_alternative<ApiError>(result)) return {};
  ApiError e = std::get<ApiError>(result);
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.message.find(kKey.secret_access_key), std::string::npos);
  return e;
}

TEST(Auth, AcceptsASigV4SignedRequest) {
  auto result = Authenticate(Signed(), Options(), kNow, false);
  ASSERT_TRUE(std::holds_alternative<Principal>(result)) << std::get<ApiError>(result).message;
  EXPECT_EQ(std::get<Principal>(result).id, "key:" + kKey.access_key_id);
  EXPECT_EQ(std::get<Principal>(result).arn, "arn:aws:iam::111122223333:user/alice");
  // Within the allowed skew, both ways.
  EXPECT_TRUE(
      std::holds_alternative<Principal>(Authenticate(Signed(), Options(), kNow + 899, false)));
  EXPECT_TRUE(
      std::holds_alternative<Principal>(Authenticate(Signed(), Options(), kNow - 899, false)));
}

TEST(Auth, RefusesUnsignedWrongKeyOrTamperedRequests) {
  Request unsigned_request;
  unsigned_request.method = "POST";
  unsigned_request.raw_path = "/findings";
  EXPECT_EQ(Refused(unsigned_request).type, "MissingAuthenticationTokenException");
  EXPECT_EQ(Refused(Signed("{}", kNow, {"AKIAOTHER", "x", ""})).type,
            "UnrecognizedClientException");
  EXPECT_EQ(Refused(Signed("{}", kNow, {kKey.access_key_id, "wrong", ""})).type,
            "InvalidSignatureException");
  Request tampered = Signed();
  tampered.body = R"({"MaxResults":1})";
  EXPECT_EQ(Refused(tampered).type, "InvalidSignatureException");
  Request moved = Signed();
  moved.raw_path = "/findings/import";
  EXPECT_EQ(Refused(moved).type, "InvalidSignatureException");
  EXPECT_EQ(Refused(Signed("{}", kNow, kKey, "s3")).type, "InvalidSignatureException");
}

TEST(Auth, RefusesReplayedAndFutureRequests) {
  ApiError late = Refused(Signed(), Options(), kNow + 901);
  EXPECT_EQ(late.type, "InvalidSignatureException");
  EXPECT_NE(late.message.find("Signature expired"), std::string::npos);
  ApiError early = Refused(Signed(), Options(), kNow - 901);
  EXPECT_NE(early.message.find("not yet current"), std::string::npos);
}

TEST(Auth, RefusesMalformedAuthorization) {
  Request r = Signed();
  for (auto& h : r.headers) {
    if (h.name == "Authorization") h.value = "AWS4-HMAC-SHA256 Credential=AKIA/x";
  }
  EXPECT_EQ(Refused(r).type, "IncompleteSignatureException");
  Request no_date = Signed();
  std::erase_if(no_date.headers, [](const aws::Header& h) { return h.name == "X-Amz-Date"; });
  EXPECT_EQ(Refused(no_date).type, "IncompleteSignatureException");
  Request mismatch = Signed();
  mismatch.headers.push_back({"x-amz-content-sha256", std::string(64, '0')});
  EXPECT_EQ(Refused(mismatch).type, "InvalidSignatureException");
}

TEST(Auth, BearerTokensAndQueryTokens) {
  Request r;
  r.headers.push_back({"Authorization", "Bearer a-bearer-token-of-some-length"});
  auto ok = Authenticate(r, Options(), kNow, false);
  ASSERT_TRUE(std::holds_alternative<Principal>(ok));
  EXPECT_EQ(std::get<Principal>(ok).id, "token:ci");
  r.headers[0].value = "Bearer nope";
  EXPECT_EQ(Refused(r).type, "AccessDeniedException");
  Request q;
  q.raw_query = "token=a-bearer-token-of-some-length";
  EXPECT_EQ(Refused(q).type, "MissingAuthenticationTokenException");
  EXPECT_TRUE(std::holds_alternative<Principal>(Authenticate(q, Options(), kNow, true)));
}

TEST(Auth, AnonymousWhenAllowed) {
  AuthOptions o;
  o.allow_anonymous = true;
  EXPECT_TRUE(std::holds_alternative<Principal>(Authenticate(Request{}, o, kNow, false)));
}

}  // namespace
}  // namespace corroborate::server
