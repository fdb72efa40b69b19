// Structured logs: one JSON object per line on stderr (or a file).
//
// Contract: every line has "time" (ISO 8601, UTC, milliseconds), "level" and "msg"; request lines
// carry the request id the client also gets as x-amzn-RequestId. Lines are written whole (one
// write under a mutex), so concurrent threads never interleave. Callers never pass credentials,
// Authorization headers, signatures or tokens; query strings are not logged (the event endpoints
// may carry a token there).
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "asff/json_writer.h"

namespace corroborate::server {

enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarn, kError };
bool ParseLogLevel(std::string_view text, LogLevel* out);

class Logger;

// One line being built: Field() calls, then the destructor writes it.
class LogLine {
 public:
  LogLine(Logger* logger, LogLevel level, std::string_view msg);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Field(std::string_view key, std::string_view value);
  LogLine& Field(std::string_view key, const char* value) {
    return Field(key, std::string_view(value));
  }
  LogLine& Field(std::string_view key, const std::string& value) {
    return Field(key, std::string_view(value));
  }
  LogLine& Field(std::string_view key, std::int64_t value);
  LogLine& Field(std::string_view key, int value) {
    return Field(key, static_cast<std::int64_t>(value));
  }
  LogLine& Field(std::string_view key, std::uint64_t value) {
    return Field(key, static_cast<std::int64_t>(value));
  }
  LogLine& Field(std::string_view key, double value);
  LogLine& Field(std::string_view key, bool value);

 private:
  Logger* logger_;  // null: the level is filtered out
  std::string line_;
  asff::JsonWriter writer_;
};

class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::kInfo, std::FILE* out = stderr)
      : level_(level), out_(out) {}
  [[nodiscard]] bool Enabled(LogLevel level) const { return level >= level_; }
  LogLine Line(LogLevel level, std::string_view msg) {
    return LogLine(Enabled(level) ? this : nullptr, level, msg);
  }
  LogLine Info(std::string_view msg) { return Line(LogLevel::kInfo, msg); }
  LogLine Warn(std::string_view msg) { return Line(LogLevel::kWarn, msg); }
  LogLine Error(std::string_view msg) { return Line(LogLevel::kError, msg); }
  LogLine Debug(std::string_view msg) { return Line(LogLevel::kDebug, msg); }

  void Write(const std::string& line);

 private:
  LogLevel level_;
  std::FILE* out_;
  std::mutex mu_;
};

}  // namespace corroborate::server
