// The declarations as the one source of who may do what: every declaration names
// roles, kinds and fields that exist; write_refusal() answers as the people in the
// field would expect; the phone refuses before it writes anything.
#include "fieldsync/access.h"

#include <gtest/gtest.h>

#include <set>

#include "fieldsync/field_work.h"
#include "test_support.h"

namespace fieldsync {
namespace {

const Schema& schema() {
  return Schema::property_management();
}
const CollectionDef& collection(const char* name) {
  return *schema().find(name);
}
Access as(const std::string& user, const std::string& role) {
  return Access{user, role, {}, {}};
}

TEST(Declarations, NameOnlyRolesKindsAndFieldsThatExist) {
  std::set<std::string> kinds;
  for (const auto& kind : schema().data_kinds()) {
    kinds.insert(kind.name);
    for (const auto& reader : kind.readers)
      EXPECT_NE(schema().role(reader), nullptr) << kind.name << ": " << reader;
  }
  for (const auto& c : schema().collections()) {
    SCOPED_TRACE(c.name);
    if (!c.bucket.data_kind.empty()) {
      EXPECT_TRUE(kinds.count(c.bucket.data_kind)) << c.bucket.data_kind;
    }
    for (const auto& w : c.writers) {
      ASSERT_NE(schema().role(w.role), nullptr) << w.role;
      EXPECT_FALSE(schema().role(w.role)->office)
          << "the office writes everything without a declaration";
      for (const auto& field : w.change) {
        const FieldDef* f = c.field(field);
        ASSERT_NE(f, nullptr) << w.role << " changes " << field;
        EXPECT_NE(f->merge, MergeKind::kImmutable) << w.role << " changes immutable " << field;
      }
    }
    for (const auto& part : c.label.parts)
      EXPECT_NE(c.field(part), nullptr) << "label part " << part;
    for (const auto& [field, value] : c.example.items())
      EXPECT_NE(c.field(field), nullptr) << "example " << field;
    for (const auto& f : c.fields) {
      if (f.author) {
        EXPECT_EQ(f.type, FieldType::kText) << f.name;
      }
    }
    int event_times = 0;
    for (const auto& f : c.fields) event_times += f.default_value == DefaultValue::kNow;
    EXPECT_LE(event_times, 1) << "--at must name one field";
    if (!c.verb.empty()) {
      EXPECT_FALSE(c.summary.empty());
    }
  }
  // The attachments collection has one parent field per collection that takes them.
  const CollectionDef& attachments = collection("attachments");
  for (const auto& c : schema().collections()) {
    bool named = false;
    for (const auto& f : attachments.fields) named = named || f.target == c.name;
    EXPECT_EQ(named, c.takes_attachments) << c.name;
  }
}

TEST(Declarations, EachRoleReadsItsKindsOfData) {
  using Kinds = std::vector<std::string>;
  EXPECT_EQ(schema().kinds_read_by("office"),
            (Kinds{"places", "residents", "fees", "patrol", "service"}));
  EXPECT_EQ(schema().kinds_read_by("collector"), (Kinds{"places", "residents", "fees", "service"}));
  EXPECT_EQ(schema().kinds_read_by("patrol"), (Kinds{"places", "patrol", "service"}));
  EXPECT_EQ(schema().kinds_read_by("technician"), (Kinds{"places", "residents", "service"}));
  EXPECT_TRUE(schema().kinds_read_by("burglar").empty());
  EXPECT_EQ(buckets_for(schema(), "patrol", {"building:b1", "user:pat"}),
            (Kinds{"building:b1:places", "building:b1:patrol", "building:b1:service",
                   "user:pat:places", "user:pat:patrol", "user:pat:service"}));
  EXPECT_EQ(bucket_place("building:b1:fees"), "building:b1");
  EXPECT_EQ(bucket_place("building:b1"), "building:b1");
  EXPECT_EQ(bucket_place("office"), "office");
  EXPECT_EQ(bucket_kind(schema(), "building:b1:fees"), "fees");
  EXPECT_EQ(bucket_kind(schema(), "building:b1"), "");
}

TEST(WriteRefusal, FollowsTheDeclarations) {
  const Json payment = {{"household", "h"}, {"amount", 100}, {"collector", "ann"}};
  EXPECT_EQ(
      write_refusal(schema(), collection("payments"), as("ann", "collector"), "create", payment),
      "");
  EXPECT_EQ(write_refusal(schema(), collection("payments"), as("tom", "technician"), "create",
                          {{"household", "h"}, {"collector", "tom"}}),
            "a technician may not record payments");
  EXPECT_EQ(
      write_refusal(schema(), collection("payments"), as("ann", "collector"), "create",
                    {{"household", "h"}, {"collector", "bob"}}),
      "collector: names \"bob\", but a payment is recorded in the name of the device's user (ann)");
  // The office may record in its own name only, like everyone.
  EXPECT_NE(
      write_refusal(schema(), collection("payments"), as("olga", "office"), "create", payment), "");
  EXPECT_EQ(write_refusal(schema(), collection("estates"), as("ann", "collector"), "create",
                          {{"name", "x"}}),
            "estates are created by the office");
  EXPECT_EQ(write_refusal(schema(), collection("estates"), as("olga", "office"), "create",
                          {{"name", "x"}}),
            "");
  EXPECT_EQ(write_refusal(schema(), collection("conflicts"), as("olga", "office"), "create",
                          Json::object()),
            "conflicts are created by the server");
  EXPECT_EQ(write_refusal(schema(), collection("households"), as("ann", "collector"), "update",
                          {{"phones", {"1"}}, {"notes", "dog"}}),
            "");
  EXPECT_EQ(write_refusal(schema(), collection("households"), as("ann", "collector"), "update",
                          {{"owner_name", "X"}, {"collector", "bob"}}),
            "a collector may not change collector, owner_name of households (a collector may "
            "change phones, notes)");
  EXPECT_EQ(write_refusal(schema(), collection("households"), as("pat", "patrol"), "update",
                          {{"phones", {"1"}}}),
            "a patrol may not change phones of households");
  // A status move carries its reopen counter; the counter goes with the status field.
  EXPECT_EQ(write_refusal(schema(), collection("work_orders"), as("tom", "technician"), "reopen",
                          {{"status", "reported"}, {"status_reopens", 1}}),
            "");
  EXPECT_EQ(write_refusal(schema(), collection("work_orders"), as("ann", "collector"), "status",
                          {{"status", "closed"}}),
            "a collector may not change status of work_orders");
  EXPECT_EQ(
      write_refusal(schema(), collection("estates"), as("x", "burglar"), "create", Json::object()),
      "role 'burglar' may not write anything");
}

class PhoneRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DeviceStoreOptions options;
    options.clock = &clock_;
    store_ =
        testing::must(DeviceStore::create(dir_.file("device.db"), {"T001", "tom", ""}, options));
    e_ = testing::seed_estate(*store_);  // before enrollment: the device checks nothing
  }
  testing::TempDir dir_;
  ManualClock clock_{testing::kSaturdayMorning};
  std::unique_ptr<DeviceStore> store_;
  testing::Estate e_;
};

TEST_F(PhoneRefusalTest, ATechniciansPhoneTakesNoPaymentAndUsesNoReceiptNumber) {
  ASSERT_TRUE(store_->set_access(as("tom", "technician")).ok());
  const auto before = testing::must(store_->outbox()).size();
  PaymentInput payment = testing::payment(e_.household, 12000);
  auto refused = FieldWork(*store_).record_payment(payment);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message(),
            "a technician may not record payments; nothing was written");
  EXPECT_EQ(testing::must(store_->outbox()).size(), before);
  EXPECT_TRUE(testing::must(store_->list("payments")).empty());

  // The access is kept with the data: a store opened again still refuses.
  store_.reset();
  DeviceStoreOptions options;
  options.clock = &clock_;
  store_ = testing::must(DeviceStore::open(dir_.file("device.db"), options));
  EXPECT_EQ(store_->access().role, "technician");
  EXPECT_FALSE(FieldWork(*store_).record_payment(payment).ok());
  // Made a collector, the phone's first payment has the first receipt number.
  ASSERT_TRUE(store_->set_access(as("tom", "collector")).ok());
  Record paid = testing::must(FieldWork(*store_).record_payment(payment));
  EXPECT_EQ(paid.fields["receipt_number"], "T001-000001");
  EXPECT_EQ(paid.fields["collector"], "tom");
}

TEST_F(PhoneRefusalTest, ACollectorCorrectsPhonesButNotTheOwner) {
  ASSERT_TRUE(store_->set_access(as("tom", "collector")).ok());
  EXPECT_TRUE(store_->update("households", e_.household, {{"phones", {"139"}}}).ok());
  auto renamed = store_->update("households", e_.household, {{"owner_name", "Somebody"}});
  ASSERT_FALSE(renamed.ok());
  EXPECT_EQ(renamed.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(testing::must(store_->get("households", e_.household)).fields["owner_name"], "Wang Li");
  EXPECT_EQ(store_->insert("estates", {{"name", "Mine"}}).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(PhoneRefusalTest, RecordFillsTheDeclaredDefaultsAndReportsEveryProblemAtOnce) {
  FieldWork work(*store_);
  Record visit = testing::must(
      work.record("fee_visits", {{"household", e_.household}, {"outcome", "not_home"}}));
  EXPECT_EQ(visit.fields["collector"], "tom");
  EXPECT_EQ(visit.fields["channel"], "door");
  EXPECT_EQ(visit.fields["visited_at"], testing::kSaturdayMorning);
  auto bad = work.record(
      "payments",
      {{"household", e_.household}, {"amount", -1}, {"method", "gold"}, {"periods", {"2026-13"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().details().size(), 2u) << bad.status().to_string();  // amount, method
  EXPECT_TRUE(testing::must(store_->list("payments")).empty());
  // The relation check: a charge of another household.
  Record other =
      testing::must(store_->insert("households", {{"unit", e_.unit}, {"owner_name", "Chen"}}));
  auto wrong = work.record(
      "payments", {{"household", other.id}, {"amount", 100}, {"charges", {e_.charge_nov}}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("belongs to another household"), std::string::npos);
}

TEST_F(PhoneRefusalTest, RecordsAreNamedAsTheirDeclarationSays) {
  StoreRecords records(*store_);
  Record household = testing::must(store_->get("households", e_.household));
  EXPECT_EQ(testing::must(label_of(schema(), collection("households"), household.id,
                                   household.fields, records)),
            "Block 3 · 3-1204 · Wang Li");
  WorkOrderInput order;
  order.household = e_.household;
  order.category = "plumbing";
  order.description = "leak";
  Record wo = testing::must(FieldWork(*store_).open_work_order(order));
  EXPECT_EQ(testing::must(label_of(schema(), collection("work_orders"), wo.id, wo.fields, records)),
            "Block 3 · 3-1204 · Wang Li · plumbing");
}

}  // namespace
}  // namespace fieldsync
