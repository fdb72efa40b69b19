// Per-client rate limiting: a token bucket per principal (or client address when anonymous).
//
// Contract: Allow(client, now) takes one token from the client's bucket, which refills at `rate`
// tokens a second up to `burst`; false means the request is to be refused with 429
// LimitExceededException, which botocore retries with backoff. A rate of 0 disables limiting.
// Thread-safe. Buckets idle long enough to be full again are forgotten, so memory is bounded by
// the clients active in the last burst/rate seconds.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace corroborate::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst < 1 ? 1 : burst) {}

  bool Allow(const std::string& client, Clock::time_point now);
  [[nodiscard]] std::size_t tracked() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  void Sweep(Clock::time_point now);

  double rate_;
  double burst_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point last_sweep_{};
};

}  // namespace corroborate::server
