// How records and other results are printed. For people: a record as "field  value"
// lines, or a table of records, values formatted with format_field_value (money as
// decimal, times ISO 8601 UTC). For --json: values exactly as stored (money in minor
// units, times in Unix milliseconds).
#pragma once

#include <ostream>
#include <vector>

#include "cli/command.h"
#include "fieldsync/device_store.h"

namespace fieldsync::cli {

// {"id", "collection", "bucket", "fields"}, plus "stamps" when asked.
Json record_json(const Record& record, bool with_stamps = false);
Json records_json(const std::vector<Record>& records);

// One JSON document, indented, ending with a newline. Text that is not UTF-8 is
// replaced rather than failing.
void print_json(std::ostream& out, const Json& document);

// "id" first, then every field of the collection in schema order (blank when not
// set), then "bucket".
void print_record(std::ostream& out, const CollectionDef& collection, const Record& record);

// id, then every field that has a value in at least one record; long cells are cut.
// A reference to a record `names` holds is shown as people name that record
// ("Block 1 · 1-101 · Wang Li"), never as a bare id.
void print_record_table(std::ostream& out, const Schema& schema, const CollectionDef& collection,
                        const std::vector<Record>& records, const RecordReader& names);

// The result of a command that wrote one record: the record in either format, or the
// error that stopped it.
CliStatus print_written(const CommandContext& context, const Result<Record>& record);

}  // namespace fieldsync::cli
