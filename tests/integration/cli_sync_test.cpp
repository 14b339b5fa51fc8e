// The `fieldsync` command line against the real server: enroll, record, sync, status,
// conflicts, and a sync while the server is down (a clear error, a non-zero exit code,
// the outbox kept for later).
#include <gtest/gtest.h>

#include "server_world.h"

namespace fieldsync::testing {
namespace {

class CliSyncTest : public ServerTest {
 protected:
  // Runs `fieldsync --db <phone db> args...`.
  ProcessResult cli(const std::vector<std::string>& args) const {
    std::vector<std::string> all = {"--db", dir_.file("carl.db")};
    all.insert(all.end(), args.begin(), args.end());
    return run_process(FIELDSYNC_CLI_PATH, all);
  }
  // Runs a command that must succeed with --json and returns its document.
  Json json(const std::vector<std::string>& args) const {
    std::vector<std::string> all = {"--json"};
    all.insert(all.end(), args.begin(), args.end());
    ProcessResult r = cli(all);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Json document = Json::parse(r.out, nullptr, false);
    EXPECT_FALSE(document.is_discarded()) << r.out;
    return document;
  }
};

// The value printed beside `label` in a `fieldsync sync` summary ("pushed   1").
std::string summary_value(const std::string& out, const std::string& label) {
  size_t at = 0;
  while ((at = out.find(label, at)) != std::string::npos) {
    if (at == 0 || out[at - 1] == '\n') {
      const size_t end = out.find('\n', at);
      std::string line = out.substr(at + label.size(), end - at - label.size());
      return line.substr(line.find_first_not_of(' '));
    }
    at += label.size();
  }
  return "(no '" + label + "' line in: " + out + ")";
}

TEST_F(CliSyncTest, EnrollsPaysSyncsAndKeepsTheOutboxWhenTheServerIsDown) {
  admin({"user", "add", "carl", "--role", "collector"});
  admin({"assign", "carl", "--building", ref_.building_a});
  const std::string code = admin({"enroll-code", "carl"});
  ProcessResult enrolled = cli({"enroll", "--server", server_.url(), "--code", code});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  EXPECT_NE(enrolled.out.find("carl (collector)"), std::string::npos) << enrolled.out;
  EXPECT_EQ(cli({"enroll", "--server", server_.url(), "--code", code}).exit_code, 8)
      << "a one-time code was accepted twice";

  // Carl syncs; then the office and carl, offline, both change the same phone number.
  FieldDevice& office = enroll("office", "office");
  office.sync();
  ProcessResult first = cli({"sync"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  must(office.store->update("households", ref_.household_a, {{"phones", {"222"}}}));
  office.sync();
  Json payment = json({"pay", "--household", ref_.household_a, "--amount", "120.00"});
  const std::string payment_id = payment.value("id", "");
  const std::string receipt = payment["fields"].value("receipt_number", "");
  ProcessResult edited = cli({"edit", "households", ref_.household_a, "phones=333"});
  ASSERT_EQ(edited.exit_code, 0) << edited.err;

  ProcessResult synced = cli({"sync"});
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
  EXPECT_EQ(summary_value(synced.out, "pushed"), "2") << synced.out;
  EXPECT_EQ(summary_value(synced.out, "  conflicts"), "1") << synced.out;
  EXPECT_EQ(summary_value(synced.out, "  refused (parked)"), "0") << synced.out;
  Json status = json({"status"});
  EXPECT_EQ(status["pending_changes"], 0);
  EXPECT_EQ(status["enrolled"], true);
  EXPECT_EQ(status["server"], server_.url());

  ServerRecords server = server_records();
  ASSERT_TRUE(server.count(payment_id));
  EXPECT_EQ(server.at(payment_id).record.fields["receipt_number"], receipt);
  EXPECT_EQ(server.at(payment_id).record.fields["amount"], 12000);
  std::vector<Record> conflicts = of_collection(server, "conflicts");
  ASSERT_EQ(conflicts.size(), 1u);
  ProcessResult listed = cli({"conflicts"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(conflicts[0].id), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("phones"), std::string::npos) << listed.out;

  // The server goes down: the sync fails clearly and the payment waits in the outbox.
  ASSERT_EQ(server_.stop(), 0);
  Json offline = json({"pay", "--household", ref_.household_a, "--amount", "10.00"});
  ProcessResult failed = cli({"sync"});
  EXPECT_EQ(failed.exit_code, 7) << failed.err;
  EXPECT_NE(failed.err.find("fieldsync: error: "), std::string::npos) << failed.err;
  EXPECT_NE(failed.err.find("cannot reach the server"), std::string::npos) << failed.err;
  EXPECT_TRUE(failed.out.empty()) << failed.out;
  EXPECT_EQ(json({"status"})["pending_changes"], 1);

  // Back up on the same address, the next sync delivers it once.
  Status back = server_.start_again();
  ASSERT_TRUE(back.ok()) << back.to_string();
  ProcessResult later = cli({"sync"});
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(summary_value(later.out, "pushed"), "1") << later.out;
  EXPECT_EQ(json({"status"})["pending_changes"], 0);
  server = server_records();
  EXPECT_TRUE(server.count(offline.value("id", "")));
  EXPECT_EQ(of_collection(server, "payments").size(), 2u);
}

// The phone refuses what the server would: a technician's phone takes no payment (no
// receipt number is used, nothing waits to sync), and a collector may correct a
// household's phones but not its owner's name, on the phone and on the server alike.
TEST_F(CliSyncTest, ThePhoneRefusesWhatTheServerWouldRefuse) {
  admin({"user", "add", "carl", "--role", "technician"});
  admin({"assign", "carl", "--building", ref_.building_a});
  ProcessResult enrolled =
      cli({"enroll", "--server", server_.url(), "--code", admin({"enroll-code", "carl"})});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  ASSERT_EQ(cli({"sync"}).exit_code, 0);

  ProcessResult paid = cli({"pay", "--household", ref_.household_a, "--amount", "120.00"});
  EXPECT_EQ(paid.exit_code, 8) << paid.out << paid.err;
  EXPECT_NE(paid.err.find("a technician may not record payments; nothing was written"),
            std::string::npos)
      << paid.err;
  EXPECT_EQ(paid.out.find("receipt number"), std::string::npos) << paid.out;
  EXPECT_EQ(json({"status"})["pending_changes"], 0);
  // What a technician does record goes through.
  Json order = json({"work-order", "--household", ref_.household_a, "--category", "plumbing",
                     "--description", "kitchen tap leaks"});
  EXPECT_EQ(order["fields"]["channel"], "phone");  // the declaration's default
  ASSERT_EQ(cli({"sync"}).exit_code, 0);
  EXPECT_TRUE(server_records().count(order.value("id", "")));

  // The office makes carl a collector; his next pull tells the phone.
  admin({"user", "add", "carl", "--role", "collector"});
  ASSERT_EQ(cli({"sync"}).exit_code, 0);
  Json payment = json({"pay", "--household", ref_.household_a, "--amount", "120.00"});
  EXPECT_EQ(payment["fields"]["collector"], "carl");
  ProcessResult renamed = cli({"edit", "households", ref_.household_a, "owner_name=Somebody Else"});
  EXPECT_EQ(renamed.exit_code, 8) << renamed.err;
  EXPECT_NE(renamed.err.find(
                "a collector may not change owner_name of households (a collector may change "
                "phones, notes)"),
            std::string::npos)
      << renamed.err;
  EXPECT_EQ(cli({"edit", "households", ref_.household_a, "phones=13900001111"}).exit_code, 0);
  ProcessResult synced = cli({"sync"});
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
  EXPECT_EQ(summary_value(synced.out, "  refused (parked)"), "0") << synced.out;
  ServerRecords server = server_records();
  EXPECT_EQ(server.at(ref_.household_a).record.fields["phones"], Json({"13900001111"}));
  EXPECT_NE(server.at(ref_.household_a).record.fields["owner_name"], "Somebody Else");

  // The same rename sent straight to the server, as a modified phone would: refused.
  FieldDevice& mallory = enroll("mallory", "collector", {ref_.building_a});
  mallory.sync();
  ASSERT_TRUE(mallory.store->set_access(Access{"mallory", "office", {}, {}})
                  .ok());  // a phone that lies to itself
  must(mallory.store->update("households", ref_.household_a, {{"owner_name", "Somebody Else"}}));
  SyncReport report = mallory.sync();
  EXPECT_EQ(report.rejected, 1);
  auto parked = must(mallory.store->parked_changes());
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_NE(parked[0].parked_reason.find("a collector may not change owner_name of households"),
            std::string::npos)
      << parked[0].parked_reason;
  EXPECT_NE(server_records().at(ref_.household_a).record.fields["owner_name"], "Somebody Else");
}

}  // namespace
}  // namespace fieldsync::testing
