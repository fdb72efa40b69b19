#include "aws/dynamodb_client.h"

#include <simdjson.h>

#include <utility>

#include "aws/signed_call.h"

namespace corroborate::aws {

DynamoDbClient::DynamoDbClient(HttpClient& http, CredentialChain& credentials,
                               DynamoDbOptions options)
    : http_(http), credentials_(credentials), options_(std::move(options)) {
  endpoint_ = options_.endpoint_url.empty()
                  ? "https://dynamodb." + options_.region + ".amazonaws.com"
                  : options_.endpoint_url;
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

Result<std::string> DynamoDbClient::Call(std::string_view operation, std::string body,
                                         DynamoDbFailure* failure) {
  const ServiceEndpoint target{endpoint_, options_.region, "dynamodb", "DynamoDB"};
  JsonProtocol protocol;
  protocol.content_type = "application/x-amz-json-1.0";
  protocol.target = "DynamoDB_20120810." + std::string(operation);
  HttpResponse failed;
  auto r = SignedCall(http_, credentials_, target, operation, "POST", "/", "", std::move(body),
                      protocol, failure != nullptr ? &failed : nullptr);
  if (r.ok()) return std::move(r->body);
  if (failure != nullptr && failed.status != 0) {
    *failure = {};
    failure->http_status = failed.status;
    failure->type = ParseAwsError(failed).type;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array reasons;
    if (parser.parse(failed.body).get(root) == simdjson::SUCCESS &&
        root["CancellationReasons"].get_array().get(reasons) == simdjson::SUCCESS) {
      for (simdjson::dom::element reason : reasons) {
        std::string_view code = "None";
        if (reason["Code"].get_string().get(code) != simdjson::SUCCESS) code = "None";
        failure->cancellation.emplace_back(code);
      }
    }
  }
  return r.status();
}

}  // namespace corroborate::aws
