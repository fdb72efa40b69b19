#include "server/errors.h"

#include <utility>

#include "asff/json_writer.h"

namespace corroborate::server {

ApiError InvalidInput(std::string message) {
  return {400, "InvalidInputException", std::move(message)};
}
ApiError AccessDenied(std::string message) {
  return {403, "AccessDeniedException", std::move(message)};
}
ApiError ResourceNotFound(std::string message) {
  return {404, "ResourceNotFoundException", std::move(message)};
}
ApiError ResourceConflict(std::string message) {
  return {409, "ResourceConflictException", std::move(message)};
}
ApiError LimitExceeded(std::string message) {
  return {429, "LimitExceededException", std::move(message)};
}
ApiError Internal(std::string message) {
  return {500, "InternalException", std::move(message)};
}
ApiError Unavailable(std::string message) {
  return {503, "ServiceUnavailableException", std::move(message)};
}
ApiError UnknownOperation(std::string message) {
  return {404, "UnknownOperationException", std::move(message)};
}
ApiError MethodNotAllowed(std::string message) {
  return {405, "UnknownOperationException", std::move(message)};
}
ApiError PayloadTooLarge(std::string message) {
  return {413, "RequestEntityTooLargeException", std::move(message)};
}
ApiError HeadersTooLarge(std::string message) {
  return {431, "RequestHeaderFieldsTooLargeException", std::move(message)};
}
ApiError UnsupportedMediaType(std::string message) {
  return {415, "UnsupportedMediaTypeException", std::move(message)};
}
ApiError BadRequest(std::string message) {
  return {400, "BadRequestException", std::move(message)};
}
ApiError AuthFailure(std::string_view type, std::string message) {
  return {403, std::string(type), std::move(message)};
}

ApiError FromStatus(const Status& status) {
  switch (status.code()) {
    case Status::Code::kInvalidInput: return InvalidInput(status.message());
    case Status::Code::kNotFound: return ResourceNotFound(status.message());
    case Status::Code::kLimitExceeded: return LimitExceeded(status.message());
    default: return Internal(status.message());
  }
}

Response ErrorResponse(const ApiError& error) {
  Response r;
  r.status = error.status;
  r.headers.push_back({"x-amzn-ErrorType", error.type});
  asff::JsonWriter(r.body)
      .BeginObject()
      .Key("Code")
      .String(error.type)
      .Key("Message")
      .String(error.message)
      .EndObject();
  return r;
}

}  // namespace corroborate::server
