#include "sources/sources.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace corroborate::sources {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// Records what the reader reports, in order, as "<location> Id=<Id>" for findings and
// "ERROR <location>: <status>" for errors, so tests can assert exact sequences.
class Recorder : public FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element finding, const Location& where) override {
    std::string_view id;
    if (finding["Id"].get_string().get(id) != simdjson::SUCCESS) id = "<none>";
    events.push_back(where.ToString() + " Id=" + std::string(id));
  }
  void OnError(const Location& where, const Status& error) override {
    events.push_back("ERROR " + where.ToString() + ": " + error.ToString());
  }
  std::vector<std::string> events;
};

std::string TempPath(std::string_view stem) {
  static std::atomic<int> counter{0};
  return ::testing::TempDir() + "sources_test_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++) + "_" + std::string(stem);
}

std::string WriteTempFile(std::string_view contents) {
  std::string path = TempPath("in.json");
  std::ofstream out(path, std::ios::binary);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  return path;
}

// Reads `input` from memory and from a file with 1-, 7- and 4096-byte reads; all four must report
// exactly the same thing, whatever the chunk boundaries cut through. Returns what they reported.
std::vector<std::string> ReadAllWays(std::string_view input) {
  Recorder from_memory;
  ReadFindingsFromBuffer(input, "in.json", from_memory);
  const std::string path = WriteTempFile(input);
  for (const std::size_t chunk_bytes : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    EXPECT_GE(fd, 0);
    Recorder from_file;
    ReadOptions options;
    options.chunk_bytes = chunk_bytes;
    EXPECT_TRUE(ReadFindingsFromFd(fd, "in.json", from_file, options).ok());
    ::close(fd);
    EXPECT_EQ(from_file.events, from_memory.events) << "chunk_bytes=" << chunk_bytes;
  }
  std::remove(path.c_str());
  return from_memory.events;
}

// JSON string literal holding `text` (for SNS Messages, which carry JSON inside a string).
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Event(std::string_view detail_type, std::string_view findings) {
  return R"({"version":"0","id":"e1","detail-type":")" + std::string(detail_type) +
         R"(","source":"aws.securityhub","account":"111122223333","region":"eu-west-1",)"
         R"("resources":[],"detail":{"findings":[)" +
         std::string(findings) + "]}}";
}

std::string ImportedEvent(std::string_view findings) {
  return Event("Security Hub Findings - Imported", findings);
}

// ---- NDJSON and concatenated documents
// -----------------------------------------------------------

TEST(ReadFindingsTest, NdjsonMalformedMiddleLineIsReportedAndTheOthersAreRead) {
  EXPECT_THAT(
      ReadAllWays("{\"Id\":\"a\"}\n{\"Id\":\"b\",}\n{\"Id\":\"c\"}\n"),
      ElementsAre("in.json:1 Id=a", StartsWith("ERROR in.json:2: InvalidInput: malformed JSON: "),
                  "in.json:3 Id=c"));
}

TEST(ReadFindingsTest, NdjsonLineMissingItsClosingBraceDoesNotSwallowTheNextLines) {
  EXPECT_THAT(ReadAllWays("{\"Id\":\"a\"}\n{\"Id\":\"b\"\n{\"Id\":\"c\"}\n{\"Id\":\"d\"}\n"),
              ElementsAre("in.json:1 Id=a",
                          "ERROR in.json:2: InvalidInput: malformed JSON: unterminated object "
                          "starting at line 2 (line 3 starts a new document)",
                          "in.json:3 Id=c", "in.json:4 Id=d"));
}

TEST(ReadFindingsTest, NdjsonLineWithUnterminatedStringDoesNotSwallowTheNextLines) {
  EXPECT_THAT(ReadAllWays("{\"Id\":\"b}\n{\"Id\":\"c\"}\n"),
              ElementsAre("ERROR in.json:1: InvalidInput: malformed JSON: unterminated object "
                          "starting at line 1 (line 2 starts a new document)",
                          "in.json:2 Id=c"));
}

TEST(ReadFindingsTest, NdjsonLineWithAnExtraClosingBraceCostsOneError) {
  EXPECT_THAT(ReadAllWays("{\"Id\":\"a\"}}\n{\"Id\":\"b\"}\n"),
              ElementsAre("in.json:1 Id=a",
                          "ERROR in.json:1: InvalidInput: expected a JSON object or array, "
                          "found '}'",
                          "in.json:2 Id=b"));
}

TEST(ReadFindingsTest, PrettyPrintedConcatenatedObjects) {
  const std::string input = R"({
  "Id": "a",
  "Resources": [
    {"Type": "Other", "Id": "r1"}
  ]
}
{
  "Id": "b"
}{"Id": "c"} {"Id": "d"}
)";
  EXPECT_THAT(ReadAllWays(input),
              ElementsAre("in.json:1 Id=a", "in.json:7 Id=b", "in.json:9 Id=c", "in.json:9 Id=d"));
}

TEST(ReadFindingsTest, CompactDocumentContinuedOnMoreLinesIsStillOneDocument) {
  // Only a line starting with '{' or '[' ends an unterminated compact line early.
  EXPECT_THAT(ReadAllWays("{\"Id\":\"a\",\n\"Types\":[\n\"x\"]}\n{\"Id\":\"b\"}"),
              ElementsAre("in.json:1 Id=a", "in.json:4 Id=b"));
}

TEST(ReadFindingsTest, LineNumbersCountBlankLinesAndCrlf) {
  EXPECT_THAT(ReadAllWays("\r\n\r\n{\"Id\":\"a\"}\r\n\n  \t\n{\"Id\":\"b\"}\r\n"),
              ElementsAre("in.json:3 Id=a", "in.json:6 Id=b"));
}

// ---- arrays and the get-findings wrapper
// ---------------------------------------------------------

TEST(ReadFindingsTest, JsonArrayIsReadElementByElement) {
  EXPECT_THAT(ReadAllWays("[\n  {\"Id\": \"a\"},\n  {\"Id\": \"b\"}\n]\n[{\"Id\":\"c\"}]"),
              ElementsAre("in.json:2 [0] Id=a", "in.json:3 [1] Id=b", "in.json:5 [0] Id=c"));
}

TEST(ReadFindingsTest, MalformedArrayElementIsReportedAndTheNextElementsAreRead) {
  EXPECT_THAT(ReadAllWays("[\n{\"Id\":\"a\"},\n{\"Id\":},\n42,\n{\"Id\":\"d\"}\n]"),
              ElementsAre("in.json:2 [0] Id=a",
                          StartsWith("ERROR in.json:3 [1]: InvalidInput: malformed JSON: "),
                          "ERROR in.json:4 [2]: InvalidInput: expected a JSON object or array, "
                          "found a number",
                          "in.json:5 [3] Id=d"));
}

TEST(ReadFindingsTest, ArrayElementMissingItsClosingBraceDoesNotSwallowTheNextElement) {
  EXPECT_THAT(ReadAllWays("[\n{\"Id\":\"a\",\n{\"Id\":\"b\"}\n]\n{\"Id\":\"c\"}"),
              ElementsAre("ERROR in.json:2 [0]: InvalidInput: malformed JSON: unterminated object "
                          "starting at line 2 (line 3 starts a new element)",
                          "in.json:3 [1] Id=b", "in.json:5 Id=c"));
}

TEST(ReadFindingsTest, ArrayPunctuationMistakesAreReportedWithoutLosingElements) {
  EXPECT_THAT(
      ReadAllWays("[{\"Id\":\"a\"} {\"Id\":\"b\"},,{\"Id\":\"c\"},]"),
      ElementsAre("in.json:1 [0] Id=a",
                  "ERROR in.json:1: InvalidInput: malformed JSON: missing ',' between array "
                  "elements",
                  "in.json:1 [1] Id=b",
                  "ERROR in.json:1: InvalidInput: malformed JSON: missing array element before ','",
                  "in.json:1 [2] Id=c",
                  "ERROR in.json:1: InvalidInput: malformed JSON: ',' before ']' ends the array"));
}

TEST(ReadFindingsTest, EmptyArraysAndWrappersYieldNothing) {
  EXPECT_THAT(ReadAllWays("[]\n[ ]\n{\"Findings\": []}\n"), IsEmpty());
}

TEST(ReadFindingsTest, GetFindingsOutputWithNextToken) {
  // As `aws securityhub get-findings` prints it, followed by another document.
  const std::string input = R"({
    "Findings": [
        {
            "Id": "a"
        },
        {
            "Id": "b"
        }
    ],
    "NextToken": "eyJOZXh0VG9rZW4iOiBudWxsfQ=="
}
{"Id": "c"}
)";
  EXPECT_THAT(ReadAllWays(input), ElementsAre("in.json:3 Findings[0] Id=a",
                                              "in.json:6 Findings[1] Id=b", "in.json:12 Id=c"));
}

TEST(ReadFindingsTest, FindingsWrapperIsRecognisedWhereverTheKeyIs) {
  EXPECT_THAT(ReadAllWays("{\"NextToken\":\"t\",\"Findings\":[{\"Id\":\"a\"},{\"Id\":\"b\"}]}"),
              ElementsAre("in.json:1 Findings[0] Id=a", "in.json:1 Findings[1] Id=b"));
}

TEST(ReadFindingsTest, ObjectsThatOnlyLookLikeTheWrapperAreFindings) {
  EXPECT_THAT(ReadAllWays("{\"FindingsX\":[1],\"Id\":\"a\"}\n{\"Findings\":\"none\",\"Id\":\"b\"}\n"
                          "{\"Findin\":1,\"Id\":\"c\"}\n{\n\"Id\":\"d\"}"),
              ElementsAre("in.json:1 Id=a", "in.json:2 Id=b", "in.json:3 Id=c", "in.json:4 Id=d"));
}

TEST(ReadFindingsTest, MalformedTextAfterTheFindingsArrayIsReported) {
  EXPECT_THAT(ReadAllWays("{\"Findings\":[{\"Id\":\"a\"}], \"NextToken\": }\n{\"Id\":\"b\"}"),
              ElementsAre("in.json:1 Findings[0] Id=a",
                          StartsWith("ERROR in.json:1: InvalidInput: malformed JSON "
                                     "after the Findings array: "),
                          "in.json:2 Id=b"));
}

TEST(ReadFindingsTest, FindingsArrayElementsThatAreNotObjectsAreReported) {
  EXPECT_THAT(ReadAllWays("{\"Findings\":[\"x\", {\"Id\":\"a\"}]}"),
              ElementsAre("ERROR in.json:1 Findings[0]: InvalidInput: expected an ASFF finding "
                          "(a JSON object), found a string",
                          "in.json:1 Findings[1] Id=a"));
}

// ---- EventBridge
// ---------------------------------------------------------------------------------

TEST(ReadFindingsTest, EventBridgeSingleEvent) {
  EXPECT_THAT(ReadAllWays(ImportedEvent(R"({"Id":"a"})")),
              ElementsAre("in.json:1 detail.findings[0] Id=a"));
}

TEST(ReadFindingsTest, EventBridgeEventsInAnArrayAndInNdjson) {
  EXPECT_THAT(ReadAllWays("[" + ImportedEvent(R"({"Id":"a"})") + ",\n" +
                          ImportedEvent(R"({"Id":"b"})") + "]"),
              ElementsAre("in.json:1 [0].detail.findings[0] Id=a",
                          "in.json:2 [1].detail.findings[0] Id=b"));
  EXPECT_THAT(
      ReadAllWays(ImportedEvent(R"({"Id":"a"})") + "\n" + ImportedEvent(R"({"Id":"b"})") + "\n"),
      ElementsAre("in.json:1 detail.findings[0] Id=a", "in.json:2 detail.findings[0] Id=b"));
}

TEST(ReadFindingsTest, EventBridgeCustomActionCarriesSeveralFindings) {
  EXPECT_THAT(
      ReadAllWays(Event("Security Hub Findings - Custom Action", R"({"Id":"a"},{"Id":"b"})")),
      ElementsAre("in.json:1 detail.findings[0] Id=a", "in.json:1 detail.findings[1] Id=b"));
}

TEST(ReadFindingsTest, EventBridgeEventOfAnotherTypeIsReportedByName) {
  EXPECT_THAT(ReadAllWays(Event("Security Hub Insight Results", "") + "\n" +
                          ImportedEvent(R"({"Id":"a"})")),
              ElementsAre("ERROR in.json:1: InvalidInput: EventBridge event of type 'Security Hub "
                          "Insight Results' carries no ASFF findings",
                          "in.json:2 detail.findings[0] Id=a"));
}

TEST(ReadFindingsTest, EventBridgeImportedEventWithoutFindingsIsReported) {
  EXPECT_THAT(ReadAllWays(R"({"detail-type":"Security Hub Findings - Imported","detail":{}})"),
              ElementsAre("ERROR in.json:1: InvalidInput: EventBridge event of type 'Security Hub "
                          "Findings - Imported' has no detail.findings array"));
}

// ---- SNS
// -----------------------------------------------------------------------------------------

TEST(ReadFindingsTest, SnsRecordsEnvelopeWrappingEventBridgeEvents) {
  const std::string input =
      R"({"Records":[{"EventSource":"aws:sns","EventVersion":"1.0","Sns":{"Type":"Notification",)"
      R"("MessageId":"m1","Message":)" +
      Quoted(ImportedEvent(R"({"Id":"a","Title":"with \"quotes\" and\nnewline"})")) +
      R"(}},{"EventSource":"aws:sns","Sns":{"Message":"not json"}},)"
      R"({"eventSource":"aws:sqs","body":"{}"},)"
      R"({"EventSource":"aws:sns","Sns":{"Message":)" +
      Quoted(R"([{"Id":"b"},{"Id":"c"}])") + "}}]}";
  EXPECT_THAT(
      ReadAllWays(input),
      ElementsAre("in.json:1 Records[0].Sns.Message.detail.findings[0] Id=a",
                  StartsWith("ERROR in.json:1 Records[1].Sns.Message: InvalidInput: SNS Message is "
                             "not JSON: "),
                  "ERROR in.json:1 Records[2]: InvalidInput: record is not an SNS notification "
                  "(EventSource 'aws:sqs'): expected Sns.Message",
                  "in.json:1 Records[3].Sns.Message[0] Id=b",
                  "in.json:1 Records[3].Sns.Message[1] Id=c"));
}

TEST(ReadFindingsTest, SnsHttpNotification) {
  const std::string notification =
      R"({"Type":"Notification","MessageId":"m1","TopicArn":"arn:aws:sns:eu-west-1:1:t",)"
      R"("Message":)" +
      Quoted(ImportedEvent(R"({"Id":"a"})")) + R"(,"Timestamp":"2026-11-01T10:00:00.000Z"})";
  const std::string bare_finding =
      R"({"Type":"Notification","Message":)" + Quoted(R"({"Id":"b"})") + "}";
  EXPECT_THAT(ReadAllWays(notification + "\n" + bare_finding),
              ElementsAre("in.json:1 Message.detail.findings[0] Id=a", "in.json:2 Message Id=b"));
}

TEST(ReadFindingsTest, SnsNotificationNestedInALambdaRecord) {
  const std::string notification =
      R"({"Type":"Notification","Message":)" + Quoted(R"({"Findings":[{"Id":"a"}]})") + "}";
  EXPECT_THAT(ReadAllWays(R"({"Records":[{"Sns":{"Message":)" + Quoted(notification) + "}}]}"),
              ElementsAre("in.json:1 Records[0].Sns.Message.Message.Findings[0] Id=a"));
}

TEST(ReadFindingsTest, SnsSubscriptionConfirmationIsExplained) {
  const std::string input =
      R"({"Type":"SubscriptionConfirmation","MessageId":"m","Token":"t",)"
      R"("TopicArn":"arn:aws:sns:eu-west-1:1:t","Message":"You have chosen to subscribe...",)"
      R"("SubscribeURL":"https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription"})";
  const std::vector<std::string> events = ReadAllWays(input);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_THAT(events[0], StartsWith("ERROR in.json:1: InvalidInput: SNS SubscriptionConfirmation "
                                    "message, not findings"));
  EXPECT_THAT(events[0], HasSubstr("SubscribeURL"));

  EXPECT_THAT(
      ReadAllWays(R"({"Type":"UnsubscribeConfirmation","TopicArn":"arn:aws:sns:eu-west-1:1:t",)"
                  R"("Message":"You have chosen to deactivate subscription..."})"),
      ElementsAre("ERROR in.json:1: InvalidInput: SNS UnsubscribeConfirmation message, not "
                  "findings: the subscription to arn:aws:sns:eu-west-1:1:t has been removed"));
}

// ---- truncation, junk, BOM, whitespace
// -----------------------------------------------------------

TEST(ReadFindingsTest, TruncatedDocumentNamesWhereItBegan) {
  EXPECT_THAT(ReadAllWays("{\"Id\":\"a\"}\n{\n  \"Id\": \"b\",\n  \"Title\": \"x"),
              ElementsAre("in.json:1 Id=a",
                          "ERROR in.json:2: InvalidInput: truncated: unterminated object starting "
                          "at line 2"));
}

TEST(ReadFindingsTest, TruncatedArrayElementNamesTheElement) {
  EXPECT_THAT(ReadAllWays("[\n{\"Id\":\"a\"},\n{\"Id\":\"b\""),
              ElementsAre("in.json:2 [0] Id=a",
                          "ERROR in.json:3 [1]: InvalidInput: truncated: unterminated object "
                          "starting at line 3"));
  EXPECT_THAT(ReadAllWays("\n[{\"Id\":\"a\"},\n"),
              ElementsAre("in.json:2 [0] Id=a",
                          "ERROR in.json:2: InvalidInput: truncated: unterminated array starting "
                          "at line 2"));
  EXPECT_THAT(ReadAllWays("[\"abc"),
              ElementsAre("ERROR in.json:1 [0]: InvalidInput: truncated: unterminated string "
                          "starting at line 1"));
}

TEST(ReadFindingsTest, TruncatedGetFindingsOutput) {
  EXPECT_THAT(ReadAllWays("{\n\"Findings\": [{\"Id\":\"a\"}"),
              ElementsAre("in.json:2 Findings[0] Id=a",
                          "ERROR in.json:1: InvalidInput: truncated: unterminated object starting "
                          "at line 1"));
  EXPECT_THAT(ReadAllWays("{\"Findings\": [{\"Id\":\"a\"}], \"NextToken\": \"ab"),
              ElementsAre("in.json:1 Findings[0] Id=a",
                          "ERROR in.json:1: InvalidInput: truncated: unterminated object starting "
                          "at line 1"));
  EXPECT_THAT(ReadAllWays("{ \"Find"),
              ElementsAre("ERROR in.json:1: InvalidInput: truncated: unterminated object starting "
                          "at line 1"));
}

TEST(ReadFindingsTest, ScalarsAndJunkAtTopLevelAreReportedOncePerLine) {
  EXPECT_THAT(ReadAllWays("42\n\"just a string\" true {\"Id\":\"a\"}\nnot json at all\n"),
              ElementsAre("ERROR in.json:1: InvalidInput: expected a JSON object or array, found "
                          "'42'",
                          "ERROR in.json:2: InvalidInput: expected a JSON object or array, found "
                          "'\"just a string\" true'",
                          "in.json:2 Id=a",
                          "ERROR in.json:3: InvalidInput: expected a JSON object or array, found "
                          "'not json at all'"));
}

TEST(ReadFindingsTest, WhitespaceOnlyAndEmptyInputYieldNothing) {
  EXPECT_THAT(ReadAllWays(""), IsEmpty());
  EXPECT_THAT(ReadAllWays(" \n\t\r\n  \n"), IsEmpty());
  EXPECT_THAT(ReadAllWays("\xEF\xBB\xBF\n"), IsEmpty());
}

TEST(ReadFindingsTest, Utf8ByteOrderMarkIsSkipped) {
  EXPECT_THAT(ReadAllWays("\xEF\xBB\xBF{\"Id\":\"a\"}\n{\"Id\":\"b\"}"),
              ElementsAre("in.json:1 Id=a", "in.json:2 Id=b"));
  EXPECT_THAT(ReadAllWays("\xEF\xBB\xBF[{\"Id\":\"a\"}]"), ElementsAre("in.json:1 [0] Id=a"));
}

// ---- chunk boundaries and sizes
// ------------------------------------------------------------------

TEST(ReadFindingsTest, StringsWithEscapesBracketsAndNewlinesSurviveEveryChunkBoundary) {
  // Escaped quotes, escaped backslashes before a quote, brackets and braces and escaped newlines
  // inside strings must not end a document or change the nesting.
  const std::string input =
      "{\"Id\":\"q\\\"}{[\",\"Title\":\"back\\\\\",\"Description\":\"]]}}\\n{\\\"x\\\":[\"}\n"
      "[{\"Id\":\"e\\\\\\\"]\"},\n  {\"Id\":\"\\u005d\\\\\"}]\n"
      "{\"Findings\":[{\"Id\":\"f\",\"Note\":{\"Text\":\"\\\"Findings\\\": [\"}}],"
      "\"NextToken\":\"]}\\\"\"}\n";
  EXPECT_THAT(ReadAllWays(input),
              ElementsAre("in.json:1 Id=q\"}{[", "in.json:2 [0] Id=e\\\"]", "in.json:3 [1] Id=]\\",
                          "in.json:4 Findings[0] Id=f"));
}

TEST(ReadFindingsTest, DocumentsLargerThanTheChunkSize) {
  const std::string big_title(200'000, 'x');
  const std::string finding = "{\"Id\":\"big\",\"Title\":\"" + big_title + "\"}";
  EXPECT_THAT(ReadAllWays(finding + "\n[" + finding + ",\n" + finding + "]\n{\"Id\":\"small\"}"),
              ElementsAre("in.json:1 Id=big", "in.json:2 [0] Id=big", "in.json:3 [1] Id=big",
                          "in.json:4 Id=small"));
}

TEST(ReadFindingsTest, DamagedInputGivesTheSameReportsForEveryChunkSize) {
  // Bytes deleted, duplicated or replaced with JSON punctuation anywhere in a mixed input: whatever
  // is reported, the chunk size must not change it, and nothing may crash (run under ASan in CI).
  const std::string original =
      "\xEF\xBB\xBF{\"Id\":\"a\",\"T\":\"x\\\"y\"}\n[{\"Id\":\"b\"},\n 1, \"s\"]\n"
      "{\n  \"Findings\": [\n    {\"Id\": \"c\"}\n  ],\n  \"NextToken\": \"t\"\n}\n" +
      ImportedEvent(R"({"Id":"d"})") + "\n" + R"({"Type":"Notification","Message":)" +
      Quoted(R"({"Id":"e"})") + "}\n";
  std::mt19937 random(20261101);
  constexpr std::string_view kNoise = "{}[]\",:\\\n x";
  for (int round = 0; round < 300; ++round) {
    std::string damaged = original;
    for (int edit = 0; edit < 3; ++edit) {
      const std::size_t at = random() % damaged.size();
      switch (random() % 3) {
        case 0: damaged.erase(at, 1); break;
        case 1: damaged.insert(at, 1, damaged[at]); break;
        default: damaged[at] = kNoise[random() % kNoise.size()]; break;
      }
    }
    SCOPED_TRACE(damaged);
    const std::vector<std::string> events = ReadAllWays(damaged);
    EXPECT_FALSE(events.empty());
  }
}

// ---- files, pipes, progress
// ----------------------------------------------------------------------

TEST(ReadFindingsTest, ReadsARealFileAndReportsProgress) {
  std::string input;
  for (int i = 0; i < 1000; ++i) input += "{\"Id\":\"f" + std::to_string(i) + "\"}\n";
  const std::string path = WriteTempFile(input);
  Recorder recorder;
  std::vector<std::uint64_t> progress;
  ReadOptions options;
  options.chunk_bytes = 1024;
  options.on_progress = [&progress](std::uint64_t bytes_done) { progress.push_back(bytes_done); };
  ASSERT_TRUE(ReadFindingsFromFile(path, recorder, options).ok());
  ASSERT_EQ(recorder.events.size(), 1000u);
  EXPECT_EQ(recorder.events.front(), path + ":1 Id=f0");
  EXPECT_EQ(recorder.events.back(), path + ":1000 Id=f999");
  ASSERT_GE(progress.size(), input.size() / 1024);
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
  EXPECT_EQ(progress.back(), input.size());
  std::remove(path.c_str());
}

TEST(ReadFindingsTest, NonexistentFileIsAnErrorNamingThePath) {
  Recorder recorder;
  const std::string path = TempPath("does-not-exist.json");
  const Status status = ReadFindingsFromFile(path, recorder);
  EXPECT_EQ(status.code(), Status::Code::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_THAT(recorder.events, IsEmpty());
}

TEST(ReadFindingsTest, ReadErrorIsReturned) {
  Recorder recorder;
  const std::string dir = ::testing::TempDir();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  const Status status = ReadFindingsFromFd(fd, "somedir", recorder);
  ::close(fd);
  EXPECT_EQ(status.code(), Status::Code::kIOError);
  EXPECT_THAT(status.message(), HasSubstr("somedir"));
}

// A writer that hands the reader one array element at a time and waits until the reader has
// visited it before writing the next: this only finishes if the reader streams the array instead of
// waiting for its end (and so never holds more than about one element).
class LockstepWriter : public FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element finding, const Location& where) override {
    std::string_view id;
    if (finding["Id"].get_string().get(id) != simdjson::SUCCESS) id = "<none>";
    std::lock_guard<std::mutex> lock(mutex_);
    seen_.push_back(where.ToString() + " Id=" + std::string(id));
    changed_.notify_all();
  }
  void OnError(const Location& where, const Status& error) override {
    std::lock_guard<std::mutex> lock(mutex_);
    seen_.push_back("ERROR " + where.ToString() + ": " + error.ToString());
    changed_.notify_all();
  }
  bool WaitForCount(std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return seen_.size() >= count; });
  }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> seen_;
};

void ExpectStreamedThroughPipe(std::string_view opening, std::string_view closing,
                               std::string_view path_prefix) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  LockstepWriter visitor;
  Status status;
  std::thread reader([&] { status = ReadFindingsFromFd(fds[0], "-", visitor); });
  auto write_all = [&](std::string_view text) {
    ASSERT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  };
  write_all(opening);
  constexpr int kElements = 5;
  bool streamed = true;
  for (int i = 0; i < kElements && streamed; ++i) {
    write_all(std::string(i == 0 ? "" : ",\n") + "{\"Id\":\"e" + std::to_string(i) + "\"}");
    streamed = visitor.WaitForCount(static_cast<std::size_t>(i) + 1);
  }
  write_all(closing);
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  EXPECT_TRUE(streamed) << "the reader waited for the end of the array";
  EXPECT_TRUE(status.ok());
  const std::vector<std::string> seen = visitor.seen();
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kElements));
  EXPECT_EQ(seen[0], "-:1 " + std::string(path_prefix) + "[0] Id=e0");
  EXPECT_EQ(seen[4], "-:5 " + std::string(path_prefix) + "[4] Id=e4");
}

TEST(ReadFindingsTest, ArrayFromAPipeIsStreamedElementByElement) {
  ExpectStreamedThroughPipe("[", "]", "");
}

TEST(ReadFindingsTest, GetFindingsFromAPipeIsStreamedElementByElement) {
  ExpectStreamedThroughPipe("{\"Findings\": [", "], \"NextToken\": \"t\"}", "Findings");
}

// ---- VisitDocument and Location
// ------------------------------------------------------------------

TEST(VisitDocumentTest, KeepsTheCallersPathAndLine) {
  simdjson::dom::parser parser;
  simdjson::dom::element event;
  const std::string text = ImportedEvent(R"({"Id":"a"},7)");
  ASSERT_EQ(parser.parse(text).get(event), simdjson::SUCCESS);
  Recorder recorder;
  VisitDocument(event, Location{"POST /events", 0, ""}, recorder);
  VisitDocument(event, Location{"batch", 3, "[2]"}, recorder);
  EXPECT_THAT(recorder.events,
              ElementsAre("POST /events detail.findings[0] Id=a",
                          "ERROR POST /events detail.findings[1]: InvalidInput: expected an ASFF "
                          "finding (a JSON object), found a number",
                          "batch:3 [2].detail.findings[0] Id=a",
                          "ERROR batch:3 [2].detail.findings[1]: InvalidInput: expected an ASFF "
                          "finding (a JSON object), found a number"));
}

TEST(VisitDocumentTest, NestedArraysAndScalars) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  const std::string text = R"([[{"Id":"a"}], null])";
  ASSERT_EQ(parser.parse(text).get(document), simdjson::SUCCESS);
  Recorder recorder;
  VisitDocument(document, Location{"x", 1, ""}, recorder);
  EXPECT_THAT(recorder.events,
              ElementsAre("x:1 [0][0] Id=a",
                          "ERROR x:1 [1]: InvalidInput: expected a JSON object or array, found "
                          "null"));
}

TEST(VisitDocumentTest, EnvelopesNestedWithoutEndAreCut) {
  std::string document = R"({"Id":"deep"})";
  for (int i = 0; i < 10; ++i)
    document = R"({"Type":"Notification","Message":)" + Quoted(document) + "}";
  Recorder recorder;
  ReadFindingsFromBuffer(document, "in.json", recorder);
  ASSERT_EQ(recorder.events.size(), 1u);
  EXPECT_THAT(recorder.events[0], HasSubstr("nested more than 8 envelopes deep"));
}

// Records the SNS topic each finding came through, and the events a visitor may take over.
class TopicRecorder : public FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element finding, const Location& where) override {
    std::string_view id;
    if (finding["Id"].get_string().get(id) != simdjson::SUCCESS) id = "<none>";
    events.push_back(std::string(id) + " via '" + std::string(where.topic_arn) + "'");
  }
  void OnError(const Location& where, const Status& error) override {
    events.push_back("ERROR " + where.ToString() + ": " + error.message());
  }
  void OnEvent(simdjson::dom::element event, std::string_view detail_type,
               const Location& where) override {
    std::string_view id;
    if (event["id"].get_string().get(id) != simdjson::SUCCESS) id = "<none>";
    events.push_back("EVENT " + std::string(detail_type) + " " + std::string(id) + " at " +
                     where.ToString() + " via '" + std::string(where.topic_arn) + "'");
  }
  std::vector<std::string> events;
};

TEST(VisitDocumentTest, SnsEnvelopesTellWhichTopicEachMessageCameThrough) {
  const std::string inner = R"({"Id":"in-notification"})";
  const std::string lambda =
      R"({"Records":[{"EventSource":"aws:sns","Sns":{"Type":"Notification",)"
      R"("TopicArn":"arn:aws:sns:eu-west-1:111122223333:dd-audit","Message":)" +
      Quoted(R"({"Id":"in-lambda"})") + R"(}},{"EventSource":"aws:sns","Sns":{"Message":)" +
      Quoted(R"({"Id":"no-topic"})") + "}}]}";
  const std::string http = R"({"Type":"Notification","Message":)" + Quoted(inner) +
                           R"(,"TopicArn":"arn:aws-cn:sns:cn-north-1:444455556666:t"})";
  TopicRecorder recorder;
  ReadFindingsFromBuffer(lambda + "\n" + http + "\n" + R"({"Id":"bare"})", "in.json", recorder);
  EXPECT_THAT(
      recorder.events,
      ElementsAre("in-lambda via 'arn:aws:sns:eu-west-1:111122223333:dd-audit'", "no-topic via ''",
                  "in-notification via 'arn:aws-cn:sns:cn-north-1:444455556666:t'", "bare via ''"));
}

TEST(VisitDocumentTest, OtherEventBridgeEventsGoToOnEventWhichByDefaultReportsThem) {
  const std::string event =
      R"({"version":"0","id":"ct-1","detail-type":"AWS API Call via CloudTrail",)"
      R"("source":"aws.iot","detail":{"eventName":"PutVerificationStateOnViolation"}})";
  TopicRecorder taker;
  ReadFindingsFromBuffer(R"({"Type":"Notification","TopicArn":"arn:aws:sns:eu-west-1:1:t",)"
                         R"("Message":)" +
                             Quoted(event) + "}",
                         "in.json", taker);
  EXPECT_THAT(taker.events, ElementsAre("EVENT AWS API Call via CloudTrail ct-1 at in.json:1 "
                                        "Message via 'arn:aws:sns:eu-west-1:1:t'"));
  Recorder ingest;  // does not override OnEvent: the error ingest always gave
  ReadFindingsFromBuffer(event, "in.json", ingest);
  EXPECT_THAT(ingest.events,
              ElementsAre("ERROR in.json:1: InvalidInput: EventBridge event of type 'AWS API Call "
                          "via CloudTrail' carries no ASFF findings"));
}

TEST(StreamReaderTest, TheStreamedArrayMemberIsAnOption) {
  const std::string pages =
      "{\"findings\": [{\"Id\":\"a\"}, {\"Id\":\"b\"}], \"nextToken\": \"t\"}\n"
      "{\"findings\": [\n{\"Id\":\"c\"}\n]}\n";
  Recorder lower;
  ReadOptions options;
  options.streamed_array_key = "findings";
  ReadFindingsFromBuffer(pages, "p.json", lower, options);
  EXPECT_THAT(lower.events, ElementsAre("p.json:1 findings[0] Id=a", "p.json:1 findings[1] Id=b",
                                        "p.json:3 findings[0] Id=c"));
  // By default only "Findings" is streamed: a lower-case page is one ordinary document.
  Recorder upper;
  ReadFindingsFromBuffer(pages.substr(0, pages.find('\n') + 1), "p.json", upper);
  EXPECT_THAT(upper.events, ElementsAre("p.json:1 Id=<none>"));
}

// Added for inventory (issue 9): AWS Config snapshot files put scalar members before their
// configurationItems; with streamed_array_keys such arrays are still read an element at a time,
// whatever the read size.
TEST(StreamedKeysTest, ArraysAfterScalarMembersAreStreamedElementByElement) {
  const std::string input =
      "{\"fileVersion\": \"1.0\", \"configSnapshotId\": \"a\\\"b\", \"n\": -1.5e3,\n"
      " \"ok\": true, \"none\": null, \"configurationItems\": [\n"
      "  {\"Id\": \"c1\"},\n  {\"Id\": \"c2\"}, 7\n], \"nextToken\": null}\n"
      "{\"Reservations\": [{\"Id\": \"r1\"}]}\n"
      "{\"fileVersion\": \"1.0\", \"other\": {\"x\": 1}, \"configurationItems\": [{\"Id\": "
      "\"w\"}]}\n"
      "{\"Id\": \"plain\", \"Resources\": [1]}\n"
      "{\"a\": 1}\n"
      "{\"Findings\": [{\"Id\": \"f\"}]}\n";
  const std::string path = WriteTempFile(input);
  std::vector<std::string> first;
  for (const std::size_t chunk_bytes : {std::size_t{1}, std::size_t{5}, std::size_t{4096}}) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    Recorder recorder;
    ReadOptions options;
    options.chunk_bytes = chunk_bytes;
    options.streamed_array_keys = {"configurationItems", "Reservations"};
    EXPECT_TRUE(ReadFindingsFromFd(fd, "s.json", recorder, options).ok());
    ::close(fd);
    if (first.empty()) first = recorder.events;
    EXPECT_EQ(recorder.events, first) << "chunk_bytes=" << chunk_bytes;
  }
  EXPECT_THAT(
      first,
      ElementsAre("s.json:3 configurationItems[0] Id=c1", "s.json:4 configurationItems[1] Id=c2",
                  "ERROR s.json:4 configurationItems[2]: InvalidInput: expected a JSON "
                  "object in configurationItems",
                  "s.json:6 Reservations[0] Id=r1",
                  // A member that is not a scalar before the array: read whole.
                  "s.json:7 Id=<none>", "s.json:8 Id=plain", "s.json:9 Id=<none>",
                  // The keys replace "Findings": not streamed, read whole (and the
                  // document walker still finds its findings).
                  "s.json:10 Findings[0] Id=f"));
}

// Records the text each finding came with, the way the pipeline receives it.
class TextRecorder : public FindingVisitor {
 public:
  void OnFinding(simdjson::dom::element finding, const Location& where) override {
    std::string_view id;
    if (finding["Id"].get_string().get(id) != simdjson::SUCCESS) id = "<none>";
    events.push_back(std::string(id) + " text '" + std::string(where.text) + "'");
  }
  void OnError(const Location& where, const Status& error) override {
    events.push_back("ERROR " + where.ToString() + ": " + error.message());
  }
  std::vector<std::string> events;
};

TEST(VisitDocumentTest, AFindingHeldWholeByTheInputComesWithItsText) {
  const std::string sns =
      R"({"Type":"Notification","Message":)" + Quoted(R"({"Id":"message", "n": 1})") + "}";
  const std::string input =
      "{\"Id\":\"line\"}\n"
      "{ \"Id\" : \"pretty\",\n  \"a\": [1, 2] }\n" +
      sns + "\n" +
      R"([{"Id":"item-0"},{"Id":"item-1"}])"
      "\n" +
      R"({"detail-type":"Security Hub Findings - Imported","detail":{"findings":[{"Id":"event"}]}})"
      "\n" +
      R"({"Findings":[{"Id":"page-0"}, {"Id":"page-1"}]})"
      "\n" +
      R"({"Records":[{"EventSource":"aws:sns","Sns":{"Message":)" + Quoted(R"({"Id":"lambda"})") +
      "}}]}\n" +
      R"([[{"Id":"nested"}]])"
      "\n" +
      R"({"NextToken":"t","Findings":[{"Id":"read-whole"}]})";
  for (const std::size_t chunk_bytes : {std::size_t{1}, std::size_t{4096}}) {
    TextRecorder recorder;
    ReadOptions options;
    options.chunk_bytes = chunk_bytes;
    ReadFindingsFromBuffer(input, "in.json", recorder, options);
    // Array items, streamed, are pieces of their own; inside a document that is read whole
    // (the EventBridge event) a finding has no text of its own.
    EXPECT_THAT(recorder.events,
                ElementsAre(R"(line text '{"Id":"line"}')",
                            "pretty text '{ \"Id\" : \"pretty\",\n  \"a\": [1, 2] }'",
                            R"(message text '{"Id":"message", "n": 1}')",
                            R"(item-0 text '{"Id":"item-0"}')", R"(item-1 text '{"Id":"item-1"}')",
                            "event text ''", R"(page-0 text '{"Id":"page-0"}')",
                            R"(page-1 text '{"Id":"page-1"}')", R"(lambda text '{"Id":"lambda"}')",
                            "nested text ''", "read-whole text ''"))
        << "chunk_bytes=" << chunk_bytes;
  }
}
}  // namespace
}  // namespace corroborate::sources
