// The server's records as the office reads them, one way for the command line (`list`,
// `show`, `export`: view_commands.cpp) and the console (/v1/office/records:
// office_records.cpp): which records a selection takes (fields' values, the building a
// record is in, its event's local day), and how a record and its values are named
// (labels, references by their records' labels, times in the estate's zone, money as
// "150.00"). Private to server-stub.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fieldsync/record.h"
#include "fieldsync/schema.h"
#include "fieldsync/server/server_store.h"
#include "fieldsync/text_values.h"
#include "fieldsync/time_zone.h"

namespace fieldsync::server {

// One condition of a selection, `name=value`: a field holds the value (a list field:
// among its entries); or, for `building`, the record is in that building (kInBuilding).
struct FieldMatch {
  std::string name;
  const FieldDef* field = nullptr;  // null for kInBuilding on a collection without the field
  Json value;
};

// Which records a listing takes: every condition holds, and the record's event (the
// time event_time_of gives) falls on a local day from `from` to `to` (its estate's
// zone), and not before `since_ms`. Empty: every record.
struct RecordSelection {
  std::vector<FieldMatch> where;
  std::optional<CivilDate> from, to;
  std::optional<int64_t> since_ms;
  bool by_time() const { return from || to || since_ms; }
};

// The names `c` may be filtered by: its fields, and `building` for a collection whose
// records are in buildings (by a field of that name, or by what they refer to: a
// payment's household's unit's building).
std::vector<std::string> filter_names(const CollectionDef& c);
// `name=text` as a condition on `c`; invalid_argument naming what `c` is filtered by
// when `name` is none of it, or saying why `text` is no value of the field.
Result<FieldMatch> field_match(const CollectionDef& c, const std::string& name,
                               const std::string& text);
// ok when records of `c` have an event time to select by day; otherwise invalid_argument
// (`what` names the option or parameter: "--since", "from").
Status selects_by_time(const CollectionDef& c, const std::string& what);

// The records of one transaction as the office reads them. It remembers the records it
// looked up to name or date others (a payment's household, its unit, building and
// estate), so a listing reads each once. Lives within its transaction; not thread-safe.
class RecordViews {
 public:
  RecordViews(ServerTransaction& txn, const Schema& schema);

  Result<bool> selected(const CollectionDef& c, const RecordSelection& s, const StoredRecord& r);
  // The zone a record is dated in: its estate's, else the server's (zone_of_event).
  Result<TimeZone> zone_of(const CollectionDef& c, const Record& r);
  // How a person names the record (label_of); its id when its label cannot be read.
  std::string label(const CollectionDef& c, const Record& r);
  // A value as the office reads it: a reference by its record's label, a time in `zone`,
  // the rest as people write it (format_field_value: money "150.00").
  std::string value_text(const FieldDef& field, const Json& value, const TimeZone& zone);
  // Who wrote the record: the user of the phone whose stamp is its first, or "office"
  // for a record the server wrote (the office's, or a change it accepted).
  std::string written_by(const Record& r);
  const RecordReader& records() const { return records_; }

 private:
  // A RecordReader over the transaction that keeps what it read.
  class KeptReader : public RecordReader {
   public:
    explicit KeptReader(ServerTransaction& txn) : txn_(txn) {}
    Result<std::optional<Json>> fields_of(const std::string& collection,
                                          const std::string& id) const override;

   private:
    ServerTransaction& txn_;
    mutable std::map<std::string, std::optional<Record>> kept_;  // by id
  };

  ServerTransaction& txn_;
  const Schema& schema_;
  KeptReader records_;
  std::optional<TimeZone> server_zone_;
  std::map<std::string, std::string> users_by_node_;
};

}  // namespace fieldsync::server
