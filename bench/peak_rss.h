// The process's peak resident set so far, as the benchmarks report it after each phase.
// getrusage's ru_maxrss is a high-water mark in KiB on Linux: it never goes down, so a phase's
// figure includes every phase before it.
#ifndef CORROBORATE_BENCH_PEAK_RSS_H_
#define CORROBORATE_BENCH_PEAK_RSS_H_

#include <sys/resource.h>

namespace corroborate::bench {

inline long PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

}  // namespace corroborate::bench

#endif  // CORROBORATE_BENCH_PEAK_RSS_H_
