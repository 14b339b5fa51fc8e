// Attachment commands: attach a photo or document to field work, list attachments
// with the state of their bytes, fetch the bytes of one from the server, reclaim
// space, and the device's limits.
#include <cstdio>
#include <string>

#include "cli/command.h"
#include "cli/record_output.h"
#include "cli/table.h"
#include "fieldsync/attachments.h"
#include "fieldsync/replicator.h"
#include "fieldsync/text_values.h"

namespace fieldsync::cli {
namespace {

// The largest size parse_size() returns: 1 PiB, far above any limit.
constexpr int64_t kMaxSizeText = int64_t{1} << 50;

// "25MiB", "512 MiB", "800KiB", "1048576": a size in bytes.
Result<int64_t> parse_size(const std::string& option, const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string unit = text.substr(digits);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  int64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "KiB" || unit == "K") scale = 1024;
  if (unit == "MiB" || unit == "M") scale = 1024 * 1024;
  if (unit == "GiB" || unit == "G") scale = 1024 * 1024 * 1024;
  if (digits == 0 || digits > 12 || scale == 0) {
    return Status::invalid_argument("--" + option + ": '" + utf8_prefix(text, 40) +
                                    "' is not a size (for example 25MiB, 800KiB or 1048576)");
  }
  const int64_t count = std::stoll(text.substr(0, digits));
  // 12 digits of GiB overflow 64 bits; anything past this is past every limit anyway.
  if (count > kMaxSizeText / scale) {
    return Status::invalid_argument("--" + option + ": '" + utf8_prefix(text, 40) + "' is too large");
  }
  return count * scale;
}

Json attachment_json(const Attachment& a) {
  Json out = record_json(a.record);
  out["state"] = a.state;
  out["uploaded"] = a.uploaded;
  out["local"] = a.local;
  out["pinned"] = a.pinned;
  if (!a.last_error.empty()) out["last_error"] = a.last_error;
  return out;
}

// What a person reads in the state column.
std::string state_text(const Attachment& a) {
  if (a.state == "upload") {
    std::string text = "uploading " + format_bytes(a.uploaded) + " of " + format_bytes(a.size);
    if (a.uploaded == 0) text = "waiting to upload";
    return a.last_error.empty() ? text : text + ": " + a.last_error;
  }
  if (a.state == "synced") return "on the server and here";
  return "on the server only";
}

std::string parent_of(const Attachment& a) {
  for (const char* field : {"finding", "work_order", "work_order_note", "fee_visit", "return_visit"}) {
    if (a.record.fields.contains(field)) return std::string(field) + " " + a.record.fields[field].get<std::string>();
  }
  return "-";
}

CliStatus run_attach(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 3, 3, "<collection> <record-id> <file>"));
  const auto& words = context.args.positional;
  AttachOptions options;
  options.media_type = context.args.value("media-type").value_or("");
  options.caption = context.args.value("caption").value_or("");
  options.pin = context.args.has("pin");
  AttachmentStore attachments(*context.store);
  auto attached = attachments.attach(words[0], words[1], words[2], options);
  if (!attached.ok()) return attached.status();
  if (context.json) {
    print_json(context.out, attachment_json(*attached));
    return CliStatus();
  }
  render_pairs(context.out, {{"attachment", attached->record.id},
                             {"sha256", attached->sha256},
                             {"size", format_bytes(attached->size)},
                             {"media type", attached->media_type},
                             {"bytes", state_text(*attached)}});
  return CliStatus();
}

CliStatus run_attachments(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 2, "[<collection> <record-id>]"));
  const auto& words = context.args.positional;
  if (words.size() == 1) return CliStatus::usage("attachments takes a collection and a record id, or nothing");
  AttachmentStore attachments(*context.store);
  auto list = words.empty() ? attachments.list() : attachments.list(words[0], words[1]);
  if (!list.ok()) return list.status();
  auto usage = attachments.usage();
  if (!usage.ok()) return usage.status();
  if (context.json) {
    Json items = Json::array();
    for (const auto& a : *list) items.push_back(attachment_json(a));
    print_json(context.out, Json{{"count", items.size()},
                                 {"attachments", items},
                                 {"usage",
                                  {{"local_bytes", usage->local_bytes},
                                   {"upload_bytes", usage->upload_bytes},
                                   {"evictable_bytes", usage->evictable_bytes},
                                   {"remote_blobs", usage->remote_blobs}}}});
    return CliStatus();
  }
  Table table({"id", "attached to", "file", "size", "sha256", "bytes"});
  for (const auto& a : *list) {
    table.add_row({a.record.id, parent_of(a), a.record.fields.value("file_name", ""), format_bytes(a.size),
                   a.sha256.substr(0, 12), state_text(a)});
  }
  table.render(context.out);
  context.out << format_bytes(usage->local_bytes) << " on this device, " << format_bytes(usage->upload_bytes)
              << " waiting to upload, " << format_bytes(usage->evictable_bytes)
              << " can be reclaimed; " << usage->remote_blobs << " attachments only on the server\n";
  return CliStatus();
}

CliStatus run_fetch(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 1, 1, "<attachment-id or sha256>"));
  AttachmentStore attachments(*context.store);
  auto attachment = attachments.find(context.args.positional[0]);
  if (!attachment.ok()) return attachment.status();
  if (!attachment->local) {
    auto transport = server_transport(context);
    if (!transport.ok()) return transport.status();
    Replicator replicator(*context.store, **transport);
    auto fetched = replicator.fetch_blob(attachment->sha256);
    if (!fetched.ok()) return fetched.status();
  }
  // An encrypted database's files are sealed: only --out gives the bytes, in clear.
  Json path;
  if (auto out = context.args.value("out")) {
    if (Status s = attachments.export_to(attachment->sha256, *out); !s.ok()) return s;
    path = *out;
  } else if (!attachments.encrypted()) {
    auto local = attachments.path_of(attachment->sha256);
    if (!local.ok()) return local.status();
    path = *local;
  }
  if (context.json) {
    print_json(context.out,
               Json{{"id", attachment->record.id}, {"sha256", attachment->sha256}, {"path", path}});
  } else if (path.is_null()) {
    context.out << "the bytes of " << attachment->sha256
                << " are on this device, encrypted; --out FILE writes them in clear\n";
  } else {
    context.out << path.get<std::string>() << "\n";
  }
  return CliStatus();
}

CliStatus run_reclaim(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  int64_t bytes = -1;
  if (auto text = context.args.value("bytes")) {
    auto parsed = parse_size("bytes", *text);
    if (!parsed.ok()) return parsed.status();
    bytes = *parsed;
  }
  AttachmentStore attachments(*context.store);
  auto freed = attachments.reclaim(bytes);
  if (!freed.ok()) return freed.status();
  auto usage = attachments.usage();
  if (!usage.ok()) return usage.status();
  if (context.json) {
    print_json(context.out, Json{{"freed_bytes", *freed}, {"local_bytes", usage->local_bytes}});
  } else {
    render_pairs(context.out, {{"freed", format_bytes(*freed)}, {"still here", format_bytes(usage->local_bytes)}});
  }
  return CliStatus();
}

CliStatus run_limits(CommandContext& context) {
  FIELDSYNC_CLI_RETURN_IF_ERROR(expect_positional(context, 0, 0, ""));
  AttachmentStore attachments(*context.store);
  auto policy = attachments.policy();
  if (!policy.ok()) return policy.status();
  bool changed = false;
  if (auto text = context.args.value("max-size")) {
    auto size = parse_size("max-size", *text);
    if (!size.ok()) return size.status();
    policy->max_bytes = *size;
    changed = true;
  }
  if (auto text = context.args.value("max-queue")) {
    auto size = parse_size("max-queue", *text);
    if (!size.ok()) return size.status();
    policy->max_queue_bytes = *size;
    changed = true;
  }
  if (auto text = context.args.value("types")) {
    policy->media_types.clear();
    size_t start = 0;
    while (start <= text->size()) {
      const size_t comma = std::min(text->find(',', start), text->size());
      policy->media_types.push_back(text->substr(start, comma - start));
      start = comma + 1;
    }
    changed = true;
  }
  if (changed) {
    if (Status s = attachments.set_policy(*policy); !s.ok()) return s;
  }
  std::string types;
  for (const auto& type : policy->media_types) types += (types.empty() ? "" : ", ") + type;
  if (context.json) {
    print_json(context.out, Json{{"max_bytes", policy->max_bytes},
                                 {"max_queue_bytes", policy->max_queue_bytes},
                                 {"media_types", policy->media_types}});
  } else {
    render_pairs(context.out, {{"largest attachment", format_bytes(policy->max_bytes)},
                               {"upload queue", format_bytes(policy->max_queue_bytes)},
                               {"media types", types}});
  }
  return CliStatus();
}

}  // namespace

std::vector<CommandDef> attachment_commands() {
  return {
      {"attach", "<collection> <record-id> <file>",
       "Attach a photo or document to a finding, work order, note, fee visit or return visit.",
       {option("media-type", "TYPE", "what the file is (checked against its bytes); found from them when left out"),
        option("caption", "TEXT", "a caption"),
        {"pin", false, false, "", "keep the bytes on this device even when space is reclaimed"}},
       NeedsDatabase::kOpen, run_attach, "attach findings 0193a6f2-... /sdcard/DCIM/door.jpg", ""},
      {"attachments", "[<collection> <record-id>]",
       "List attachments (of one record) with the state of their bytes, and the space they use.", {},
       NeedsDatabase::kOpen, run_attachments, "attachments findings 0193a6f2-...", ""},
      {"fetch-attachment", "<attachment-id or sha256>",
       "Bring an attachment's bytes to this device from the server and print where they are.",
       {option("out", "FILE", "also write them to FILE, in clear (checked against their hash)"),
        option("server", "URL", "another server address than the enrolled one")},
       NeedsDatabase::kOpen, run_fetch, "fetch-attachment 0193a6f2-... --out door.jpg", ""},
      {"reclaim-space", "",
       "Delete the bytes of attachments the server has (not pinned); they come back on request.",
       {option("bytes", "SIZE", "free at least this much (for example 200MiB) instead of all")},
       NeedsDatabase::kOpen, run_reclaim, "reclaim-space --bytes 200MiB", ""},
      {"attachment-limits", "",
       "Show or set the largest attachment, the upload queue and the media types allowed.",
       {option("max-size", "SIZE", "the largest attachment, for example 25MiB"),
        option("max-queue", "SIZE", "the most bytes waiting to be uploaded, for example 512MiB"),
        option("types", "LIST", "media types allowed, comma-separated (image/jpeg,image/png,...)")},
       NeedsDatabase::kOpen, run_limits, "attachment-limits --max-size 10MiB", ""},
  };
}

}  // namespace fieldsync::cli
