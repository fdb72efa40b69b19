// gen_corpus: writes a deterministic ASFF corpus as NDJSON (see corpus.h).
//
//   gen_corpus --findings N --resources R --seed S [--avg-bytes B] [--name-offset K]
//              [--out FILE|-]
//
// Prints one summary line (count, bytes, average size, time) to stderr. Exit status: 0 on success,
// 2 on a usage error, 1 when the output cannot be written.
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "corpus.h"

namespace {

constexpr std::string_view kUsage =
    "usage: gen_corpus --findings N --resources R --seed S [--avg-bytes B] [--name-offset K]\n"
    "                  [--out FILE|-]\n"
    "  --name-offset K  number buckets and things from K, so that corpora of different seeds\n"
    "                   can share a store without naming the same bucket or thing\n";

int UsageError(std::string_view message) {
  std::fprintf(stderr, "gen_corpus: %.*s\n%.*s", static_cast<int>(message.size()), message.data(),
               static_cast<int>(kUsage.size()), kUsage.data());
  return 2;
}

bool ParseCount(std::string_view text, std::uint64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

int main(int argc, char** argv) {
  corroborate::bench::CorpusOptions options;
  std::string out_path = "-";
  bool have_findings = false, have_resources = false, have_seed = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage.data(), stdout);
      return 0;
    }
    if (i + 1 >= argc) return UsageError(std::string(flag) + " needs a value");
    const std::string_view value = argv[++i];
    std::uint64_t number = 0;
    if (flag == "--out") {
      out_path = std::string(value);
      continue;
    }
    if (!ParseCount(value, number)) {
      return UsageError(std::string(flag) + ": not a non-negative integer: " + std::string(value));
    }
    if (flag == "--findings") {
      options.findings = number;
      have_findings = true;
    } else if (flag == "--resources") {
      if (number == 0) return UsageError("--resources must be at least 1");
      options.resources = number;
      have_resources = true;
    } else if (flag == "--seed") {
      options.seed = number;
      have_seed = true;
    } else if (flag == "--name-offset") {
      if (number > 1'000'000'000) return UsageError("--name-offset must be at most 1000000000");
      options.name_offset = static_cast<std::uint32_t>(number);
    } else if (flag == "--avg-bytes") {
      if (number == 0) return UsageError("--avg-bytes must be at least 1");
      options.target_avg_bytes = number;
    } else {
      return UsageError("unknown option " + std::string(flag));
    }
  }
  if (!have_findings || !have_resources || !have_seed) {
    return UsageError("--findings, --resources and --seed are required");
  }

  std::FILE* out = out_path == "-" ? stdout : std::fopen(out_path.c_str(), "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "gen_corpus: cannot open %s: %s\n", out_path.c_str(),
                 std::strerror(errno));
    return 1;
  }

  const corroborate::bench::CorpusGenerator generator(options);
  const auto started = std::chrono::steady_clock::now();
  // Findings are appended to one buffer and written in large blocks, so output is not the
  // bottleneck even on a pipe.
  constexpr std::size_t kFlushBytes = 4 << 20;
  std::string buffer;
  buffer.reserve(kFlushBytes + std::size_t{256} * 1024);
  std::uint64_t total_bytes = 0;
  bool write_failed = false;
  for (std::size_t i = 0; i < options.findings && !write_failed; ++i) {
    const std::size_t before = buffer.size();
    generator.AppendFinding(i, buffer);
    total_bytes += buffer.size() - before;
    buffer += '\n';
    if (buffer.size() >= kFlushBytes) {
      write_failed = std::fwrite(buffer.data(), 1, buffer.size(), out) != buffer.size();
      buffer.clear();
    }
  }
  if (!write_failed && !buffer.empty()) {
    write_failed = std::fwrite(buffer.data(), 1, buffer.size(), out) != buffer.size();
  }
  write_failed = (out == stdout ? std::fflush(out) : std::fclose(out)) != 0 || write_failed;
  if (write_failed) {
    std::fprintf(stderr, "gen_corpus: cannot write %s: %s\n", out_path.c_str(),
                 std::strerror(errno));
    return 1;
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double count = static_cast<double>(options.findings);
  std::fprintf(stderr,
               "gen_corpus: %zu findings, %llu bytes, avg %.0f bytes/finding, %zu resources, "
               "seed %llu, %.2f s (%.0f findings/s)\n",
               options.findings, static_cast<unsigned long long>(total_bytes),
               options.findings == 0 ? 0.0 : static_cast<double>(total_bytes) / count,
               generator.resource_count(), static_cast<unsigned long long>(options.seed), seconds,
               seconds > 0 ? count / seconds : 0.0);
  return 0;
}
