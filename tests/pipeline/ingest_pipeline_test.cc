// The ingest pipeline on a live stream: findings read from a pipe whose writer pauses are stored
// while the stream stays open (OnIdle), not held until the batch fills or the stream ends.
#include "pipeline/pipeline.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "sources/sources.h"
#include "store/store.h"

namespace corroborate::pipeline {
namespace {

constexpr std::string_view kGuardDutyArn = "arn:aws:securityhub:eu-west-1::product/aws/guardduty";

std::string GuardDutyFinding(const std::string& id) {
  return R"({"SchemaVersion": "2018-10-08", "Id": ")" + id + R"(", "ProductArn": ")" +
         std::string(kGuardDutyArn) +
         R"(", "GeneratorId": "g", "AwsAccountId": "111122223333",
         "Types": ["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B"],
         "CreatedAt": "2026-11-20T10:00:00Z", "UpdatedAt": "2026-11-20T10:00:00Z",
         "Severity": {"Label": "HIGH"}, "Title": "t", "Description": "d",
         "Resources": [{"Type": "AwsEc2Instance", "Id": "i-0c1d2e3f4a5b60789",
                        "Region": "eu-west-1"}]})" +
         "\n";
}

class IngestPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("ingest_pipeline_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto opened = store::OpenEmbeddedStore(dir_.string());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  bool Stored(const std::string& id) {
    store::StoredFinding f;
    return store_->Get({std::string(kGuardDutyArn), id}, &f).ok();
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::FindingStore> store_;
};

TEST_F(IngestPipelineTest, APausedStreamHasWhatItSentStoredBeforeItEnds) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  PipelineOptions options;  // batches of 1,000: three findings never fill one
  IngestPipeline pipe(*store_, options);
  Status read_status;
  std::thread reader([&] {
    read_status = sources::ReadFindingsFromFd(fds[0], "-", pipe, sources::ReadOptions{});
  });
  std::string first;
  for (int i = 0; i < 3; ++i) first += GuardDutyFinding("live-" + std::to_string(i));
  ASSERT_EQ(::write(fds[1], first.data(), first.size()), static_cast<ssize_t>(first.size()));
  // The writer now waits, the stream still open. Not a timing test: the wait only bounds how long
  // a broken reader may keep the test hanging.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!Stored("live-2") && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool stored_while_open = Stored("live-0") && Stored("live-1") && Stored("live-2");
  const std::string last = GuardDutyFinding("after-pause");
  ASSERT_EQ(::write(fds[1], last.data(), last.size()), static_cast<ssize_t>(last.size()));
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  EXPECT_TRUE(stored_while_open) << "the paused stream's findings waited for the stream to end";
  ASSERT_TRUE(read_status.ok()) << read_status.ToString();
  ASSERT_TRUE(pipe.Finish().ok());
  EXPECT_TRUE(Stored("after-pause"));
  EXPECT_EQ(pipe.report().created, 4U);
  EXPECT_EQ(pipe.report().failed, 0U);
}

}  // namespace
}  // namespace corroborate::pipeline
