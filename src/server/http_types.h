// The server's own view of an HTTP exchange, free of Boost.Beast so that only the connection code
// (http_server.cc) compiles Beast's headers.
//
// Contract: a Request holds what arrived on the wire: the method, the target's path and query as
// sent (still percent-encoded, as SigV4 needs them), every header in arrival order, and the body.
// A Response is what a handler answers; the connection code adds Content-Length, Date, Server and
// x-amzn-RequestId. Header names are compared case-insensitively.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sigv4.h"

namespace corroborate::server {

struct Request {
  std::string method;     // "POST"
  std::string raw_path;   // "/insights/arn%3Aaws%3A..."
  std::string raw_query;  // without '?'
  std::vector<aws::Header> headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:53412"
  bool tls = false;
  std::string request_id;  // given by the connection, echoed as x-amzn-RequestId
  std::chrono::steady_clock::time_point received;

  // The first header with this name (case-insensitive), or empty.
  [[nodiscard]] std::string_view Header(std::string_view name) const;
  [[nodiscard]] bool HasHeader(std::string_view name) const;
  // A query parameter, percent-decoded; empty when absent.
  [[nodiscard]] std::string QueryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<aws::Header> headers;  // beyond Content-Type and those the connection adds
  std::string body;
  bool close = false;  // close the connection after this response
};

// Handlers answer through a Responder, possibly from another thread and later (a write is answered
// once it is durable). It must be called exactly once.
using Responder = std::function<void(Response)>;

bool HeaderNameEquals(std::string_view a, std::string_view b);

}  // namespace corroborate::server
