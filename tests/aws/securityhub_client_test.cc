// SecurityHubClient against a local fake: the REST paths and methods of botocore's model, a
// SigV4 signature the fake verifies with the shared primitives, results parsed, and every class
// of AWS error mapped to a Status that says what happened.
#include "aws/securityhub_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>

#include "tests/aws/fake_http_server.h"

namespace corroborate::aws {
namespace {

using corroborate::testing::FakeHttpServer;
using corroborate::testing::FakeRequest;
using corroborate::testing::FakeResponse;

constexpr std::int64_t kRequestTime = 1767225600;
constexpr char kKeyId[] = "AKIAHUBTESTFAKE";
constexpr char kSecret[] = "hub/test/secret/fake";

// Recomputes the signature the way the server's verifier does.
bool SignatureValid(const FakeRequest& r, std::string* why) {
  auto auth = ParseAuthorization(r.headers.at("authorization"));
  if (!auth.ok()) {
    *why = auth.status().message();
    return false;
  }
  SigningRequest s;
  s.method = r.method;
  const auto q = r.target.find('?');
  s.raw_path = r.target.substr(0, q);
  for (const auto& [name, value] : r.headers) s.headers.push_back({name, value});
  s.payload_hash = Sha256Hex(r.body);
  const std::string canonical = CanonicalRequest(s, auth->signed_headers);
  const std::string scope = CredentialScope(auth->date8, auth->region, auth->service);
  const std::string expected =
      SignatureHex(SigningKey(kSecret, auth->date8, auth->region, auth->service),
                   StringToSign(r.headers.at("x-amz-date"), scope, canonical));
  if (auth->access_key_id != kKeyId || auth->service != "securityhub" ||
      auth->region != "eu-west-1" || expected != auth->signature) {
    *why = "signature mismatch";
    return false;
  }
  return true;
}

class SecurityHubClientTest : public ::testing::Test {
 protected:
  void Start(FakeHttpServer::Handler handler) {
    server_ = std::make_unique<FakeHttpServer>(std::move(handler));
    HttpClientOptions o;
    o.retry.max_attempts = 3;
    o.sleep = [this](std::chrono::milliseconds) { ++sleeps_; };
    o.now_seconds = [] { return kRequestTime; };
    http_ = std::move(HttpClient::Create(o)).value();
    CredentialOptions c;
    c.getenv = [](const std::string& name) -> std::optional<std::string> {
      if (name == "AWS_ACCESS_KEY_ID") return kKeyId;
      if (name == "AWS_SECRET_ACCESS_KEY") return kSecret;
      return std::nullopt;
    };
    chain_ = std::make_unique<CredentialChain>(c);
    client_ = std::make_unique<SecurityHubClient>(*http_, *chain_,
                                                  SecurityHubOptions{"eu-west-1", server_->url()});
  }

  std::unique_ptr<FakeHttpServer> server_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<CredentialChain> chain_;
  std::unique_ptr<SecurityHubClient> client_;
  std::atomic<int> sleeps_{0};
};

TEST_F(SecurityHubClientTest, ImportIsASignedPostToFindingsImport) {
  std::string why;
  Start([&](const FakeRequest& r) {
    if (r.method != "POST" || r.target != "/findings/import" || !SignatureValid(r, &why)) {
      return FakeResponse{403, {{"x-amzn-ErrorType", "InvalidSignatureException"}}, "{}"};
    }
    return FakeResponse{200,
                        {},
                        R"({"FailedCount":1,"SuccessCount":1,"FailedFindings":[)"
                        R"({"Id":"b","ErrorCode":"InvalidInput","ErrorMessage":"bad Types"}]})"};
  });
  auto r = client_->BatchImportFindings(R"([{"Id":"a"},{"Id":"b"}])");
  ASSERT_TRUE(r.ok()) << r.status().ToString() << " " << why;
  EXPECT_EQ(r->success_count, 1);
  EXPECT_EQ(r->failed_count, 1);
  ASSERT_EQ(r->failed.size(), 1U);
  EXPECT_EQ(r->failed[0].id, "b");
  EXPECT_EQ(r->failed[0].error_code, "InvalidInput");
  EXPECT_EQ(server_->requests()[0].body, R"({"Findings":[{"Id":"a"},{"Id":"b"}]})");
  EXPECT_EQ(server_->requests()[0].headers.at("content-type"), "application/json");
}

TEST_F(SecurityHubClientTest, UpdateIsASignedPatchToBatchUpdate) {
  std::string why;
  Start([&](const FakeRequest& r) {
    if (r.method != "PATCH" || r.target != "/findings/batchupdate" || !SignatureValid(r, &why)) {
      return FakeResponse{403, {}, R"({"__type":"InvalidSignatureException"})"};
    }
    return FakeResponse{
        200,
        {},
        R"({"ProcessedFindings":[{"Id":"a","ProductArn":"p"}],"UnprocessedFindings":[)"
        R"({"FindingIdentifier":{"Id":"b","ProductArn":"p"},"ErrorCode":"FindingNotFound",)"
        R"("ErrorMessage":"Finding Not Found"}]})"};
  });
  auto r = client_->BatchUpdateFindings(
      R"({"FindingIdentifiers":[{"Id":"a","ProductArn":"p"},{"Id":"b","ProductArn":"p"}],)"
      R"("Workflow":{"Status":"RESOLVED"}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString() << " " << why;
  ASSERT_EQ(r->processed.size(), 1U);
  EXPECT_EQ(r->processed[0].id, "a");
  ASSERT_EQ(r->unprocessed.size(), 1U);
  EXPECT_EQ(r->unprocessed[0].identifier.id, "b");
  EXPECT_EQ(r->unprocessed[0].error_code, "FindingNotFound");
}

TEST_F(SecurityHubClientTest, EveryErrorClassMapsToAClearStatus) {
  struct Case {
    int status;
    std::string header;
    std::string body;
    Status::Code code;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {400, "", R"({"__type":"InvalidInputException","message":"Findings too many"})",
       Status::Code::kInvalidInput, "HTTP 400 InvalidInputException: Findings too many"},
      {401, "InvalidAccessException", R"({"Message":"Account is not subscribed"})",
       Status::Code::kInvalidInput, "HTTP 401 InvalidAccessException: Account is not subscribed"},
      {403, "UnrecognizedClientException:http://x", R"({"message":"The token is invalid"})",
       Status::Code::kInvalidInput, "UnrecognizedClientException: The token is invalid"},
      {404, "", R"({"__type":"ResourceNotFoundException","message":"no hub"})",
       Status::Code::kNotFound, "ResourceNotFoundException"},
      {429, "", R"({"__type":"TooManyRequestsException","message":"Rate exceeded"})",
       Status::Code::kLimitExceeded, "HTTP 429 TooManyRequestsException: Rate exceeded"},
      {400, "LimitExceededException", R"({"message":"Limit"})", Status::Code::kLimitExceeded,
       "LimitExceededException"},
      {500, "", R"({"__type":"InternalException","message":"oops"})", Status::Code::kIOError,
       "HTTP 500 InternalException: oops"},
  };
  for (const auto& c : cases) {
    Start([&](const FakeRequest&) {
      FakeResponse r{c.status, {}, c.body};
      if (!c.header.empty()) r.headers.emplace_back("x-amzn-ErrorType", c.header);
      return r;
    });
    auto r = client_->BatchImportFindings("[]");
    ASSERT_FALSE(r.ok()) << c.expected;
    EXPECT_EQ(r.status().code(), c.code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("BatchImportFindings"), std::string::npos);
    EXPECT_EQ(r.status().message().find(kSecret), std::string::npos);
    EXPECT_EQ(IsTransient(r.status()),
              c.code == Status::Code::kLimitExceeded || c.code == Status::Code::kIOError);
  }
}

TEST_F(SecurityHubClientTest, AuthErrorsNameTheCredentialsSourceButNoSecret) {
  Start([](const FakeRequest&) {
    return FakeResponse{403, {}, R"({"__type":"UnrecognizedClientException","message":"bad"})"};
  });
  auto r = client_->BatchImportFindings("[]");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("credentials from environment"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find(kKeyId), std::string::npos);
  EXPECT_EQ(r.status().message().find(kSecret), std::string::npos);
}

TEST_F(SecurityHubClientTest, ThrottlingIsRetriedAndEachAttemptSignedAfresh) {
  std::atomic<int> calls{0};
  std::string why;
  Start([&](const FakeRequest& r) {
    if (!SignatureValid(r, &why)) return FakeResponse{403, {}, "{}"};
    if (calls++ == 0) return FakeResponse{429, {{"Retry-After", "1"}}, "{}"};
    return FakeResponse{200, {}, R"({"FailedCount":0,"SuccessCount":1,"FailedFindings":[]})"};
  });
  auto r = client_->BatchImportFindings(R"([{"Id":"a"}])");
  ASSERT_TRUE(r.ok()) << r.status().ToString() << why;
  EXPECT_EQ(r->success_count, 1);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(sleeps_.load(), 1);
}

}  // namespace
}  // namespace corroborate::aws
