#include "pipeline/iot_pull.h"

#include <simdjson.h>

#include "asff/json_writer.h"
#include "sources/sources.h"

namespace corroborate::pipeline {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Result<object> ParseObject(simdjson::dom::parser& parser, std::string_view json,
                           std::string_view what) {
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS) {
    return Status::InvalidInput(std::string(what) +
                                " is not JSON: " + simdjson::error_message(err));
  }
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidInput(std::string(what) + " is not a JSON object");
  }
  return obj;
}

// Copies `from[name]` into the object being written as `as`, when present and not null.
void CopyMember(asff::JsonWriter& w, object from, std::string_view name, std::string_view as) {
  element e;
  if (from[name].get(e) == simdjson::SUCCESS && !e.is_null()) w.Key(as).Element(e);
}

// The next page's token, or empty at the last page.
std::string NextToken(object page) {
  std::string_view token;
  if (page["nextToken"].get_string().get(token) != simdjson::SUCCESS) return {};
  return std::string(token);
}

// Feeds one document to the importer as the reader of a file would.
void Import(IotImporter& importer, const std::string& json, const std::string& name) {
  sources::ReadFindingsFromBuffer(json, name, importer);
}

}  // namespace

Result<std::string> NoticeFromDescribeAuditTask(std::string_view response, std::string_view task_id,
                                                std::string_view account) {
  simdjson::dom::parser parser;
  auto task = ParseObject(parser, response, "the DescribeAuditTask response");
  if (!task.ok()) return task.status();
  std::string_view status;
  if ((*task)["taskStatus"].get_string().get(status) != simdjson::SUCCESS) {
    return Status::InvalidInput("the DescribeAuditTask response has no taskStatus");
  }
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject().Key("accountId").String(account).Key("taskId").String(task_id);
  w.Key("taskStatus").String(status);
  CopyMember(w, *task, "taskType", "taskType");
  CopyMember(w, *task, "scheduledAuditName", "scheduledAuditName");
  CopyMember(w, *task, "taskStartTime", "taskStartTime");
  object stats;
  if ((*task)["taskStatistics"].get_object().get(stats) == simdjson::SUCCESS) {
    for (const auto& [from, to] : {std::pair{"failedChecks", "failedChecksCount"},
                                   {"canceledChecks", "canceledChecksCount"},
                                   {"nonCompliantChecks", "nonCompliantChecksCount"},
                                   {"compliantChecks", "compliantChecksCount"},
                                   {"totalChecks", "totalChecksCount"}}) {
      CopyMember(w, stats, from, to);
    }
  }
  w.Key("auditDetails").BeginArray();
  object details;
  if ((*task)["auditDetails"].get_object().get(details) == simdjson::SUCCESS) {
    for (const auto field : details) {
      object check;
      if (field.value.get_object().get(check) != simdjson::SUCCESS) {
        return Status::InvalidInput("auditDetails." + std::string(field.key) + " is not an object");
      }
      w.BeginObject().Key("checkName").String(field.key);
      for (const auto member : check) w.Key(member.key).Element(member.value);
      w.EndObject();
    }
  }
  w.EndArray().EndObject();
  return out;
}

Result<std::string> ViolationMessageFromActive(std::string_view active_violation) {
  simdjson::dom::parser parser;
  auto v = ParseObject(parser, active_violation, "the active violation");
  if (!v.ok()) return v.status();
  std::string_view id;
  if ((*v)["violationId"].get_string().get(id) != simdjson::SUCCESS) {
    return Status::InvalidInput("the active violation has no violationId");
  }
  std::string out;
  asff::JsonWriter w(out);
  w.BeginObject().Key("violationEventType").String("in-alarm").Key("violationId").String(id);
  for (const char* member :
       {"thingName", "securityProfileName", "behavior", "violationEventAdditionalInfo",
        "verificationState", "verificationStateDescription"}) {
    CopyMember(w, *v, member, member);
  }
  CopyMember(w, *v, "lastViolationValue", "metricValue");
  element when;
  if ((*v)["lastViolationTime"].get(when) == simdjson::SUCCESS && !when.is_null()) {
    w.Key("violationEventTime").Element(when);
  } else {
    CopyMember(w, *v, "violationStartTime", "violationEventTime");
  }
  w.EndObject();
  return out;
}

Status PullAudit(IotApi& api, IotImporter& importer, std::string_view task_id,
                 std::string_view account, IotPullReport* report) {
  const std::string task(task_id);
  auto described = api.DescribeAuditTask(task_id);
  if (!described.ok()) return described.status().WithContext("DescribeAuditTask " + task);
  auto notice = NoticeFromDescribeAuditTask(*described, task_id, account);
  if (!notice.ok()) return notice.status().WithContext("DescribeAuditTask " + task);
  Import(importer, *notice, "DescribeAuditTask " + task);
  simdjson::dom::parser parser;
  std::string token;
  for (std::uint64_t page_number = 1;; ++page_number) {
    auto page = api.ListAuditFindings(task_id, token);
    const std::string name = "ListAuditFindings " + task + " page " + std::to_string(page_number);
    if (!page.ok()) return page.status().WithContext(name);
    auto parsed = ParseObject(parser, *page, name);
    if (!parsed.ok()) return parsed.status();
    simdjson::dom::array findings;
    if ((*parsed)["findings"].get_array().get(findings) != simdjson::SUCCESS) {
      return Status::InvalidInput(name + " has no findings array");
    }
    ++report->pages;
    report->audit_findings += findings.size();
    token = NextToken(*parsed);
    Import(importer, *page, name);
    if (token.empty()) break;
  }
  return importer.CompleteAudits();
}

Status PullActiveViolations(IotApi& api, IotImporter& importer, IotPullReport* report) {
  simdjson::dom::parser parser;
  std::string token;
  for (std::uint64_t page_number = 1;; ++page_number) {
    auto page = api.ListActiveViolations(token);
    const std::string name = "ListActiveViolations page " + std::to_string(page_number);
    if (!page.ok()) return page.status().WithContext(name);
    auto parsed = ParseObject(parser, *page, name);
    if (!parsed.ok()) return parsed.status();
    simdjson::dom::array violations;
    if ((*parsed)["activeViolations"].get_array().get(violations) != simdjson::SUCCESS) {
      return Status::InvalidInput(name + " has no activeViolations array");
    }
    ++report->pages;
    token = NextToken(*parsed);
    std::size_t index = 0;
    for (const element item : violations) {
      auto message = ViolationMessageFromActive(simdjson::minify(item));
      const std::string where = name + " activeViolations[" + std::to_string(index++) + "]";
      if (!message.ok()) return message.status().WithContext(where);
      ++report->active_violations;
      Import(importer, *message, where);
    }
    if (token.empty()) break;
  }
  return Status::Ok();
}

}  // namespace corroborate::pipeline
