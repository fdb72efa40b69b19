#include "aws/signed_call.h"

namespace corroborate::aws {
namespace {

bool IsAuthErrorType(std::string_view type) {
  return type == "UnrecognizedClientException" || type == "InvalidSignatureException" ||
         type == "SignatureDoesNotMatch" || type == "AccessDeniedException" ||
         type == "ExpiredTokenException" || type == "ExpiredToken" ||
         type == "InvalidClientTokenId" || type == "MissingAuthenticationTokenException" ||
         type == "IncompleteSignatureException";
}

Status StatusFromResponse(const ServiceEndpoint& target, std::string_view operation,
                          const HttpResponse& response, const AwsCredentials& credentials) {
  const AwsError error = ParseAwsError(response);
  std::string message = target.display + " " + std::string(operation) + " at " + target.endpoint +
                        ": HTTP " + std::to_string(response.status);
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

}  // namespace

// "https://host:port/prefix" -> ("host:port", "/prefix").
std::pair<std::string, std::string> HostAndPath(std::string_view url) {
  auto start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  const auto slash = url.find('/', start);
  if (slash == std::string_view::npos) return {std::string(url.substr(start)), ""};
  return {std::string(url.substr(start, slash - start)), std::string(url.substr(slash))};
}

Result<HttpResponse> SignedCall(HttpClient& http, CredentialChain& credentials,
                                const ServiceEndpoint& target, std::string_view operation,
                                std::string method, std::string_view raw_path,
                                std::string_view raw_query, std::string body,
                                const JsonProtocol& protocol, HttpResponse* failed_response) {
  const std::string what = target.display + " " + std::string(operation);
  auto current = credentials.Get();
  if (!current.ok()) return current.status().WithContext(what);
  const auto [host, prefix] = HostAndPath(target.endpoint);
  HttpRequest request;
  request.method = std::move(method);
  request.url = target.endpoint + std::string(raw_path);
  if (!raw_query.empty()) request.url += "?" + std::string(raw_query);
  request.body = std::move(body);
  const std::string payload_hash = Sha256Hex(request.body);
  const std::string signed_path = prefix + std::string(raw_path);
  auto& clock = http.options().now_seconds;
  const AwsCredentials& creds = *current;
  auto sign = [&, host = host](HttpRequest& attempt) {
    SigningRequest signing;
    signing.method = attempt.method;
    signing.raw_path = signed_path;
    signing.raw_query = std::string(raw_query);
    signing.headers = {{"Host", host}, {"Content-Type", protocol.content_type}};
    if (!protocol.target.empty()) signing.headers.push_back({"X-Amz-Target", protocol.target});
    signing.payload_hash = payload_hash;
    const std::string authorization =
        Sign(signing, creds.keys, target.region, target.service, clock());
    attempt.headers = signing.headers;
    attempt.headers.push_back({"Authorization", authorization});
  };
  auto response = http.Send(request, sign);
  if (!response.ok()) return response.status().WithContext(what + " at " + target.endpoint);
  if (response->status < 200 || response->status >= 300) {
    Status error = StatusFromResponse(target, operation, *response, creds);
    if (failed_response != nullptr) *failed_response = std::move(response).value();
    return error;
  }
  return response;
}

}  // namespace corroborate::aws
