// The examples/ findings and the bench corpus generator, held to the ASFF validator and to the
// facts the correlation stories in examples/README.md rely on.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "asff/finding.h"
#include "asff/resource_key.h"
#include "asff/timestamp.h"
#include "corpus.h"

namespace corroborate {
namespace {

using asff::Finding;
namespace fs = std::filesystem;

const fs::path kExamples = fs::path(CORROBORATE_SOURCE_DIR) / "examples";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ExampleFinding {
  std::string file;   // name inside examples/
  std::string where;  // path of the finding inside the file, for failure messages
  std::string json;   // the finding, minified
};

// Unwraps the shapes `corroborate ingest` accepts, just enough for these files: a JSON array,
// {"Findings": [...]}, EventBridge events (detail.findings) and SNS/Lambda envelopes whose
// Records[].Sns.Message holds one of these as JSON text. The sources module does this properly
// (streaming, errors, locations); this test only needs the findings.
void Unwrap(simdjson::dom::element doc, const std::string& file, const std::string& where,
            std::vector<ExampleFinding>& out) {
  simdjson::dom::array array;
  if (doc.get_array().get(array) == simdjson::SUCCESS) {
    std::size_t i = 0;
    for (simdjson::dom::element item : array) {
      Unwrap(item, file, where + "[" + std::to_string(i++) + "]", out);
    }
    return;
  }
  simdjson::dom::object object;
  ASSERT_EQ(doc.get_object().get(object), simdjson::SUCCESS) << file << where;
  simdjson::dom::element inner;
  if (object["Findings"].get(inner) == simdjson::SUCCESS) {
    Unwrap(inner, file, where + ".Findings", out);
  } else if (object["detail-type"].error() == simdjson::SUCCESS) {
    ASSERT_EQ(object["detail"]["findings"].get(inner), simdjson::SUCCESS) << file << where;
    Unwrap(inner, file, where + ".detail.findings", out);
  } else if (object["Records"].get_array().get(array) == simdjson::SUCCESS) {
    std::size_t i = 0;
    for (simdjson::dom::element record : array) {
      std::string_view message;
      ASSERT_EQ(record["Sns"]["Message"].get_string().get(message), simdjson::SUCCESS);
      // The message is a document of its own; parse it with its own parser so that `doc` stays
      // valid.
      auto parser = std::make_unique<simdjson::dom::parser>();
      simdjson::dom::element parsed;
      ASSERT_EQ(parser->parse(std::string(message)).get(parsed), simdjson::SUCCESS)
          << file << where;
      Unwrap(parsed, file, where + ".Records[" + std::to_string(i++) + "].Sns.Message", out);
    }
  } else {
    out.push_back({file, where, simdjson::minify(doc)});
  }
}

std::vector<ExampleFinding> LoadExamples() {
  std::vector<ExampleFinding> out;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kExamples)) {
    if (entry.is_regular_file() && entry.path().extension() != ".md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& path : files) {
    const std::string name = path.filename().string();
    const std::string text = ReadFile(path);
    if (path.extension() == ".ndjson") {
      std::istringstream lines(text);
      std::string line;
      for (int n = 1; std::getline(lines, line); ++n) {
        if (line.empty()) continue;
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << name << ":" << n;
        Unwrap(doc, name, ":" + std::to_string(n), out);
      }
    } else {
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      EXPECT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << name;
      Unwrap(doc, name, "", out);
    }
  }
  return out;
}

// All example findings, decoded once.
struct Examples {
  std::vector<ExampleFinding> raw;
  std::vector<Finding> decoded;
};

const Examples& AllExamples() {
  static const Examples examples = [] {
    Examples e;
    e.raw = LoadExamples();
    for (const auto& ex : e.raw) {
      Finding f;
      const Status status = asff::DecodeFindingText(ex.json, f);
      EXPECT_TRUE(status.ok()) << ex.file << ex.where << ": " << status.ToString();
      e.decoded.push_back(std::move(f));
    }
    return e;
  }();
  return examples;
}

bool HasType(const Finding& f, std::string_view needle) {
  return std::any_of(f.types.begin(), f.types.end(),
                     [&](const std::string& t) { return t.find(needle) != std::string::npos; });
}

bool OnResource(const Finding& f, std::string_view canonical_key) {
  return std::any_of(f.resources.begin(), f.resources.end(),
                     [&](const asff::Resource& r) { return r.canonical_key == canonical_key; });
}

std::vector<const Finding*> Matching(const std::function<bool(const Finding&)>& keep) {
  std::vector<const Finding*> out;
  for (const Finding& f : AllExamples().decoded) {
    if (keep(f)) out.push_back(&f);
  }
  return out;
}

const std::string& JsonOf(const Finding* f) {
  const auto& e = AllExamples();
  return e.raw[static_cast<std::size_t>(f - e.decoded.data())].json;
}

constexpr std::string_view kGuardDuty = "arn:aws:securityhub:eu-west-1::product/aws/guardduty";
constexpr std::string_view kInspector = "arn:aws:securityhub:eu-west-1::product/aws/inspector";
constexpr std::string_view kMacie = "arn:aws:securityhub:eu-west-1::product/aws/macie";
constexpr std::string_view kSecurityHub = "arn:aws:securityhub:eu-west-1::product/aws/securityhub";

// ------------------------------------------------------------------------------------------------
// examples/

TEST(ExamplesTest, EveryExampleFindingPassesTheValidator) {
  const Examples& e = AllExamples();
  ASSERT_EQ(e.raw.size(), e.decoded.size());
  std::map<std::string, int> per_file;
  for (const auto& ex : e.raw) ++per_file[ex.file];
  // The counts examples/README.md documents.
  const std::map<std::string, int> expected{{"eventbridge-imported-events.json", 2},
                                            {"guardduty-findings.ndjson", 5},
                                            {"inspector-findings.json", 5},
                                            {"securityhub-get-findings.json", 4},
                                            {"sns-lambda-device-defender.json", 3}};
  EXPECT_EQ(per_file, expected);
  for (const auto& ex : e.raw) {
    EXPECT_GE(ex.json.size(), 1000u) << ex.file << ex.where;
    EXPECT_LE(ex.json.size(), 6144u) << ex.file << ex.where;
  }
}

TEST(ExamplesTest, IdentitiesAreUniqueAndTimesAreInNovember2026) {
  std::set<std::pair<std::string, std::string>> identities;
  const auto november = *asff::ParseTimestamp("2026-11-01T00:00:00Z");
  const auto december = *asff::ParseTimestamp("2026-12-01T00:00:00Z");
  for (const Finding& f : AllExamples().decoded) {
    EXPECT_TRUE(identities.emplace(f.product_arn, f.id).second) << f.id;
    EXPECT_GE(f.created_at, november) << f.id;
    EXPECT_LT(f.updated_at, december) << f.id;
    EXPECT_LE(f.created_at, f.updated_at) << f.id;
  }
}

TEST(ExamplesTest, Story1CommandAndControlOnAnInstanceWithThreeCriticalCves) {
  const std::string instance = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0a1b2c3d4e5f60718";
  const auto guardduty = Matching([&](const Finding& f) {
    return f.product_arn == kGuardDuty && OnResource(f, instance) &&
           HasType(f, "Backdoor:EC2-C&CActivity.B!DNS");
  });
  ASSERT_EQ(guardduty.size(), 1u);
  const auto inspector = Matching([&](const Finding& f) {
    return f.product_arn == kInspector && OnResource(f, instance) &&
           f.severity_label == asff::SeverityLabel::kCritical;
  });
  ASSERT_EQ(inspector.size(), 4u);
  std::set<std::string> cves;
  for (const Finding* f : inspector) {
    // Inspector v2 names the instance by ARN; so does GuardDuty: the keys meet as given.
    EXPECT_EQ(f->resources[0].id, instance);
    cves.insert(f->vulnerability_ids.begin(), f->vulnerability_ids.end());
  }
  EXPECT_EQ(cves, (std::set<std::string>{"CVE-2021-44228", "CVE-2023-38545", "CVE-2022-37434"}));
  // The bare instance id (17 hex digits) normalises to the same key.
  EXPECT_EQ(asff::CanonicalResourceKey("AwsEc2Instance", "i-0a1b2c3d4e5f60718", "aws", "eu-west-1",
                                       "111122223333"),
            instance);
}

TEST(ExamplesTest, Story2SensitiveBucketWithAnomalousReads) {
  const std::string bucket = "arn:aws:s3:::acme-payroll-exports";
  const auto macie = Matching([&](const Finding& f) {
    return f.product_arn == kMacie && OnResource(f, bucket) &&
           HasType(f, "Sensitive Data Identifications/") && HasType(f, "SensitiveData:S3Object-");
  });
  const auto guardduty = Matching([&](const Finding& f) {
    return f.product_arn == kGuardDuty && OnResource(f, bucket) &&
           HasType(f, "TTPs/Exfiltration:S3-");
  });
  ASSERT_EQ(macie.size(), 1u);
  ASSERT_EQ(guardduty.size(), 1u);
  EXPECT_EQ(guardduty[0]->resources[0].type, "AwsS3Bucket");
  EXPECT_EQ(asff::CanonicalResourceKey("AwsS3Bucket", "acme-payroll-exports", "aws", "eu-west-1",
                                       "111122223333"),
            bucket);
}

TEST(ExamplesTest, Story3ExposedInstanceBehindAnOpenSecurityGroup) {
  const std::string instance = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0f9e8d7c6b5a40312";
  const std::string group = asff::CanonicalResourceKey(
      "AwsEc2SecurityGroup", "sg-0123abcd4567ef890", "aws", "eu-west-1", "111122223333");
  auto has_control = [](const Finding& f, std::string_view control) {
    return std::find(f.compliance_ids.begin(), f.compliance_ids.end(), control) !=
           f.compliance_ids.end();
  };
  const auto ec2_9 = Matching([&](const Finding& f) {
    return f.product_arn == kSecurityHub && has_control(f, "EC2.9") && OnResource(f, instance);
  });
  ASSERT_EQ(ec2_9.size(), 1u);
  EXPECT_EQ(ec2_9[0]->compliance_status, "FAILED");
  EXPECT_EQ(ec2_9[0]->generator_id, "security-control/EC2.9");  // consolidated control findings
  const auto ec2_18 = Matching([&](const Finding& f) {
    return f.product_arn == kSecurityHub && has_control(f, "EC2.18") && OnResource(f, group);
  });
  ASSERT_EQ(ec2_18.size(), 1u);
  EXPECT_EQ(ec2_18[0]->compliance_status, "FAILED");
  EXPECT_EQ(ec2_18[0]->generator_id, "aws-foundational-security-best-practices/v/1.0.0/EC2.18");
  EXPECT_NE(ec2_18[0]->id.find(
                ":subscription/aws-foundational-security-best-practices/v/1.0.0/EC2.18/finding/"),
            std::string::npos);

  const auto port = Matching([&](const Finding& f) {
    return f.product_arn == kGuardDuty && OnResource(f, instance) &&
           HasType(f, "Behavior:EC2-NetworkPortUnusual");
  });
  const auto brute = Matching([&](const Finding& f) {
    return f.product_arn == kGuardDuty && OnResource(f, instance) &&
           HasType(f, "UnauthorizedAccess:EC2-SSHBruteForce");
  });
  ASSERT_EQ(port.size(), 1u);
  ASSERT_EQ(brute.size(), 1u);

  // The attachment: the instance's details name its network interface, and the interface's
  // details name the instance and the security group EC2.18 failed on.
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(JsonOf(port[0])).get(doc), simdjson::SUCCESS);
  std::string_view interface_of_instance, interface, attached_instance;
  std::set<std::string> groups;
  for (simdjson::dom::element r : doc["Resources"].get_array()) {
    const std::string_view type = r["Type"].get_string().value();
    if (type == "AwsEc2Instance") {
      ASSERT_EQ(r["Details"]["AwsEc2Instance"]["NetworkInterfaces"]
                    .at(0)["NetworkInterfaceId"]
                    .get_string()
                    .get(interface_of_instance),
                simdjson::SUCCESS);
    } else if (type == "AwsEc2NetworkInterface") {
      const auto details = r["Details"]["AwsEc2NetworkInterface"];
      ASSERT_EQ(details["NetworkInterfaceId"].get_string().get(interface), simdjson::SUCCESS);
      ASSERT_EQ(details["Attachment"]["InstanceId"].get_string().get(attached_instance),
                simdjson::SUCCESS);
      for (simdjson::dom::element g : details["SecurityGroups"].get_array()) {
        groups.emplace(g["GroupId"].get_string().value());
      }
    }
  }
  EXPECT_FALSE(interface.empty());
  EXPECT_EQ(interface_of_instance, interface);
  EXPECT_EQ(attached_instance, "i-0f9e8d7c6b5a40312");
  EXPECT_EQ(groups, std::set<std::string>{"sg-0123abcd4567ef890"});
}

TEST(ExamplesTest, DeviceDefenderFindingsAsTheNativeIntegrationEmitsThem) {
  const auto audit = Matching([](const Finding& f) {
    return f.product_arn == "arn:aws:securityhub:eu-west-1::product/aws/iot-device-defender-audit";
  });
  const auto detect = Matching([](const Finding& f) {
    return f.product_arn == "arn:aws:securityhub:eu-west-1::product/aws/iot-device-defender-detect";
  });
  ASSERT_EQ(audit.size(), 2u);
  ASSERT_EQ(detect.size(), 1u);
  for (const Finding* f : audit) {
    EXPECT_EQ(f->types,
              std::vector<std::string>{"Software and Configuration Check/Vulnerabilities"});
  }
  EXPECT_EQ(detect[0]->types, std::vector<std::string>{"Unusual Behaviors"});
  // The shared certificate's device and the device in alarm are the same thing.
  const std::string thing = "arn:aws:iot:eu-west-1:111122223333:thing/pump-017";
  EXPECT_TRUE(OnResource(*detect[0], thing));
  EXPECT_EQ(std::count_if(audit.begin(), audit.end(),
                          [&](const Finding* f) { return OnResource(*f, thing); }),
            1);
}

TEST(ExamplesTest, NoiseIsPresentAndDistinguishable) {
  const auto archived =
      Matching([](const Finding& f) { return f.record_state == asff::RecordState::kArchived; });
  ASSERT_EQ(archived.size(), 1u);
  EXPECT_EQ(archived[0]->product_arn, "arn:aws:securityhub:us-east-1::product/aws/guardduty");
  EXPECT_EQ(archived[0]->region, "us-east-1");
  EXPECT_EQ(Matching([](const Finding& f) { return f.compliance_status == "PASSED"; }).size(), 1u);
  EXPECT_EQ(Matching([](const Finding& f) {
              return f.product_arn == kInspector && f.severity_label == asff::SeverityLabel::kLow;
            }).size(),
            1u);
  EXPECT_EQ(Matching([](const Finding& f) { return f.aws_account_id == "444455556666"; }).size(),
            1u);
  EXPECT_EQ(Matching([](const Finding& f) {
              return f.product_arn == "arn:aws:securityhub:eu-west-1::product/aws/config";
            }).size(),
            1u);
}

// ------------------------------------------------------------------------------------------------
// examples/bad/: what each file must make a reader report (examples/bad/README.md).

Status DecodeFile(const std::string& name) {
  Finding f;
  return asff::DecodeFindingText(ReadFile(kExamples / "bad" / name), f);
}

TEST(BadExamplesTest, MissingTitle) {
  const Status s = DecodeFile("missing-title.json");
  EXPECT_EQ(s.code(), Status::Code::kInvalidInput);
  EXPECT_EQ(s.message(),
            "Finding does not adhere to Amazon Finding Format. "
            "data should have required property 'Title'");
}

TEST(BadExamplesTest, TitleTooLong) {
  const Status s = DecodeFile("title-too-long.json");
  EXPECT_EQ(s.code(), Status::Code::kInvalidInput);
  EXPECT_EQ(s.message(),
            "Finding does not adhere to Amazon Finding Format. "
            "data.Title should NOT be longer than 256 characters");
}

TEST(BadExamplesTest, InvalidLineInNdjsonSpoilsOnlyThatLine) {
  std::istringstream lines(ReadFile(kExamples / "bad" / "invalid-line.ndjson"));
  std::string line;
  std::vector<bool> ok;
  while (std::getline(lines, line)) {
    Finding f;
    ok.push_back(asff::DecodeFindingText(line, f).ok());
  }
  EXPECT_EQ(ok, (std::vector<bool>{true, false, true}));
}

TEST(BadExamplesTest, TruncatedFileIsNotJson) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_NE(parser.parse(ReadFile(kExamples / "bad" / "truncated.json")).get(doc),
            simdjson::SUCCESS);
}

// ------------------------------------------------------------------------------------------------
// bench/corpus.h

using bench::CorpusGenerator;
using bench::CorpusOptions;

std::vector<Finding> DecodeCorpus(const CorpusGenerator& gen, std::size_t count) {
  std::vector<Finding> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string json = gen.Finding(i);
    const Status status = asff::DecodeFindingText(json, out[i]);
    EXPECT_TRUE(status.ok()) << "finding " << i << ": " << status.ToString() << "\n" << json;
    if (!status.ok()) break;
  }
  return out;
}

TEST(CorpusTest, EveryFindingIsValidAndUnique) {
  const CorpusGenerator gen({.findings = 5000, .resources = 400, .seed = 42});
  const auto findings = DecodeCorpus(gen, gen.options().findings);
  std::set<std::pair<std::string, std::string>> identities;
  std::set<std::string> pool_resources;
  for (const Finding& f : findings) {
    EXPECT_TRUE(identities.emplace(f.product_arn, f.id).second) << f.id;
    for (const auto& r : f.resources) {
      if (r.type == "AwsEc2Instance" || r.type == "AwsS3Bucket" ||
          r.type == "AwsEc2SecurityGroup" || r.type == "AwsIotRegisteredThing") {
        pool_resources.insert(r.canonical_key);
      }
    }
  }
  EXPECT_LE(pool_resources.size(), gen.resource_count());
  EXPECT_GT(pool_resources.size(), gen.resource_count() / 2);  // the pool is actually used
}

TEST(CorpusTest, DeterministicForASeedAndIndependentOfOrder) {
  const CorpusOptions options{.findings = 300, .resources = 50, .seed = 7};
  const CorpusGenerator a(options), b(options);
  std::vector<std::string> forward;
  for (std::size_t i = 0; i < options.findings; ++i) forward.push_back(a.Finding(i));
  for (std::size_t i = options.findings; i-- > 0;) EXPECT_EQ(b.Finding(i), forward[i]) << i;
  const CorpusGenerator other({.findings = 300, .resources = 50, .seed = 8});
  std::size_t same = 0;
  for (std::size_t i = 0; i < options.findings; ++i) same += other.Finding(i) == forward[i] ? 1 : 0;
  EXPECT_EQ(same, 0u);
}

// correlate_bench's probe shares a store with the corpus: it must name none of its resources.
TEST(CorpusTest, ANameOffsetKeepsTheResourcesOfAnotherSeedApart) {
  auto resources = [](const CorpusOptions& options) {
    std::set<std::string> keys;
    const CorpusGenerator gen(options);
    for (const Finding& f : DecodeCorpus(gen, options.findings)) {
      for (const auto& r : f.resources) keys.insert(r.canonical_key);
    }
    return keys;
  };
  const auto corpus = resources({.findings = 3000, .resources = 300, .seed = 1});
  auto shared = [&](const std::set<std::string>& other) {
    std::size_t n = 0;
    for (const auto& key : other) n += corpus.count(key);
    return n;
  };
  // Without an offset, bucket and thing names repeat across seeds...
  EXPECT_GT(shared(resources({.findings = 1000, .resources = 100, .seed = 1000})), 0u);
  // ...with one, nothing does.
  EXPECT_EQ(shared(resources(
                {.findings = 1000, .resources = 100, .seed = 1000, .name_offset = 1'000'000})),
            0u);
}

class CorpusSizeTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(CorpusSizeTest, AverageSizeIsWithinFifteenPercentOfTheTarget) {
  const std::size_t target = GetParam();
  const CorpusGenerator gen(
      {.findings = 4000, .resources = 500, .seed = 3, .target_avg_bytes = target});
  std::size_t total = 0;
  std::string buffer;
  for (std::size_t i = 0; i < gen.options().findings; ++i) {
    buffer.clear();
    gen.AppendFinding(i, buffer);
    total += buffer.size();
  }
  const double average = static_cast<double>(total) / static_cast<double>(gen.options().findings);
  EXPECT_NEAR(average, static_cast<double>(target), 0.15 * static_cast<double>(target));
}

INSTANTIATE_TEST_SUITE_P(Targets, CorpusSizeTest, ::testing::Values(3000, 4000, 6000, 12000));

TEST(CorpusTest, LargeFindingsStayWithinSecurityHubLimits) {
  const CorpusGenerator gen(
      {.findings = 300, .resources = 50, .seed = 5, .target_avg_bytes = 60'000});
  DecodeCorpus(gen, gen.options().findings);  // 240 KB, 50 ProductFields, value lengths
}

TEST(CorpusTest, RealisticMixOfProductsStatesAndSeverities) {
  const CorpusGenerator gen({.findings = 4000, .resources = 500, .seed = 11});
  const auto findings = DecodeCorpus(gen, gen.options().findings);
  std::map<std::string, std::size_t> products;
  std::set<asff::SeverityLabel> severities;
  std::set<asff::WorkflowStatus> workflows;
  std::set<std::string> compliance;
  std::size_t archived = 0, multi_resource = 0, with_cves = 0;
  for (const Finding& f : findings) {
    ++products[f.product_arn.substr(f.product_arn.rfind('/') + 1)];
    severities.insert(f.severity_label);
    workflows.insert(f.workflow_status);
    if (!f.compliance_status.empty()) compliance.insert(f.compliance_status);
    archived += f.record_state == asff::RecordState::kArchived ? 1 : 0;
    multi_resource += f.resources.size() > 1 ? 1 : 0;
    with_cves += f.vulnerability_ids.empty() ? 0 : 1;
  }
  for (const char* product : {"guardduty", "inspector", "securityhub", "macie", "config",
                              "iot-device-defender-audit", "iot-device-defender-detect"}) {
    EXPECT_GT(products[product], 20u) << product;
  }
  EXPECT_GT(products["inspector"], products["macie"]);
  EXPECT_EQ(severities.size(), 5u);
  EXPECT_EQ(workflows.size(), 4u);
  EXPECT_TRUE(compliance.count("PASSED") && compliance.count("FAILED"));
  EXPECT_GT(archived, findings.size() / 50);
  EXPECT_LT(archived, findings.size() / 4);
  EXPECT_GT(multi_resource, findings.size() / 20);
  EXPECT_EQ(with_cves, products["inspector"]);
}

TEST(CorpusTest, UpdatedAtSpreadsOverTheSixtyDaysBeforeTheBaseTime) {
  const CorpusGenerator gen({.findings = 3000, .resources = 200, .seed = 13});
  const auto findings = DecodeCorpus(gen, gen.options().findings);
  asff::TimeMs earliest = CorpusGenerator::kBaseTime, latest = 0;
  for (const Finding& f : findings) {
    EXPECT_LE(f.created_at, f.updated_at);
    EXPECT_GE(f.updated_at, CorpusGenerator::kBaseTime - CorpusGenerator::kUpdatedAtSpan);
    EXPECT_LT(f.updated_at, CorpusGenerator::kBaseTime);
    earliest = std::min(earliest, f.updated_at);
    latest = std::max(latest, f.updated_at);
  }
  EXPECT_GT(latest - earliest, 55 * asff::kMsPerDay);
}

TEST(CorpusTest, UpdatesKeepTheIdentityAndMoveUpdatedAtForward) {
  const CorpusGenerator gen({.findings = 400, .resources = 60, .seed = 17});
  std::size_t changed_state = 0;
  for (std::size_t i = 0; i < gen.options().findings; ++i) {
    EXPECT_EQ(gen.Update(i, 0), gen.Finding(i));
    Finding previous;
    ASSERT_TRUE(asff::DecodeFindingText(gen.Finding(i), previous).ok());
    for (unsigned revision = 1; revision <= 3; ++revision) {
      Finding next;
      const std::string json = gen.Update(i, revision);
      ASSERT_TRUE(asff::DecodeFindingText(json, next).ok()) << json;
      EXPECT_EQ(next.identifier(), previous.identifier());
      EXPECT_EQ(next.aws_account_id, previous.aws_account_id);
      EXPECT_EQ(next.created_at, previous.created_at);
      EXPECT_GT(next.updated_at, previous.updated_at) << i << " revision " << revision;
      ASSERT_EQ(next.resources.size(), previous.resources.size());
      for (std::size_t r = 0; r < next.resources.size(); ++r) {
        EXPECT_EQ(next.resources[r].canonical_key, previous.resources[r].canonical_key);
      }
      changed_state += next.record_state != previous.record_state ||
                               next.compliance_status != previous.compliance_status
                           ? 1
                           : 0;
      previous = std::move(next);
    }
  }
  EXPECT_GT(changed_state, 0u);  // updates carry provider changes, not only a new timestamp
}

TEST(CorpusTest, NetworkInterfacesTieInstancesToTheirSecurityGroup) {
  const CorpusGenerator gen({.findings = 3000, .resources = 300, .seed = 19});
  simdjson::dom::parser parser;
  std::size_t seen = 0;
  std::map<std::string, std::string> group_of_instance;
  for (std::size_t i = 0; i < gen.options().findings; ++i) {
    const std::string json = gen.Finding(i);
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS);
    std::string_view instance;
    for (simdjson::dom::element r : doc["Resources"].get_array()) {
      const std::string_view type = r["Type"].get_string().value();
      if (type == "AwsEc2Instance") instance = r["Id"].get_string().value();
      if (type != "AwsEc2NetworkInterface") continue;
      ++seen;
      const auto details = r["Details"]["AwsEc2NetworkInterface"];
      const std::string_view attached = details["Attachment"]["InstanceId"].get_string().value();
      EXPECT_TRUE(instance.ends_with(attached)) << json;
      const std::string group(details["SecurityGroups"].at(0)["GroupId"].get_string().value());
      // An instance always has the same group.
      const auto [it, inserted] = group_of_instance.emplace(std::string(attached), group);
      EXPECT_EQ(it->second, group);
    }
  }
  EXPECT_GT(seen, 50u);
}

}  // namespace
}  // namespace corroborate
