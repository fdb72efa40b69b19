// The EC2 API's answer shapes, generated from botocore's model (tools/gen_ec2_shapes.py ->
// ec2_shapes.cc): what aws/ec2_xml.cc walks to turn an XML answer into the CLI's JSON.
//
// Contract: Shapes()[i] is a structure (its members are Members()[first_member, +member_count)),
// a list (its entries are Shapes()[entry]) or a scalar; Member::shape indexes Shapes().
// Operations() names each operation's output shape.
#pragma once

#include <span>
#include <string_view>

namespace corroborate::aws::ec2 {

enum class Kind { kStructure, kList, kString, kBoolean, kInteger, kNumber, kTimestamp };

struct Member {
  std::string_view xml;   // the element: "groupSet"
  std::string_view json;  // the CLI's key: "SecurityGroups"
  int shape;
};

struct Shape {
  std::string_view name;
  Kind kind;
  int first_member;
  int member_count;
  int entry;  // a list's entry shape; -1 otherwise
};

struct Operation {
  std::string_view name;  // "DescribeInstances"
  int output;
};

std::span<const Shape> Shapes();
std::span<const Member> Members();
std::span<const Operation> Operations();
std::string_view ApiVersion();  // "2016-11-15", sent as Version=

}  // namespace corroborate::aws::ec2
