#include "aws/config_client.h"

#include <utility>

#include "asff/json_writer.h"
#include "aws/signed_call.h"

namespace corroborate::aws {

ConfigClient::ConfigClient(HttpClient& http, CredentialChain& credentials, ConfigOptions options)
    : http_(http), credentials_(credentials), options_(std::move(options)) {
  endpoint_ = options_.endpoint_url.empty() ? "https://config." + options_.region + ".amazonaws.com"
                                            : options_.endpoint_url;
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

Result<std::string> ConfigClient::Call(std::string_view operation, std::string body) {
  const ServiceEndpoint target{endpoint_, options_.region, "config", "AWS Config"};
  JsonProtocol protocol;
  protocol.content_type = "application/x-amz-json-1.1";
  protocol.target = "StarlingDoveService." + std::string(operation);
  auto r = SignedCall(http_, credentials_, target, operation, "POST", "/", "", std::move(body),
                      protocol);
  if (!r.ok()) return r.status();
  return std::move(r->body);
}

Result<std::string> ConfigClient::ListDiscoveredResources(std::string_view resource_type,
                                                          std::string_view next_token) {
  std::string body;
  asff::JsonWriter w(body);
  w.BeginObject().Key("resourceType").String(resource_type).Key("limit").Int(100);
  if (!next_token.empty()) w.Key("nextToken").String(next_token);
  w.EndObject();
  return Call("ListDiscoveredResources", std::move(body));
}

Result<std::string> ConfigClient::GetResourceConfigHistory(std::string_view resource_type,
                                                           std::string_view resource_id) {
  std::string body;
  asff::JsonWriter w(body);
  w.BeginObject().Key("resourceType").String(resource_type).Key("resourceId").String(resource_id);
  w.Key("limit").Int(1).EndObject();
  return Call("GetResourceConfigHistory", std::move(body));
}

}  // namespace corroborate::aws
