// attachments_upload: one technician's phone attaches 200 photos of 2 MiB each
// (generated, incompressible) to a work order, then one sync uploads them to the real
// server over loopback, in the replicator's default chunks. Figures: the attach rate
// (copy aside, hash, fsync, record), the upload rate in MiB/s, and the phone's peak
// resident memory before and after the upload: the upload streams chunk by chunk, so
// the peak must not grow with the size or the number of photos. Then the cost of an
// encrypted store's sealed files: one 5 MiB photo attached to a plain store and to an
// encrypted one in turns, and read back whole in the upload's 1 MiB chunks, medians.
#include <cstring>
#include <fstream>
#include <optional>

#include "fieldsync/attachments.h"
#include "fieldsync/database_key.h"
#include "fieldsync/field_work.h"
#include "sync_bench_world.h"

namespace fieldsync::bench {
namespace {

constexpr int64_t kPhotos = 200;  // scaled
constexpr int64_t kPhotoBytes = int64_t{2} << 20;
constexpr int64_t kLargePhotoBytes = int64_t{5} << 20;
constexpr int64_t kCostRounds = 9;                // scaled
constexpr int64_t kReadChunk = int64_t{1} << 20;  // the replicator's default chunk
using Timer = std::chrono::steady_clock;

// Writes a JPEG-looking photo of `bytes` drawn from `seed`, 64 KiB at a time.
Status write_photo(const std::string& path, uint64_t seed, int64_t bytes = kPhotoBytes) {
  std::ofstream out(path, std::ios::binary);
  std::mt19937_64 random(seed);
  std::string block(64 * 1024, '\0');
  for (int64_t written = 0; written < bytes; written += static_cast<int64_t>(block.size())) {
    for (size_t i = 0; i < block.size(); i += 8) {
      const uint64_t value = random();
      std::memcpy(&block[i], &value, 8);
    }
    if (written == 0) block.replace(0, 4, "\xFF\xD8\xFF\xE0");
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  out.close();
  return out ? Status() : Status::io_error("cannot write '" + path + "'");
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// A device store of its own (encrypted under `key` when given) and a work order on it.
struct LocalPhone {
  std::unique_ptr<DeviceStore> store;
  std::string work_order;
};

Result<LocalPhone> local_phone(const std::string& path, std::optional<DatabaseKey> key) {
  DeviceStoreOptions options;
  options.key = std::move(key);
  auto store = DeviceStore::create(path, {"B001", "tess", ""}, options);
  if (!store.ok()) return store.status();
  LocalPhone phone{std::move(store).value(), ""};
  Result<Record> record = phone.store->insert("estates", {{"name", "Riverside"}});
  for (const auto& [collection, fields] :
       std::vector<std::pair<std::string, Json>>{{"buildings", {{"name", "Block A"}}},
                                                 {"units", {{"number", "A-101"}}},
                                                 {"households", {{"owner_name", "Wang Li"}}}}) {
    if (!record.ok()) return record.status();
    Json with_parent = fields;
    const char* parent = collection == "buildings" ? "estate"
                         : collection == "units"   ? "building"
                                                   : "unit";
    with_parent[parent] = record->id;
    record = phone.store->insert(collection, with_parent);
  }
  if (!record.ok()) return record.status();
  WorkOrderInput order;
  order.household = record->id;
  order.category = "structure";
  order.description = "Cracks in the stairwell wall";
  auto work_order = FieldWork(*phone.store).open_work_order(order);
  if (!work_order.ok()) return work_order.status();
  phone.work_order = work_order->id;
  AttachmentPolicy policy;
  policy.max_queue_bytes = int64_t{1} << 30;
  FIELDSYNC_RETURN_IF_ERROR(AttachmentStore(*phone.store).set_policy(policy));
  return phone;
}

// What a sealed file costs: one 5 MiB photo attached to a plain store and to an
// encrypted one in turns (so both see the same load), then read back whole in 1 MiB
// chunks as an upload reads it; the medians, in milliseconds.
Status sealed_file_cost(const BenchmarkContext& context) {
  ScratchDir scratch(context, "attach_cost");
  auto plain = local_phone(scratch.file("plain.db"), std::nullopt);
  if (!plain.ok()) return plain.status();
  auto sealed = local_phone(scratch.file("sealed.db"), DatabaseKey::random());
  if (!sealed.ok()) return sealed.status();
  const std::string photo = scratch.file("photo.jpg");
  FIELDSYNC_RETURN_IF_ERROR(write_photo(photo, 5, kLargePhotoBytes));
  std::vector<double> attach_ms[2], read_ms[2];
  for (int64_t round = 0; round < context.scaled(kCostRounds); ++round) {
    for (int i = 0; i < 2; ++i) {
      LocalPhone& phone = i == 0 ? *plain : *sealed;
      AttachmentStore attachments(*phone.store);
      auto start = Timer::now();
      auto attached = attachments.attach("work_orders", phone.work_order, photo);
      attach_ms[i].push_back(1000 * seconds_between(start, Timer::now()));
      if (!attached.ok()) return attached.status();
      start = Timer::now();
      for (int64_t offset = 0; offset < attached->size; offset += kReadChunk) {
        auto chunk = attachments.read(attached->sha256, offset, kReadChunk);
        if (!chunk.ok()) return chunk.status();
      }
      read_ms[i].push_back(1000 * seconds_between(start, Timer::now()));
    }
  }
  const double plain_attach = median(attach_ms[0]);
  const double sealed_attach = median(attach_ms[1]);
  report("attachments_upload", "attach_5mib_plain_ms", plain_attach, "ms");
  report("attachments_upload", "attach_5mib_encrypted_ms", sealed_attach, "ms");
  report("attachments_upload", "attach_5mib_ratio_encrypted_vs_plain", sealed_attach / plain_attach,
         "x");
  report("attachments_upload", "read_5mib_plain_ms", median(read_ms[0]), "ms");
  report("attachments_upload", "read_5mib_encrypted_ms", median(read_ms[1]), "ms");
  return Status();
}

Status attachments_upload(const BenchmarkContext& context) {
  SyncBenchWorld world(context, "attachments_upload");
  auto estate = world.build_estate({1, 10});
  if (!estate.ok()) return estate.status();
  auto code = world.add_staff("tess", "technician", {{"building", estate->buildings[0]}});
  if (!code.ok()) return code.status();
  FIELDSYNC_RETURN_IF_ERROR(world.start_server());
  auto phone = world.enroll("tess", *code);
  if (!phone.ok()) return phone.status();
  FIELDSYNC_RETURN_IF_ERROR((*phone)->replicator->sync().status());

  WorkOrderInput order;
  order.household = estate->households[0][0];
  order.category = "structure";
  order.description = "Cracks in the stairwell wall, photographed floor by floor";
  auto work_order = FieldWork(*(*phone)->store).open_work_order(order);
  if (!work_order.ok()) return work_order.status();

  const int64_t photos = context.scaled(kPhotos);
  AttachmentStore attachments(*(*phone)->store);
  AttachmentPolicy policy;
  policy.max_queue_bytes = std::max(policy.max_queue_bytes, (photos + 1) * kPhotoBytes);
  FIELDSYNC_RETURN_IF_ERROR(attachments.set_policy(policy));
  double attach_seconds = 0;
  for (int64_t i = 0; i < photos; ++i) {
    const std::string path = world.file("photo-" + std::to_string(i) + ".jpg");
    FIELDSYNC_RETURN_IF_ERROR(write_photo(path, static_cast<uint64_t>(i) + 1));
    const auto start = Timer::now();
    auto attached = attachments.attach("work_orders", work_order->id, path);
    attach_seconds += seconds_between(start, Timer::now());
    if (!attached.ok()) return attached.status();
    std::filesystem::remove(path);  // the phone's copy is in its blob folder now
  }
  const double peak_before = peak_rss_mib();

  const auto start = Timer::now();
  auto synced = (*phone)->replicator->sync();
  const double upload_seconds = seconds_between(start, Timer::now());
  if (!synced.ok()) return synced.status();
  if (synced->blobs_uploaded != photos || synced->blob_bytes_sent != photos * kPhotoBytes) {
    return Status::internal("the sync uploaded " + std::to_string(synced->blobs_uploaded) + " photos (" +
                            std::to_string(synced->blob_bytes_sent) + " bytes), not " + std::to_string(photos));
  }
  auto usage = attachments.usage();
  if (!usage.ok()) return usage.status();
  if (usage->upload_bytes != 0) return Status::internal("bytes are still waiting after the sync");

  const double mib = static_cast<double>(photos * kPhotoBytes) / (1024.0 * 1024.0);
  report("attachments_upload", "photos", static_cast<double>(photos), "count");
  report("attachments_upload", "photo_size", static_cast<double>(kPhotoBytes) / (1024.0 * 1024.0), "MiB");
  report("attachments_upload", "attach_rate", mib / attach_seconds, "MiB/s");
  report("attachments_upload", "upload_seconds", upload_seconds, "s");
  report("attachments_upload", "upload_rate", mib / upload_seconds, "MiB/s");
  report("attachments_upload", "device_peak_rss_before_upload", peak_before, "MiB");
  report("attachments_upload", "device_peak_rss", peak_rss_mib(), "MiB");
  return sealed_file_cost(context);
}

FIELDSYNC_BENCHMARK(attachments_upload, attachments_upload);

}  // namespace
}  // namespace fieldsync::bench
