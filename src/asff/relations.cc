#include "asff/relations.h"

#include <algorithm>
#include <array>

#include "asff/finding.h"
#include "asff/resource_key.h"

namespace corroborate::asff {
namespace {

constexpr std::string_view kInstance = "AwsEc2Instance";
constexpr std::string_view kInterface = "AwsEc2NetworkInterface";
constexpr std::string_view kSecurityGroup = "AwsEc2SecurityGroup";
constexpr std::string_view kIotCertificate = "AwsIotCertificate";
constexpr std::string_view kIotPolicy = "AwsIotPolicy";
constexpr std::string_view kOther = "Other";

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

bool IsIotResource(const Resource& resource) {
  return resource.type.starts_with("AwsIot") ||
         (resource.type == kOther && resource.id.starts_with("iot-"));
}

// The relations an IoT resource states in Details.Other (see the contract in relations.h).
void AddIotRelations(simdjson::dom::element details, const Resource& resource,
                     RelationWriter& writer) {
  simdjson::dom::element other;
  if (details["Other"].get(other) != simdjson::SUCCESS || !other.is_object()) return;
  struct Kind {
    std::string_view key;
    std::string_view type;
    std::string_view id_prefix;
  };
  static constexpr std::array<Kind, 4> kKinds{{
      {"ThingNames", kIotThingType, ""},
      {"CertificateIds", kIotCertificate, ""},
      {"PolicyNames", kIotPolicy, ""},
      {"ClientIds", kOther, kIotClientIdPrefix},
  }};
  std::array<std::vector<std::string>, kKinds.size()> keys;
  for (size_t k = 0; k < kKinds.size(); ++k) {
    const std::string_view list = StringAt(other, kKinds[k].key);
    for (const std::string& item : ParseIotList(list)) {
      keys[k].push_back(writer.Key(kKinds[k].type, std::string(kKinds[k].id_prefix) + item));
      writer.Add(resource.canonical_key, resource.type, keys[k].back(), kKinds[k].type);
    }
  }
  if (resource.type != kIotCertificate) return;
  for (const std::string& thing : keys[0]) {
    for (const std::string& policy : keys[2]) writer.Add(thing, kIotThingType, policy, kIotPolicy);
  }
}

// The chains of use JoinsThrough follows (relations.h), each from the user to what it uses.
constexpr std::array<std::array<std::string_view, 3>, 2> kChains{{
    {kInstance, kInterface, kSecurityGroup},
    {kIotThingType, kIotCertificate, kIotPolicy},
}};

}  // namespace

bool JoinsThrough(std::string_view from_type, std::string_view through_type,
                  std::string_view to_type) {
  return std::any_of(kChains.begin(), kChains.end(), [&](const auto& chain) {
    return through_type == chain[1] && ((from_type == chain[0] && to_type == chain[2]) ||
                                        (from_type == chain[2] && to_type == chain[0]));
  });
}

bool ChainMiddle(std::string_view type) {
  return std::any_of(kChains.begin(), kChains.end(),
                     [&](const auto& chain) { return type == chain[1]; });
}

std::string FormatIotList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (item.empty()) continue;
    if (!out.empty()) out += ',';
    for (char c : item) {
      if (c == ',') {
        out += "%2C";
      } else if (c == '%') {
        out += "%25";
      } else {
        out += c;
      }
    }
  }
  return out;
}

std::vector<std::string> ParseIotList(std::string_view text) {
  std::vector<std::string> out;
  std::string item;
  auto finish = [&] {
    if (!item.empty()) out.push_back(std::move(item));
    item.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',') {
      finish();
    } else if (text[i] == '%' && text.substr(i, 3) == "%2C") {
      item += ',';
      i += 2;
    } else if (text[i] == '%' && text.substr(i, 3) == "%25") {
      item += '%';
      i += 2;
    } else {
      item += text[i];
    }
  }
  finish();
  return out;
}

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
  } else if (IsIotResource(resource)) {
    AddIotRelations(details, resource, writer);
  }
}

}  // namespace corroborate::asff
