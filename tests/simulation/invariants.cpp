// The invariants of the design brief, checked after quiescence.
#include <algorithm>
#include <filesystem>
#include <set>

#include "fieldsync/access.h"
#include "fieldsync/attachments.h"
#include "fieldsync/field_work.h"
#include "fieldsync/figures.h"
#include "sim_world.h"

namespace fieldsync::simulation {
namespace {

using Records = std::map<std::string, Record>;

Records all_records(DeviceStore& store) {
  Records out;
  for (const auto& c : store.schema().collections()) {
    auto records = store.list(c.name);
    if (!records.ok()) continue;
    for (auto& r : *records) out[r.id] = r;
  }
  return out;
}

std::set<std::string> records_with_changes(DeviceStore& store) {
  std::set<std::string> ids;
  auto outbox = store.outbox();
  if (outbox.ok()) {
    for (const auto& c : *outbox) ids.insert(c.record_id);
  }
  return ids;
}

}  // namespace

std::vector<std::string> SimWorld::check_invariants() {
  std::vector<std::string> problems;
  Records server;
  {
    auto txn = server_store_->begin(false);
    if (!txn.ok()) return {txn.status().to_string()};
    for (const auto& c : Schema::property_management().collections()) {
      Status s = (*txn)->for_each_record(c.name, [&](const server::StoredRecord& r) {
        server[r.record.id] = r.record;
        return true;
      });
      if (!s.ok()) problems.push_back(s.to_string());
    }
  }
  if (Status s = server_store_->check_integrity(); !s.ok())
    problems.push_back("server: " + s.to_string());
  std::set<std::string> receipts;
  int64_t server_payments = 0;
  for (const auto& [id, r] : server) {
    if (r.collection != "payments") continue;
    ++server_payments;
    if (!receipts.insert(r.fields.value("receipt_number", "")).second) {
      problems.push_back("receipt " + r.fields.value("receipt_number", "") + " used twice");
    }
  }
  int64_t created_payments = 0;
  for (auto& [user, d] : devices_) {
    if (Status s = d.store->check_integrity(); !s.ok())
      problems.push_back(user + ": " + s.to_string());
    auto pending = d.store->pending_count();
    if (!pending.ok() || *pending != 0)
      problems.push_back(user + ": changes still pending after quiescence");
    const Records local = all_records(*d.store);
    const std::set<std::string> unsent = records_with_changes(*d.store);  // parked
    auto cursors = d.store->cursors();
    std::set<std::string> buckets;
    if (cursors.ok()) {
      for (const auto& [b, seq] : *cursors) buckets.insert(b);
    }
    // 4 by role: the phone knows its role and holds only the kinds of data it reads.
    if (d.store->access().role != d.role) {
      problems.push_back(user + ": thinks its role is '" + d.store->access().role + "', not " +
                         d.role);
    }
    const Schema& schema = d.store->schema();
    const std::vector<std::string> readable = schema.kinds_read_by(d.role);
    for (const auto& [id, r] : local) {
      const std::string kind = bucket_kind(schema, r.bucket);
      if (std::find(readable.begin(), readable.end(), kind) == readable.end() &&
          !unsent.count(id)) {
        problems.push_back(user + ": a " + d.role + " holds " + r.collection + " " + id + " of " +
                           r.bucket);
      }
    }
    // 1 and 4: the phone holds exactly the server's records of its buckets, nothing else.
    for (const auto& [id, r] : local) {
      auto it = server.find(id);
      if (!buckets.count(r.bucket) && !unsent.count(id))
        problems.push_back(user + ": holds " + id + " outside its buckets");
      if (it == server.end()) {
        if (!unsent.count(id))
          problems.push_back(user + ": holds " + r.collection + " " + id + " the server lacks");
      } else if (it->second.fields != r.fields && buckets.count(r.bucket)) {
        problems.push_back(user + ": " + r.collection + " " + id + " differs from the server");
      }
    }
    for (const auto& [id, r] : server) {
      if (buckets.count(r.bucket) && !local.count(id))
        problems.push_back(user + ": lacks " + r.collection + " " + id);
    }
    // 2: every event it recorded is on the server (or parked on the phone, with a reason).
    for (const auto& id : d.created) {
      if (!server.count(id) && !unsent.count(id) && !voided_creates_.count(id))
        problems.push_back(user + ": recorded event " + id + " was lost");
      if (server.count(id) && server.at(id).collection == "payments") ++created_payments;
    }
  }
  if (created_payments != server_payments) {
    problems.push_back("the server has " + std::to_string(server_payments) +
                       " payments, the phones recorded " + std::to_string(created_payments));
  }
  // 3: an lww value only disappears when someone else wrote the field too.
  std::map<std::string, std::set<std::string>> editors;
  std::map<std::string, Json> last_value;
  for (const auto& e : edits_) {
    const std::string key = e.record + "." + e.field;
    editors[key].insert(e.device);
    last_value[key] = e.value;
  }
  for (const auto& [key, who] : editors) {
    if (who.size() != 1) continue;
    const LwwEdit* edit = nullptr;
    for (const auto& e : edits_) {
      if (e.record + "." + e.field == key) edit = &e;
    }
    auto it = server.find(edit->record);
    if (it == server.end()) continue;
    const SimDevice& device = devices_.at(edit->device);
    if (records_with_changes(*device.store).count(edit->record)) continue;  // parked
    if (settled_records_.count(edit->record)) continue;  // the office settled a refusal
    if (it->second.fields.value(edit->field, Json()) != last_value[key]) {
      problems.push_back(edit->device + "'s edit of " + key + " vanished without a competing edit");
    }
  }
  check_figures(server, problems);
  check_attachments(server, problems);
  check_refused(server, problems);
  if (extra_invariant_) {
    for (auto& p : extra_invariant_(server)) problems.push_back(std::move(p));
  }
  return problems;
}

// 6: nothing a phone sent is invisible to the office: every change parked on a phone is
// an open refused change on the server, and every open one is parked on its phone; an
// accepted refused change was written exactly once, and no phone still parks it.
void SimWorld::check_refused(const std::map<std::string, Record>& server,
                             std::vector<std::string>& problems) {
  auto txn = server_store_->begin(false);
  if (!txn.ok()) return problems.push_back(txn.status().to_string());
  auto refused = (*txn)->refused_changes(true);
  if (!refused.ok()) return problems.push_back(refused.status().to_string());
  std::map<std::string, const server::RefusedChange*> by_change;
  for (const auto& r : *refused) {
    if (!by_change.emplace(r.change_id, &r).second)
      problems.push_back("refused change " + r.change_id + " is kept twice on the server");
  }
  std::set<std::string> parked_anywhere;
  for (auto& [user, d] : devices_) {
    auto parked = d.store->parked_changes();
    if (!parked.ok()) {
      problems.push_back(user + ": " + parked.status().to_string());
      continue;
    }
    for (const auto& p : *parked) {
      parked_anywhere.insert(p.change_id);
      auto it = by_change.find(p.change_id);
      if (it == by_change.end() || it->second->user != user) {
        problems.push_back(user + ": parked " + p.kind + " of " + p.collection + " " + p.record_id +
                           " is invisible to the office");
      } else if (it->second->state != "open") {
        problems.push_back(user + ": parked " + p.change_id + " was " + it->second->state +
                           " by the office but is still parked on the phone");
      }
    }
  }
  for (const auto& r : *refused) {
    if (r.state == "open" && !parked_anywhere.count(r.change_id))
      problems.push_back("refused change " + std::to_string(r.id) + " is open but parked nowhere");
  }
  for (const auto& a : accepted_) {
    if (!server.count(a.accepted_record)) {
      problems.push_back("accepted refused change " + std::to_string(a.id) + " wrote no record");
      continue;
    }
    auto history = (*txn)->record_changes(a.accepted_record);
    if (!history.ok()) return problems.push_back(history.status().to_string());
    int64_t written = 0;
    for (const auto& h : *history) written += h.outcome == "accepted" && h.change_id == a.change_id;
    if (written != 1) {
      problems.push_back("accepted refused change " + std::to_string(a.id) + " was written " +
                         std::to_string(written) + " times");
    }
  }
}

// 5: the phone's views and the office's figures agree over the same records, and no
// event's time was moved without the phone's own kept beside it.
void SimWorld::check_figures(const std::map<std::string, Record>& server,
                             std::vector<std::string>& problems) {
  const Schema& schema = Schema::property_management();
  RecordSet records;
  for (const auto& [id, r] : server) records.add(r);
  const Calendar calendar(schema, records, TimeZone::utc());
  const std::string today = TimeZone::utc().date_of(server_clock_.now_ms());
  for (const auto& [id, r] : server) {
    const CollectionDef* c = schema.find(r.collection);
    const FieldDef* device_time = c != nullptr ? c->event_time() : nullptr;
    if (device_time == nullptr) continue;
    const Json& f = r.fields;
    if (!f.contains("arrived_at") || !f.contains("occurred_at") || !f.contains("time_check") ||
        !f.value(device_time->name, Json()).is_number_integer()) {
      problems.push_back(r.collection + " " + id + " lacks its server times or the phone's own");
    } else if (f["occurred_at"] != f[device_time->name] && f["time_check"] == "device") {
      problems.push_back(r.collection + " " + id + " was moved in time but says 'device'");
    }
  }
  for (auto& [user, d] : devices_) {
    // Only phones that read fees hold accounts, and a parked change is the phone's alone.
    const std::vector<std::string> kinds = schema.kinds_read_by(d.role);
    if (std::find(kinds.begin(), kinds.end(), "fees") == kinds.end()) continue;
    if (!records_with_changes(*d.store).empty()) continue;
    // The phone's view, as FieldWork computes it, over the phone's records (loaded once).
    FieldWork work(*d.store);
    RecordSet held;
    auto zone = work.home_zone();
    if (Status s = work.load_records(held); !s.ok() || !zone.ok()) {
      problems.push_back(user + ": cannot load the records its figures read");
      continue;
    }
    const Calendar phone_calendar(schema, held, *zone);
    for (const Record* h : held.of("households")) {
      const HouseholdArrears phone = household_arrears(phone_calendar, h->id, today);
      const HouseholdArrears office = household_arrears(calendar, h->id, today);
      if (phone.balance() != office.balance() || phone.voided != office.voided) {
        problems.push_back(user + ": household " + h->id + " owes " +
                           std::to_string(phone.balance()) + " on the phone, " +
                           std::to_string(office.balance()) + " in the office's figures");
      }
    }
  }
}

namespace {

// The blob files of a folder (named by a hash) whose bytes do not match their name.
std::vector<std::string> damaged_blob_files(const std::string& folder) {
  std::vector<std::string> damaged;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !is_sha256_hex(name)) continue;
    auto hash = Sha256::of_file(entry.path().string());
    if (!hash.ok() || *hash != name) damaged.push_back(name);
  }
  return damaged;
}

}  // namespace

// Attachments: each recorded one is on the server once, with its bytes whole there when
// its record was accepted; no blob file anywhere contradicts its name; nothing waits to
// be uploaded but the bytes of parked records.
void SimWorld::check_attachments(const std::map<std::string, Record>& server,
                                 std::vector<std::string>& problems) {
  for (const auto& hash : damaged_blob_files(blobs_->folder()))
    problems.push_back("server: blob " + hash + " does not match its name");
  int64_t server_attachments = 0;
  for (const auto& [id, r] : server) server_attachments += r.collection == "attachments";
  int64_t accepted = 0;
  std::map<std::string, bool> whole_on_server;  // by hash
  for (auto& [user, d] : devices_) {
    const std::set<std::string> unsent = records_with_changes(*d.store);
    for (const auto& [id, hash] : d.attached) {
      auto it = server.find(id);
      if (it == server.end()) continue;  // lost or parked: checked with every event
      ++accepted;
      if (it->second.fields.value("sha256", "") != hash)
        problems.push_back(user + ": attachment " + id + " names other bytes on the server");
      if (!whole_on_server.count(hash)) {
        auto held = blobs_->holding(hash);
        auto bytes = Sha256::of_file(blobs_->folder() + "/" + hash);
        whole_on_server[hash] = held.ok() && held->complete && bytes.ok() && *bytes == hash;
      }
      if (!whole_on_server[hash])
        problems.push_back(user + ": the bytes of accepted attachment " + id +
                           " are not whole on the server");
    }
    AttachmentStore attachments(*d.store);
    for (const auto& hash : damaged_blob_files(attachments.folder()))
      problems.push_back(user + ": blob " + hash + " does not match its name");
    auto listed = attachments.list();
    auto usage = attachments.usage();
    if (!listed.ok() || !usage.ok()) {
      problems.push_back(user + ": cannot list attachments");
      continue;
    }
    std::set<std::string> waiting;  // hashes still to upload, named by a record here
    for (const auto& a : *listed) {
      if (a.state != "remote" && !a.local)
        problems.push_back(user + ": blob " + a.sha256 + " is " + a.state +
                           " but its file is gone");
      if (a.state != "upload") continue;
      waiting.insert(a.sha256);
      if (d.attached.count(a.record.id) && !unsent.count(a.record.id)) {
        problems.push_back(user + ": attachment " + a.record.id +
                           " was accepted but its bytes wait (" + a.last_error + ")");
      }
    }
    if (usage->upload_blobs != static_cast<int64_t>(waiting.size())) {
      problems.push_back(user + ": " + std::to_string(usage->upload_blobs) +
                         " blobs wait to upload, " + std::to_string(waiting.size()) +
                         " of them named by a record here");
    }
  }
  if (accepted != server_attachments) {
    problems.push_back("the server has " + std::to_string(server_attachments) +
                       " attachments, the phones recorded " + std::to_string(accepted));
  }
}

}  // namespace fieldsync::simulation
