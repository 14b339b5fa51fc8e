// The fixture of the command-line tests: a fresh device database made by the real
// `fieldsync` binary (`init`), helpers that run it as a subprocess and read its JSON,
// and a snapshot of the database (records and outbox) to prove a refused command
// wrote nothing.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "fieldsync/device_store.h"
#include "process.h"
#include "test_support.h"

namespace fieldsync::testing {

// Reference data made through `fieldsync add`: an estate with a building, a unit and
// two households (the first owing 120.00 for 2026-11 and 120.00 for 2026-12), alice's
// collection plan for 2026-11 (daily target 20), a patrol route with two checkpoints.
struct CliEstate {
  std::string estate, building, unit, household, other_household, charge_nov, charge_dec;
  std::string plan, route, checkpoint, other_route, other_checkpoint;
};

// What a database holds, to compare before and after a command.
struct DbSnapshot {
  int64_t records = 0;
  int64_t outbox = 0;
  std::string last_change;
  bool operator==(const DbSnapshot&) const = default;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // Runs `fieldsync --db <db> args...`.
  ProcessResult cli(const std::vector<std::string>& args) const;
  // Runs `fieldsync args...` with exactly `environment` (no --db added; nothing of the
  // test's own environment is inherited).
  ProcessResult cli_raw(const std::vector<std::string>& args,
                        const std::vector<std::string>& environment = {}) const;
  // Runs `fieldsync --db <db> --json args...`, expects exit 0 and returns the document.
  Json json(const std::vector<std::string>& args) const;
  // `add <collection> assignments...` and the new record's id.
  std::string add(const std::string& collection, const std::vector<std::string>& assignments) const;
  CliEstate seed() const;
  DbSnapshot snapshot() const;
  // Runs a command that must be refused: checks the exit code, that stderr names the
  // problem (`expected` appears in it) and that nothing was written.
  void expect_refused(const std::vector<std::string>& args, int exit_code,
                      const std::string& expected) const;

  TempDir dir_;
  std::string db_;
};

// The records of a `list --json` answer.
size_t listed(const Json& list);

}  // namespace fieldsync::testing
