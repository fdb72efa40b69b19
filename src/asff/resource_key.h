// Canonical resource identity.
//
// Contract: CanonicalResourceKey maps the different ways services name one resource to one key,
// so that findings about the same resource meet:
// - an EC2 instance as `i-0abc…` (8 or 17 hex digits) or as its ARN -> the instance ARN;
//   likewise security groups (sg-), network interfaces (eni-), volumes (vol-), VPCs, subnets, AMIs;
// - an S3 bucket as its name or `arn:aws:s3:::name` -> `arn:<partition>:s3:::name`;
// - an IoT thing as its name or ARN -> `arn:<partition>:iot:<region>:<account>:thing/<name>`;
//   IoT certificates (`cert/<id>`), CA certificates and policies likewise;
// - any other ARN -> itself; any other id -> `<Type>:<partition>:<region>:<account>:<id>`, which
//   keeps ids of unknown kinds from colliding across accounts and regions.
// Region and account are those of the resource or, when it omits them, of the finding.
#pragma once

#include <string>
#include <string_view>

namespace corroborate::asff {

std::string CanonicalResourceKey(std::string_view type, std::string_view id,
                                 std::string_view partition, std::string_view region,
                                 std::string_view account);

}  // namespace corroborate::asff
