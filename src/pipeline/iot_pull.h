// IotPull: Device Defender data read live from the IoT API, fed to an IotImporter as if it had
// arrived as messages (docs/iot.md, "Pulling from the IoT API").
//
// Contract:
// - IotApi is the three calls a pull makes, each answering the API's JSON response body (the AWS
//   edge implements it over signed HTTPS, aws/iot_client.h; tests serve recorded pages). A call
//   that fails returns its error, which the pull returns with what it was doing.
// - PullAudit reads one audit task: DescribeAuditTask becomes the audit-complete notice the
//   importer would have received over SNS (account from `account`, the API does not say it; the
//   check details from auditDetails), then every page of ListAuditFindings for the task
//   (listSuppressedFindings true, so suppressed findings are archived), page after page until no
//   nextToken, each page imported as it arrives (memory: one page). Then CompleteAudits settles the
//   task (archiving what the audit no longer reports). A task that is not COMPLETED is imported
//   but settles nothing, as a notice of it would.
// - PullActiveViolations reads every page of ListActiveViolations; each active violation becomes
//   the in-alarm violation message it stands for (its last value as metricValue, its last
//   violation time, its verification state carried), so violations missed while no SNS
//   subscription was delivering are stored, and their verification states applied.
// - A page that is not the JSON the API documents is an error naming the call and page, never
//   skipped. Tokens are passed back as received.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "pipeline/iot_import.h"

namespace corroborate::pipeline {

class IotApi {
 public:
  virtual ~IotApi() = default;
  virtual Result<std::string> DescribeAuditTask(std::string_view task_id) = 0;
  // next_token empty: the first page.
  virtual Result<std::string> ListAuditFindings(std::string_view task_id,
                                                std::string_view next_token) = 0;
  virtual Result<std::string> ListActiveViolations(std::string_view next_token) = 0;
};

struct IotPullReport {
  std::uint64_t pages = 0;
  std::uint64_t audit_findings = 0;     // items of ListAuditFindings pages
  std::uint64_t active_violations = 0;  // items of ListActiveViolations pages
};

// The audit-complete notice (the SNS message's JSON) for a DescribeAuditTask response.
Result<std::string> NoticeFromDescribeAuditTask(std::string_view response, std::string_view task_id,
                                                std::string_view account);
// The in-alarm violation message for one ActiveViolation (its JSON).
Result<std::string> ViolationMessageFromActive(std::string_view active_violation);

Status PullAudit(IotApi& api, IotImporter& importer, std::string_view task_id,
                 std::string_view account, IotPullReport* report);
Status PullActiveViolations(IotApi& api, IotImporter& importer, IotPullReport* report);

}  // namespace corroborate::pipeline
