// Matches runs per finding in queries, automation rules and correlation, so it must not touch the
// heap. This test replaces the global allocation functions to count calls while Matches runs.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "filter/filter.h"
#include "filter_test_util.h"

// These replacements are the program's operator new/delete, so free() is the matching release; GCC
// cannot see that once it inlines them into a delete expression.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
thread_local bool counting = false;
std::atomic<size_t> allocations{0};
}  // namespace

// Every replaceable form, so that no allocation escapes the count and every release matches.
void* operator new(size_t size) {
  if (counting) allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t size, std::align_val_t align) {
  if (counting) allocations.fetch_add(1, std::memory_order_relaxed);
  const auto alignment = static_cast<size_t>(align);
  if (void* p = std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment)) {
    return p;
  }
  throw std::bad_alloc();
}
void* operator new[](size_t size) {
  return ::operator new(size);
}
void* operator new[](size_t size, std::align_val_t align) {
  return ::operator new(size, align);
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  if (counting) allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](size_t size, const std::nothrow_t& tag) noexcept {
  return ::operator new(size, tag);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace corroborate::filter {
namespace {

using ::corroborate::filter::testing::kFinding;
using ::corroborate::filter::testing::kNow;

TEST(AllocationTest, MatchesDoesNotAllocate) {
  // Every filter type, list and map paths, positives and negatives, values too long for the
  // small-string buffer: nothing of it may be copied while matching.
  auto filter = FindingFilter::ParseText(R"({
      "Type": [{"Value": "Software and Configuration Checks/", "Comparison": "PREFIX"}],
      "ResourceType": [{"Value": "AwsEc2NetworkInterface", "Comparison": "NOT_EQUALS"},
                       {"Value": "AwsIamPolicyVersionDocument", "Comparison": "PREFIX_NOT_EQUALS"}],
      "Title": [{"Value": "unrestricted access to ports", "Comparison": "CONTAINS_WORD"}],
      "ResourceTags": [{"Key": "environment-classification", "Value": "x", "Comparison": "NOT_EQUALS"}],
      "ProductFields": [{"Key": "aws/securityhub/ProductName", "Value": "Security Hub",
                         "Comparison": "EQUALS"}],
      "SeverityNormalized": [{"Gte": 40, "Lte": 100}],
      "NetworkSourcePort": [{"Eq": 443}],
      "UpdatedAt": [{"DateRange": {"Value": 7, "Unit": "DAYS"}}],
      "ResourceAwsEc2InstanceIpV6Addresses": [{"Cidr": "2001:db8:1::/48"}],
      "Keyword": [{"Value": "incoming"}]})",
                                         ParseOptions{});
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  simdjson::dom::parser parser;
  simdjson::dom::element finding;
  ASSERT_EQ(parser.parse(kFinding.data(), kFinding.size()).get(finding), simdjson::SUCCESS);

  allocations = 0;
  counting = true;
  bool matched = false;
  for (int i = 0; i < 100; ++i) matched = filter->Matches(finding, kNow);
  counting = false;
  EXPECT_TRUE(matched);
  EXPECT_EQ(allocations.load(), 0u);

  // The counter does count: the test would notice an allocation.
  counting = true;
  auto* probe = new std::string(64, 'x');
  counting = false;
  delete probe;
  EXPECT_GT(allocations.load(), 0u);
}

}  // namespace
}  // namespace corroborate::filter
