#include "aws/credentials.h"

#include <simdjson.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "asff/timestamp.h"
#include "aws/signed_call.h"

namespace corroborate::aws {
namespace {

constexpr std::int64_t kRefreshBeforeExpirySeconds = 300;

std::string Trim(std::string_view s) {
  return std::string(TrimSpace(s));
}

std::optional<std::string> ValueOf(const std::vector<std::pair<std::string, std::string>>* section,
                                   std::string_view key) {
  if (section == nullptr) return std::nullopt;
  for (const auto& [k, v] : *section) {
    if (k == key && !v.empty()) return v;
  }
  return std::nullopt;
}

Result<std::string> ReadSmallFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(std::string(what) + " " + path + " cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return Trim(text.str());
}

// ASFF/ISO 8601 "2026-12-01T12:00:00Z" to seconds since the epoch (0 when absent or unreadable:
// treated as not expiring, which is what SDKs do for long-term keys).
std::int64_t ExpirationSeconds(std::string_view text) {
  if (text.empty()) return 0;
  auto ms = asff::ParseTimestamp(text);
  return ms ? *ms / 1000 : 0;
}

std::string XmlElement(std::string_view body, std::string_view tag) {
  return Trim(XmlElementText(body, tag));
}

// What a failed credentials endpoint answered, without its body (which we do not echo).
std::string DescribeFailure(const HttpResponse& response) {
  const AwsError error = ParseAwsError(response);
  std::string text = "HTTP " + std::to_string(response.status);
  if (!error.type.empty()) text += " " + error.type;
  if (!error.message.empty()) text += ": " + error.message;
  return text;
}

std::string FormEncode(std::string_view s) {
  return UriEncode(s, false);
}

}  // namespace

Result<AwsCredentials> ParseCredentialsJson(std::string_view body, const std::string& source) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Status::InvalidInput(source + ": the answer is not a JSON object");
  }
  AwsCredentials c;
  c.source = source;
  std::string_view v;
  if (doc["Code"].get_string().get(v) == simdjson::SUCCESS && v != "Success") {
    return Status::InvalidInput(source + ": answered Code " + std::string(v));
  }
  if (doc["AccessKeyId"].get_string().get(v) == simdjson::SUCCESS) c.keys.access_key_id = v;
  if (doc["SecretAccessKey"].get_string().get(v) == simdjson::SUCCESS) {
    c.keys.secret_access_key = v;
  }
  if (doc["Token"].get_string().get(v) == simdjson::SUCCESS) c.keys.session_token = v;
  if (doc["Expiration"].get_string().get(v) == simdjson::SUCCESS) {
    c.expires_at = ExpirationSeconds(v);
  }
  if (c.keys.access_key_id.empty() || c.keys.secret_access_key.empty()) {
    return Status::InvalidInput(source + ": the answer has no AccessKeyId or SecretAccessKey");
  }
  return c;
}

Result<AwsCredentials> ParseStsCredentials(std::string_view xml, const std::string& source) {
  AwsCredentials c;
  c.source = source;
  c.keys.access_key_id = XmlElement(xml, "AccessKeyId");
  c.keys.secret_access_key = XmlElement(xml, "SecretAccessKey");
  c.keys.session_token = XmlElement(xml, "SessionToken");
  c.expires_at = ExpirationSeconds(XmlElement(xml, "Expiration"));
  if (c.keys.access_key_id.empty() || c.keys.secret_access_key.empty()) {
    return Status::InvalidInput(source + ": the answer holds no credentials");
  }
  return c;
}

const std::vector<std::pair<std::string, std::string>>* ProfileFile::Section(
    std::string_view name) const {
  for (const auto& [section, keys] : sections) {
    if (section == name) return &keys;
  }
  return nullptr;
}

ProfileFile ReadProfileFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ProfileFile missing;
    missing.path = path;
    return missing;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseProfileText(text.str(), path);
}

ProfileFile ParseProfileText(std::string_view contents, std::string path) {
  ProfileFile file;
  file.path = std::move(path);
  file.exists = true;
  std::istringstream in{std::string(contents)};
  std::string line;
  while (std::getline(in, line)) {
    const std::string text = Trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[' && text.back() == ']') {
      file.sections.push_back({Trim(std::string_view(text).substr(1, text.size() - 2)), {}});
      continue;
    }
    const auto eq = text.find('=');
    if (eq == std::string::npos || file.sections.empty()) continue;
    file.sections.back().second.emplace_back(Trim(std::string_view(text).substr(0, eq)),
                                             Trim(std::string_view(text).substr(eq + 1)));
  }
  return file;
}

namespace {

struct SharedFiles {
  ProfileFile credentials;
  ProfileFile config;
  const std::vector<std::pair<std::string, std::string>>* credentials_section = nullptr;
  const std::vector<std::pair<std::string, std::string>>* config_section = nullptr;
};

SharedFiles LoadSharedFiles(
    const std::function<std::optional<std::string>(const std::string&)>& env,
    const std::string& profile) {
  const std::string home = env("HOME").value_or("");
  SharedFiles files;
  files.credentials =
      ReadProfileFile(env("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials"));
  files.config = ReadProfileFile(env("AWS_CONFIG_FILE").value_or(home + "/.aws/config"));
  files.credentials_section = files.credentials.Section(profile);
  files.config_section =
      files.config.Section(profile == "default" ? "default" : "profile " + profile);
  if (files.config_section == nullptr && profile == "default") {
    files.config_section = files.config.Section("profile default");
  }
  return files;
}

std::function<std::optional<std::string>(const std::string&)> EnvOf(
    const CredentialOptions& options) {
  if (options.getenv) return options.getenv;
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read only
    if (v == nullptr || *v == 0) return std::nullopt;
    return std::string(v);
  };
}

std::string ProfileOf(const CredentialOptions& options) {
  if (!options.profile.empty()) return options.profile;
  return EnvOf(options)("AWS_PROFILE").value_or("default");
}

}  // namespace

CredentialChain::CredentialChain(CredentialOptions options) : options_(std::move(options)) {
  options_.getenv = EnvOf(options_);
  if (!options_.now_seconds) {
    options_.now_seconds = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

std::string CredentialChain::Profile() const {
  return ProfileOf(options_);
}

std::optional<std::string> CredentialChain::Env(const std::string& name) const {
  return options_.getenv(name);
}

Result<HttpClient*> CredentialChain::Http() {
  if (!http_) {
    auto client = HttpClient::Create(options_.http);
    if (!client.ok()) return client.status();
    http_ = std::move(client).value();
  }
  return http_.get();
}

Result<AwsCredentials> CredentialChain::Get() {
  std::lock_guard lock(mu_);
  const std::int64_t now = options_.now_seconds();
  if (cached_ &&
      (cached_->expires_at == 0 || now < cached_->expires_at - kRefreshBeforeExpirySeconds)) {
    return *cached_;
  }
  Result<AwsCredentials> fresh = Resolve();
  if (!fresh.ok()) {
    // Still valid: keep using them and try again on the next call.
    if (cached_ && now < cached_->expires_at) return *cached_;
    return fresh.status();
  }
  cached_ = *fresh;
  return fresh;
}

Result<AwsCredentials> CredentialChain::Resolve() {
  std::vector<std::string> tried;
  const bool explicit_profile = !options_.profile.empty();
  const std::string profile = Profile();

  // 1. Environment.
  if (explicit_profile) {
    tried.push_back("environment: skipped, profile '" + profile + "' named explicitly");
  } else {
    auto id = Env("AWS_ACCESS_KEY_ID");
    auto secret = Env("AWS_SECRET_ACCESS_KEY");
    if (id && secret) {
      AwsCredentials c;
      c.keys.access_key_id = *id;
      c.keys.secret_access_key = *secret;
      c.keys.session_token = Env("AWS_SESSION_TOKEN").value_or("");
      c.source = "environment";
      return c;
    }
    if (id || secret) {
      return Status::InvalidInput(
          std::string("environment: ") +
          (id ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
              : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"));
    }
    tried.emplace_back("environment: AWS_ACCESS_KEY_ID not set");
  }

  // 2. Web identity (environment, then the profile).
  const SharedFiles files = LoadSharedFiles(options_.getenv, profile);
  {
    auto token_file = Env("AWS_WEB_IDENTITY_TOKEN_FILE");
    auto role_arn = Env("AWS_ROLE_ARN");
    if (!token_file || !role_arn) {
      token_file = ValueOf(files.config_section, "web_identity_token_file");
      role_arn = ValueOf(files.config_section, "role_arn");
      if (!token_file) role_arn.reset();
    }
    if (token_file && role_arn) {
      const std::string session =
          Env("AWS_ROLE_SESSION_NAME")
              .value_or(ValueOf(files.config_section, "role_session_name")
                            .value_or("corroborate-" + std::to_string(options_.now_seconds())));
      return FromWebIdentity(*token_file, *role_arn, session);
    }
    if (token_file || Env("AWS_WEB_IDENTITY_TOKEN_FILE")) {
      return Status::InvalidInput(
          "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    }
    tried.emplace_back("web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set");
  }

  // 3. Shared credentials file, then config file.
  for (const auto* file : {&files.credentials, &files.config}) {
    const auto* section =
        file == &files.credentials ? files.credentials_section : files.config_section;
    const std::string what =
        (file == &files.credentials ? "shared credentials file " : "config file ") + file->path +
        " [" + profile + "]";
    if (!file->exists) {
      tried.push_back(what + ": no such file");
      continue;
    }
    if (section == nullptr) {
      tried.push_back(what + ": no such profile");
      continue;
    }
    auto id = ValueOf(section, "aws_access_key_id");
    auto secret = ValueOf(section, "aws_secret_access_key");
    if (id && secret) {
      AwsCredentials c;
      c.keys.access_key_id = *id;
      c.keys.secret_access_key = *secret;
      c.keys.session_token = ValueOf(section, "aws_session_token").value_or("");
      c.source = what;
      return c;
    }
    if (id || secret) {
      return Status::InvalidInput(what + ": has " +
                                  (id ? "aws_access_key_id but no aws_secret_access_key"
                                      : "aws_secret_access_key but no aws_access_key_id"));
    }
    auto stated = FromProfileSection(section, profile, what, 0);
    if (!stated.ok()) return stated.status();
    if (*stated) return std::move(**stated);
    tried.push_back(what + ": no aws_access_key_id");
  }
  if (explicit_profile && files.credentials_section == nullptr && files.config_section == nullptr) {
    return Status::InvalidInput("profile '" + profile + "' not found in " + files.credentials.path +
                                " or " + files.config.path);
  }

  // 4. Container credentials endpoint.
  if (auto full = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    return FromContainer(*full);
  }
  if (auto relative = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    return FromContainer("http://169.254.170.2" + *relative);
  }
  tried.emplace_back("container endpoint: AWS_CONTAINER_CREDENTIALS_*_URI not set");

  // 5. IMDSv2.
  if (auto disabled = Env("AWS_EC2_METADATA_DISABLED");
      disabled && (*disabled == "true" || *disabled == "TRUE" || *disabled == "True")) {
    tried.emplace_back("IMDS: disabled by AWS_EC2_METADATA_DISABLED");
  } else {
    std::string endpoint =
        Env("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    Result<AwsCredentials> imds = FromImds(endpoint);
    if (imds.ok()) return imds;
    // Off EC2 nothing answers: that is "not configured"; any answer but success is an error.
    if (imds.status().code() != Status::Code::kNotFound) return imds.status();
    tried.push_back(imds.status().message());
  }

  std::string message = "no AWS credentials found; tried ";
  for (std::size_t i = 0; i < tried.size(); ++i) {
    message += (i == 0 ? "" : "; ") + tried[i];
  }
  return Status::NotFound(message);
}

Result<std::optional<AwsCredentials>> CredentialChain::FromProfileSection(
    const Section* section, const std::string& profile, const std::string& what, int depth) {
  auto id = ValueOf(section, "aws_access_key_id");
  auto secret = ValueOf(section, "aws_secret_access_key");
  if (id && secret) {
    AwsCredentials c;
    c.keys.access_key_id = *id;
    c.keys.secret_access_key = *secret;
    c.keys.session_token = ValueOf(section, "aws_session_token").value_or("");
    c.source = what;
    return std::optional<AwsCredentials>(std::move(c));
  }
  if (auto command = ValueOf(section, "credential_process")) {
    auto c = FromProcess(*command, what + " credential_process");
    if (!c.ok()) return c.status();
    return std::optional<AwsCredentials>(std::move(c).value());
  }
  if (ValueOf(section, "role_arn") &&
      (ValueOf(section, "source_profile") || ValueOf(section, "credential_source"))) {
    auto c = FromAssumeRole(section, profile, what, depth);
    if (!c.ok()) return c.status();
    return std::optional<AwsCredentials>(std::move(c).value());
  }
  if (ValueOf(section, "sso_start_url") || ValueOf(section, "sso_session")) {
    return Status::InvalidInput(
        what +
        ": is an SSO profile, which needs an interactive login corroborate cannot do; export "
        "the credentials (aws configure export-credentials --profile " +
        profile + " --format env) or use another profile");
  }
  return std::optional<AwsCredentials>();
}

Result<AwsCredentials> CredentialChain::FromProcess(const std::string& command,
                                                    const std::string& source) {
  // The command's output holds secrets: it is read here and never echoed into a message.
  std::FILE* pipe = ::popen(command.c_str(), "r");  // NOLINT(cert-env33-c): the user's own command
  if (pipe == nullptr) return Status::IOError(source + ": could not run the command");
  std::string out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0 && out.size() < (1U << 20)) {
    out.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  if (status != 0) {
    return Status::InvalidInput(source + ": the command failed (exit status " +
                                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status) +
                                ")");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::int64_t version = 0;
  if (parser.parse(out).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Status::InvalidInput(source + ": the command's output is not a JSON object");
  }
  if (doc["Version"].get_int64().get(version) != simdjson::SUCCESS || version != 1) {
    return Status::InvalidInput(source + ": the command's output has no \"Version\": 1");
  }
  AwsCredentials c;
  c.source = source;
  std::string_view v;
  if (doc["AccessKeyId"].get_string().get(v) == simdjson::SUCCESS) c.keys.access_key_id = v;
  if (doc["SecretAccessKey"].get_string().get(v) == simdjson::SUCCESS) c.keys.secret_access_key = v;
  if (doc["SessionToken"].get_string().get(v) == simdjson::SUCCESS) c.keys.session_token = v;
  if (doc["Expiration"].get_string().get(v) == simdjson::SUCCESS) {
    c.expires_at = ExpirationSeconds(v);
  }
  if (c.keys.access_key_id.empty() || c.keys.secret_access_key.empty()) {
    return Status::InvalidInput(source +
                                ": the command's output has no AccessKeyId or "
                                "SecretAccessKey");
  }
  return c;
}

std::string CredentialChain::StsEndpoint() {
  std::string endpoint = Env("AWS_ENDPOINT_URL_STS").value_or(Env("AWS_ENDPOINT_URL").value_or(""));
  if (endpoint.empty()) {
    auto region = ResolveRegion(options_);
    endpoint = region.ok() ? "https://sts." + *region + ".amazonaws.com"
                           : std::string("https://sts.amazonaws.com");
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

Result<AwsCredentials> CredentialChain::FromAssumeRole(const Section* section,
                                                       const std::string& profile,
                                                       const std::string& what, int depth) {
  constexpr int kMaxChain = 5;
  const std::string role_arn = *ValueOf(section, "role_arn");
  const std::string source = what + " (STS AssumeRole for " + role_arn + ")";
  if (depth >= kMaxChain) {
    return Status::InvalidInput(source + ": source_profile chain longer than " +
                                std::to_string(kMaxChain) + " profiles, or a cycle");
  }
  if (ValueOf(section, "mfa_serial")) {
    return Status::InvalidInput(source +
                                ": needs an MFA code (mfa_serial), which nobody is there to type; "
                                "use a role without MFA or export credentials");
  }
  // The credentials that sign the AssumeRole call.
  Result<AwsCredentials> signer = Status::Internal("no source");
  if (auto source_profile = ValueOf(section, "source_profile")) {
    const SharedFiles files = LoadSharedFiles(options_.getenv, *source_profile);
    std::optional<AwsCredentials> found;
    for (const auto* s : {files.credentials_section, files.config_section}) {
      if (s == nullptr || found) continue;
      const std::string where =
          (s == files.credentials_section ? "shared credentials file " + files.credentials.path
                                          : "config file " + files.config.path) +
          " [" + *source_profile + "]";
      // A profile naming itself as its source uses its own static keys, as botocore does.
      if (*source_profile == profile && s == section) continue;
      auto stated = FromProfileSection(s, *source_profile, where, depth + 1);
      if (!stated.ok()) return stated.status();
      found = std::move(*stated);
    }
    if (!found) {
      return Status::InvalidInput(source + ": source_profile '" + *source_profile +
                                  "' has no credentials (no keys, credential_process or role)");
    }
    signer = std::move(*found);
  } else {
    const std::string kind = *ValueOf(section, "credential_source");
    if (kind == "Environment") {
      auto id = Env("AWS_ACCESS_KEY_ID");
      auto secret = Env("AWS_SECRET_ACCESS_KEY");
      if (!id || !secret) {
        return Status::InvalidInput(source +
                                    ": credential_source Environment, but "
                                    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");
      }
      AwsCredentials c;
      c.keys = {*id, *secret, Env("AWS_SESSION_TOKEN").value_or("")};
      c.source = "environment";
      signer = std::move(c);
    } else if (kind == "Ec2InstanceMetadata") {
      std::string endpoint =
          Env("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
      while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
      signer = FromImds(endpoint);
    } else if (kind == "EcsContainer") {
      if (auto full = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
        signer = FromContainer(*full);
      } else if (auto relative = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
        signer = FromContainer("http://169.254.170.2" + *relative);
      } else {
        return Status::InvalidInput(source +
                                    ": credential_source EcsContainer, but "
                                    "AWS_CONTAINER_CREDENTIALS_*_URI is not set");
      }
    } else {
      return Status::InvalidInput(source + ": credential_source '" + kind +
                                  "' is not Environment, Ec2InstanceMetadata or EcsContainer");
    }
    if (!signer.ok()) return signer.status().WithContext(source);
  }

  const std::string endpoint = StsEndpoint();
  auto region = ResolveRegion(options_);
  const std::string signing_region = region.ok() ? *region : std::string("us-east-1");
  auto http = Http();
  if (!http.ok()) return http.status();
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint + "/";
  request.body = "Action=AssumeRole&Version=2011-06-15&RoleArn=" + FormEncode(role_arn) +
                 "&RoleSessionName=" +
                 FormEncode(ValueOf(section, "role_session_name")
                                .value_or("corroborate-" + std::to_string(options_.now_seconds())));
  if (auto external = ValueOf(section, "external_id")) {
    request.body += "&ExternalId=" + FormEncode(*external);
  }
  if (auto duration = ValueOf(section, "duration_seconds")) {
    request.body += "&DurationSeconds=" + FormEncode(*duration);
  }
  const std::string payload_hash = Sha256Hex(request.body);
  // Not a structured binding: the signing lambda captures it (clang 14 cannot).
  const std::pair<std::string, std::string> host_path = HostAndPath(endpoint);
  const std::string& host = host_path.first;
  const std::string path = host_path.second + "/";
  const Credentials keys = signer->keys;
  auto sign = [&](HttpRequest& attempt) {
    SigningRequest signing;
    signing.method = "POST";
    signing.raw_path = path;
    signing.headers = {{"Host", host},
                       {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    signing.payload_hash = payload_hash;
    const std::string authorization =
        Sign(signing, keys, signing_region, "sts", options_.now_seconds());
    attempt.headers = signing.headers;
    attempt.headers.push_back({"Authorization", authorization});
  };
  auto response = (*http)->Send(request, sign);
  if (!response.ok()) return response.status().WithContext(source);
  if (response->status != 200) {
    return Status::InvalidInput(source + " at " + endpoint + ", signed with credentials from " +
                                signer->source + " (access key id " + keys.access_key_id +
                                "): " + DescribeFailure(*response));
  }
  return ParseStsCredentials(response->body, source);
}

Result<AwsCredentials> CredentialChain::FromWebIdentity(const std::string& token_file,
                                                        const std::string& role_arn,
                                                        const std::string& session_name) {
  const std::string source = "web identity (STS AssumeRoleWithWebIdentity for " + role_arn + ")";
  auto token = ReadSmallFile(token_file, "web identity: token file");
  if (!token.ok()) return token.status();
  const std::string endpoint = StsEndpoint();
  auto http = Http();
  if (!http.ok()) return http.status();
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint + "/";
  request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
  request.body =
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + FormEncode(role_arn) +
      "&RoleSessionName=" + FormEncode(session_name) + "&WebIdentityToken=" + FormEncode(*token);
  auto response = (*http)->Send(request);
  if (!response.ok()) return response.status().WithContext(source);
  if (response->status != 200) {
    return Status::InvalidInput(source + " at " + endpoint + ": " + DescribeFailure(*response));
  }
  return ParseStsCredentials(response->body, source);
}

Result<AwsCredentials> CredentialChain::FromContainer(const std::string& url) {
  const std::string source = "container endpoint " + url;
  // As botocore: over plain HTTP only the ECS/EKS agent addresses and loopback, so that the
  // authorization token is not sent in clear to anywhere else.
  if (url.starts_with("http://")) {
    std::string host = url.substr(7, url.find_first_of("/?", 7) - 7);
    if (host.starts_with('[')) {
      host = host.substr(0, host.find(']') + 1);
    } else if (auto colon = host.find(':'); colon != std::string::npos) {
      host.resize(colon);
    }
    if (host != "127.0.0.1" && host != "localhost" && host != "[::1]" && host != "169.254.170.2" &&
        host != "169.254.170.23" && host != "[fd00:ec2::23]") {
      return Status::InvalidInput(source +
                                  ": plain http is allowed only to loopback or the container "
                                  "agent (169.254.170.2, 169.254.170.23); use https");
    }
  }
  auto http = Http();
  if (!http.ok()) return http.status();
  HttpRequest request;
  request.url = url;
  std::optional<std::string> token = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (!token) {
    if (auto token_file = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      auto text = ReadSmallFile(*token_file, "container endpoint: token file");
      if (!text.ok()) return text.status();
      token = *text;
    }
  }
  if (token) request.headers.push_back({"Authorization", *token});
  auto response = (*http)->Send(request);
  if (!response.ok()) return response.status().WithContext(source);
  if (response->status != 200) {
    return Status::InvalidInput(source + ": " + DescribeFailure(*response));
  }
  return ParseCredentialsJson(response->body, source);
}

Result<AwsCredentials> CredentialChain::FromImds(const std::string& endpoint) {
  const std::string source = "IMDS " + endpoint;
  auto http = Http();
  if (!http.ok()) return http.status();
  HttpRequest token_request;
  token_request.method = "PUT";
  token_request.url = endpoint + "/latest/api/token";
  token_request.headers.push_back({"X-aws-ec2-metadata-token-ttl-seconds", "21600"});
  // One attempt, as botocore makes: off EC2 nobody answers, and waiting longer gains nothing.
  auto token = (*http)->SendOnce(token_request);
  if (!token.ok()) {
    // Nothing listening: not on EC2.
    return Status::NotFound(source + ": " + token.status().message());
  }
  if (token->status != 200) {
    return Status::InvalidInput(source + ": token request (IMDSv2) answered " +
                                DescribeFailure(*token));
  }
  const std::string session_token = Trim(token->body);
  HttpRequest role_request;
  role_request.url = endpoint + "/latest/meta-data/iam/security-credentials/";
  role_request.headers.push_back({"X-aws-ec2-metadata-token", session_token});
  auto role = (*http)->Send(role_request);
  if (!role.ok()) return role.status().WithContext(source);
  if (role->status == 404) {
    return Status::InvalidInput(source + ": no IAM role is attached to this instance");
  }
  if (role->status != 200) {
    return Status::InvalidInput(source + ": role name request answered " + DescribeFailure(*role));
  }
  std::string role_name = Trim(role->body);
  if (auto nl = role_name.find('\n'); nl != std::string::npos) role_name.resize(nl);
  HttpRequest credentials_request = role_request;
  credentials_request.url += role_name;
  auto credentials = (*http)->Send(credentials_request);
  if (!credentials.ok()) return credentials.status().WithContext(source);
  if (credentials->status != 200) {
    return Status::InvalidInput(source + ": credentials of role " + role_name + " answered " +
                                DescribeFailure(*credentials));
  }
  return ParseCredentialsJson(credentials->body, source + " (role " + role_name + ")");
}

Result<std::string> ResolveRegion(const CredentialOptions& options) {
  const auto env = EnvOf(options);
  if (auto r = env("AWS_REGION")) return *r;
  if (auto r = env("AWS_DEFAULT_REGION")) return *r;
  const std::string profile = ProfileOf(options);
  const SharedFiles files = LoadSharedFiles(env, profile);
  if (auto r = ValueOf(files.config_section, "region")) return *r;
  if (auto r = ValueOf(files.credentials_section, "region")) return *r;
  return Status::InvalidInput(
      "no AWS region: set --region, AWS_REGION or AWS_DEFAULT_REGION, or "
      "`region` in profile '" +
      profile + "' of " + files.config.path);
}

}  // namespace corroborate::aws
