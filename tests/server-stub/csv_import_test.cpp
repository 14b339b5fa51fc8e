// CSV import into the server store: the RFC 4180 reader, a good import whose files
// refer to each other by id, and bad files that report every bad line and import nothing.
#include "fieldsync/server/csv_import.h"

#include <gtest/gtest.h>

#include "fieldsync/server/office_admin.h"
#include "test_support.h"

namespace fieldsync::server {
namespace {

using testing::must;

const std::string kEstate = "11111111-1111-7111-8111-111111111111";
const std::string kBuilding = "22222222-2222-7222-8222-222222222222";
const std::string kUnit = "33333333-3333-7333-8333-333333333333";
const std::string kHousehold = "44444444-4444-7444-8444-444444444444";

class CsvImportTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = must(open_sqlite_server_store(dir_.file("server.db"))); }

  Result<ImportSummary> import(const std::string& collection, const std::string& csv) {
    return import_csv(*store_, Schema::property_management(), clock_, collection, csv);
  }
  // The records of `collection` on the server, by id.
  std::map<std::string, Record> records(const std::string& collection) {
    std::map<std::string, Record> out;
    auto txn = must(store_->begin(false));
    Status s = txn->for_each_record(collection, [&](const StoredRecord& r) {
      out[r.record.id] = r.record;
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.to_string();
    return out;
  }
  int64_t record_count() {
    int64_t n = 0;
    for (const auto& c : Schema::property_management().collections()) n += records(c.name).size();
    return n;
  }
  void import_estate_and_building() {
    must(import("estates", "id,name\n" + kEstate + ",Riverside\n"));
    must(import("buildings", "id,estate,name\n" + kBuilding + "," + kEstate + ",Block A\n"));
  }
  // Imports `csv`, expecting a refusal; returns its details.
  std::vector<std::string> refused(const std::string& collection, const std::string& csv) {
    const int64_t before = record_count();
    auto result = import(collection, csv);
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(record_count(), before) << "a refused import wrote something";
    if (result.ok()) return {};
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status().to_string();
    std::vector<std::string> problems = result.status().details();
    if (problems.empty()) problems.push_back(result.status().message());
    return problems;
  }

  testing::TempDir dir_;
  ManualClock clock_{testing::kSaturdayMorning};
  std::unique_ptr<ServerStore> store_;
};

TEST(CsvReader, ReadsQuotedValuesWithCommasQuotesAndLineBreaks) {
  auto records = parse_csv(
      "\xEF\xBB\xBFname,note\r\n\"Wang, Li\",\"said \"\"hi\"\"\"\r\n"
      "Chen,\"two\nlines\"\nLi,\"\"\n\nZhao,\n");
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].cells, (std::vector<std::string>{"name", "note"}));
  EXPECT_EQ(records[1].cells, (std::vector<std::string>{"Wang, Li", "said \"hi\""}));
  EXPECT_EQ(records[2].cells, (std::vector<std::string>{"Chen", "two\nlines"}));
  EXPECT_EQ(records[2].line, 3);
  EXPECT_EQ(records[3].cells, (std::vector<std::string>{"Li", ""}));
  EXPECT_EQ(records[3].line, 5);  // the line break inside the quotes counts
  EXPECT_EQ(records[4].cells, (std::vector<std::string>{"Zhao", ""}));
  EXPECT_EQ(records[4].line, 7);  // the blank line 6 is skipped
  for (const auto& r : records) EXPECT_TRUE(r.problem.empty()) << r.problem;
}

TEST(CsvReader, ABadQuoteSpoilsOneRecordAndReadingGoesOn) {
  auto records = parse_csv("a,b\nx\"y,z\n\"p\"q,r\nok,1\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_NE(records[1].problem.find("quote inside an unquoted value"), std::string::npos);
  EXPECT_NE(records[2].problem.find("text after a closing quote"), std::string::npos);
  EXPECT_EQ(records[3].cells, (std::vector<std::string>{"ok", "1"}));
  EXPECT_EQ(records[3].line, 4);
}

TEST(CsvReader, AnUnterminatedQuoteNamesTheLineItOpenedOn) {
  auto records = parse_csv("a,b\n1,2\n3,\"never\nclosed\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].line, 3);
  EXPECT_NE(records[2].problem.find("opened on line 3 is never closed"), std::string::npos);
}

TEST_F(CsvImportTest, ImportsReferenceDataThatRefersToItselfById) {
  must(import("estates", "id,name,address\n" + kEstate + ",Riverside,\"1 River Road, East\"\n"));
  must(import("buildings", "id,estate,name\n" + kBuilding + "," + kEstate + ",Block A\n"));
  must(import("units", "id,building,number,floor\n" + kUnit + "," + kBuilding + ",A-101,1\n"));
  must(import("households", "id,unit,owner_name,phones\n" + kHousehold + "," + kUnit +
                                ",\"Wang \"\"Lao\"\" Li\",111; 222\n"));
  auto summary = must(import("charges", "household,fee_item,period,amount,due_date\n" + kHousehold +
                                            ",property_fee,2026-11,120.50,2026-11-30\n" +
                                            kHousehold + ",parking,2026-11,30,\n"));
  EXPECT_EQ(summary.ids.size(), 2u);

  EXPECT_EQ(records("estates").at(kEstate).fields["address"], "1 River Road, East");
  const Record unit = records("units").at(kUnit);
  EXPECT_EQ(unit.bucket, "building:" + kBuilding + ":places");
  EXPECT_EQ(unit.fields["floor"], 1);
  const Record household = records("households").at(kHousehold);
  EXPECT_EQ(household.fields["owner_name"], "Wang \"Lao\" Li");
  EXPECT_EQ(household.fields["phones"], Json({"111", "222"}));
  auto charges = records("charges");
  ASSERT_EQ(charges.size(), 2u);
  const Record& fee = charges.at(summary.ids[0]);
  EXPECT_EQ(fee.fields["amount"], 12050);
  EXPECT_EQ(fee.fields["due_date"], "2026-11-30");
  EXPECT_EQ(fee.bucket, "building:" + kBuilding + ":fees");
  EXPECT_FALSE(charges.at(summary.ids[1]).fields.contains("due_date"));  // empty cell: no value
}

TEST_F(CsvImportTest, ABadFileReportsEveryBadLineAndImportsNothing) {
  import_estate_and_building();
  must(import("units", "id,building,number\n" + kUnit + "," + kBuilding + ",A-101\n"));
  must(import("households", "id,unit,owner_name\n" + kHousehold + "," + kUnit + ",Wang\n"));
  const std::string unknown = "55555555-5555-7555-8555-555555555555";
  auto problems = refused("charges",
                          "household,fee_item,period,amount\n" +               // line 1
                              kHousehold + ",property_fee,2026-11,120.00\n" +  // 2: fine
                              kHousehold + ",property_fee,2026-11,12.345\n" +  // 3: money
                              unknown + ",property_fee,2026-11,10\n" +         // 4: household
                              kHousehold + ",,2026-11,10\n" +                  // 5: required
                              kHousehold + ",say \"hi\",2026-11,10\n" +        // 6: quote
                              kHousehold + ",water,2026-13,10,extra\n" +       // 7: columns
                              kHousehold + ",water,2026-12,10\n");             // 8: fine
  ASSERT_EQ(problems.size(), 5u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0].rfind("line 3: amount: ", 0), 0u) << problems[0];
  EXPECT_EQ(problems[1], "line 4: household: no households record " + unknown + " on the server");
  EXPECT_EQ(problems[2].rfind("line 5: fee_item: ", 0), 0u) << problems[2];
  EXPECT_EQ(problems[3].rfind("line 6: a quote inside an unquoted value", 0), 0u) << problems[3];
  EXPECT_EQ(problems[4], "line 7: 5 values for 4 columns");
}

TEST_F(CsvImportTest, ANulCharacterIsRefusedWithItsLine) {
  import_estate_and_building();
  auto problems = refused("units", "building,number\n" + kBuilding + ",A-1" + std::string(1, '\0') + "x\n");
  ASSERT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0].rfind("line 2: number: holds a NUL character (byte 4)", 0), 0u) << problems[0];
}

TEST_F(CsvImportTest, AnUnknownBuildingAndABadNumberAreBothReported) {
  import_estate_and_building();
  auto problems =
      refused("units", "building,number,floor\n" + kBuilding + ",A-1,one\n" + kEstate + ",A-2,2\n");
  ASSERT_EQ(problems.size(), 2u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0].rfind("line 2: floor: ", 0), 0u) << problems[0];
  EXPECT_EQ(problems[1], "line 3: building: no buildings record " + kEstate + " on the server");
}

TEST_F(CsvImportTest, RefusesFilesItCannotRead) {
  import_estate_and_building();
  auto first = [&](const std::string& collection, const std::string& csv) {
    auto problems = refused(collection, csv);
    return problems.empty() ? std::string() : problems.front();
  };
  EXPECT_NE(first("estates", "").find("the file is empty"), std::string::npos);
  EXPECT_NE(first("estates", "\n\n").find("the file is empty"), std::string::npos);
  EXPECT_NE(first("estates", "name\n").find("no rows"), std::string::npos);
  EXPECT_NE(first("estates", "Riverside,1 River Road\nHill,2 Hill Road\n")
                .find("unknown column 'Riverside'"),
            std::string::npos);
  EXPECT_NE(first("estates", "name,colour\nx,red\n").find("unknown column 'colour'"),
            std::string::npos);
  EXPECT_NE(first("estates", "address\nx\n").find("no column for the required field 'name'"),
            std::string::npos);
  EXPECT_NE(first("estates", "name,name\nx,y\n").find("named twice"), std::string::npos);
  EXPECT_NE(first("estates", "name,\"addr\nx\n").find("never closed"), std::string::npos);
  EXPECT_NE(first("fee_visits", "household\nx\n").find("recorded in the field"), std::string::npos);
  EXPECT_NE(first("conflicts", "field\nx\n").find("by the server"), std::string::npos);
  EXPECT_NE(first("nonsense", "name\nx\n").find("nonsense"), std::string::npos);
}

TEST_F(CsvImportTest, RefusesDuplicateIdsInTheFileAndOnTheServer) {
  import_estate_and_building();
  const std::string other = "66666666-6666-7666-8666-666666666666";
  auto problems = refused("estates", "id,name\n" + other + ",One\n" + other + ",Two\n" + kEstate +
                                         ",Three\nnot-an-id,Four\n");
  ASSERT_EQ(problems.size(), 3u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0], "line 3: id: " + other + " is also on line 2");
  EXPECT_EQ(problems[1], "line 4: id: a record with id " + kEstate + " already exists");
  EXPECT_EQ(problems[2].rfind("line 5: id: ", 0), 0u) << problems[2];
}

TEST_F(CsvImportTest, ListsAtMostFiftyProblems) {
  std::string csv = "name,archived\n";
  for (int i = 0; i < 70; ++i) csv += "estate " + std::to_string(i) + ",maybe\n";
  auto result = import("estates", csv);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("70 bad rows"), std::string::npos);
  ASSERT_EQ(result.status().details().size(), kMaxImportProblems + 1);
  EXPECT_EQ(result.status().details().back(), "... and 20 more problems");
  EXPECT_EQ(record_count(), 0);
}

}  // namespace
}  // namespace fieldsync::server
