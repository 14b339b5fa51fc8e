// The office's morning: the estate's reference data imported from CSV files, the
// month's collection plans, a patrol route, and the staff with their devices.
#pragma once

#include <string>
#include <vector>

#include "demo_world.h"

namespace fieldsync::demo {

// Riverside Gardens is in Beijing time, and ann's phone runs an hour fast: the server
// corrects the times of what she records, so nothing moves to another day or month.
inline constexpr const char* kZone = "Asia/Shanghai";
inline constexpr int64_t kAnnClockAheadMs = 3600 * 1000;

// The estate's local date of an instant.
std::string local_date(int64_t unix_ms);

struct EstateData {
  std::string estate;
  std::vector<std::string> buildings;               // Block 1, 2, 3
  std::vector<std::vector<std::string>> households;  // per building
  std::string route;
  std::vector<std::string> checkpoints;
  std::string repair;  // a work order the office opened before the weekend
  std::string period;  // this month, YYYY-MM
};

Result<EstateData> set_up_office(DemoWorld& world);
// Enrolls the office, three collectors, two patrol staff and a technician.
Status enroll_staff(DemoWorld& world, const EstateData& data);

}  // namespace fieldsync::demo
