// What attachments.cpp and attachments_space.cpp share: durable renames, statements
// on the blobs table. Private to core.
#pragma once

#include <string>
#include <vector>

#include "fieldsync/schema.h"
#include "fieldsync/sqlite_db.h"
#include "fieldsync/status.h"

namespace fieldsync {

// fsync() of a file, or of a folder (to make a rename in it durable).
Status fsync_path(const std::string& path, bool folder);
// Runs one statement with parameters; rows are not read.
Status run_statement(SqliteDb& db, const std::string& sql, const std::vector<Json>& params);

}  // namespace fieldsync
