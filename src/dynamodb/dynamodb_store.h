// The DynamoDB backend of FindingStore (store/store.h), for the AWS deployment: several Lambda
// invocations, or several servers, share one table.
//
// Table design (one table, docs/dynamodb.md has the details and why):
//   finding   pk f | lp(ProductArn) | Id, sk "f": the stored JSON, analyst mask, version and a
//             write counter, with the sparse index attributes of the GSIs below and the TTL;
//   version   pk v | be64(version), sk "v": which finding or inventory item a version is; and
//             pk x | kind | shard, sk be64(version): the versions in order, read consistently;
//   resource  pk r | canonical resource key: the resource's partition, holding an entry per
//             finding naming the resource and per relation stated about it (sort keys are
//             digests of what they name, which the entries hold), so one resource's evidence is
//             read with one strongly consistent Query;
//   inventory pk i | subject key, sk digest of the source;  auxiliary pk "a", sk the key;
//   counter   pk "c": the last version given out.
// GSIs (keys only; the record is then read strongly consistently and checked): by_updated (the
// default order of GetFindings, 4 shards merged), by_product, by_severity, by_record_state,
// by_workflow, by_compliance and by_generator (EQUALS filters on those fields, and the IoT audit
// archive), by_last_seen (inventory expiry).
//
// Contract: the semantics of FindingStore, with DynamoDB's limits made explicit:
// - Every finding's items (record, version, resource entries, relations) are written in one
//   TransactWriteItems whose record put is conditioned on what was read (attribute_not_exists
//   for a creation, else the same write counter and an older UpdatedAt), so concurrent writers
//   never lose an update nor apply an older revision over a newer: a writer that lost the race
//   reads again and merges again. Transactions carry a ClientRequestToken, so a retried request
//   whose first answer was lost is not applied twice.
// - A transaction holds at most 100 items and 4 MB, so an Import that needs more is written as
//   several transactions in order: if one fails, Import returns the error and the findings of
//   the earlier ones stay stored, each whole (re-importing the batch is harmless: what is stored
//   is ignored as stale). A single finding with more than 100 items writes its new entries
//   first (each transaction checking the record is as read), then the record, then the removal
//   of its old version's entries; entries whose version is not the record's are ignored by
//   FindingsForResource. WriteAuxiliary and BatchUpdate are atomic within one transaction's
//   limits.
// - Retention: every item of a finding carries `expires_at` (epoch seconds; the table's TTL
//   attribute), the end of its retention window, so DynamoDB deletes what no process deletes;
//   ApplyRetention deletes what is due itself. An inventory item's TTL is a week after its
//   relations stop counting, so that ApplyRetention (or a new sighting) acts first, as in the
//   embedded store.
// - GSIs are eventually consistent: a GetFindings (or FindingsOfGeneratorBefore) right after an
//   Import may miss a finding (Security Hub's own GetFindings is eventually consistent too).
//   Get, FindingsForResource, ResourceVersions, GetVersion, RelatedResources, the version walks
//   and the inventory reads see every Import that returned.
// - With several writers, LastVersion (the counter) can be ahead of what is stored: a version
//   another process reserved is stored when its transaction commits, and is that process's to
//   correlate.
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
