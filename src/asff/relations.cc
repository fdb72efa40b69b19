#include "asff/relations.h"

#include <algorithm>

#include "asff/finding.h"
#include "asff/resource_key.h"

namespace corroborate::asff {
namespace {

constexpr std::string_view kInstance = "AwsEc2Instance";
constexpr std::string_view kInterface = "AwsEc2NetworkInterface";
constexpr std::string_view kSecurityGroup = "AwsEc2SecurityGroup";

std::string_view StringAt(simdjson::dom::element e, std::string_view key) {
  std::string_view s;
  if (e[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

class RelationWriter {
 public:
  RelationWriter(const Resource& resource, std::string_view account,
                 std::vector<ResourceRelation>& out)
      : resource_(resource), account_(account), out_(out) {}

  std::string Key(std::string_view type, std::string_view id) const {
    return CanonicalResourceKey(type, id, resource_.partition, resource_.region, account_);
  }

  void Add(std::string from_key, std::string_view from_type, std::string to_key,
           std::string_view to_type) {
    if (from_key.empty() || to_key.empty() || from_key == to_key) return;
    ResourceRelation r{std::move(from_key), std::string(from_type), std::move(to_key),
                       std::string(to_type)};
    const ResourceRelation reversed{r.to_key, r.to_type, r.from_key, r.from_type};
    if (std::find(out_.begin(), out_.end(), r) != out_.end() ||
        std::find(out_.begin(), out_.end(), reversed) != out_.end()) {
      return;
    }
    out_.push_back(std::move(r));
  }

 private:
  const Resource& resource_;
  std::string_view account_;
  std::vector<ResourceRelation>& out_;
};

}  // namespace

void AddResourceRelations(simdjson::dom::element details, const Resource& resource,
                          std::string_view account, std::vector<ResourceRelation>& out) {
  RelationWriter writer(resource, account, out);
  simdjson::dom::element typed;
  if (resource.type == kInstance) {
    simdjson::dom::array interfaces;
    if (details["AwsEc2Instance"].get(typed) != simdjson::SUCCESS ||
        typed["NetworkInterfaces"].get_array().get(interfaces) != simdjson::SUCCESS) {
      return;
    }
    for (simdjson::dom::element eni : interfaces) {
      const std::string_view id = StringAt(eni, "NetworkInterfaceId");
      if (!id.empty()) {
        writer.Add(resource.canonical_key, kInstance, writer.Key(kInterface, id), kInterface);
      }
    }
  } else if (resource.type == kInterface) {
    if (details["AwsEc2NetworkInterface"].get(typed) != simdjson::SUCCESS) return;
    std::string instance_key;
    simdjson::dom::element attachment;
    if (typed["Attachment"].get(attachment) == simdjson::SUCCESS) {
      const std::string_view instance = StringAt(attachment, "InstanceId");
      if (!instance.empty()) {
        instance_key = writer.Key(kInstance, instance);
        writer.Add(resource.canonical_key, kInterface, instance_key, kInstance);
      }
    }
    simdjson::dom::array groups;
    if (typed["SecurityGroups"].get_array().get(groups) != simdjson::SUCCESS) return;
    for (simdjson::dom::element group : groups) {
      const std::string_view id = StringAt(group, "GroupId");
      if (id.empty()) continue;
      const std::string group_key = writer.Key(kSecurityGroup, id);
      writer.Add(resource.canonical_key, kInterface, group_key, kSecurityGroup);
      if (!instance_key.empty()) writer.Add(instance_key, kInstance, group_key, kSecurityGroup);
    }
  }
}

}  // namespace corroborate::asff
