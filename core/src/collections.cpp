// The property-management collections, each declared once: reference data the office
// owns, the events staff record in the field (append-only), the records with a
// lifecycle; the roles of the people who use them and the kinds of data each reads.
// Bumping Schema::version is a protocol change: the server accepts devices one version
// behind (docs/protocol.md, "Versions").
//
// Version 2: buckets carry a kind of data ("building:<id>:fees") and roles read only
// their kinds; author fields name the device's user.
// Version 3: estates have a time_zone; events carry the server's arrived_at,
// occurred_at, time_check and late_for.
// Version 4: the pull tells a device which of its refused changes the office settled;
// an event the office accepted from a refused change names it (accepted_from).
#include <algorithm>

#include "fieldsync/attachments.h"
#include "fieldsync/schema.h"
#include "fieldsync/text_values.h"
#include "fieldsync/time_zone.h"

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

// Declaration shorthands for what a recording fills in and how a person reads a field.
FieldDef about(FieldDef f, std::string description) {
  f.description = std::move(description);
  return f;
}
FieldDef author(FieldDef f) {
  f.author = true;
  f.default_value = DefaultValue::kDeviceUser;
  return f;
}
FieldDef estate_max(FieldDef f) {
  f.estate_max = true;
  return f;
}
FieldDef user_name(FieldDef f) {
  f.names_user = true;
  return f;
}
FieldDef now(FieldDef f) {
  f.default_value = DefaultValue::kNow;
  return f;
}
FieldDef server_set(FieldDef f, int since_version = 3) {
  f.auto_value = AutoValue::kSetByServer;
  f.since_version = since_version;
  return f;
}
FieldDef unique(FieldDef f) {
  f.unique = true;
  return f;
}
FieldDef owned_by(FieldDef f, std::string owner) {
  f.owner = std::move(owner);
  return f;
}
FieldDef defaults_to(FieldDef f, Json value) {
  f.default_value = DefaultValue::kLiteral;
  f.default_literal = std::move(value);
  return f;
}
// The field roles and what each writes; the office writes everything.
const std::vector<std::string> kFieldRoles = {"collector", "patrol", "technician",
                                              "customer_service"};
RoleWrites creates(std::string role, std::vector<std::string> change = {}) {
  return RoleWrites{std::move(role), true, std::move(change)};
}
RoleWrites changes(std::string role, std::vector<std::string> change) {
  return RoleWrites{std::move(role), false, std::move(change)};
}
std::vector<RoleWrites> everyone_creates() {
  std::vector<RoleWrites> out;
  for (const auto& role : kFieldRoles) out.push_back(creates(role));
  return out;
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

// Problems when a record `fields[field]` names (of `collection`) does not have
// `its_field` equal to `fields[own]`: "every charge paid belongs to this household".
// Each problem reads "<field>: <id> <says>".
Status require_same(const Json& fields, const RecordReader& records, const char* field,
                    const char* collection, const char* its_field, const char* own,
                    const std::string& says, std::vector<std::string>& problems) {
  const Json& wanted = fields.value(own, Json());
  Json ids = fields.value(field, Json());
  if (ids.is_string()) ids = Json::array({ids});
  if (!ids.is_array() || !wanted.is_string()) return Status();
  for (const auto& id : ids) {
    if (!id.is_string()) continue;
    auto other = records.fields_of(collection, id.get<std::string>());
    if (!other.ok()) return other.status();
    if (*other && (*other)->value(its_field, Json()) != wanted) {
      problems.push_back(std::string(field) + ": " + id.get<std::string>() + " " + says);
    }
  }
  return Status();
}

std::vector<CollectionDef> property_management_collections() {
  using T = FieldType;
  const BucketRule own_estate{Kind::kSelf, "estate:", {}, "places"};
  const BucketRule own_building{Kind::kSelf, "building:", {}, "places"};
  auto inherit = [](std::vector<std::string> fields, std::string kind) {
    return BucketRule{Kind::kInherit, "", std::move(fields), std::move(kind)};
  };
  std::vector<CollectionDef> all;

  // Reference data the office owns. Nothing is hard-deleted: it is archived.
  CollectionDef estates =
      collection("estates", "estate", own_estate,
                 {editable("name", T::kText, true), editable("address", T::kText),
                  editable("archived", T::kBoolean),
                  about(editable("time_zone", T::kText),
                        "the estate's time zone, an IANA name like Asia/Shanghai"),
                  about(bounded(editable("max_amount", T::kMoney), 1, kMaxAmountMinor),
                        "the most one payment, charge or promise may hold here (100,000.00 "
                        "when not set)")});
  estates.fields[3].since_version = 3;
  estates.check = [](const Json& f, std::vector<std::string>& problems) {
    if (!f.contains("time_zone") || !f["time_zone"].is_string()) return;
    if (auto zone = TimeZone::named(f["time_zone"].get<std::string>()); !zone.ok()) {
      problems.push_back("time_zone: " + zone.status().message());
    }
  };
  estates.label = {{"name"}};
  all.push_back(std::move(estates));
  CollectionDef buildings =
      collection("buildings", "building", own_building,
                 {ref(once("estate", T::kReference), "estates"), editable("name", T::kText, true),
                  editable("address", T::kText), editable("archived", T::kBoolean)});
  buildings.label = {{"name"}};
  all.push_back(std::move(buildings));
  CollectionDef units =
      collection("units", "unit", inherit({"building"}, "places"),
                 {ref(once("building", T::kReference), "buildings"),
                  editable("number", T::kText, true), editable("floor", T::kInteger),
                  editable("area_m2", T::kInteger), editable("archived", T::kBoolean)});
  units.label = {{"building", "number"}};
  all.push_back(std::move(units));
  // Owners and their phones: read by the roles that deal with residents, never by patrol.
  CollectionDef households =
      collection("households", "household", inherit({"unit"}, "residents"),
                 {ref(once("unit", T::kReference), "units"), editable("owner_name", T::kText, true),
                  editable("phones", T::kTextList), editable("residents", T::kTextList),
                  editable("notes", T::kText), user_name(editable("collector", T::kText)),
                  editable("archived", T::kBoolean)});
  households.writers = {changes("collector", {"phones", "notes"}),
                        changes("customer_service", {"phones", "notes"})};
  households.label = {{"unit", "owner_name"}};
  all.push_back(std::move(households));
  CollectionDef charges =
      collection("charges", "charge", inherit({"household"}, "fees"),
                 {ref(once("household", T::kReference), "households"), once("fee_item", T::kText),
                  once("period", T::kMonth),
                  estate_max(bounded(once("amount", T::kMoney), 0, kMaxAmountMinor)),
                  once("due_date", T::kDate, false), editable("cancelled", T::kBoolean)});
  charges.label = {{"household", "fee_item", "period"}};
  all.push_back(std::move(charges));
  CollectionDef plans =
      collection("collection_plans", "collection plan",
                 BucketRule{Kind::kField, "user:", {"collector"}, "fees"},
                 {user_name(once("collector", T::kText)), once("month", T::kMonth),
                  ref(editable("households", T::kReferenceList), "households"),
                  bounded(editable("daily_visit_target", T::kInteger, true), 0, 1000),
                  editable("amount_target", T::kMoney, true)});
  plans.label = {{"collector", "month"}};
  all.push_back(std::move(plans));
  CollectionDef routes =
      collection("patrol_routes", "patrol route", inherit({"estate"}, "patrol"),
                 {ref(once("estate", T::kReference), "estates"), editable("name", T::kText, true),
                  editable("archived", T::kBoolean)});
  routes.label = {{"name"}};
  all.push_back(std::move(routes));
  CollectionDef checkpoints = collection(
      "checkpoints", "checkpoint", inherit({"route"}, "patrol"),
      {ref(once("route", T::kReference), "patrol_routes"), editable("name", T::kText, true),
       bounded(editable("sequence", T::kInteger), 0, 10000), editable("location", T::kGeo),
       editable("archived", T::kBoolean)});
  checkpoints.label = {{"route", "name"}};
  all.push_back(std::move(checkpoints));

  // Field events: append-only, never edited; a correction is a new event.
  CollectionDef visits = collection(
      "fee_visits", "fee visit", inherit({"household"}, "fees"),
      {about(ref(once("household", T::kReference), "households"), "the household visited"),
       author(about(once("collector", T::kText), "who visited")),
       now(about(once("visited_at", T::kTimestamp), "when")),
       defaults_to(about(choice(once("channel", T::kText), {"door", "phone", "sms", "notice"}),
                         "how the household was reached"),
                   "door"),
       about(choice(once("outcome", T::kText), kFeeVisitOutcomes), "what came of the visit"),
       about(once("person_met", T::kText, false), "who was met"),
       about(once("promise_date", T::kDate, false), "the date payment was promised for (promised)"),
       about(estate_max(bounded(once("promise_amount", T::kMoney, false), 0, kMaxAmountMinor)),
             "the amount promised, like 50.00"),
       about(ref(once("work_order", T::kReference, false), "work_orders"),
             "the work order the owner refuses over (refused_service)"),
       about(ref(once("complaint", T::kReference, false), "complaints"),
             "the complaint the owner refuses over (refused_service)"),
       about(once("note", T::kText, false), "a note"),
       about(once("location", T::kGeo, false), "where it happened")},
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
  visits.writers = {creates("collector"), creates("customer_service")};
  visits.takes_attachments = true;
  visits.label = {{"household", "outcome"}};
  visits.verb = "visit";
  visits.summary = "Record a fee collector's visit to a household (outcome, person met, promise).";
  visits.example = {{"household", "0193..."},
                    {"outcome", "promised"},
                    {"promise_date", "2026-12-05"},
                    {"promise_amount", "120.00"}};
  all.push_back(std::move(visits));

  FieldDef receipt = once("receipt_number", T::kText, false);
  receipt.auto_value = AutoValue::kReceiptNumber;
  CollectionDef payments = collection(
      "payments", "payment", inherit({"household"}, "fees"),
      {about(ref(once("household", T::kReference), "households"), "the household paying"),
       about(ref(once("charges", T::kReferenceList, false), "charges"),
             "the charges this pays (all of this household)"),
       about(once("periods", T::kTextList, false), "or the billing months this pays, YYYY-MM"),
       about(estate_max(bounded(once("amount", T::kMoney), 1, kMaxAmountMinor)),
             "the amount paid, like 120.50"),
       defaults_to(about(choice(once("method", T::kText),
                                {"cash", "card", "bank_transfer", "mobile", "cheque"}),
                         "how it was paid"),
                   "cash"),
       author(about(once("collector", T::kText), "who took the payment")),
       now(about(once("paid_at", T::kTimestamp), "when")), receipt,
       about(once("note", T::kText, false), "a note")},
      true);
  payments.check = [](const Json& f, std::vector<std::string>& problems) {
    for (const auto& period : f.value("periods", Json::array())) {
      if (!period.is_string()) {
        problems.push_back("periods: " + utf8_prefix(period.dump(), 40) + " is not a month written YYYY-MM");
      } else if (auto month = parse_month(period.get<std::string>()); !month.ok()) {
        problems.push_back("periods: " + month.status().message());
      }
    }
  };
  payments.relation_check = [](const Json& f, const RecordReader& records,
                               std::vector<std::string>& problems) {
    return require_same(f, records, "charges", "charges", "household", "household",
                        "belongs to another household", problems);
  };
  payments.writers = {creates("collector")};
  payments.label = {{"receipt_number", "household"}};
  payments.verb = "pay";
  payments.summary = "Record a payment and print its receipt number.";
  payments.example = {{"household", "0193..."}, {"amount", "120.50"}, {"periods", "2026-11"}};
  all.push_back(std::move(payments));
  CollectionDef voids = collection(
      "payment_voids", "payment void", inherit({"payment"}, "fees"),
      {unique(owned_by(about(ref(once("payment", T::kReference), "payments"), "the payment to void"),
                         "collector")),
       about(once("reason", T::kText), "why it is void"),
       author(about(once("voided_by", T::kText), "who voided it")),
       now(about(once("voided_at", T::kTimestamp), "when"))},
      true);
  voids.writers = {creates("collector")};
  voids.label = {{"payment", "reason"}};
  voids.verb = "void";
  voids.summary = "Void a payment (a new event; the payment itself is never edited). Once only.";
  voids.example = {{"payment", "0193..."}, {"reason", "entered twice"}};
  all.push_back(std::move(voids));
  CollectionDef checkins =
      collection("checkins", "patrol check-in", inherit({"checkpoint"}, "patrol"),
                 {about(ref(once("route", T::kReference), "patrol_routes"), "the patrol route"),
                  about(ref(once("checkpoint", T::kReference), "checkpoints"),
                        "the checkpoint, which must be on the route"),
                  author(about(once("patroller", T::kText), "who checked in")),
                  now(about(once("checked_at", T::kTimestamp), "when")),
                  defaults_to(about(choice(once("method", T::kText), {"qr", "nfc", "manual"}),
                                    "how the checkpoint was read"),
                              "qr"),
                  defaults_to(about(choice(once("condition", T::kText), {"normal", "abnormal"}),
                                    "what was found there"),
                              "normal"),
                  about(once("note", T::kText, false), "a note"),
                  about(once("location", T::kGeo, false), "where it happened")},
                 true);
  checkins.relation_check = [](const Json& f, const RecordReader& records,
                               std::vector<std::string>& problems) {
    return require_same(f, records, "checkpoint", "checkpoints", "route", "route",
                        "is not on route " + f.value("route", std::string()), problems);
  };
  checkins.writers = {creates("patrol")};
  checkins.label = {{"checkpoint", "condition"}};
  checkins.verb = "check-in";
  checkins.summary = "Record a patrol check-in at a checkpoint of a route.";
  checkins.example = {{"route", "0193..."}, {"checkpoint", "0193..."}, {"method", "nfc"}};
  all.push_back(std::move(checkins));

  // Records with a lifecycle.
  CollectionDef findings = collection(
      "findings", "finding", inherit({"estate"}, "patrol"),
      plus({about(ref(once("estate", T::kReference), "estates"), "the estate"),
            about(ref(once("building", T::kReference, false), "buildings"), "the building, if any"),
            about(choice(editable("category", T::kText, true),
                         {"fire", "safety", "regulation_violation", "decoration_violation",
                          "facility_damage", "sanitation"}),
                  "what kind of problem"),
            about(
                choice(editable("severity", T::kText, true), {"low", "medium", "high", "critical"}),
                "how serious"),
            about(editable("location_text", T::kText), "where, in words"),
            about(editable("location", T::kGeo), "where it is"),
            about(editable("description", T::kText, true), "what was found"),
            about(editable("deadline", T::kDate), "when it must be rectified"),
            about(user_name(editable("assignee", T::kText)), "who follows it up"),
            author(about(once("reported_by", T::kText), "who found it")),
            now(about(once("reported_at", T::kTimestamp), "when it was found"))},
           lifecycle({"reported", "notified", "rectifying", "awaiting_review", "closed"})));
  findings.writers = {creates("patrol", {"category", "severity", "location_text", "location",
                                         "description", "deadline", "assignee", "status"})};
  findings.takes_attachments = true;
  findings.label = {{"building", "category", "severity"}};
  findings.verb = "finding";
  findings.summary = "Report a hazard or violation found on patrol, for follow-up until closed.";
  findings.example = {{"estate", "0193..."},
                      {"category", "fire"},
                      {"severity", "high"},
                      {"description", "blocked exit"}};
  all.push_back(std::move(findings));

  CollectionDef work_orders = collection(
      "work_orders", "work order", inherit({"household", "building"}, "service"),
      plus({about(ref(once("household", T::kReference, false), "households"), "the household"),
            about(ref(once("building", T::kReference, false), "buildings"), "the building"),
            about(once("area", T::kText, false), "the public area (with --building)"),
            about(choice(editable("category", T::kText, true),
                         {"plumbing", "electrical", "heating", "doors_windows", "structure",
                          "appliance", "public_facility", "other"}),
                  "what kind of repair"),
            defaults_to(about(choice(once("channel", T::kText),
                                     {"phone", "walk_in", "app", "patrol", "collector"}),
                              "how it was reported"),
                        "phone"),
            about(editable("description", T::kText, true), "what is wrong"),
            defaults_to(about(choice(editable("priority", T::kText, true),
                                     {"low", "normal", "urgent", "emergency"}),
                              "how urgent"),
                        "normal"),
            about(user_name(editable("assignee", T::kText)), "who handles it"),
            now(about(once("reported_at", T::kTimestamp), "when it was reported"))},
           lifecycle({"reported", "dispatched", "in_progress", "completed", "return_visited",
                      "closed"})));
  work_orders.check = [](const Json& f, std::vector<std::string>& problems) {
    require_one_of(f, "household", "building", problems);
    if (!f.contains("household") && !f.contains("area")) {
      problems.push_back("area: a work order for a public area names the area");
    }
  };
  const std::vector<std::string> repair_fields = {"category", "description", "priority", "assignee",
                                                  "status"};
  work_orders.writers = {creates("collector"), creates("patrol"),
                         creates("technician", repair_fields),
                         creates("customer_service", repair_fields)};
  work_orders.takes_attachments = true;
  work_orders.label = {{"household", "building", "area", "category"}};
  work_orders.verb = "work-order";
  work_orders.summary =
      "Open a repair work order for a household, or for a public area of a building.";
  work_orders.example = {
      {"household", "0193..."}, {"category", "plumbing"}, {"description", "kitchen leak"}};
  all.push_back(std::move(work_orders));

  CollectionDef notes =
      collection("work_order_notes", "work order note", inherit({"work_order"}, "service"),
                 {about(ref(once("work_order", T::kReference), "work_orders"), "the work order"),
                  author(about(once("author", T::kText), "who wrote it")),
                  now(about(once("written_at", T::kTimestamp), "when")),
                  about(once("text", T::kText), "the note")},
                 true);
  notes.writers = everyone_creates();
  notes.takes_attachments = true;
  notes.label = {{"work_order", "author"}};
  notes.verb = "note";
  notes.summary = "Append a note to a work order.";
  notes.example = {{"work_order", "0193..."}, {"text", "replaced the valve"}};
  all.push_back(std::move(notes));

  CollectionDef complaints = collection(
      "complaints", "complaint", inherit({"household", "building"}, "service"),
      plus({defaults_to(about(choice(once("type", T::kText), {"complaint", "enquiry"}),
                              "a complaint or an enquiry"),
                        "complaint"),
            about(ref(once("household", T::kReference, false), "households"), "the household"),
            about(ref(once("building", T::kReference, false), "buildings"), "the building"),
            about(editable("description", T::kText, true), "what it is about"),
            about(user_name(editable("assignee", T::kText)), "who handles it"),
            now(about(once("received_at", T::kTimestamp), "when it was received"))},
           lifecycle({"open", "processing", "resolved", "return_visited", "closed"})));
  complaints.check = [](const Json& f, std::vector<std::string>& problems) {
    require_one_of(f, "household", "building", problems);
  };
  complaints.writers = {creates("collector"),
                        creates("customer_service", {"description", "assignee", "status"})};
  complaints.label = {{"household", "building", "type"}};
  complaints.verb = "complaint";
  complaints.summary = "Log a complaint or an enquiry from a household or about a building.";
  complaints.example = {{"household", "0193..."}, {"description", "noise at night"}};
  all.push_back(std::move(complaints));

  CollectionDef return_visits = collection(
      "return_visits", "return visit", inherit({"work_order", "complaint"}, "service"),
      {about(ref(once("work_order", T::kReference, false), "work_orders"), "the work order"),
       about(ref(once("complaint", T::kReference, false), "complaints"), "the complaint"),
       about(bounded(once("satisfaction", T::kInteger), 1, 5), "the owner's satisfaction, 1 to 5"),
       about(once("comment", T::kText, false), "what the owner said"),
       author(about(once("visited_by", T::kText), "who visited")),
       now(about(once("visited_at", T::kTimestamp), "when"))},
      true);
  return_visits.check = [](const Json& f, std::vector<std::string>& problems) {
    require_one_of(f, "work_order", "complaint", problems);
    if (f.contains("work_order") && f.contains("complaint")) {
      problems.push_back("work_order: a return visit is about one work order or one complaint, not both");
    }
  };
  return_visits.writers = {creates("technician"), creates("customer_service")};
  return_visits.advances = {{"work_order", "return_visited"}, {"complaint", "return_visited"}};
  return_visits.takes_attachments = true;
  return_visits.label = {{"work_order", "complaint", "satisfaction"}};
  return_visits.verb = "return-visit";
  return_visits.summary = "Record the return visit to the owner after a repair or complaint.";
  return_visits.example = {
      {"work_order", "0193..."}, {"satisfaction", "5"}, {"comment", "fixed quickly"}};
  all.push_back(std::move(return_visits));

  // Photos and documents attached to field work. The bytes travel apart from the
  // record (docs/protocol.md, "Attachments"); the record names them by SHA-256 and
  // lives in the bucket of the one record it belongs to, whose kind of data it is.
  std::vector<FieldDef> attachment_fields;
  std::vector<std::string> parents;
  for (const auto& c : all) {
    if (!c.takes_attachments) continue;
    std::string parent = c.record_noun;
    std::replace(parent.begin(), parent.end(), ' ', '_');
    parents.push_back(parent);
    attachment_fields.push_back(ref(once(parent, T::kReference, false), c.name));
  }
  CollectionDef attachments = collection(
      "attachments", "attachment", inherit(parents, ""),
      plus(attachment_fields,
           {once("sha256", T::kText), bounded(once("size", T::kInteger), 1, kMaxAttachmentBytes),
            choice(once("media_type", T::kText), attachment_media_types()),
            once("file_name", T::kText, false), once("caption", T::kText, false),
            author(once("attached_by", T::kText)), now(once("attached_at", T::kTimestamp))}),
      true);
  attachments.check = [parents](const Json& f, std::vector<std::string>& problems) {
    int given = 0;
    std::string names;
    for (const auto& parent : parents) {
      given += f.contains(parent) && !f[parent].is_null();
      names += (names.empty() ? "" : parent == parents.back() ? " or " : ", ") + parent;
    }
    if (given != 1) {
      problems.push_back(parents.front() + ": an attachment belongs to exactly one " + names);
    }
    if (f.contains("sha256") && f["sha256"].is_string() && !is_sha256_hex(f["sha256"].get<std::string>())) {
      problems.push_back("sha256: must be 64 lowercase hexadecimal digits");
    }
  };
  attachments.writers = everyone_creates();
  attachments.label = {{"file_name", "media_type"}};
  all.push_back(std::move(attachments));

  // Concurrent edits that lost, kept for a person to review. The server creates
  // them in the bucket of the record concerned; resolving one is an ordinary edit.
  // Values are JSON text, since a conflict can be about a field of any type.
  CollectionDef conflicts = collection(
      "conflicts", "conflict", inherit({"record"}, ""),
      plus({once("collection", T::kText), once("record", T::kText), once("field", T::kText),
            once("winner_value", T::kText), once("winner_stamp", T::kText),
            once("winner_device", T::kText), once("loser_value", T::kText),
            once("loser_stamp", T::kText), once("loser_device", T::kText),
            once("detected_at", T::kTimestamp),
            choice(editable("resolution", T::kText), {"kept_winner", "kept_loser", "new_value"}),
            author(editable("resolved_by", T::kText))},
           lifecycle({"open", "resolved"})));
  conflicts.server_created = true;
  for (const auto& role : kFieldRoles)
    conflicts.writers.push_back(changes(role, {"resolution", "resolved_by", "status"}));
  conflicts.label = {{"collection", "field"}};
  all.push_back(std::move(conflicts));

  // When each event happened, as the server reads it (docs/server.md, "When an event
  // happened"): set by the server on arrival, beside the time the phone recorded.
  for (auto& c : all) {
    if (c.event_time() == nullptr) continue;
    c.fields.push_back(
        server_set(about(once("arrived_at", T::kTimestamp, false), "when the server received it")));
    c.fields.push_back(server_set(about(once("occurred_at", T::kTimestamp, false),
                                        "when it happened: the phone's time, corrected by "
                                        "its clock's error")));
    c.fields.push_back(server_set(
        about(choice(once("time_check", T::kText, false), {"device", "corrected", "unexplained"}),
              "how occurred_at was read from the phone's time")));
    c.fields.push_back(server_set(
        about(once("late_for", T::kMonth, false), "the closed period it is dated into, if any")));
    c.fields.push_back(server_set(about(once("accepted_from", T::kText, false),
                                        "the refused change the office accepted it from "
                                        "(its change id), if it was one"),
                                  4));
  }
  return all;
}

std::vector<RoleDef> property_management_roles() {
  return {{"office", "the office: reads and writes everything, resolves conflicts", true},
          {"office_manager",
           "an office manager: the office's work, and its users, devices, imports and API tokens",
           true, true},
          {"collector", "a fee collector: visits households in arrears, takes payments", false},
          {"patrol", "patrol staff: check in at checkpoints, report hazards and violations", false},
          {"technician", "a repair technician: works orders, writes notes, visits the owner after",
           false},
          {"customer_service", "customer service: complaints, enquiries, repairs and return visits",
           false}};
}

std::vector<DataKind> property_management_kinds() {
  return {{"places", "places", kFieldRoles, "estates, buildings and units"},
          {"residents",
           "residents",
           {"collector", "technician", "customer_service"},
           "households: owners, phones, residents"},
          {"fees",
           "fee collection",
           {"collector", "customer_service"},
           "charges, plans, fee visits, payments and voids"},
          {"patrol", "patrol", {"patrol"}, "routes, checkpoints, check-ins and findings"},
          {"service", "repairs and complaints", kFieldRoles,
           "work orders, their notes, complaints and return visits"}};
}

}  // namespace

const Schema& Schema::property_management() {
  static const Schema schema(4, property_management_collections(), property_management_roles(),
                             property_management_kinds());
  return schema;
}

}  // namespace fieldsync
