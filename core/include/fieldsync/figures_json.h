// The one JSON shape of each figure that a command line or API prints, so the phone's
// `fieldsync arrears --json` and the server's `fieldsync-server arrears --json` say the
// same thing in the same words. Money in a figure is decimal text ("120.50"), as the
// office report gives it; records keep their stored form (minor units) elsewhere.
#pragma once

#include "fieldsync/figures.h"
#include "fieldsync/schema.h"

namespace fieldsync {

// An amount as decimal text; null when there is none.
Json money_json(const std::optional<int64_t>& minor_units);

Json to_json(const HouseholdArrears& account);
// The account's keys, then owner, phones, building, unit and collector.
Json to_json(const ArrearsEntry& entry);
Json to_json(const PromiseDue& promise);
// {"days": [{"date", "visits", "households", "target"}], "visits", "households"}
Json to_json(const CollectorVisits& visits);

}  // namespace fieldsync
