#include "weekend.h"

#include <fstream>
#include <iostream>

#include "fieldsync/attachments.h"
#include "fieldsync/text_values.h"

namespace fieldsync::demo {
namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;

void say(const std::string& who, const std::string& what) {
  std::cout << "  " << who << ": " << what << "\n";
}

Status sync_and_report(DemoWorld& world, Staff& s) {
  auto report = world.sync(s);
  if (!report.ok()) return report.status().with_context(s.user + " sync");
  std::string line = "pushed " + std::to_string(report->pushed) + ", pulled " + std::to_string(report->pulled);
  if (report->conflicts) line += ", " + std::to_string(report->conflicts) + " conflict(s) kept for review";
  if (report->blobs_uploaded) {
    line += ", uploaded " + std::to_string(report->blobs_uploaded) + " photo(s) (" +
            std::to_string(report->blob_bytes_sent / 1024) + " KiB)";
  }
  if (report->merged) line += ", " + std::to_string(report->merged) + " merged by rule";
  if (report->rejected) line += ", " + std::to_string(report->rejected) + " refused";
  if (report->retries) line += ", " + std::to_string(report->retries) + " retries after a lost connection";
  say(s.user, line);
  return Status();
}

Result<Record> visit(Staff& s, const std::string& household, const std::string& outcome,
                     std::optional<std::string> promise_date = std::nullopt) {
  FeeVisitInput v;
  v.household = household;
  v.outcome = outcome;
  v.promise_date = std::move(promise_date);
  if (v.promise_date) v.promise_amount = 12000;
  return s.work().record_visit(v);
}

Result<Record> pay(Staff& s, const std::string& household, int64_t amount, Expected& expected) {
  PaymentInput p;
  p.household = household;
  p.amount = amount;
  auto r = s.work().record_payment(p);
  if (r.ok()) {
    ++expected.payments;
    expected.payments_total += amount;
    say(s.user, "took " + format_money(amount) + ", receipt " + r->fields["receipt_number"].get<std::string>());
  }
  return r;
}

Status collectors(DemoWorld& world, const EstateData& d, Expected& e) {
  Staff& ann = world.staff()["ann"];
  Staff& ben = world.staff()["ben"];
  Staff& cai = world.staff()["cai"];
  const auto& block1 = d.households[0];
  const std::string yesterday = local_date(Clock::system().now_ms() - kDay);
  if (auto r = visit(ann, block1[0], "paid_full"); !r.ok()) return r.status();
  if (auto r = pay(ann, block1[0], 12000, e); !r.ok()) return r.status();
  if (auto r = visit(ann, block1[2], "promised", yesterday); !r.ok()) return r.status();
  if (auto r = visit(ann, block1[4], "not_home"); !r.ok()) return r.status();
  say("ann", "visited 3 households in Block 1; one promised to pay yesterday");
  e.contested_household = block1[2];
  if (auto r = ann.store->update("households", block1[2], {{"phones", {"13911112222"}}}); !r.ok()) return r.status();
  say("ann", "corrected the phone number of " + block1[2].substr(0, 8) + " to 13911112222");

  if (auto r = visit(ben, block1[1], "paid_partial"); !r.ok()) return r.status();
  auto wrong = pay(ben, block1[1], 5000, e);
  if (!wrong.ok()) return wrong.status();
  if (auto r = ben.work().void_payment(wrong->id, "typed 50.00, the owner paid 60.00"); !r.ok()) return r.status();
  e.payments_total -= 5000;
  say("ben", "voided that payment (wrong amount) and recorded it again");
  if (auto r = pay(ben, block1[1], 6000, e); !r.ok()) return r.status();
  if (auto r = visit(ben, block1[3], "paid_full"); !r.ok()) return r.status();
  if (auto r = pay(ben, block1[3], 24000, e); !r.ok()) return r.status();

  for (int i = 0; i < 4; ++i) {
    const auto& household = d.households[1][static_cast<size_t>(i)];
    if (auto r = visit(cai, household, i % 2 ? "not_home" : "paid_full"); !r.ok()) return r.status();
    if (i % 2 == 0) {
      if (auto r = pay(cai, household, 12000, e); !r.ok()) return r.status();
    }
  }
  say("cai", "visited 4 households in Block 2");
  return Status();
}

// A photo taken on a phone: `size` bytes of a JPEG-looking image in the demo folder.
Result<std::string> take_photo(DemoWorld& world, const std::string& name, size_t size, uint32_t seed) {
  std::string bytes = "\xFF\xD8\xFF\xE0";
  uint32_t x = seed | 1;
  while (bytes.size() < size) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    bytes.push_back(static_cast<char>(x & 0xFF));
  }
  const std::string path = world.folder() + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::io_error("cannot write '" + path + "'");
  return path;
}

// Photographs something and attaches it to a record; the photo is expected on the
// server afterwards.
Status photograph(DemoWorld& world, Staff& who, const std::string& collection, const std::string& id,
                  const std::string& name, size_t size, uint32_t seed, Expected& e) {
  auto photo = take_photo(world, name, size, seed);
  if (!photo.ok()) return photo.status();
  AttachOptions options;
  options.caption = name;
  auto attached = AttachmentStore(*who.store).attach(collection, id, *photo, options);
  if (!attached.ok()) return attached.status();
  e.photos[attached->record.id] = attached->sha256;
  return Status();
}

Status patrol(DemoWorld& world, const EstateData& d, Expected& e) {
  Staff& pat = world.staff()["pat"];
  Staff& quinn = world.staff()["quinn"];
  for (size_t i = 0; i < d.checkpoints.size(); ++i) {
    CheckInInput c;
    c.route = d.route;
    c.checkpoint = d.checkpoints[i];
    c.condition = i == 1 ? "abnormal" : "normal";
    if (auto r = pat.work().check_in(c); !r.ok()) return r.status();
  }
  say("pat", "checked in at 4 checkpoints of the night loop");
  FindingInput fire;
  fire.estate = d.estate;
  fire.building = d.buildings[0];
  fire.category = "fire";
  fire.severity = "high";
  fire.description = "Fire door wedged open, Block 1 stairwell";
  fire.deadline = local_date(Clock::system().now_ms() + kDay);
  auto finding = pat.work().report_finding(fire);
  if (!finding.ok()) return finding.status();
  FindingInput litter;
  litter.estate = d.estate;
  litter.category = "sanitation";
  litter.severity = "low";
  litter.description = "Bins overflowing by the bike shed";
  litter.deadline = local_date(Clock::system().now_ms() - kDay);  // already overdue
  if (auto r = pat.work().report_finding(litter); !r.ok()) return r.status();
  FIELDSYNC_RETURN_IF_ERROR(photograph(world, pat, "findings", finding->id, "fire-door.jpg", 900 * 1024, 1, e));
  e.fire_door_photo = std::prev(e.photos.end())->second;
  say("pat", "reported a fire hazard (with a photo of the door) and a sanitation problem");
  // Both patrollers get the fire hazard at the mid-shift sync, then go offline again.
  FIELDSYNC_RETURN_IF_ERROR(sync_and_report(world, pat));
  FIELDSYNC_RETURN_IF_ERROR(sync_and_report(world, quinn));
  e.shared_finding = finding->id;
  if (auto r = pat.store->advance_status("findings", finding->id, "notified"); !r.ok()) return r.status();
  say("pat", "told the household: the fire hazard is now 'notified'");
  if (auto r = quinn.store->update("findings", finding->id,
                                   {{"description", "Fire door wedged open with a brick, Block 1 stairwell"}});
      !r.ok()) {
    return r.status();
  }
  say("quinn", "added detail to the same finding's description");
  return Status();
}

Status technician(DemoWorld& world, const EstateData& d, Expected& e) {
  Staff& tom = world.staff()["tom"];
  FIELDSYNC_RETURN_IF_ERROR(
      photograph(world, tom, "work_orders", d.repair, "leak-before.jpg", 1500 * 1024, 2, e));
  for (const char* stage : {"dispatched", "in_progress"}) {
    if (auto r = tom.store->advance_status("work_orders", d.repair, stage); !r.ok()) return r.status();
  }
  if (auto r = tom.work().add_work_order_note(d.repair, "Corroded joint under the sink; replaced"); !r.ok()) {
    return r.status();
  }
  if (auto r = tom.work().add_work_order_note(d.repair, "Ran water 10 minutes: dry"); !r.ok()) return r.status();
  if (auto r = tom.store->advance_status("work_orders", d.repair, "completed"); !r.ok()) return r.status();
  FIELDSYNC_RETURN_IF_ERROR(photograph(world, tom, "work_orders", d.repair, "leak-after.jpg", 1200 * 1024, 3, e));
  ReturnVisitInput rv;
  rv.work_order = d.repair;
  rv.satisfaction = 5;
  rv.comment = "Quick and tidy";
  if (auto r = tom.work().record_return_visit(rv); !r.ok()) return r.status();
  say("tom", "fixed the leak in 1-103 with two notes and photos before and after; the owner rated it 5/5");

  WorkOrderInput lobby;
  lobby.building = d.buildings[0];
  lobby.area = "Block 1 lobby";
  lobby.category = "electrical";
  lobby.channel = "patrol";
  lobby.description = "Lobby light flickering";
  auto order = tom.work().open_work_order(lobby);
  if (!order.ok()) return order.status();
  if (auto r = tom.store->advance_status("work_orders", order->id, "completed"); !r.ok()) return r.status();
  say("tom", "replaced the lobby light; the return visit is still to do");
  return Status();
}

}  // namespace

Status morning_sync(DemoWorld& world) {
  for (auto& [user, s] : world.staff()) FIELDSYNC_RETURN_IF_ERROR(sync_and_report(world, s));
  return Status();
}

Result<Expected> play_weekend(DemoWorld& world, const EstateData& data) {
  Expected expected;
  FIELDSYNC_RETURN_IF_ERROR(collectors(world, data, expected));
  FIELDSYNC_RETURN_IF_ERROR(patrol(world, data, expected));
  FIELDSYNC_RETURN_IF_ERROR(technician(world, data, expected));
  Staff& office = world.staff()["office"];
  auto edit = office.store->update("households", expected.contested_household, {{"phones", {"13722223333"}}});
  if (!edit.ok()) return edit.status();
  say("office", "took a call and changed the same household's phone to 13722223333");
  return expected;
}

Status evening_sync(DemoWorld& world) {
  Staff& office = world.staff()["office"];
  FIELDSYNC_RETURN_IF_ERROR(sync_and_report(world, office));
  Staff& ben = world.staff()["ben"];
  ben.link->lose_responses(1);  // the stairwell: the server commits, the phone never hears
  ben.link->lose_requests(1);   // and the retry is lost too before it gets through
  for (auto& [user, s] : world.staff()) {
    if (user != "office") FIELDSYNC_RETURN_IF_ERROR(sync_and_report(world, s));
  }
  // A second round so every phone also has what the others pushed after it synced.
  for (auto& [user, s] : world.staff()) {
    auto report = world.sync(s);
    if (!report.ok()) return report.status().with_context(user + " sync");
  }
  return Status();
}

}  // namespace fieldsync::demo
