// The simulation's random field work, by role, on the records each phone holds.
#include <algorithm>
#include <optional>

#include "sim_world.h"

namespace fieldsync::simulation {

bool refused_for_a_reason(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound ||
         s.code() == StatusCode::kFailedPrecondition;
}

namespace {

// The open conflict that sorts first by what it is about. Not by id: conflicts found
// in one push share a millisecond, and the random rest of their ids would order them
// differently in a replay.
std::optional<Record> first_open_conflict(DeviceStore& store) {
  auto conflicts = store.list("conflicts", ListQuery{{{"status", "open"}}});
  if (!conflicts.ok() || conflicts->empty()) return std::nullopt;
  auto key = [](const Record& c) {
    return c.fields.value("winner_stamp", "") + " " + c.fields.value("loser_stamp", "") + " " +
           c.fields.value("collection", "") + " " + c.fields.value("field", "") + " " +
           c.fields.value("record", "");
  };
  return *std::min_element(conflicts->begin(), conflicts->end(),
                           [&](const Record& a, const Record& b) { return key(a) < key(b); });
}

}  // namespace

Status SimWorld::field_work(SimDevice& d) {
  if (rng_() % 100 < 22) return attachment_work(d);
  FieldWork work(*d.store);
  const int roll = static_cast<int>(rng_() % 100);
  const std::string household = pick(held(d, "households"));
  const std::string order = pick(held(d, "work_orders"));
  const std::string finding = pick(held(d, "findings"));
  Result<Record> done = Status::not_found("nothing to do");
  std::string what;
  bool not_theirs = false;  // a void of another collector's payment, refused by the phone
  auto lww = [&](const std::string& collection, const std::string& id, const std::string& field,
                 Json value) {
    what = "edit " + collection + "." + field;
    done = d.store->update(collection, id, {{field, value}});
    if (done.ok()) edits_.push_back({d.user, collection, id, field, value});
  };
  if (d.role == "collector" && !household.empty()) {
    if (roll < 30) {
      FeeVisitInput v;
      v.household = household;
      v.outcome = roll % 2 ? "not_home" : "paid_full";
      what = "visit";
      done = work.record_visit(v);
    } else if (roll < 60) {
      what = "payment";
      done = work.record_payment(
          testing::payment(household, 100 + static_cast<int64_t>(rng_() % 10000)));
    } else if (roll < 70) {
      what = "void";
      const std::string payment = pick(held(d, "payments"));
      done = work.void_payment(payment, "sim");
      if (!done.ok() && done.status().code() == StatusCode::kPermissionDenied) {
        auto paid = d.store->get("payments", payment);
        not_theirs = paid.ok() && paid->fields.value("collector", "") != d.user;
      }
    } else {
      lww("households", household, "phones", Json::array({std::to_string(rng_() % 1000)}));
    }
  } else if (d.role == "patrol") {
    const std::string point = pick(held(d, "checkpoints"));
    if (roll < 25 && !point.empty()) {
      auto checkpoint = d.store->get("checkpoints", point);
      CheckInInput c;
      c.checkpoint = point;
      c.route = checkpoint.ok() ? checkpoint->fields.value("route", "") : "";
      c.condition = roll % 2 ? "normal" : "abnormal";
      what = "check-in";
      done = work.check_in(c);
    } else if (roll < 40) {
      FindingInput f;
      f.estate = estate_;
      f.category = "safety";
      f.severity = "low";
      f.description = "sim";
      what = "finding";
      done = work.report_finding(f);
    } else if (roll < 70 && !finding.empty()) {
      what = "advance finding";
      done = d.store->advance_status("findings", finding, roll % 2 ? "notified" : "closed");
    } else if (!finding.empty()) {
      lww("findings", finding, "description", "seen " + std::to_string(rng_() % 1000));
    }
  } else if (d.role == "technician" && !order.empty()) {
    if (roll < 30) {
      what = "note";
      done = work.add_work_order_note(order, "sim note");
    } else if (roll < 45) {
      ReturnVisitInput rv;
      rv.work_order = order;
      rv.satisfaction = 1 + static_cast<int64_t>(rng_() % 5);
      what = "return visit";
      done = work.record_return_visit(rv);
    } else if (roll < 80) {
      static const char* kStages[] = {"dispatched", "in_progress", "completed", "closed"};
      what = "advance order";
      done = d.store->advance_status("work_orders", order, kStages[rng_() % 4]);
    } else {
      what = "reopen order";
      done = d.store->reopen("work_orders", order);
    }
  } else if (d.role == "office") {
    const std::optional<Record> conflict = first_open_conflict(*d.store);
    if (roll < 20 && conflict) {
      const Record& c = *conflict;
      what = "resolve conflict";
      done = work.resolve_conflict(
          c.id, roll % 2 ? ConflictChoice::kKeepLoser : ConflictChoice::kKeepWinner);
      if (done.ok()) {
        auto record = d.store->get(c.fields.value("collection", ""), c.fields.value("record", ""));
        if (record.ok()) {
          const std::string field = c.fields.value("field", "");
          edits_.push_back(
              {d.user, record->collection, record->id, field, record->fields.value(field, Json())});
        }
      }
    } else if (roll < 60 && !household.empty()) {
      lww("households", household, "phones", Json::array({"o" + std::to_string(rng_() % 1000)}));
    } else if (roll < 80 && !finding.empty()) {
      lww("findings", finding, "description", "office " + std::to_string(rng_() % 1000));
    } else if (!order.empty()) {
      what = "office reopen";
      done = d.store->reopen("work_orders", order);
    }
  }
  note(d.user + " " + (what.empty() ? "idle" : what) +
       (done.ok() ? "" : " refused: " + done.status().message()));
  if (done.ok()) {
    if (!done->collection.empty() &&
        Schema::property_management().find(done->collection)->append_only) {
      d.created.insert(done->id);
    }
    return Status();
  }
  if (what.empty() || not_theirs || refused_for_a_reason(done.status())) return Status();
  return done.status().with_context(d.user + " " + what);
}

}  // namespace fieldsync::simulation
