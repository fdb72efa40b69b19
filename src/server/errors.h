// Errors in Security Hub's wire shape.
//
// Contract: every error the server answers is an ApiError: the HTTP status, the error type that
// goes into the x-amzn-ErrorType header (botocore maps it to the exception class, e.g.
// InvalidInputException) and a message that says what is wrong; the body is
// {"Code": <type>, "Message": <message>}, as the rest-json protocol has it. The constructors
// below are the classes Security Hub's model declares (400 InvalidInput, 401 InvalidAccess,
// 403 AccessDenied, 404 ResourceNotFound, 409 ResourceConflict, 429 LimitExceeded, 500
// Internal) and those its front door answers for authentication, routing, size and media type.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "server/http_types.h"

namespace corroborate::server {

struct ApiError {
  int status = 500;
  std::string type;
  std::string message;
};

ApiError InvalidInput(std::string message);          // 400 InvalidInputException
ApiError AccessDenied(std::string message);          // 403 AccessDeniedException
ApiError ResourceNotFound(std::string message);      // 404 ResourceNotFoundException
ApiError ResourceConflict(std::string message);      // 409 ResourceConflictException
ApiError LimitExceeded(std::string message);         // 429 LimitExceededException
ApiError Internal(std::string message);              // 500 InternalException
ApiError Unavailable(std::string message);           // 503 ServiceUnavailableException
ApiError UnknownOperation(std::string message);      // 404 UnknownOperationException
ApiError MethodNotAllowed(std::string message);      // 405 UnknownOperationException
ApiError PayloadTooLarge(std::string message);       // 413 RequestEntityTooLargeException
ApiError HeadersTooLarge(std::string message);       // 431 RequestHeaderFieldsTooLargeException
ApiError UnsupportedMediaType(std::string message);  // 415 UnsupportedMediaTypeException
ApiError BadRequest(std::string message);            // 400 BadRequestException (unreadable HTTP)
// Authentication failures (403): MissingAuthenticationToken, IncompleteSignature,
// InvalidSignature, UnrecognizedClient.
ApiError AuthFailure(std::string_view type, std::string message);

// A store or pipeline Status as the API answers it: InvalidInput -> 400, NotFound -> 404,
// LimitExceeded -> 429, anything else -> 500 InternalException (the message is kept: it names
// what failed, never a secret).
ApiError FromStatus(const Status& status);

Response ErrorResponse(const ApiError& error);

}  // namespace corroborate::server
