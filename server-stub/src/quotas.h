// What one device and one user may keep on the server and send to it, set by the
// office (`fieldsync-server quota`) with defaults: bytes of attachments, whole and in
// uploads not yet finished, changes in a day, and how long a device token lives. Each
// quota is declared once here, with its default; the server's settings hold the
// office's values ("quota.<name>"). Private to server-stub.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fieldsync/server/server_store.h"
#include "fieldsync/status.h"

namespace fieldsync::server {

struct Quotas {
  int64_t blob_mb_per_device = 1024;
  int64_t blob_mb_per_user = 2048;
  int64_t partial_mb_per_device = 256;
  int64_t partial_mb_per_user = 512;
  // Changes taken or refused in the last 24 hours (refused ones are kept too).
  int64_t changes_per_day_per_device = 20000;
  int64_t changes_per_day_per_user = 40000;
  // How long a device token lives: it expires after this many days without a sync (a
  // lost phone's token dies with time; the office readmits a phone that comes back),
  // and a syncing phone of protocol 3 is given a new one after this many days.
  int64_t token_days_unused = 90;
  int64_t token_rotation_days = 7;
};

struct QuotaDef {
  const char* name;  // "blob_mb_per_device"
  int64_t Quotas::*value;
  const char* unit;  // "MiB", "changes" or "days"
  int64_t max;       // the largest value the office may set (the least is 1)
  const char* about;  // for people
};

// Every quota, in the order `quota` lists them.
const std::vector<QuotaDef>& quota_defs();

// The quotas in force: the defaults of Quotas, with the office's values over them.
Result<Quotas> load_quotas(ServerTransaction& txn);
// Sets one quota (a whole number, 1 to its max); invalid_argument naming the quotas
// for an unknown name or a bad value.
Status set_quota(ServerTransaction& txn, const std::string& name, const std::string& value);

// Whether `device`'s token has expired by `now_ms`: it has not synced for more than
// token_days_unused, counted from its last sync or its token's issue, whichever is
// later (docs/protocol.md, "Token rotation").
bool token_expired(const Device& device, const Quotas& quotas, int64_t now_ms);

}  // namespace fieldsync::server
