// SigV4 against botocore: tests/aws/botocore_sigv4_cases.py signs generated requests with
// botocore's SigV4Auth, and every Authorization header src/aws/sigv4 computes must be identical.
#include "aws/sigv4.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <string>
#include <vector>

namespace corroborate::aws {
namespace {

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

std::vector<Header> HeadersOf(simdjson::dom::array a) {
  std::vector<Header> out;
  for (simdjson::dom::element pair : a) {
    out.push_back({std::string(pair.at(0).get_string().value()),
                   std::string(pair.at(1).get_string().value())});
  }
  return out;
}

TEST(SigV4Botocore, SignsGeneratedRequestsExactlyAsBotocore) {
  const std::string cases = RunCommand("python3 " CORROBORATE_SOURCE_DIR
                                       "/tests/aws/botocore_sigv4_cases.py --count 600 --seed 5");
  ASSERT_FALSE(cases.empty()) << "the botocore case generator produced nothing";
  simdjson::dom::parser parser;
  size_t checked = 0;
  for (simdjson::dom::element c : parser.parse_many(cases)) {
    SigningRequest request;
    request.method = std::string(c["method"].get_string().value());
    request.raw_path = std::string(c["path"].get_string().value());
    request.raw_query = std::string(c["query"].get_string().value());
    request.payload_hash = std::string(c["payload_sha256"].get_string().value());
    request.headers = HeadersOf(c["headers_before"].get_array().value());
    const Credentials credentials{std::string(c["access_key"].get_string().value()),
                                  std::string(c["secret_key"].get_string().value()),
                                  std::string(c["token"].get_string().value())};
    const std::string expected(c["authorization"].get_string().value());
    const std::int64_t epoch = c["epoch"].get_int64().value();
    const std::string region(c["region"].get_string().value());
    const std::string service(c["service"].get_string().value());
    // Signing, as a client would.
    EXPECT_EQ(Sign(request, credentials, region, service, epoch), expected)
        << "case " << c["case"].get_int64().value() << " " << request.method << " "
        << request.raw_path << "?" << request.raw_query;
    // Verifying, as the server does: from the headers botocore sent and its SignedHeaders.
    auto parsed = ParseAuthorization(expected);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    request.headers = HeadersOf(c["headers_after"].get_array().value());
    const std::string scope = CredentialScope(parsed->date8, parsed->region, parsed->service);
    const std::string to_sign = StringToSign(FormatAmzDate(epoch), scope,
                                             CanonicalRequest(request, parsed->signed_headers));
    EXPECT_EQ(SignatureHex(SigningKey(credentials.secret_access_key, parsed->date8, parsed->region,
                                      parsed->service),
                           to_sign),
              parsed->signature);
    ++checked;
  }
  EXPECT_EQ(checked, 600U);
}

// The AWS documentation's worked example (IAM ListUsers, GET, no body).
TEST(SigV4, DocumentedExample) {
  SigningRequest request;
  request.method = "GET";
  request.raw_path = "/";
  request.raw_query = "Action=ListUsers&Version=2010-05-08";
  request.headers = {{"Host", "iam.amazonaws.com"},
                     {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                     {"X-Amz-Date", "20150830T123600Z"}};
  request.payload_hash = std::string(kEmptyPayloadSha256);
  const std::vector<std::string> names = SignableHeaderNames(request.headers);
  const std::string canonical = CanonicalRequest(request, names);
  EXPECT_EQ(Sha256Hex(canonical),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  const std::string scope = CredentialScope("20150830", "us-east-1", "iam");
  const std::string key =
      SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam");
  EXPECT_EQ(SignatureHex(key, StringToSign("20150830T123600Z", scope, canonical)),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, CanonicalUriRemovesDotAndEmptySegmentsAndEncodesAgain) {
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/"), "/");
  EXPECT_EQ(CanonicalUri("//a/./b/../c//"), "/a/c/");
  EXPECT_EQ(CanonicalUri("/insights/arn%3Aaws%3Asecurityhub"),
            "/insights/arn%253Aaws%253Asecurityhub");
  EXPECT_EQ(CanonicalUri("/a b~"), "/a%20b~");
}

TEST(SigV4, CanonicalQuerySortsAndEncodes) {
  EXPECT_EQ(CanonicalQuery("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(CanonicalQuery("MaxResults=5&NextToken=a%2Fb"), "MaxResults=5&NextToken=a%2Fb");
  EXPECT_EQ(CanonicalQuery("flag"), "flag=");
  EXPECT_EQ(CanonicalQuery("x=a/b"), "x=a%2Fb");
}

TEST(SigV4, ParseAuthorizationSaysWhatIsWrong) {
  EXPECT_FALSE(ParseAuthorization("Bearer abc").ok());
  auto missing =
      ParseAuthorization("AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/s/aws4_request");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("SignedHeaders Signature"), std::string::npos);
  auto bad_scope = ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AK/2024/us-east-1, SignedHeaders=host, Signature=" +
      std::string(64, 'a'));
  ASSERT_FALSE(bad_scope.ok());
  EXPECT_NE(bad_scope.status().message().find("Credential must have the form"), std::string::npos);
  auto good = ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/securityhub/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=" +
      std::string(64, 'f'));
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(good->access_key_id, "AKID");
  EXPECT_EQ(good->region, "eu-west-1");
  EXPECT_EQ(good->signed_headers, (std::vector<std::string>{"content-type", "host", "x-amz-date"}));
}

TEST(SigV4, Dates) {
  EXPECT_EQ(FormatAmzDate(0), "19700101T000000Z");
  EXPECT_EQ(ParseAmzDate("20240131T235959Z"), 1706745599);
  EXPECT_EQ(ParseAmzDate("2024-01-31T23:59:59Z"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Wed, 31 Jan 2024 23:59:59 GMT"), 1706745599);
  EXPECT_EQ(ParseHttpDate("Wed, 31 Foo 2024 23:59:59 GMT"), std::nullopt);
}

TEST(SigV4, UriDecodeKeepsBrokenEscapes) {
  EXPECT_EQ(UriDecode("a%2Fb%zz%4"), "a/b%zz%4");
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

}  // namespace
}  // namespace corroborate::aws
