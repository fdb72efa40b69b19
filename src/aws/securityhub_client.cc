#include "aws/securityhub_client.h"

#include <simdjson.h>

#include <algorithm>
#include <utility>

namespace corroborate::aws {
namespace {

// "https://host:port/prefix" -> ("host:port", "/prefix").
std::pair<std::string, std::string> HostAndPath(std::string_view url) {
  auto start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  const auto slash = url.find('/', start);
  if (slash == std::string_view::npos) return {std::string(url.substr(start)), ""};
  return {std::string(url.substr(start, slash - start)), std::string(url.substr(slash))};
}

bool IsAuthErrorType(std::string_view type) {
  return type == "UnrecognizedClientException" || type == "InvalidSignatureException" ||
         type == "SignatureDoesNotMatch" || type == "AccessDeniedException" ||
         type == "ExpiredTokenException" || type == "ExpiredToken" ||
         type == "InvalidClientTokenId" || type == "MissingAuthenticationTokenException" ||
         type == "IncompleteSignatureException";
}

Status StatusFromResponse(std::string_view operation, const std::string& endpoint,
                          const HttpResponse& response, const AwsCredentials& credentials) {
  const AwsError error = ParseAwsError(response);
  std::string message = "Security Hub " + std::string(operation) + " at " + endpoint + ": HTTP " +
                        std::to_string(response.status);
  if (!error.type.empty()) message += " " + error.type;
  if (!error.message.empty()) message += ": " + error.message;
  if (response.attempts > 1)
    message += " (after " + std::to_string(response.attempts) + " attempts)";
  if (IsAuthErrorType(error.type) || response.status == 401 || response.status == 403) {
    // The key id is not a secret (AWS prints it in CloudTrail); it tells which identity failed.
    message += "; credentials from " + credentials.source + ", access key id " +
               credentials.keys.access_key_id;
  }
  if (response.status == 429 || IsThrottlingErrorType(error.type)) {
    return Status::LimitExceeded(message);
  }
  if (response.status >= 500) return Status::IOError(message);
  if (response.status == 404) return Status::NotFound(message);
  return Status::InvalidInput(message);
}

std::string StringOf(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

}  // namespace

bool IsTransient(const Status& status) {
  return status.code() == Status::Code::kLimitExceeded || status.code() == Status::Code::kIOError;
}

SecurityHubClient::SecurityHubClient(HttpClient& http, CredentialChain& credentials,
                                     SecurityHubOptions options)
    : http_(http), credentials_(credentials), options_(std::move(options)) {
  endpoint_ = options_.endpoint_url.empty()
                  ? "https://securityhub." + options_.region + ".amazonaws.com"
                  : options_.endpoint_url;
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

Result<HttpResponse> SecurityHubClient::Call(std::string_view operation, std::string method,
                                             const std::string& path, std::string body) {
  auto credentials = credentials_.Get();
  if (!credentials.ok()) {
    return credentials.status().WithContext("Security Hub " + std::string(operation));
  }
  const auto [host, prefix] = HostAndPath(endpoint_);
  HttpRequest request;
  request.method = std::move(method);
  request.url = endpoint_ + path;
  request.body = std::move(body);
  const std::string payload_hash = Sha256Hex(request.body);
  const std::string raw_path = prefix + path;
  auto& clock = http_.options().now_seconds;
  const AwsCredentials& creds = *credentials;
  auto sign = [&, host = host](HttpRequest& attempt) {
    SigningRequest signing;
    signing.method = attempt.method;
    signing.raw_path = raw_path;
    signing.headers = {{"Host", host}, {"Content-Type", "application/json"}};
    signing.payload_hash = payload_hash;
    const std::string authorization =
        Sign(signing, creds.keys, options_.region, "securityhub", clock());
    attempt.headers = signing.headers;
    attempt.headers.push_back({"Authorization", authorization});
  };
  auto response = http_.Send(request, sign);
  if (!response.ok()) {
    return response.status().WithContext("Security Hub " + std::string(operation) + " at " +
                                         endpoint_);
  }
  if (response->status < 200 || response->status >= 300) {
    return StatusFromResponse(operation, endpoint_, *response, creds);
  }
  return response;
}

Result<ImportResponse> SecurityHubClient::BatchImportFindings(std::string_view findings_array) {
  std::string body;
  body.reserve(findings_array.size() + 16);
  body += "{\"Findings\":";
  body += findings_array;
  body += '}';
  auto response = Call("BatchImportFindings", "POST", "/findings/import", std::move(body));
  if (!response.ok()) return response.status();
  auto parsed = ParseImportResponse(response->body);
  if (!parsed.ok())
    return parsed.status().WithContext("Security Hub BatchImportFindings at " + endpoint_);
  return parsed;
}

Result<UpdateResponse> SecurityHubClient::BatchUpdateFindings(std::string_view request) {
  auto response =
      Call("BatchUpdateFindings", "PATCH", "/findings/batchupdate", std::string(request));
  if (!response.ok()) return response.status();
  auto parsed = ParseUpdateResponse(response->body);
  if (!parsed.ok())
    return parsed.status().WithContext("Security Hub BatchUpdateFindings at " + endpoint_);
  return parsed;
}

Result<ImportResponse> ParseImportResponse(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Status::IOError("the answer is not a JSON object");
  }
  ImportResponse out;
  std::int64_t n = 0;
  if (doc["SuccessCount"].get_int64().get(n) == simdjson::SUCCESS) {
    out.success_count = static_cast<int>(std::clamp<std::int64_t>(n, 0, 1 << 20));
  }
  if (doc["FailedCount"].get_int64().get(n) == simdjson::SUCCESS) {
    out.failed_count = static_cast<int>(std::clamp<std::int64_t>(n, 0, 1 << 20));
  }
  simdjson::dom::array failed;
  if (doc["FailedFindings"].get_array().get(failed) == simdjson::SUCCESS) {
    for (simdjson::dom::element f : failed) {
      if (!f.is_object()) continue;
      out.failed.push_back(
          {StringOf(f, "Id"), StringOf(f, "ErrorCode"), StringOf(f, "ErrorMessage")});
    }
  }
  return out;
}

Result<UpdateResponse> ParseUpdateResponse(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return Status::IOError("the answer is not a JSON object");
  }
  UpdateResponse out;
  simdjson::dom::array list;
  if (doc["ProcessedFindings"].get_array().get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element f : list) {
      if (!f.is_object()) continue;
      out.processed.push_back({StringOf(f, "ProductArn"), StringOf(f, "Id")});
    }
  }
  if (doc["UnprocessedFindings"].get_array().get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element f : list) {
      if (!f.is_object()) continue;
      simdjson::dom::element id;
      asff::FindingIdentifier identifier;
      if (f["FindingIdentifier"].get(id) == simdjson::SUCCESS && id.is_object()) {
        identifier = {StringOf(id, "ProductArn"), StringOf(id, "Id")};
      }
      out.unprocessed.push_back(
          {identifier, StringOf(f, "ErrorCode"), StringOf(f, "ErrorMessage")});
    }
  }
  return out;
}

}  // namespace corroborate::aws
