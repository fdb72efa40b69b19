// Status and Result<T>: the error currency of Corroborate's hot paths.
//
// Contract: a Status is either OK or carries a Code and a human-readable message that names the
// offending place (file:line, finding Id and field, filter field ...). Nothing in the engine throws
// across a module boundary; functions that can fail on outside input return Status or Result<T>.
// Result<T> holds exactly one of a value or a non-OK Status.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace corroborate {

class Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kInvalidInput,   // the caller's data is wrong (AWS: InvalidInputException / InvalidInput)
    kNotFound,       // the thing named does not exist
    kIOError,        // the operating system or the store could not do what was asked
    kCorruption,     // stored data is not what we wrote
    kLimitExceeded,  // a documented limit was hit
    kInternal,       // a bug: an invariant did not hold
  };

  Status() = default;
  static Status Ok() { return {}; }
  static Status InvalidInput(std::string msg) { return {Code::kInvalidInput, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status IOError(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status LimitExceeded(std::string msg) { return {Code::kLimitExceeded, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  [[nodiscard]] bool ok() const { return code_ == Code::kOk; }
  [[nodiscard]] Code code() const { return code_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  [[nodiscard]] std::string ToString() const;

  // Prefixes the message with context ("file.json:12: "), keeping the code.
  [[nodiscard]] Status WithContext(std::string_view context) const {
    if (ok()) return *this;
    return {code_, std::string(context) + ": " + message_};
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

inline std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

inline std::string_view CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kInvalidInput: return "InvalidInput";
    case Status::Code::kNotFound: return "NotFound";
    case Status::Code::kIOError: return "IOError";
    case Status::Code::kCorruption: return "Corruption";
    case Status::Code::kLimitExceeded: return "LimitExceeded";
    case Status::Code::kInternal: return "Internal";
  }
  return "Unknown";
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok());
  }
  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(v_); }
  [[nodiscard]] const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace corroborate
