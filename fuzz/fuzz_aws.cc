// What AWS endpoints answer, from outside: error bodies (JSON, XML, x-amzn-ErrorType), the two
// Security Hub results, the credential sources' JSON and STS XML, shared config files, and EC2's
// XML answers. None may crash, what they read must be bounded by the input (no invented
// credentials), and an EC2 answer converted must be JSON.
#include <cstdio>
#include <cstdlib>

#include <simdjson.h>

#include "aws/credentials.h"
#include "aws/ec2_shapes.h"
#include "aws/ec2_xml.h"
#include "aws/http_client.h"
#include "aws/securityhub_client.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace corroborate;
  const std::string_view text = fuzz::AsText(data, size);
  aws::HttpResponse response;
  response.status = 400;
  response.body = std::string(text);
  (void)aws::ParseAwsError(response);
  (void)aws::IsRetryableResponse(response);
  response.headers.push_back({"x-amzn-ErrorType", std::string(text.substr(0, 256))});
  response.headers.push_back({"Retry-After", std::string(text.substr(0, 64))});
  (void)aws::ParseAwsError(response);
  (void)aws::ParseImportResponse(text);
  (void)aws::ParseUpdateResponse(text);
  for (const auto& credentials : {aws::ParseCredentialsJson(text, "container endpoint"),
                                  aws::ParseStsCredentials(text, "web identity")}) {
    if (credentials.ok() && (credentials->keys.access_key_id.empty() ||
                             credentials->keys.access_key_id.size() > size)) {
      std::fprintf(stderr, "credentials accepted without a key id of the input's\n");
      std::abort();
    }
  }
  (void)aws::ParseProfileText(text, "fuzz");
  for (const auto& operation : aws::ec2::Operations()) {
    auto json = aws::Ec2XmlToJson(operation.name, text);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (json.ok() && parser.parse(*json).get(doc) != simdjson::SUCCESS) {
      std::fprintf(stderr, "EC2 answer converted to something that is not JSON: %s\n",
                   json->c_str());
      std::abort();
    }
  }
  return 0;
}
