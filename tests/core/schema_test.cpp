#include "fieldsync/schema.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fieldsync/text_values.h"

namespace fieldsync {
namespace {

const Schema& schema() {
  return Schema::property_management();
}

Json valid_visit() {
  return {{"household", "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b"},
          {"collector", "alice"},
          {"visited_at", 1795856400000LL},
          {"channel", "door"},
          {"outcome", "not_home"}};
}

bool has_detail(const Status& s, const std::string& needle) {
  for (const auto& d : s.details()) {
    if (d.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(Schema, DeclaresEveryPropertyManagementCollection) {
  for (const char* name : {"estates", "buildings", "units", "households", "charges",
                           "collection_plans", "patrol_routes", "checkpoints", "fee_visits",
                           "payments", "payment_voids", "checkins", "findings", "work_orders",
                           "work_order_notes", "return_visits", "complaints", "conflicts"}) {
    EXPECT_NE(schema().find(name), nullptr) << name;
  }
}

TEST(Schema, AppendOnlyCollectionsHaveOnlyImmutableFields) {
  int append_only = 0;
  for (const auto& c : schema().collections()) {
    if (!c.append_only) continue;
    ++append_only;
    for (const auto& f : c.fields) {
      EXPECT_EQ(f.merge, MergeKind::kImmutable) << c.name << "." << f.name;
    }
  }
  // visits, payments, voids, check-ins, notes, return visits, attachments
  EXPECT_EQ(append_only, 7);
}

TEST(Schema, LifecyclesAreDeclaredInOrderWithAReopenCounter) {
  const CollectionDef& orders = *schema().find("work_orders");
  const FieldDef* status = orders.status_field();
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->choices, (std::vector<std::string>{"reported", "dispatched", "in_progress",
                                                       "completed", "return_visited", "closed"}));
  ASSERT_NE(orders.field("status_reopens"), nullptr);
  EXPECT_EQ(orders.field("status_reopens")->auto_value, AutoValue::kReopenCounter);
  const FieldDef* finding_status = schema().find("findings")->status_field();
  EXPECT_EQ(finding_status->stage_index("awaiting_review"), 3);
}

TEST(Schema, AcceptsAValidRecord) {
  EXPECT_TRUE(schema().validate_create(*schema().find("fee_visits"), valid_visit()).ok());
}

TEST(Schema, ReportsEveryProblemWithItsField) {
  Json visit = valid_visit();
  visit["outcome"] = "maybe";
  visit["visited_at"] = "yesterday";
  visit["colour"] = "blue";
  visit.erase("collector");
  Status s = schema().validate_create(*schema().find("fee_visits"), visit);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.details().size(), 4u) << s.message();
  EXPECT_TRUE(has_detail(s, "outcome: 'maybe' is not one of"));
  EXPECT_TRUE(has_detail(s, "visited_at:"));
  EXPECT_TRUE(has_detail(s, "colour:"));
  EXPECT_TRUE(has_detail(s, "collector: is required"));
}

TEST(Schema, ChecksTypesAndRanges) {
  const CollectionDef& payments = *schema().find("payments");
  const FieldDef& amount = *payments.field("amount");
  EXPECT_TRUE(Schema::check_value(amount, Json(-100)).has_value());
  EXPECT_TRUE(Schema::check_value(amount, Json(0)).has_value());  // a payment is more than zero
  EXPECT_TRUE(Schema::check_value(amount, Json(12.5)).has_value());
  EXPECT_TRUE(Schema::check_value(amount, Json(std::numeric_limits<uint64_t>::max())).has_value());
  EXPECT_FALSE(Schema::check_value(amount, Json(12050)).has_value());
  const FieldDef& satisfaction = *schema().find("return_visits")->field("satisfaction");
  EXPECT_TRUE(Schema::check_value(satisfaction, Json(6)).has_value());
  EXPECT_FALSE(Schema::check_value(satisfaction, Json(5)).has_value());
  const FieldDef& household = *schema().find("fee_visits")->field("household");
  EXPECT_TRUE(Schema::check_value(household, Json("not-an-id")).has_value());
  const FieldDef& note = *schema().find("fee_visits")->field("note");
  EXPECT_TRUE(Schema::check_value(note, Json(std::string(5000, 'x'))).has_value());
}

TEST(Schema, TextMustBeValidUtf8) {
  const FieldDef& note = *schema().find("fee_visits")->field("note");
  EXPECT_FALSE(Schema::check_value(note, Json("caf\xc3\xa9 \xe4\xb8\xad")).has_value());
  EXPECT_TRUE(Schema::check_value(note, Json("bad \xff byte")).has_value());
  EXPECT_TRUE(Schema::check_value(note, Json("truncated \xe4\xb8")).has_value());
  EXPECT_TRUE(Schema::check_value(note, Json("overlong \xc0\xaf")).has_value());
  EXPECT_TRUE(Schema::check_value(note, Json("surrogate \xed\xa0\x80")).has_value());
}

// Found by tests/fuzz/schema_validation_fuzzer: NaN passed every range check (and
// infinity accuracy_m's), and JSON text writes both as null, so the record was refused
// once stored and synced.
TEST(Schema, GeoPointsAreFiniteNumbers) {
  const FieldDef& location = *schema().find("checkpoints")->field("location");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(Schema::check_value(location, Json{{"lat", nan}, {"lon", 0.0}}).has_value());
  EXPECT_TRUE(Schema::check_value(location, Json{{"lat", 1.0}, {"lon", -inf}}).has_value());
  EXPECT_TRUE(Schema::check_value(location, Json{{"lat", 1.0}, {"lon", 2.0}, {"accuracy_m", inf}})
                  .has_value());
  EXPECT_FALSE(Schema::check_value(location, Json{{"lat", 1.0}, {"lon", 2.0}, {"accuracy_m", 5}})
                   .has_value());
}

// Found by tests/fuzz/protocol_decode_fuzzer: a message that quoted the first bytes of a
// name cut a UTF-8 character in two, and a message that is not UTF-8 cannot be sent as
// JSON (the server answered 500 instead of the refusal).
TEST(Schema, MessagesQuotingLongNamesStayUtf8) {
  const std::string name = std::string(79, 'a') + "\xc3\xa9";  // 'é' across byte 80
  Status s = schema().validate_update(*schema().find("households"), Json{{name, 1}});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(is_valid_utf8(s.message())) << s.message();
  EXPECT_NE(s.message().find(std::string(79, 'a') + ": households have no such field"),
            std::string::npos);
  auto unknown = schema().require(std::string(79, 'b') + "\xc3\xa9");
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(is_valid_utf8(unknown.status().message())) << unknown.status().message();
}

TEST(Schema, PaymentPeriodsAreMonths) {
  Json payment = {{"household", "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b"},
                  {"amount", 100},
                  {"method", "cash"},
                  {"collector", "alice"},
                  {"paid_at", 1795856400000LL},
                  {"periods", {"2026-11", "soon"}}};
  Status s = schema().validate_create(*schema().find("payments"), payment);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(has_detail(s, "periods"));
}

TEST(Schema, ManagedFieldsCannotBeGiven) {
  Json payment = {{"household", "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b"},
                  {"amount", 100},
                  {"method", "cash"},
                  {"collector", "alice"},
                  {"paid_at", 1795856400000LL},
                  {"receipt_number", "FAKE-1"}};
  Status s = schema().validate_create(*schema().find("payments"), payment);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(has_detail(s, "receipt_number: is set by fieldsync"));
}

TEST(Schema, CrossFieldChecksExplainThemselves) {
  Json promise = valid_visit();
  promise["outcome"] = "promised";
  Status s = schema().validate_create(*schema().find("fee_visits"), promise);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(has_detail(s, "promise_date"));
  promise["promise_date"] = "2026-12-05";
  EXPECT_TRUE(schema().validate_create(*schema().find("fee_visits"), promise).ok());

  Json order = {{"category", "plumbing"},
                {"channel", "phone"},
                {"description", "leak"},
                {"priority", "normal"},
                {"reported_at", 1795856400000LL}};
  Status no_place = schema().validate_create(*schema().find("work_orders"), order);
  ASSERT_FALSE(no_place.ok());
  EXPECT_TRUE(has_detail(no_place, "household"));
}

TEST(Schema, EditsAreLimitedToLastWriterWinsFields) {
  const CollectionDef& households = *schema().find("households");
  EXPECT_TRUE(schema().validate_update(households, {{"phones", {"13900000000"}}}).ok());
  Status immutable =
      schema().validate_update(households, {{"unit", "0193a6f2-7c1e-7b3a-9f00-1c2d3e4f5a6b"}});
  ASSERT_FALSE(immutable.ok());
  EXPECT_NE(immutable.message().find("immutable"), std::string::npos);
  Status cleared = schema().validate_update(households, {{"owner_name", nullptr}});
  EXPECT_FALSE(cleared.ok());
  Status status = schema().validate_update(*schema().find("work_orders"), {{"status", "closed"}});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("advance or reopen"), std::string::npos);
  Status append_only = schema().validate_update(*schema().find("payments"), {{"amount", 1}});
  ASSERT_FALSE(append_only.ok());
  EXPECT_NE(append_only.message().find("append-only"), std::string::npos);
}

TEST(Schema, UnknownCollectionsListTheKnownOnes) {
  auto missing = schema().require("parking_tickets");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("fee_visits"), std::string::npos);
}

TEST(Schema, ATypoOfACollectionOrAChoiceGetsTheNearest) {
  auto typo = schema().require("househols");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().message(), "unknown collection 'househols'; did you mean `households`?");
  Json visit = valid_visit();
  visit["outcome"] = "not_hom";
  Status s = schema().validate_create(*schema().find("fee_visits"), visit);
  ASSERT_FALSE(s.ok());
  bool suggested = false;
  for (const auto& d : s.details())
    suggested |= d.find("did you mean `not_home`?") != std::string::npos;
  EXPECT_TRUE(suggested) << s.to_string();
}

TEST(Schema, AnAmountIsAtMostTenMillionSoNoSumCanOverflow) {
  const FieldDef* amount = schema().find("payments")->field("amount");
  ASSERT_NE(amount, nullptr);
  EXPECT_EQ(Schema::check_value(*amount, Json(kMaxAmountMinor)), std::nullopt);
  EXPECT_EQ(Schema::check_value(*amount, Json(kMaxAmountMinor + 1)),
            "is 10000000.01; at most 10000000.00 is allowed in one record");
  EXPECT_TRUE(Schema::check_value(*amount, Json(int64_t{1} << 62)).has_value());
  // At the bound, this many records would still not overflow a 64-bit sum.
  EXPECT_GT(INT64_MAX / kMaxAmountMinor, int64_t{9'000'000'000});
  // Each estate narrows it (100,000.00 unless it says), checked by relation_problems.
  EXPECT_TRUE(amount->estate_max);
  EXPECT_LT(kDefaultEstateMaxAmountMinor, kMaxAmountMinor);
  // Charges and promises too; a collector's monthly target is not one payment.
  EXPECT_TRUE(Schema::check_value(*schema().find("charges")->field("amount"),
                                  Json(kMaxAmountMinor + 1))
                  .has_value());
  EXPECT_TRUE(Schema::check_value(*schema().find("fee_visits")->field("promise_amount"),
                                  Json(kMaxAmountMinor + 1))
                  .has_value());
  EXPECT_EQ(Schema::check_value(*schema().find("collection_plans")->field("amount_target"),
                                Json(kMaxAmountMinor * 5)),
            std::nullopt);
}

TEST(Schema, AThousandProblemsAreSaidAsTwentyAndACount) {
  Json visit = valid_visit();
  for (int i = 0; i < 1000; ++i) visit["extra_" + std::to_string(i)] = i;
  Status s = schema().validate_create(*schema().find("fee_visits"), visit);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.details().size(), 20u);
  EXPECT_NE(s.message().find("; and 980 more problems"), std::string::npos) << s.message();
  EXPECT_LT(s.to_string().size(), 8192u);
  Status edit = schema().validate_update(*schema().find("households"), visit);
  ASSERT_FALSE(edit.ok());
  EXPECT_NE(edit.message().find("more problems"), std::string::npos);
}

}  // namespace
}  // namespace fieldsync
