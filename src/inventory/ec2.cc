// EC2: describe-instances (instance - network interfaces - security groups), describe-network-
// interfaces (interface - instance, interface - security groups) and describe-security-groups
// (the group itself, and what it leaves open to the internet), whole or an element at a time.
#include <set>

#include "inventory/internal.h"

namespace corroborate::inventory::internal {
namespace {

// The region: an availability zone's, else the default. Empty when neither says.
std::string RegionFrom(std::string_view zone, const Context& context) {
  std::string region = RegionOfZone(zone);
  return region.empty() ? context.defaults.region : region;
}

struct Subject {
  Item item;
  Scope scope;
};

// Starts an item about an EC2 resource; false (with the problem recorded) when its scope is not
// known.
bool Start(std::string_view source, std::string_view type, std::string_view id,
           std::string_view region, std::string_view account, const Context& context,
           const std::string& where, Parsed* out, Subject* subject) {
  subject->scope = Merge(Scope{"", std::string(region), std::string(account)}, context.defaults);
  if (subject->scope.region.empty() || subject->scope.account.empty()) {
    out->rejected.push_back(
        {where, std::string(type) + " " + std::string(id) + ": the output does not say its " +
                    (subject->scope.region.empty() ? "region" : "account") + "; give --" +
                    (subject->scope.region.empty() ? "region" : "account")});
    return false;
  }
  subject->item.source = std::string(source);
  subject->item.subject_type = std::string(type);
  subject->item.subject_id = std::string(id);
  subject->item.subject_key = Key(type, id, subject->scope);
  subject->item.observed_at = context.observed_at;
  return true;
}

void Attribute(Item& item, std::string_view name, std::string_view value) {
  if (!value.empty()) item.attributes.emplace_back(name, value);
}

// Each group's id in `groups` ([{GroupId, GroupName}]), related to `from`; false when one has
// no GroupId.
bool RelateGroups(simdjson::dom::element parent, std::string_view member, Item& item,
                  const std::string& from, std::string_view from_type, const Scope& scope,
                  std::string_view name) {
  simdjson::dom::array groups;
  if (!Array(parent, member, &groups)) return true;
  for (simdjson::dom::element g : groups) {
    const std::string_view id = Str(g, "GroupId");
    if (id.empty()) return false;
    Relate(item, from, from_type, Key(kSecurityGroup, id, scope), kSecurityGroup, name);
  }
  return true;
}

void Instance(simdjson::dom::element instance, std::string_view owner, const std::string& where,
              const Context& context, Parsed* out) {
  const std::string_view id = Str(instance, "InstanceId");
  if (id.empty()) {
    out->rejected.push_back({where, "instance without InstanceId"});
    return;
  }
  simdjson::dom::element placement, state;
  std::string_view zone;
  if (instance["Placement"].get(placement) == simdjson::SUCCESS) {
    zone = Str(placement, "AvailabilityZone");
  }
  Subject s;
  if (!Start(kDescribeInstances, kInstance, id, RegionFrom(zone, context), owner, context, where,
             out, &s)) {
    return;
  }
  Item& item = s.item;
  std::string_view state_name;
  if (instance["State"].get(state) == simdjson::SUCCESS) state_name = Str(state, "Name");
  Attribute(item, "State", state_name);
  Attribute(item, "PublicIpAddress", Str(instance, "PublicIpAddress"));
  Attribute(item, "PrivateIpAddress", Str(instance, "PrivateIpAddress"));
  Attribute(item, "InstanceType", Str(instance, "InstanceType"));
  Attribute(item, "VpcId", Str(instance, "VpcId"));
  Attribute(item, "SubnetId", Str(instance, "SubnetId"));
  if (state_name == "terminated") {
    item.deleted = true;  // a terminated instance has no interfaces or groups any more
    out->items.push_back(std::move(item));
    return;
  }
  simdjson::dom::array interfaces;
  if (Array(instance, "NetworkInterfaces", &interfaces)) {
    std::size_t index = 0;
    for (simdjson::dom::element eni : interfaces) {
      const std::string at = Path(where, "NetworkInterfaces", index++);
      const std::string_view eni_id = Str(eni, "NetworkInterfaceId");
      if (eni_id.empty()) {
        out->rejected.push_back({at, "network interface without NetworkInterfaceId"});
        return;
      }
      const std::string eni_key = Key(kInterface, eni_id, s.scope);
      Relate(item, item.subject_key, kInstance, eni_key, kInterface, "NetworkInterfaces");
      if (!RelateGroups(eni, "Groups", item, eni_key, kInterface, s.scope,
                        "NetworkInterfaces.Groups")) {
        out->rejected.push_back({at, "security group without GroupId"});
        return;
      }
      simdjson::dom::element association;
      if (eni["Association"].get(association) == simdjson::SUCCESS &&
          !Str(association, "PublicIp").empty() && Str(instance, "PublicIpAddress").empty()) {
        Attribute(item, "PublicIpAddress", Str(association, "PublicIp"));
      }
    }
  }
  if (!RelateGroups(instance, "SecurityGroups", item, item.subject_key, kInstance, s.scope,
                    "SecurityGroups")) {
    out->rejected.push_back({where, "security group without GroupId"});
    return;
  }
  out->items.push_back(std::move(item));
}

void Reservation(simdjson::dom::element reservation, const std::string& where,
                 const Context& context, Parsed* out) {
  if (!Has(reservation, "Instances")) {  // one instance on its own
    return Instance(reservation, Str(reservation, "OwnerId"), where, context, out);
  }
  simdjson::dom::array instances;
  if (!Array(reservation, "Instances", &instances)) {
    out->rejected.push_back({where, "Instances is not an array"});
    return;
  }
  const std::string_view owner = Str(reservation, "OwnerId");
  std::size_t index = 0;
  for (simdjson::dom::element instance : instances) {
    Instance(instance, owner, Path(where, "Instances", index++), context, out);
  }
}

void NetworkInterface(simdjson::dom::element eni, const std::string& where, const Context& context,
                      Parsed* out) {
  const std::string_view id = Str(eni, "NetworkInterfaceId");
  if (id.empty()) {
    out->rejected.push_back({where, "network interface without NetworkInterfaceId"});
    return;
  }
  Subject s;
  if (!Start(kDescribeNetworkInterfaces, kInterface, id,
             RegionFrom(Str(eni, "AvailabilityZone"), context), Str(eni, "OwnerId"), context, where,
             out, &s)) {
    return;
  }
  Item& item = s.item;
  Attribute(item, "Status", Str(eni, "Status"));
  Attribute(item, "InterfaceType", Str(eni, "InterfaceType"));
  Attribute(item, "PrivateIpAddress", Str(eni, "PrivateIpAddress"));
  Attribute(item, "Description", Str(eni, "Description"));
  simdjson::dom::element attachment, association;
  if (eni["Association"].get(association) == simdjson::SUCCESS) {
    Attribute(item, "PublicIp", Str(association, "PublicIp"));
  }
  if (eni["Attachment"].get(attachment) == simdjson::SUCCESS) {
    const std::string_view instance = Str(attachment, "InstanceId");
    Attribute(item, "Attachment.Status", Str(attachment, "Status"));
    // A detaching interface is on its way off the instance; AWS Config and the next describe say
    // detached, so it states no attachment now.
    if (!instance.empty() && Str(attachment, "Status") != "detached") {
      Relate(item, item.subject_key, kInterface, Key(kInstance, instance, s.scope), kInstance,
             "Attachment.InstanceId");
    }
  }
  if (!RelateGroups(eni, "Groups", item, item.subject_key, kInterface, s.scope, "Groups")) {
    out->rejected.push_back({where, "security group without GroupId"});
    return;
  }
  out->items.push_back(std::move(item));
}

// "tcp/22, tcp/8443-8444, all": what an ingress rule list opens to 0.0.0.0/0 or ::/0.
std::string OpenToTheInternet(simdjson::dom::element group) {
  simdjson::dom::array permissions;
  if (!Array(group, "IpPermissions", &permissions)) return {};
  std::set<std::string> open;
  for (simdjson::dom::element p : permissions) {
    bool world = false;
    simdjson::dom::array ranges;
    if (Array(p, "IpRanges", &ranges)) {
      for (simdjson::dom::element r : ranges) world |= Str(r, "CidrIp") == "0.0.0.0/0";
    }
    if (Array(p, "Ipv6Ranges", &ranges)) {
      for (simdjson::dom::element r : ranges) world |= Str(r, "CidrIpv6") == "::/0";
    }
    if (!world) continue;
    std::string protocol(Str(p, "IpProtocol"));
    if (protocol == "-1") {
      open.insert("all");
      continue;
    }
    std::int64_t from = -1, to = -1;
    if (p["FromPort"].get_int64().get(from) != simdjson::SUCCESS) from = -1;
    if (p["ToPort"].get_int64().get(to) != simdjson::SUCCESS) to = from;
    std::string ports = protocol + "/" + std::to_string(from);
    if (to != from) ports += "-" + std::to_string(to);
    open.insert(ports);
  }
  std::string out;
  for (const std::string& o : open) out += (out.empty() ? "" : ", ") + o;
  return out;
}

void SecurityGroup(simdjson::dom::element group, const std::string& where, const Context& context,
                   Parsed* out) {
  const std::string_view id = Str(group, "GroupId");
  if (id.empty()) {
    out->rejected.push_back({where, "security group without GroupId"});
    return;
  }
  const Scope from_arn = FromArn(Str(group, "SecurityGroupArn"));
  std::string_view account = Str(group, "OwnerId");
  if (account.empty()) account = from_arn.account;
  Subject s;
  if (!Start(kDescribeSecurityGroups, kSecurityGroup, id,
             from_arn.region.empty() ? std::string_view(context.defaults.region)
                                     : std::string_view(from_arn.region),
             account, context, where, out, &s)) {
    return;
  }
  // A group states no relations of its own: its instances and interfaces say they use it, and
  // its VPC is not a relation correlation walks (asff::JoinsThrough).
  Attribute(s.item, "GroupName", Str(group, "GroupName"));
  Attribute(s.item, "VpcId", Str(group, "VpcId"));
  Attribute(s.item, "OpenToTheInternet", OpenToTheInternet(group));
  out->items.push_back(std::move(s.item));
}

template <typename Each>
void Elements(simdjson::dom::element document, std::string_view member, const Context& context,
              Parsed* out, Each each) {
  simdjson::dom::array list;
  if (!Array(document, member, &list)) return;  // Classify checked
  std::size_t index = 0;
  for (simdjson::dom::element e : list) {
    const std::string where = Path("", member, index++);
    if (!e.is_object()) {
      out->rejected.push_back({where, "expected a JSON object"});
      continue;
    }
    each(e, where, context, out);
  }
}

}  // namespace

void ParseEc2(simdjson::dom::element document, Kind kind, const Context& context, Parsed* out) {
  switch (kind) {
    case Kind::kEc2Instances: return Elements(document, "Reservations", context, out, Reservation);
    case Kind::kEc2Reservation: return Reservation(document, "", context, out);
    case Kind::kEc2NetworkInterfaces:
      return Elements(document, "NetworkInterfaces", context, out, NetworkInterface);
    case Kind::kEc2NetworkInterface: return NetworkInterface(document, "", context, out);
    case Kind::kEc2SecurityGroups:
      return Elements(document, "SecurityGroups", context, out, SecurityGroup);
    case Kind::kEc2SecurityGroup: return SecurityGroup(document, "", context, out);
    default: return;
  }
}

}  // namespace corroborate::inventory::internal
