// Base64 (RFC 4648, with padding), as AWS's JSON protocols carry binary values (DynamoDB's B
// attributes) and SNS carries signatures.
//
// Contract: Base64Decode returns nullopt for anything that is not canonical padded base64
// (wrong length, a character outside the alphabet); it never reads past `in`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace corroborate::aws {

std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view in);

}  // namespace corroborate::aws
