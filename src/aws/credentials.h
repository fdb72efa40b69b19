// The AWS credential chain and region, resolved as the AWS SDKs (botocore) resolve them.
//
// Contract:
// - CredentialChain::Get() tries, in order, and uses the first source that is configured:
//   1. the environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); skipped
//      when a profile was named explicitly (--profile), as botocore skips it;
//   2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME), or the
//      profile's web_identity_token_file + role_arn, exchanged with STS AssumeRoleWithWebIdentity
//      (endpoint: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else the regional STS endpoint);
//   3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials),
//      section [<profile>], then the config file (AWS_CONFIG_FILE, default ~/.aws/config),
//      section [profile <profile>] ([default] for the default profile); the profile is
//      --profile, else AWS_PROFILE, else "default". A profile holds static keys
//      (aws_access_key_id, aws_secret_access_key, aws_session_token); or credential_process, a
//      command (run with /bin/sh -c, its environment inherited) that prints botocore's JSON
//      ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}); or
//      role_arn with source_profile (a profile of any of these kinds, chains up to 5 long) or
//      credential_source (Environment, Ec2InstanceMetadata, EcsContainer), whose credentials sign
//      STS AssumeRole (role_session_name, external_id, duration_seconds honoured; mfa_serial and
//      SSO profiles are refused with a message, since nobody is there to type a code or log in);
//   4. the container credentials endpoint: AWS_CONTAINER_CREDENTIALS_FULL_URI, or
//      http://169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN (or the contents of _TOKEN_FILE) as Authorization;
//   5. EC2 instance metadata, IMDSv2 only (PUT /latest/api/token, then the role's credentials),
//      at AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254), unless
//      AWS_EC2_METADATA_DISABLED=true.
//   A source that is configured but fails (STS refuses the token, the endpoint answers 401) ends
//   the search with its error, as SDKs do, rather than falling through to another identity.
// - Temporary credentials are kept until 5 minutes before they expire, then fetched again; if
//   the refresh fails while the old ones are still valid, the old ones are used.
// - Errors name the source tried and what it answered (HTTP status, AWS error code and message),
//   and when nothing is configured, every source and why it did not apply. No message ever holds
//   a secret key, a session token or a web identity token.
// - ResolveRegion: AWS_REGION, else AWS_DEFAULT_REGION, else the profile's `region` in the
//   config file (or the credentials file); InvalidInput saying so when none is set.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "aws/http_client.h"
#include "aws/sigv4.h"
#include "common/status.h"

namespace corroborate::aws {

struct AwsCredentials {
  Credentials keys;
  std::int64_t expires_at = 0;  // seconds since the epoch; 0: never expires
  std::string source;           // "environment", "shared credentials file ~/.aws/credentials
                                // [default]", "web identity (STS)", "container endpoint", "IMDS"
};

struct CredentialOptions {
  std::string profile;  // named explicitly (--profile); empty: AWS_PROFILE, else "default"
  // Injectable for tests; default: the process environment.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // For STS, the container endpoint and IMDS. Short timeouts by default: off EC2 the metadata
  // address does not answer.
  HttpClientOptions http = [] {
    HttpClientOptions o;
    o.connect_timeout = std::chrono::milliseconds(1000);
    o.total_timeout = std::chrono::milliseconds(5000);
    o.retry.max_attempts = 3;
    return o;
  }();
  std::function<std::int64_t()> now_seconds;  // default: the system clock
};

class CredentialChain {
 public:
  explicit CredentialChain(CredentialOptions options);

  Result<AwsCredentials> Get();

  // The profile in effect (--profile, AWS_PROFILE or "default").
  [[nodiscard]] std::string Profile() const;

 private:
  Result<AwsCredentials> Resolve();
  Result<AwsCredentials> FromWebIdentity(const std::string& token_file, const std::string& role_arn,
                                         const std::string& session_name);
  Result<AwsCredentials> FromContainer(const std::string& url);
  Result<AwsCredentials> FromImds(const std::string& endpoint);
  // What a profile states (see the contract), or nullopt when it states none of it.
  using Section = std::vector<std::pair<std::string, std::string>>;
  Result<std::optional<AwsCredentials>> FromProfileSection(const Section* section,
                                                           const std::string& profile,
                                                           const std::string& what, int depth);
  Result<AwsCredentials> FromProcess(const std::string& command, const std::string& source);
  Result<AwsCredentials> FromAssumeRole(const Section* section, const std::string& profile,
                                        const std::string& what, int depth);
  std::string StsEndpoint();
  std::optional<std::string> Env(const std::string& name) const;
  Result<HttpClient*> Http();

  CredentialOptions options_;
  std::mutex mu_;
  std::optional<AwsCredentials> cached_;
  std::unique_ptr<HttpClient> http_;
};

Result<std::string> ResolveRegion(const CredentialOptions& options);

// One profile's keys as read from a shared config or credentials file (INI: [section], key = value,
// # and ; comments). Exposed for tests.
struct ProfileFile {
  std::string path;
  bool exists = false;
  // section name -> key -> value
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> sections;
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>* Section(
      std::string_view name) const;
};
ProfileFile ReadProfileFile(const std::string& path);
ProfileFile ParseProfileText(std::string_view text, std::string path);

// The answers of the credential sources (exposed for tests and the fuzzer): the JSON of the
// container endpoint and IMDS (AccessKeyId, SecretAccessKey, Token, Expiration), and STS's
// AssumeRoleWithWebIdentity XML. InvalidInput, naming `source`, when they hold no credentials.
Result<AwsCredentials> ParseCredentialsJson(std::string_view body, const std::string& source);
Result<AwsCredentials> ParseStsCredentials(std::string_view xml, const std::string& source);

}  // namespace corroborate::aws
