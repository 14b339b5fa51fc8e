#include "quotas.h"

#include <limits>

#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

constexpr int64_t kMaxQuotaMb = int64_t{1} << 20;  // 1 TiB

std::string quota_names() {
  std::string names;
  for (const QuotaDef& q : quota_defs()) names += (names.empty() ? "" : ", ") + std::string(q.name);
  return names;
}

Result<int64_t> parse_mb(const std::string& text) {
  if (text.empty() || text.size() > 7 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::invalid_argument("'" + utf8_prefix(text, 40) + "' is not a whole number of MiB");
  }
  const int64_t mb = std::stoll(text);
  if (mb < 1 || mb > kMaxQuotaMb) {
    return Status::invalid_argument(text + " MiB is outside 1 to " + std::to_string(kMaxQuotaMb));
  }
  return mb;
}

}  // namespace

const std::vector<QuotaDef>& quota_defs() {
  static const std::vector<QuotaDef> defs = {
      {"blob_mb_per_device", &Quotas::blob_mb_per_device,
       "attachment bytes one device has uploaded, whole or not"},
      {"blob_mb_per_user", &Quotas::blob_mb_per_user,
       "the same for all the devices of one user together"},
      {"partial_mb_per_device", &Quotas::partial_mb_per_device,
       "bytes of one device's uploads not yet finished"},
      {"partial_mb_per_user", &Quotas::partial_mb_per_user,
       "the same for all the devices of one user together"}};
  return defs;
}

Result<Quotas> load_quotas(ServerTransaction& txn) {
  Quotas quotas;
  for (const QuotaDef& q : quota_defs()) {
    auto stored = txn.setting(std::string("quota.") + q.name);
    if (!stored.ok()) return stored.status();
    if (!*stored) continue;
    auto mb = parse_mb(**stored);
    if (!mb.ok())
      return Status::corruption(std::string("the setting quota.") + q.name + ": " +
                                mb.status().message());
    quotas.*q.value = *mb;
  }
  return quotas;
}

Status set_quota(ServerTransaction& txn, const std::string& name, const std::string& value) {
  for (const QuotaDef& q : quota_defs()) {
    if (name != q.name) continue;
    auto mb = parse_mb(value);
    if (!mb.ok()) return mb.status().with_context(name);
    return txn.put_setting("quota." + name, std::to_string(*mb));
  }
  return Status::invalid_argument("no quota '" + utf8_prefix(name, 40) + "'; the quotas are " +
                                  quota_names());
}

}  // namespace fieldsync::server
