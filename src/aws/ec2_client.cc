#include "aws/ec2_client.h"

#include <utility>

#include "aws/ec2_shapes.h"
#include "aws/ec2_xml.h"
#include "aws/signed_call.h"
#include "aws/sigv4.h"

namespace corroborate::aws {

Ec2Client::Ec2Client(HttpClient& http, CredentialChain& credentials, Ec2Options options)
    : http_(http), credentials_(credentials), options_(std::move(options)) {
  endpoint_ = options_.endpoint_url.empty() ? "https://ec2." + options_.region + ".amazonaws.com"
                                            : options_.endpoint_url;
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

Result<std::string> Ec2Client::Describe(std::string_view operation, std::string_view next_token) {
  std::string body = "Action=" + std::string(operation) +
                     "&Version=" + std::string(ec2::ApiVersion()) +
                     "&MaxResults=" + std::to_string(options_.max_results);
  if (!next_token.empty()) body += "&NextToken=" + UriEncode(next_token, false);
  const ServiceEndpoint target{endpoint_, options_.region, "ec2", "EC2"};
  JsonProtocol protocol;
  protocol.content_type = "application/x-www-form-urlencoded; charset=utf-8";
  auto r = SignedCall(http_, credentials_, target, operation, "POST", "/", "", std::move(body),
                      protocol);
  if (!r.ok()) return r.status();
  auto json = Ec2XmlToJson(operation, r->body);
  if (!json.ok()) {
    return Status::InvalidInput(json.status().message() + " (from " + endpoint_ + ")");
  }
  return json;
}

}  // namespace corroborate::aws
