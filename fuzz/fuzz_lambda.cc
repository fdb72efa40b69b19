// A Lambda invocation's event, from outside (EventBridge, SNS, CloudTrail, BatchImportFindings,
// bare Device Defender messages, or anything else): handled against a real embedded store with
// the built-in rules. Whatever arrives, the answer is a response with its counts, or one of the
// three documented Corroborate.* errors; never a crash, never another kind of failure.
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "correlate/builtin_rules.h"
#include "fuzz_util.h"
#include "lambda/handler.h"
#include "store/store.h"

namespace {

using namespace corroborate;

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<store::FindingStore> store;
  correlate::RuleSet rules;
  std::unique_ptr<lambda::EventHandler> handler;

  Fixture() {
    dir = std::filesystem::temp_directory_path() /
          ("corroborate-fuzz-lambda-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    auto opened = store::OpenEmbeddedStore(dir.string(), {});
    if (!opened.ok()) {
      std::fprintf(stderr, "store: %s\n", opened.status().message().c_str());
      std::abort();
    }
    store = std::move(opened).value();
    for (const auto& file : correlate::BuiltinRuleFiles()) {
      correlate::LoadRules(file.text, std::string(file.name), rules);
    }
    lambda::HandlerOptions options;
    options.clock = [] { return asff::TimeMs{1795392000000}; };  // 2026-11-23
    handler = std::make_unique<lambda::EventHandler>(*store, &rules.rules, options);
  }
  ~Fixture() {
    handler.reset();
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  lambda::Invocation invocation;
  invocation.request_id = "fuzz";
  invocation.function_arn = "arn:aws:lambda:eu-west-1:111122223333:function:corroborate";
  invocation.payload = std::string(fuzz::AsText(data, size));
  const lambda::Outcome outcome = fixture.handler->Handle(invocation);
  if (outcome.ok) {
    simdjson::dom::parser parser;
    simdjson::dom::element response;
    std::int64_t success = -1, failed = -1;
    if (parser.parse(outcome.response).get(response) != simdjson::SUCCESS ||
        response["SuccessCount"].get_int64().get(success) != simdjson::SUCCESS ||
        response["FailedCount"].get_int64().get(failed) != simdjson::SUCCESS || success < 0 ||
        failed < 0) {
      std::fprintf(stderr, "a response without its counts: %s\n", outcome.response.c_str());
      std::abort();
    }
  } else if (outcome.error.type != "Corroborate.UnsupportedEvent" &&
             outcome.error.type != "Corroborate.InvalidInput") {
    // StoreError would mean the embedded store failed on input: that is a bug too.
    std::fprintf(stderr, "unexpected error %s: %s\n", outcome.error.type.c_str(),
                 outcome.error.message.c_str());
    std::abort();
  }
  return 0;
}
