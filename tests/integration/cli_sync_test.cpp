// The `fieldsync` command line against the real server: enroll, record, sync, status,
// conflicts, a sync while the server is down (a clear error, a non-zero exit code, the
// outbox kept for later), refused changes settled by the office and a revoked phone
// readmitted.
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
  EXPECT_EQ(listed.out.find(ref_.household_a), std::string::npos)
      << "the household is named as people name it\n" << listed.out;

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

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// A collector's payment refused by the server (her building was taken away while she was
// offline) is listed to the office with its receipt, accepted once, and cleared from the
// phone's parked list on its next sync, exactly once.
TEST_F(CliSyncTest, ARefusedPaymentAcceptedByTheOfficeClearsOnThePhoneOnce) {
  admin({"user", "add", "carl", "--role", "collector"});
  admin({"assign", "carl", "--building", ref_.building_a});
  ProcessResult enrolled =
      cli({"enroll", "--server", server_.url(), "--code", admin({"enroll-code", "carl"})});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  ASSERT_EQ(cli({"sync"}).exit_code, 0);

  Json payment = json({"pay", "--household", ref_.household_a, "--amount", "50.00"});
  const std::string receipt = payment["fields"].value("receipt_number", "");
  ASSERT_FALSE(receipt.empty()) << payment.dump();
  admin({"unassign", "carl", "--building", ref_.building_a});

  ProcessResult refused = cli({"sync"});
  ASSERT_EQ(refused.exit_code, 0) << refused.err;
  EXPECT_EQ(summary_value(refused.out, "  refused (parked)"), "1") << refused.out;
  EXPECT_EQ(json({"status"}).value("parked_changes", -1), 1);
  EXPECT_TRUE(of_collection(server_records(), "payments").empty());
  ProcessResult on_phone = cli({"parked"});
  EXPECT_NE(on_phone.out.find(receipt), std::string::npos) << on_phone.out;
  EXPECT_EQ(on_phone.out.find(payment.value("id", "")), std::string::npos)
      << "the refused payment is named by its receipt, not its id\n" << on_phone.out;

  Json parked = Json::parse(admin({"parked", "--json"}));
  ASSERT_EQ(parked.value("count", 0), 1) << parked.dump();
  const Json& entry = parked["refused_changes"][0];
  EXPECT_EQ(entry.value("user", ""), "carl");
  EXPECT_EQ(entry.value("collection", ""), "payments");
  EXPECT_NE(entry.value("what", "").find("receipt " + receipt), std::string::npos) << entry.dump();
  EXPECT_NE(entry.value("what", "").find("50.00"), std::string::npos) << entry.dump();
  const Json report = Json::parse(admin({"report", "--json"}));
  EXPECT_EQ(report["refused_changes"].value("open", -1), 1) << report.dump();
  EXPECT_EQ(report["refused_changes"].value("amount", ""), "50.00") << report.dump();

  const std::string accepted = admin(
      {"parked", "accept", std::to_string(entry.value("id", 0)), "--note", "paper receipt seen"});
  EXPECT_NE(accepted.find("accepted refused change"), std::string::npos) << accepted;
  std::vector<Record> payments = of_collection(server_records(), "payments");
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(payments[0].fields.value("receipt_number", ""), receipt);
  EXPECT_EQ(payments[0].fields.value("accepted_from", ""), entry.value("change_id", ""));
  EXPECT_EQ(Json::parse(admin({"parked", "--json"})).value("count", -1), 0);

  ProcessResult cleared = cli({"sync"});
  ASSERT_EQ(cleared.exit_code, 0) << cleared.err;
  EXPECT_NE(cleared.out.find("the office settled 1"), std::string::npos) << cleared.out;
  // The collector sees which payment, by its receipt, and the office's note.
  EXPECT_NE(cleared.out.find(receipt), std::string::npos) << cleared.out;
  EXPECT_NE(cleared.out.find("paper receipt seen"), std::string::npos) << cleared.out;
  EXPECT_EQ(json({"status"}).value("parked_changes", -1), 0);
  ProcessResult again = cli({"sync"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.find("the office settled"), std::string::npos) << again.out;
  EXPECT_EQ(of_collection(server_records(), "payments").size(), 1u);
}

// A revoked phone is refused, says so in `status`, cannot slip back in with a plain
// enroll code (which stays unused), and after `readmit` delivers its outbox exactly once.
TEST_F(CliSyncTest, ARevokedPhoneIsReadmittedAndItsOutboxDeliveredOnce) {
  admin({"user", "add", "carl", "--role", "collector"});
  admin({"assign", "carl", "--building", ref_.building_a});
  Json enrolled =
      json({"enroll", "--server", server_.url(), "--code", admin({"enroll-code", "carl"})});
  const std::string device = enrolled.value("device_code", "");
  ASSERT_FALSE(device.empty()) << enrolled.dump();
  ASSERT_EQ(cli({"sync"}).exit_code, 0);
  json({"pay", "--household", ref_.household_a, "--amount", "20.00"});

  EXPECT_EQ(admin({"revoke", lower(device)}), "revoked " + device)
      << "the code as the server spells it";
  ProcessResult refused = cli({"sync"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("readmit " + device), std::string::npos) << refused.err;
  Json status = json({"status"});
  EXPECT_FALSE(status.value("enrolled", true)) << status.dump();
  EXPECT_FALSE(status.value("refused_by_server", "").empty()) << status.dump();
  EXPECT_EQ(status.value("pending_changes", -1), 1) << status.dump();

  const std::string plain = admin({"enroll-code", "carl"});
  ProcessResult slipped = cli({"enroll", "--server", server_.url(), "--code", plain});
  EXPECT_NE(slipped.exit_code, 0);
  EXPECT_NE(slipped.err.find("readmit"), std::string::npos) << slipped.err;

  const std::string readmit = admin({"readmit", lower(device)});
  // Another phone cannot take the revoked device's place (its receipt numbers and change
  // numbers), and trying does not use the code up.
  ProcessResult stranger =
      phone_cli(dir_.file("stranger.db"), {"enroll", "--server", server_.url(), "--code", readmit});
  EXPECT_NE(stranger.exit_code, 0);
  EXPECT_NE(stranger.err.find("this phone was never that device"), std::string::npos)
      << stranger.err;
  ProcessResult back = cli({"enroll", "--server", server_.url(), "--code", lower(readmit)});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  ProcessResult delivered = cli({"sync"});
  ASSERT_EQ(delivered.exit_code, 0) << delivered.err;
  EXPECT_EQ(summary_value(delivered.out, "pushed"), "1") << delivered.out;
  EXPECT_TRUE(json({"status"}).value("enrolled", false));
  ProcessResult again = cli({"sync"});
  EXPECT_EQ(summary_value(again.out, "pushed"), "0") << again.out;
  std::vector<Record> payments = of_collection(server_records(), "payments");
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(payments[0].fields.value("receipt_number", "").rfind(device, 0), 0u)
      << payments[0].fields.dump();

  // The plain code the refused enroll tried is still good for a new phone of carl's, typed
  // in lower case; the new phone's receipts carry its device code as the server spells it.
  const std::string carl2 = dir_.file("carl2.db");
  ProcessResult other =
      phone_cli(carl2, {"--json", "enroll", "--server", server_.url(), "--code", lower(plain)});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  const std::string new_code = Json::parse(other.out).value("device_code", "");
  EXPECT_EQ(new_code, upper(new_code));
  ASSERT_EQ(phone_cli(carl2, {"sync"}).exit_code, 0);
  ProcessResult paid =
      phone_cli(carl2, {"--json", "pay", "--household", ref_.household_a, "--amount", "5.00"});
  ASSERT_EQ(paid.exit_code, 0) << paid.err;
  EXPECT_EQ(Json::parse(paid.out)["fields"].value("receipt_number", "").rfind(new_code + "-", 0),
            0u)
      << paid.out;
}

}  // namespace
}  // namespace fieldsync::testing
