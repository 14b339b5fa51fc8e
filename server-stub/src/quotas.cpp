#include "quotas.h"

#include <algorithm>

#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

constexpr int64_t kMaxMb = int64_t{1} << 20;  // 1 TiB
constexpr int64_t kMaxChangesADay = 10'000'000;

std::string quota_names() {
  std::string names;
  for (const QuotaDef& q : quota_defs()) names += (names.empty() ? "" : ", ") + std::string(q.name);
  return names;
}

Result<int64_t> parse_limit(const QuotaDef& q, const std::string& text) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::invalid_argument("'" + utf8_prefix(text, 40) + "' is not a whole number of " +
                                    q.unit);
  }
  const int64_t limit = std::stoll(text);
  if (limit < 1 || limit > q.max) {
    return Status::invalid_argument(text + " " + q.unit + " is outside 1 to " +
                                    std::to_string(q.max));
  }
  return limit;
}

}  // namespace

const std::vector<QuotaDef>& quota_defs() {
  static const std::vector<QuotaDef> defs = {
      {"blob_mb_per_device", &Quotas::blob_mb_per_device, "MiB", kMaxMb,
       "attachment bytes one device has uploaded, whole or not"},
      {"blob_mb_per_user", &Quotas::blob_mb_per_user, "MiB", kMaxMb,
       "the same for all the devices of one user together"},
      {"partial_mb_per_device", &Quotas::partial_mb_per_device, "MiB", kMaxMb,
       "bytes of one device's uploads not yet finished"},
      {"partial_mb_per_user", &Quotas::partial_mb_per_user, "MiB", kMaxMb,
       "the same for all the devices of one user together"},
      {"changes_per_day_per_device", &Quotas::changes_per_day_per_device, "changes",
       kMaxChangesADay, "changes one device sent in the last 24 hours, taken or refused"},
      {"changes_per_day_per_user", &Quotas::changes_per_day_per_user, "changes", kMaxChangesADay,
       "the same for all the devices of one user together"},
      {"token_days_unused", &Quotas::token_days_unused, "days", 3650,
       "days a device may go without a sync before its token expires (then: readmit)"},
      {"token_rotation_days", &Quotas::token_rotation_days, "days", 365,
       "days before a syncing device is given a new token (apps of protocol 3 and later)"}};
  return defs;
}

Result<Quotas> load_quotas(ServerTransaction& txn) {
  Quotas quotas;
  for (const QuotaDef& q : quota_defs()) {
    auto stored = txn.setting(std::string("quota.") + q.name);
    if (!stored.ok()) return stored.status();
    if (!*stored) continue;
    auto limit = parse_limit(q, **stored);
    if (!limit.ok()) {
      return Status::corruption(std::string("the setting quota.") + q.name + ": " +
                                limit.status().message());
    }
    quotas.*q.value = *limit;
  }
  return quotas;
}

Status set_quota(ServerTransaction& txn, const std::string& name, const std::string& value) {
  for (const QuotaDef& q : quota_defs()) {
    if (name != q.name) continue;
    auto limit = parse_limit(q, value);
    if (!limit.ok()) return limit.status().with_context(name);
    return txn.put_setting("quota." + name, std::to_string(*limit));
  }
  return Status::invalid_argument("no quota '" + utf8_prefix(name, 40) + "'; the quotas are " +
                                  quota_names());
}

bool token_expired(const Device& device, const Quotas& quotas, int64_t now_ms) {
  constexpr int64_t kDayMs = 24 * 3600 * 1000;
  const int64_t active_ms = std::max(device.last_seen_ms, device.token_issued_ms);
  return now_ms - active_ms > quotas.token_days_unused * kDayMs;
}

}  // namespace fieldsync::server
