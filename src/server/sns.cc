#include "server/sns.h"

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <simdjson.h>

#include <algorithm>

#include "aws/base64.h"

namespace corroborate::server {
namespace {

constexpr size_t kMaxFetchBytes = size_t{64} << 10;
constexpr size_t kMaxCertificates = 32;

bool IsSnsHost(std::string_view host) {
  // sns.<region>.amazonaws.com, or .amazonaws.com.cn in the China regions.
  std::string_view rest;
  if (host.starts_with("sns.") && host.ends_with(".amazonaws.com")) {
    rest = host.substr(4, host.size() - 4 - std::string_view(".amazonaws.com").size());
  } else if (host.starts_with("sns.") && host.ends_with(".amazonaws.com.cn")) {
    rest = host.substr(4, host.size() - 4 - std::string_view(".amazonaws.com.cn").size());
  } else {
    return false;
  }
  if (rest.empty()) return false;
  return std::all_of(rest.begin(), rest.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

size_t Collect(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > kMaxFetchBytes) return 0;  // aborts the transfer
  out->append(data, size * n);
  return size * n;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

Result<std::string> CurlGet(const std::string& url, long timeout_ms) {
  static CurlGlobal init;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Internal("cannot start an HTTP client");
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return Status::IOError("GET " + url + " failed: " + curl_easy_strerror(rc));
  }
  if (status < 200 || status > 299) {
    return Status::IOError("GET " + url + " answered HTTP " + std::to_string(status));
  }
  return body;
}

SnsEndpoint::SnsEndpoint(SnsOptions options, Fetcher fetcher)
    : options_(std::move(options)), fetcher_(std::move(fetcher)) {}

bool SnsEndpoint::UrlAllowed(std::string_view url) const {
  for (const std::string& prefix : options_.url_prefixes) {
    if (!prefix.empty() && url.starts_with(prefix)) return true;
  }
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return false;
  const std::string_view rest = url.substr(kScheme.size());
  const size_t end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos) return false;
  std::string_view host = authority;
  if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
    if (authority.substr(colon + 1) != "443") return false;
    host = authority.substr(0, colon);
  }
  return IsSnsHost(host);
}

std::string SnsEndpoint::StringToSign(const SnsMessage& m) {
  std::string out;
  auto add = [&](std::string_view key, std::string_view value) {
    out += key;
    out += '\n';
    out += value;
    out += '\n';
  };
  add("Message", m.message);
  add("MessageId", m.message_id);
  if (m.type == "Notification") {
    if (m.has_subject) add("Subject", m.subject);
    add("Timestamp", m.timestamp);
    add("TopicArn", m.topic_arn);
    add("Type", m.type);
  } else {
    add("SubscribeURL", m.subscribe_url);
    add("Timestamp", m.timestamp);
    add("Token", m.token);
    add("TopicArn", m.topic_arn);
    add("Type", m.type);
  }
  return out;
}

std::variant<SnsMessage, ApiError> SnsEndpoint::Check(std::string_view body,
                                                      std::string_view header_type) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (auto err = parser.parse(body.data(), body.size()).get_object().get(obj);
      err != simdjson::SUCCESS) {
    return InvalidInput("The SNS message is not a JSON object: " +
                        std::string(simdjson::error_message(err)));
  }
  SnsMessage m;
  auto text = [&](std::string_view key, std::string* out, bool* present = nullptr) {
    std::string_view s;
    const bool ok = obj[key].get_string().get(s) == simdjson::SUCCESS;
    if (ok) *out = std::string(s);
    if (present != nullptr) *present = ok;
    return ok;
  };
  text("Type", &m.type);
  text("MessageId", &m.message_id);
  text("TopicArn", &m.topic_arn);
  text("Subject", &m.subject, &m.has_subject);
  text("Message", &m.message);
  text("Timestamp", &m.timestamp);
  text("SubscribeURL", &m.subscribe_url);
  text("Token", &m.token);
  text("SignatureVersion", &m.signature_version);
  text("Signature", &m.signature);
  text("SigningCertURL", &m.signing_cert_url);
  if (m.type != "Notification" && m.type != "SubscriptionConfirmation" &&
      m.type != "UnsubscribeConfirmation") {
    return InvalidInput("The SNS message Type is '" + m.type +
                        "'; expected Notification, SubscriptionConfirmation or "
                        "UnsubscribeConfirmation");
  }
  if (!header_type.empty() && header_type != m.type) {
    return InvalidInput("x-amz-sns-message-type '" + std::string(header_type) +
                        "' does not match the message's Type '" + m.type + "'");
  }
  std::string missing;
  for (auto [value, name] : {std::pair{&m.message_id, "MessageId"},
                             {&m.topic_arn, "TopicArn"},
                             {&m.timestamp, "Timestamp"}}) {
    if (value->empty()) missing += std::string(missing.empty() ? "" : ", ") + name;
  }
  if (m.type != "Notification" && m.subscribe_url.empty()) {
    missing += std::string(missing.empty() ? "" : ", ") + "SubscribeURL";
  }
  if (!missing.empty()) {
    return InvalidInput("The SNS " + m.type + " message lacks " + missing);
  }
  if (!options_.topic_arns.empty() &&
      std::find(options_.topic_arns.begin(), options_.topic_arns.end(), m.topic_arn) ==
          options_.topic_arns.end()) {
    return AccessDenied("SNS topic " + m.topic_arn +
                        " is not one this server accepts "
                        "(sns-topic-arn)");
  }
  if (options_.verify_signatures) {
    if (Status s = Verify(m); !s.ok()) {
      if (s.code() == Status::Code::kInvalidInput) return InvalidInput(s.message());
      if (s.code() == Status::Code::kIOError) {
        return ApiError{502, "SigningCertificateUnavailableException", s.message()};
      }
      return AccessDenied(s.message());
    }
  }
  return m;
}

Status SnsEndpoint::Verify(const SnsMessage& m) {
  if (m.signature_version != "1" && m.signature_version != "2") {
    return Status::InvalidInput("SNS SignatureVersion '" + m.signature_version +
                                "' is not 1 (SHA1withRSA) or 2 (SHA256withRSA)");
  }
  if (m.signature.empty() || m.signing_cert_url.empty()) {
    return Status::InvalidInput("The SNS message has no Signature or SigningCertURL");
  }
  if (!UrlAllowed(m.signing_cert_url)) {
    return Status::InvalidInput("SigningCertURL " + m.signing_cert_url +
                                " is not an SNS URL (https://sns.<region>.amazonaws.com/...)");
  }
  std::string pem;
  {
    std::lock_guard lock(mu_);
    if (auto it = certificates_.find(m.signing_cert_url); it != certificates_.end()) {
      pem = it->second;
    }
  }
  if (pem.empty()) {
    auto fetched = fetcher_(m.signing_cert_url, options_.timeout_ms);
    if (!fetched.ok()) {
      return Status::IOError("cannot download the SNS signing certificate: " +
                             fetched.status().message());
    }
    pem = std::move(fetched).value();
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = bio != nullptr ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (cert == nullptr) {
    return Status::Corruption("the SNS signing certificate at " + m.signing_cert_url +
                              " is not a PEM certificate");
  }
  EVP_PKEY* key = X509_get_pubkey(cert);
  X509_free(cert);
  if (key == nullptr) return Status::Corruption("the SNS signing certificate has no key");
  const std::string signature = aws::Base64Decode(m.signature).value_or("");
  const std::string to_sign = StringToSign(m);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const EVP_MD* md = m.signature_version == "1" ? EVP_sha1() : EVP_sha256();
  const bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(to_sign.data()),
                       to_sign.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  if (!ok) {
    return Status::Corruption(
        "The SNS message signature does not verify with the "
        "certificate at " +
        m.signing_cert_url);
  }
  std::lock_guard lock(mu_);
  if (certificates_.size() >= kMaxCertificates) certificates_.clear();
  certificates_[m.signing_cert_url] = std::move(pem);
  return Status::Ok();
}

Status SnsEndpoint::Confirm(const SnsMessage& message) {
  if (!UrlAllowed(message.subscribe_url)) {
    return Status::InvalidInput("SubscribeURL " + message.subscribe_url +
                                " is not an SNS URL (https://sns.<region>.amazonaws.com/...); "
                                "not visited");
  }
  auto answer = fetcher_(message.subscribe_url, options_.timeout_ms);
  if (!answer.ok()) return answer.status();
  return Status::Ok();
}

}  // namespace corroborate::server
