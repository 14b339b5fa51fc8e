// Reads a typed command's options as the values of the record fields they fill. Each
// option's text is parsed with parse_field_text against its field, so "--amount 12.345"
// is refused exactly as "amount=12.345" would be, ids come back canonical (lower
// case), and problems are collected so the command reports all of them at once,
// before anything is written. An option that was not given leaves its target as is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/arguments.h"
#include "fieldsync/field_work.h"
#include "fieldsync/schema.h"

namespace fieldsync::cli {

// parse_field_text, with ids (references and reference lists) made canonical so they
// match the stored ids whatever case they were typed in.
Result<Json> parse_field_input(const FieldDef& field, std::string_view text);

class FieldOptions {
 public:
  FieldOptions(const ParsedArguments& args, const CollectionDef& collection)
      : args_(args), collection_(collection) {}

  // `option` names the command-line option, `field` the field of the collection whose
  // type and rules the value must meet.
  void read(const std::string& option, const std::string& field, std::string& target);
  void read(const std::string& option, const std::string& field,
            std::optional<std::string>& target);
  void read(const std::string& option, const std::string& field, int64_t& target);
  void read(const std::string& option, const std::string& field, std::optional<int64_t>& target);
  void read(const std::string& option, const std::string& field, std::vector<std::string>& target);
  void read(const std::string& option, const std::string& field, std::optional<GeoPoint>& target);

  // Adds a problem found by the command itself ("--periods: ...").
  void add_problem(std::string problem) { problems_.push_back(std::move(problem)); }

  // ok, or one invalid_argument ("invalid <record noun>: ...") with one detail per problem.
  Status status() const;

 private:
  // The option's value parsed as `field`, or nullopt when absent or wrong.
  std::optional<Json> parse(const std::string& option, const std::string& field);

  const ParsedArguments& args_;
  const CollectionDef& collection_;
  std::vector<std::string> problems_;
  bool internal_error_ = false;
};

}  // namespace fieldsync::cli
