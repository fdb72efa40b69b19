// HttpServer: HTTP/1.1 over TCP (and TLS when given a certificate and key), with Boost.Beast.
//
// Contract:
// - Listens on `address`:`port` (port 0: any free one; port() tells which). Each connection reads
//   requests one after the other (keep-alive), each within `request_timeout` once it started,
//   and is closed after `idle_timeout` without one.
// - Limits: a request whose headers exceed max_header_bytes is answered 431, one whose body
//   exceeds max_body_bytes (by Content-Length, or while reading a chunked body) 413, an HTTP
//   request that cannot be parsed 400; each in Security Hub's error shape, and the connection is
//   then closed. `Expect: 100-continue` is honoured once the headers pass the limits. At most
//   max_connections connections are served at once; more are closed on accept.
// - Every other request goes to the handler on one of `threads` I/O threads, with a fresh
//   request id; the handler answers through the Responder from any thread. The response gets
//   Content-Length, Date, Server and x-amzn-RequestId headers.
// - StopAccepting closes the listener and makes every connection close after its current
//   response; in_flight() counts requests handed to the handler and not yet answered, so a
//   graceful shutdown waits for it to reach 0 before Stop, which ends the I/O threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/http_types.h"
#include "server/log.h"
#include "server/metrics.h"

namespace corroborate::server {

struct HttpOptions {
  std::string address = "127.0.0.1";
  int port = 8080;
  int threads = 2;
  std::string tls_cert_file;  // PEM chain; with tls_key_file, serve HTTPS
  std::string tls_key_file;
  std::size_t max_body_bytes = std::size_t{6} << 20;
  std::size_t max_header_bytes = std::size_t{16} << 10;
  std::size_t max_connections = 1024;
  int request_timeout_seconds = 30;
  int idle_timeout_seconds = 60;
};

class HttpServer {
 public:
  using Handler = std::function<void(Request, Responder)>;
  static Result<std::unique_ptr<HttpServer>> Create(const HttpOptions& options, Handler handler,
                                                    Metrics* metrics, Logger* logger);
  virtual ~HttpServer() = default;

  virtual void Start() = 0;
  [[nodiscard]] virtual int port() const = 0;
  virtual void StopAccepting() = 0;
  virtual void Stop() = 0;
  [[nodiscard]] virtual std::size_t in_flight() const = 0;
};

}  // namespace corroborate::server
