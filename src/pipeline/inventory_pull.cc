#include "pipeline/inventory_pull.h"

#include <set>

#include <simdjson.h>

#include "asff/json_writer.h"
#include "sources/sources.h"

namespace corroborate::pipeline {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// One page of an API answer: its JSON, parsed; the array under `member`; the next page's token.
struct Page {
  simdjson::dom::parser parser;
  object root;
  array items;
  std::string next;
};

Status ParsePage(const std::string& json, std::string_view member, std::string_view token_member,
                 const std::string& name, Page* page) {
  element root;
  if (auto err = page->parser.parse(json).get(root); err != simdjson::SUCCESS) {
    return Status::InvalidInput(name + " is not JSON: " + simdjson::error_message(err));
  }
  if (root.get_object().get(page->root) != simdjson::SUCCESS) {
    return Status::InvalidInput(name + " is not a JSON object");
  }
  if (page->root[member].get_array().get(page->items) != simdjson::SUCCESS) {
    return Status::InvalidInput(name + " has no " + std::string(member) + " array");
  }
  std::string_view next;
  page->next.clear();
  if (page->root[token_member].get_string().get(next) == simdjson::SUCCESS) {
    page->next = std::string(next);
  }
  return Status::Ok();
}

// The page as the CLI's output about `subject` would be: {"<key>": subject, "<member>": [...]}.
std::string AboutSubject(std::string_view key, std::string_view subject, std::string_view member,
                         array items) {
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject().Key(key).String(subject).Key(member).BeginArray();
  for (const element item : items) w.Element(item);
  w.EndArray().EndObject();
  return out;
}

void Import(InventoryImporter& importer, const std::string& json, const std::string& name) {
  sources::ReadFindingsFromBuffer(json, name, importer, InventoryImporter::ReadOptions());
}

// Calls `call(token)` page after page until no token, handing each parsed page to `visit`.
template <typename Call, typename Visit>
Status EachPage(const std::string& what, std::string_view member, std::string_view token_member,
                InventoryPullReport* report, Call call, Visit visit) {
  std::string token;
  for (std::uint64_t n = 1;; ++n) {
    const std::string name = what + " page " + std::to_string(n);
    auto answer = call(token);
    ++report->calls;
    if (!answer.ok()) return answer.status().WithContext(name);
    Page page;
    if (Status s = ParsePage(*answer, member, token_member, name, &page); !s.ok()) return s;
    if (Status s = visit(page, name); !s.ok()) return s;
    if (page.next.empty()) return Status::Ok();
    token = page.next;
  }
}

}  // namespace

Status PullIotInventory(InventoryApi& api, InventoryImporter& importer,
                        const std::vector<std::string>& named, InventoryPullReport* report) {
  std::vector<std::string> things = named;
  if (things.empty()) {
    Status s = EachPage(
        "ListThings", "things", "nextToken", report,
        [&](const std::string& t) { return api.ListThings(t); },
        [&](Page& page, const std::string&) {
          for (const element thing : page.items) {
            std::string_view name;
            if (thing["thingName"].get_string().get(name) == simdjson::SUCCESS) {
              things.emplace_back(name);
            }
          }
          return Status::Ok();
        });
    if (!s.ok()) return s;
  }
  std::set<std::string> certificates;
  for (const std::string& thing : things) {
    ++report->things;
    const std::string described = "DescribeThing " + thing;
    auto description = api.DescribeThing(thing);
    ++report->calls;
    if (!description.ok()) return description.status().WithContext(described);
    {
      simdjson::dom::parser parser;
      element doc;
      std::string_view name;
      if (parser.parse(*description).get(doc) != simdjson::SUCCESS ||
          doc["thingName"].get_string().get(name) != simdjson::SUCCESS) {
        return Status::InvalidInput(described +
                                    " is not the JSON the API documents (no thingName)");
      }
    }
    Import(importer, *description, described);
    Status s = EachPage(
        "ListThingPrincipals " + thing, "principals", "nextToken", report,
        [&](const std::string& t) { return api.ListThingPrincipals(thing, t); },
        [&](Page& page, const std::string& name) {
          for (const element p : page.items) {
            std::string_view arn;
            if (p.get_string().get(arn) == simdjson::SUCCESS && arn.find(":cert/") != arn.npos) {
              certificates.emplace(arn);
            }
          }
          Import(importer, AboutSubject("thingName", thing, "principals", page.items), name);
          return Status::Ok();
        });
    if (!s.ok()) return s;
  }
  for (const std::string& certificate : certificates) {
    ++report->certificates;
    Status s = EachPage(
        "ListAttachedPolicies " + certificate, "policies", "nextMarker", report,
        [&](const std::string& marker) { return api.ListAttachedPolicies(certificate, marker); },
        [&](Page& page, const std::string& name) {
          Import(importer, AboutSubject("target", certificate, "policies", page.items), name);
          return Status::Ok();
        });
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status PullConfigInventory(InventoryApi& api, InventoryImporter& importer,
                           const std::vector<std::string>& resource_types,
                           InventoryPullReport* report) {
  for (const std::string& type : resource_types) {
    std::vector<std::string> ids;
    Status s = EachPage(
        "ListDiscoveredResources " + type, "resourceIdentifiers", "nextToken", report,
        [&](const std::string& t) { return api.ListDiscoveredResources(type, t); },
        [&](Page& page, const std::string&) {
          for (const element r : page.items) {
            std::string_view id;
            if (r["resourceId"].get_string().get(id) == simdjson::SUCCESS) ids.emplace_back(id);
          }
          return Status::Ok();
        });
    if (!s.ok()) return s;
    for (const std::string& id : ids) {
      std::string name = "GetResourceConfigHistory ";
      name.append(type).append(" ").append(id);
      auto answer = api.GetResourceConfigHistory(type, id);
      ++report->calls;
      if (!answer.ok()) return answer.status().WithContext(name);
      Page page;
      if (Status p = ParsePage(*answer, "configurationItems", "nextToken", name, &page); !p.ok()) {
        return p;
      }
      ++report->config_resources;
      Import(importer, *answer, name);
    }
  }
  return Status::Ok();
}

Status PullEc2Inventory(InventoryApi& api, InventoryImporter& importer,
                        InventoryPullReport* report) {
  // Groups first, then the interfaces that use them, then the instances: the order a reader of
  // the resource view would follow; the import coalesces the re-evaluation of them all anyway.
  static constexpr struct {
    std::string_view operation, member;
  } kCalls[] = {{"DescribeSecurityGroups", "SecurityGroups"},
                {"DescribeNetworkInterfaces", "NetworkInterfaces"},
                {"DescribeInstances", "Reservations"}};
  for (const auto& call : kCalls) {
    Status s = EachPage(
        std::string(call.operation), call.member, "NextToken", report,
        [&](const std::string& t) { return api.DescribeEc2(call.operation, t); },
        [&](Page& page, const std::string& name) {
          ++report->ec2_pages;
          std::string json;
          asff::JsonWriter w(json);
          w.BeginObject().Key(call.member).BeginArray();
          for (const element item : page.items) w.Element(item);
          w.EndArray().EndObject();
          Import(importer, json, name);
          return Status::Ok();
        });
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace corroborate::pipeline
