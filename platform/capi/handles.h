// The structs behind the C API's opaque handles, and with_db(), the one way a call
// reaches a fieldsync_db's store: argument check, the handle's lock, and guarded().
// Private to capi.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "boundary.h"
#include "fieldsync/device_store.h"
#include "fieldsync/replicator.h"

// A device database: one DeviceStore (one SQLite connection) behind a lock, because a
// DeviceStore is not thread-safe and phone apps call from several threads.
struct fieldsync_db {
  std::string path;
  fieldsync::DeviceStoreOptions options;  // its key when encrypted: other connections need it
  std::mutex mutex;
  std::unique_ptr<fieldsync::DeviceStore> store;
};

namespace fieldsync::capi {

// Runs `body(DeviceStore&)` under db's lock, with every exception caught. `db` NULL
// is an API error.
template <class Body>
fieldsync_error with_db(fieldsync_db* db, Body&& body) noexcept {
  if (db == nullptr || !db->store) return api_error("db is NULL");
  return guarded([&]() -> fieldsync_error {
    std::lock_guard<std::mutex> lock(db->mutex);
    return body(*db->store);
  });
}

}  // namespace fieldsync::capi
