#include "aws/iot_client.h"

#include <utility>

#include "asff/json_writer.h"
#include "aws/signed_call.h"
#include "aws/sigv4.h"

namespace corroborate::aws {
namespace {

constexpr int kPageSize = 250;  // the API's maximum for both lists

}  // namespace

IotClient::IotClient(HttpClient& http, CredentialChain& credentials, IotOptions options)
    : http_(http), credentials_(credentials), options_(std::move(options)) {
  endpoint_ = options_.endpoint_url.empty() ? "https://iot." + options_.region + ".amazonaws.com"
                                            : options_.endpoint_url;
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

Result<std::string> IotClient::DescribeAuditTask(std::string_view task_id) {
  const ServiceEndpoint target{endpoint_, options_.region, "iot", "IoT"};
  auto r = SignedCall(http_, credentials_, target, "DescribeAuditTask", "GET",
                      "/audit/tasks/" + UriEncode(task_id, false), "", "");
  if (!r.ok()) return r.status();
  return std::move(r->body);
}

Result<std::string> IotClient::ListAuditFindings(std::string_view task_id,
                                                 std::string_view next_token) {
  std::string body;
  asff::JsonWriter w(body);
  w.BeginObject().Key("taskId").String(task_id).Key("listSuppressedFindings").Bool(true);
  w.Key("maxResults").Int(kPageSize);
  if (!next_token.empty()) w.Key("nextToken").String(next_token);
  w.EndObject();
  const ServiceEndpoint target{endpoint_, options_.region, "iot", "IoT"};
  auto r = SignedCall(http_, credentials_, target, "ListAuditFindings", "POST", "/audit/findings",
                      "", std::move(body));
  if (!r.ok()) return r.status();
  return std::move(r->body);
}

Result<std::string> IotClient::ListActiveViolations(std::string_view next_token) {
  // Query parameters in the canonical (sorted) order SigV4 signs them in.
  std::string query = "listSuppressedAlerts=true&maxResults=" + std::to_string(kPageSize);
  if (!next_token.empty()) query += "&nextToken=" + UriEncode(next_token, false);
  const ServiceEndpoint target{endpoint_, options_.region, "iot", "IoT"};
  auto r = SignedCall(http_, credentials_, target, "ListActiveViolations", "GET",
                      "/active-violations", query, "");
  if (!r.ok()) return r.status();
  return std::move(r->body);
}

Result<std::string> IotClient::ListThings(std::string_view next_token) {
  std::string query = "maxResults=" + std::to_string(kPageSize);
  if (!next_token.empty()) query += "&nextToken=" + UriEncode(next_token, false);
  const ServiceEndpoint target{endpoint_, options_.region, "iot", "IoT"};
  auto r = SignedCall(http_, credentials_, target, "ListThings", "GET", "/things", query, "");
  if (!r.ok()) return r.status();
  return std::move(r->body);
}

Result<std::string> IotClient::DescribeThing(std::string_view thing_name) {
  const ServiceEndpoint target{endpoint_, options_.region, "iot", "IoT"};
  auto r = SignedCall(http_, credentials_, target, "DescribeThing", "GET",
                      "/things/" + UriEncode(thing_name, false), "", "");
  if (!r.ok()) return r.status();
  return std::move(r->body);
}

Result<std::string> IotClient::ListThingPrincipals(std::string_view thing_name,
                                                   std::string_view next_token) {
  std::string query = "maxResults=" + std::to_string(kPageSize);
  if (!next_token.empty()) query += "&nextToken=" + UriEncode(next_token, false);
  const ServiceEndpoint target{endpoint_, options_.region, "iot", "IoT"};
  auto r = SignedCall(http_, credentials_, target, "ListThingPrincipals", "GET",
                      "/things/" + UriEncode(thing_name, false) + "/principals", query, "");
  if (!r.ok()) return r.status();
  return std::move(r->body);
}

Result<std::string> IotClient::ListAttachedPolicies(std::string_view policy_target,
                                                    std::string_view marker) {
  std::string query;
  if (!marker.empty()) query = "marker=" + UriEncode(marker, false) + "&";
  query += "pageSize=" + std::to_string(kPageSize) + "&recursive=false";
  const ServiceEndpoint target{endpoint_, options_.region, "iot", "IoT"};
  auto r = SignedCall(http_, credentials_, target, "ListAttachedPolicies", "POST",
                      "/attached-policies/" + UriEncode(policy_target, false), query, "");
  if (!r.ok()) return r.status();
  return std::move(r->body);
}

}  // namespace corroborate::aws
