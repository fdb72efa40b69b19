// What the benchmarks measure about the process and its store besides time.
//
// PeakRssMb: the peak resident set so far. getrusage's ru_maxrss is a high-water mark in KiB on
// Linux: it never goes down, so a phase's figure includes every phase before it.
// DirectoryBytes: the bytes of the regular files under a directory (a store's size on disk).
// Errors are skipped rather than thrown, because RocksDB may delete a file while it is walked.
#ifndef CORROBORATE_BENCH_MEASURE_H_
#define CORROBORATE_BENCH_MEASURE_H_

#include <sys/resource.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

namespace corroborate::bench {

inline long PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

inline std::uint64_t DirectoryBytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    const std::uintmax_t size = entry.file_size(ec);
    if (!ec) total += size;
  }
  return total;
}

}  // namespace corroborate::bench

#endif  // CORROBORATE_BENCH_MEASURE_H_
