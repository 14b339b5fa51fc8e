// The console's page "Import" against the real `fieldsync-server` on loopback
// (docs/console.md, "Import"): a CSV file as the body of POST /v1/office/import, all rows
// or none, the problems with their lines; a large file is read only for a live session
// of an office manager (the front's gate refuses it from its headers otherwise); the
// office role, a missing CSRF token and an unknown collection are refused; a GB18030
// file imports Chinese names with encoding=gb18030 and is refused without it.
#include <algorithm>
#include <chrono>

#include "console_client.h"
#include "raw_http.h"

namespace fieldsync::testing {
namespace {

using std::chrono::milliseconds;

class ConsoleImportTest : public ConsoleTestBase {
 protected:
  void SetUp() override {
    ConsoleTestBase::SetUp();
    mei_ = signed_in("mei", "office_manager");
    olga_ = signed_in("olga", "office");
  }

  // POSTs `csv` as a browser's upload does, with `headers` (the session's cookie and
  // CSRF token, say).
  ConsoleAnswer upload(const std::string& query, const std::string& csv,
                       const std::vector<std::string>& headers) {
    std::string text = "POST /v1/office/import" + query +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                       "Content-Type: text/csv\r\nContent-Length: " +
                       std::to_string(csv.size()) + "\r\n";
    for (const std::string& h : headers) text += h + "\r\n";
    const RawAnswer raw = raw_exchange(server_.port(), text + "\r\n" + csv, milliseconds(60000));
    EXPECT_NE(raw.status, 0) << "no answer";
    // The console's client parses an answer from its text.
    ConsoleAnswer answer;
    answer.status = raw.status;
    const size_t end = raw.text.find("\r\n\r\n");
    if (end != std::string::npos) answer.body = raw.text.substr(end + 4);
    return answer;
  }

  // The households in the server's database, read afresh.
  size_t households() const { return of_collection(server_records(), "households").size(); }

  // `rows` households of unit A, each with a note of `note_bytes`.
  std::string households_csv(size_t rows, size_t note_bytes) const {
    std::string csv = "unit,owner_name,phones,notes\r\n";
    const std::string note(note_bytes, 'n');
    for (size_t i = 0; i < rows; ++i) {
      csv += ref_.unit_a + ",Owner " + std::to_string(i) + ",1390000" + std::to_string(i % 10000) +
             "," + note + "\r\n";
    }
    return csv;
  }

  ConsoleSession mei_, olga_;
};

TEST_F(ConsoleImportTest, ALargeFileIsReadOnlyForAManagersSession) {
  constexpr size_t kMiB = 1024 * 1024;
  const std::string csv = households_csv(kMiB / 2000, 2000);
  ASSERT_GT(csv.size(), kMiB - 4096);
  // Announced and never sent: without a manager's session the front answers 413 from
  // the headers at once, without waiting for the body it would not read.
  for (const std::string& cookie :
       {std::string(), std::string("Cookie: fieldsync_session=made-up"), olga_.cookie}) {
    RawConnection c(server_.port());
    ASSERT_TRUE(c.send(
        "POST /v1/office/import?collection=households HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: " +
        std::to_string(csv.size()) + "\r\n" + (cookie.empty() ? "" : cookie + "\r\n") + "\r\n"));
    RawAnswer answer = c.read_answer(milliseconds(3000));
    EXPECT_EQ(answer.status, 413) << cookie << "\n" << answer.text;
    EXPECT_NE(answer.text.find("65536"), std::string::npos) << answer.text;
  }
  const size_t before = households();
  ConsoleAnswer imported = upload("?collection=households", csv, {mei_.cookie, mei_.csrf});
  ASSERT_EQ(imported.status, 200) << imported.body.substr(0, 2000);
  const Json answer = imported.json();
  EXPECT_EQ(answer["collection"], "households");
  EXPECT_EQ(answer["imported"], kMiB / 2000);
  ASSERT_EQ(answer["ids"].size(), kMiB / 2000);
  EXPECT_EQ(answer["ids"][0]["line"], 2);
  EXPECT_EQ(households(), before + kMiB / 2000);
  // More than the import's own limit is refused from the headers even for a manager.
  RawConnection c(server_.port());
  ASSERT_TRUE(
      c.send("POST /v1/office/import?collection=households HTTP/1.1\r\n"
             "Host: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: " +
             std::to_string(9 * kMiB) + "\r\n" + mei_.cookie + "\r\n\r\n"));
  RawAnswer too_large = c.read_answer(milliseconds(3000));
  EXPECT_EQ(too_large.status, 413) << too_large.text;
  EXPECT_NE(too_large.text.find(std::to_string(8 * kMiB)), std::string::npos) << too_large.text;
}

TEST_F(ConsoleImportTest, BadRowsAreListedByLineAndNothingIsImported) {
  const size_t before = households();
  const std::string csv = "unit,owner_name,phones\r\n" + ref_.unit_a + ",Wang Li,13900001111\r\n" +
                          "0193a6f2-0000-7000-8000-00000000dead,Li Na,\r\n" + ref_.unit_b +
                          ",Zhao Lei,13900002222\r\n" + ref_.unit_b + ",,\r\n";
  ConsoleAnswer refused = upload("?collection=households", csv, {mei_.cookie, mei_.csrf});
  ASSERT_EQ(refused.status, 400) << refused.body;
  const Json error = refused.json()["error"];
  EXPECT_EQ(error["code"], "invalid_argument") << refused.body;
  EXPECT_NE(error["message"].get<std::string>().find("2 bad rows; nothing was imported"),
            std::string::npos)
      << refused.body;
  ASSERT_EQ(error["problems"].size(), 2u) << refused.body;
  EXPECT_EQ(error["problems"][0]["line"], 3);
  EXPECT_NE(error["problems"][0]["message"].get<std::string>().find("unit"), std::string::npos)
      << refused.body;
  EXPECT_EQ(error["problems"][1]["line"], 5);
  EXPECT_NE(error["problems"][1]["message"].get<std::string>().find("owner_name"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(households(), before);

  // A header naming an unknown column (and so none for owner_name): its line.
  ConsoleAnswer header =
      upload("?collection=households", "unit,owner,phones\r\nx,y,z\r\n", {mei_.cookie, mei_.csrf});
  ASSERT_EQ(header.status, 400) << header.body;
  const Json problems = header.json()["error"]["problems"];  // kept: json() is a temporary
  ASSERT_EQ(problems.size(), 2u) << header.body;
  for (const Json& problem : problems) EXPECT_EQ(problem["line"], 1);
  EXPECT_EQ(households(), before);
}

TEST_F(ConsoleImportTest, ImportsAreForManagersWithTheSessionsToken) {
  const std::string csv = "unit,owner_name\r\n" + ref_.unit_a + ",Wang Li\r\n";
  const size_t before = households();
  ConsoleAnswer office = upload("?collection=households", csv, {olga_.cookie, olga_.csrf});
  EXPECT_EQ(office.status, 403) << office.body;
  ConsoleAnswer no_csrf = upload("?collection=households", csv, {mei_.cookie});
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  ConsoleAnswer signed_out = upload("?collection=households", csv, {});
  EXPECT_EQ(signed_out.status, 401) << signed_out.body;
  EXPECT_EQ(households(), before);

  ConsoleAnswer imported = upload("?collection=households", csv, {mei_.cookie, mei_.csrf});
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(households(), before + 1);
  ConsoleAnswer log = request("GET", "/v1/office/audit?limit=5", "", {mei_.cookie});
  ASSERT_EQ(log.status, 200) << log.body;
  const Json newest = log.json()["items"][0];
  EXPECT_EQ(newest["action"], "import") << log.body;
  EXPECT_EQ(newest["user"], "mei");
  EXPECT_EQ(newest["detail"], "households 1");
}

TEST_F(ConsoleImportTest, AnUnknownCollectionIsRefusedNamingThoseTheOfficeImports) {
  // The page offers what the office imports: the collections of reference data.
  ConsoleAnswer offered = request("GET", "/v1/office/import", "", {olga_.cookie});
  ASSERT_EQ(offered.status, 200) << offered.body;
  const Json collections = offered.json()["collections"];
  EXPECT_EQ(collections[3], "households") << offered.body;
  for (const char* event : {"payments", "fee_visits", "conflicts"}) {
    EXPECT_EQ(std::find(collections.begin(), collections.end(), event), collections.end())
        << offered.body;
  }
  for (const std::string& query :
       {std::string("?collection=housholds"), std::string("?collection=payments"), std::string()}) {
    ConsoleAnswer refused = upload(query, "a\r\n1\r\n", {mei_.cookie, mei_.csrf});
    ASSERT_EQ(refused.status, 400) << query << " " << refused.body;
    const std::string message = refused.json()["error"]["message"];
    EXPECT_NE(message.find("estates, buildings, units, households"), std::string::npos) << message;
    EXPECT_EQ(message.find("payments,"), std::string::npos) << message;
  }
}

TEST_F(ConsoleImportTest, AGb18030FileImportsChineseNamesWhenItsEncodingIsNamed) {
  // 王芳 and 李娜 in GB18030, as Excel in Chinese saves a CSV file.
  const std::string csv = "unit,owner_name\r\n" + ref_.unit_a + ",\xCD\xF5\xB7\xBC\r\n" +
                          ref_.unit_b + ",\xC0\xEE\xC4\xC8\r\n";
  const size_t before = households();
  ConsoleAnswer unnamed = upload("?collection=households", csv, {mei_.cookie, mei_.csrf});
  ASSERT_EQ(unnamed.status, 400) << unnamed.body;
  const std::string message = unnamed.json()["error"]["message"];
  EXPECT_NE(message.find("not UTF-8"), std::string::npos) << message;
  EXPECT_NE(message.find("encoding=gb18030"), std::string::npos) << message;
  EXPECT_EQ(households(), before);

  ConsoleAnswer imported =
      upload("?collection=households&encoding=gb18030", csv, {mei_.cookie, mei_.csrf});
  ASSERT_EQ(imported.status, 200) << imported.body;
  ASSERT_EQ(imported.json()["ids"].size(), 2u);
  const ServerRecords records = server_records();
  const Json ids = imported.json()["ids"];
  EXPECT_EQ(records.at(ids[0]["id"].get<std::string>()).record.fields["owner_name"], "王芳");
  EXPECT_EQ(records.at(ids[1]["id"].get<std::string>()).record.fields["owner_name"], "李娜");
}

}  // namespace
}  // namespace fieldsync::testing
