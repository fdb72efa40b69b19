// Reading findings from files and streams, whatever shape they come in.
//
// Contract:
// - ReadFindingsFromFile / ReadFindingsFromFd stream their input in bounded chunks (memory is
//   bounded by the largest single JSON document or array element, never by the input's size) and
//   recognise, per top-level document, without being told:
//     * NDJSON or concatenated JSON values, one finding each;
//     * a JSON array of findings (streamed element by element, however large the array);
//     * `{"Findings": [...]}` as `aws securityhub get-findings` prints it (streamed likewise; the
//       member is ReadOptions::streamed_array_key);
//     * EventBridge events (`detail-type` + `detail.findings[]`), single or in a JSON array/NDJSON;
//     * SNS/Lambda envelopes (`Records[].Sns.Message`, whose Message is itself JSON text of any of
//       these shapes) and bare SNS HTTP notifications (`Type: Notification`, `Message`).
// - Every ASFF finding found is passed to FindingVisitor::OnFinding with the place it came from.
//   Everything that cannot be read is passed to OnError with a Status whose message says what is
//   wrong: malformed JSON, a truncated input (unterminated document), an event type that carries no
//   findings. Reading continues after an error wherever the input allows it (the next line of an
//   NDJSON file, the next element of an array), so one bad document never hides the good ones.
//   To find "the next line" of a broken NDJSON file, a document whose first line is compact
//   (something follows its opening bracket) and that is still open at a line break after which the
//   next line starts with '{' or '[' is reported as unterminated and the next line is read as a new
//   document (likewise for array elements). Pretty-printed documents, whose opening bracket stands
//   alone on its line, are never cut this way.
// - Errors: malformed JSON (with simdjson's description), "truncated: unterminated <object|array|
//   string> starting at line N" at end of input, a top-level value that is not an object or array
//   (one error per line of such text), an EventBridge detail-type that carries no findings, a
//   Lambda record that is not SNS, an SNS Message that is not JSON, an SNS SubscriptionConfirmation
//   (which needs confirming, not ingesting). A UTF-8 BOM at the start is skipped; whitespace-only
//   input yields nothing.
// - The returned Status is non-OK only when the input could not be read at all (cannot open the
//   file, read error). Per-document problems go to OnError only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "common/status.h"

namespace corroborate::sources {

// Where a document came from: "examples/guardduty.json:12" plus, inside envelopes, the path to
// the finding ("[3]", "detail.findings[0]", "Records[1].Sns.Message.Findings[2]").
// ToString() gives "source:line path", leaving out ":line" when line is 0 (not from a file).
struct Location {
  std::string_view source;  // file path or "-" for stdin
  std::uint64_t line = 0;   // 1-based line where the top-level document (or array element) starts
  std::string_view path;    // empty for a bare finding
  // The TopicArn of the SNS notification the document came in, if it came through SNS: its
  // partition, region and account are the message's when the message does not say (IoT Device
  // Defender messages name no region).
  std::string_view topic_arn = {};
  // Passed to OnFinding only: the JSON text the finding was parsed from, when the finding is a
  // whole document of the input, a streamed array element or a whole SNS Message; empty when it
  // sits inside a larger document (an array, an EventBridge event). Lets the pipeline copy members
  // instead of re-serializing them.
  std::string_view text = {};
  [[nodiscard]] std::string ToString() const;
};

class FindingVisitor {
 public:
  virtual ~FindingVisitor() = default;
  // `finding` is valid only during the call.
  virtual void OnFinding(simdjson::dom::element finding, const Location& where) = 0;
  virtual void OnError(const Location& where, const Status& error) = 0;
  // An EventBridge event whose detail-type carries no ASFF findings (anything but "Security Hub
  // Findings - Imported" / "- Custom Action"), valid only during the call. The default reports it
  // through OnError ("EventBridge event of type '...' carries no ASFF findings"); visitors that
  // understand such events (CloudTrail's PutVerificationStateOnViolation) override it.
  virtual void OnEvent(simdjson::dom::element event, std::string_view detail_type,
                       const Location& where);
  // The input has had no bytes ready for 100 ms (a pipe or terminal whose writer paused): the
  // moment to store what is batched, so that findings from a live stream are not held until the
  // stream ends or a batch fills. Called again every 100 ms while the pause lasts; between reads,
  // never inside a piece's visit. The default does nothing.
  virtual void OnIdle() {}
};

struct ReadOptions {
  std::size_t chunk_bytes = 4 << 20;  // read size; documents may be larger than this
  // Called now and then with bytes consumed so far (for progress display); may be empty.
  std::function<void(std::uint64_t bytes_done)> on_progress;
  // The member of a top-level object whose array is streamed element by element when it is the
  // object's first member; each element is passed to OnFinding as it is (Location path
  // "<key>[i]"). "Findings" for get-findings output; "findings" for IoT Device Defender's
  // ListAuditFindings output, whose items are audit findings.
  std::string_view streamed_array_key = "Findings";
  // Added for inventory (issue 9). When not empty, replaces streamed_array_key: a top-level
  // object's array member with one of these names is streamed element by element (Location path
  // "<key>[i]") when only members with scalar values (strings, numbers, true, false, null) come
  // before it, as in an AWS Config snapshot file (`{"fileVersion": "1.0", "configSnapshotId":
  // "...", "configurationItems": [...]}`); those members are not visited. An element that is
  // not a JSON object is reported. Any other top-level object is read whole, as without it.
  std::vector<std::string> streamed_array_keys;
};

Status ReadFindingsFromFile(const std::string& path, FindingVisitor& visitor,
                            const ReadOptions& options = {});
// Reads until EOF; `name` is used in Locations ("-" for stdin). Does not close fd.
Status ReadFindingsFromFd(int fd, std::string_view name, FindingVisitor& visitor,
                          const ReadOptions& options = {});
// For in-memory input (HTTP bodies, tests).
void ReadFindingsFromBuffer(std::string_view data, std::string_view name, FindingVisitor& visitor,
                            const ReadOptions& options = {});

// Visits the findings inside one already parsed document (finding, array, wrapper or envelope).
// Used by the readers above and by the HTTP event endpoints.
void VisitDocument(simdjson::dom::element document, const Location& where, FindingVisitor& visitor);

}  // namespace corroborate::sources
