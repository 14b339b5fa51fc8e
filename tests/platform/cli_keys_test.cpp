// An encrypted device database from the command line: keygen, --key-file and
// FIELDSYNC_KEY_FILE, a key file others may read refused, a missing or wrong key
// refused with what to do, and rekey.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli_fixture.h"
#include "fieldsync/attachments.h"

namespace fieldsync::testing {
namespace {

class CliKeysTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    key_ = dir_.file("device.key");
    enc_ = dir_.file("encrypted.db");
    ProcessResult made = cli_raw({"keygen", key_});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }

  // `fieldsync --db <encrypted db> --key-file <key> args...`
  ProcessResult with_key(const std::string& key, const std::vector<std::string>& args) const {
    std::vector<std::string> all = {"--db", enc_, "--key-file", key};
    all.insert(all.end(), args.begin(), args.end());
    return cli_raw(all);
  }

  std::string key_;
  std::string enc_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(CliKeysTest, KeygenWritesAPrivateKeyAndNeverOverwritesOne) {
  struct stat info {};
  ASSERT_EQ(::stat(key_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string key = read_file(key_);
  EXPECT_EQ(key.size(), 65u);
  ProcessResult again = cli_raw({"keygen", key_});
  EXPECT_EQ(again.exit_code, 6);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(read_file(key_), key);
}

TEST_F(CliKeysTest, AKeyFileMakesAndOpensAnEncryptedDatabase) {
  ProcessResult init = with_key(key_, {"init", "--device-code", "C002", "--user", "bob"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ProcessResult added = with_key(key_, {"add", "estates", "name=Wanjiru Gardens"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(read_file(enc_).find("Wanjiru Gardens"), std::string::npos);

  // FIELDSYNC_DB and FIELDSYNC_KEY_FILE do the same.
  ProcessResult listed_by_env =
      cli_raw({"list", "estates"}, {"FIELDSYNC_DB=" + enc_, "FIELDSYNC_KEY_FILE=" + key_});
  ASSERT_EQ(listed_by_env.exit_code, 0) << listed_by_env.err;
  EXPECT_NE(listed_by_env.out.find("Wanjiru Gardens"), std::string::npos) << listed_by_env.out;

  ProcessResult no_key = cli_raw({"--db", enc_, "list", "estates"});
  EXPECT_EQ(no_key.exit_code, 5);
  EXPECT_NE(no_key.err.find("is encrypted: give its key (--key-file FILE or FIELDSYNC_KEY_FILE)"),
            std::string::npos)
      << no_key.err;

  const std::string other = dir_.file("other.key");
  ASSERT_EQ(cli_raw({"keygen", other}).exit_code, 0);
  ProcessResult wrong = with_key(other, {"list", "estates"});
  EXPECT_EQ(wrong.exit_code, 5);
  EXPECT_NE(wrong.err.find("the key does not open '" + enc_ + "'"), std::string::npos) << wrong.err;

  // A key for the plain database of the fixture is refused too.
  ProcessResult plain = cli_raw({"--db", db_, "--key-file", key_, "info"});
  EXPECT_EQ(plain.exit_code, 5);
  EXPECT_NE(plain.err.find("is not encrypted"), std::string::npos) << plain.err;
}

TEST_F(CliKeysTest, AKeyFileOthersMayReadIsRefused) {
  ASSERT_EQ(with_key(key_, {"init", "--device-code", "C002", "--user", "bob"}).exit_code, 0);
  std::filesystem::permissions(key_, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  ProcessResult refused = with_key(key_, {"info"});
  EXPECT_EQ(refused.exit_code, 6);
  EXPECT_NE(
      refused.err.find("the key file " + key_ + " may be read by others: `chmod 600 " + key_ + "`"),
      std::string::npos)
      << refused.err;
  ProcessResult by_env = cli_raw({"info"}, {"FIELDSYNC_DB=" + enc_, "FIELDSYNC_KEY_FILE=" + key_});
  EXPECT_EQ(by_env.exit_code, 6);
  ProcessResult missing = with_key(dir_.file("nowhere.key"), {"info"});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_NE(missing.err.find("no key file at"), std::string::npos) << missing.err;
}

TEST_F(CliKeysTest, RekeyMovesTheDatabaseToTheNewKey) {
  ASSERT_EQ(with_key(key_, {"init", "--device-code", "C002", "--user", "bob"}).exit_code, 0);
  ASSERT_EQ(with_key(key_, {"add", "estates", "name=Wanjiru Gardens"}).exit_code, 0);
  const std::string next = dir_.file("next.key");
  ASSERT_EQ(cli_raw({"keygen", next}).exit_code, 0);
  ProcessResult rekey = with_key(key_, {"rekey", "--new-key-file", next});
  ASSERT_EQ(rekey.exit_code, 0) << rekey.err;
  EXPECT_NE(rekey.out.find("the old key no longer opens it"), std::string::npos) << rekey.out;
  EXPECT_EQ(with_key(key_, {"info"}).exit_code, 5);
  ProcessResult listed = with_key(next, {"list", "estates"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("Wanjiru Gardens"), std::string::npos) << listed.out;

  ProcessResult wrong = with_key(key_, {"rekey", "--new-key-file", next});
  EXPECT_EQ(wrong.exit_code, 5);
  EXPECT_NE(wrong.err.find("the key does not open"), std::string::npos) << wrong.err;

  ProcessResult without = cli_raw({"--db", enc_, "rekey", "--new-key-file", key_});
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_NE(without.err.find("rekey needs the database's current key"), std::string::npos)
      << without.err;
}

TEST_F(CliKeysTest, AnEncryptedDatabasesPhotosAreSealedAndFetchAttachmentWritesThemInClear) {
  ASSERT_EQ(with_key(key_, {"init", "--device-code", "C002", "--user", "bob"}).exit_code, 0);
  ProcessResult estate = with_key(key_, {"--json", "add", "estates", "name=Riverside"});
  ASSERT_EQ(estate.exit_code, 0) << estate.err;
  ProcessResult finding = with_key(
      key_, {"--json", "finding", "--estate", Json::parse(estate.out)["id"].get<std::string>(),
             "--category", "fire", "--severity", "high", "--description", "blocked exit"});
  ASSERT_EQ(finding.exit_code, 0) << finding.err;
  const std::string tell = "blocked exit behind the bins of Block 3, 09:12";
  std::string photo = photo_bytes(150000, 5);
  photo.replace(80000, tell.size(), tell);
  const std::string source = dir_.file("exit.jpg");
  std::ofstream(source, std::ios::binary) << photo;
  ProcessResult attached = with_key(
      key_,
      {"--json", "attach", "findings", Json::parse(finding.out)["id"].get<std::string>(), source});
  ASSERT_EQ(attached.exit_code, 0) << attached.err;
  const std::string hash = Json::parse(attached.out)["fields"]["sha256"];
  EXPECT_EQ(hash, Sha256::of(photo));
  EXPECT_EQ(read_file(enc_ + ".blobs/" + hash).find(tell), std::string::npos);

  // Without --out there is no file to show: the bytes are sealed.
  ProcessResult no_out = with_key(key_, {"fetch-attachment", hash});
  ASSERT_EQ(no_out.exit_code, 0) << no_out.err;
  EXPECT_EQ(no_out.out, "the bytes of " + hash +
                            " are on this device, encrypted; --out FILE writes them in clear\n");
  const std::string out = dir_.file("copy.jpg");
  ProcessResult exported = with_key(key_, {"--json", "fetch-attachment", hash, "--out", out});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(Json::parse(exported.out)["path"], out);
  EXPECT_EQ(read_file(out), photo);

  // Rekeyed, the photo is sealed anew and still reads back.
  const std::string sealed = read_file(enc_ + ".blobs/" + hash);
  const std::string next = dir_.file("next.key");
  ASSERT_EQ(cli_raw({"keygen", next}).exit_code, 0);
  ASSERT_EQ(with_key(key_, {"rekey", "--new-key-file", next}).exit_code, 0);
  EXPECT_NE(read_file(enc_ + ".blobs/" + hash), sealed);
  std::filesystem::remove(out);
  ProcessResult again = with_key(next, {"fetch-attachment", hash, "--out", out});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_file(out), photo);
}

}  // namespace
}  // namespace fieldsync::testing
