// What one device and one user may keep on the server and send to it, set by the
// office (`fieldsync-server quota`) with defaults: bytes of attachments, whole and in
// uploads not yet finished, and changes in a day. Each quota is declared once here,
// with its default; the server's settings hold the office's values ("quota.<name>").
// Private to server-stub.
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
};

struct QuotaDef {
  const char* name;  // "blob_mb_per_device"
  int64_t Quotas::*value;
  const char* unit;  // "MiB" or "changes"
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

}  // namespace fieldsync::server
