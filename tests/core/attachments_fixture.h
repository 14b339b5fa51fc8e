// The fixture of the AttachmentStore tests (attachments_test.cpp and
// attachments_space_test.cpp): a device store with an estate, a finding and a work
// order, and helpers to write source files and read the store's state.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "fieldsync/attachments.h"
#include "fieldsync/field_work.h"
#include "fieldsync/id.h"
#include "test_support.h"

namespace fieldsync {

inline constexpr char kPdfStart[] = "%PDF-1.7\n";

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Every regular file under `folder` (the blob folder and its tmp/), relative names.
inline std::vector<std::string> files_under(const std::string& folder) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::exists(folder, ec)) return out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder, ec)) {
    if (entry.is_regular_file()) out.push_back(std::filesystem::relative(entry.path(), folder).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What a refused attach must leave as it was.
struct AttachState {
  int64_t records = 0;
  int64_t outbox = 0;
  int64_t blob_rows = 0;
  std::vector<std::string> files;
  bool operator==(const AttachState&) const = default;
};

// Members are public so the refusal cases below can prepare through them.
class AttachmentsTest : public ::testing::Test {
 public:
  void SetUp() override {
    open_store(/*create=*/true);
    estate_ = testing::seed_estate(*store_);
    FindingInput finding;
    finding.estate = estate_.estate;
    finding.category = "fire";
    finding.severity = "high";
    finding.description = "fire door wedged open";
    finding_ = testing::must(FieldWork(*store_).report_finding(finding)).id;
    WorkOrderInput order;
    order.household = estate_.household;
    order.category = "plumbing";
    order.description = "kitchen leak";
    work_order_ = testing::must(FieldWork(*store_).open_work_order(order)).id;
  }

  void open_store(bool create) {
    attachments_.reset();
    store_.reset();
    DeviceStoreOptions options;
    options.clock = &clock_;
    const std::string path = dir_.file("device.db");
    store_ = create ? testing::must(DeviceStore::create(path, {"K7Q2", "alice", "node1"}, options))
                    : testing::must(DeviceStore::open(path, options));
    attachments_ = std::make_unique<AttachmentStore>(*store_);
  }

  // Writes `bytes` to a source file named `name` and returns its path.
  std::string source(const std::string& name, const std::string& bytes) {
    const std::string path = dir_.file(name);
    write_file(path, bytes);
    return path;
  }

  Attachment attach_bytes(const std::string& name, const std::string& bytes,
                          const AttachOptions& options = {}) {
    return testing::must(attachments_->attach("findings", finding_, source(name, bytes), options));
  }

  int64_t count(const std::string& sql) {
    return testing::must(store_->query(sql, {})).at(0).at(0).get<int64_t>();
  }

  AttachState state() {
    AttachState s;
    s.records = count("SELECT count(*) FROM records");
    s.outbox = count("SELECT count(*) FROM outbox");
    s.blob_rows = count("SELECT count(*) FROM blobs");
    s.files = files_under(attachments_->folder());
    return s;
  }

  std::string blob_state(const std::string& hash) {
    auto rows = testing::must(store_->query("SELECT state FROM blobs WHERE hash = ?", {hash}));
    return rows.empty() ? "" : rows[0][0].get<std::string>();
  }

  // The server accepted the outbox change that created attachment `id`.
  void acknowledge_record(const std::string& id) {
    for (const OutboxChange& change : testing::must(store_->outbox())) {
      if (change.record_id == id) {
        ASSERT_TRUE(store_->acknowledge({{change.seq, false, ""}}).ok());
      }
    }
  }

  // An attachment record made by another phone, as a pull page brings it.
  Record pulled_attachment(const std::string& bytes) {
    Record r;
    r.collection = "attachments";
    r.id = new_id();
    r.bucket = "estate:" + estate_.estate;
    r.fields = {{"finding", finding_},
                {"sha256", Sha256::of(bytes)},
                {"size", static_cast<int64_t>(bytes.size())},
                {"media_type", "image/jpeg"},
                {"file_name", "door.jpg"},
                {"attached_by", "bob"},
                {"attached_at", testing::kSaturdayMorning - 1000}};
    for (const auto& [field, value] : r.fields.items())
      r.stamps[field] = "0193a6f20000.00000000.server";
    return r;
  }

  testing::TempDir dir_;
  ManualClock clock_{testing::kSaturdayMorning};
  std::unique_ptr<DeviceStore> store_;
  std::unique_ptr<AttachmentStore> attachments_;
  testing::Estate estate_;
  std::string finding_;
  std::string work_order_;
};


}  // namespace fieldsync
