// The simulation's attachment work: photos attached to the records a phone holds,
// space reclaimed, another phone's photo fetched, syncs that prefetch.
//
// A photo is a number: its size and bytes (a JPEG header, then bytes drawn from the
// number) follow from it, so the same number is the same photo on every phone. A few
// numbers per seed are shared by all phones; the rest are drawn fresh.
#include <algorithm>
#include <fstream>

#include "faulty_transport.h"
#include "fieldsync/attachments.h"
#include "sim_world.h"

namespace fieldsync::simulation {
namespace {

constexpr int64_t kMaxPhotoBytes = 40 * 1024;

// One photo in ten is tiny (1 to 64 bytes: those under a JPEG header's 3 bytes are
// refused, as they should be); the others up to 40 KiB.
std::string photo_bytes(uint64_t number) {
  std::mt19937_64 bytes_of(number);
  const uint64_t shape = bytes_of();
  const auto size = static_cast<size_t>(
      shape % 10 == 0 ? 1 + (shape >> 8) % 64 : 64 + (shape >> 8) % (kMaxPhotoBytes - 63));
  std::string bytes(size, '\0');
  for (auto& b : bytes) b = static_cast<char>(bytes_of() & 0xFF);
  static const char kJpegHeader[] = "\xFF\xD8\xFF\xE0";
  std::copy_n(kJpegHeader, std::min<size_t>(size, 4), bytes.begin());
  return bytes;
}

// The collections whose records take attachments.
const char* const kAttachable[] = {"findings", "work_orders", "work_order_notes", "fee_visits",
                                   "return_visits"};

bool acceptable_fetch_failure(const Status& s) {
  // not_found: the phone that took it has not uploaded it yet; permission_denied: the
  // building changed hands and this phone has not pulled since.
  return s.retryable() || s.code() == StatusCode::kNotFound ||
         s.code() == StatusCode::kPermissionDenied;
}

}  // namespace

Status SimWorld::attachment_work(SimDevice& d) {
  const int roll = static_cast<int>(rng_() % 100);
  if (roll < 70) return attach_photo(d);
  if (roll < 80) {
    ++attachments_.reclaims;
    const int64_t wanted = rng_() % 2 ? -1 : static_cast<int64_t>(rng_() % kMaxPhotoBytes);
    auto freed = AttachmentStore(*d.store).reclaim(wanted);
    note(
        d.user + " reclaim " + std::to_string(wanted) +
        (freed.ok() ? " freed " + std::to_string(*freed) : " failed: " + freed.status().message()));
    return freed.ok() ? Status() : freed.status().with_context(d.user + " reclaim");
  }
  if (roll < 90) return fetch_photo(d);
  ++attachments_.prefetch_syncs;
  return sync(d, true, /*prefetch=*/true);
}

Status SimWorld::attach_photo(SimDevice& d) {
  std::vector<std::pair<std::string, std::string>> targets;  // collection, id
  for (const char* collection : kAttachable) {
    for (auto& id : held(d, collection)) targets.emplace_back(collection, std::move(id));
  }
  if (targets.empty()) {
    note(d.user + " attach: nothing to attach to");
    return Status();
  }
  const auto& [collection, record] = targets[rng_() % targets.size()];
  const int kind = static_cast<int>(rng_() % 100);
  uint64_t number = rng_();
  std::string origin = "new";
  if (kind < 15 && !d.photos.empty()) {
    number = d.photos[number % d.photos.size()];
    origin = "again";
  } else if (kind < 35) {
    number = seed_ * 8 + number % 5;  // one of five photos every phone may take
    origin = "shared";
  }
  const std::string bytes = photo_bytes(number);
  const std::string file = folder_ + "/photo.jpg";
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  auto attached = AttachmentStore(*d.store).attach(collection, record, file);
  note(d.user + " attach " + origin + " photo of " + std::to_string(bytes.size()) + " B to " +
       collection + (attached.ok() ? "" : " refused: " + attached.status().message()));
  if (!attached.ok()) {
    if (refused_for_a_reason(attached.status())) return Status();
    return attached.status().with_context(d.user + " attach");
  }
  ++attachments_.attached;
  attachments_.bytes_attached += attached->size;
  d.created.insert(attached->record.id);
  d.attached[attached->record.id] = attached->sha256;
  d.photos.push_back(number);
  return Status();
}

Status SimWorld::fetch_photo(SimDevice& d) {
  auto missing = AttachmentStore(*d.store).missing_locally();
  if (!missing.ok()) return missing.status();
  if (missing->empty()) {
    note(d.user + " fetch: every photo is here");
    return Status();
  }
  const std::string hash = (*missing)[rng_() % missing->size()];
  ++attachments_.fetches;
  Replicator replicator(*d.store, *d.transport, replicator_options(true));
  auto fetched = replicator.fetch_blob(hash);
  note(d.user + " fetch " + hash.substr(0, 8) +
       (fetched.ok() ? " ok" : " failed: " + fetched.status().message()));
  if (fetched.ok() || acceptable_fetch_failure(fetched.status())) return Status();
  return fetched.status().with_context(d.user + " fetch");
}

}  // namespace fieldsync::simulation
