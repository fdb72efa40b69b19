// The DynamoDB backend of FindingStore (store/store.h), for the AWS deployment: several Lambda
// invocations, or several servers, share one table.
//
// Table design (one table, docs/dynamodb.md has the details and why):
//   finding   pk f | lp(ProductArn) | Id, sk "f": the stored JSON, analyst mask and version,
//             with the sparse index attributes of the GSIs below and the TTL attribute;
//   version   pk v | be64(version), sk "v": which finding or inventory item a version is;
//   resource  pk r | canonical resource key: the resource's partition, holding an entry per
//             finding naming the resource (sk m | owner) and per relation stated about it
//             (sk g | lp(related key) | lp(related type) | owner), so one resource's evidence is
//             read with one strongly consistent Query;
//   inventory pk i | subject key, sk source;  auxiliary pk "a", sk key;  counter pk "c".
// GSIs (keys only; the item is then read strongly consistently and checked): by_updated (the
// default order of GetFindings, 4 shards merged), by_product, by_severity, by_record_state,
// by_workflow, by_compliance and by_generator (EQUALS filters on those fields, and the IoT audit
// archive), by_version (catch-up after a crash), by_last_seen (inventory expiry).
//
// Contract: the semantics of FindingStore, with DynamoDB's limits made explicit:
// - Every finding's items (record, version, resource entries, relations) are written in one
//   TransactWriteItems with a condition on the version it read (attribute_not_exists for a
//   creation, else the same version and an older UpdatedAt), so concurrent writers never lose an
//   update nor apply an older one over a newer: a writer that lost the race reads again and
//   merges again. A transaction holds at most 100 items, so an Import of more than that is
//   written as several transactions in order: if one fails, Import returns the error and the
//   findings of the earlier ones stay stored, each whole (re-importing the batch is harmless:
//   what is stored is ignored as stale). WriteAuxiliary is likewise atomic up to 100 writes.
// - Retention: every item carries `expires_at` (epoch seconds; the table's TTL attribute), the
//   time the finding's retention window ends, so DynamoDB deletes what no process deletes;
//   ApplyRetention deletes what is due itself, and reads of a finding past due still return it
//   until then, as the embedded store does between retention passes.
// - GSIs are eventually consistent: a GetFindings right after an Import may miss a finding
//   (Security Hub's own GetFindings is eventually consistent too); Get, FindingsForResource,
//   ResourceVersions, GetVersion and RelatedResources read the table and see every Import that
//   returned.
// - Compact and Flush have nothing to do.
#pragma once

#include <memory>
#include <string>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/status.h"
#include "store/store.h"

namespace corroborate::dynamodb {

struct DynamoDbStoreOptions {
  std::string table;
  std::string region;
  std::string endpoint_url;   // empty: https://dynamodb.<region>.amazonaws.com
  bool create_table = false;  // create the table (with its GSIs and TTL) when it is missing
  store::StoreOptions store;
};

// Checks that the table exists with the key schema and indexes above (creating it when asked)
// and fails with what is missing otherwise.
Result<std::unique_ptr<store::FindingStore>> OpenDynamoDbStore(
    const DynamoDbStoreOptions& options, std::unique_ptr<aws::HttpClient> http,
    std::unique_ptr<aws::CredentialChain> credentials);

// The CreateTable request for `table` (what deploy/corroborate.yaml must declare too).
std::string CreateTableRequest(const std::string& table);

}  // namespace corroborate::dynamodb
