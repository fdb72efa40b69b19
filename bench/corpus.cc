#include "corpus.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <string_view>

#include "asff/json_writer.h"

namespace corroborate::bench {
namespace {

using asff::JsonWriter;
using asff::TimeMs;
using std::string_view;

// ------------------------------------------------------------------------------------------------
// Randomness: SplitMix64. Every finding and every revision gets its own stream derived from
// (seed, index, revision), which is what makes Finding(i) independent of generation order.

constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

constexpr std::uint64_t Mix(std::uint64_t z) {
  z += kGolden;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    state_ += kGolden;
    return Mix(state_);
  }
  // Uniform in [0, n); the modulo bias is far below anything a benchmark could notice.
  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(Next() % n); }
  std::int64_t Below64(std::int64_t n) {
    return static_cast<std::int64_t>(Next() % static_cast<std::uint64_t>(n));
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  template <typename T, std::size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[Below(N)];
  }

 private:
  std::uint64_t state_;
};

std::uint64_t FindingStream(std::uint64_t seed, std::size_t index) {
  return Mix(seed ^ Mix(static_cast<std::uint64_t>(index)));
}
std::uint64_t RevisionStream(std::uint64_t seed, std::size_t index, unsigned revision) {
  return Mix(FindingStream(seed, index) ^ Mix(0x5265766973696f6eULL + revision));
}

// ------------------------------------------------------------------------------------------------
// Formatting without temporaries: the generator must stay far faster than anything it feeds.

constexpr char kHex[] = "0123456789abcdef";

void AppendHex(std::string& s, std::uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) s += kHex[(v >> (4 * i)) & 0xF];
}

void AppendInt(std::string& s, std::int64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, end);
}

void AppendPadded(std::string& s, std::int64_t v, int width) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  for (auto len = end - buf; len < width; ++len) s += '0';
  s.append(buf, end);
}

// A UUID-shaped id (version 4 layout) from 128 random bits.
void AppendUuid(std::string& s, std::uint64_t hi, std::uint64_t lo) {
  AppendHex(s, hi >> 32, 8);
  s += '-';
  AppendHex(s, (hi >> 16) & 0xFFFF, 4);
  s += "-4";
  AppendHex(s, hi & 0xFFF, 3);
  s += '-';
  s += kHex[8 + ((lo >> 60) & 0x3)];
  AppendHex(s, (lo >> 48) & 0xFFF, 3);
  s += '-';
  AppendHex(s, lo & 0xFFFFFFFFFFFFULL, 12);
}

// YYYY-MM-DDTHH:MM:SS.mmmZ, the form Security Hub stores (civil-from-days, H. Hinnant).
void AppendTime(std::string& s, TimeMs ms) {
  std::int64_t days = ms / asff::kMsPerDay;
  std::int64_t rem = ms % asff::kMsPerDay;
  if (rem < 0) {
    rem += asff::kMsPerDay;
    --days;
  }
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[24];
  auto put = [&buf](int at, std::int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[at + i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(0, year, 4);
  buf[4] = '-';
  put(5, month, 2);
  buf[7] = '-';
  put(8, day, 2);
  buf[10] = 'T';
  put(11, rem / 3'600'000, 2);
  buf[13] = ':';
  put(14, rem / 60'000 % 60, 2);
  buf[16] = ':';
  put(17, rem / 1000 % 60, 2);
  buf[19] = '.';
  put(20, rem % 1000, 3);
  buf[23] = 'Z';
  s.append(buf, sizeof buf);
}

// ------------------------------------------------------------------------------------------------
// Reference data. Values are the real ones (ASFF type names, control ids and titles, CVEs with
// their CVSS scores) so that filters and correlation rules written for real data exercise the
// corpus the same way.

constexpr std::array<string_view, 2> kAccounts{"111122223333", "444455556666"};
constexpr std::array<string_view, 3> kRegions{"eu-west-1", "us-east-1", "eu-central-1"};

enum class Sev : std::uint8_t { kInformational, kLow, kMedium, kHigh, kCritical };
constexpr std::array<string_view, 5> kSevLabel{"INFORMATIONAL", "LOW", "MEDIUM", "HIGH",
                                               "CRITICAL"};
// Security Hub's Label -> Normalized mapping, so Label and Normalized always agree.
constexpr std::array<int, 5> kSevNormalized{0, 1, 40, 70, 90};
string_view Label(Sev s) {
  return kSevLabel[static_cast<std::size_t>(s)];
}
int Normalized(Sev s) {
  return kSevNormalized[static_cast<std::size_t>(s)];
}

enum class GdAction : std::uint8_t { kDns, kInbound, kOutbound, kPortProbe, kApiCall };

struct GuardDutyType {
  string_view name;       // GuardDuty's own type
  string_view asff_type;  // as Security Hub shows it
  int product_severity;   // GuardDuty's 1..8.9 scale, rounded
  GdAction action;
  string_view title;  // "<resource>" is appended
};

constexpr std::array<GuardDutyType, 10> kGuardDutyEc2{{
    {"Backdoor:EC2/C&CActivity.B!DNS", "TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS", 8,
     GdAction::kDns, "Command and Control server domain name queried by EC2 instance "},
    {"Behavior:EC2/NetworkPortUnusual", "Unusual Behaviors/VM/Behavior:EC2-NetworkPortUnusual", 5,
     GdAction::kOutbound, "Unusual outbound communication seen from EC2 instance "},
    {"UnauthorizedAccess:EC2/SSHBruteForce",
     "TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce", 2, GdAction::kInbound,
     "SSH brute force attacks against EC2 instance "},
    {"Recon:EC2/PortProbeUnprotectedPort", "TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort", 2,
     GdAction::kPortProbe, "Unprotected port on EC2 instance is being probed: "},
    {"CryptoCurrency:EC2/BitcoinTool.B!DNS",
     "TTPs/Command and Control/CryptoCurrency:EC2-BitcoinTool.B!DNS", 8, GdAction::kDns,
     "Bitcoin-related domain name queried by EC2 instance "},
    {"UnauthorizedAccess:EC2/TorClient",
     "TTPs/Command and Control/UnauthorizedAccess:EC2-TorClient", 8, GdAction::kOutbound,
     "EC2 instance is communicating with Tor Entry/Guard Node: "},
    {"Behavior:EC2/TrafficVolumeUnusual", "Unusual Behaviors/VM/Behavior:EC2-TrafficVolumeUnusual",
     5, GdAction::kOutbound, "Unusually large volume of network traffic from EC2 instance "},
    {"Trojan:EC2/DNSDataExfiltration", "Effects/Data Exfiltration/Trojan:EC2-DNSDataExfiltration",
     8, GdAction::kDns, "Data exfiltration through DNS queries from EC2 instance "},
    {"UnauthorizedAccess:EC2/RDPBruteForce",
     "TTPs/Initial Access/UnauthorizedAccess:EC2-RDPBruteForce", 2, GdAction::kInbound,
     "RDP brute force attacks against EC2 instance "},
    {"Impact:EC2/PortSweep", "TTPs/Impact/Impact:EC2-PortSweep", 8, GdAction::kOutbound,
     "EC2 instance is performing a port sweep: "},
}};

constexpr std::array<GuardDutyType, 5> kGuardDutyS3{{
    {"Exfiltration:S3/AnomalousBehavior", "TTPs/Exfiltration:S3-AnomalousBehavior", 8,
     GdAction::kApiCall, "Anomalous API request GetObject was observed on S3 bucket "},
    {"Exfiltration:S3/MaliciousIPCaller", "TTPs/Exfiltration:S3-MaliciousIPCaller", 8,
     GdAction::kApiCall,
     "S3 API GetObject was invoked from a known malicious IP address on bucket "},
    {"Discovery:S3/AnomalousBehavior", "TTPs/Discovery:S3-AnomalousBehavior", 2, GdAction::kApiCall,
     "Anomalous API request ListObjects was observed on S3 bucket "},
    {"Policy:S3/BucketBlockPublicAccessDisabled",
     "Effects/Data Exposure/Policy:S3-BucketBlockPublicAccessDisabled", 2, GdAction::kApiCall,
     "Amazon S3 Block Public Access was disabled for S3 bucket "},
    {"Discovery:S3/TorIPCaller", "TTPs/Discovery:S3-TorIPCaller", 5, GdAction::kApiCall,
     "S3 API ListObjects was invoked from a Tor exit node IP address on bucket "},
}};

struct Cve {
  string_view id;
  string_view package;  // first vulnerable package; JAR packages carry a Maven coordinate
  string_view version;
  string_view fixed;
  bool jar;
  double score;
  string_view vector;
  Sev severity;
  double epss;
};

// The package an OS package ships with; Inspector reports both in one finding ("curl, libcurl").
string_view CompanionOf(string_view package) {
  constexpr std::array<std::pair<string_view, string_view>, 8> kCompanions{{
      {"curl", "libcurl"},
      {"glibc", "glibc-common"},
      {"openssl-libs", "openssl"},
      {"openssh-server", "openssh"},
      {"openssh", "openssh-clients"},
      {"nghttp2", "libnghttp2"},
      {"libxml2", "libxml2-python"},
      {"expat", "expat-devel"},
  }};
  for (const auto& [first, second] : kCompanions) {
    if (first == package) return second;
  }
  return {};
}

constexpr string_view kFullVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

constexpr std::array<Cve, 24> kCves{{
    {"CVE-2021-44228", "org.apache.logging.log4j:log4j-core", "2.14.1", "2.15.0", true, 10.0,
     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Sev::kCritical, 0.94358},
    {"CVE-2023-38545", "curl", "8.3.0", "8.4.0", false, 9.8, kFullVector, Sev::kCritical, 0.23177},
    {"CVE-2022-37434", "zlib", "1.2.7", "1.2.7-19.amzn2.0.2", false, 9.8, kFullVector,
     Sev::kCritical, 0.02471},
    {"CVE-2022-22965", "org.springframework:spring-beans", "5.3.17", "5.3.18", true, 9.8,
     kFullVector, Sev::kCritical, 0.94467},
    {"CVE-2022-40674", "expat", "2.1.0", "2.1.0-15.amzn2.0.2", false, 9.8, kFullVector,
     Sev::kCritical, 0.00631},
    {"CVE-2024-6387", "openssh-server", "8.7p1", "8.7p1-38.amzn2023.0.8", false, 8.1,
     "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", Sev::kHigh, 0.3795},
    {"CVE-2023-4911", "glibc", "2.26", "2.26-64.amzn2.0.2", false, 7.8,
     "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", Sev::kHigh, 0.67382},
    {"CVE-2022-0778", "openssl-libs", "1.0.2k", "1.0.2k-24.amzn2.0.3", false, 7.5,
     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Sev::kHigh, 0.01854},
    {"CVE-2023-44487", "nghttp2", "1.41.0", "1.41.0-1.amzn2.0.4", false, 7.5,
     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Sev::kHigh, 0.94475},
    {"CVE-2024-25062", "libxml2", "2.9.1", "2.9.1-6.amzn2.5.13", false, 7.5,
     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Sev::kHigh, 0.00197},
    {"CVE-2023-52425", "expat", "2.1.0", "2.1.0-15.amzn2.0.3", false, 7.5,
     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Sev::kHigh, 0.00361},
    {"CVE-2021-3156", "sudo", "1.8.23", "1.8.23-10.amzn2.1", false, 7.8,
     "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", Sev::kHigh, 0.93912},
    {"CVE-2024-21626", "runc", "1.1.7", "1.1.11-1.amzn2", false, 8.6,
     "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", Sev::kHigh, 0.04213},
    {"CVE-2023-6246", "glibc", "2.34", "2.34-52.amzn2023.0.8", false, 7.8,
     "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", Sev::kHigh, 0.00542},
    {"CVE-2023-2650", "openssl-libs", "3.0.8", "3.0.8-1.amzn2023.0.3", false, 6.5,
     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Sev::kMedium, 0.00743},
    {"CVE-2023-46218", "curl", "8.3.0", "8.5.0", false, 6.5,
     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N", Sev::kMedium, 0.00481},
    {"CVE-2024-2511", "openssl-libs", "3.0.8", "3.0.8-1.amzn2023.0.12", false, 5.9,
     "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", Sev::kMedium, 0.00287},
    {"CVE-2023-39615", "libxml2", "2.9.1", "2.9.1-6.amzn2.5.12", false, 6.5,
     "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", Sev::kMedium, 0.00093},
    {"CVE-2023-48795", "openssh", "8.7p1", "8.7p1-8.amzn2023.0.10", false, 5.9,
     "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N", Sev::kMedium, 0.96336},
    {"CVE-2024-0727", "openssl-libs", "3.0.8", "3.0.8-1.amzn2023.0.11", false, 5.5,
     "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", Sev::kMedium, 0.00131},
    {"CVE-2023-27535", "curl", "7.88.1", "8.0.1", false, 5.9,
     "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", Sev::kMedium, 0.00214},
    {"CVE-2023-28322", "curl", "8.3.0", "8.4.0", false, 3.7,
     "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", Sev::kLow, 0.00188},
    {"CVE-2023-28321", "curl", "7.88.1", "8.1.0", false, 3.7,
     "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N", Sev::kLow, 0.00205},
    {"CVE-2022-3358", "openssl-libs", "3.0.8", "3.0.8-1.amzn2023.0.2", false, 0.0, "",
     Sev::kInformational, 0.00102},
}};

// The kind of pool resource a control or rule evaluates.
enum class Target : std::uint8_t { kInstance, kBucket, kSecurityGroup };

struct Control {
  string_view id;
  string_view title;
  Sev severity;
  Target target;
  string_view config_rule;
  string_view requirements;  // a few of the real RelatedRequirements, '|'-separated
};

constexpr std::array<Control, 12> kControls{{
    {"EC2.9", "EC2 instances should not have a public IPv4 address", Sev::kHigh, Target::kInstance,
     "ec2-instance-no-public-ip",
     "NIST.800-53.r5 AC-4|NIST.800-53.r5 AC-4(21)|NIST.800-53.r5 SC-7"},
    {"EC2.8", "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)", Sev::kHigh,
     Target::kInstance, "ec2-imdsv2-check",
     "NIST.800-53.r5 AC-3|NIST.800-53.r5 AC-3(15)|PCI DSS v4.0.1/2.2.6"},
    {"SSM.1", "EC2 instances should be managed by AWS Systems Manager", Sev::kMedium,
     Target::kInstance, "ec2-instance-managed-by-systems-manager",
     "NIST.800-53.r5 CA-9(1)|NIST.800-53.r5 CM-2|PCI DSS v3.2.1/2.4"},
    {"EC2.17", "EC2 instances should not use multiple ENIs", Sev::kLow, Target::kInstance,
     "ec2-instance-multiple-eni-check", "NIST.800-53.r5 AC-4(21)"},
    {"EC2.18",
     "Security groups should only allow unrestricted incoming traffic for authorized ports",
     Sev::kHigh, Target::kSecurityGroup, "vpc-sg-open-only-to-authorized-ports",
     "NIST.800-53.r5 AC-4|NIST.800-53.r5 SC-7|NIST.800-53.r5 SC-7(11)"},
    {"EC2.19", "Security groups should not allow unrestricted access to ports with high risk",
     Sev::kCritical, Target::kSecurityGroup, "vpc-sg-restricted-common-ports",
     "NIST.800-53.r5 AC-4|NIST.800-53.r5 CM-7|NIST.800-53.r5 SC-7(5)"},
    {"EC2.2", "VPC default security groups should not allow inbound or outbound traffic",
     Sev::kHigh, Target::kSecurityGroup, "vpc-default-security-group-closed",
     "CIS AWS Foundations Benchmark v1.2.0/4.3|PCI DSS v3.2.1/1.2.1|NIST.800-53.r5 SC-7"},
    {"EC2.13", "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22",
     Sev::kHigh, Target::kSecurityGroup, "restricted-ssh",
     "CIS AWS Foundations Benchmark v1.2.0/4.1|PCI DSS v3.2.1/1.2.1|NIST.800-53.r5 CM-7"},
    {"S3.5", "S3 general purpose buckets should require requests to use SSL", Sev::kMedium,
     Target::kBucket, "s3-bucket-ssl-requests-only",
     "NIST.800-53.r5 AC-4|NIST.800-53.r5 SC-8|PCI DSS v3.2.1/4.1"},
    {"S3.8", "S3 general purpose buckets should block public access", Sev::kHigh, Target::kBucket,
     "s3-bucket-level-public-access-prohibited",
     "NIST.800-53.r5 AC-21|NIST.800-53.r5 AC-3|CIS AWS Foundations Benchmark v3.0.0/2.1.4"},
    {"S3.9", "S3 general purpose bucket server access logging should be enabled", Sev::kMedium,
     Target::kBucket, "s3-bucket-logging-enabled",
     "NIST.800-53.r5 AC-2(4)|NIST.800-53.r5 AU-10|PCI DSS v4.0.1/10.2.1"},
    {"S3.14", "S3 general purpose buckets should have versioning enabled", Sev::kLow,
     Target::kBucket, "s3-bucket-versioning-enabled",
     "NIST.800-53.r5 AU-9(2)|NIST.800-53.r5 CP-10|NIST.800-53.r5 SI-12"},
}};

// Requirement families appended when a control finding must grow: real NIST 800-53 r5 ids.
constexpr std::array<string_view, 16> kNistFamilies{"AC", "AU", "CA", "CM", "CP", "IA", "IR", "MA",
                                                    "MP", "PE", "PL", "RA", "SA", "SC", "SI", "SR"};

struct MacieType {
  string_view asff_type;
  string_view title;
  string_view category;
  Sev severity;
  std::array<string_view, 4> detections;
};

constexpr std::array<MacieType, 4> kMacieTypes{{
    {"Sensitive Data Identifications/Passwords/SensitiveData:S3Object-Credentials",
     "The S3 object contains credentials data.",
     "CREDENTIALS",
     Sev::kHigh,
     {"AWS_CREDENTIALS", "OPENSSH_PRIVATE_KEY", "PGP_PRIVATE_KEY", "PKCS"}},
    {"Sensitive Data Identifications/Financial/SensitiveData:S3Object-Financial",
     "The S3 object contains financial information.",
     "FINANCIAL_INFORMATION",
     Sev::kHigh,
     {"CREDIT_CARD_NUMBER", "BANK_ACCOUNT_NUMBER", "CREDIT_CARD_EXPIRATION",
      "CREDIT_CARD_SECURITY_CODE"}},
    {"Sensitive Data Identifications/PII/SensitiveData:S3Object-Personal",
     "The S3 object contains personal information.",
     "PERSONAL_INFORMATION",
     Sev::kMedium,
     {"NAME", "ADDRESS", "PHONE_NUMBER", "DATE_OF_BIRTH"}},
    {"Sensitive Data Identifications/PII/SensitiveData:S3Object-Multiple",
     "The S3 object contains more than one type of sensitive information.",
     "PERSONAL_INFORMATION",
     Sev::kHigh,
     {"UK_NATIONAL_INSURANCE_NUMBER", "PASSPORT_NUMBER", "EMAIL_ADDRESS", "NAME"}},
}};

struct ConfigRule {
  string_view name;
  Target target;
  string_view description;
};

constexpr std::array<ConfigRule, 6> kConfigRules{{
    {"ec2-instance-detailed-monitoring-enabled", Target::kInstance,
     "Checks if detailed monitoring is enabled for EC2 instances."},
    {"ebs-optimized-instance", Target::kInstance,
     "Checks if Amazon EBS optimization is enabled for your Amazon EC2 instances that can be "
     "EBS-optimized."},
    {"s3-bucket-public-read-prohibited", Target::kBucket,
     "Checks if your Amazon S3 buckets do not allow public read access."},
    {"s3-default-encryption-kms", Target::kBucket,
     "Checks if the Amazon S3 buckets are encrypted with AWS Key Management Service (AWS KMS)."},
    {"restricted-ssh", Target::kSecurityGroup,
     "Checks if the incoming SSH traffic for the security groups is accessible."},
    {"restricted-common-ports", Target::kSecurityGroup,
     "Checks if the security groups in use do not allow unrestricted incoming TCP traffic to the "
     "specified ports."},
}};

struct AuditCheck {
  string_view name;
  Sev severity;
  string_view reason_code;
  string_view title;
};

constexpr std::array<AuditCheck, 6> kAuditChecks{{
    {"DEVICE_CERTIFICATE_SHARED_CHECK", Sev::kCritical, "CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES",
     "Device certificate shared by multiple devices"},
    {"DEVICE_CERTIFICATE_KEY_QUALITY_CHECK", Sev::kCritical, "CERTIFICATE_KEY_VULNERABILITY",
     "Device certificate uses a weak key"},
    {"CONFLICTING_CLIENT_IDS_CHECK", Sev::kHigh, "DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS",
     "Multiple devices connect with the same client id"},
    {"DEVICE_CERTIFICATE_EXPIRING_CHECK", Sev::kMedium, "CERTIFICATE_APPROACHING_EXPIRATION",
     "Device certificate is expiring"},
    {"REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK", Sev::kMedium, "CERTIFICATE_REVOKED_BY_ISSUER",
     "Revoked device certificate is still active"},
    {"DEVICE_CERTIFICATE_AGE_CHECK", Sev::kLow, "CERTIFICATE_PAST_AGE_THRESHOLD",
     "Device certificate is older than the age threshold"},
}};

struct Behavior {
  string_view name;
  string_view metric;
  string_view criteria_type;  // STATIC | STATISTICAL | MACHINE_LEARNING
  string_view profile;
  Sev severity;
};

constexpr std::array<Behavior, 6> kBehaviors{{
    {"MessagesSent-High", "aws:num-messages-sent", "STATIC", "FleetBaseline", Sev::kHigh},
    {"Authorization_failures_ML_behavior", "aws:num-authorization-failures", "MACHINE_LEARNING",
     "FleetML", Sev::kMedium},
    {"DestinationIps", "aws:destination-ip-addresses", "STATIC", "FleetBaseline", Sev::kMedium},
    {"BytesOut-Critical", "aws:all-bytes-out", "STATISTICAL", "FleetBaseline", Sev::kCritical},
    {"ListeningTcpPorts", "aws:listening-tcp-ports", "STATIC", "FleetBaseline", Sev::kMedium},
    {"Disconnects-Low", "aws:num-disconnects", "STATIC", "FleetBaseline", Sev::kLow},
}};

constexpr std::array<string_view, 6> kInstanceTypes{"t3.medium", "m6i.large", "c6i.xlarge",
                                                    "r6g.large", "t3.small",  "m7g.2xlarge"};
constexpr std::array<string_view, 4> kAmis{"ami-0d9858aa3c6322f73", "ami-0c1a7f89451184c8b",
                                           "ami-0fc5d935ebf8bc3bc", "ami-06b21ccaeff8cd686"};
constexpr std::array<string_view, 8> kTeams{"payments", "platform", "data",    "search",
                                            "identity", "checkout", "reports", "ml"};
constexpr std::array<string_view, 3> kEnvs{"prod", "staging", "dev"};
constexpr std::array<string_view, 10> kBucketWords{
    "payroll-exports", "app-logs",   "cur-reports",    "ml-datasets", "db-backups",
    "static-assets",   "cloudtrail", "athena-results", "tf-state",    "media-uploads"};
constexpr std::array<string_view, 8> kSecurityGroupNames{
    "web-public", "bastion-ssh", "db-private",    "alb-ingress",
    "default",    "k8s-nodes",   "vpn-endpoints", "legacy-admin"};
constexpr std::array<string_view, 5> kThingWords{"pump", "meter", "gateway", "sensor", "camera"};
constexpr std::array<string_view, 6> kThreatLists{"ProofPoint",   "CrowdStrike",     "Amazon",
                                                  "TorExitNodes", "EmergingThreats", "Spamhaus"};
constexpr std::array<string_view, 6> kThreatNames{"Cobalt Strike C2", "Mirai",         "XMRig pool",
                                                  "Emotet",           "Tor exit node", "Scanner"};
constexpr std::array<string_view, 5> kCountries{"Netherlands", "Russia", "Romania", "China",
                                                "United States"};
constexpr std::array<string_view, 6> kReferenceHosts{
    "https://alas.aws.amazon.com/AL2/ALAS-2024-",
    "https://access.redhat.com/errata/RHSA-2024:",
    "https://ubuntu.com/security/notices/USN-",
    "https://lists.debian.org/debian-lts-announce/2024/msg",
    "https://security.netapp.com/advisory/ntap-20240",
    "https://www.openwall.com/lists/oss-security/2024/"};

// Findings whose size target is below this are written lean (see Writer::lean_); about the size
// of a full finding without padding.
constexpr std::size_t kLeanBelowBytes = 2800;

// Workflow as Security Hub reports it (Status plus the deprecated WorkflowState twin).
enum class Workflow : std::uint8_t { kNew, kNotified, kResolved, kSuppressed };
constexpr std::array<string_view, 4> kWorkflowStatus{"NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"};
constexpr std::array<string_view, 4> kWorkflowState{"NEW", "ASSIGNED", "RESOLVED", "DEFERRED"};

}  // namespace

// ------------------------------------------------------------------------------------------------

CorpusGenerator::CorpusGenerator(CorpusOptions options) : options_(options) {
  // Kinds in a 5:2:2:1 split, at least one of each so every product has something to report on.
  const std::size_t n = std::max<std::size_t>(options_.resources, 4);
  const std::size_t groups = std::max<std::size_t>(1, n / 5);
  const std::size_t buckets = std::max<std::size_t>(1, n / 5);
  const std::size_t things = std::max<std::size_t>(1, n / 10);
  const std::size_t instances = n - groups - buckets - things;
  pool_.reserve(n);
  auto add = [&](Kind kind, std::size_t count, std::vector<std::uint32_t>& by_kind) {
    const std::uint64_t kind_seed =
        Mix(options_.seed ^ (0x4b696e64ULL + static_cast<std::uint64_t>(kind)));
    by_kind.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      PoolResource r{};
      r.kind = kind;
      r.ordinal = static_cast<std::uint32_t>(i);
      // Mix is a bijection, so salts (and the ids made from them) never repeat within a kind.
      r.salt = Mix(kind_seed + i);
      r.account = ((r.salt >> 8) % 10 == 0) ? 1 : 0;
      const auto region_roll = (r.salt >> 16) % 20;
      r.region = region_roll < 17 ? 0 : (region_roll < 19 ? 1 : 2);
      by_kind.push_back(static_cast<std::uint32_t>(pool_.size()));
      pool_.push_back(r);
    }
  };
  add(Kind::kSecurityGroup, groups, security_groups_);
  add(Kind::kBucket, buckets, buckets_);
  add(Kind::kThing, things, things_);
  add(Kind::kInstance, instances, instances_);
  // An instance lives where its security group lives, so instance and group always meet.
  for (std::uint32_t i : instances_) {
    PoolResource& r = pool_[i];
    r.security_group = static_cast<std::uint32_t>((r.salt >> 24) % groups);
    const PoolResource& group = pool_[security_groups_[r.security_group]];
    r.account = group.account;
    r.region = group.region;
  }
  Calibrate();
}

namespace {

// Text that padding slices from: what GuardDuty and Config put in their free-form fields
// (observed remote endpoints). Built once; slicing it costs a memcpy.
const std::string& EndpointText() {
  static const std::string text = [] {
    std::string t;
    Rng rng(0x656e64706f696e74ULL);
    constexpr std::array<int, 8> kPorts{443, 80, 22, 3389, 8080, 6667, 53, 25};
    while (t.size() < 4096) {
      AppendInt(t, 1 + static_cast<std::int64_t>(rng.Below(223)));
      t += '.';
      AppendInt(t, static_cast<std::int64_t>(rng.Below(256)));
      t += '.';
      AppendInt(t, static_cast<std::int64_t>(rng.Below(256)));
      t += '.';
      AppendInt(t, 1 + static_cast<std::int64_t>(rng.Below(254)));
      t += ':';
      AppendInt(t, rng.Pick(kPorts));
      t += ',';
    }
    return t;
  }();
  return text;
}

string_view EndpointSlice(Rng& rng, std::size_t length) {
  const std::string& text = EndpointText();
  length = std::min(length, text.size() / 2);
  return string_view(text).substr(rng.Below(text.size() - length), length);
}

// JsonWriter for generated text. Everything the generator writes is printable ASCII without
// quotes or backslashes, so string values go in pre-quoted through Raw(): JsonWriter's
// per-character escape scan otherwise takes over half of the generation time. Keys still go
// through Key(), which keeps JsonWriter's comma and nesting bookkeeping in charge.
class TextWriter {
 public:
  explicit TextWriter(std::string& out) : w_(out) {}
  TextWriter& BeginObject() {
    w_.BeginObject();
    return *this;
  }
  TextWriter& EndObject() {
    w_.EndObject();
    return *this;
  }
  TextWriter& BeginArray() {
    w_.BeginArray();
    return *this;
  }
  TextWriter& EndArray() {
    w_.EndArray();
    return *this;
  }
  TextWriter& Key(string_view key) {
    w_.Key(key);
    return *this;
  }
  TextWriter& Int(std::int64_t v) {
    w_.Int(v);
    return *this;
  }
  TextWriter& Double(double v) {
    w_.Double(v);
    return *this;
  }
  TextWriter& Bool(bool v) {
    w_.Bool(v);
    return *this;
  }
  TextWriter& String(string_view text) {
    assert(std::none_of(text.begin(), text.end(), [](char c) {
      return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
    }));
    quoted_.clear();
    quoted_ += '"';
    quoted_ += text;
    quoted_ += '"';
    w_.Raw(quoted_);
    return *this;
  }

 private:
  JsonWriter w_;
  std::string quoted_;
};

}  // namespace

// Builds one finding. Draw discipline: `rng_` (the finding's stream) decides everything that
// identifies the finding or never changes, in the same order for every revision; `rev_` (the
// revision's stream) decides only what a re-import may change. A draw from `rng_` must never
// depend on a value from `rev_`, or revisions of one finding would drift apart; the only exception
// is padding, which comes last, so that how many padding items a revision needs changes nothing
// else.
class CorpusGenerator::Writer {
 public:
  // kScaled pads towards the finding's scaled target; the bare modes write no padding, in the lean
  // or the full form, for Calibrate().
  enum class Mode : std::uint8_t { kScaled, kBareLean, kBareFull };

  Writer(const CorpusGenerator& gen, std::size_t index, unsigned revision, std::string& out,
         double target_scale, Mode mode = Mode::kScaled)
      : target_scale_(target_scale),
        mode_(mode),
        gen_(gen),
        out_(out),
        w_(out),
        start_(out.size()),
        rng_(FindingStream(gen.options_.seed, index)),
        rev_(RevisionStream(gen.options_.seed, index, revision)),
        index_(index),
        revision_(revision) {}

  // The finding's size target relative to target_avg_bytes, before scaling (0.6 .. 1.4).
  [[nodiscard]] double spread() const { return spread_; }

  void Write() {
    spread_ = 0.6 + 0.8 * rng_.Unit();
    target_ = static_cast<std::size_t>(target_scale_ * spread_ *
                                       static_cast<double>(gen_.options_.target_avg_bytes));
    lean_ = mode_ == Mode::kScaled ? target_ < kLeanBelowBytes : mode_ == Mode::kBareLean;
    if (mode_ != Mode::kScaled) target_ = 0;
    updated_ = kBaseTime - 1 - rng_.Below64(kUpdatedAtSpan - 1);
    created_ = updated_ - rng_.Below64(30 * asff::kMsPerDay);
    first_seen_ = created_ - rng_.Below64(3'600'000);
    // Each revision moves UpdatedAt forward by 1 minute to 3 days, so revisions are ordered.
    for (unsigned r = 1; r <= revision_; ++r) {
      Rng step(RevisionStream(gen_.options_.seed, index_, r) ^ 0x73746570ULL);
      updated_ += 60'000 + step.Below64(3 * asff::kMsPerDay);
    }
    last_seen_ = std::max(first_seen_, updated_ - rng_.Below64(900'000));
    processed_ = updated_ + 1500 + rng_.Below64(4000);

    const std::size_t roll = rng_.Below(100);
    if (roll < 20) {
      GuardDuty();
    } else if (roll < 50) {
      Inspector();
    } else if (roll < 80) {
      SecurityHubControl();
    } else if (roll < 86) {
      Macie();
    } else if (roll < 94) {
      Config();
    } else {
      DeviceDefender();
    }
  }

 private:
  // ---------------------------------------------------------------------------------------------
  // Drawing

  // A pool resource of one kind; low ordinals are favoured (u^2) so that, as in production, a
  // few busy resources collect many findings while most collect few.
  const PoolResource& Draw(const std::vector<std::uint32_t>& by_kind) {
    const double u = rng_.Unit();
    const auto i = std::min(by_kind.size() - 1,
                            static_cast<std::size_t>(u * u * static_cast<double>(by_kind.size())));
    res_ = &gen_.pool_[by_kind[i]];
    account_ = kAccounts[res_->account];
    region_ = kRegions[res_->region];
    return *res_;
  }
  const std::vector<std::uint32_t>& PoolOf(Target t) const {
    switch (t) {
      case Target::kInstance: return gen_.instances_;
      case Target::kBucket: return gen_.buckets_;
      case Target::kSecurityGroup: return gen_.security_groups_;
    }
    return gen_.instances_;
  }

  struct Lifecycle {
    Workflow workflow;
    bool archived;
  };
  // Record state and workflow: archived findings are resolved; a re-import may archive an active
  // finding or bring an archived one back (15% per revision).
  Lifecycle DrawLifecycle(double archived_share) {
    const bool archived = rng_.Chance(archived_share);
    const double u = rng_.Unit();
    Workflow workflow = Workflow::kResolved;
    if (!archived) {
      workflow = u < 0.65   ? Workflow::kNew
                 : u < 0.85 ? Workflow::kNotified
                 : u < 0.93 ? Workflow::kSuppressed
                            : Workflow::kResolved;
    }
    const bool flip = revision_ > 0 && rev_.Chance(0.15);
    return {workflow, archived != flip};
  }

  // Bytes still wanted before the finding reaches its target, counting `closing` bytes that will
  // follow the padding.
  [[nodiscard]] std::size_t Remaining(std::size_t closing) const {
    const std::size_t used = out_.size() - start_ + closing;
    return target_ > used ? target_ - used : 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Identifiers, formatted from a pool resource's salt.

  void AppendInstanceId(std::string& s, const PoolResource& r) const {
    s += "i-0";
    AppendHex(s, r.salt, 16);
  }
  const PoolResource& GroupOf(const PoolResource& instance) const {
    return gen_.pool_[gen_.security_groups_[instance.security_group]];
  }
  void AppendGroupId(std::string& s, const PoolResource& group) const {
    s += "sg-0";
    AppendHex(s, group.salt, 16);
  }
  void AppendEniId(std::string& s, const PoolResource& instance) const {
    s += "eni-0";
    AppendHex(s, Mix(instance.salt ^ 0x656e69ULL), 16);
  }
  void AppendVpcId(std::string& s, const PoolResource& r) const {
    s += "vpc-0";
    AppendHex(
        s, Mix(gen_.options_.seed ^ (0x767063ULL + std::uint64_t{r.account} * 16U + r.region)), 16);
  }
  void AppendSubnetId(std::string& s, const PoolResource& r) const {
    s += "subnet-0";
    AppendHex(s,
              Mix(gen_.options_.seed ^ (0x736e6574ULL + std::uint64_t{r.account} * 16U + r.region) ^
                  (r.salt % 3)),
              16);
  }
  void AppendBucketName(std::string& s, const PoolResource& r) const {
    s += "acme-";
    s += kBucketWords[r.salt % kBucketWords.size()];
    s += '-';
    AppendPadded(s, r.ordinal + gen_.options_.name_offset, 5);
  }
  void AppendThingName(std::string& s, const PoolResource& r) const {
    s += kThingWords[r.salt % kThingWords.size()];
    s += '-';
    AppendPadded(s, r.ordinal + gen_.options_.name_offset, 5);
  }
  string_view GroupName(const PoolResource& group) const {
    return kSecurityGroupNames[(group.salt >> 4) % kSecurityGroupNames.size()];
  }
  void AppendPrivateIp(std::string& s, const PoolResource& r) const {
    s += "10.";
    AppendInt(s, 20 + r.region);
    s += '.';
    AppendInt(s, static_cast<std::int64_t>((r.salt >> 32) & 0xFF));
    s += '.';
    AppendInt(s, static_cast<std::int64_t>(((r.salt >> 40) & 0xFE) | 1));
  }
  // Two resources in three carry tags, as in accounts with a partly enforced tagging policy.
  [[nodiscard]] static bool Tagged(const PoolResource& r) { return (r.salt >> 60) % 3 != 0; }
  [[nodiscard]] bool HasPublicIp(const PoolResource& r) const { return (r.salt >> 48) % 10 < 3; }
  void AppendPublicIp(std::string& s, const PoolResource& r) const {
    s += (r.salt >> 52) % 2 == 0 ? "54." : "3.";
    AppendInt(s, static_cast<std::int64_t>((r.salt >> 20) & 0xFF));
    s += '.';
    AppendInt(s, static_cast<std::int64_t>((r.salt >> 12) & 0xFF));
    s += '.';
    AppendInt(s, 1 + static_cast<std::int64_t>((r.salt >> 56) % 254));
  }
  void AppendRemoteIp(std::string& s, std::uint64_t v) const {
    constexpr std::array<int, 6> kFirst{185, 45, 193, 91, 103, 162};
    AppendInt(s, kFirst[v % kFirst.size()]);
    s += '.';
    AppendInt(s, static_cast<std::int64_t>((v >> 8) & 0xFF));
    s += '.';
    AppendInt(s, static_cast<std::int64_t>((v >> 16) & 0xFF));
    s += '.';
    AppendInt(s, 1 + static_cast<std::int64_t>((v >> 24) % 254));
  }
  void AppendArnPrefix(std::string& s, string_view service) const {
    s += "arn:aws:";
    s += service;
    s += ':';
    s += region_;
    s += ':';
    s += account_;
    s += ':';
  }
  // A detector, job or rule id that is stable per (account, region, tag), as real ones are.
  [[nodiscard]] std::uint64_t PerAccountRegion(std::uint64_t tag) const {
    return Mix(gen_.options_.seed ^ Mix(tag + std::uint64_t{res_->account} * 16U + res_->region));
  }

  // ---------------------------------------------------------------------------------------------
  // Members shared by every product.

  void String(string_view key) { w_.Key(key).String(s_); }  // writes the scratch string
  void Time(string_view key, TimeMs t) {
    s_.clear();
    AppendTime(s_, t);
    String(key);
  }

  void Head(string_view product, string_view product_name, string_view company,
            string_view generator_id) {
    product_arn_.clear();
    product_arn_ += "arn:aws:securityhub:";
    product_arn_ += region_;
    product_arn_ += "::product/aws/";
    product_arn_ += product;
    w_.BeginObject();
    w_.Key("SchemaVersion").String("2018-10-08");
    w_.Key("Id").String(id_);
    w_.Key("ProductArn").String(product_arn_);
    w_.Key("ProductName").String(product_name);
    w_.Key("CompanyName").String(company);
    w_.Key("Region").String(region_);
    w_.Key("GeneratorId").String(generator_id);
    w_.Key("AwsAccountId").String(account_);
  }

  void Types(string_view type) { w_.Key("Types").BeginArray().String(type).EndArray(); }

  void Times() {
    Time("FirstObservedAt", first_seen_);
    Time("LastObservedAt", last_seen_);
    Time("CreatedAt", created_);
    Time("UpdatedAt", updated_);
  }

  void Severity(Sev sev, string_view original) {
    w_.Key("Severity").BeginObject();
    w_.Key("Label").String(Label(sev)).Key("Normalized").Int(Normalized(sev));
    if (!original.empty()) w_.Key("Original").String(original);
    w_.EndObject();
  }

  void States(Lifecycle life) {
    const auto wf = static_cast<std::size_t>(life.workflow);
    w_.Key("WorkflowState").String(kWorkflowState[wf]);
    w_.Key("Workflow").BeginObject().Key("Status").String(kWorkflowStatus[wf]).EndObject();
    w_.Key("RecordState").String(life.archived ? "ARCHIVED" : "ACTIVE");
  }

  void ProviderFields(string_view type, Sev sev, string_view original) {
    w_.Key("FindingProviderFields").BeginObject();
    w_.Key("Types").BeginArray().String(type).EndArray();
    w_.Key("Severity").BeginObject().Key("Label").String(Label(sev));
    if (!original.empty()) w_.Key("Original").String(original);
    w_.EndObject().EndObject();
  }

  // The ProductFields keys Security Hub adds to every finding.
  void SecurityHubProductFields(string_view product_name, string_view company) {
    s_.clear();
    s_ += product_arn_;
    s_ += '/';
    s_ += id_;
    String("aws/securityhub/FindingId");
    w_.Key("aws/securityhub/ProductName").String(product_name);
    w_.Key("aws/securityhub/CompanyName").String(company);
  }

  void Remediation(string_view text, string_view url) {
    if (lean_) return;
    w_.Key("Remediation")
        .BeginObject()
        .Key("Recommendation")
        .BeginObject()
        .Key("Text")
        .String(text);
    if (!url.empty()) w_.Key("Url").String(url);
    w_.EndObject().EndObject();
  }

  // ---------------------------------------------------------------------------------------------
  // Resources

  void ResourceHead(string_view type, string_view id) {
    w_.BeginObject();
    w_.Key("Type").String(type).Key("Id").String(id).Key("Partition").String("aws");
    w_.Key("Region").String(region_);
  }

  void InstanceResource(const PoolResource& r) {
    s_.clear();
    AppendArnPrefix(s_, "ec2");
    s_ += "instance/";
    AppendInstanceId(s_, r);
    ResourceHead("AwsEc2Instance", s_);
    const string_view team = kTeams[(r.salt >> 8) % kTeams.size()];
    const string_view env = kEnvs[(r.salt >> 12) % kEnvs.size()];
    if (!lean_ && Tagged(r)) {
      w_.Key("Tags").BeginObject();
      s_.clear();
      s_ += team;
      s_ += '-';
      s_ += env;
      s_ += '-';
      AppendInt(s_, r.ordinal);
      String("Name");
      w_.Key("env").String(env).Key("team").String(team).EndObject();
    }
    w_.Key("Details").BeginObject().Key("AwsEc2Instance").BeginObject();
    w_.Key("Type").String(kInstanceTypes[(r.salt >> 16) % kInstanceTypes.size()]);
    w_.Key("ImageId").String(kAmis[(r.salt >> 20) % kAmis.size()]);
    w_.Key("IpV4Addresses").BeginArray();
    s_.clear();
    AppendPrivateIp(s_, r);
    w_.String(s_);
    if (HasPublicIp(r)) {
      s_.clear();
      AppendPublicIp(s_, r);
      w_.String(s_);
    }
    w_.EndArray();
    if (!lean_) {
      s_.clear();
      s_ += team;
      s_ += '-';
      s_ += env;
      String("KeyName");
      s_.clear();
      s_ += "arn:aws:iam::";
      s_ += account_;
      s_ += ":instance-profile/";
      s_ += team;
      s_ += '-';
      s_ += env;
      String("IamInstanceProfileArn");
    }
    s_.clear();
    AppendVpcId(s_, r);
    String("VpcId");
    s_.clear();
    AppendSubnetId(s_, r);
    String("SubnetId");
    Time("LaunchedAt", LaunchedAt(r));
    w_.Key("NetworkInterfaces").BeginArray().BeginObject();
    s_.clear();
    AppendEniId(s_, r);
    String("NetworkInterfaceId");
    w_.EndObject().EndArray();
    w_.EndObject().EndObject().EndObject();
  }

  [[nodiscard]] TimeMs LaunchedAt(const PoolResource& r) const {
    return kBaseTime - 90 * asff::kMsPerDay -
           static_cast<TimeMs>(r.salt % (400ULL * asff::kMsPerDay));
  }

  // The instance's primary network interface: ASFF's AwsEc2Instance details carry only the
  // interface id, so the security group attachment travels on this resource.
  void NetworkInterfaceResource(const PoolResource& instance) {
    const PoolResource& group = GroupOf(instance);
    s_.clear();
    AppendArnPrefix(s_, "ec2");
    s_ += "network-interface/";
    AppendEniId(s_, instance);
    ResourceHead("AwsEc2NetworkInterface", s_);
    w_.Key("Details").BeginObject().Key("AwsEc2NetworkInterface").BeginObject();
    s_.clear();
    AppendEniId(s_, instance);
    String("NetworkInterfaceId");
    w_.Key("Attachment").BeginObject();
    s_.clear();
    s_ += "eni-attach-0";
    AppendHex(s_, Mix(instance.salt ^ 0x617474ULL), 16);
    String("AttachmentId");
    Time("AttachTime", LaunchedAt(instance));
    w_.Key("DeleteOnTermination").Bool(true).Key("DeviceIndex").Int(0);
    s_.clear();
    AppendInstanceId(s_, instance);
    String("InstanceId");
    w_.Key("InstanceOwnerId").String(account_).Key("Status").String("attached").EndObject();
    w_.Key("SecurityGroups").BeginArray().BeginObject();
    s_.clear();
    AppendGroupId(s_, group);
    String("GroupId");
    w_.Key("GroupName").String(GroupName(group)).EndObject().EndArray();
    w_.Key("SourceDestCheck").Bool(true);
    w_.Key("PrivateIpAddresses").BeginArray().BeginObject();
    s_.clear();
    AppendPrivateIp(s_, instance);
    String("PrivateIpAddress");
    w_.EndObject().EndArray();
    w_.EndObject().EndObject().EndObject();
  }

  void SecurityGroupResource(const PoolResource& group) {
    s_.clear();
    AppendArnPrefix(s_, "ec2");
    s_ += "security-group/";
    AppendGroupId(s_, group);
    ResourceHead("AwsEc2SecurityGroup", s_);
    const string_view name = GroupName(group);
    if (!lean_ && Tagged(group)) w_.Key("Tags").BeginObject().Key("Name").String(name).EndObject();
    w_.Key("Details").BeginObject().Key("AwsEc2SecurityGroup").BeginObject();
    w_.Key("GroupName").String(name);
    s_.clear();
    AppendGroupId(s_, group);
    String("GroupId");
    w_.Key("OwnerId").String(account_);
    s_.clear();
    AppendVpcId(s_, group);
    String("VpcId");
    // One to three ingress rules; which ports are open follows from the salt, so a group is the
    // same in every finding about it.
    constexpr std::array<int, 6> kPorts{22, 443, 80, 3389, 5432, 8443};
    w_.Key("IpPermissions").BeginArray();
    const std::size_t rules = 1 + (group.salt >> 28) % 3;
    for (std::size_t i = 0; i < rules; ++i) {
      const int port = kPorts[(group.salt >> (32 + 4 * i)) % kPorts.size()];
      w_.BeginObject()
          .Key("IpProtocol")
          .String("tcp")
          .Key("FromPort")
          .Int(port)
          .Key("ToPort")
          .Int(port);
      if (port == 5432) {
        w_.Key("UserIdGroupPairs").BeginArray().BeginObject();
        s_.clear();
        AppendGroupId(s_, group);
        String("GroupId");
        w_.Key("UserId").String(account_).EndObject().EndArray();
      } else {
        w_.Key("IpRanges")
            .BeginArray()
            .BeginObject()
            .Key("CidrIp")
            .String("0.0.0.0/0")
            .EndObject()
            .EndArray();
      }
      w_.EndObject();
    }
    w_.EndArray();
    w_.Key("IpPermissionsEgress").BeginArray().BeginObject().Key("IpProtocol").String("-1");
    w_.Key("IpRanges")
        .BeginArray()
        .BeginObject()
        .Key("CidrIp")
        .String("0.0.0.0/0")
        .EndObject()
        .EndArray();
    w_.EndObject().EndArray();
    w_.EndObject().EndObject().EndObject();
  }

  void BucketResource(const PoolResource& bucket) {
    s_.clear();
    s_ += "arn:aws:s3:::";
    AppendBucketName(s_, bucket);
    ResourceHead("AwsS3Bucket", s_);
    if (!lean_ && Tagged(bucket)) {
      w_.Key("Tags").BeginObject().Key("owner").String(kTeams[(bucket.salt >> 8) % kTeams.size()]);
      w_.Key("data-classification")
          .String((bucket.salt >> 12) % 3 == 0 ? "confidential" : "internal");
      w_.EndObject();
    }
    w_.Key("Details").BeginObject().Key("AwsS3Bucket").BeginObject();
    s_.clear();
    AppendHex(s_, Mix(gen_.options_.seed ^ (0x6f776eULL + bucket.account)), 16);
    AppendHex(s_, Mix(gen_.options_.seed ^ (0x6f776f ^ bucket.account)), 16);
    AppendHex(s_, Mix(gen_.options_.seed ^ (0x6f7770ULL + bucket.account)), 16);
    AppendHex(s_, Mix(gen_.options_.seed ^ (0x6f7771ULL + bucket.account)), 16);
    String("OwnerId");
    w_.Key("OwnerAccountId").String(account_);
    Time("CreatedAt", LaunchedAt(bucket) - 200 * asff::kMsPerDay);
    if (lean_) {
      w_.EndObject().EndObject().EndObject();
      return;
    }
    w_.Key("ServerSideEncryptionConfiguration")
        .BeginObject()
        .Key("Rules")
        .BeginArray()
        .BeginObject();
    w_.Key("ApplyServerSideEncryptionByDefault").BeginObject();
    if ((bucket.salt >> 16) % 2 == 0) {
      w_.Key("SSEAlgorithm").String("aws:kms");
      s_.clear();
      AppendArnPrefix(s_, "kms");
      s_ += "key/";
      AppendUuid(s_, Mix(bucket.salt ^ 0x6b6d73ULL), Mix(bucket.salt ^ 0x6b6d74ULL));
      String("KMSMasterKeyID");
    } else {
      w_.Key("SSEAlgorithm").String("AES256");
    }
    w_.EndObject().EndObject().EndArray().EndObject();
    const bool blocked = (bucket.salt >> 20) % 5 != 0;
    w_.Key("PublicAccessBlockConfiguration").BeginObject().Key("BlockPublicAcls").Bool(blocked);
    w_.Key("BlockPublicPolicy").Bool(blocked).Key("IgnorePublicAcls").Bool(blocked);
    w_.Key("RestrictPublicBuckets").Bool(blocked).EndObject();
    w_.EndObject().EndObject().EndObject();
  }

  void PoolResourceOf(Target target, const PoolResource& r) {
    switch (target) {
      case Target::kInstance: InstanceResource(r); break;
      case Target::kBucket: BucketResource(r); break;
      case Target::kSecurityGroup: SecurityGroupResource(r); break;
    }
  }

  // The pool resource's own name: instance id, bucket name or security group id.
  void AppendResourceName(std::string& s, Target target, const PoolResource& r) const {
    switch (target) {
      case Target::kInstance: AppendInstanceId(s, r); break;
      case Target::kBucket: AppendBucketName(s, r); break;
      case Target::kSecurityGroup: AppendGroupId(s, r); break;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // GuardDuty

  void GuardDuty() {
    const bool on_bucket = rng_.Chance(0.25);
    const PoolResource& r = Draw(on_bucket ? gen_.buckets_ : gen_.instances_);
    const GuardDutyType& type = on_bucket ? rng_.Pick(kGuardDutyS3) : rng_.Pick(kGuardDutyEc2);
    const std::uint64_t finding_hi = rng_.Next();
    const std::uint64_t finding_lo = rng_.Next();
    const bool with_interface = rng_.Chance(0.4);
    const std::uint64_t remote = rng_.Next();
    const std::int64_t base_count = 1 + rng_.Below64(60);
    const Lifecycle life = DrawLifecycle(0.1);
    const std::int64_t count = base_count + 20 * static_cast<std::int64_t>(revision_) +
                               (revision_ > 0 ? rev_.Below64(20) : 0);

    std::string detector;
    AppendHex(detector, PerAccountRegion(0x6764), 16);
    AppendHex(detector, PerAccountRegion(0x6765), 16);
    std::string generator;
    AppendArnPrefix(generator, "guardduty");
    generator += "detector/";
    generator += detector;
    id_ = generator;
    id_ += "/finding/";
    std::string finding_id;
    AppendHex(finding_id, finding_hi, 16);
    AppendHex(finding_id, finding_lo, 16);
    id_ += finding_id;

    Head("guardduty", "GuardDuty", "Amazon", generator);
    Types(type.asff_type);
    Times();
    const Sev sev = type.product_severity >= 7   ? Sev::kHigh
                    : type.product_severity >= 4 ? Sev::kMedium
                                                 : Sev::kLow;
    char original[2] = {static_cast<char>('0' + type.product_severity), '\0'};
    w_.Key("Severity").BeginObject().Key("Product").Int(type.product_severity);
    w_.Key("Label")
        .String(Label(sev))
        .Key("Normalized")
        .Int(std::int64_t{type.product_severity} * 10);
    w_.Key("Original").String(string_view(original, 1)).EndObject();

    std::string name;
    if (on_bucket) {
      AppendBucketName(name, r);
    } else {
      AppendInstanceId(name, r);
    }
    s_.clear();
    s_ += type.title;
    s_ += name;
    s_ += '.';
    String("Title");
    s_ += " GuardDuty observed this activity ";
    AppendInt(s_, count);
    s_ += " times since it was first seen. The remote endpoint is ";
    AppendRemoteIp(s_, remote);
    s_ += ", which has no previous history with this resource.";
    String("Description");
    if (!lean_) {
      s_.clear();
      s_ += "https://";
      s_ += region_;
      s_ += ".console.aws.amazon.com/guardduty/home?region=";
      s_ += region_;
      s_ += "#/findings?macros=current&fId=";
      s_ += finding_id;
      String("SourceUrl");
    }

    w_.Key("Resources").BeginArray();
    if (on_bucket) {
      BucketResource(r);
      AccessKeyResource(remote);
    } else {
      InstanceResource(r);
      if (with_interface) NetworkInterfaceResource(r);
    }
    w_.EndArray();

    GuardDutyAction(type, remote);
    States(life);
    ProviderFields(type.asff_type, sev, string_view(original, 1));
    Time("ProcessedAt", processed_);

    // ProductFields last: GuardDuty flattens its whole native finding into it, which makes it the
    // natural place for a finding to grow.
    w_.Key("ProductFields").BeginObject();
    std::size_t pairs = 0;
    auto pair = [&](string_view key, string_view value) {
      w_.Key(key).String(value);
      ++pairs;
    };
    pair("aws/guardduty/service/archived", life.archived ? "true" : "false");
    s_.clear();
    AppendInt(s_, count);
    pair("aws/guardduty/service/count", s_);
    pair("aws/guardduty/service/detectorId", detector);
    s_.clear();
    AppendTime(s_, first_seen_);
    pair("aws/guardduty/service/eventFirstSeen", s_);
    s_.clear();
    AppendTime(s_, last_seen_);
    pair("aws/guardduty/service/eventLastSeen", s_);
    pair("aws/guardduty/service/resourceRole", "TARGET");
    pair("aws/guardduty/service/serviceName", "guardduty");
    pair("aws/guardduty/service/action/actionType", ActionType(type.action));
    s_.clear();
    AppendRemoteIp(s_, remote);
    pair(type.action == GdAction::kApiCall
             ? "aws/guardduty/service/action/awsApiCallAction/remoteIpDetails/ipAddressV4"
             : "aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/ipAddressV4",
         s_);
    SecurityHubProductFields("GuardDuty", "Amazon");
    pairs += 3;
    // Threat intelligence matches, then observed endpoints, until the finding reaches its size.
    for (std::size_t k = 0; pairs + 2 <= 50 && k < 10 && Remaining(2) > 0; ++k) {
      s_.clear();
      s_ += "aws/guardduty/service/evidence/threatIntelligenceDetails.";
      AppendInt(s_, static_cast<std::int64_t>(k));
      s_ += "_/threatListName";
      w_.Key(s_).String(rng_.Pick(kThreatLists));
      s_.resize(s_.size() - 14);
      s_ += "threatNames.0_";
      w_.Key(s_).String(rng_.Pick(kThreatNames));
      pairs += 2;
    }
    for (std::size_t k = 0; pairs < 50 && Remaining(2) > 0; ++k) {
      s_.clear();
      s_ += "aws/guardduty/service/additionalInfo/observedEndpoints.";
      AppendInt(s_, static_cast<std::int64_t>(k));
      s_ += '_';
      const std::size_t want = Remaining(2 + s_.size() + 6);
      w_.Key(s_).String(EndpointSlice(rng_, std::clamp<std::size_t>(want, 16, 2000)));
      ++pairs;
    }
    w_.EndObject();
    w_.EndObject();
  }

  static string_view ActionType(GdAction action) {
    switch (action) {
      case GdAction::kDns: return "DNS_REQUEST";
      case GdAction::kInbound:
      case GdAction::kOutbound: return "NETWORK_CONNECTION";
      case GdAction::kPortProbe: return "PORT_PROBE";
      case GdAction::kApiCall: return "AWS_API_CALL";
    }
    return "NETWORK_CONNECTION";
  }

  void RemoteIpDetails(std::uint64_t remote) {
    w_.Key("RemoteIpDetails").BeginObject();
    s_.clear();
    AppendRemoteIp(s_, remote);
    String("IpAddressV4");
    w_.Key("Organization")
        .BeginObject()
        .Key("Asn")
        .Int(static_cast<std::int64_t>(1000 + (remote >> 32) % 60000));
    w_.Key("AsnOrg").String("Example Hosting").EndObject();
    w_.Key("Country")
        .BeginObject()
        .Key("CountryName")
        .String(kCountries[(remote >> 40) % kCountries.size()]);
    w_.EndObject().EndObject();
  }

  void GuardDutyAction(const GuardDutyType& type, std::uint64_t remote) {
    w_.Key("Action").BeginObject().Key("ActionType").String(ActionType(type.action));
    switch (type.action) {
      case GdAction::kDns:
        w_.Key("DnsRequestAction").BeginObject();
        s_.clear();
        AppendHex(s_, remote, 8);
        s_ += ".c2-relay.example.net";
        String("Domain");
        w_.Key("Protocol").String("UDP").Key("Blocked").Bool(false).EndObject();
        break;
      case GdAction::kInbound:
      case GdAction::kOutbound: {
        const bool inbound = type.action == GdAction::kInbound;
        w_.Key("NetworkConnectionAction").BeginObject();
        w_.Key("ConnectionDirection").String(inbound ? "INBOUND" : "OUTBOUND");
        w_.Key("Protocol").String("TCP").Key("Blocked").Bool(false);
        RemoteIpDetails(remote);
        const std::int64_t ephemeral = 32768 + static_cast<std::int64_t>((remote >> 48) % 28000);
        w_.Key("RemotePortDetails")
            .BeginObject()
            .Key("Port")
            .Int(inbound ? ephemeral : 6667)
            .EndObject();
        w_.Key("LocalPortDetails")
            .BeginObject()
            .Key("Port")
            .Int(inbound ? 22 : ephemeral)
            .EndObject();
        w_.EndObject();
        break;
      }
      case GdAction::kPortProbe:
        w_.Key("PortProbeAction").BeginObject().Key("Blocked").Bool(false);
        w_.Key("PortProbeDetails").BeginArray().BeginObject();
        w_.Key("LocalPortDetails")
            .BeginObject()
            .Key("Port")
            .Int(443)
            .Key("PortName")
            .String("HTTPS")
            .EndObject();
        RemoteIpDetails(remote);
        w_.EndObject().EndArray().EndObject();
        break;
      case GdAction::kApiCall:
        w_.Key("AwsApiCallAction").BeginObject().Key("Api").String("GetObject");
        w_.Key("ServiceName").String("s3.amazonaws.com").Key("CallerType").String("Remote IP");
        RemoteIpDetails(remote);
        w_.EndObject();
        break;
    }
    w_.EndObject();
  }

  // The access key behind an S3 finding: one of eight principals per account.
  void AccessKeyResource(std::uint64_t remote) {
    constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const std::uint64_t principal =
        Mix(gen_.options_.seed ^ (0x6b6579ULL + std::uint64_t{res_->account} * 8U + remote % 8));
    std::string key_id = "AKIA";
    for (int i = 0; i < 16; ++i) key_id += kBase32[(principal >> (i * 4)) & 31];
    ResourceHead("AwsIamAccessKey", key_id);
    w_.Key("Details").BeginObject().Key("AwsIamAccessKey").BeginObject();
    s_.clear();
    s_ += "AIDA";
    for (int i = 0; i < 17; ++i) s_ += kBase32[(principal >> (i * 3)) & 31];
    String("PrincipalId");
    w_.Key("PrincipalType").String("IAMUser");
    s_.clear();
    s_ += kTeams[principal % kTeams.size()];
    s_ += "-batch";
    String("PrincipalName");
    w_.Key("AccessKeyId").String(key_id).Key("AccountId").String(account_);
    w_.EndObject().EndObject().EndObject();
  }

  // ---------------------------------------------------------------------------------------------
  // Inspector v2

  void Inspector() {
    const PoolResource& r = Draw(gen_.instances_);
    const Cve& cve = rng_.Pick(kCves);
    const std::uint64_t finding_hi = rng_.Next();
    const std::uint64_t finding_lo = rng_.Next();
    const string_view companion = rng_.Chance(0.3) ? CompanionOf(cve.package) : string_view();
    const Lifecycle life = DrawLifecycle(0.12);  // archived = CLOSED in Inspector
    double epss = cve.epss;
    if (revision_ > 0) epss = std::min(0.99, epss * (1.0 + 0.05 * revision_ * rev_.Unit()));

    id_.clear();
    AppendArnPrefix(id_, "inspector2");
    id_ += "finding/";
    AppendHex(id_, finding_hi, 16);
    AppendHex(id_, finding_lo, 16);
    constexpr string_view kType = "Software and Configuration Checks/Vulnerabilities/CVE";
    Head("inspector", "Inspector", "Amazon", "AWSInspector");
    Types(kType);
    Times();
    Severity(cve.severity, {});
    s_.clear();
    s_ += cve.id;
    s_ += " - ";
    s_ += cve.package;
    if (!companion.empty()) {
      s_ += ", ";
      s_ += companion;
    }
    String("Title");
    s_.clear();
    s_ += cve.package;
    s_ += ' ';
    s_ += cve.version;
    s_ += " is affected by ";
    s_ += cve.id;
    s_ += "; versions before ";
    s_ += cve.fixed;
    s_ += " let an attacker compromise the host.";
    String("Description");
    Remediation(
        "Remediation is available. Please refer to the Fixed version in the vulnerability "
        "details section above.For detailed remediation guidance for each of the affected "
        "packages, refer to the vulnerabilities section of the detailed finding JSON.",
        {});
    w_.Key("ProductFields").BeginObject();
    w_.Key("aws/inspector/FindingStatus").String(life.archived ? "CLOSED" : "ACTIVE");
    char score[16];
    const auto [score_end, ec] = std::to_chars(score, score + sizeof score, cve.score);
    w_.Key("aws/inspector/inspectorScore")
        .String(string_view(score, static_cast<std::size_t>(score_end - score)));
    s_.clear();
    AppendInstanceId(s_, r);
    String("aws/inspector/instanceId");
    w_.Key("aws/inspector/ProductVersion").String("2");
    if (!lean_) {
      w_.Key("aws/inspector/resources/1/resourceDetails/awsEc2InstanceDetails/platform")
          .String((r.salt >> 24) % 3 == 0 ? "AMAZON_LINUX_2023" : "AMAZON_LINUX_2");
    }
    SecurityHubProductFields("Inspector", "Amazon");
    w_.EndObject();
    w_.Key("Resources").BeginArray();
    InstanceResource(r);
    w_.EndArray();
    States(life);
    ProviderFields(kType, cve.severity, {});
    Time("ProcessedAt", processed_);

    // Vulnerabilities last, with ReferenceUrls last inside it: advisories pile up there in real
    // findings, so that is where this one grows.
    w_.Key("Vulnerabilities").BeginArray().BeginObject();
    w_.Key("Id").String(cve.id);
    w_.Key("VulnerablePackages").BeginArray();
    Package(cve, cve.package);
    if (!companion.empty()) Package(cve, companion);
    w_.EndArray();
    if (cve.score > 0) {
      w_.Key("Cvss").BeginArray().BeginObject().Key("Version").String("3.1");
      w_.Key("BaseScore").Double(cve.score).Key("BaseVector").String(cve.vector);
      w_.Key("Source").String("NVD").EndObject().EndArray();
    }
    w_.Key("Vendor").BeginObject().Key("Name").String("NVD");
    s_.clear();
    s_ += "https://nvd.nist.gov/vuln/detail/";
    s_ += cve.id;
    String("Url");
    w_.Key("VendorSeverity").String(Label(cve.severity)).EndObject();
    w_.Key("FixAvailable").String("YES");
    w_.Key("ExploitAvailable").String(epss > 0.1 ? "YES" : "NO");
    w_.Key("EpssScore").Double(std::round(epss * 100000) / 100000);
    w_.Key("ReferenceUrls").BeginArray();
    s_.clear();
    s_ += "https://nvd.nist.gov/vuln/detail/";
    s_ += cve.id;
    w_.String(s_);
    for (std::size_t k = 0; Remaining(6) > 0; ++k) {
      s_.clear();
      s_ += kReferenceHosts[k % kReferenceHosts.size()];
      AppendPadded(s_, static_cast<std::int64_t>(rng_.Below(9000)) + 1000, 4);
      s_ += k % kReferenceHosts.size() == 4 ? "-0001/" : ".html";
      w_.String(s_);
    }
    w_.EndArray();
    w_.EndObject().EndArray();
    w_.EndObject();
  }

  void Package(const Cve& cve, string_view name) {
    w_.BeginObject()
        .Key("Name")
        .String(name)
        .Key("Version")
        .String(cve.version)
        .Key("Epoch")
        .String("0");
    if (cve.jar) {
      w_.Key("PackageManager").String("JAR");
      s_.clear();
      s_ += "/opt/app/lib/";
      s_ += name.substr(name.find(':') + 1);
      s_ += '-';
      s_ += cve.version;
      s_ += ".jar";
      String("FilePath");
    } else {
      w_.Key("Architecture").String("X86_64").Key("PackageManager").String("OS");
    }
    w_.Key("FixedInVersion").String(cve.fixed);
    w_.Key("Remediation")
        .String(cve.jar ? "Upgrade your installed software packages to the proposed fixed in "
                          "version and release."
                        : "yum update");
    w_.EndObject();
  }

  // ---------------------------------------------------------------------------------------------
  // Security Hub controls, in both finding formats

  void SecurityHubControl() {
    const std::size_t target_roll = rng_.Below(100);
    const Target target = target_roll < 40   ? Target::kInstance
                          : target_roll < 75 ? Target::kSecurityGroup
                                             : Target::kBucket;
    const PoolResource& r = Draw(PoolOf(target));
    // kControls lists four controls per target, in Target order.
    const Control& control = kControls[static_cast<std::size_t>(target) * 4 + rng_.Below(4)];
    const bool consolidated = rng_.Chance(0.7);
    const std::uint64_t uuid_hi = rng_.Next();
    const std::uint64_t uuid_lo = rng_.Next();
    const double compliance_roll = rng_.Unit();
    Lifecycle life = DrawLifecycle(0.03);
    string_view status = compliance_roll < 0.45   ? "FAILED"
                         : compliance_roll < 0.95 ? "PASSED"
                         : compliance_roll < 0.97 ? "WARNING"
                                                  : "NOT_AVAILABLE";
    if (revision_ > 0 && rev_.Chance(0.2)) {
      if (status == "FAILED") {
        status = "PASSED";
      } else if (status == "PASSED") {
        status = "FAILED";
      }
    }
    const bool passed = status == "PASSED";
    // Security Hub resolves passed controls itself and reports them as informational.
    if (passed) life.workflow = Workflow::kResolved;
    const Sev sev = passed ? Sev::kInformational : control.severity;

    std::string generator;
    constexpr string_view kFsbp = "aws-foundational-security-best-practices/v/1.0.0";
    id_.clear();
    AppendArnPrefix(id_, "securityhub");
    if (consolidated) {
      generator += "security-control/";
      generator += control.id;
      id_ += generator;
    } else {
      generator += kFsbp;
      generator += '/';
      generator += control.id;
      id_ += "subscription/";
      id_ += generator;
    }
    id_ += "/finding/";
    AppendUuid(id_, uuid_hi, uuid_lo);
    const string_view type =
        consolidated ? "Software and Configuration Checks/Industry and Regulatory Standards"
                     : "Software and Configuration Checks/Industry and Regulatory Standards/"
                       "AWS-Foundational-Security-Best-Practices";

    Head("securityhub", "Security Hub", "AWS", generator);
    Types(type);
    Times();
    Severity(sev, Label(control.severity));
    s_.clear();
    if (!consolidated) {
      s_ += control.id;
      s_ += ' ';
    }
    s_ += control.title;
    String("Title");
    s_.clear();
    s_ += "This control checks whether the resource complies with the AWS Config rule ";
    s_ += control.config_rule;
    s_ += '.';
    String("Description");
    s_.clear();
    s_ += "https://docs.aws.amazon.com/console/securityhub/";
    s_ += control.id;
    s_ += "/remediation";
    const std::string remediation_url = s_;
    Remediation(
        "For information on how to correct this issue, consult the AWS Security Hub controls "
        "documentation.",
        remediation_url);

    std::string rule_name = "securityhub-";
    rule_name += control.config_rule;
    rule_name += '-';
    AppendHex(
        rule_name,
        PerAccountRegion(0x72756c65ULL + static_cast<std::uint64_t>(&control - kControls.data())),
        8);
    w_.Key("ProductFields").BeginObject();
    if (!consolidated) {
      w_.Key("StandardsArn")
          .String(
              "arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0");
      s_.clear();
      AppendArnPrefix(s_, "securityhub");
      s_ += "subscription/";
      s_ += kFsbp;
      String("StandardsSubscriptionArn");
      w_.Key("ControlId").String(control.id);
      w_.Key("RecommendationUrl").String(remediation_url);
    }
    if (!lean_) {
      w_.Key("RelatedAWSResources:0/name").String(rule_name);
      w_.Key("RelatedAWSResources:0/type").String("AWS::Config::ConfigRule");
    }
    if (!consolidated) {
      s_.clear();
      AppendArnPrefix(s_, "securityhub");
      s_ += "control/";
      s_ += kFsbp;
      s_ += '/';
      s_ += control.id;
      String("StandardsControlArn");
    }
    w_.Key("aws/securityhub/ProductName").String("Security Hub");
    w_.Key("aws/securityhub/CompanyName").String("AWS");
    // Resources:0/Id repeats the Id of the finding's first resource.
    s_.clear();
    ResourceArn(target, r, s_);
    String("Resources:0/Id");
    s_.clear();
    s_ += product_arn_;
    s_ += '/';
    s_ += id_;
    String("aws/securityhub/FindingId");
    w_.EndObject();

    w_.Key("Resources").BeginArray();
    PoolResourceOf(target, r);
    w_.EndArray();
    States(life);
    ProviderFields(type, sev, Label(control.severity));
    Time("ProcessedAt", processed_);

    // Compliance last, RelatedRequirements last inside it: controls map to many framework
    // requirements, so that is where the finding grows.
    w_.Key("Compliance").BeginObject().Key("Status").String(status);
    w_.Key("SecurityControlId").String(control.id);
    w_.Key("AssociatedStandards").BeginArray();
    w_.BeginObject()
        .Key("StandardsId")
        .String("standards/aws-foundational-security-best-practices/v/1.0.0")
        .EndObject();
    if (rng_.Chance(0.5))
      w_.BeginObject().Key("StandardsId").String("standards/nist-800-53/v/5.0.0").EndObject();
    w_.EndArray();
    if (!passed) {
      w_.Key("StatusReasons")
          .BeginArray()
          .BeginObject()
          .Key("ReasonCode")
          .String("CONFIG_EVALUATIONS_EMPTY");
      w_.Key("Description")
          .String("The AWS Config rule evaluated the resource as NON_COMPLIANT.")
          .EndObject()
          .EndArray();
    }
    w_.Key("RelatedRequirements").BeginArray();
    for (string_view rest = control.requirements; !rest.empty();) {
      const std::size_t bar = rest.find('|');
      w_.String(rest.substr(0, bar));
      rest = bar == string_view::npos ? string_view() : rest.substr(bar + 1);
    }
    for (std::size_t k = 0; Remaining(4) > 0; ++k) {
      s_.clear();
      s_ += "NIST.800-53.r5 ";
      s_ += kNistFamilies[k % kNistFamilies.size()];
      s_ += '-';
      AppendInt(s_, static_cast<std::int64_t>(1 + (k / kNistFamilies.size()) % 24));
      if (k >= kNistFamilies.size() * 24) {
        s_ += '(';
        AppendInt(s_, static_cast<std::int64_t>(k / (kNistFamilies.size() * 24)));
        s_ += ')';
      }
      w_.String(s_);
    }
    w_.EndArray().EndObject();
    w_.EndObject();
  }

  void ResourceArn(Target target, const PoolResource& r, std::string& s) const {
    switch (target) {
      case Target::kInstance:
        AppendArnPrefix(s, "ec2");
        s += "instance/";
        AppendInstanceId(s, r);
        break;
      case Target::kSecurityGroup:
        AppendArnPrefix(s, "ec2");
        s += "security-group/";
        AppendGroupId(s, r);
        break;
      case Target::kBucket:
        s += "arn:aws:s3:::";
        AppendBucketName(s, r);
        break;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Macie

  void Macie() {
    const PoolResource& r = Draw(gen_.buckets_);
    const MacieType& type = rng_.Pick(kMacieTypes);
    const std::uint64_t finding_hi = rng_.Next();
    const std::uint64_t finding_lo = rng_.Next();
    const std::uint64_t object = rng_.Next();
    const bool csv = rng_.Chance(0.6);
    const Lifecycle life = DrawLifecycle(0.08);

    id_.clear();
    AppendArnPrefix(id_, "macie2");
    id_ += "finding/";
    AppendHex(id_, finding_hi, 16);
    AppendHex(id_, finding_lo, 16);
    std::string job;
    AppendHex(job, PerAccountRegion(0x6a6f62ULL), 16);
    AppendHex(job, PerAccountRegion(0x6a6f63ULL), 16);
    std::string job_arn;
    AppendArnPrefix(job_arn, "macie2");
    job_arn += "classification-job/";
    job_arn += job;
    std::string bucket;
    AppendBucketName(bucket, r);
    std::string key = "exports/2026-";
    AppendPadded(key, 1 + static_cast<std::int64_t>(object % 11), 2);
    key += '/';
    key += kTeams[(object >> 8) % kTeams.size()];
    key += "-run-";
    AppendInt(key, static_cast<std::int64_t>((object >> 16) % 10000));
    key += csv ? ".csv" : ".json";

    const string_view original = type.severity == Sev::kHigh ? "High" : "Medium";
    Head("macie", "Macie", "Amazon", job_arn);
    Types(type.asff_type);
    Times();
    Severity(type.severity, original);
    w_.Key("Title").String(type.title);
    s_.clear();
    s_ += "The object ";
    s_ += key;
    s_ += " in bucket ";
    s_ += bucket;
    s_ += " contains sensitive data of category ";
    s_ += type.category;
    s_ += ".";
    String("Description");
    w_.Key("ProductFields").BeginObject();
    w_.Key("JobArn").String(job_arn).Key("JobId").String(job);
    w_.Key("OriginType").String("SENSITIVE_DATA_DISCOVERY_JOB");
    s_.clear();
    s_ += bucket;
    s_ += '/';
    s_ += key;
    String("S3Object.Path");
    w_.Key("S3Object.Extension").String(csv ? "csv" : "json");
    w_.Key("S3Object.PublicAccess").String("false");
    w_.Key("RevealCapable").String("true").Key("FindingCategory").String("CLASSIFICATION");
    SecurityHubProductFields("Macie", "Amazon");
    w_.EndObject();
    States(life);
    ProviderFields(type.asff_type, type.severity, original);
    w_.Key("Sample").Bool(false);
    Time("ProcessedAt", processed_);

    // Resources last, the object's sensitive-data occurrences last inside them.
    w_.Key("Resources").BeginArray();
    BucketResource(r);
    s_.clear();
    s_ += "arn:aws:s3:::";
    s_ += bucket;
    s_ += '/';
    s_ += key;
    ResourceHead("AwsS3Object", s_);
    w_.Key("Details").BeginObject().Key("AwsS3Object").BeginObject();
    Time("LastModified", created_ - 1'800'000);
    s_.clear();
    AppendHex(s_, Mix(object ^ 1), 16);
    AppendHex(s_, Mix(object ^ 2), 16);
    String("ETag");
    w_.Key("ContentType").String(csv ? "text/csv" : "application/json");
    w_.Key("ServerSideEncryption").String("aws:kms").EndObject().EndObject();
    w_.Key("DataClassification").BeginObject();
    s_.clear();
    s_ += "s3://acme-macie-results-";
    s_ += account_;
    s_ += "/AWSLogs/";
    s_ += account_;
    s_ += "/Macie/";
    s_ += region_;
    s_ += '/';
    s_ += job;
    s_ += '/';
    AppendUuid(s_, Mix(object ^ 3), Mix(object ^ 4));
    s_ += ".jsonl.gz";
    String("DetailedResultsLocation");
    w_.Key("Result").BeginObject().Key("MimeType").String(csv ? "text/csv" : "application/json");
    w_.Key("SizeClassified").Int(static_cast<std::int64_t>(4096 + object % 5'000'000));
    w_.Key("AdditionalOccurrences").Bool(false);
    w_.Key("Status").BeginObject().Key("Code").String("COMPLETE").EndObject();
    w_.Key("SensitiveData").BeginArray().BeginObject().Key("Category").String(type.category);
    w_.Key("Detections").BeginArray();
    std::int64_t total = 0;
    constexpr std::size_t kClosing = 16;  // "]}]}]}}]}" and friends
    for (std::size_t d = 0; d < type.detections.size(); ++d) {
      w_.BeginObject().Key("Type").String(type.detections[d]);
      w_.Key("Occurrences").BeginObject().Key(csv ? "Cells" : "Records").BeginArray();
      // Macie reports up to 15 occurrences per type; the last type takes whatever is left.
      const bool last = d + 1 == type.detections.size();
      std::int64_t count = 0;
      do {
        const std::uint64_t v = rng_.Next();
        w_.BeginObject();
        if (csv) {
          w_.Key("Column")
              .Int(static_cast<std::int64_t>(v % 24))
              .Key("Row")
              .Int(static_cast<std::int64_t>(1 + (v >> 8) % 200000));
          s_.clear();
          s_ += "col_";
          AppendInt(s_, static_cast<std::int64_t>(v % 24));
          String("ColumnName");
        } else {
          s_.clear();
          s_ += "$.records[";
          AppendInt(s_, static_cast<std::int64_t>((v >> 8) % 5000));
          s_ += "].";
          s_ += type.detections[d];
          String("JsonPath");
          w_.Key("RecordIndex").Int(0);
        }
        w_.EndObject();
        ++count;
      } while (Remaining(kClosing) > 0 && (last || count < 15));
      w_.EndArray().EndObject();
      w_.Key("Count").Int(count).EndObject();
      total += count;
      if (Remaining(kClosing) == 0) break;
    }
    w_.EndArray();
    w_.Key("TotalCount").Int(total).EndObject().EndArray();
    w_.EndObject().EndObject();  // Result, DataClassification
    w_.EndObject().EndArray();   // the object resource, Resources
    w_.EndObject();
  }

  // ---------------------------------------------------------------------------------------------
  // AWS Config

  void Config() {
    const ConfigRule& rule = rng_.Pick(kConfigRules);
    const PoolResource& r = Draw(PoolOf(rule.target));
    const std::uint64_t finding_hi = rng_.Next();
    const std::uint64_t finding_lo = rng_.Next();
    const std::uint32_t finding_tail = static_cast<std::uint32_t>(rng_.Next());
    bool compliant = rng_.Chance(0.3);
    Lifecycle life = DrawLifecycle(0.05);
    if (revision_ > 0 && rev_.Chance(0.2)) compliant = !compliant;
    if (compliant) life.workflow = Workflow::kResolved;
    const Sev sev = compliant ? Sev::kInformational : Sev::kMedium;

    constexpr char kAlnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    const std::uint64_t rule_bits =
        PerAccountRegion(0x636667ULL + static_cast<std::uint64_t>(&rule - kConfigRules.data()));
    std::string rule_id = "config-rule-";
    for (int i = 0; i < 6; ++i) rule_id += kAlnum[(rule_bits >> (i * 6)) % 36];
    std::string rule_arn;
    AppendArnPrefix(rule_arn, "config");
    rule_arn += "config-rule/";
    rule_arn += rule_id;
    id_ = rule_arn;
    id_ += "/finding/";
    AppendHex(id_, finding_hi, 16);
    AppendHex(id_, finding_lo, 16);
    AppendHex(id_, finding_tail, 8);

    constexpr string_view kType = "Software and Configuration Checks";
    Head("config", "Config", "AWS", rule_arn);
    Types(kType);
    Times();
    Severity(sev, {});
    w_.Key("Title").String(rule.name);
    w_.Key("Description").String(rule.description);
    w_.Key("Resources").BeginArray();
    PoolResourceOf(rule.target, r);
    w_.EndArray();
    w_.Key("Compliance")
        .BeginObject()
        .Key("Status")
        .String(compliant ? "PASSED" : "FAILED")
        .EndObject();
    States(life);
    ProviderFields(kType, sev, {});
    Time("ProcessedAt", processed_);

    // ProductFields last; evaluation annotations make it grow.
    w_.Key("ProductFields").BeginObject();
    w_.Key("aws/config/ConfigRuleName").String(rule.name);
    w_.Key("aws/config/ConfigRuleArn").String(rule_arn);
    w_.Key("aws/config/ConfigComplianceType").String(compliant ? "COMPLIANT" : "NON_COMPLIANT");
    w_.Key("aws/config/ConfigRuleId").String(rule_id);
    SecurityHubProductFields("Config", "AWS");
    std::size_t pairs = 7;
    std::string name;
    AppendResourceName(name, rule.target, r);
    for (std::size_t k = 0; pairs < 50 && Remaining(2) > 0; ++k, ++pairs) {
      s_.clear();
      s_ += "aws/config/Annotation.";
      AppendInt(s_, static_cast<std::int64_t>(k));
      s_ += '_';
      std::string key = s_;
      s_.clear();
      s_ += name;
      s_ += compliant ? " COMPLIANT; endpoints seen: " : " NON_COMPLIANT; endpoints seen: ";
      const std::size_t want = Remaining(2 + key.size() + s_.size() + 6);
      s_ += EndpointSlice(rng_, std::clamp<std::size_t>(want, 16, 1900));
      w_.Key(key).String(s_);
    }
    w_.EndObject();
    w_.EndObject();
  }

  // ---------------------------------------------------------------------------------------------
  // IoT Device Defender (Security Hub's native integration, see securityhub-api.md §9.3)

  void DeviceDefender() {
    const PoolResource& r = Draw(gen_.things_);
    const bool audit = rng_.Chance(0.5);
    const AuditCheck& check = rng_.Pick(kAuditChecks);
    const Behavior& behavior = rng_.Pick(kBehaviors);
    const std::uint64_t finding_hi = rng_.Next();
    const std::uint64_t finding_lo = rng_.Next();
    const std::int64_t metric_value = 100 + rng_.Below64(50'000);
    const Lifecycle life = DrawLifecycle(0.15);
    const Sev sev = audit ? check.severity : behavior.severity;

    std::string thing;
    AppendThingName(thing, r);
    std::string generator;
    AppendArnPrefix(generator, "iot");
    std::string task;
    id_.clear();
    AppendArnPrefix(id_, "iot");
    if (audit) {
      generator += "scheduledaudit/DailyFleetAudit";
      id_ += "audit/finding/";
      AppendUuid(id_, finding_hi, finding_lo);
      AppendHex(
          task,
          PerAccountRegion(0x7461736bULL + static_cast<std::uint64_t>(created_ / asff::kMsPerDay)),
          16);
      AppendHex(
          task,
          PerAccountRegion(0x7461736cULL + static_cast<std::uint64_t>(created_ / asff::kMsPerDay)),
          16);
    } else {
      generator += "securityprofile/";
      generator += behavior.profile;
      id_ += "securityprofile/";
      id_ += behavior.profile;
      id_ += "/violation/";
      AppendHex(id_, finding_hi, 16);
      AppendHex(id_, finding_lo, 16);
    }
    const string_view product = audit ? "iot-device-defender-audit" : "iot-device-defender-detect";
    const string_view product_name =
        audit ? "IoT Device Defender - Audit" : "IoT Device Defender - Detect";
    const string_view type =
        audit ? "Software and Configuration Check/Vulnerabilities" : "Unusual Behaviors";

    Head(product, product_name, "AWS", generator);
    Types(type);
    Times();
    Severity(sev, Label(sev));
    s_.clear();
    if (audit) {
      s_ += check.title;
      s_ += ": ";
      s_ += thing;
    } else {
      s_ += "Thing ";
      s_ += thing;
      s_ += " violates behavior ";
      s_ += behavior.name;
      s_ += " of security profile ";
      s_ += behavior.profile;
    }
    String("Title");
    s_.clear();
    if (audit) {
      s_ += "Audit check ";
      s_ += check.name;
      s_ += " found the device certificate of ";
      s_ += thing;
      s_ += " non-compliant (";
      s_ += check.reason_code;
      s_ += ").";
    } else {
      s_ += "Device ";
      s_ += thing;
      s_ += " reported ";
      s_ += behavior.metric;
      s_ += " = ";
      AppendInt(s_, metric_value);
      s_ += ", outside the behavior's ";
      s_ += behavior.criteria_type;
      s_ += " criteria.";
    }
    String("Description");
    w_.Key("ProductFields").BeginObject();
    if (audit) {
      w_.Key("ReportType").String("AuditFinding").Key("CheckName").String(check.name);
      w_.Key("TaskId").String(task).Key("TaskType").String("SCHEDULED_AUDIT_TASK");
      w_.Key("ScheduledAuditName").String("DailyFleetAudit");
      w_.Key("ResourceType").String("DEVICE_CERTIFICATE");
      w_.Key("ReasonForNonComplianceCode").String(check.reason_code);
    } else {
      s_.clear();
      AppendHex(s_, finding_hi, 16);
      AppendHex(s_, finding_lo, 16);
      String("ViolationId");
      w_.Key("ViolationEventType").String(life.archived ? "alarm-cleared" : "in-alarm");
      w_.Key("ThingName").String(thing).Key("SecurityProfileName").String(behavior.profile);
      w_.Key("BehaviorName").String(behavior.name).Key("MetricName").String(behavior.metric);
      w_.Key("BehaviorCriteriaType").String(behavior.criteria_type);
      s_.clear();
      AppendInt(s_, metric_value);
      String("MetricValue");
    }
    SecurityHubProductFields(product_name, "AWS");
    w_.EndObject();
    w_.Key("Compliance")
        .BeginObject()
        .Key("Status")
        .String(life.archived ? "PASSED" : "FAILED")
        .EndObject();
    States(life);
    ProviderFields(type, sev, Label(sev));
    Time("ProcessedAt", processed_);

    // Resources last: the device certificate (audit), then the thing, whose Details.Other carries
    // the connection history that makes the finding grow.
    w_.Key("Resources").BeginArray();
    std::string thing_arn;
    AppendArnPrefix(thing_arn, "iot");
    thing_arn += "thing/";
    thing_arn += thing;
    if (audit) {
      s_.clear();
      AppendArnPrefix(s_, "iot");
      s_ += "cert/";
      const std::size_t cert_at = s_.size();
      for (int i = 0; i < 4; ++i) AppendHex(s_, Mix(r.salt ^ (0x63657274ULL + i)), 16);
      const std::string cert_id = s_.substr(cert_at);
      ResourceHead("AwsIotCertificate", s_);
      w_.Key("Details").BeginObject().Key("Other").BeginObject();
      w_.Key("DeviceCertificateId").String(cert_id).Key("Status").String("ACTIVE");
      w_.EndObject().EndObject().EndObject();
    }
    ResourceHead("AwsIotRegisteredThing", thing_arn);
    w_.Key("Details").BeginObject().Key("Other").BeginObject();
    w_.Key("ThingArn").String(thing_arn).Key("ThingName").String(thing);
    w_.Key("ThingTypeName").String(kThingWords[r.salt % kThingWords.size()]);
    for (std::size_t k = 0; k < 48 && Remaining(6) > 0; ++k) {
      s_.clear();
      s_ += "ConnectionEvent.";
      AppendInt(s_, static_cast<std::int64_t>(k));
      std::string key = s_;
      s_.clear();
      AppendTime(s_, last_seen_ - static_cast<TimeMs>(k) * 3'600'000);
      s_ += " clientId=";
      s_ += thing;
      s_ += " sourceIp=";
      const std::size_t want = Remaining(6 + key.size() + s_.size() + 6);
      s_ += EndpointSlice(rng_, std::clamp<std::size_t>(want, 15, 950));
      w_.Key(key).String(s_);
    }
    w_.EndObject().EndObject().EndObject();
    w_.EndArray();
    w_.EndObject();
  }

  double target_scale_;
  Mode mode_;
  double spread_ = 1.0;
  // A lean finding leaves out optional members (Remediation, SourceUrl, tags, some details and
  // ProductFields), as many real findings do; small targets make lean findings, so that corpora
  // with a small average size stay reachable.
  bool lean_ = false;
  const CorpusGenerator& gen_;
  std::string& out_;
  TextWriter w_;
  std::size_t start_;
  Rng rng_;
  Rng rev_;
  std::size_t index_;
  unsigned revision_;
  std::size_t target_ = 0;
  TimeMs created_ = 0, updated_ = 0, first_seen_ = 0, last_seen_ = 0, processed_ = 0;
  const PoolResource* res_ = nullptr;
  string_view account_, region_;
  std::string s_;  // scratch for the string value being written
  std::string id_;
  std::string product_arn_;
};

// Padding only adds bytes, so a finding whose bare size exceeds its target overshoots it, and
// unscaled targets would put the corpus average above target_avg_bytes. Measure the bare sizes of
// a fixed sample and scale all targets so that the expected size, max(bare, target) plus the
// overshoot of the last padding item, averages target_avg_bytes. Deterministic: the sample depends
// only on the options.
void CorpusGenerator::Calibrate() {
  constexpr std::size_t kSample = 512;
  constexpr double kLastItemOvershoot = 40;
  std::vector<double> bare_lean(kSample), bare_full(kSample), spread(kSample);
  std::string buffer;
  for (std::size_t i = 0; i < kSample; ++i) {
    buffer.clear();
    Writer lean(*this, i, 0, buffer, 0.0, Writer::Mode::kBareLean);
    lean.Write();
    bare_lean[i] = static_cast<double>(buffer.size());
    spread[i] = lean.spread();
    buffer.clear();
    Writer full(*this, i, 0, buffer, 0.0, Writer::Mode::kBareFull);
    full.Write();
    bare_full[i] = static_cast<double>(buffer.size());
  }
  const double target = static_cast<double>(options_.target_avg_bytes);
  // Nondecreasing in `scale`, which is what the bisection below needs.
  auto expected_average = [&](double scale) {
    double sum = 0;
    for (std::size_t i = 0; i < kSample; ++i) {
      const double wanted = scale * target * spread[i];
      const double bare =
          wanted < static_cast<double>(kLeanBelowBytes) ? bare_lean[i] : bare_full[i];
      sum += std::max(bare, wanted + kLastItemOvershoot);
    }
    return sum / kSample;
  };
  double low = 0, high = 4;
  for (int step = 0; step < 50; ++step) {
    const double mid = (low + high) / 2;
    (expected_average(mid) < target ? low : high) = mid;
  }
  target_scale_ = low;
}

void CorpusGenerator::AppendFinding(std::size_t index, std::string& out) const {
  Writer(*this, index, 0, out, target_scale_).Write();
}

void CorpusGenerator::AppendUpdate(std::size_t index, unsigned revision, std::string& out) const {
  Writer(*this, index, revision, out, target_scale_).Write();
}

std::string CorpusGenerator::Finding(std::size_t index) const {
  std::string out;
  out.reserve(options_.target_avg_bytes * 2);
  AppendFinding(index, out);
  return out;
}

std::string CorpusGenerator::Update(std::size_t index, unsigned revision) const {
  std::string out;
  out.reserve(options_.target_avg_bytes * 2);
  AppendUpdate(index, revision, out);
  return out;
}

}  // namespace corroborate::bench
