#include "server/log.h"

#include <chrono>

#include "asff/timestamp.h"

namespace corroborate::server {
namespace {

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == LevelName(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

LogLine::LogLine(Logger* logger, LogLevel level, std::string_view msg)
    : logger_(logger), writer_(line_) {
  if (logger_ == nullptr) return;
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  writer_.BeginObject()
      .Key("time")
      .String(asff::FormatTimestamp(now))
      .Key("level")
      .String(LevelName(level))
      .Key("msg")
      .String(msg);
}

LogLine::~LogLine() {
  if (logger_ == nullptr) return;
  writer_.EndObject();
  line_ += '\n';
  logger_->Write(line_);
}

LogLine& LogLine::Field(std::string_view key, std::string_view value) {
  if (logger_ != nullptr) writer_.Key(key).String(value);
  return *this;
}

LogLine& LogLine::Field(std::string_view key, std::int64_t value) {
  if (logger_ != nullptr) writer_.Key(key).Int(value);
  return *this;
}

LogLine& LogLine::Field(std::string_view key, double value) {
  if (logger_ != nullptr) writer_.Key(key).Double(value);
  return *this;
}

LogLine& LogLine::Field(std::string_view key, bool value) {
  if (logger_ != nullptr) writer_.Key(key).Bool(value);
  return *this;
}

void Logger::Write(const std::string& line) {
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace corroborate::server
