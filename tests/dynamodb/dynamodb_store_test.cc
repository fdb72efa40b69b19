// The DynamoDB backend against moto (moto's AWS emulator, started here on 127.0.0.1): a
// randomised differential test against the embedded store through every read path, concurrent
// writers on one table, the TTL attribute, and the errors of opening a wrong table.
#include "dynamodb/dynamodb_store.h"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "asff/import.h"
#include "asff/resource_key.h"
#include "aws/dynamodb_client.h"
#include "store/codec.h"

namespace corroborate::dynamodb {
namespace {

using asff::TimeMs;
using store::FindingStore;

constexpr TimeMs kNow = 1794000000000;

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 0;
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool Connects(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// moto's emulator for the whole test program, serving one request at a time (serial_moto.py says
// why).
class Moto {
 public:
  static Moto& Get() {
    static Moto moto;
    return moto;
  }
  [[nodiscard]] bool running() const { return running_; }
  [[nodiscard]] std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  ~Moto() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }

 private:
  Moto() : port_(FreePort()) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string port = std::to_string(port_);
      ::freopen("/dev/null", "w", stdout);
      ::freopen("/dev/null", "w", stderr);
      const std::string script =
          std::string(CORROBORATE_SOURCE_DIR) + "/tests/dynamodb/serial_moto.py";
      ::execlp("python3", "python3", script.c_str(), port.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 300 && !running_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      running_ = Connects(port_);
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
    }
  }
  int port_;
  pid_t pid_ = -1;
  bool running_ = false;
};

std::unique_ptr<aws::CredentialChain> FakeCredentials() {
  aws::CredentialOptions o;
  o.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_ACCESS_KEY_ID") return "AKIAMOTOFAKE";
    if (name == "AWS_SECRET_ACCESS_KEY") return "fake";
    return std::nullopt;
  };
  return std::make_unique<aws::CredentialChain>(o);
}

Result<std::unique_ptr<FindingStore>> OpenOn(const std::string& endpoint, const std::string& table,
                                             bool create, store::StoreOptions store_options = {}) {
  DynamoDbStoreOptions options;
  options.table = table;
  options.region = "eu-west-1";
  options.endpoint_url = endpoint;
  options.create_table = create;
  options.store = store_options;
  aws::HttpClientOptions http_options;
  http_options.retry.max_attempts = 3;
  auto http = aws::HttpClient::Create(http_options);
  if (!http.ok()) return http.status();
  return OpenDynamoDbStore(options, std::move(http).value(), FakeCredentials());
}

std::string UniqueTable() {
  static int n = 0;
  return "corroborate-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
}

// --- Findings the tests import -----------------------------------------------------------------

constexpr const char* kProducts[] = {"arn:aws:securityhub:eu-west-1::product/aws/guardduty",
                                     "arn:aws:securityhub:eu-west-1::product/aws/inspector",
                                     "arn:aws:securityhub:eu-west-1::product/aws/macie"};
constexpr const char* kLabels[] = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};
constexpr const char* kGenerators[] = {"gen-a", "gen-b", "gen-c"};

std::string Instance(int n) {
  return "i-0" + std::string(15, 'a') + std::to_string(n % 10);
}

store::IncomingFinding FromJson(const std::string& json, TimeMs now) {
  store::IncomingFinding in;
  simdjson::dom::parser parser;
  auto root = parser.parse(json).value();
  EXPECT_TRUE(asff::DecodeFinding(root, in.core).ok()) << json;
  in.json = asff::NormalizeNewFinding(root, in.core, now);
  return in;
}

// A finding on instance `resource` (and, for some, a second resource or network interfaces that
// state relations).
store::IncomingFinding Make(int product, const std::string& id, TimeMs updated, int resource,
                            int label, int generator, const std::string& title, int shape,
                            TimeMs now) {
  std::string resources =
      R"([{"Type":"AwsEc2Instance","Id":")" + Instance(resource) + R"(","Region":"eu-west-1")";
  if (shape % 3 == 1) {
    resources +=
        R"(,"Details":{"AwsEc2Instance":{"NetworkInterfaces":[{"NetworkInterfaceId":"eni-0)" +
        std::string(16, 'b') + std::to_string(resource % 3) + R"("}]}})";
  }
  resources += "}";
  if (shape % 3 == 2) {
    resources += R"(,{"Type":"AwsS3Bucket","Id":"arn:aws:s3:::bucket-)" +
                 std::to_string(resource % 4) + R"("})";
  }
  resources += "]";
  const std::string json = R"({"SchemaVersion":"2018-10-08","Id":")" + id + R"(","ProductArn":")" +
                           kProducts[product] + R"(","GeneratorId":")" + kGenerators[generator] +
                           R"(","AwsAccountId":"111122223333","Types":["TTPs/Discovery"],)"
                           R"("CreatedAt":"2026-10-01T00:00:00Z","UpdatedAt":")" +
                           asff::FormatTimestamp(updated) + R"(","Severity":{"Label":")" +
                           kLabels[label] + R"("},"Title":")" + title +
                           R"(","Description":"d","Resources":)" + resources +
                           (shape % 4 == 0 ? R"(,"Compliance":{"Status":"FAILED"})" : "") + "}";
  return FromJson(json, now);
}

std::vector<std::string> Ids(const std::vector<std::string>& jsons) {
  std::vector<std::string> ids;
  for (const auto& j : jsons) {
    asff::Finding f;
    EXPECT_TRUE(asff::DecodeFindingText(j, f).ok());
    ids.push_back(f.product_arn + "|" + f.id);
  }
  return ids;
}

// Every page of a query, as the JSON of its findings in order.
std::vector<std::string> AllPages(FindingStore& s, const std::string& filter_json,
                                  std::vector<filter::SortCriterion> sort, std::size_t page_size,
                                  TimeMs now) {
  filter::FindingFilter filter;
  if (!filter_json.empty()) filter = filter::FindingFilter::ParseText(filter_json).value();
  store::QueryRequest request;
  request.filter = &filter;
  request.sort = std::move(sort);
  request.max_results = page_size;
  std::vector<std::string> out;
  for (int pages = 0; pages < 1000; ++pages) {
    store::QueryPage page;
    const Status st = s.Query(request, now, &page);
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (!st.ok()) break;
    out.insert(out.end(), page.findings.begin(), page.findings.end());
    request.next_token = page.next_token;
    if (request.next_token.empty()) break;
  }
  return out;
}

class DynamoDbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Moto::Get().running()) GTEST_SKIP() << "moto (python3 -m moto) is not installed";
  }
};

// Everything a reader can observe, from both stores, after every step of a random history.
class Differential {
 public:
  Differential(FindingStore& embedded, FindingStore& dynamo) : a_(embedded), b_(dynamo) {}

  void Compare(TimeMs now, const std::set<std::string>& identities,
               const std::set<std::string>& resources, const std::string& step) {
    SCOPED_TRACE(step);
    ASSERT_TRUE(a_.Flush().ok());
    for (const auto& identity : identities) {
      const auto bar = identity.find('|');
      const asff::FindingIdentifier id{identity.substr(0, bar), identity.substr(bar + 1)};
      store::StoredFinding fa, fb;
      const Status sa = a_.Get(id, &fa), sb = b_.Get(id, &fb);
      ASSERT_EQ(sa.code(), sb.code())
          << identity << ": " << sa.ToString() << " / " << sb.ToString();
      if (sa.ok()) {
        EXPECT_EQ(fa.core.json, fb.core.json) << identity;
        EXPECT_EQ(fa.analyst_mask, fb.analyst_mask) << identity;
      }
    }
    const std::vector<std::pair<std::string, std::vector<filter::SortCriterion>>> queries = {
        {"", {}},
        {R"({"SeverityLabel":[{"Value":"HIGH","Comparison":"EQUALS"},{"Value":"CRITICAL","Comparison":"EQUALS"}]})",
         {}},
        {R"({"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}],"WorkflowStatus":[{"Value":"NEW","Comparison":"EQUALS"}]})",
         {{"UpdatedAt", true}}},
        {R"({"ProductName":[{"Value":"GuardDuty","Comparison":"EQUALS"}]})", {}},
        {R"({"GeneratorId":[{"Value":"gen-b","Comparison":"EQUALS"}]})", {}},
        {R"({"ComplianceStatus":[{"Value":"FAILED","Comparison":"EQUALS"}]})", {}},
        {R"({"Title":[{"Value":"t1","Comparison":"PREFIX"}]})", {{"SeverityNormalized", false}}},
        {"", {{"Title", true}, {"UpdatedAt", false}}},
    };
    // Small pages for two of them (tokens resumed across shards and values), whole pages for
    // the rest: moto answers a GSI query by scanning the table.
    for (std::size_t q = 0; q < queries.size(); ++q) {
      const auto& [filter, sort] = queries[q];
      for (std::size_t page : {q == 1 || q == 6 ? std::size_t{20} : std::size_t{100}}) {
        EXPECT_EQ(Ids(AllPages(a_, filter, sort, page, now)),
                  Ids(AllPages(b_, filter, sort, page, now)))
            << filter << " page " << page;
      }
    }
    for (const auto& key : resources) {
      std::vector<store::StoredFinding> fa, fb;
      ASSERT_TRUE(a_.FindingsForResource(key, &fa).ok());
      ASSERT_TRUE(b_.FindingsForResource(key, &fb).ok());
      ASSERT_EQ(fa.size(), fb.size()) << key;
      for (std::size_t i = 0; i < fa.size(); ++i) EXPECT_EQ(fa[i].core.json, fb[i].core.json);
      std::vector<std::uint64_t> va, vb;
      ASSERT_TRUE(a_.ResourceVersions(key, &va).ok());
      ASSERT_TRUE(b_.ResourceVersions(key, &vb).ok());
      EXPECT_EQ(va, vb) << key;
      for (auto v : va) {
        store::StoredFinding x, y;
        ASSERT_TRUE(a_.GetVersion(v, &x).ok());
        ASSERT_TRUE(b_.GetVersion(v, &y).ok()) << v;
        EXPECT_EQ(x.core.json, y.core.json);
      }
      std::vector<store::RelatedResource> ra, rb;
      ASSERT_TRUE(a_.RelatedResources(key, &ra).ok());
      ASSERT_TRUE(b_.RelatedResources(key, &rb).ok());
      EXPECT_EQ(ra, rb) << key;
      std::vector<store::StoredInventoryItem> ia, ib;
      ASSERT_TRUE(a_.InventoryItemsOf(key, &ia).ok());
      ASSERT_TRUE(b_.InventoryItemsOf(key, &ib).ok());
      ASSERT_EQ(ia.size(), ib.size()) << key;
      for (std::size_t i = 0; i < ia.size(); ++i) {
        EXPECT_EQ(store::EncodeInventory(ia[i]), store::EncodeInventory(ib[i]));
        EXPECT_EQ(ia[i].expires_at, ib[i].expires_at);
      }
    }
    std::uint64_t la = 0, lb = 0;
    ASSERT_TRUE(a_.LastVersion(&la).ok());
    ASSERT_TRUE(b_.LastVersion(&lb).ok());
    EXPECT_EQ(la, lb);
    for (std::uint64_t after : {std::uint64_t{0}, la / 2}) {
      std::vector<std::pair<std::uint64_t, std::string>> wa, wb;
      ASSERT_TRUE(
          a_.ForEachVersionSince(after, [&](std::uint64_t v, const store::StoredFinding& f) {
              wa.emplace_back(v, f.core.json);
              return Status::Ok();
            }).ok());
      ASSERT_TRUE(
          b_.ForEachVersionSince(after, [&](std::uint64_t v, const store::StoredFinding& f) {
              wb.emplace_back(v, f.core.json);
              return Status::Ok();
            }).ok());
      EXPECT_EQ(wa, wb) << "versions since " << after;
      std::vector<std::string> xa, xb;
      ASSERT_TRUE(a_.InventoryItemsSince(after, [&](const store::StoredInventoryItem& i) {
                      xa.push_back(store::EncodeInventory(i));
                      return Status::Ok();
                    }).ok());
      ASSERT_TRUE(b_.InventoryItemsSince(after, [&](const store::StoredInventoryItem& i) {
                      xb.push_back(store::EncodeInventory(i));
                      return Status::Ok();
                    }).ok());
      EXPECT_EQ(xa, xb) << "inventory since " << after;
    }
    store::StoreStats sa, sb;
    ASSERT_TRUE(a_.Stats(&sa).ok());
    ASSERT_TRUE(b_.Stats(&sb).ok());
    EXPECT_EQ(sa.findings, sb.findings);
    EXPECT_EQ(sa.by_product, sb.by_product);
    EXPECT_EQ(sa.by_severity, sb.by_severity);
    EXPECT_EQ(sa.by_resource_type, sb.by_resource_type);
    EXPECT_EQ(sa.by_record_state, sb.by_record_state);
    EXPECT_EQ(sa.by_workflow_status, sb.by_workflow_status);
    for (const char* generator : kGenerators) {
      for (bool active_only : {true, false}) {
        store::GeneratorRangeRequest r;
        r.generator_id = generator;
        r.updated_before = now - TimeMs{3} * 3'600'000;
        r.active_only = active_only;
        r.max_results = 20;
        std::vector<std::string> pa, pb;
        for (auto* s : {&a_, &b_}) {
          auto& out = s == &a_ ? pa : pb;
          store::GeneratorRangeRequest request = r;
          for (int n = 0; n < 200; ++n) {
            store::QueryPage page;
            ASSERT_TRUE(s->FindingsOfGeneratorBefore(request, &page).ok());
            for (auto& id : Ids(page.findings)) out.push_back(id);
            if (page.next_token.empty()) break;
            request.next_token = page.next_token;
          }
        }
        EXPECT_EQ(pa, pb) << generator;
      }
    }
    std::vector<std::pair<std::string, std::string>> aux_a, aux_b;
    ASSERT_TRUE(a_.ScanAuxiliary("k/", "", 1000, &aux_a).ok());
    ASSERT_TRUE(b_.ScanAuxiliary("k/", "", 1000, &aux_b).ok());
    EXPECT_EQ(aux_a, aux_b);
    if (aux_a.size() > 2) {
      const std::string after = aux_a[1].first;
      ASSERT_TRUE(a_.ScanAuxiliary("k/", after, 2, &aux_a).ok());
      ASSERT_TRUE(b_.ScanAuxiliary("k/", after, 2, &aux_b).ok());
      EXPECT_EQ(aux_a, aux_b);
    }
  }

 private:
  FindingStore& a_;
  FindingStore& b_;
};

class DynamoDbDifferentialTest : public DynamoDbStoreTest,
                                 public ::testing::WithParamInterface<unsigned> {};

TEST_P(DynamoDbDifferentialTest, AgreesWithTheEmbeddedStoreOnEveryReadPath) {
  const auto dir =
      std::filesystem::path(::testing::TempDir()) /
      ("dynamodb_differential_" + std::to_string(::getpid()) + "_" + std::to_string(GetParam()));
  std::filesystem::remove_all(dir);
  store::StoreOptions options;
  options.sync = false;
  options.derived_flush_findings = 50;
  auto embedded = store::OpenEmbeddedStore(dir.string(), options);
  ASSERT_TRUE(embedded.ok()) << embedded.status().ToString();
  auto dynamo = OpenOn(Moto::Get().endpoint(), UniqueTable(), true, options);
  ASSERT_TRUE(dynamo.ok()) << dynamo.status().ToString();
  FindingStore& a = **embedded;
  FindingStore& b = **dynamo;
  Differential diff(a, b);

  std::mt19937 rng(GetParam());
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::set<std::string> identities, resources;
  for (int r = 0; r < 10; ++r) {
    resources.insert(asff::CanonicalResourceKey("AwsEc2Instance", Instance(r), "aws", "eu-west-1",
                                                "111122223333"));
  }
  for (int r = 0; r < 3; ++r) {
    resources.insert(asff::CanonicalResourceKey("AwsEc2NetworkInterface",
                                                "eni-0" + std::string(16, 'b') + std::to_string(r),
                                                "aws", "eu-west-1", "111122223333"));
  }
  for (int r = 0; r < 4; ++r) {
    resources.insert(asff::CanonicalResourceKey("AwsS3Bucket",
                                                "arn:aws:s3:::bucket-" + std::to_string(r), "aws",
                                                "eu-west-1", "111122223333"));
  }
  TimeMs now = kNow;
  for (int step = 0; step < 10; ++step) {
    now += 3'600'000;
    const int op = step < 3 ? 0 : pick(6);
    std::string what;
    if (op <= 2) {
      // Imports: a batch of up to 140 (several transactions), with repeats and stale revisions.
      std::vector<store::IncomingFinding> batch;
      const int n = 1 + pick(step == 1 ? 140 : 40);
      for (int i = 0; i < n; ++i) {
        const int product = pick(3);
        const std::string id = "f-" + std::to_string(pick(60));
        // Whole hours: many findings share an UpdatedAt, so the order of ties is compared too.
        const TimeMs updated = now - TimeMs{pick(48)} * 3'600'000;
        batch.push_back(Make(product, id, updated, pick(10), pick(4), pick(3),
                             "t" + std::to_string(pick(20)), pick(12), now));
        identities.insert(std::string(kProducts[product]) + "|" + id);
      }
      std::vector<store::ImportOutcome> oa, ob;
      ASSERT_TRUE(a.Import(batch, now, &oa).ok());
      const Status s = b.Import(batch, now, &ob);
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_EQ(oa.size(), ob.size());
      for (std::size_t i = 0; i < oa.size(); ++i) {
        EXPECT_EQ(oa[i].action, ob[i].action) << i;
        EXPECT_EQ(oa[i].version, ob[i].version) << i;
        EXPECT_EQ(oa[i].replaced, ob[i].replaced) << i;
      }
      what = "import of " + std::to_string(n);
    } else if (op == 3) {
      asff::BatchUpdate update;
      const int n = 1 + pick(12);
      for (int i = 0; i < n; ++i) {
        update.identifiers.push_back(
            {kProducts[pick(3)], "f-" + std::to_string(pick(70))});  // some missing, some twice
      }
      update.workflow_status =
          std::vector<std::string>{"NOTIFIED", "RESOLVED", "SUPPRESSED"}[pick(3)];
      if (pick(2) == 0) update.severity_json = R"({"Label":"CRITICAL"})";
      update.note = asff::Note{"looked at", "analyst", ""};
      store::BatchUpdateResult ra, rb;
      ASSERT_TRUE(a.BatchUpdate(update, now, &ra).ok());
      const Status s = b.BatchUpdate(update, now, &rb);
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_EQ(ra.processed.size(), rb.processed.size());
      ASSERT_EQ(ra.unprocessed.size(), rb.unprocessed.size());
      for (std::size_t i = 0; i < ra.unprocessed.size(); ++i) {
        EXPECT_EQ(ra.unprocessed[i].error_code, rb.unprocessed[i].error_code);
      }
      what = "batch update";
    } else if (op == 4) {
      // Inventory: instances attached to interfaces, refreshed, replaced or deleted.
      std::vector<inventory::Item> items;
      const int count = 1 + pick(8);
      for (int i = 0; i < count; ++i) {
        inventory::Item item;
        item.source = pick(2) == 0 ? "ec2:DescribeInstances" : "config";
        const int r = pick(10);
        item.subject_type = "AwsEc2Instance";
        item.subject_id = Instance(r);
        item.subject_key = asff::CanonicalResourceKey("AwsEc2Instance", Instance(r), "aws",
                                                      "eu-west-1", "111122223333");
        item.observed_at = now - pick(40) * asff::kMsPerDay;
        item.deleted = pick(8) == 0;
        const std::string eni = "eni-0" + std::string(16, 'b') + std::to_string(pick(3));
        item.relations.push_back({item.subject_key, "AwsEc2Instance",
                                  asff::CanonicalResourceKey("AwsEc2NetworkInterface", eni, "aws",
                                                             "eu-west-1", "111122223333"),
                                  "AwsEc2NetworkInterface", "uses"});
        if (pick(3) == 0) {
          // The same two ends under another subject type: a second relation whose entries share
          // the first one's keys on one side.
          item.relations.push_back(item.relations.back());
          item.relations.back().from_type = "Other";
        }
        item.attributes = {{"State", pick(2) == 0 ? "running" : "stopped"}};
        items.push_back(std::move(item));
      }
      std::vector<store::InventoryOutcome> oa, ob;
      ASSERT_TRUE(a.ImportInventory(items, now, &oa).ok());
      const Status s = b.ImportInventory(items, now, &ob);
      ASSERT_TRUE(s.ok()) << s.ToString();
      for (std::size_t i = 0; i < oa.size(); ++i) {
        EXPECT_EQ(oa[i].action, ob[i].action);
        EXPECT_EQ(oa[i].version, ob[i].version);
        EXPECT_EQ(oa[i].added, ob[i].added);
        EXPECT_EQ(oa[i].removed, ob[i].removed);
      }
      what = "inventory";
    } else {
      // Time passes: retention and auxiliary writes.
      now += TimeMs{pick(3)} * 10 * asff::kMsPerDay;
      store::RetentionResult ra, rb;
      ASSERT_TRUE(a.ApplyRetention(now, &ra).ok());
      const Status s = b.ApplyRetention(now, &rb);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(ra.deleted_active, rb.deleted_active);
      EXPECT_EQ(ra.deleted_archived, rb.deleted_archived);
      EXPECT_EQ(ra.deleted_inventory, rb.deleted_inventory);
      std::vector<store::AuxiliaryWrite> writes(static_cast<std::size_t>(1 + pick(130)));
      for (auto& w : writes) {
        w = {"k/" + std::to_string(pick(150)), std::string(1 + pick(50), 'v'), pick(5) == 0};
      }
      ASSERT_TRUE(a.WriteAuxiliary(writes).ok());
      ASSERT_TRUE(b.WriteAuxiliary(writes).ok());
      what = "retention";
    }
    diff.Compare(now, identities, resources, "step " + std::to_string(step) + ": " + what);
    if (HasFatalFailure()) return;
  }
  embedded->reset();
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Seeds, DynamoDbDifferentialTest, ::testing::Values(1U, 2U));

TEST_F(DynamoDbStoreTest, ConcurrentWritersKeepTheNewestRevisionAndEveryAnalystChange) {
  const std::string table = UniqueTable();
  auto first = OpenOn(Moto::Get().endpoint(), table, true);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = OpenOn(Moto::Get().endpoint(), table, false);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  constexpr int kFindings = 6;
  constexpr int kRevisions = 12;
  std::mutex errors_mu;
  std::vector<std::string> errors;
  auto failed = [&](const Status& st) {
    std::lock_guard lock(errors_mu);
    errors.push_back(st.ToString());
  };
  // Two writers import interleaved revisions of the same findings (each has odd or even ones)
  // while a third writes an analyst's note on them: the newest revision must win, and the note
  // must survive.
  auto writer = [&](FindingStore* s, int parity) {
    for (int r = parity; r < kRevisions; r += 2) {
      std::vector<store::IncomingFinding> batch;
      batch.reserve(kFindings);
      for (int f = 0; f < kFindings; ++f) {
        batch.push_back(Make(0, "race-" + std::to_string(f), kNow - 100000 + TimeMs{r} * 1000, f,
                             r % 4, 0, "rev" + std::to_string(r), 1, kNow));
      }
      std::vector<store::ImportOutcome> outcomes;
      if (Status st = s->Import(batch, kNow, &outcomes); !st.ok()) failed(st);
    }
  };
  std::thread a(writer, first->get(), 0), b(writer, second->get(), 1);
  std::thread c([&] {
    asff::BatchUpdate update;
    for (int f = 0; f < kFindings; ++f)
      update.identifiers.push_back({kProducts[0], "race-" + std::to_string(f)});
    update.note = asff::Note{"seen by the analyst", "analyst", ""};
    for (int i = 0; i < 6; ++i) {
      store::BatchUpdateResult result;
      if (Status st = (*second)->BatchUpdate(update, kNow, &result); !st.ok()) failed(st);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  a.join();
  b.join();
  c.join();
  ASSERT_TRUE(errors.empty()) << errors.front();
  asff::BatchUpdate update;
  for (int f = 0; f < kFindings; ++f)
    update.identifiers.push_back({kProducts[0], "race-" + std::to_string(f)});
  update.note = asff::Note{"seen by the analyst", "analyst", ""};
  store::BatchUpdateResult result;
  ASSERT_TRUE((*first)->BatchUpdate(update, kNow, &result).ok());
  ASSERT_EQ(result.processed.size(), static_cast<std::size_t>(kFindings));
  std::set<std::uint64_t> versions;
  for (int f = 0; f < kFindings; ++f) {
    store::StoredFinding stored;
    ASSERT_TRUE((*first)->Get({kProducts[0], "race-" + std::to_string(f)}, &stored).ok());
    EXPECT_EQ(stored.core.title, "rev" + std::to_string(kRevisions - 1));
    EXPECT_NE(stored.core.json.find("seen by the analyst"), std::string::npos);
    // Exactly one resource entry and one version per finding: no race left an orphan.
    std::vector<std::uint64_t> on_resource;
    ASSERT_TRUE(
        (*second)->ResourceVersions(stored.core.resources[0].canonical_key, &on_resource).ok());
    ASSERT_EQ(on_resource.size(), 1U);
    store::StoredFinding by_version;
    ASSERT_TRUE((*second)->GetVersion(on_resource[0], &by_version).ok());
    EXPECT_EQ(by_version.core.title, stored.core.title);
    versions.insert(on_resource[0]);
  }
  std::size_t visited = 0;
  ASSERT_TRUE((*first)
                  ->ForEachVersionSince(0,
                                        [&](std::uint64_t v, const store::StoredFinding&) {
                                          EXPECT_TRUE(versions.contains(v));
                                          ++visited;
                                          return Status::Ok();
                                        })
                  .ok());
  EXPECT_EQ(visited, static_cast<std::size_t>(kFindings));
}

TEST_F(DynamoDbStoreTest, EveryItemCarriesTheRetentionDeadlineAsItsTtl) {
  const std::string table = UniqueTable();
  auto s = OpenOn(Moto::Get().endpoint(), table, true);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<store::IncomingFinding> batch{Make(0, "ttl-1", kNow - 5000, 1, 2, 0, "t", 1, kNow)};
  std::vector<store::ImportOutcome> outcomes;
  ASSERT_TRUE((*s)->Import(batch, kNow, &outcomes).ok());

  auto http = aws::HttpClient::Create().value();
  auto credentials = FakeCredentials();
  aws::DynamoDbClient client(*http, *credentials, {"eu-west-1", Moto::Get().endpoint()});
  auto ttl = client.Call("DescribeTimeToLive", R"({"TableName":")" + table + R"("})");
  ASSERT_TRUE(ttl.ok()) << ttl.status().ToString();
  {
    simdjson::dom::parser p;
    auto description = p.parse(*ttl).value()["TimeToLiveDescription"];
    EXPECT_EQ(description["AttributeName"].get_string().value(), "expires_at") << *ttl;
    EXPECT_EQ(description["TimeToLiveStatus"].get_string().value(), "ENABLED") << *ttl;
  }
  // Every item of the table (record, version, resource entries, relations) expires when the
  // finding's 90-day window ends: ProcessedAt (the import) + 90 days.
  auto scan = client.Call("Scan", R"({"TableName":")" + table + R"("})");
  ASSERT_TRUE(scan.ok());
  simdjson::dom::parser parser;
  auto items = parser.parse(*scan).value()["Items"].get_array().value();
  const std::string expected = std::to_string((kNow + 90 * asff::kMsPerDay) / 1000);
  int with_ttl = 0;
  for (auto item : items) {
    std::string_view pk = item["pk"]["B"].get_string().value();
    if (pk == "Yw==") continue;  // the version counter ("c")
    EXPECT_EQ(item["expires_at"]["N"].get_string().value(), expected) << simdjson::minify(item);
    ++with_ttl;
  }
  // Record, version and its index entry, the instance's entry, the interface relation both ways.
  EXPECT_EQ(with_ttl, 6);
}

TEST_F(DynamoDbStoreTest, OpeningAMissingOrForeignTableSaysWhatIsWrong) {
  auto missing = OpenOn(Moto::Get().endpoint(), "no-such-table", false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("no-such-table"), std::string::npos);
  EXPECT_NE(missing.status().message().find(Moto::Get().endpoint()), std::string::npos);

  auto http = aws::HttpClient::Create().value();
  auto credentials = FakeCredentials();
  aws::DynamoDbClient client(*http, *credentials, {"eu-west-1", Moto::Get().endpoint()});
  ASSERT_TRUE(client
                  .Call("CreateTable",
                        R"({"TableName":"foreign","BillingMode":"PAY_PER_REQUEST",)"
                        R"("AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],)"
                        R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]})")
                  .ok());
  auto foreign = OpenOn(Moto::Get().endpoint(), "foreign", true);
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("not a Corroborate store"), std::string::npos);
  EXPECT_NE(foreign.status().message().find("by_updated"), std::string::npos);

  auto unreachable = OpenOn("http://127.0.0.1:" + std::to_string(FreePort()), "t", true);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_NE(unreachable.status().message().find("DynamoDB DescribeTable"), std::string::npos)
      << unreachable.status().ToString();
}

// `instances` instances, each with 3 interfaces: an entry per instance and 3 relations each,
// both ways.
store::IncomingFinding BigFinding(int instances, const std::string& updated_at) {
  std::string resources = "[";
  for (int r = 0; r < instances; ++r) {
    if (r > 0) resources += ",";
    resources += R"({"Type":"AwsEc2Instance","Id":"i-0)" + std::string(14, 'c') +
                 std::to_string(10 + r) + R"(","Details":{"AwsEc2Instance":{"NetworkInterfaces":[)";
    for (int e = 0; e < 3; ++e) {
      resources += std::string(e > 0 ? "," : "") + R"({"NetworkInterfaceId":"eni-0)" +
                   std::string(14, 'd') + std::to_string(10 + r) + std::to_string(e) + R"("})";
    }
    resources += "]}}}";
  }
  resources += "]";
  const std::string json =
      R"({"SchemaVersion":"2018-10-08","Id":"big","ProductArn":")" + std::string(kProducts[0]) +
      R"(","GeneratorId":"g","AwsAccountId":"111122223333","Types":["TTPs/Discovery"],)"
      R"("CreatedAt":"2026-10-01T00:00:00Z","UpdatedAt":")" +
      updated_at + R"(","Severity":{"Label":"HIGH"},"Title":"t","Description":"d","Resources":)" +
      resources + "}";
  return FromJson(json, kNow);
}

TEST_F(DynamoDbStoreTest, AFindingWithMoreItemsThanATransactionIsStoredWhole) {
  auto s = OpenOn(Moto::Get().endpoint(), UniqueTable(), true);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  // 32 resource entries and 192 relation entries: more than one transaction holds.
  const store::IncomingFinding big = BigFinding(32, "2026-11-01T00:00:00Z");
  ASSERT_EQ(big.core.relations.size(), 96U);
  std::vector<store::ImportOutcome> outcomes;
  Status st = (*s)->Import(std::span(&big, 1), kNow, &outcomes);
  ASSERT_TRUE(st.ok()) << st.ToString();
  for (const auto& r : big.core.resources) {
    std::vector<store::StoredFinding> found;
    ASSERT_TRUE((*s)->FindingsForResource(r.canonical_key, &found).ok());
    ASSERT_EQ(found.size(), 1U) << r.canonical_key;
    std::vector<store::RelatedResource> related;
    ASSERT_TRUE((*s)->RelatedResources(r.canonical_key, &related).ok());
    EXPECT_EQ(related.size(), 3U) << r.canonical_key;
  }
  // A newer revision naming half the instances: the other half's entries and relations go.
  const store::IncomingFinding smaller = BigFinding(16, "2026-11-02T00:00:00Z");
  st = (*s)->Import(std::span(&smaller, 1), kNow, &outcomes);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(outcomes[0].action, asff::ImportAction::kUpdated);
  for (std::size_t i = 0; i < big.core.resources.size(); ++i) {
    const std::string& key = big.core.resources[i].canonical_key;
    std::vector<std::uint64_t> versions;
    ASSERT_TRUE((*s)->ResourceVersions(key, &versions).ok());
    std::vector<store::RelatedResource> related;
    ASSERT_TRUE((*s)->RelatedResources(key, &related).ok());
    if (i < 16) {
      EXPECT_EQ(versions, std::vector<std::uint64_t>{outcomes[0].version}) << key;
      EXPECT_EQ(related.size(), 3U) << key;
    } else {
      EXPECT_TRUE(versions.empty()) << key;
      EXPECT_TRUE(related.empty()) << key;
    }
  }
}

TEST_F(DynamoDbStoreTest, LongIdentifiersStayWithinDynamoDbsKeyLimits) {
  auto s = OpenOn(Moto::Get().endpoint(), UniqueTable(), true);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  // A 512-character Id (Security Hub's limit) on a resource with a long ARN that states a
  // relation: the entries' keys would be over DynamoDB's 1,024 bytes if they held both.
  const std::string id(512, 'x');
  const std::string instance = "i-0" + std::string(16, 'e');
  const std::string json =
      R"({"SchemaVersion":"2018-10-08","Id":")" + id + R"(","ProductArn":")" + kProducts[0] +
      R"(","GeneratorId":"g","AwsAccountId":"111122223333","Types":["TTPs/Discovery"],)"
      R"("CreatedAt":"2026-10-01T00:00:00Z","UpdatedAt":"2026-11-01T00:00:00Z",)"
      R"("Severity":{"Label":"HIGH"},"Title":"t","Description":"d","Resources":[)"
      R"({"Type":"AwsEc2Instance","Id":")" +
      instance +
      R"(","Details":{"AwsEc2Instance":{"NetworkInterfaces":[{"NetworkInterfaceId":"eni-0)" +
      std::string(16, 'f') + R"("}]}}},{"Type":"Other","Id":")" + std::string(500, 'o') + R"("}]})";
  const store::IncomingFinding in = FromJson(json, kNow);
  ASSERT_EQ(in.core.id, id);
  std::vector<store::ImportOutcome> outcomes;
  const Status st = (*s)->Import(std::span(&in, 1), kNow, &outcomes);
  ASSERT_TRUE(st.ok()) << st.ToString();
  for (const auto& r : in.core.resources) {
    std::vector<store::StoredFinding> found;
    ASSERT_TRUE((*s)->FindingsForResource(r.canonical_key, &found).ok());
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].core.id, id);
  }
  std::vector<store::RelatedResource> related;
  ASSERT_TRUE((*s)->RelatedResources(in.core.resources[0].canonical_key, &related).ok());
  ASSERT_EQ(related.size(), 1U);
  EXPECT_EQ(related[0].type, "AwsEc2NetworkInterface");
  // An inventory item with a subject and a source of the store's 2,048-byte limit.
  inventory::Item item;
  item.source = std::string(2048, 's');
  item.subject_key = std::string(2048, 'k');
  item.subject_type = "Other";
  item.subject_id = "x";
  item.observed_at = kNow;
  item.relations.push_back({item.subject_key, "Other", "other-key", "Other", ""});
  std::vector<store::InventoryOutcome> inventory_outcomes;
  const Status inventory = (*s)->ImportInventory(std::span(&item, 1), kNow, &inventory_outcomes);
  ASSERT_TRUE(inventory.ok()) << inventory.ToString();
  std::vector<store::RelatedResource> stated;
  ASSERT_TRUE((*s)->RelatedResources(item.subject_key, &stated).ok());
  ASSERT_EQ(stated.size(), 1U);
  EXPECT_EQ(stated[0].key, "other-key");
  std::vector<store::StoredInventoryItem> items;
  ASSERT_TRUE((*s)->InventoryItemsOf(item.subject_key, &items).ok());
  ASSERT_EQ(items.size(), 1U);
  EXPECT_EQ(items[0].item.source, item.source);
  store::StoredInventoryItem by_version;
  ASSERT_TRUE((*s)->InventoryItemOfVersion(inventory_outcomes[0].version, &by_version).ok());
  EXPECT_EQ(by_version.item.subject_key, item.subject_key);
}

}  // namespace
}  // namespace corroborate::dynamodb
