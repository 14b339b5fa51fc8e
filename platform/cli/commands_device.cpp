// Device commands: create the database (init), describe it (info), the collections
// of the schema (collections), the changes waiting to be pushed (outbox), and the key
// of an encrypted database: key files (keygen) and a new key (rekey).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/command.h"
#include "cli/record_output.h"
#include "cli/table.h"
#include "fieldsync/text_values.h"

namespace fieldsync::cli {
namespace {

void print_info(const CommandContext& context, const DeviceStore& store) {
  const DeviceIdentity& identity = store.identity();
  auto pending = store.pending_count();
  const int64_t pending_changes = pending.ok() ? *pending : -1;
  if (context.json) {
    print_json(context.out, Json{{"database", context.db_path},
                                 {"device_code", identity.device_code},
                                 {"user", identity.user},
                                 {"node_id", identity.node_id},
                                 {"layout_version", device_store_layout_version()},
                                 {"schema_version", store.schema().version()},
                                 {"pending_changes", pending_changes}});
    return;
  }
  render_pairs(context.out, {{"database", context.db_path},
                             {"device code", identity.device_code},
                             {"user", identity.user},
                             {"node id", identity.node_id},
                             {"layout version", std::to_string(device_store_layout_version())},
                             {"schema version", std::to_string(store.schema().version())},
                             {"pending changes", std::to_string(pending_changes)}});
}

CliStatus run_init(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  DeviceIdentity identity;
  identity.device_code = *context.args.value("device-code");
  identity.user = *context.args.value("user");
  auto store = DeviceStore::create(context.db_path, identity, context.store_options);
  if (!store.ok()) return store.status();
  print_info(context, **store);
  return CliStatus();
}

CliStatus run_info(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  if (auto pending = context.store->pending_count(); !pending.ok()) return pending.status();
  print_info(context, *context.store);
  return CliStatus();
}

// What a person needs to know beyond the type: choices, stages, target, bounds.
std::string field_notes(const FieldDef& field) {
  std::string notes;
  auto add = [&](const std::string& note) { notes += (notes.empty() ? "" : "; ") + note; };
  if (field.is_managed()) add("set by fieldsync");
  if (!field.choices.empty()) {
    std::string choices;
    const char* separator = field.is_status() ? " > " : ", ";
    for (const auto& choice : field.choices) choices += (choices.empty() ? "" : separator) + choice;
    add(choices);
  }
  if (!field.target.empty()) add("-> " + field.target);
  if (field.min && field.max) {
    auto shown = [&](int64_t bound) {
      return field.type == FieldType::kMoney ? format_money(bound) : std::to_string(bound);
    };
    add(shown(*field.min) + " to " + shown(*field.max));
  }
  return notes;
}

Json field_json(const FieldDef& field) {
  Json out = {{"name", field.name},
              {"type", field_type_name(field.type)},
              {"required", field.required},
              {"merge", merge_kind_name(field.merge)},
              {"managed", field.is_managed()}};
  if (!field.choices.empty()) out[field.is_status() ? "stages" : "choices"] = field.choices;
  if (!field.target.empty()) out["target"] = field.target;
  if (field.min) out["min"] = *field.min;
  if (field.max) out["max"] = *field.max;
  return out;
}

Json collection_json(const CollectionDef& collection) {
  Json fields = Json::array();
  for (const auto& field : collection.fields) fields.push_back(field_json(field));
  return {{"name", collection.name},
          {"record_noun", collection.record_noun},
          {"append_only", collection.append_only},
          {"server_created", collection.server_created},
          {"fields", fields}};
}

void print_fields(std::ostream& out, const CollectionDef& collection) {
  out << collection.name << " (" << collection.record_noun
      << (collection.append_only ? ", append-only" : "")
      << (collection.server_created ? ", made by the server" : "") << ")\n\n";
  Table table({"field", "type", "required", "merge", "choices / target"});
  for (const auto& field : collection.fields) {
    table.add_row({field.name, field_type_name(field.type), field.required ? "yes" : "no",
                   merge_kind_name(field.merge), field_notes(field)});
  }
  table.render(out);
}

void print_collection_list(std::ostream& out, const Schema& schema) {
  Table table({"collection", "record", "kind", "fields"});
  table.align_right(3);
  for (const auto& collection : schema.collections()) {
    const char* kind = collection.server_created   ? "made by the server"
                       : collection.append_only    ? "append-only events"
                       : collection.status_field() ? "lifecycle"
                                                   : "editable";
    table.add_row(
        {collection.name, collection.record_noun, kind, std::to_string(collection.fields.size())});
  }
  table.render(out);
}

CliStatus run_collections(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 1, "at most one collection name"));
  const Schema& schema = Schema::property_management();
  if (context.args.positional.size() == 1) {
    auto collection = schema.require(context.args.positional[0]);
    if (!collection.ok()) return collection.status();
    if (context.json) print_json(context.out, collection_json(**collection));
    if (!context.json) print_fields(context.out, **collection);
    return CliStatus();
  }
  if (context.json) {
    Json all = Json::array();
    for (const auto& collection : schema.collections()) all.push_back(collection_json(collection));
    print_json(context.out, Json{{"schema_version", schema.version()}, {"collections", all}});
  } else {
    print_collection_list(context.out, schema);
  }
  return CliStatus();
}

Json change_json(const OutboxChange& change) {
  Json out = {{"seq", change.seq},
              {"change_id", change.change_id},
              {"kind", change.kind},
              {"collection", change.collection},
              {"record_id", change.record_id},
              {"fields", change.fields},
              {"created_ms", change.created_ms},
              {"state", change.state}};
  if (!change.parked_reason.empty()) out["parked_reason"] = change.parked_reason;
  return out;
}

CliStatus run_outbox(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  int64_t limit = -1;
  FIELDSYNC_CLI_RETURN_IF_ERROR(read_count(context.args, "limit", limit));
  auto changes = context.store->outbox(limit);
  if (!changes.ok()) return changes.status();
  if (context.json) {
    Json all = Json::array();
    for (const auto& change : *changes) all.push_back(change_json(change));
    print_json(context.out, Json{{"count", all.size()}, {"changes", all}});
    return CliStatus();
  }
  if (changes->empty()) {
    context.out << "no changes waiting to be pushed\n";
    return CliStatus();
  }
  Table table({"seq", "change id", "kind", "collection", "record id", "state"});
  table.align_right(0);
  for (const auto& c : *changes) {
    table.add_row({std::to_string(c.seq), c.change_id, c.kind, c.collection, c.record_id, c.state});
  }
  table.render(context.out);
  return CliStatus();
}

// Writes a new key file: 64 hex digits, mode 0600, never over an existing file.
Status write_key_file(const std::string& path, const DatabaseKey& key) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    return Status::already_exists("'" + path + "' already exists; a key file is never overwritten");
  }
  if (fd < 0)
    return Status::io_error("cannot create the key file '" + path + "': " + std::strerror(errno));
  const std::string text = key.hex() + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return Status::io_error("cannot write the key file '" + path + "': " + std::strerror(errno));
  }
  return Status();
}

CliStatus run_keygen(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 1, 1, "<key-file>"));
  const std::string path = context.args.positional[0];
  if (Status s = write_key_file(path, DatabaseKey::random()); !s.ok()) return s;
  if (context.json) {
    print_json(context.out, Json{{"key_file", path}});
  } else {
    context.out << "wrote a new key to " << path
                << " (mode 600); keep a copy apart from the database: without it the database "
                   "cannot be opened\n";
  }
  return CliStatus();
}

CliStatus run_rekey(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  if (!context.store_options.key) {
    return CliStatus::usage(
        "rekey needs the database's current key: --key-file FILE or FIELDSYNC_KEY_FILE");
  }
  const std::string new_path = *context.args.value("new-key-file");
  auto next = read_key_file(new_path);
  if (!next.ok()) return next.status();
  Status s = rekey_device_database(context.db_path, *context.store_options.key, *next);
  // Open elsewhere is refused (exit 6); a wrong key or a damaged page fails like opening.
  if (!s.ok())
    return s.code() == StatusCode::kFailedPrecondition ? CliStatus(s) : CliStatus::database(s);
  if (context.json) {
    print_json(context.out, Json{{"database", context.db_path}, {"key_file", new_path}});
  } else {
    context.out << "re-encrypted " << context.db_path << " under the key in " << new_path
                << "; the old key no longer opens it\n";
  }
  return CliStatus();
}

}  // namespace

Result<DatabaseKey> read_key_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT)
      return Status::not_found("no key file at '" + path +
                               "' (make one with 'fieldsync keygen FILE')");
    return Status::io_error("cannot read the key file '" + path + "': " + std::strerror(errno));
  }
  if ((info.st_mode & 077) != 0) {
    return Status::failed_precondition("the key file " + path +
                                       " may be read by others: `chmod 600 " + path + "`");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Status::io_error("cannot read the key file '" + path + "'");
  auto key = DatabaseKey::from_hex(text.str());
  if (!key.ok()) return key.status().with_context("the key file '" + path + "'");
  return key;
}

std::vector<CommandDef> device_commands() {
  return {
      {"init",
       "--device-code CODE --user NAME",
       "Create the device database at --db (refuses a file that exists).",
       {{"device-code", true, true, "CODE",
         "2 to 8 upper-case letters or digits; starts receipt numbers"},
        {"user", true, true, "NAME", "the person using this device"}},
       NeedsDatabase::kPathOnly,
       run_init,
       "init --device-code C001 --user alice",
       ""},
      {"info",
       "",
       "Show the device code, user, layout and schema versions, pending changes.",
       {},
       NeedsDatabase::kOpen,
       run_info,
       "info",
       ""},
      {"collections",
       "[<collection>]",
       "List the collections, or one collection's fields (type, required, merge, choices).",
       {},
       NeedsDatabase::kNo,
       run_collections,
       "collections fee_visits",
       ""},
      {"outbox",
       "[--limit N]",
       "List the changes waiting to be pushed, oldest first.",
       {{"limit", true, false, "N", "show at most N changes"}},
       NeedsDatabase::kOpen,
       run_outbox,
       "outbox --limit 20",
       ""},
      {"keygen",
       "<key-file>",
       "Write a new random database key to a file (mode 600; never over an existing file).",
       {},
       NeedsDatabase::kNo,
       run_keygen,
       "keygen device.key",
       ""},
      {"rekey",
       "--new-key-file FILE",
       "Encrypt the database under a new key (the current one from --key-file); close it elsewhere "
       "first.",
       {{"new-key-file", true, true, "FILE", "the new key, from 'fieldsync keygen'"}},
       NeedsDatabase::kPathOnly,
       run_rekey,
       "rekey --key-file device.key --new-key-file new.key",
       ""},
  };
}

}  // namespace fieldsync::cli
