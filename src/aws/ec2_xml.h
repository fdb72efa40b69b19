// Ec2XmlToJson: an EC2 API answer (XML, the ec2 query protocol) as the JSON the AWS CLI prints
// for it, so the inventory reads a pulled page exactly as it reads `aws ec2 describe-*` output.
//
// Contract:
// - `operation` is one of aws/ec2_shapes.h's Operations(); the answer's root element is its
//   <OperationResponse>. Every element is converted by the model's shape for it (botocore's
//   rules: a member's element is its locationName, a list's entries are <item>): structures to
//   objects keyed by member name, lists to arrays, booleans and numbers to JSON's, strings and
//   timestamps to strings, in document order. Elements the model does not know (requestId,
//   members newer than the model) are left out, as botocore leaves them.
// - Not XML, the wrong root, a boolean or number that is not one, or an element nested deeper
//   than libxml2's limit (256): kInvalidInput naming the problem and, where there is one, the
//   element path. A document type declaration is refused (EC2 sends none, and it is where
//   entity attacks live); nothing is fetched (no DTD, no network).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace corroborate::aws {

Result<std::string> Ec2XmlToJson(std::string_view operation, std::string_view xml);

}  // namespace corroborate::aws
