// The credential chain, each source against temp files and a local fake endpoint: the order,
// profiles, web identity through STS, the container endpoint, IMDSv2, refresh before expiry, and
// errors that say what was tried without revealing a secret.
#include "aws/credentials.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/aws/fake_http_server.h"

namespace corroborate::aws {
namespace {

using corroborate::testing::FakeHttpServer;
using corroborate::testing::FakeRequest;
using corroborate::testing::FakeResponse;

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("credentials_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    env_["HOME"] = dir_.string();  // no ~/.aws of the machine's
    env_["AWS_EC2_METADATA_DISABLED"] = "true";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  CredentialOptions Options(const std::string& profile = "") {
    CredentialOptions o;
    o.profile = profile;
    o.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    o.now_seconds = [this] { return now_; };
    o.http.sleep = [](std::chrono::milliseconds) {};
    return o;
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  std::int64_t now_ = kNow;
};

TEST_F(CredentialsTest, EnvironmentComesFirst) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIAENVFAKE";
  env_["AWS_SECRET_ACCESS_KEY"] = "env-secret-fake";
  env_["AWS_SESSION_TOKEN"] = "env-token-fake";
  env_["AWS_SHARED_CREDENTIALS_FILE"] = Write("credentials",
                                              "[default]\naws_access_key_id = AKIAFILEFAKE\n"
                                              "aws_secret_access_key = file-secret-fake\n");
  CredentialChain chain(Options());
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->keys.access_key_id, "AKIAENVFAKE");
  EXPECT_EQ(c->keys.session_token, "env-token-fake");
  EXPECT_EQ(c->source, "environment");
}

TEST_F(CredentialsTest, ExplicitProfileSkipsTheEnvironment) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIAENVFAKE";
  env_["AWS_SECRET_ACCESS_KEY"] = "env-secret-fake";
  env_["AWS_SHARED_CREDENTIALS_FILE"] =
      Write("credentials",
            "[default]\naws_access_key_id = AKIADEFAULTFAKE\n"
            "aws_secret_access_key = s1\n"
            "# a comment\n[audit]\naws_access_key_id=AKIAAUDITFAKE\n"
            "aws_secret_access_key=s2\naws_session_token = t2\n");
  CredentialChain chain(Options("audit"));
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->keys.access_key_id, "AKIAAUDITFAKE");
  EXPECT_EQ(c->keys.secret_access_key, "s2");
  EXPECT_EQ(c->keys.session_token, "t2");
  EXPECT_NE(c->source.find("[audit]"), std::string::npos);
}

TEST_F(CredentialsTest, AwsProfileSelectsAConfigFileProfileAndItsRegion) {
  env_["AWS_PROFILE"] = "ops";
  env_["AWS_SHARED_CREDENTIALS_FILE"] = Write("credentials", "[default]\nregion = us-east-1\n");
  env_["AWS_CONFIG_FILE"] =
      Write("config",
            "[default]\nregion = us-east-1\n[profile ops]\nregion = eu-west-3\n"
            "aws_access_key_id = AKIAOPSFAKE\naws_secret_access_key = ops-secret\n");
  CredentialChain chain(Options());
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->keys.access_key_id, "AKIAOPSFAKE");
  auto region = ResolveRegion(Options());
  ASSERT_TRUE(region.ok());
  EXPECT_EQ(*region, "eu-west-3");
  env_["AWS_DEFAULT_REGION"] = "ap-south-1";
  EXPECT_EQ(*ResolveRegion(Options()), "ap-south-1");
  env_["AWS_REGION"] = "sa-east-1";
  EXPECT_EQ(*ResolveRegion(Options()), "sa-east-1");
}

TEST_F(CredentialsTest, MissingRegionSaysWhereToSetIt) {
  auto region = ResolveRegion(Options());
  ASSERT_FALSE(region.ok());
  EXPECT_NE(region.status().message().find("AWS_REGION"), std::string::npos);
}

TEST_F(CredentialsTest, UnknownExplicitProfileIsAnError) {
  env_["AWS_SHARED_CREDENTIALS_FILE"] = Write("credentials", "[default]\n");
  CredentialChain chain(Options("nope"));
  auto c = chain.Get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("profile 'nope' not found"), std::string::npos)
      << c.status().message();
}

TEST_F(CredentialsTest, WebIdentityIsExchangedWithSts) {
  FakeHttpServer sts([](const FakeRequest& r) {
    if (r.body.find("Action=AssumeRoleWithWebIdentity") == std::string::npos ||
        r.body.find("WebIdentityToken=the-oidc-token-fake") == std::string::npos ||
        r.body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fhub") ==
            std::string::npos) {
      return FakeResponse{400, {}, "<Error><Code>Bad</Code></Error>"};
    }
    return FakeResponse{200,
                        {{"Content-Type", "text/xml"}},
                        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
                        "<Credentials><AccessKeyId>ASIASTSFAKE</AccessKeyId>"
                        "<SecretAccessKey>sts-secret-fake</SecretAccessKey>"
                        "<SessionToken>sts-token-fake</SessionToken>"
                        "<Expiration>2026-01-01T01:00:00Z</Expiration></Credentials>"
                        "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"};
  });
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = Write("token", "the-oidc-token-fake\n");
  env_["AWS_ROLE_ARN"] = "arn:aws:iam::111122223333:role/hub";
  env_["AWS_ENDPOINT_URL_STS"] = sts.url();
  CredentialChain chain(Options());
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->keys.access_key_id, "ASIASTSFAKE");
  EXPECT_EQ(c->keys.session_token, "sts-token-fake");
  EXPECT_EQ(c->expires_at, kNow + 3600);
  ASSERT_EQ(sts.requests().size(), 1U);
  EXPECT_EQ(sts.requests()[0].method, "POST");
}

TEST_F(CredentialsTest, StsRefusalNamesTheErrorButNotTheToken) {
  FakeHttpServer sts([](const FakeRequest&) {
    return FakeResponse{400,
                        {},
                        "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken"
                        "</Code><Message>Token is expired</Message></Error></ErrorResponse>"};
  });
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = Write("token", "secret-oidc-token-fake");
  env_["AWS_ROLE_ARN"] = "arn:aws:iam::111122223333:role/hub";
  env_["AWS_ENDPOINT_URL_STS"] = sts.url();
  CredentialChain chain(Options());
  auto c = chain.Get();
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("web identity"), std::string::npos) << m;
  EXPECT_NE(m.find("HTTP 400 InvalidIdentityToken: Token is expired"), std::string::npos) << m;
  EXPECT_EQ(m.find("secret-oidc-token-fake"), std::string::npos) << m;
}

// STS AssumeRole as the fake answers it: the assumed key id names the role, so a chain shows which
// call produced which credentials.
FakeResponse AssumeRoleAnswer(const FakeRequest& r) {
  if (r.body.find("Action=AssumeRole&") == std::string::npos) {
    return FakeResponse{400, {}, "<ErrorResponse><Error><Code>Bad</Code></Error></ErrorResponse>"};
  }
  const bool deep = r.body.find("role%2Fdeep") != std::string::npos;
  const std::string id = deep ? "ASIADEEPFAKE" : "ASIACHAINEDFAKE";
  return FakeResponse{200,
                      {{"Content-Type", "text/xml"}},
                      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>" + id +
                          "</AccessKeyId><SecretAccessKey>assumed-secret-fake</SecretAccessKey>"
                          "<SessionToken>assumed-token-" +
                          id +
                          "</SessionToken><Expiration>2026-01-01T00:15:00Z</Expiration>"
                          "</Credentials></AssumeRoleResult></AssumeRoleResponse>"};
}

TEST_F(CredentialsTest, RolesAreAssumedWithTheSourceProfilesCredentialsAlongAChain) {
  FakeHttpServer sts(AssumeRoleAnswer);
  env_["AWS_ENDPOINT_URL_STS"] = sts.url();
  env_["AWS_REGION"] = "eu-west-1";
  env_["AWS_SHARED_CREDENTIALS_FILE"] = Write("credentials",
                                              "[base]\naws_access_key_id = AKIABASEFAKE\n"
                                              "aws_secret_access_key = base-secret-fake\n");
  env_["AWS_CONFIG_FILE"] = Write(
      "config",
      "[profile chained]\nrole_arn = arn:aws:iam::111122223333:role/chained\n"
      "source_profile = base\nexternal_id = ext-1\nrole_session_name = ops\n"
      "duration_seconds = 900\n"
      "[profile deep]\nrole_arn = arn:aws:iam::444455556666:role/deep\nsource_profile = chained\n");
  CredentialChain chain(Options("deep"));
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->keys.access_key_id, "ASIADEEPFAKE");
  EXPECT_EQ(c->keys.session_token, "assumed-token-ASIADEEPFAKE");
  EXPECT_EQ(c->expires_at, kNow + 900);
  EXPECT_NE(c->source.find("role/deep"), std::string::npos) << c->source;
  const auto requests = sts.requests();
  ASSERT_EQ(requests.size(), 2U);
  // First the source's role, signed with the base keys, with the profile's options.
  EXPECT_NE(requests[0].body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fchained"),
            std::string::npos);
  EXPECT_NE(requests[0].body.find("RoleSessionName=ops"), std::string::npos);
  EXPECT_NE(requests[0].body.find("ExternalId=ext-1"), std::string::npos);
  EXPECT_NE(requests[0].body.find("DurationSeconds=900"), std::string::npos);
  EXPECT_NE(requests[0]
                .headers.at("authorization")
                .find("Credential=AKIABASEFAKE/20260101/"
                      "eu-west-1/sts/aws4_request"),
            std::string::npos);
  // Then the profile's own role, signed with what the first call gave.
  EXPECT_NE(requests[1].body.find("role%2Fdeep"), std::string::npos);
  EXPECT_NE(requests[1].headers.at("authorization").find("Credential=ASIACHAINEDFAKE/"),
            std::string::npos);
  EXPECT_EQ(requests[1].headers.at("x-amz-security-token"), "assumed-token-ASIACHAINEDFAKE");
}

TEST_F(CredentialsTest, RoleProfilesThatCannotRunUnattendedOrLoopAreRefusedClearly) {
  env_["AWS_CONFIG_FILE"] =
      Write("config",
            "[profile mfa]\nrole_arn = arn:aws:iam::111122223333:role/r\nsource_profile = a\n"
            "mfa_serial = arn:aws:iam::111122223333:mfa/alice\n"
            "[profile a]\nrole_arn = arn:aws:iam::111122223333:role/a\nsource_profile = b\n"
            "[profile b]\nrole_arn = arn:aws:iam::111122223333:role/b\nsource_profile = a\n"
            "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\n"
            "[profile empty-source]\nrole_arn = arn:aws:iam::111122223333:role/r\n"
            "source_profile = nowhere\n"
            "[profile weird]\nrole_arn = arn:aws:iam::111122223333:role/r\n"
            "credential_source = Satellite\n");
  auto message = [&](const std::string& profile) {
    CredentialChain chain(Options(profile));
    auto c = chain.Get();
    EXPECT_FALSE(c.ok()) << profile;
    return c.ok() ? std::string() : c.status().message();
  };
  EXPECT_NE(message("mfa").find("needs an MFA code (mfa_serial)"), std::string::npos);
  EXPECT_NE(message("a").find("chain longer than 5 profiles, or a cycle"), std::string::npos)
      << message("a");
  EXPECT_NE(message("sso").find("aws configure export-credentials --profile sso"),
            std::string::npos)
      << message("sso");
  EXPECT_NE(message("empty-source").find("source_profile 'nowhere' has no credentials"),
            std::string::npos)
      << message("empty-source");
  EXPECT_NE(message("weird").find("credential_source 'Satellite'"), std::string::npos);
}

TEST_F(CredentialsTest, CredentialProcessOutputIsUsedAndItsFailureSaysSoWithoutTheOutput) {
  const std::string good = Write("good.sh",
                                 "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": "
                                 "\"ASIAPROCESSFAKE\", \"SecretAccessKey\": \"process-secret\", "
                                 "\"SessionToken\": \"process-token\", \"Expiration\": "
                                 "\"2026-01-01T02:00:00Z\"}'\n");
  const std::string bad = Write("bad.sh",
                                "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\", "
                                "\"SecretAccessKey\": \"leaked-secret-fake\"}'\nexit 3\n");
  const std::string old = Write("old.sh", "#!/bin/sh\necho '{\"AccessKeyId\": \"A\"}'\n");
  env_["AWS_CONFIG_FILE"] =
      Write("config", "[profile proc]\ncredential_process = sh " + good +
                          "\n[profile failing]\ncredential_process = sh " + bad +
                          "\n[profile old]\ncredential_process = sh " + old + "\n");
  CredentialChain chain(Options("proc"));
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->keys.access_key_id, "ASIAPROCESSFAKE");
  EXPECT_EQ(c->keys.session_token, "process-token");
  EXPECT_EQ(c->expires_at, kNow + 7200);
  EXPECT_NE(c->source.find("credential_process"), std::string::npos);

  CredentialChain failing(Options("failing"));
  auto f = failing.Get();
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("the command failed (exit status 3)"), std::string::npos)
      << f.status().message();
  EXPECT_EQ(f.status().message().find("leaked-secret-fake"), std::string::npos);
  CredentialChain outdated(Options("old"));
  auto o = outdated.Get();
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("no \"Version\": 1"), std::string::npos);
}

TEST_F(CredentialsTest, ContainerEndpointWithAuthorizationToken) {
  FakeHttpServer container([](const FakeRequest& r) {
    auto it = r.headers.find("authorization");
    if (it == r.headers.end() || it->second != "container-auth-fake") {
      return FakeResponse{401, {}, R"({"code":"Unauthorized","message":"bad token"})"};
    }
    return FakeResponse{200,
                        {},
                        R"({"AccessKeyId":"ASIACONTAINERFAKE","SecretAccessKey":"c-secret",)"
                        R"("Token":"c-token","Expiration":"2026-01-01T06:00:00Z"})"};
  });
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url() + "/creds";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-auth-fake";
  CredentialChain chain(Options());
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->keys.access_key_id, "ASIACONTAINERFAKE");
  EXPECT_EQ(c->keys.session_token, "c-token");
  EXPECT_EQ(c->expires_at, kNow + std::int64_t{6} * 3600);
  EXPECT_EQ(container.requests()[0].target, "/creds");

  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong-auth-fake";
  CredentialChain refused(Options());
  auto r = refused.Get();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("container endpoint"), std::string::npos);
  EXPECT_NE(r.status().message().find("HTTP 401 Unauthorized: bad token"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("wrong-auth-fake"), std::string::npos);
}

TEST_F(CredentialsTest, ContainerEndpointOverPlainHttpOnlyToTheAgentOrLoopback) {
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://203.0.113.7:8080/creds";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-auth-fake";
  CredentialChain chain(Options());
  auto c = chain.Get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("use https"), std::string::npos) << c.status().message();
}

TEST_F(CredentialsTest, ImdsV2TokenThenRoleThenCredentials) {
  FakeHttpServer imds([](const FakeRequest& r) {
    if (r.method == "PUT" && r.target == "/latest/api/token") {
      if (r.headers.count("x-aws-ec2-metadata-token-ttl-seconds") == 0) {
        return FakeResponse{400, {}, ""};
      }
      return FakeResponse{200, {}, "imds-session-fake"};
    }
    auto it = r.headers.find("x-aws-ec2-metadata-token");
    if (it == r.headers.end() || it->second != "imds-session-fake") {
      return FakeResponse{401, {}, ""};  // IMDSv1 requests are refused
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/") {
      return FakeResponse{200, {}, "hub-role\n"};
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/hub-role") {
      return FakeResponse{200,
                          {},
                          R"({"Code":"Success","AccessKeyId":"ASIAIMDSFAKE",)"
                          R"("SecretAccessKey":"i-secret","Token":"i-token",)"
                          R"("Expiration":"2026-01-01T00:30:00Z"})"};
    }
    return FakeResponse{404, {}, ""};
  });
  env_.erase("AWS_EC2_METADATA_DISABLED");
  env_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url() + "/";
  CredentialChain chain(Options());
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->keys.access_key_id, "ASIAIMDSFAKE");
  EXPECT_EQ(c->expires_at, kNow + 1800);
  EXPECT_NE(c->source.find("hub-role"), std::string::npos);
  EXPECT_EQ(imds.requests().size(), 3U);
}

TEST_F(CredentialsTest, NothingConfiguredListsEverySourceTried) {
  CredentialChain chain(Options());
  auto c = chain.Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kNotFound);
  const std::string& m = c.status().message();
  for (const char* source : {"environment", "web identity", "shared credentials file",
                             "config file", "container endpoint", "IMDS: disabled"}) {
    EXPECT_NE(m.find(source), std::string::npos) << source << " in " << m;
  }
}

TEST_F(CredentialsTest, ImdsNotAnsweringCountsAsNotConfigured) {
  env_.erase("AWS_EC2_METADATA_DISABLED");
  env_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] =
      "http://127.0.0.1:" + std::to_string(corroborate::testing::UnusedPort());
  CredentialChain chain(Options());
  auto c = chain.Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kNotFound);
  EXPECT_NE(c.status().message().find("IMDS http://127.0.0.1"), std::string::npos)
      << c.status().message();
}

TEST_F(CredentialsTest, TemporaryCredentialsAreRefreshedBeforeTheyExpire) {
  std::atomic<int> served{0};
  FakeHttpServer container([&](const FakeRequest&) {
    const int n = ++served;
    return FakeResponse{200,
                        {},
                        R"({"AccessKeyId":"ASIAGEN)" + std::to_string(n) +
                            R"(","SecretAccessKey":"s","Token":"t",)"
                            R"("Expiration":"2026-01-01T01:00:00Z"})"};
  });
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url();
  CredentialChain chain(Options());
  EXPECT_EQ(chain.Get()->keys.access_key_id, "ASIAGEN1");
  now_ = kNow + 3600 - 301;  // more than 5 minutes left: cached
  EXPECT_EQ(chain.Get()->keys.access_key_id, "ASIAGEN1");
  now_ = kNow + 3600 - 299;  // less than 5 minutes left: fetched again
  EXPECT_EQ(chain.Get()->keys.access_key_id, "ASIAGEN2");
  EXPECT_EQ(served.load(), 2);
}

TEST_F(CredentialsTest, HalfConfiguredSourcesAreErrorsNotFallThroughs) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIAONLYIDFAKE";
  CredentialChain chain(Options());
  auto c = chain.Get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AWS_SECRET_ACCESS_KEY is not"), std::string::npos);
}

}  // namespace
}  // namespace corroborate::aws
