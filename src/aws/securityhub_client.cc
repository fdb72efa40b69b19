#include "aws/securityhub_client.h"

#include "aws/signed_call.h"

#include <simdjson.h>

#include <algorithm>
#include <utility>

namespace corroborate::aws {
namespace {

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
  const ServiceEndpoint target{endpoint_, options_.region, "securityhub", "Security Hub"};
  return SignedCall(http_, credentials_, target, operation, std::move(method), path, "",
                    std::move(body));
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
