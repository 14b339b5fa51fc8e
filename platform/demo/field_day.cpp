// fieldsync-demo: a field day, end to end. Starts the real fieldsync-server on an
// embedded SQLite database in a temporary folder, serving HTTPS with a throwaway CA's
// certificate for 127.0.0.1, sets the office up through the server's command line (CSV
// imports, plans, staff), enrolls seven phones (each trusting the CA and pinning the
// server's key), plays a weekend offline in Asia/Shanghai with one phone's clock an hour
// fast, syncs everyone at the end of the day (one phone losing its connection
// mid-sync), prints the office report and checks its figures against sums computed
// here from the server's records.
// Exits non-zero if any check fails.
#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "cpprest_transport.h"
#include "fieldsync/attachments.h"
#include "fieldsync/server/server_store.h"
#include "fieldsync/text_values.h"
#include "office_setup.h"
#include "weekend.h"

namespace fieldsync::demo {
namespace {

struct Checks {
  int failed = 0;
  void expect(bool ok, const std::string& what) {
    std::cout << (ok ? "  ok    " : "  FAIL  ") << what << "\n";
    if (!ok) ++failed;
  }
};

Result<std::map<std::string, server::StoredRecord>> server_records(const std::string& path) {
  auto store = server::open_sqlite_server_store(path);
  if (!store.ok()) return store.status();
  auto txn = (*store)->begin(false);
  if (!txn.ok()) return txn.status();
  std::map<std::string, server::StoredRecord> out;
  for (const auto& c : Schema::property_management().collections()) {
    FIELDSYNC_RETURN_IF_ERROR((*txn)->for_each_record(c.name, [&](const server::StoredRecord& r) {
      out[r.record.id] = r;
      return true;
    }));
  }
  return out;
}

// The phone holds exactly the server's records of its buckets, field for field.
bool converged(Staff& s, const std::map<std::string, server::StoredRecord>& server, std::string& why) {
  auto cursors = s.store->cursors();
  if (!cursors.ok()) return why = cursors.status().to_string(), false;
  std::set<std::string> held;
  for (const auto& c : s.store->schema().collections()) {
    auto records = s.store->list(c.name);
    if (!records.ok()) return why = records.status().to_string(), false;
    for (const auto& r : *records) {
      held.insert(r.id);
      auto it = server.find(r.id);
      if (it == server.end()) return why = "has " + r.collection + " " + r.id + " the server lacks", false;
      if (it->second.record.fields != r.fields) return why = r.collection + " " + r.id + " differs", false;
    }
  }
  for (const auto& [id, stored] : server) {
    if (cursors->count(stored.record.bucket) && !held.count(id)) {
      return why = "lacks " + stored.record.collection + " " + id, false;
    }
  }
  return true;
}

// The report's figures against sums computed here from the server's records, by the
// estate's local month, with the server's event times.
void check_figures(DemoWorld& world, const std::map<std::string, server::StoredRecord>& server,
                   const Json& report, Checks& checks) {
  const std::string period = report.value("period", "");
  const std::string today = report.value("as_of", "");
  auto month_of = [&](const Json& f) {
    return local_date(f.value("occurred_at", int64_t{0})).substr(0, 7);
  };
  std::set<std::string> voided;
  for (const auto& [id, r] : server) {
    if (r.record.collection == "payment_voids") voided.insert(r.record.fields.value("payment", ""));
  }
  int64_t collected = 0, due = 0, overdue = 0;
  std::map<std::string, int64_t> by_collector, visits;
  for (const auto& [id, r] : server) {
    const Json& f = r.record.fields;
    if (r.record.collection == "payments" && !voided.count(id) && month_of(f) == period) {
      collected += f.value("amount", int64_t{0});
      by_collector[f.value("collector", "")] += f.value("amount", int64_t{0});
    }
    if (r.record.collection == "fee_visits" && month_of(f) == period)
      ++visits[f.value("collector", "")];
    if (r.record.collection == "charges" && f.value("period", "") == period &&
        !f.value("cancelled", false)) {
      due += f.value("amount", int64_t{0});
    }
    if (r.record.collection == "findings" && f.value("status", "") != "closed" &&
        !f.value("deadline", "").empty() && f.value("deadline", "") < today) {
      ++overdue;
    }
  }
  const Json& collection = report["collection"];
  checks.expect(collection["collected_in_period"] == format_money(collected),
                "the report's money collected in " + period +
                    " is the sum of its unvoided payments (" + format_money(collected) + ")");
  checks.expect(collection["period"]["due"] == format_money(due),
                "the report's amount due for " + period + " is the sum of its charges (" +
                    format_money(due) + ")");
  bool collectors_agree = true;
  for (const Json& c : report["collectors"]) {
    const std::string name = c.value("collector", "");
    collectors_agree &=
        c["collected"] == format_money(by_collector[name]) && c["visits"] == visits[name];
  }
  checks.expect(collectors_agree && !report["collectors"].empty(),
                "each collector's visits and money in the report match their records");
  checks.expect(report["findings"]["overdue"] == overdue,
                "overdue findings: " + std::to_string(overdue) + ", as the report says");
  // ann's phone is an hour fast: the server kept her time and corrected it.
  bool corrected = false, all_ann = true;
  for (const auto& [id, r] : server) {
    const Json& f = r.record.fields;
    if (r.record.collection != "payments" || f.value("collector", "") != "ann") continue;
    const int64_t error =
        f.value("paid_at", int64_t{0}) - kAnnClockAheadMs - f.value("occurred_at", int64_t{0});
    corrected = true;
    all_ann &= f.value("time_check", "") == "corrected" && error > -60000 && error < 60000;
  }
  checks.expect(corrected && all_ann,
                "ann's payments keep her phone's time and count at the server's corrected time");
  auto status = world.staff()["ann"].replicator->status();
  checks.expect(status.ok() && status->clock_ahead_ms > kAnnClockAheadMs - 60000,
                "ann's phone still warns that its clock is an hour ahead");
}

int check_outcome(DemoWorld& world, const Expected& expected, const Json& report) {
  Checks checks;
  auto server = server_records(world.server_db());
  if (!server.ok()) {
    std::cerr << "fieldsync-demo: " << server.status().to_string() << "\n";
    return 1;
  }
  for (auto& [user, s] : world.staff()) {
    std::string why;
    checks.expect(converged(s, *server, why), user + "'s phone equals the server within its buckets" +
                                                  (why.empty() ? "" : " (" + why + ")"));
    auto pending = s.store->pending_count();
    checks.expect(pending.ok() && *pending == 0, user + "'s phone has nothing left to send");
  }
  std::set<std::string> voided;
  for (const auto& [id, r] : *server) {
    if (r.record.collection == "payment_voids") voided.insert(r.record.fields.value("payment", ""));
  }
  int64_t payments = 0, total = 0;
  std::set<std::string> receipts;
  for (const auto& [id, r] : *server) {
    if (r.record.collection != "payments") continue;
    ++payments;
    receipts.insert(r.record.fields.value("receipt_number", ""));
    if (!voided.count(id)) total += r.record.fields.value("amount", int64_t{0});
  }
  checks.expect(payments == expected.payments, "every payment reached the server exactly once (" +
                                                   std::to_string(payments) + " of " +
                                                   std::to_string(expected.payments) + ")");
  checks.expect(receipts.size() == static_cast<size_t>(payments), "receipt numbers are unique");
  checks.expect(total == expected.payments_total,
                "payments sum correctly: " + format_money(total) + " collected after voids");
  int conflicts = 0;
  for (const auto& [id, r] : *server) {
    const Json& f = r.record.fields;
    if (r.record.collection == "conflicts" && f.value("record", "") == expected.contested_household &&
        f.value("field", "") == "phones" && f.value("status", "") == "open") {
      ++conflicts;
    }
  }
  checks.expect(conflicts == 1, "the concurrent phone-number edits show up as one open conflict");
  const Json& finding = server->at(expected.shared_finding).record.fields;
  checks.expect(finding.value("status", "") == "notified" &&
                    finding.value("description", "").find("with a brick") != std::string::npos,
                "the finding kept both the status change and the other phone's edit");
  // Every photo is on the server, whole; the office opens the fire door's on request.
  size_t whole = 0;
  for (const auto& [id, hash] : expected.photos) {
    auto stored = Sha256::of_file(world.server_db() + ".blobs/" + hash);
    whole += server->count(id) && stored.ok() && *stored == hash;
  }
  checks.expect(whole == expected.photos.size(), "every photo reached the server whole (" + std::to_string(whole) +
                                                     " of " + std::to_string(expected.photos.size()) + ")");
  Staff& office = world.staff()["office"];
  const std::string& fire_door = expected.fire_door_photo;
  auto fetched = office.replicator->fetch_blob(fire_door);
  auto fetched_hash = fetched.ok() ? Sha256::of_file(*fetched) : Result<std::string>(fetched.status());
  checks.expect(fetched_hash.ok() && *fetched_hash == fire_door,
                "the office fetched a photo on request and its bytes match their hash");
  check_figures(world, *server, report, checks);
  auto ben = world.staff()["ben"].link->lost();
  checks.expect(ben == 2, "ben's phone lost its connection twice mid-sync and recovered");
  if (checks.failed) std::cout << "\nFAILED: " << checks.failed << " check(s)\n";
  return checks.failed ? 1 : 0;
}

// A password for the demo's office manager, new each run: four groups of four letters.
std::string demo_password() {
  std::random_device random;
  const std::string letters = "abcdefghijkmnpqrstuvwxyz";
  std::string password;
  for (int i = 0; i < 16; ++i) {
    if (i > 0 && i % 4 == 0) password += '-';
    password += letters[random() % letters.size()];
  }
  return password;
}

// "name=value" of the cookie `name` among a response's Set-Cookie headers; "" when none.
std::string set_cookie(const HttpResponse& response, const std::string& name) {
  const std::string all = header_value(response.headers, "Set-Cookie");
  const size_t at = all.find(name + "=");
  return at == std::string::npos ? "" : all.substr(at, all.find(';', at) - at);
}

// The console answers over HTTPS: its page at /, and its API, which asks a browser
// that is not signed in to sign in; the demo's manager signs in, and the Today page's
// figures are the office report's (docs/console.md).
void check_console(DemoWorld& world, Checks& checks, const std::string& manager,
                   const std::string& password, const Json& report) {
  CpprestTransportOptions tls;
  tls.ca_file = world.tls().ca_file;
  tls.pin = world.tls().pin;
  auto http = CpprestTransport::create(world.url(), tls);
  Result<HttpResponse> page =
      http.ok() ? (*http)->send({"GET", "/", "", ""}) : Result<HttpResponse>(http.status());
  checks.expect(page.ok() && page->status == 200 &&
                    page->body.find("/console/console.js") != std::string::npos,
                "the office console's page is served at " + world.url() + "/");
  Result<HttpResponse> session = http.ok() ? (*http)->send({"GET", "/v1/office/session", "", ""})
                                           : Result<HttpResponse>(http.status());
  checks.expect(
      session.ok() && session->status == 401 && session->body.find("\"csrf\"") != std::string::npos,
      "the console's API asks a browser that is not signed in to sign in");
  if (!session.ok() || session->status != 401) return;
  HttpRequest sign_in{"POST", "/v1/office/session", "",
                      Json{{"user", manager}, {"password", password}}.dump()};
  sign_in.headers = {
      {"Cookie", set_cookie(*session, "fieldsync_signin")},
      {"X-CSRF-Token", Json::parse(session->body, nullptr, false).value("csrf", "")}};
  Result<HttpResponse> signed_in = (*http)->send(sign_in);
  const std::string cookie = signed_in.ok() ? set_cookie(*signed_in, "fieldsync_session") : "";
  checks.expect(signed_in.ok() && signed_in->status == 200 && !cookie.empty(),
                "the demo's office manager signs in to the console");
  if (cookie.empty()) return;
  HttpRequest today{"GET",
                    "/v1/office/today?period=" + report.value("period", "") +
                        "&as_of=" + report.value("as_of", ""),
                    "", ""};
  today.headers = {{"Cookie", cookie}};
  Result<HttpResponse> answer = (*http)->send(today);
  Json shown = answer.ok() ? Json::parse(answer->body, nullptr, false) : Json();
  Json expected = report;
  if (shown.is_object() && shown.contains("report")) {
    // The report command was run without the blob folder; the server reads it.
    shown["report"].erase("attachments_waiting_for_bytes");
    expected.erase("attachments_waiting_for_bytes");
  }
  checks.expect(
      answer.ok() && answer->status == 200 && shown.is_object() && shown["report"] == expected,
      "the console's Today page shows the office report's figures");
}

// Until SIGINT or SIGTERM: the demo's server stays up for a person to look.
void wait_for_interrupt() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  int received = 0;
  sigwait(&signals, &received);
}

int run(const std::string& server_binary, bool keep_serving) {
  const auto started = std::chrono::steady_clock::now();
  const std::string folder = (std::filesystem::temp_directory_path() /
                              ("fieldsync-demo-" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(folder);
  int code = 1;
  {
    DemoWorld world(server_binary, folder);
    auto fail = [&](const Status& s) {
      std::cerr << "fieldsync-demo: " << s.to_string() << "\n";
      return 1;
    };
    std::cout << "== The office sets up Riverside Gardens (CSV import, plans, staff)\n";
    auto data = set_up_office(world);
    if (!data.ok()) return fail(data.status());
    if (Status s = world.start_server(); !s.ok()) return fail(s);
    std::cout << "  fieldsync-server is listening on " << world.url() << " (database " << world.server_db()
              << ")\n"
              << "  over TLS: a throwaway CA for 127.0.0.1 (" << world.tls().ca_file
              << "); every phone trusts it and pins the server's key " << world.tls().pin << "\n";
    if (Status s = enroll_staff(world, *data); !s.ok()) return fail(s);
    const std::string manager = "经理", password = demo_password();
    if (auto added =
            world.admin({"user", "add", manager, "--role", "office_manager"}, password + "\n");
        !added.ok()) {
      return fail(added.status());
    }
    std::cout << "\n== Morning: every phone syncs its buckets\n";
    if (Status s = morning_sync(world); !s.ok()) return fail(s);
    std::cout << "\n== The weekend, offline\n";
    auto expected = play_weekend(world, *data);
    if (!expected.ok()) return fail(expected.status());
    std::cout << "\n== End of the day: everyone syncs\n";
    if (Status s = evening_sync(world); !s.ok()) return fail(s);
    std::cout << "\n== The office report\n";
    auto report = world.admin({"report", "--period", data->period});
    if (!report.ok()) return fail(report.status());
    std::cout << *report;
    auto report_json = world.admin({"report", "--period", data->period, "--json"});
    if (!report_json.ok()) return fail(report_json.status());
    const Json figures = Json::parse(*report_json, nullptr, false);
    if (figures.is_discarded()) return fail(Status::internal("the report's JSON does not parse"));
    std::cout << "\n== Checks\n";
    code = check_outcome(world, *expected, figures);
    {
      Checks console;
      check_console(world, console, manager, password, figures);
      if (console.failed) code = 1;
    }
    std::cout << (code == 0 ? "\nAll checks passed.\n" : "\nFAILED.\n");
    std::cout << "\n== The office console\n"
              << "  " << world.url() << "/  sign in as " << manager << ", password " << password
              << "\n";
    if (keep_serving && code == 0) {
      std::cout << "  The browser must trust the demo's throwaway CA, " << world.tls().ca_file
                << ", or be told to go on. The server keeps serving until Ctrl-C.\n"
                << std::flush;
      wait_for_interrupt();
    } else {
      std::cout << "  The server stops now; `.ci/demo.sh --keep-serving` leaves it running "
                   "for a person to look.\n";
    }
    std::cout.flush();
    const int server_exit = world.stop_server();
    if (server_exit != 0) {
      std::cout << "  FAIL  fieldsync-server stopped with exit code " << server_exit << "\n";
      code = 1;
    }
  }
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "(" << seconds << " s)\n";
  if (code == 0) std::filesystem::remove_all(folder);
  return code;
}

}  // namespace
}  // namespace fieldsync::demo

int main(int argc, char** argv) {
  std::string server_binary = FIELDSYNC_SERVER_PATH;
  bool keep_serving = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--server-binary" && i + 1 < argc) {
      server_binary = argv[++i];
    } else if (arg == "--keep-serving") {
      keep_serving = true;
    } else {
      std::cerr << "usage: fieldsync-demo [--server-binary PATH] [--keep-serving]\n";
      return 2;
    }
  }
  return fieldsync::demo::run(server_binary, keep_serving);
}
