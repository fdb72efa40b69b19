// Per-operation costs of the engine's hot functions on realistic findings (Google Benchmark):
// decoding and validating one finding, normalizing it for storage, evaluating a GetFindings filter.
//   build/bench/micro_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "asff/finding.h"
#include "asff/import.h"
#include "corpus.h"
#include "filter/filter.h"
#include "sources/sources.h"
#include "store/key_sort.h"
#include "store/keys.h"

namespace {

using namespace corroborate;

// 1,000 findings of the benchmark corpus, parsed once.
struct Sample {
  Sample() {
    bench::CorpusGenerator gen({1000, 200, 7, 3000});
    for (size_t i = 0; i < 1000; ++i) texts.push_back(gen.Finding(i));
  }
  std::vector<std::string> texts;
};

const Sample& Findings() {
  static const Sample sample;
  return sample;
}

void BM_ParseOnly(benchmark::State& state) {
  simdjson::dom::parser parser;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& text = Findings().texts[i++ % 1000];
    simdjson::dom::element root;
    benchmark::DoNotOptimize(parser.parse(text).get(root));
    bytes += text.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ParseOnly);

// The source reader over NDJSON in memory: splitting the input into findings and parsing each.
void BM_ReadNdjson(benchmark::State& state) {
  std::string ndjson;
  for (const std::string& text : Findings().texts) (ndjson += text) += '\n';
  struct Count final : sources::FindingVisitor {
    void OnFinding(simdjson::dom::element, const sources::Location&) override { ++n; }
    void OnError(const sources::Location&, const Status&) override {}
    size_t n = 0;
  } count;
  for (auto _ : state) sources::ReadFindingsFromBuffer(ndjson, "bench", count);
  state.SetItemsProcessed(static_cast<int64_t>(count.n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ndjson.size()));
}
BENCHMARK(BM_ReadNdjson);

void BM_DecodeFinding(benchmark::State& state) {
  simdjson::dom::parser parser;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& text = Findings().texts[i++ % 1000];
    asff::Finding f;
    benchmark::DoNotOptimize(asff::DecodeFinding(parser.parse(text).value_unsafe(), f));
    bytes += text.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_DecodeFinding);

// `from_text`: as a source that read the finding's own text passes it (NDJSON lines, streamed
// array items); otherwise the kept members are written out from the DOM.
void NormalizeNewFinding(benchmark::State& state, bool from_text) {
  simdjson::dom::parser parser;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string& text = Findings().texts[i++ % 1000];
    auto root = parser.parse(text).value_unsafe();
    asff::Finding f;
    (void)asff::DecodeFinding(root, f);
    state.ResumeTiming();
    benchmark::DoNotOptimize(
        asff::NormalizeNewFinding(root, f, 0, from_text ? std::string_view(text) : ""));
    bytes += text.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
void BM_NormalizeNewFinding(benchmark::State& state) {
  NormalizeNewFinding(state, false);
}
BENCHMARK(BM_NormalizeNewFinding);
void BM_NormalizeNewFindingFromText(benchmark::State& state) {
  NormalizeNewFinding(state, true);
}
BENCHMARK(BM_NormalizeNewFindingFromText);

void BM_FilterMatches(benchmark::State& state) {
  auto filter = filter::FindingFilter::ParseText(R"({
      "ProductName":[{"Value":"Inspector","Comparison":"EQUALS"}],
      "SeverityLabel":[{"Value":"CRITICAL","Comparison":"EQUALS"},{"Value":"HIGH","Comparison":"EQUALS"}],
      "RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}],
      "ResourceType":[{"Value":"AwsEc2","Comparison":"PREFIX"}],
      "Title":[{"Value":"openssl","Comparison":"NOT_CONTAINS"}]})");
  std::vector<simdjson::dom::parser> parsers(1000);
  std::vector<simdjson::dom::element> roots;
  for (size_t j = 0; j < 1000; ++j)
    roots.push_back(parsers[j].parse(Findings().texts[j]).value_unsafe());
  size_t i = 0, matched = 0;
  for (auto _ : state) {
    matched += filter->Matches(roots[i++ % 1000], bench::CorpusGenerator::kBaseTime) ? 1 : 0;
  }
  state.counters["matched"] =
      benchmark::Counter(static_cast<double>(matched), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_FilterMatches);

// The identity keys (lp(ProductArn) | Id) of 100,000 corpus findings, in corpus order: what the
// store sorts when it writes its pending identity entries (PendingDerived::Commit).
const std::vector<std::string>& IdentityKeys() {
  static const std::vector<std::string> keys = [] {
    constexpr size_t kCount = 100'000;
    bench::CorpusGenerator gen({kCount, kCount / 10, 7, 3000});
    simdjson::dom::parser parser;
    std::vector<std::string> out;
    out.reserve(kCount);
    for (size_t i = 0; i < kCount; ++i) {
      const simdjson::dom::element f = parser.parse(gen.Finding(i));
      out.push_back(
          store::keys::PrimaryKey(std::string_view(f["ProductArn"]), std::string_view(f["Id"])));
    }
    return out;
  }();
  return keys;
}

void SortIdentityKeys(benchmark::State& state, bool by_key) {
  const auto& keys = IdentityKeys();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<const std::string*> items;
    items.reserve(keys.size());
    for (const auto& k : keys) items.push_back(&k);
    state.ResumeTiming();
    if (by_key) {
      store::SortByKey(items, [](const std::string* k) { return std::string_view(*k); });
    } else {
      std::sort(items.begin(), items.end(),
                [](const std::string* x, const std::string* y) { return *x < *y; });
    }
    benchmark::DoNotOptimize(items.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * keys.size()));
}
// std::sort comparing whole keys, as Commit sorted before SortByKey.
void BM_SortIdentityKeysStdSort(benchmark::State& state) {
  SortIdentityKeys(state, false);
}
BENCHMARK(BM_SortIdentityKeysStdSort)->Unit(benchmark::kMillisecond);
void BM_SortIdentityKeysByKey(benchmark::State& state) {
  SortIdentityKeys(state, true);
}
BENCHMARK(BM_SortIdentityKeysByKey)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
