// Builds the office report from the server's records: one read transaction loads the
// collections the figures read, then each figure is the function of figures.h.
#include "fieldsync/server/office_report.h"

#include <algorithm>

#include "blob_access.h"
#include "fieldsync/clock.h"
#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

std::string text_of(const Json& fields, const char* key) {
  auto it = fields.find(key);
  return it != fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int64_t int_of(const Json& fields, const char* key) {
  auto it = fields.find(key);
  return it != fields.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

Result<std::vector<OpenConflict>> open_conflicts(ServerStore& store) {
  auto txn = store.begin(false);
  if (!txn.ok()) return txn.status();
  std::vector<OpenConflict> out;
  FIELDSYNC_RETURN_IF_ERROR((*txn)->for_each_record("conflicts", [&](const StoredRecord& r) {
    const Json& x = r.record.fields;
    if (text_of(x, "status") != "open") return true;
    out.push_back({r.record.id, text_of(x, "collection"), text_of(x, "record"), text_of(x, "field"),
                   text_of(x, "winner_value"), text_of(x, "winner_device"),
                   text_of(x, "loser_value"), text_of(x, "loser_device"),
                   int_of(x, "detected_at")});
    return true;
  }));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.detected_ms, a.id) < std::tie(b.detected_ms, b.id);
  });
  return out;
}

// `text` as a date, or today in `zone` when empty.
Result<std::string> day_or_today(const std::string& text, const TimeZone& zone) {
  if (text.empty()) return zone.date_of(Clock::system().now_ms());
  auto day = parse_date(text);
  if (!day.ok()) return day.status().with_context("as-of");
  return format_date(*day);
}

// Attachment records whose bytes their readers cannot have yet: not all here, or not
// shown by the device that wrote the record (blob_access.h).
Result<std::vector<WaitingAttachment>> waiting_attachments(ServerStore& store, BlobStore& blobs) {
  std::vector<WaitingAttachment> missing;
  auto txn = store.begin(false);
  if (!txn.ok()) return txn.status();
  Status failed;
  FIELDSYNC_RETURN_IF_ERROR((*txn)->for_each_record("attachments", [&](const StoredRecord& r) {
    const Json& x = r.record.fields;
    WaitingAttachment a{r.record.id,
                        text_of(x, "sha256"),
                        text_of(x, "media_type"),
                        text_of(x, "attached_by"),
                        int_of(x, "size"),
                        0,
                        int_of(x, "attached_at")};
    auto author = author_of(**txn, r);
    auto held = blobs.holding(a.sha256, author.ok() ? author->device_id : std::string());
    auto vouched = vouched_for(**txn, blobs, r);
    if (!held.ok() || !author.ok() || !vouched.ok()) {
      failed = !held.ok() ? held.status() : !author.ok() ? author.status() : vouched.status();
      return false;
    }
    if (held->complete && *vouched) return true;
    a.received = held->complete ? 0 : held->received;  // of its writer's own upload
    missing.push_back(std::move(a));
    return true;
  }));
  FIELDSYNC_RETURN_IF_ERROR(failed);
  std::sort(missing.begin(), missing.end(), [](const auto& a, const auto& b) {
    return std::tie(a.attached_ms, a.id) < std::tie(b.attached_ms, b.id);
  });
  return missing;
}

// The server's zone (UTC unless set) and the closed periods, into `out`.
Status read_zone_and_periods(ServerTransaction& txn, ServerFigures& out) {
  auto zone = txn.setting("time_zone");
  if (!zone.ok()) return zone.status();
  out.zone = TimeZone::utc();
  if (*zone) {
    auto named = TimeZone::named(**zone);
    if (!named.ok()) return named.status().with_context("the server's time_zone setting");
    out.zone = *named;
  }
  auto closed = txn.closed_periods();
  if (!closed.ok()) return closed.status();
  out.closed_periods = std::move(closed).value();
  return Status();
}

}  // namespace

Result<ServerFigures> load_server_figures(ServerStore& store) {
  auto txn = store.begin(false);
  if (!txn.ok()) return txn.status();
  ServerFigures out;
  for (const std::string& collection : RecordSet::collections_read()) {
    FIELDSYNC_RETURN_IF_ERROR((*txn)->for_each_record(collection, [&](const StoredRecord& r) {
      out.records.add(r.record);
      return true;
    }));
  }
  FIELDSYNC_RETURN_IF_ERROR(read_zone_and_periods(**txn, out));
  return out;
}

void add_place_labels(const Schema& schema, const RecordReader& records,
                      const std::vector<AwaitingReturnVisit>& awaiting,
                      const std::vector<OverdueFinding>& findings, PlaceLabels& labels) {
  auto name = [&](const char* collection, const std::string& id) {
    if (!id.empty() && !labels.count(id)) labels[id] = record_text(schema, collection, id, records);
  };
  for (const AwaitingReturnVisit& w : awaiting) {
    name("households", w.household);
    name("buildings", w.building);
  }
  for (const OverdueFinding& f : findings) name("buildings", f.building);
}

int64_t OfficeReport::promises_broken() const {
  return std::count_if(promises.begin(), promises.end(), [](const auto& p) { return p.broken; });
}

Status KeptFigures::use(const std::function<Status(const ServerFigures&)>& use) {
  std::lock_guard<std::mutex> lock(mutex_);
  {
    auto txn = store_.begin(false);
    if (!txn.ok()) return txn.status();
    const auto& read = RecordSet::collections_read();
    constexpr int64_t kBatch = 4096;
    while (true) {
      auto written = (*txn)->records_written_since(figures_.seq, kBatch);
      if (!written.ok()) return written.status();
      for (StoredRecord& r : *written) {
        figures_.seq = r.seq;
        if (std::find(read.begin(), read.end(), r.record.collection) != read.end()) {
          figures_.records.add(std::move(r.record));
        }
      }
      if (static_cast<int64_t>(written->size()) < kBatch) break;
    }
    FIELDSYNC_RETURN_IF_ERROR(read_zone_and_periods(**txn, figures_));
  }
  return use(figures_);
}

Result<OfficeReport> build_office_report(ServerStore& store, const Schema& schema,
                                         const std::string& period_text,
                                         const std::string& as_of_text, BlobStore* blobs) {
  auto figures = load_server_figures(store);
  if (!figures.ok()) return figures.status();
  return build_office_report(*figures, store, schema, period_text, as_of_text, blobs);
}

Result<OfficeReport> report_figures(const ServerFigures& figures, const Schema& schema,
                                    const std::string& period_text, const std::string& as_of_text) {
  auto as_of = day_or_today(as_of_text, figures.zone);
  if (!as_of.ok()) return as_of.status();
  auto month = parse_month(period_text.empty() ? as_of->substr(0, 7) : period_text);
  if (!month.ok()) return month.status().with_context("period");
  const Calendar calendar = figures.calendar(schema);
  OfficeReport report;
  report.period = format_date(*month).substr(0, 7);
  report.as_of = *as_of;
  report.time_zone = figures.zone.name();
  report.period_closed =
      !figures.closed_periods.empty() && report.period <= figures.closed_periods.rbegin()->first;
  report.collection = collection_rates(calendar, report.period, report.as_of);
  report.collectors = collector_figures(calendar, report.period, report.as_of);
  report.promises = promises_due(calendar, report.as_of);
  for (const PromiseDue& p : report.promises) {
    const Record* household = figures.records.find(p.household);
    report.household_names[p.household] =
        household != nullptr ? text_of(household->fields, "owner_name") : "";
  }
  const std::vector<ArrearsEntry> arrears = arrears_list(calendar, report.as_of, 1);
  for (int64_t years = 1; years <= 3; ++years) {
    ArrearsAge age{years, 0, 0};
    for (const ArrearsEntry& e : arrears) {
      if (!owed_for_more_than(e.account, years)) continue;
      ++age.households;
      age.amount += e.account.balance();
    }
    report.arrears_by_age.push_back(age);
  }
  report.findings = finding_figures(calendar, report.as_of);
  report.awaiting_return_visit = awaiting_return_visit(calendar);
  add_place_labels(schema, figures.records, report.awaiting_return_visit, report.findings.overdue,
                   report.place_labels);
  report.satisfaction = return_visit_satisfaction(calendar, report.period, report.as_of);
  report.duplicate_voids = duplicate_voids(calendar);
  report.time_notes = time_notes(calendar, report.period, report.as_of);
  return report;
}

Status add_office_state(OfficeReport& report, ServerStore& store, const Schema& schema,
                        BlobStore* blobs) {
  auto conflicts = open_conflicts(store);
  if (!conflicts.ok()) return conflicts.status();
  report.conflicts = std::move(conflicts).value();
  {
    auto txn = store.begin(false);
    if (!txn.ok()) return txn.status();
    auto refused = (*txn)->refused_changes(/*all=*/false);
    if (!refused.ok()) return refused.status();
    report.refused_open = static_cast<int64_t>(refused->size());
    for (const RefusedChange& r : *refused) {
      const CollectionDef* c = schema.find(r.collection);
      const Json fields = r.change.value("fields", Json::object());
      if (c == nullptr || r.kind != "create" || !fields.is_object()) continue;
      for (const FieldDef& f : c->fields) {
        const Json& v = fields.value(f.name, Json());
        if (f.type == FieldType::kMoney && v.is_number_integer() && v.get<int64_t>() > 0) {
          report.refused_amount += v.get<int64_t>();
        }
      }
    }
  }
  if (blobs != nullptr) {
    auto waiting = waiting_attachments(store, *blobs);
    if (!waiting.ok()) return waiting.status();
    report.attachments_waiting = std::move(waiting).value();
  }
  return Status();
}

Result<OfficeReport> build_office_report(const ServerFigures& figures, ServerStore& store,
                                         const Schema& schema, const std::string& period,
                                         const std::string& as_of, BlobStore* blobs) {
  auto report = report_figures(figures, schema, period, as_of);
  if (!report.ok()) return report.status();
  FIELDSYNC_RETURN_IF_ERROR(add_office_state(*report, store, schema, blobs));
  return report;
}

Result<std::vector<ArrearsEntry>> build_arrears_list(ServerStore& store, const Schema& schema,
                                                     const std::string& as_of_text,
                                                     int64_t more_than_years) {
  auto figures = load_server_figures(store);
  if (!figures.ok()) return figures.status();
  return build_arrears_list(*figures, schema, as_of_text, more_than_years);
}

Result<std::vector<ArrearsEntry>> build_arrears_list(const ServerFigures& figures,
                                                     const Schema& schema,
                                                     const std::string& as_of_text,
                                                     int64_t more_than_years) {
  auto as_of = day_or_today(as_of_text, figures.zone);
  if (!as_of.ok()) return as_of.status();
  return arrears_list(figures.calendar(schema), *as_of, more_than_years);
}

}  // namespace fieldsync::server
