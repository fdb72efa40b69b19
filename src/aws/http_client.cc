#include "aws/http_client.h"

#include <curl/curl.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <random>
#include <thread>

namespace corroborate::aws {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "aws.protocols#ThrottlingException" / "ThrottlingException:http://internal..." -> the name.
std::string ShortErrorType(std::string_view type) {
  if (auto colon = type.find(':'); colon != std::string_view::npos) type = type.substr(0, colon);
  if (auto hash = type.rfind('#'); hash != std::string_view::npos) type = type.substr(hash + 1);
  return std::string(TrimSpace(type));
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::vector<Header>*>(user);
  const std::string_view line(data, size * count);
  // A status line starts a response; an interim one (100 Continue) has its own headers, which
  // the final response's replace.
  if (line.starts_with("HTTP/")) {
    headers->clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    headers->push_back({std::string(TrimSpace(line.substr(0, colon))),
                        std::string(TrimSpace(line.substr(colon + 1)))});
  }
  return size * count;
}

bool RetryableTransportError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
  }
}

std::string HostOf(std::string_view url) {
  auto start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  const auto end = url.find_first_of("/?", start);
  return std::string(
      url.substr(start, end == std::string_view::npos ? url.size() - start : end - start));
}

}  // namespace

std::string_view TrimSpace(std::string_view s) {
  constexpr auto kSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && kSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && kSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string XmlElementText(std::string_view body, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const auto begin = body.find(open);
  if (begin == std::string_view::npos) return {};
  const auto end = body.find(close, begin + open.size());
  if (end == std::string_view::npos) return {};
  return std::string(body.substr(begin + open.size(), end - begin - open.size()));
}

std::optional<std::string> HttpResponse::HeaderValue(std::string_view name) const {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return std::nullopt;
}

AwsError ParseAwsError(const HttpResponse& response) {
  AwsError error;
  if (auto header = response.HeaderValue("x-amzn-ErrorType")) error.type = ShortErrorType(*header);
  const std::string_view body = TrimSpace(response.body);
  if (body.starts_with('{')) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS && doc.is_object()) {
      for (const char* key : {"__type", "code", "Code"}) {
        std::string_view v;
        if (error.type.empty() && doc[key].get_string().get(v) == simdjson::SUCCESS) {
          error.type = ShortErrorType(v);
        }
      }
      for (const char* key : {"message", "Message", "errorMessage"}) {
        std::string_view v;
        if (error.message.empty() && doc[key].get_string().get(v) == simdjson::SUCCESS) {
          error.message = std::string(v);
        }
      }
    }
  } else if (body.starts_with('<')) {
    if (error.type.empty()) error.type = XmlElementText(body, "Code");
    error.message = XmlElementText(body, "Message");
  }
  return error;
}

bool IsThrottlingErrorType(std::string_view type) {
  static constexpr std::array<std::string_view, 14> kThrottling = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "ProvisionedThroughputExceeded",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "EC2ThrottledException",
  };
  return std::find(kThrottling.begin(), kThrottling.end(), type) != kThrottling.end();
}

bool IsRetryableResponse(const HttpResponse& response) {
  if (response.status == 429) return true;
  if (response.status >= 500 && response.status != 501) return true;
  if (response.status >= 400) return IsThrottlingErrorType(ParseAwsError(response).type);
  return false;
}

Result<std::unique_ptr<HttpClient>> HttpClient::Create(HttpClientOptions options) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Internal("libcurl: curl_easy_init failed");
  if (!options.sleep) {
    options.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
  if (!options.random) {
    options.random = [engine = std::make_shared<std::mt19937_64>(std::random_device{}())] {
      return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
    };
  }
  if (!options.now_seconds) {
    options.now_seconds = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  options.retry.max_attempts = std::max(1, options.retry.max_attempts);
  return std::unique_ptr<HttpClient>(new HttpClient(curl, std::move(options)));
}

HttpClient::HttpClient(void* curl, HttpClientOptions options)
    : curl_(curl), options_(std::move(options)) {}

HttpClient::~HttpClient() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpResponse> HttpClient::SendOnce(const HttpRequest& request) {
  auto* curl = static_cast<CURL*>(curl_);
  // Reset forgets the previous request's options but keeps the connection cache (keep-alive).
  curl_easy_reset(curl);
  HttpResponse response;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));  // NOLINT
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(options_.total_timeout.count()));  // NOLINT
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_slist* headers = nullptr;
  // No "Expect: 100-continue" round trip, and no content type curl would invent for a body.
  headers = curl_slist_append(headers, "Expect:");
  bool has_content_type = false;
  for (const auto& h : request.headers) {
    if (EqualsIgnoreCase(h.name, "Content-Type")) has_content_type = true;
    const std::string line = h.value.empty() ? h.name + ";" : h.name + ": " + h.value;
    headers = curl_slist_append(headers, line.c_str());
  }
  if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    last_error_retryable_ = RetryableTransportError(code);
    const std::string reason = error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(code);
    return Status::IOError(request.method + " " + HostOf(request.url) + ": " + reason);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.attempts = 1;
  return response;
}

std::chrono::milliseconds HttpClient::RetryDelay(int attempt, const HttpResponse* failed) {
  const auto& retry = options_.retry;
  const int shift = std::min(attempt - 1, 30);
  const double ceiling = std::min<double>(static_cast<double>(retry.max_delay.count()),
                                          static_cast<double>(retry.base_delay.count()) *
                                              static_cast<double>(std::int64_t{1} << shift));
  auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(options_.random() * ceiling));
  if (failed != nullptr) {
    if (auto header = failed->HeaderValue("Retry-After")) {
      std::optional<std::int64_t> seconds;
      const std::string_view text = TrimSpace(*header);
      if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
          })) {
        seconds = std::stoll(std::string(text.substr(0, 12)));
      } else if (auto date = ParseHttpDate(text)) {
        seconds = std::max<std::int64_t>(0, *date - options_.now_seconds());
      }
      if (seconds) {
        const auto asked =
            std::min(std::chrono::milliseconds(*seconds * 1000), retry.max_retry_after);
        delay = std::max(delay, asked);
      }
    }
  }
  return delay;
}

Result<HttpResponse> HttpClient::Send(const HttpRequest& request,
                                      const std::function<void(HttpRequest&)>& prepare) {
  const int max_attempts = options_.retry.max_attempts;
  for (int attempt = 1;; ++attempt) {
    HttpRequest copy = request;
    if (prepare) prepare(copy);
    Result<HttpResponse> result = SendOnce(copy);
    if (!result.ok()) {
      const bool retry_transport = last_error_retryable_ && attempt < max_attempts;
      // Only failures that may pass are retried (a malformed URL will not get better).
      if (!retry_transport) {
        return result.status().WithContext("after " + std::to_string(attempt) + " attempt(s)");
      }
      options_.sleep(RetryDelay(attempt, nullptr));
      continue;
    }
    result->attempts = attempt;
    if (attempt >= max_attempts || !IsRetryableResponse(*result)) return result;
    options_.sleep(RetryDelay(attempt, &*result));
  }
}

}  // namespace corroborate::aws
