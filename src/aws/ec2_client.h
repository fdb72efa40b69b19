// Ec2Client: signed calls to the EC2 API for the inventory (the ec2 query protocol, botocore's
// model: POST / with a form body Action=<Operation>&Version=2016-11-15): DescribeInstances,
// DescribeNetworkInterfaces and DescribeSecurityGroups, a page at a time, against AWS or any
// compatible endpoint.
//
// Contract: as SignedCall (aws/signed_call.h), for service "ec2": retried by the HTTP client
// (EC2's throttling, RequestLimitExceeded, included), a non-2xx answer an error naming the
// operation, the endpoint and what EC2 said (its XML <Code> and <Message>). A 2xx answer is
// returned as the JSON the AWS CLI prints for it (aws/ec2_xml.h), NextToken included when there
// are more pages. `max_results` is sent as MaxResults (EC2 accepts 5..1000).
#pragma once

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/status.h"

namespace corroborate::aws {

struct Ec2Options {
  std::string region;
  std::string endpoint_url;  // empty: https://ec2.<region>.amazonaws.com
  int max_results = 1000;
};

class Ec2Client {
 public:
  Ec2Client(HttpClient& http, CredentialChain& credentials, Ec2Options options);

  // `operation`: "DescribeInstances", "DescribeNetworkInterfaces" or "DescribeSecurityGroups".
  Result<std::string> Describe(std::string_view operation, std::string_view next_token);

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

 private:
  HttpClient& http_;
  CredentialChain& credentials_;
  Ec2Options options_;
  std::string endpoint_;
};

}  // namespace corroborate::aws
