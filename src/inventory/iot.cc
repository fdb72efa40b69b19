// AWS IoT: list-thing-principals (thing - certificate), list-principal-things (certificate -
// thing), list-attached-policies (certificate - policy), list-targets-for-policy (policy -
// certificate), describe-thing (attributes, default client id), and the snapshot form of
// `corroborate iot --inventory`.
#include "inventory/internal.h"

namespace corroborate::inventory::internal {
namespace {

// The ASFF type of an IoT principal or target: a certificate or thing group ARN says; Cognito
// identities and IAM principals are Other.
std::string TypeOfPrincipal(std::string_view principal) {
  std::string type = TypeOfKey(principal);
  return type.empty() || !principal.starts_with("arn:") ? std::string(kOther) : type;
}

// The strings of `member`, or of `objects_member`[].`field` (the V2 operations' form).
std::vector<std::string_view> Names(simdjson::dom::element d, std::string_view member,
                                    std::string_view objects_member, std::string_view field) {
  std::vector<std::string_view> out;
  simdjson::dom::array list;
  if (Array(d, member, &list)) {
    for (simdjson::dom::element e : list) {
      std::string_view s;
      if (e.get_string().get(s) == simdjson::SUCCESS && !s.empty()) out.push_back(s);
    }
  } else if (Array(d, objects_member, &list)) {
    for (simdjson::dom::element e : list) {
      if (!Str(e, field).empty()) out.push_back(Str(e, field));
    }
  }
  return out;
}

// The scope of a subject named by `name_or_arn`: its ARN's, else the first ARN among `others`,
// else the defaults; InvalidInput naming what to give when a name stays without region or account.
Result<Scope> ScopeOf(std::string_view name_or_arn, const std::vector<std::string_view>& others,
                      const Context& context, std::string_view what, std::string_view option) {
  Scope scope = FromArn(name_or_arn);
  if (!name_or_arn.starts_with("arn:")) {
    for (std::string_view other : others) {
      if (other.starts_with("arn:")) {
        scope = FromArn(other);
        break;
      }
    }
  }
  scope = Merge(std::move(scope), context.defaults);
  if (scope.region.empty() || scope.account.empty()) {
    return Status::InvalidInput(std::string(what) + " '" + std::string(name_or_arn) +
                                "' has no ARN, so its region and account are not known: give " +
                                "--region and --account, or " + std::string(option) + " as an ARN");
  }
  return scope;
}

std::string ThingName(std::string_view name_or_arn) {
  const std::size_t slash = name_or_arn.rfind("thing/");
  return name_or_arn.starts_with("arn:") && slash != std::string_view::npos
             ? std::string(name_or_arn.substr(slash + 6))
             : std::string(name_or_arn);
}

Item Start(std::string_view source, std::string key, std::string_view type, std::string_view id,
           const Context& context) {
  Item item;
  item.source = std::string(source);
  item.subject_key = std::move(key);
  item.subject_type = std::string(type);
  item.subject_id = std::string(id);
  item.observed_at = context.observed_at;
  return item;
}

Status ThingPrincipals(simdjson::dom::element d, std::string_view thing_given,
                       const std::string& where, const Context& context, Parsed* out) {
  std::string_view thing = Str(d, "thingName");
  if (thing.empty()) thing = thing_given;
  if (thing.empty()) {
    return Status::InvalidInput(
        "list-thing-principals output does not name its thing: give --thing NAME|ARN, or write "
        "the request's \"thingName\" into the document");
  }
  const std::vector<std::string_view> principals =
      Names(d, "principals", "thingPrincipalObjects", "principal");
  auto scope = ScopeOf(thing, principals, context, "thing", "--thing");
  if (!scope.ok()) return scope.status();
  const std::string key =
      thing.starts_with("arn:") ? std::string(thing) : Key(asff::kIotThingType, thing, *scope);
  Item item = Start(kListThingPrincipals, key, asff::kIotThingType, ThingName(thing), context);
  for (std::string_view p : principals) {
    if (TypeOfPrincipal(p) != kIotCertificate) {
      out->notes.push_back(Path(where, "principals") + ": principal " + std::string(p) +
                           " of thing " + item.subject_id + " is not a certificate; not related");
      continue;
    }
    Relate(item, key, asff::kIotThingType, std::string(p), kIotCertificate, "principal");
  }
  out->items.push_back(std::move(item));
  return Status::Ok();
}

Status PrincipalThings(simdjson::dom::element d, const Context& context, Parsed* out) {
  std::string_view principal = Str(d, "principal");
  if (principal.empty()) principal = context.principal;
  if (principal.empty()) {
    return Status::InvalidInput(
        "list-principal-things output does not name its principal: give --principal ARN, or "
        "write the request's \"principal\" into the document");
  }
  auto scope = ScopeOf(principal, {}, context, "principal", "--principal");
  if (!scope.ok()) return scope.status();
  const std::string type = TypeOfPrincipal(principal);
  const std::string key = Key(type, principal, *scope);
  Item item = Start(kListPrincipalThings, key, type, principal, context);
  for (std::string_view thing : Names(d, "things", "principalThingObjects", "thingName")) {
    Relate(item, key, type, Key(asff::kIotThingType, thing, *scope), asff::kIotThingType, "thing");
  }
  out->items.push_back(std::move(item));
  return Status::Ok();
}

Status AttachedPolicies(simdjson::dom::element d, std::string_view target_given,
                        const Context& context, Parsed* out) {
  std::string_view target = Str(d, "target");
  if (target.empty()) target = target_given;
  if (target.empty()) {
    return Status::InvalidInput(
        "list-attached-policies output does not name its target: give --target ARN (the "
        "certificate), or write the request's \"target\" into the document");
  }
  auto scope = ScopeOf(target, {}, context, "target", "--target");
  if (!scope.ok()) return scope.status();
  const std::string type = TypeOfPrincipal(target);
  const std::string key = Key(type, target, *scope);
  Item item = Start(kListAttachedPolicies, key, type, target, context);
  simdjson::dom::array policies;
  if (Array(d, "policies", &policies)) {
    for (simdjson::dom::element p : policies) {
      const std::string_view arn = Str(p, "policyArn");
      const std::string_view name = Str(p, "policyName");
      if (arn.empty() && name.empty()) continue;
      Relate(item, key, type, Key(kIotPolicy, arn.empty() ? name : arn, *scope), kIotPolicy,
             "attached policy");
    }
  }
  out->items.push_back(std::move(item));
  return Status::Ok();
}

Status TargetsForPolicy(simdjson::dom::element d, const Context& context, Parsed* out) {
  std::string_view policy = Str(d, "policyName");
  if (policy.empty()) policy = context.policy;
  if (policy.empty()) {
    return Status::InvalidInput(
        "list-targets-for-policy output does not name its policy: give --policy NAME|ARN, or "
        "write the request's \"policyName\" into the document");
  }
  const std::vector<std::string_view> targets = Names(d, "targets", "", "");
  auto scope = ScopeOf(policy, targets, context, "policy", "--policy");
  if (!scope.ok()) return scope.status();
  const std::string key = Key(kIotPolicy, policy, *scope);
  const std::size_t slash = policy.rfind("policy/");
  const std::string name = policy.starts_with("arn:") && slash != std::string_view::npos
                               ? std::string(policy.substr(slash + 7))
                               : std::string(policy);
  Item item = Start(kListTargetsForPolicy, key, kIotPolicy, name, context);
  for (std::string_view target : targets) {
    const std::string type = TypeOfPrincipal(target);
    Relate(item, key, kIotPolicy, Key(type, target, *scope), type, "target");
  }
  out->items.push_back(std::move(item));
  return Status::Ok();
}

Status DescribeThing(simdjson::dom::element d, const Context& context, Parsed* out) {
  const std::string_view arn = Str(d, "thingArn");
  const std::string_view name = Str(d, "thingName");
  if (arn.empty() && name.empty()) {
    return Status::InvalidInput("describe-thing output without thingName or thingArn");
  }
  auto scope = ScopeOf(arn.empty() ? name : arn, {}, context, "thing", "the output's thingArn");
  if (!scope.ok()) return scope.status();
  const std::string key = arn.empty() ? Key(asff::kIotThingType, name, *scope) : std::string(arn);
  Item item = Start(kDescribeThing, key, asff::kIotThingType,
                    name.empty() ? ThingName(arn) : std::string(name), context);
  for (std::string_view member : {"thingTypeName", "billingGroupName", "thingId"}) {
    if (!Str(d, member).empty()) item.attributes.emplace_back(member, Str(d, member));
  }
  std::int64_t version = 0;
  if (d["version"].get_int64().get(version) == simdjson::SUCCESS) {
    item.attributes.emplace_back("version", std::to_string(version));
  }
  simdjson::dom::object attributes;
  if (d["attributes"].get_object().get(attributes) == simdjson::SUCCESS) {
    for (auto [k, v] : attributes) {
      std::string_view value;
      if (v.get_string().get(value) == simdjson::SUCCESS) {
        item.attributes.emplace_back("attributes." + std::string(k), value);
      }
    }
  }
  // The client id the thing connects with by default: audit findings name client ids.
  if (const std::string_view client = Str(d, "defaultClientId"); !client.empty()) {
    Relate(item, key, asff::kIotThingType,
           Key(kOther, std::string(asff::kIotClientIdPrefix) + std::string(client), *scope), kOther,
           "defaultClientId");
  }
  out->items.push_back(std::move(item));
  return Status::Ok();
}

// {"thingPrincipals": [{"thingName", "principals"}], "principalPolicies": [{"principal",
// "policies": [{"policyName"}]}]}: each entry is an item; one that cannot be used is rejected.
void Snapshot(simdjson::dom::element d, const Context& context, Parsed* out) {
  for (std::string_view member : {"thingPrincipals", "principalPolicies"}) {
    simdjson::dom::array entries;
    if (!Array(d, member, &entries)) {
      if (Has(d, member)) out->rejected.push_back({std::string(member), "expected an array"});
      continue;
    }
    std::size_t index = 0;
    for (simdjson::dom::element e : entries) {
      const std::string where = Path("", member, index++);
      Status s;
      if (!e.is_object()) {
        s = Status::InvalidInput("expected a JSON object");
      } else if (member == "thingPrincipals") {
        s = Str(e, "thingName").empty()
                ? Status::InvalidInput("entry without thingName")
                : ThingPrincipals(e, Str(e, "thingName"), where, context, out);
      } else {
        s = Str(e, "principal").empty() ? Status::InvalidInput("entry without principal")
                                        : AttachedPolicies(e, Str(e, "principal"), context, out);
      }
      if (!s.ok()) out->rejected.push_back({where, s.message()});
    }
  }
}

}  // namespace

Status ParseIot(simdjson::dom::element document, Kind kind, const Context& context, Parsed* out) {
  switch (kind) {
    case Kind::kIotThingPrincipals:
      return ThingPrincipals(document, context.thing, "", context, out);
    case Kind::kIotPrincipalThings: return PrincipalThings(document, context, out);
    case Kind::kIotAttachedPolicies:
      return AttachedPolicies(document, context.target, context, out);
    case Kind::kIotTargetsForPolicy: return TargetsForPolicy(document, context, out);
    case Kind::kIotThing: return DescribeThing(document, context, out);
    case Kind::kIotInventorySnapshot: Snapshot(document, context, out); return Status::Ok();
    default: return Status::Ok();
  }
}

}  // namespace corroborate::inventory::internal
