// InventoryPull: the resource graph's inventory read live from the IoT API, AWS Config and EC2, fed
// to an InventoryImporter as the documents `corroborate inventory import` reads from files
// (docs/inventory.md, "Pulling live").
//
// Contract:
// - InventoryApi is the calls a pull makes, each answering the API's JSON body (the AWS edge
//   implements it over signed HTTPS: aws/iot_client.h, aws/config_client.h, aws/ec2_client.h,
//   which answers EC2's XML as the CLI's JSON; tests serve recorded
//   pages). A call that fails returns its error, which the pull returns with what it was doing.
// - PullIotInventory: the things named (or, with none named, every thing: ListThings, page by
//   page); for each, DescribeThing, imported as describe-thing output (its type, billing group
//   and attributes), and every page of ListThingPrincipals, imported as list-thing-principals
//   output about that thing ({"thingName", "principals"}); for each certificate principal seen,
//   every page of ListAttachedPolicies, imported as list-attached-policies output about it
//   ({"target", "policies"}); each certificate once. So a thing's certificates, and their policies,
//   replace what an earlier pull said.
// - PullConfigInventory: for each resource type, every page of ListDiscoveredResources, and for
//   each resource found, its newest configuration item (GetResourceConfigHistory, limit 1),
//   imported as get-resource-config-history output: with its relationships.
// - PullEc2Inventory: every page of DescribeSecurityGroups, DescribeNetworkInterfaces and
//   DescribeInstances, each page imported as that command's output (NextToken and all), so each
//   group, interface and instance replaces what an earlier pull or import said about it.
// - A page that is not the JSON the API documents is an error naming the call and page, never
//   skipped; what the importer cannot use it reports itself (on_failure).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pipeline/inventory_import.h"

namespace corroborate::pipeline {

class InventoryApi {
 public:
  virtual ~InventoryApi() = default;
  virtual Result<std::string> ListThings(std::string_view next_token) = 0;
  virtual Result<std::string> DescribeThing(std::string_view thing) = 0;
  virtual Result<std::string> ListThingPrincipals(std::string_view thing,
                                                  std::string_view next_token) = 0;
  virtual Result<std::string> ListAttachedPolicies(std::string_view target,
                                                   std::string_view marker) = 0;
  virtual Result<std::string> ListDiscoveredResources(std::string_view resource_type,
                                                      std::string_view next_token) = 0;
  virtual Result<std::string> GetResourceConfigHistory(std::string_view resource_type,
                                                       std::string_view resource_id) = 0;
  // `operation`: DescribeInstances, DescribeNetworkInterfaces or DescribeSecurityGroups; the
  // answer as `aws ec2 describe-*` prints it.
  virtual Result<std::string> DescribeEc2(std::string_view operation,
                                          std::string_view next_token) = 0;
};

struct InventoryPullReport {
  std::uint64_t calls = 0;
  std::uint64_t things = 0;
  std::uint64_t certificates = 0;
  std::uint64_t config_resources = 0;
  std::uint64_t ec2_pages = 0;
};

Status PullIotInventory(InventoryApi& api, InventoryImporter& importer,
                        const std::vector<std::string>& things, InventoryPullReport* report);
Status PullConfigInventory(InventoryApi& api, InventoryImporter& importer,
                           const std::vector<std::string>& resource_types,
                           InventoryPullReport* report);
Status PullEc2Inventory(InventoryApi& api, InventoryImporter& importer,
                        InventoryPullReport* report);

}  // namespace corroborate::pipeline
