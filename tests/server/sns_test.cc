// SNS: only SNS URLs are fetched, and signatures (versions 1 and 2) are verified with the
// certificate, here a key and self-signed certificate made in memory.
#include "server/sns.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "asff/json_writer.h"

namespace corroborate::server {
namespace {

struct TestKey {
  EVP_PKEY* key = nullptr;
  std::string cert_pem;
  TestKey() {
    key = EVP_RSA_gen(2048);
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("sns.test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    cert_pem.assign(data, static_cast<size_t>(n));
    BIO_free(bio);
    X509_free(cert);
  }
  ~TestKey() { EVP_PKEY_free(key); }
  std::string Sign(const std::string& text, bool sha256) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t size = 0;
    EVP_DigestSignInit(ctx, nullptr, sha256 ? EVP_sha256() : EVP_sha1(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(text.data()),
                   text.size());
    std::string sig(size, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size,
                   reinterpret_cast<const unsigned char*>(text.data()), text.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(size);
    std::string b64(4 * ((size + 2) / 3) + 1, '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                    reinterpret_cast<const unsigned char*>(sig.data()), static_cast<int>(size));
    b64.resize(b64.size() - 1);
    return b64;
  }
};

const TestKey& Key() {
  static const TestKey key;
  return key;
}

constexpr std::string_view kCertUrl =
    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem";

std::string Message(std::string type, const std::string& version, bool tamper = false,
                    std::string cert_url = std::string(kCertUrl)) {
  SnsMessage m;
  m.type = std::move(type);
  m.message_id = "id-1";
  m.topic_arn = "arn:aws:sns:eu-west-1:111122223333:alerts";
  m.message = R"({"hello":"world"})";
  m.timestamp = "2026-11-21T00:00:00.000Z";
  if (m.type != "Notification") {
    m.token = "tok";
    m.subscribe_url = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=tok";
  }
  const std::string signature = Key().Sign(SnsEndpoint::StringToSign(m), version == "2");
  if (tamper) m.message = R"({"hello":"mallory"})";
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject().Key("Type").String(m.type).Key("MessageId").String(m.message_id);
  w.Key("TopicArn").String(m.topic_arn).Key("Message").String(m.message);
  w.Key("Timestamp").String(m.timestamp).Key("SignatureVersion").String(version);
  w.Key("Signature").String(signature).Key("SigningCertURL").String(cert_url);
  if (!m.token.empty()) w.Key("Token").String(m.token).Key("SubscribeURL").String(m.subscribe_url);
  w.EndObject();
  return out;
}

struct Fetches {
  std::vector<std::string> urls;
  Fetcher fetcher() {
    return [this](const std::string& url, long) -> Result<std::string> {
      urls.push_back(url);
      if (url.ends_with(".pem")) return Key().cert_pem;
      return std::string("<ConfirmSubscriptionResponse/>");
    };
  }
};

TEST(Sns, OnlySnsUrlsAreAllowed) {
  SnsEndpoint sns({},
                  [](const std::string&, long) -> Result<std::string> { return std::string(); });
  EXPECT_TRUE(sns.UrlAllowed("https://sns.eu-west-1.amazonaws.com/x.pem"));
  EXPECT_TRUE(sns.UrlAllowed("https://sns.cn-north-1.amazonaws.com.cn/x.pem"));
  EXPECT_TRUE(sns.UrlAllowed("https://sns.us-east-1.amazonaws.com:443/?Action=Confirm"));
  EXPECT_FALSE(sns.UrlAllowed("http://sns.eu-west-1.amazonaws.com/x.pem"));
  EXPECT_FALSE(sns.UrlAllowed("https://sns.eu-west-1.amazonaws.com.evil.com/x.pem"));
  EXPECT_FALSE(sns.UrlAllowed("https://evil.com/sns.eu-west-1.amazonaws.com/x.pem"));
  EXPECT_FALSE(sns.UrlAllowed("https://user@sns.eu-west-1.amazonaws.com/x.pem"));
  EXPECT_FALSE(sns.UrlAllowed("https://sns.eu-west-1.amazonaws.com:8443/x.pem"));
  EXPECT_FALSE(sns.UrlAllowed("https://sns..amazonaws.com/x.pem"));
  EXPECT_FALSE(sns.UrlAllowed("https://169.254.169.254/latest/meta-data/"));
  SnsOptions prefixed;
  prefixed.url_prefixes = {"http://127.0.0.1:9999/"};
  SnsEndpoint with_prefix(
      prefixed, [](const std::string&, long) -> Result<std::string> { return std::string(); });
  EXPECT_TRUE(with_prefix.UrlAllowed("http://127.0.0.1:9999/cert.pem"));
  EXPECT_FALSE(with_prefix.UrlAllowed("http://127.0.0.1:9998/cert.pem"));
}

TEST(Sns, VerifiesBothSignatureVersionsAndKeepsTheCertificate) {
  Fetches fetches;
  SnsEndpoint sns({}, fetches.fetcher());
  for (const char* version : {"1", "2"}) {
    auto checked = sns.Check(Message("Notification", version), "Notification");
    ASSERT_TRUE(std::holds_alternative<SnsMessage>(checked)) << std::get<ApiError>(checked).message;
  }
  EXPECT_EQ(fetches.urls.size(), 1U);  // downloaded once
  auto confirmation = sns.Check(Message("SubscriptionConfirmation", "1"), "");
  ASSERT_TRUE(std::holds_alternative<SnsMessage>(confirmation));
  EXPECT_TRUE(sns.Confirm(std::get<SnsMessage>(confirmation)).ok());
  EXPECT_EQ(fetches.urls.back(),
            "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=tok");
}

TEST(Sns, RefusesBadSignaturesHostsTopicsAndShapes) {
  Fetches fetches;
  SnsOptions options;
  options.topic_arns = {"arn:aws:sns:eu-west-1:111122223333:alerts"};
  SnsEndpoint sns(options, fetches.fetcher());
  auto tampered = sns.Check(Message("Notification", "1", true), "");
  ASSERT_TRUE(std::holds_alternative<ApiError>(tampered));
  EXPECT_EQ(std::get<ApiError>(tampered).status, 403);
  auto evil = sns.Check(Message("Notification", "1", false, "https://evil.example.com/c.pem"), "");
  ASSERT_TRUE(std::holds_alternative<ApiError>(evil));
  EXPECT_EQ(std::get<ApiError>(evil).status, 400);
  EXPECT_TRUE(fetches.urls.empty() || fetches.urls.back() != "https://evil.example.com/c.pem");
  auto version = sns.Check(Message("Notification", "3"), "");
  ASSERT_TRUE(std::holds_alternative<ApiError>(version));
  auto mismatch = sns.Check(Message("Notification", "1"), "SubscriptionConfirmation");
  ASSERT_TRUE(std::holds_alternative<ApiError>(mismatch));
  auto shape = sns.Check(R"({"Type":"Notification"})", "");
  ASSERT_TRUE(std::holds_alternative<ApiError>(shape));
  EXPECT_NE(std::get<ApiError>(shape).message.find("lacks MessageId, TopicArn, Timestamp"),
            std::string::npos);
  options.topic_arns = {"arn:aws:sns:eu-west-1:111122223333:other"};
  SnsEndpoint strict(options, fetches.fetcher());
  auto topic = strict.Check(Message("Notification", "1"), "");
  ASSERT_TRUE(std::holds_alternative<ApiError>(topic));
  EXPECT_EQ(std::get<ApiError>(topic).status, 403);
  SnsMessage confirm;
  confirm.subscribe_url = "http://169.254.169.254/";
  EXPECT_EQ(sns.Confirm(confirm).code(), Status::Code::kInvalidInput);
}

}  // namespace
}  // namespace corroborate::server
