// The streaming readers: split a byte stream into JSON pieces (top-level documents, or the elements
// of a top-level array / get-findings "Findings" array), parse each piece and hand it to
// VisitDocument.
//
// Why a hand-written splitter and not simdjson's parse_many: parse_many needs the whole input (or a
// window that holds whole documents), cannot stream the elements of one huge array, and stops at
// the first malformed document. The splitter only tracks strings, escapes, nesting depth and lines,
// which is all it takes to find where a piece ends; simdjson then validates and parses that piece.

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sources/internal.h"
#include "sources/sources.h"

namespace corroborate::sources {
namespace {

using ByteTable = std::array<bool, 256>;

constexpr ByteTable MakeByteTable(std::string_view bytes) {
  ByteTable table{};
  for (const char c : bytes) table[static_cast<unsigned char>(c)] = true;
  return table;
}

// The bytes the splitter must look at in a value: in strings '"', '\\' and '\n', between them '"',
// '{', '}', '[', ']' and '\n' (ScanValue finds them 64 bytes at a time).
[[maybe_unused]] constexpr ByteTable kValueStops = MakeByteTable("\"\\\n{}[]");

// Where a bare scalar inside an array ends.
constexpr ByteTable kScalarEnds = MakeByteTable(" \t\r\n,]}[{\":");

constexpr bool IsJsonWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Returns the first position in [p, end) whose byte is in `stops`, or `end`. Unrolled because this
// loop is where the splitter spends nearly all of its time.
inline const char* SkipUntil(const ByteTable& stops, const char* p, const char* end) {
  auto stop = [&stops](char c) { return stops[static_cast<unsigned char>(c)]; };
  while (end - p >= 8) {
    if (stop(p[0])) return p;
    if (stop(p[1])) return p + 1;
    if (stop(p[2])) return p + 2;
    if (stop(p[3])) return p + 3;
    if (stop(p[4])) return p + 4;
    if (stop(p[5])) return p + 5;
    if (stop(p[6])) return p + 6;
    if (stop(p[7])) return p + 7;
    p += 8;
  }
  while (p < end && !stop(*p)) ++p;
  return p;
}

std::string_view KindName(char opener) {
  switch (opener) {
    case '{': return "object";
    case '[': return "array";
    case '"': return "string";
    default: return "value";
  }
}

// Where the bytes come from.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `capacity` bytes into `out`; 0 means end of input.
  virtual Result<std::size_t> Read(char* out, std::size_t capacity) = 0;
  // Whether Read would return without waiting (bytes, end of input or an error are ready),
  // waiting up to `timeout_ms` for that.
  virtual bool Ready(int /*timeout_ms*/) { return true; }
};

class FdSource final : public ByteSource {
 public:
  FdSource(int fd, std::string_view name) : fd_(fd), name_(name) {}
  Result<std::size_t> Read(char* out, std::size_t capacity) override {
    for (;;) {
      const ssize_t n = ::read(fd_, out, capacity);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      return Status::IOError("cannot read '" + std::string(name_) + "': " + std::strerror(errno));
    }
  }
  bool Ready(int timeout_ms) override {
    pollfd p{fd_, POLLIN, 0};
    int n = 0;
    do {
      n = ::poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    return n != 0;  // a regular file is always ready; a failed poll lets Read report the error
  }

 private:
  int fd_;
  std::string_view name_;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  Result<std::size_t> Read(char* out, std::size_t capacity) override {
    const std::size_t n = std::min(capacity, data_.size());
    std::memcpy(out, data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view data_;
};

// Splits the input into pieces and visits them. All scanning state lives in members so that a
// piece may straddle any number of reads (down to one byte per read).
class StreamReader {
 public:
  StreamReader(std::string_view name, FindingVisitor& visitor, const ReadOptions& options)
      : name_(name),
        visitor_(visitor),
        chunk_bytes_(std::clamp<std::size_t>(options.chunk_bytes, 1, kMaxChunkBytes)),
        on_progress_(options.on_progress),
        wrapper_key_("\"" + std::string(options.streamed_array_key) + "\""),
        wrapper_path_(std::string(options.streamed_array_key) + "["),
        streamed_keys_(options.streamed_array_keys) {}

  Status Run(ByteSource& source) {
    for (;;) {
      MakeRoomForRead();
      // Idle only after a pause: a pipe holds 64 KB, so a writer slower than this reader leaves
      // it empty between most reads, and storing at each would make batches of a few findings.
      // Then again every kIdleAfterMs while the pause lasts: what the visitor holds for a while
      // (incident updates, pipeline/correlation.h) is due during it.
      if (!source.Ready(0)) {
        while (!source.Ready(kIdleAfterMs)) visitor_.OnIdle();
      }
      Result<std::size_t> got = source.Read(buffer_.data() + end_, chunk_bytes_);
      if (!got.ok()) return got.status();
      if (*got == 0) break;
      end_ += *got;
      bytes_read_ += *got;
      Scan(/*at_eof=*/false);
      if (on_progress_) on_progress_(bytes_read_);
    }
    Scan(/*at_eof=*/true);
    ReportUnfinishedPieceAtEof();
    return Status::Ok();
  }

 private:
  enum class Mode {
    kTopLevel,            // between top-level values
    kJunk,                // a run of bytes at top level that is not an object or array
    kFindingsPrefix,      // after a top-level '{': is the first key "Findings" with an array value?
    kDocument,            // inside a top-level object/array that is delivered whole
    kArrayBeforeElement,  // streamed array: after '[' or ','
    kArrayAfterElement,   // streamed array: after an element, expecting ',' or ']'
    kElement,             // streamed array: inside an object/array/string element
    kScalarElement,       // streamed array: inside a number/literal element (or garbage)
    kWrapperTail,         // after the Findings array: the rest of the get-findings object
  };

  enum class ValueEnd { kNeedMore, kComplete, kCutAtNewline };

  // ---- buffer -----------------------------------------------------------------------------------
  //
  // buffer_[0, end_) holds input not yet discarded; scan_ is the next byte to look at. Bytes before
  // KeepFrom() are no longer needed. The buffer always has SIMDJSON_PADDING bytes beyond end_, so a
  // piece can be parsed in place without copying.

  [[nodiscard]] std::size_t KeepFrom() const {
    switch (mode_) {
      case Mode::kFindingsPrefix:
      case Mode::kDocument:
      case Mode::kElement:
      case Mode::kScalarElement:
      case Mode::kWrapperTail: return piece_start_;
      default: return scan_;
    }
  }

  void MakeRoomForRead() {
    const std::size_t keep = KeepFrom();
    if (keep > 0) {
      std::memmove(buffer_.data(), buffer_.data() + keep, end_ - keep);
      end_ -= keep;
      scan_ -= keep;
      piece_start_ -= std::min(piece_start_, keep);  // stale unless a piece is open
    }
    const std::size_t needed = end_ + chunk_bytes_ + simdjson::SIMDJSON_PADDING;
    if (buffer_.size() < needed) buffer_.resize(std::max(needed, buffer_.size() * 2));
  }

  // ---- splitting --------------------------------------------------------------------------------

  void Scan(bool at_eof) {
    if (!bom_checked_) {
      if (end_ < 3 && !at_eof) return;  // the BOM may still be arriving byte by byte
      bom_checked_ = true;
      if (end_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) scan_ = 3;
    }
    for (;;) {
      bool progressed = false;
      switch (mode_) {
        case Mode::kTopLevel: progressed = ScanTopLevel(); break;
        case Mode::kJunk: progressed = ScanJunk(); break;
        case Mode::kFindingsPrefix: progressed = ScanFindingsPrefix(); break;
        case Mode::kDocument: progressed = ScanDocument(); break;
        case Mode::kArrayBeforeElement: progressed = ScanArrayBeforeElement(); break;
        case Mode::kArrayAfterElement: progressed = ScanArrayAfterElement(); break;
        case Mode::kElement: progressed = ScanElement(); break;
        case Mode::kScalarElement: progressed = ScanScalarElement(at_eof); break;
        case Mode::kWrapperTail: progressed = ScanWrapperTail(); break;
      }
      if (!progressed) return;
    }
  }

  // Each Scan* handler consumes what it can and returns true when it switched mode (so the loop
  // should run again), false when it needs more input.

  bool ScanTopLevel() {
    const char* const base = buffer_.data();
    const char* p = base + scan_;
    const char* const end = base + end_;
    for (; p < end; ++p) {
      const char c = *p;
      if (IsJsonWhitespace(c)) {
        if (c == '\n') ++line_;
        continue;
      }
      scan_ = static_cast<std::size_t>(p - base);
      if (c == '{') {
        StartPiece('{');
        prefix_matched_ = 0;
        prefix_state_ = PrefixState::kBeforeKey;
        streamed_state_ = StreamedState::kBeforeKey;
        streamed_escaped_ = false;
        mode_ = Mode::kFindingsPrefix;
        ++scan_;
      } else if (c == '[') {
        StartArray(/*is_findings_wrapper=*/false, line_);
        ++scan_;
      } else {
        junk_line_ = line_;
        junk_snippet_.clear();
        junk_snippet_truncated_ = false;
        junk_in_string_ = false;
        junk_escaped_ = false;
        mode_ = Mode::kJunk;
      }
      return true;
    }
    scan_ = end_;
    return false;
  }

  // Junk (a scalar, a stray '}', a log line ...) ends at the end of its line or where an object or
  // array begins, so one bad line costs one error and the next document is still found.
  bool ScanJunk() {
    const char* const base = buffer_.data();
    const char* p = base + scan_;
    const char* const end = base + end_;
    for (; p < end; ++p) {
      const char c = *p;
      if (c == '\n' || (!junk_in_string_ && (c == '{' || c == '['))) {
        scan_ = static_cast<std::size_t>(p - base);
        ReportJunk();
        mode_ = Mode::kTopLevel;
        return true;
      }
      if (junk_in_string_) {
        if (junk_escaped_) {
          junk_escaped_ = false;
        } else if (c == '\\') {
          junk_escaped_ = true;
        } else if (c == '"') {
          junk_in_string_ = false;
        }
      } else if (c == '"') {
        junk_in_string_ = true;
      }
      if (junk_snippet_.size() < kJunkSnippetBytes) {
        junk_snippet_ += c;
      } else {
        junk_snippet_truncated_ = true;
      }
    }
    scan_ = end_;
    return false;
  }

  void ReportJunk() {
    while (!junk_snippet_.empty() && IsJsonWhitespace(junk_snippet_.back())) {
      junk_snippet_.pop_back();
    }
    for (char& c : junk_snippet_) {
      if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') c = '?';
    }
    Error(junk_line_, {},
          "expected a JSON object or array, found '" + junk_snippet_ +
              (junk_snippet_truncated_ ? "...'" : "'"));
  }

  // Matches `{ "Findings" : [` allowing whitespace; on any mismatch the object is rescanned from
  // its
  // '{' as an ordinary document (the prefix is a few bytes, so the rescan costs nothing).
  bool ScanFindingsPrefix() {
    if (!streamed_keys_.empty()) return ScanStreamedPrefix();
    const std::string_view kKey = wrapper_key_;
    const char* const base = buffer_.data();
    const char* p = base + scan_;
    const char* const end = base + end_;
    for (; p < end; ++p) {
      const char c = *p;
      if (prefix_state_ == PrefixState::kInKey) {
        if (c != kKey[prefix_matched_]) return FallBackToDocument();
        if (++prefix_matched_ == kKey.size()) prefix_state_ = PrefixState::kBeforeColon;
        continue;
      }
      if (IsJsonWhitespace(c)) {
        if (c == '\n') ++line_;
        continue;
      }
      switch (prefix_state_) {
        case PrefixState::kBeforeKey:
          if (c != '"') return FallBackToDocument();
          prefix_state_ = PrefixState::kInKey;
          prefix_matched_ = 1;
          break;
        case PrefixState::kBeforeColon:
          if (c != ':') return FallBackToDocument();
          prefix_state_ = PrefixState::kBeforeArray;
          break;
        case PrefixState::kBeforeArray:
          if (c != '[') return FallBackToDocument();
          scan_ = static_cast<std::size_t>(p - base) + 1;
          StartArray(/*is_findings_wrapper=*/true, piece_line_);
          return true;
        case PrefixState::kInKey: break;  // handled above
      }
    }
    scan_ = end_;
    return false;
  }

  // Added for inventory (issue 9), with ReadOptions::streamed_array_keys: `{`, members whose
  // values are strings, numbers, true, false or null (`"fileVersion": "1.0"`), then one of the
  // keys with an array value, whose elements are streamed. Anything else is rescanned from the
  // '{' as an ordinary document, as above. The skipped members are not visited.
  bool ScanStreamedPrefix() {
    const char* const base = buffer_.data();
    const char* p = base + scan_;
    const char* const end = base + end_;
    for (; p < end; ++p) {
      const char c = *p;
      switch (streamed_state_) {
        case StreamedState::kInKey:
          if (c == '\\' || streamed_key_.size() > kMaxStreamedKey) return FallBackToDocument();
          if (c == '"') {
            streamed_state_ = StreamedState::kBeforeColon;
          } else {
            streamed_key_ += c;
          }
          continue;
        case StreamedState::kInString:
          if (streamed_escaped_) {
            streamed_escaped_ = false;
          } else if (c == '\\') {
            streamed_escaped_ = true;
          } else if (c == '"') {
            streamed_state_ = StreamedState::kAfterValue;
          } else if (c == '\n') {
            return FallBackToDocument();  // not JSON; the document parse says so
          }
          continue;
        case StreamedState::kInScalar:
          if (c != ',' && c != '}' && !IsJsonWhitespace(c)) continue;
          streamed_state_ = StreamedState::kAfterValue;
          break;  // the character ends the scalar: look at it again below
        default: break;
      }
      if (IsJsonWhitespace(c)) {
        if (c == '\n') ++line_;
        continue;
      }
      switch (streamed_state_) {
        case StreamedState::kBeforeKey:
          if (c != '"') return FallBackToDocument();
          streamed_key_.clear();
          streamed_state_ = StreamedState::kInKey;
          break;
        case StreamedState::kBeforeColon:
          if (c != ':') return FallBackToDocument();
          streamed_state_ = StreamedState::kBeforeValue;
          break;
        case StreamedState::kBeforeValue:
          if (c == '[' && std::find(streamed_keys_.begin(), streamed_keys_.end(), streamed_key_) !=
                              streamed_keys_.end()) {
            wrapper_key_ = "\"" + streamed_key_ + "\"";
            wrapper_path_ = streamed_key_ + "[";
            scan_ = static_cast<std::size_t>(p - base) + 1;
            StartArray(/*is_findings_wrapper=*/true, piece_line_);
            return true;
          }
          if (c == '"') {
            streamed_state_ = StreamedState::kInString;
          } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
            streamed_state_ = StreamedState::kInScalar;
          } else {
            return FallBackToDocument();  // an object or array member: read the whole document
          }
          break;
        case StreamedState::kAfterValue:
          if (c != ',') return FallBackToDocument();  // '}': a small object of scalars
          streamed_state_ = StreamedState::kBeforeKey;
          break;
        default: break;
      }
    }
    scan_ = end_;
    return false;
  }

  bool FallBackToDocument() {
    scan_ = piece_start_ + 1;
    line_ = piece_line_;
    BeginValueScan(/*depth=*/1, /*in_string=*/false, /*resync_on_newline=*/true);
    mode_ = Mode::kDocument;
    return true;
  }

  bool ScanDocument() {
    switch (ScanValue()) {
      case ValueEnd::kNeedMore: return false;
      case ValueEnd::kComplete: ParseAndVisit(piece_line_, {}, /*is_finding=*/false); break;
      case ValueEnd::kCutAtNewline: ReportCut(piece_line_, {}, "document"); break;
    }
    mode_ = Mode::kTopLevel;
    return true;
  }

  void StartArray(bool is_findings_wrapper, std::uint64_t line) {
    in_findings_wrapper_ = is_findings_wrapper;
    array_line_ = line;
    array_index_ = 0;
    after_comma_ = false;
    mode_ = Mode::kArrayBeforeElement;
  }

  bool ScanArrayBeforeElement() {
    const char* const base = buffer_.data();
    const char* p = base + scan_;
    const char* const end = base + end_;
    for (; p < end; ++p) {
      const char c = *p;
      if (IsJsonWhitespace(c)) {
        if (c == '\n') ++line_;
        continue;
      }
      scan_ = static_cast<std::size_t>(p - base);
      switch (c) {
        case ']':
          if (after_comma_) Error(line_, {}, "malformed JSON: ',' before ']' ends the array");
          ++scan_;
          EndArray();
          return true;
        case ',':
          Error(line_, {}, "malformed JSON: missing array element before ','");
          after_comma_ = true;
          continue;
        case '}':
        case ':':
          Error(line_, {}, std::string("malformed JSON: unexpected '") + c + "' in an array");
          continue;
        default: break;
      }
      StartPiece(c);
      after_comma_ = false;
      if (c == '{' || c == '[') {
        ++scan_;
        BeginValueScan(/*depth=*/1, /*in_string=*/false, /*resync_on_newline=*/true);
        mode_ = Mode::kElement;
      } else if (c == '"') {
        ++scan_;
        BeginValueScan(/*depth=*/0, /*in_string=*/true, /*resync_on_newline=*/false);
        mode_ = Mode::kElement;
      } else {
        mode_ = Mode::kScalarElement;
      }
      return true;
    }
    scan_ = end_;
    return false;
  }

  bool ScanArrayAfterElement() {
    const char* const base = buffer_.data();
    const char* p = base + scan_;
    const char* const end = base + end_;
    for (; p < end; ++p) {
      const char c = *p;
      if (IsJsonWhitespace(c)) {
        if (c == '\n') ++line_;
        continue;
      }
      scan_ = static_cast<std::size_t>(p - base);
      if (c == ',') {
        ++scan_;
        after_comma_ = true;
        mode_ = Mode::kArrayBeforeElement;
      } else if (c == ']') {
        ++scan_;
        EndArray();
      } else if (c == '}' || c == ':') {
        Error(line_, {},
              std::string("malformed JSON: expected ',' or ']' after an array element, found '") +
                  c + "'");
        continue;
      } else {
        // Another element without the comma: say so, then read it like any element.
        Error(line_, {}, "malformed JSON: missing ',' between array elements");
        mode_ = Mode::kArrayBeforeElement;
      }
      return true;
    }
    scan_ = end_;
    return false;
  }

  void EndArray() {
    if (!in_findings_wrapper_) {
      mode_ = Mode::kTopLevel;
      return;
    }
    // The rest of the get-findings object ("NextToken" ...) up to its closing '}'.
    piece_start_ = scan_;
    piece_opener_ = '{';
    BeginValueScan(/*depth=*/1, /*in_string=*/false, /*resync_on_newline=*/false);
    mode_ = Mode::kWrapperTail;
  }

  bool ScanElement() {
    switch (ScanValue()) {
      case ValueEnd::kNeedMore: return false;
      case ValueEnd::kComplete:
        ParseAndVisit(piece_line_, ElementPath(), /*is_finding=*/in_findings_wrapper_);
        mode_ = Mode::kArrayAfterElement;
        break;
      case ValueEnd::kCutAtNewline:
        ReportCut(piece_line_, ElementPath(), "element");
        mode_ = Mode::kArrayBeforeElement;  // the next line starts the next element
        break;
    }
    ++array_index_;
    return true;
  }

  bool ScanScalarElement(bool at_eof) {
    const char* const base = buffer_.data();
    const char* const end = base + end_;
    const char* p = SkipUntil(kScalarEnds, base + scan_, end);
    scan_ = static_cast<std::size_t>(p - base);
    if (p == end && !at_eof) return false;
    ParseAndVisit(piece_line_, ElementPath(), /*is_finding=*/in_findings_wrapper_);
    ++array_index_;
    mode_ = Mode::kArrayAfterElement;
    return true;
  }

  bool ScanWrapperTail() {
    switch (ScanValue()) {
      case ValueEnd::kNeedMore: return false;
      case ValueEnd::kComplete:
      case ValueEnd::kCutAtNewline: CheckWrapperTail(); break;
    }
    mode_ = Mode::kTopLevel;
    return true;
  }

  // The tail is normally `, "NextToken": "..." }`; it is ignored but must be well-formed JSON.
  void CheckWrapperTail() {
    const std::string_view tail(buffer_.data() + piece_start_, scan_ - piece_start_);
    if (tail.find_first_not_of(" \t\r\n}") == std::string_view::npos) return;
    const simdjson::padded_string object("{" + wrapper_key_ + ":[]" + std::string(tail));
    simdjson::dom::element ignored;
    const simdjson::error_code parse_error = parser_.parse(object).get(ignored);
    if (parse_error != simdjson::SUCCESS) {
      Error(array_line_, {},
            "malformed JSON after the Findings array: " +
                std::string(simdjson::error_message(parse_error)));
    }
  }

  // ---- value scanning ---------------------------------------------------------------------------

  void StartPiece(char opener) {
    piece_start_ = scan_;
    piece_line_ = line_;
    piece_opener_ = opener;
  }

  void BeginValueScan(std::int64_t depth, bool in_string, bool resync_on_newline) {
    depth_ = depth;
    in_string_ = in_string;
    escaped_ = false;
    resync_on_newline_ = resync_on_newline;
    first_line_checked_ = false;
    compact_ = false;
    newline_pending_ = false;
  }

  // Scans an object/array (depth_ > 0) or string (in_string_) piece until it is closed.
  //
  // Recovery for NDJSON: a piece written compactly (something follows its opener on its first line)
  // that is still open at the end of a line, where the next line starts with '{' or '[', is taken
  // to be a broken NDJSON line; it is cut there so that the next line is read as the next document
  // instead of being swallowed. Pretty-printers put the opener alone on its line, so their output
  // is never cut.
  // Walks the value from scan_ a 64-byte block at a time: one mask of the bytes that can change
  // the state ('"', '\\', '\n' and the brackets), whose set bits are then visited in order.
  // A fresh search from each stop byte to the next costs a load and half a dozen compares per
  // token, and findings are mostly short strings. In a string only quotes, backslashes and
  // newlines count, and the byte after a backslash never does.
  ValueEnd ScanValue() {
    const char* const base = buffer_.data();
    const char* p = base + scan_;
    const char* const end = base + end_;
    while (p < end) {
      if (newline_pending_) {
        newline_pending_ = false;
        if (*p == '{' || *p == '[') {
          scan_ = static_cast<std::size_t>(p - base);
          return ValueEnd::kCutAtNewline;
        }
      }
      if (escaped_) {
        escaped_ = false;
        if (*p == '\n') OnNewlineInValue(p);
        ++p;
        continue;
      }
      const char* const block = p;
      const auto span = static_cast<std::size_t>(std::min<std::ptrdiff_t>(end - block, 64));
      std::uint64_t stops = StopMask(block, span);
      p = block + span;  // unless a stop byte below needs the per-byte state above
      while (stops != 0) {
        const char* const q = block + __builtin_ctzll(stops);
        stops &= stops - 1;
        const char c = *q;
        if (c == '\n') {
          OnNewlineInValue(q);
          if (newline_pending_) {  // the byte after the newline decides
            p = q + 1;
            break;
          }
        } else if (in_string_) {
          if (c == '"') {
            in_string_ = false;
            if (depth_ == 0) {
              scan_ = static_cast<std::size_t>(q + 1 - base);
              return ValueEnd::kComplete;
            }
          } else if (c == '\\') {
            escaped_ = true;
            p = q + 1;
            break;
          }
        } else if (c == '"') {
          in_string_ = true;
        } else if (c == '{' || c == '[') {
          ++depth_;
        } else if (c == '}' || c == ']') {
          if (--depth_ == 0) {
            scan_ = static_cast<std::size_t>(q + 1 - base);
            return ValueEnd::kComplete;
          }
        }
      }
    }
    scan_ = end_;
    return ValueEnd::kNeedMore;
  }

  // Bit i set when block[i] (i < span <= 64) is one of '"', '\\', '\n', '{', '}', '[', ']'. Reads
  // 64 bytes whatever `span`: the buffer keeps SIMDJSON_PADDING (64) bytes beyond end_.
  static std::uint64_t StopMask(const char* block, std::size_t span) {
    std::uint64_t mask = 0;
#if defined(__SSE2__)
    static_assert(simdjson::SIMDJSON_PADDING >= 64);
    for (std::size_t i = 0; i < 4; ++i) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i));
      // '[' and ']' are '{' and '}' less 0x20, and no other byte maps onto those two under | 0x20.
      const __m128i folded = _mm_or_si128(bytes, _mm_set1_epi8(0x20));
      const __m128i hits =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')),
                                    _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'))),
                       _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('\n')),
                                    _mm_or_si128(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{')),
                                                 _mm_cmpeq_epi8(folded, _mm_set1_epi8('}')))));
      mask |= static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(hits)))
              << (16 * i);
    }
#else
    for (std::size_t i = 0; i < span; ++i) {
      if (kValueStops[static_cast<unsigned char>(block[i])]) mask |= std::uint64_t{1} << i;
    }
#endif
    return span == 64 ? mask : mask & ((std::uint64_t{1} << span) - 1);
  }

  void OnNewlineInValue(const char* newline) {
    ++line_;
    if (!resync_on_newline_) return;
    if (!first_line_checked_) {
      first_line_checked_ = true;
      const char* const opener = buffer_.data() + piece_start_;
      compact_ = std::any_of(opener + 1, newline, [](char c) { return !IsJsonWhitespace(c); });
    }
    newline_pending_ = compact_;
  }

  void ReportCut(std::uint64_t line, std::string_view path, std::string_view next_piece) {
    Error(line, path,
          "malformed JSON: unterminated " + std::string(KindName(piece_opener_)) +
              " starting at line " + std::to_string(piece_line_) + " (line " +
              std::to_string(line_) + " starts a new " + std::string(next_piece) + ")");
  }

  // ---- end of input -----------------------------------------------------------------------------

  void ReportUnfinishedPieceAtEof() {
    switch (mode_) {
      case Mode::kTopLevel: return;
      case Mode::kJunk: ReportJunk(); return;
      case Mode::kFindingsPrefix:
      case Mode::kDocument: return ReportTruncated(piece_line_, {}, piece_opener_, piece_line_);
      case Mode::kElement:
      case Mode::kScalarElement:
        return ReportTruncated(piece_line_, ElementPath(), piece_opener_, piece_line_);
      case Mode::kArrayBeforeElement:
      case Mode::kArrayAfterElement:
      case Mode::kWrapperTail:
        return ReportTruncated(array_line_, {}, in_findings_wrapper_ ? '{' : '[', array_line_);
    }
  }

  void ReportTruncated(std::uint64_t line, std::string_view path, char opener,
                       std::uint64_t start_line) {
    Error(line, path,
          "truncated: unterminated " + std::string(KindName(opener)) + " starting at line " +
              std::to_string(start_line));
  }

  // ---- visiting ---------------------------------------------------------------------------------

  [[nodiscard]] std::string ElementPath() const {
    std::string path = in_findings_wrapper_ ? wrapper_path_ : "[";
    path += std::to_string(array_index_);
    path += ']';
    return path;
  }

  // Parses buffer_[piece_start_, scan_) in place (the buffer keeps SIMDJSON_PADDING spare bytes).
  // `is_finding`: the piece is an element of a get-findings "Findings" array, so a finding whatever
  // it looks like; any other piece may be an envelope.
  void ParseAndVisit(std::uint64_t line, std::string_view path, bool is_finding) {
    simdjson::dom::element root;
    const simdjson::error_code parse_error =
        parser_
            .parse(buffer_.data() + piece_start_, scan_ - piece_start_,
                   /*realloc_if_needed=*/false)
            .get(root);
    if (parse_error != simdjson::SUCCESS) {
      return Error(line, path,
                   "malformed JSON: " + std::string(simdjson::error_message(parse_error)));
    }
    const Location where{name_,
                         line,
                         path,
                         {},
                         std::string_view(buffer_.data() + piece_start_, scan_ - piece_start_)};
    if (is_finding && !streamed_keys_.empty() &&
        root.type() != simdjson::dom::element_type::OBJECT) {
      return Error(
          line, path,
          "expected a JSON object in " + wrapper_path_.substr(0, wrapper_path_.size() - 1));
    }
    if (is_finding) {
      internal::VisitFinding(root, where, visitor_);
    } else {
      VisitDocument(root, where, visitor_);
    }
  }

  void Error(std::uint64_t line, std::string_view path, std::string message) {
    visitor_.OnError(Location{name_, line, path}, Status::InvalidInput(std::move(message)));
  }

  static constexpr std::size_t kJunkSnippetBytes = 40;
  static constexpr std::size_t kMaxChunkBytes = std::size_t{1} << 30;
  // How long the input must have nothing ready before the visitor hears it is idle.
  static constexpr int kIdleAfterMs = 100;

  enum class PrefixState { kBeforeKey, kInKey, kBeforeColon, kBeforeArray };

  const std::string_view name_;
  FindingVisitor& visitor_;
  const std::size_t chunk_bytes_;
  const std::function<void(std::uint64_t)>& on_progress_;
  std::string wrapper_key_;       // the streamed member's name, quoted
  std::string wrapper_path_;      // "Findings["
  simdjson::dom::parser parser_;  // reused: its buffers grow to the largest piece and stay

  std::vector<char> buffer_;
  std::size_t scan_ = 0;
  std::size_t end_ = 0;
  std::uint64_t bytes_read_ = 0;
  bool bom_checked_ = false;

  Mode mode_ = Mode::kTopLevel;
  std::uint64_t line_ = 1;

  // The piece being scanned (document, array element or wrapper tail).
  std::size_t piece_start_ = 0;
  std::uint64_t piece_line_ = 0;
  char piece_opener_ = 0;

  // Value scanning.
  std::int64_t depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  bool resync_on_newline_ = false;
  bool first_line_checked_ = false;
  bool compact_ = false;
  bool newline_pending_ = false;

  // The streamed array.
  bool in_findings_wrapper_ = false;
  std::uint64_t array_line_ = 0;
  std::size_t array_index_ = 0;
  bool after_comma_ = false;

  // Findings prefix matching.
  PrefixState prefix_state_ = PrefixState::kBeforeKey;

  // Streamed-keys prefix matching (ScanStreamedPrefix).
  enum class StreamedState {
    kBeforeKey,
    kInKey,
    kBeforeColon,
    kBeforeValue,
    kInString,
    kInScalar,
    kAfterValue
  };
  static constexpr std::size_t kMaxStreamedKey = 256;
  const std::vector<std::string> streamed_keys_;
  StreamedState streamed_state_ = StreamedState::kBeforeKey;
  std::string streamed_key_;
  bool streamed_escaped_ = false;
  std::size_t prefix_matched_ = 0;

  // Junk.
  std::uint64_t junk_line_ = 0;
  std::string junk_snippet_;
  bool junk_snippet_truncated_ = false;
  bool junk_in_string_ = false;
  bool junk_escaped_ = false;
};

}  // namespace

Status ReadFindingsFromFd(int fd, std::string_view name, FindingVisitor& visitor,
                          const ReadOptions& options) {
  FdSource source(fd, name);
  return StreamReader(name, visitor, options).Run(source);
}

Status ReadFindingsFromFile(const std::string& path, FindingVisitor& visitor,
                            const ReadOptions& options) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int open_errno = errno;
    std::string message = "cannot open '" + path + "': " + std::strerror(open_errno);
    return open_errno == ENOENT ? Status::NotFound(std::move(message))
                                : Status::IOError(std::move(message));
  }
  // Tells the kernel to read ahead aggressively; a hint, so its result does not matter.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  Status status = ReadFindingsFromFd(fd, path, visitor, options);
  ::close(fd);
  return status;
}

void ReadFindingsFromBuffer(std::string_view data, std::string_view name, FindingVisitor& visitor,
                            const ReadOptions& given) {
  MemorySource source(data);
  ReadOptions options = given;
  options.chunk_bytes =
      std::min<std::size_t>(options.chunk_bytes, std::max<std::size_t>(data.size(), 1));
  // Reading from memory cannot fail.
  (void)StreamReader(name, visitor, options).Run(source);
}

}  // namespace corroborate::sources
