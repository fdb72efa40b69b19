// AWS Config: configuration items (the API's form and the delivered one), snapshot and history
// files, batch-get-resource-config output, and Config's notifications.
#include <memory>

#include "asff/relations.h"
#include "inventory/internal.h"

namespace corroborate::inventory::internal {
namespace {

// The API's `configuration` is JSON text; the delivered form's is an object.
bool ConfigurationOf(simdjson::dom::element item, simdjson::dom::parser& parser,
                     simdjson::dom::element* out) {
  simdjson::dom::element configuration;
  if (item["configuration"].get(configuration) != simdjson::SUCCESS) return false;
  std::string_view text;
  if (configuration.get_string().get(text) == simdjson::SUCCESS) {
    return parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true).get(*out) ==
               simdjson::SUCCESS &&
           out->is_object();
  }
  *out = configuration;
  return configuration.is_object();
}

// batch-get-resource-config returns no relationships; for the two types correlation joins
// through, the configuration says them (it is the describe-* output, camel-cased).
bool RelationsFromConfiguration(simdjson::dom::element configuration, Item& item,
                                const Scope& scope) {
  simdjson::dom::array list;
  if (item.subject_type == kInstance) {
    if (Array(configuration, "networkInterfaces", &list)) {
      for (simdjson::dom::element eni : list) {
        if (Str(eni, "networkInterfaceId").empty()) continue;
        const std::string eni_key = Key(kInterface, Str(eni, "networkInterfaceId"), scope);
        Relate(item, item.subject_key, kInstance, eni_key, kInterface,
               "configuration.networkInterfaces");
        simdjson::dom::array groups;
        if (!Array(eni, "groups", &groups)) continue;
        for (simdjson::dom::element g : groups) {
          if (Str(g, "groupId").empty()) continue;
          Relate(item, eni_key, kInterface, Key(kSecurityGroup, Str(g, "groupId"), scope),
                 kSecurityGroup, "configuration.networkInterfaces.groups");
        }
      }
    }
    if (Array(configuration, "securityGroups", &list)) {
      for (simdjson::dom::element g : list) {
        if (Str(g, "groupId").empty()) continue;
        Relate(item, item.subject_key, kInstance, Key(kSecurityGroup, Str(g, "groupId"), scope),
               kSecurityGroup, "configuration.securityGroups");
      }
    }
    return true;
  }
  if (item.subject_type == kInterface) {
    simdjson::dom::element attachment;
    if (configuration["attachment"].get(attachment) == simdjson::SUCCESS &&
        !Str(attachment, "instanceId").empty()) {
      Relate(item, item.subject_key, kInterface,
             Key(kInstance, Str(attachment, "instanceId"), scope), kInstance,
             "configuration.attachment.instanceId");
    }
    if (Array(configuration, "groups", &list)) {
      for (simdjson::dom::element g : list) {
        if (Str(g, "groupId").empty()) continue;
        Relate(item, item.subject_key, kInterface, Key(kSecurityGroup, Str(g, "groupId"), scope),
               kSecurityGroup, "configuration.groups");
      }
    }
    return true;
  }
  return false;
}

// The canonical key of a related resource named by type and id (or name, for IAM's users, roles
// and groups, whose resourceId is an opaque unique id while findings name them by ARN).
std::string RelatedKey(std::string_view config_type, std::string_view id, std::string_view name,
                       const Scope& scope) {
  const std::string type = AsffType(config_type);
  if (!name.empty() && !id.starts_with("arn:")) {
    const std::string_view kinds[][2] = {
        {"AWS::IAM::Role", "role/"}, {"AWS::IAM::User", "user/"}, {"AWS::IAM::Group", "group/"}};
    for (const auto& kind : kinds) {
      if (config_type == kind[0]) {
        return "arn:" + scope.partition + ":iam::" + scope.account + ":" + std::string(kind[1]) +
               std::string(name);
      }
    }
  }
  return Key(type, id.empty() ? name : id, scope);
}

void ConfigItem(simdjson::dom::element ci, const std::string& where, bool base,
                const Context& context, Parsed* out) {
  auto reject = [&](const std::string& why) { out->rejected.push_back({where, why}); };
  if (!ci.is_object()) return reject("a configuration item must be a JSON object");
  const std::string_view config_type = Str(ci, "resourceType");
  const std::string_view resource_id = Str(ci, "resourceId");
  std::string_view arn = Str(ci, "ARN");
  if (arn.empty()) arn = Str(ci, "arn");
  if (config_type.empty()) return reject("configuration item without resourceType");
  if (resource_id.empty() && arn.empty()) {
    return reject("configuration item of " + std::string(config_type) +
                  " without resourceId or ARN");
  }
  const std::string subject = std::string(resource_id.empty() ? arn : resource_id);
  simdjson::dom::element capture;
  std::optional<asff::TimeMs> observed;
  if (ci["configurationItemCaptureTime"].get(capture) == simdjson::SUCCESS)
    observed = Time(capture);
  if (!observed) {
    return reject(std::string(config_type) + " " + subject +
                  ": configurationItemCaptureTime is missing or not a timestamp (ISO 8601 text "
                  "or epoch seconds)");
  }
  const std::string_view status = Str(ci, "configurationItemStatus");
  if (status == "ResourceNotRecorded") {
    out->notes.push_back(where + ": " + std::string(config_type) + " " + subject +
                         " is not recorded by AWS Config (ResourceNotRecorded): nothing to learn");
    return;
  }
  Scope scope = FromArn(arn);
  std::string_view account = Str(ci, "awsAccountId");
  if (account.empty()) account = Str(ci, "accountId");
  if (!account.empty()) scope.account = std::string(account);
  if (const std::string_view region = Str(ci, "awsRegion"); !region.empty() && region != "global") {
    scope.region = std::string(region);
  }
  scope = Merge(std::move(scope), context.defaults);
  Item item;
  item.source = std::string(kConfigSource);
  item.subject_type = AsffType(config_type);
  item.subject_id = subject;
  item.observed_at = *observed;
  if (!arn.empty()) {
    item.subject_key = Key(item.subject_type, arn, scope);
  } else {
    if (scope.region.empty() || scope.account.empty()) {
      return reject(std::string(config_type) + " " + subject +
                    ": no ARN, and no awsRegion and account to make its key (give --region and "
                    "--account)");
    }
    item.subject_key = Key(item.subject_type, resource_id, scope);
  }
  if (!status.empty()) item.attributes.emplace_back("configurationItemStatus", status);
  if (const std::string_view name = Str(ci, "resourceName"); !name.empty()) {
    item.attributes.emplace_back("resourceName", name);
  }
  item.attributes.emplace_back("resourceType", config_type);
  if (status == "ResourceDeleted" || status == "ResourceDeletedNotRecorded") {
    item.deleted = true;  // what it stated is gone with it
    out->items.push_back(std::move(item));
    return;
  }
  simdjson::dom::array relationships;
  const bool has_relationships = Array(ci, "relationships", &relationships);
  if (base || !has_relationships) {
    // Without relationships the item says nothing about relations: storing it as stating none
    // would wrongly clear what an earlier item stated.
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element configuration;
    if (!ConfigurationOf(ci, parser, &configuration) ||
        !RelationsFromConfiguration(configuration, item, scope)) {
      return reject(std::string(config_type) + " " + subject +
                    ": the item has no relationships (batch-get-resource-config does not return "
                    "them): use get-resource-config-history or a snapshot for this type");
    }
    out->items.push_back(std::move(item));
    return;
  }
  std::size_t index = 0;
  for (simdjson::dom::element r : relationships) {
    const std::string at = Path(where, "relationships", index++);
    const std::string_view type = Str(r, "resourceType");
    const std::string_view id = Str(r, "resourceId");
    const std::string_view name = Str(r, "resourceName");
    std::string_view relationship = Str(r, "relationshipName");  // the API's member
    if (relationship.empty()) relationship = Str(r, "name");     // the delivered form's
    if (type.empty() || (id.empty() && name.empty())) {
      return out->rejected.push_back(
          {at,
           "relationship without resourceType and resourceId (or resourceName); the item is "
           "refused whole, so what an earlier item stated stays"});
    }
    const std::string related_type = AsffType(type);
    Relate(item, item.subject_key, item.subject_type, RelatedKey(type, id, name, scope),
           related_type, relationship);
  }
  out->items.push_back(std::move(item));
}

}  // namespace

void ParseConfig(simdjson::dom::element document, Kind kind, const Context& context, Parsed* out) {
  simdjson::dom::array items;
  switch (kind) {
    case Kind::kConfigItem: return ConfigItem(document, "", false, context, out);
    case Kind::kConfigItems:
    case Kind::kConfigBaseItems: {
      const bool base = kind == Kind::kConfigBaseItems;
      const std::string_view member = base ? "baseConfigurationItems" : "configurationItems";
      std::size_t index = 0;
      if (Array(document, member, &items)) {
        for (simdjson::dom::element ci : items) {
          ConfigItem(ci, Path("", member, index++), base, context, out);
        }
      }
      simdjson::dom::array unprocessed;
      if (base && Array(document, "unprocessedResourceKeys", &unprocessed)) {
        index = 0;
        for (simdjson::dom::element key : unprocessed) {
          out->rejected.push_back({Path("", "unprocessedResourceKeys", index++),
                                   "AWS Config did not process " +
                                       std::string(Str(key, "resourceType")) + " " +
                                       std::string(Str(key, "resourceId")) + ": ask for it again"});
        }
      }
      return;
    }
    case Kind::kConfigNotification: {
      simdjson::dom::element ci;
      if (document["configurationItem"].get(ci) != simdjson::SUCCESS) return;  // Classify checked
      return ConfigItem(ci, "configurationItem", false, context, out);
    }
    case Kind::kConfigOtherMessage: {
      const std::string_view type = Str(document, "messageType");
      if (type == "OversizedConfigurationItemChangeNotification") {
        simdjson::dom::element summary, s3;
        std::string what = "a configuration item";
        if (document["configurationItemSummary"].get(summary) == simdjson::SUCCESS) {
          what = std::string(Str(summary, "resourceType")) + " " +
                 std::string(Str(summary, "resourceId"));
        }
        std::string location;
        if (document["s3DeliverySummary"].get(s3) == simdjson::SUCCESS) {
          location = std::string(Str(s3, "s3BucketLocation"));
        }
        out->rejected.push_back(
            {"", "oversized change notification: AWS Config delivered " + what + " to S3 instead" +
                     (location.empty() ? "" : " (" + location + ")") + "; import that file"});
        return;
      }
      out->notes.push_back("AWS Config message of type '" + std::string(type.empty() ? "?" : type) +
                           "' carries no configuration item; passed over");
      return;
    }
    default: return;
  }
}

}  // namespace corroborate::inventory::internal
