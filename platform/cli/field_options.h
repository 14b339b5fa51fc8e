// Reads a field-work command's options as the values of the record fields they fill.
// Each option's text is parsed with parse_field_text against its field, so "--amount
// 12.345" is refused exactly as "amount=12.345" would be, ids come back canonical
// (lower case), and problems are collected so the command reports all of them at once,
// before anything is written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/arguments.h"
#include "fieldsync/schema.h"
#include "fieldsync/time_zone.h"

namespace fieldsync::cli {

// parse_field_text, with ids (references and reference lists) made canonical so they
// match the stored ids whatever case they were typed in.
Result<Json> parse_field_input(const FieldDef& field, std::string_view text);

class FieldOptions {
 public:
  FieldOptions(const ParsedArguments& args, const CollectionDef& collection)
      : args_(args), collection_(collection) {}

  // The value of option `option` parsed as `field`; nullopt when the option was not
  // given or its text is wrong for the field (a problem is kept).
  std::optional<Json> value(const std::string& option, const FieldDef& field);
  // A time option read in `zone` when written without an offset.
  std::optional<Json> time_value(const std::string& option, const TimeZone& zone);

  // ok, or one invalid_argument ("invalid <record noun>: ...") with one detail per problem.
  Status status() const;

 private:
  const ParsedArguments& args_;
  const CollectionDef& collection_;
  std::vector<std::string> problems_;
};

}  // namespace fieldsync::cli
