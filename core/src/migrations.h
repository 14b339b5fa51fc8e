// The device database layout, versioned by PRAGMA user_version. Each step moves the
// layout one version forward inside its own transaction, so a crash mid-migration
// leaves the previous version intact. Steps are never edited once released: a change
// is a new step. Private to core (tests use it to build databases of older layouts).
#pragma once

#include <cstdint>

#include "fieldsync/status.h"
#include "fieldsync/sqlite_db.h"

namespace fieldsync {

// PRAGMA application_id of every fieldsync device database: "FSYN".
inline constexpr int64_t kDeviceApplicationId = 0x4653594E;

int latest_device_layout();

// Migrates from the layout the database has to `target` (latest when negative).
// Refuses a database newer than this build knows.
Status migrate_device_layout(SqliteDb& db, int target = -1);

}  // namespace fieldsync
