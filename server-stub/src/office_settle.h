// Refused changes and conflicts as the office meets them, on the command line (`parked`)
// and in the console. Private to server-stub.
#pragma once

#include <string>

#include "fieldsync/record.h"
#include "fieldsync/server/server_store.h"
#include "fieldsync/time_zone.h"

namespace fieldsync::server {

// What a person recognises a refused change by: its record's label and, for money,
// the receipt number and amount ("Block 1 · 1-101 · Wang Li · receipt K7QM-0005 120.00").
std::string refused_what(ServerTransaction& txn, const RefusedChange& r);

// A refused change as `parked --json` and the console show it: its number, device,
// user, what, fields as sent, reason, when, and how it was settled.
Json refused_change_json(ServerTransaction& txn, const TimeZone& zone, const RefusedChange& r);

}  // namespace fieldsync::server
