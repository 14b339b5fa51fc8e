// Helpers shared by the test suites: a temporary folder removed at the end of the
// test, and a small store pre-filled with an estate, a building, a unit, a household
// and its charges.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "fieldsync/device_store.h"
#include "fieldsync/field_work.h"

namespace fieldsync::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("fieldsync-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Unwraps a Result in a test, failing it with the status message when not ok.
template <class T>
T must(Result<T> result) {
  if (!result.ok()) {
    ADD_FAILURE() << result.status().to_string();
    throw std::runtime_error(result.status().to_string());
  }
  return std::move(result).value();
}

// `size` bytes that start like a JPEG photo (or with `start`), the rest drawn from
// `seed`: incompressible, like the photos phones take.
inline std::string photo_bytes(size_t size, unsigned seed, const std::string& start = "\xFF\xD8\xFF\xE0") {
  std::mt19937 rng(seed);
  std::string bytes = start;
  while (bytes.size() < size) bytes.push_back(static_cast<char>(rng() & 0xFF));
  bytes.resize(size);
  return bytes;
}

// 2026-11-28T09:00:00Z, a Saturday.
inline constexpr int64_t kSaturdayMorning = 1795856400000LL;

inline FeeVisitInput visit_to(const std::string& household, const std::string& outcome) {
  FeeVisitInput visit;
  visit.household = household;
  visit.outcome = outcome;
  return visit;
}

inline PaymentInput payment(const std::string& household, int64_t amount) {
  PaymentInput p;
  p.household = household;
  p.amount = amount;
  return p;
}

struct Estate {
  std::string estate, building, unit, household, charge_nov, charge_dec;
};

// Reference data as the office would create it: one household owing 120.00 for
// November and 120.00 for December.
inline Estate seed_estate(DeviceStore& store) {
  Estate e;
  e.estate = must(store.insert("estates", {{"name", "Riverside"}})).id;
  e.building = must(store.insert("buildings", {{"estate", e.estate}, {"name", "Block 3"}})).id;
  e.unit = must(store.insert("units", {{"building", e.building}, {"number", "3-1204"}})).id;
  e.household = must(store.insert("households", {{"unit", e.unit},
                                                 {"owner_name", "Wang Li"},
                                                 {"phones", {"13800000001"}},
                                                 {"collector", "alice"}}))
                    .id;
  e.charge_nov = must(store.insert("charges", {{"household", e.household},
                                               {"fee_item", "property_fee"},
                                               {"period", "2026-11"},
                                               {"amount", 12000}}))
                     .id;
  e.charge_dec = must(store.insert("charges", {{"household", e.household},
                                               {"fee_item", "property_fee"},
                                               {"period", "2026-12"},
                                               {"amount", 12000}}))
                     .id;
  return e;
}

}  // namespace fieldsync::testing
