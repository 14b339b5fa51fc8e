// The property-management collections: reference data the office owns, the events
// staff record in the field (append-only), and the records with a lifecycle.
// Bumping Schema::version is a protocol change: the server accepts devices one
// version behind (see docs once sync lands).
#include "fieldsync/attachments.h"
#include "fieldsync/schema.h"
#include "fieldsync/text_values.h"

namespace fieldsync {
namespace {

using Kind = BucketRule::Kind;

FieldDef field(std::string name, FieldType type, bool required, MergeKind merge) {
  FieldDef f;
  f.name = std::move(name);
  f.type = type;
  f.required = required;
  f.merge = merge;
  return f;
}

// Shorthands: "set once" (immutable) and "editable" (last writer wins).
FieldDef once(std::string name, FieldType type, bool required = true) {
  return field(std::move(name), type, required, MergeKind::kImmutable);
}
FieldDef editable(std::string name, FieldType type, bool required = false) {
  return field(std::move(name), type, required, MergeKind::kLww);
}
FieldDef ref(FieldDef f, std::string target) {
  f.target = std::move(target);
  return f;
}
FieldDef choice(FieldDef f, std::vector<std::string> choices) {
  f.type = FieldType::kEnum;
  f.choices = std::move(choices);
  return f;
}
FieldDef bounded(FieldDef f, int64_t min, int64_t max) {
  f.min = min;
  f.max = max;
  return f;
}
// A status lifecycle and its reopen counter.
std::vector<FieldDef> lifecycle(std::vector<std::string> stages) {
  FieldDef status = field("status", FieldType::kEnum, true, MergeKind::kStatus);
  status.choices = std::move(stages);
  FieldDef reopens = field("status_reopens", FieldType::kInteger, false, MergeKind::kStatus);
  reopens.auto_value = AutoValue::kReopenCounter;
  reopens.min = 0;
  return {status, reopens};
}

CollectionDef collection(std::string name, std::string noun, BucketRule bucket,
                         std::vector<FieldDef> fields, bool append_only = false) {
  CollectionDef c;
  c.name = std::move(name);
  c.record_noun = std::move(noun);
  c.bucket = std::move(bucket);
  c.fields = std::move(fields);
  c.append_only = append_only;
  return c;
}

std::vector<FieldDef> plus(std::vector<FieldDef> a, const std::vector<FieldDef>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void require_one_of(const Json& fields, const char* a, const char* b, std::vector<std::string>& problems) {
  const bool has_a = fields.contains(a) && !fields[a].is_null();
  const bool has_b = fields.contains(b) && !fields[b].is_null();
  if (!has_a && !has_b) problems.push_back(std::string(a) + ": give a " + a + " or a " + b);
}

const std::vector<std::string> kFeeVisitOutcomes = {
    "paid_full", "paid_partial", "promised", "not_home", "away_remote_pay", "refused_service",
    "refused_hardship", "vacant", "wrong_contact", "notice_posted"};

std::vector<CollectionDef> property_management_collections() {
  using T = FieldType;
  const BucketRule own_estate{Kind::kSelf, "estate:", {}};
  const BucketRule own_building{Kind::kSelf, "building:", {}};
  auto inherit = [](std::vector<std::string> fields) {
    return BucketRule{Kind::kInherit, "", std::move(fields)};
  };
  std::vector<CollectionDef> all;

  // Reference data the office owns. Nothing is hard-deleted: it is archived.
  all.push_back(collection("estates", "estate", own_estate,
                           {editable("name", T::kText, true), editable("address", T::kText),
                            editable("archived", T::kBoolean)}));
  all.push_back(collection("buildings", "building", own_building,
                           {ref(once("estate", T::kReference), "estates"),
                            editable("name", T::kText, true), editable("address", T::kText),
                            editable("archived", T::kBoolean)}));
  all.push_back(collection("units", "unit", inherit({"building"}),
                           {ref(once("building", T::kReference), "buildings"),
                            editable("number", T::kText, true), editable("floor", T::kInteger),
                            editable("area_m2", T::kInteger), editable("archived", T::kBoolean)}));
  all.push_back(collection("households", "household", inherit({"unit"}),
                           {ref(once("unit", T::kReference), "units"),
                            editable("owner_name", T::kText, true), editable("phones", T::kTextList),
                            editable("residents", T::kTextList), editable("notes", T::kText),
                            editable("collector", T::kText), editable("archived", T::kBoolean)}));
  all.push_back(collection("charges", "charge", inherit({"household"}),
                           {ref(once("household", T::kReference), "households"),
                            once("fee_item", T::kText), once("period", T::kMonth),
                            once("amount", T::kMoney), once("due_date", T::kDate, false),
                            editable("cancelled", T::kBoolean)}));
  all.push_back(collection(
      "collection_plans", "collection plan", BucketRule{Kind::kField, "user:", {"collector"}},
      {once("collector", T::kText), once("month", T::kMonth),
       ref(editable("households", T::kReferenceList), "households"),
       bounded(editable("daily_visit_target", T::kInteger, true), 0, 1000),
       editable("amount_target", T::kMoney, true)}));
  all.push_back(collection("patrol_routes", "patrol route", inherit({"estate"}),
                           {ref(once("estate", T::kReference), "estates"),
                            editable("name", T::kText, true), editable("archived", T::kBoolean)}));
  all.push_back(collection("checkpoints", "checkpoint", inherit({"route"}),
                           {ref(once("route", T::kReference), "patrol_routes"),
                            editable("name", T::kText, true),
                            bounded(editable("sequence", T::kInteger), 0, 10000),
                            editable("location", T::kGeo), editable("archived", T::kBoolean)}));

  // Field events: append-only, never edited; a correction is a new event.
  CollectionDef visits = collection(
      "fee_visits", "fee visit", inherit({"household"}),
      {ref(once("household", T::kReference), "households"), once("collector", T::kText),
       once("visited_at", T::kTimestamp),
       choice(once("channel", T::kText), {"door", "phone", "sms", "notice"}),
       choice(once("outcome", T::kText), kFeeVisitOutcomes), once("person_met", T::kText, false),
       once("promise_date", T::kDate, false), once("promise_amount", T::kMoney, false),
       ref(once("work_order", T::kReference, false), "work_orders"),
       ref(once("complaint", T::kReference, false), "complaints"), once("note", T::kText, false),
       once("location", T::kGeo, false)},
      true);
  visits.check = [](const Json& f, std::vector<std::string>& problems) {
    const std::string outcome = f.value("outcome", "");
    if (outcome == "promised" && !f.contains("promise_date")) {
      problems.push_back("promise_date: a promised payment needs the date it was promised for");
    }
    if (outcome != "promised" && (f.contains("promise_date") || f.contains("promise_amount"))) {
      problems.push_back("promise_date: only a visit with outcome 'promised' has a promise");
    }
    if ((f.contains("work_order") || f.contains("complaint")) && outcome != "refused_service") {
      problems.push_back("work_order: link a work order or complaint only when the owner refuses over service");
    }
  };
  all.push_back(std::move(visits));

  FieldDef receipt = once("receipt_number", T::kText, false);
  receipt.auto_value = AutoValue::kReceiptNumber;
  CollectionDef payments = collection(
      "payments", "payment", inherit({"household"}),
      {ref(once("household", T::kReference), "households"),
       ref(once("charges", T::kReferenceList, false), "charges"),
       once("periods", T::kTextList, false), bounded(once("amount", T::kMoney), 1, kMaxMoneyMinor),
       choice(once("method", T::kText), {"cash", "card", "bank_transfer", "mobile", "cheque"}),
       once("collector", T::kText), once("paid_at", T::kTimestamp), receipt,
       once("note", T::kText, false)},
      true);
  payments.check = [](const Json& f, std::vector<std::string>& problems) {
    for (const auto& period : f.value("periods", Json::array())) {
      if (!period.is_string() || !parse_month(period.get<std::string>()).ok()) {
        problems.push_back("periods: " + utf8_prefix(period.dump(), 40) + " is not a month written YYYY-MM");
      }
    }
  };
  all.push_back(std::move(payments));
  all.push_back(collection("payment_voids", "payment void", inherit({"payment"}),
                           {ref(once("payment", T::kReference), "payments"),
                            once("reason", T::kText), once("voided_by", T::kText),
                            once("voided_at", T::kTimestamp)},
                           true));
  all.push_back(collection(
      "checkins", "patrol check-in", inherit({"checkpoint"}),
      {ref(once("route", T::kReference), "patrol_routes"),
       ref(once("checkpoint", T::kReference), "checkpoints"), once("patroller", T::kText),
       once("checked_at", T::kTimestamp), choice(once("method", T::kText), {"qr", "nfc", "manual"}),
       choice(once("condition", T::kText), {"normal", "abnormal"}), once("note", T::kText, false),
       once("location", T::kGeo, false)},
      true));

  // Records with a lifecycle.
  all.push_back(collection(
      "findings", "finding", inherit({"estate"}),
      plus({ref(once("estate", T::kReference), "estates"),
            ref(once("building", T::kReference, false), "buildings"),
            choice(editable("category", T::kText, true),
                   {"fire", "safety", "regulation_violation", "decoration_violation",
                    "facility_damage", "sanitation"}),
            choice(editable("severity", T::kText, true), {"low", "medium", "high", "critical"}),
            editable("location_text", T::kText), editable("location", T::kGeo),
            editable("description", T::kText, true), editable("deadline", T::kDate),
            editable("assignee", T::kText), once("reported_by", T::kText),
            once("reported_at", T::kTimestamp)},
           lifecycle({"reported", "notified", "rectifying", "awaiting_review", "closed"}))));

  CollectionDef work_orders = collection(
      "work_orders", "work order", inherit({"household", "building"}),
      plus({ref(once("household", T::kReference, false), "households"),
            ref(once("building", T::kReference, false), "buildings"),
            once("area", T::kText, false),
            choice(editable("category", T::kText, true),
                   {"plumbing", "electrical", "heating", "doors_windows", "structure", "appliance",
                    "public_facility", "other"}),
            choice(once("channel", T::kText), {"phone", "walk_in", "app", "patrol", "collector"}),
            editable("description", T::kText, true),
            choice(editable("priority", T::kText, true), {"low", "normal", "urgent", "emergency"}),
            editable("assignee", T::kText), once("reported_at", T::kTimestamp)},
           lifecycle({"reported", "dispatched", "in_progress", "completed", "return_visited",
                      "closed"})));
  work_orders.check = [](const Json& f, std::vector<std::string>& problems) {
    require_one_of(f, "household", "building", problems);
    if (!f.contains("household") && !f.contains("area")) {
      problems.push_back("area: a work order for a public area names the area");
    }
  };
  all.push_back(std::move(work_orders));

  all.push_back(collection("work_order_notes", "work order note", inherit({"work_order"}),
                           {ref(once("work_order", T::kReference), "work_orders"),
                            once("author", T::kText), once("written_at", T::kTimestamp),
                            once("text", T::kText)},
                           true));

  CollectionDef complaints = collection(
      "complaints", "complaint", inherit({"household", "building"}),
      plus({choice(once("type", T::kText), {"complaint", "enquiry"}),
            ref(once("household", T::kReference, false), "households"),
            ref(once("building", T::kReference, false), "buildings"),
            editable("description", T::kText, true), editable("assignee", T::kText),
            once("received_at", T::kTimestamp)},
           lifecycle({"open", "processing", "resolved", "return_visited", "closed"})));
  complaints.check = [](const Json& f, std::vector<std::string>& problems) {
    require_one_of(f, "household", "building", problems);
  };
  all.push_back(std::move(complaints));

  CollectionDef return_visits = collection(
      "return_visits", "return visit", inherit({"work_order", "complaint"}),
      {ref(once("work_order", T::kReference, false), "work_orders"),
       ref(once("complaint", T::kReference, false), "complaints"),
       bounded(once("satisfaction", T::kInteger), 1, 5), once("comment", T::kText, false),
       once("visited_by", T::kText), once("visited_at", T::kTimestamp)},
      true);
  return_visits.check = [](const Json& f, std::vector<std::string>& problems) {
    require_one_of(f, "work_order", "complaint", problems);
    if (f.contains("work_order") && f.contains("complaint")) {
      problems.push_back("work_order: a return visit is about one work order or one complaint, not both");
    }
  };
  all.push_back(std::move(return_visits));

  // Photos and documents attached to field work. The bytes travel apart from the
  // record (docs/protocol.md, "Attachments"); the record names them by SHA-256 and
  // lives in the bucket of the one record it belongs to.
  CollectionDef attachments = collection(
      "attachments", "attachment",
      inherit({"finding", "work_order", "work_order_note", "fee_visit", "return_visit"}),
      {ref(once("finding", T::kReference, false), "findings"),
       ref(once("work_order", T::kReference, false), "work_orders"),
       ref(once("work_order_note", T::kReference, false), "work_order_notes"),
       ref(once("fee_visit", T::kReference, false), "fee_visits"),
       ref(once("return_visit", T::kReference, false), "return_visits"),
       once("sha256", T::kText), bounded(once("size", T::kInteger), 1, kMaxAttachmentBytes),
       choice(once("media_type", T::kText), attachment_media_types()),
       once("file_name", T::kText, false), once("caption", T::kText, false),
       once("attached_by", T::kText), once("attached_at", T::kTimestamp)},
      true);
  attachments.check = [](const Json& f, std::vector<std::string>& problems) {
    static const char* const kParents[] = {"finding", "work_order", "work_order_note", "fee_visit",
                                           "return_visit"};
    int parents = 0;
    for (const char* parent : kParents) parents += f.contains(parent) && !f[parent].is_null();
    if (parents != 1) {
      problems.push_back(
          "finding: an attachment belongs to exactly one finding, work_order, work_order_note, "
          "fee_visit or return_visit");
    }
    if (f.contains("sha256") && f["sha256"].is_string() && !is_sha256_hex(f["sha256"].get<std::string>())) {
      problems.push_back("sha256: must be 64 lowercase hexadecimal digits");
    }
  };
  all.push_back(std::move(attachments));

  // Concurrent edits that lost, kept for a person to review. The server creates
  // them in the bucket of the record concerned; resolving one is an ordinary edit.
  // Values are JSON text, since a conflict can be about a field of any type.
  CollectionDef conflicts = collection(
      "conflicts", "conflict", inherit({"record"}),
      plus({once("collection", T::kText), once("record", T::kText), once("field", T::kText),
            once("winner_value", T::kText), once("winner_stamp", T::kText),
            once("winner_device", T::kText), once("loser_value", T::kText),
            once("loser_stamp", T::kText), once("loser_device", T::kText),
            once("detected_at", T::kTimestamp),
            choice(editable("resolution", T::kText), {"kept_winner", "kept_loser", "new_value"}),
            editable("resolved_by", T::kText)},
           lifecycle({"open", "resolved"})));
  conflicts.server_created = true;
  all.push_back(std::move(conflicts));
  return all;
}

}  // namespace

const Schema& Schema::property_management() {
  static const Schema schema(1, property_management_collections());
  return schema;
}

}  // namespace fieldsync
