// The only file that compiles Boost.Beast: connections, TLS, limits and timeouts.
#include "server/http_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <ctime>
#include <optional>
#include <thread>
#include <vector>

#include "server/automation_rules.h"
#include "server/errors.h"

namespace corroborate::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct Shared {
  HttpOptions options;
  HttpServer::Handler handler;
  Metrics* metrics = nullptr;
  Logger* logger = nullptr;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};
};

std::string HttpDate() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// The parts common to plain and TLS connections (CRTP: Derived supplies stream() and Close()).
template <class Derived>
class Session {
 public:
  Session(std::shared_ptr<Shared> shared, std::string remote, bool tls)
      : shared_(std::move(shared)), remote_(std::move(remote)), tls_(tls) {
    ++shared_->connections;
    if (shared_->metrics != nullptr) shared_->metrics->SetConnections(1);
  }
  ~Session() {
    --shared_->connections;
    if (shared_->metrics != nullptr) shared_->metrics->SetConnections(-1);
  }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }

  void DoRead() {
    if (shared_->stopping) return self().Close();
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
    beast::get_lowest_layer(self().stream())
        .expires_after(std::chrono::seconds(shared_->options.idle_timeout_seconds));
    http::async_read_header(
        self().stream(), buffer_, *parser_,
        [s = self().shared_from_this()](beast::error_code ec, std::size_t) { s->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return ReadFailed(ec);
    beast::get_lowest_layer(self().stream())
        .expires_after(std::chrono::seconds(shared_->options.request_timeout_seconds));
    auto& req = parser_->get();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      http::async_write(self().stream(), *cont,
                        [s = self().shared_from_this(), cont](beast::error_code e, std::size_t) {
                          if (e) return s->self().Close();
                          s->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(self().stream(), buffer_, *parser_,
                     [s = self().shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return s->ReadFailed(ec);
                       s->Dispatch();
                     });
  }

  void ReadFailed(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Refuse(PayloadTooLarge("The request body is larger than " +
                                    std::to_string(shared_->options.max_body_bytes) +
                                    " bytes (Security Hub accepts at most 6 MB per request)"));
    }
    if (ec == http::error::header_limit) {
      return Refuse(HeadersTooLarge("The request headers are larger than " +
                                    std::to_string(shared_->options.max_header_bytes) + " bytes"));
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Refuse(BadRequest("The request is not valid HTTP/1.1: " + ec.message()));
    }
    self().Close();  // end of stream, timeout, reset: nothing to answer
  }

  // Answers a request that never reached the handler, then closes.
  void Refuse(const ApiError& error) {
    if (shared_->logger != nullptr) {
      shared_->logger->Warn("request refused")
          .Field("status", error.status)
          .Field("error_type", error.type)
          .Field("client", remote_)
          .Field("error", error.message);
    }
    if (shared_->metrics != nullptr) shared_->metrics->Request("HTTP", error.status, 0);
    keep_alive_ = false;
    version_ = 11;
    request_id_ = NewUuid();
    Write(ErrorResponse(error), /*counted=*/false);
  }

  void Dispatch() {
    http::request<http::string_body> req = parser_->release();
    Request r;
    r.method = std::string(req.method_string());
    const std::string_view target(req.target().data(), req.target().size());
    const size_t q = target.find('?');
    r.raw_path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.raw_query = std::string(target.substr(q + 1));
    for (const auto& field : req) {
      r.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    r.body = std::move(req.body());
    r.remote_address = remote_;
    r.tls = tls_;
    r.request_id = request_id_ = NewUuid();
    r.received = std::chrono::steady_clock::now();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    ++shared_->in_flight;
    auto s = self().shared_from_this();
    // The handler may answer from any thread: the write goes back to this connection's strand.
    shared_->handler(std::move(r), [s](Response response) {
      net::post(s->stream().get_executor(), [s, response = std::move(response)]() mutable {
        s->Write(std::move(response), /*counted=*/true);
      });
    });
  }

  void Write(Response response, bool counted) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    res->set(http::field::server, "corroborate");
    res->set(http::field::date, HttpDate());
    res->set(http::field::content_type, response.content_type);
    res->set("x-amzn-RequestId", request_id_);
    for (const auto& h : response.headers) res->set(h.name, h.value);
    const bool close = response.close || !keep_alive_ || shared_->stopping;
    res->keep_alive(!close);
    res->body() = std::move(response.body);
    res->prepare_payload();
    beast::get_lowest_layer(self().stream())
        .expires_after(std::chrono::seconds(shared_->options.request_timeout_seconds));
    http::async_write(
        self().stream(), *res,
        [s = self().shared_from_this(), res, close, counted](beast::error_code ec, std::size_t) {
          if (counted) --s->shared_->in_flight;
          if (ec || close) return s->self().Close();
          s->DoRead();
        });
  }

  std::shared_ptr<Shared> shared_;
  std::string remote_;
  bool tls_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  std::string request_id_;
};

class PlainSession : public Session<PlainSession>,
                     public std::enable_shared_from_this<PlainSession> {
 public:
  PlainSession(tcp::socket socket, std::shared_ptr<Shared> shared, std::string remote)
      : Session(std::move(shared), std::move(remote), false), stream_(std::move(socket)) {}
  void Run() {
    net::dispatch(stream_.get_executor(), [s = shared_from_this()] { s->DoRead(); });
  }
  beast::tcp_stream& stream() { return stream_; }
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

 private:
  friend class Session<PlainSession>;
  beast::tcp_stream stream_;
};

class TlsSession : public Session<TlsSession>, public std::enable_shared_from_this<TlsSession> {
 public:
  TlsSession(tcp::socket socket, ssl::context& ctx, std::shared_ptr<Shared> shared,
             std::string remote)
      : Session(std::move(shared), std::move(remote), true), stream_(std::move(socket), ctx) {}
  void Run() {
    net::dispatch(stream_.get_executor(), [s = shared_from_this()] {
      beast::get_lowest_layer(s->stream_)
          .expires_after(std::chrono::seconds(s->shared_->options.request_timeout_seconds));
      s->stream_.async_handshake(ssl::stream_base::server, [s](beast::error_code ec) {
        if (ec) return s->Drop();
        s->DoRead();
      });
    });
  }
  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
  void Close() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([s = shared_from_this()](beast::error_code) { s->Drop(); });
  }

 private:
  friend class Session<TlsSession>;
  void Drop() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }
  beast::ssl_stream<beast::tcp_stream> stream_;
};

class BeastServer final : public HttpServer {
 public:
  BeastServer(const HttpOptions& options, Handler handler, Metrics* metrics, Logger* logger)
      : ioc_(options.threads),
        acceptor_(net::make_strand(ioc_)),
        ssl_ctx_(ssl::context::tls_server),
        work_(net::make_work_guard(ioc_)) {
    shared_ = std::make_shared<Shared>();
    shared_->options = options;
    shared_->handler = std::move(handler);
    shared_->metrics = metrics;
    shared_->logger = logger;
  }

  ~BeastServer() override { Stop(); }

  Status Listen() {
    const HttpOptions& o = shared_->options;
    tls_ = !o.tls_cert_file.empty() || !o.tls_key_file.empty();
    if (tls_) {
      if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
        return Status::InvalidInput("TLS needs both --tls-cert and --tls-key");
      }
      beast::error_code ec;
      ssl_ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                               ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                               ssl::context::no_tlsv1_1,
                           ec);
      ssl_ctx_.use_certificate_chain_file(o.tls_cert_file, ec);
      if (ec) {
        return Status::InvalidInput("cannot load the TLS certificate " + o.tls_cert_file + ": " +
                                    ec.message());
      }
      ssl_ctx_.use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
      if (ec) {
        return Status::InvalidInput("cannot load the TLS key " + o.tls_key_file + ": " +
                                    ec.message());
      }
    }
    beast::error_code ec;
    const auto address = net::ip::make_address(o.address, ec);
    if (ec) return Status::InvalidInput("--listen: '" + o.address + "' is not an IP address");
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::IOError("cannot listen on " + o.address + ":" + std::to_string(o.port) + ": " +
                             ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return Status::Ok();
  }

  void Start() override {
    Accept();
    for (int i = 0; i < std::max(1, shared_->options.threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
  }

  [[nodiscard]] int port() const override { return port_; }

  void StopAccepting() override {
    shared_->stopping = true;
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
  }

  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    StopAccepting();
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  [[nodiscard]] std::size_t in_flight() const override { return shared_->in_flight; }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        return Accept();
      }
      beast::error_code ignored;
      const auto peer = s.remote_endpoint(ignored);
      const std::string remote = peer.address().to_string() + ":" + std::to_string(peer.port());
      if (shared_->connections >= shared_->options.max_connections) {
        if (shared_->logger != nullptr) {
          shared_->logger->Warn("connection refused: too many connections").Field("client", remote);
        }
        s.close(ignored);
      } else if (tls_) {
        std::make_shared<TlsSession>(std::move(s), ssl_ctx_, shared_, remote)->Run();
      } else {
        std::make_shared<PlainSession>(std::move(s), shared_, remote)->Run();
      }
      Accept();
    });
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  ssl::context ssl_ctx_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::thread> threads_;
  bool tls_ = false;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Create(const HttpOptions& options, Handler handler,
                                                       Metrics* metrics, Logger* logger) {
  auto server = std::make_unique<BeastServer>(options, std::move(handler), metrics, logger);
  if (Status s = server->Listen(); !s.ok()) return s;
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace corroborate::server
