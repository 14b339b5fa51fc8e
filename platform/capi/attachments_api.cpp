// The C API's attachments on the device: attach a file to a record, list attachments,
// read or export their bytes (decrypted when the database is encrypted), each one
// AttachmentStore call under db's lock. (Fetching bytes from the server is the
// replicator's: sync_api.cpp.)
#include <algorithm>
#include <cstring>
#include <limits>

#include "boundary.h"
#include "fieldsync/attachments.h"
#include "fieldsync/fieldsync.h"
#include "handles.h"

using namespace fieldsync;
using namespace fieldsync::capi;

namespace {

Json attachment_json(const AttachmentStore& attachments, const Attachment& a) {
  std::string path;  // none for an encrypted database: its files are sealed
  if (a.local && !attachments.encrypted()) {
    auto local = attachments.path_of(a.sha256);
    if (local.ok()) path = *local;
  }
  return {{"id", a.record.id},
          {"sha256", a.sha256},
          {"size", a.size},
          {"media_type", a.media_type},
          {"state", a.state},
          {"uploaded", a.uploaded},
          {"local", a.local},
          {"pinned", a.pinned},
          {"last_error", a.last_error},
          {"path", path},
          {"fields", a.record.fields}};
}

// {"media_type", "caption", "file_name", "pin"}, every member optional.
Result<AttachOptions> read_attach_options(const char* options_json) {
  AttachOptions options;
  if (options_json == nullptr) return options;
  auto parsed = parse_object_input(options_json, "options_json");
  if (!parsed.ok()) return parsed.status();
  for (const auto& [key, value] : parsed->items()) {
    if (key == "pin" && value.is_boolean()) {
      options.pin = value.get<bool>();
    } else if (value.is_string() &&
               (key == "media_type" || key == "caption" || key == "file_name")) {
      std::string& target = key == "media_type" ? options.media_type
                            : key == "caption"  ? options.caption
                                                : options.file_name;
      target = value.get<std::string>();
    } else {
      return Status::invalid_argument("options_json: '" + key.substr(0, 40) +
                                      "' is not understood; the options are media_type, caption "
                                      "and file_name (strings) and pin (true or false)");
    }
  }
  return options;
}

}  // namespace

extern "C" {

fieldsync_error fieldsync_attach_file(fieldsync_db* db, const char* collection,
                                      const char* record_id, const char* file_path,
                                      const char* options_json, char** out_attachment_json) {
  clear_outputs({out_attachment_json});
  if (auto e = require_arguments(
          {{collection, "collection"}, {record_id, "record_id"}, {file_path, "file_path"}});
      failed(e)) {
    return e;
  }
  return with_db(db, [&](DeviceStore& store) {
    auto options = read_attach_options(options_json);
    if (!options.ok()) return to_error(options.status());
    AttachmentStore attachments(store);
    auto attached = attachments.attach(collection, record_id, file_path, *options);
    if (!attached.ok()) return to_error(attached.status());
    give_strings({{out_attachment_json, dump_json(attachment_json(attachments, *attached))}});
    return ok_error();
  });
}

fieldsync_error fieldsync_list_attachments(fieldsync_db* db, const char* collection,
                                           const char* record_id, char** out_attachments_json) {
  clear_outputs({out_attachments_json});
  if ((collection == nullptr) != (record_id == nullptr)) {
    return api_error("collection and record_id are given together, or both NULL");
  }
  return with_db(db, [&](DeviceStore& store) {
    AttachmentStore attachments(store);
    auto listed = attachments.list(collection ? collection : "", record_id ? record_id : "");
    if (!listed.ok()) return to_error(listed.status());
    Json out = Json::array();
    for (const auto& attachment : *listed) out.push_back(attachment_json(attachments, attachment));
    give_strings({{out_attachments_json, dump_json(out)}});
    return ok_error();
  });
}

fieldsync_error fieldsync_attachment_read(fieldsync_db* db, const char* sha256, int64_t offset,
                                          uint8_t* buffer, size_t capacity, size_t* out_read) {
  if (out_read != nullptr) *out_read = 0;
  if (auto e = require_arguments({{sha256, "sha256"}, {buffer, "buffer"}, {out_read, "out_read"}});
      failed(e)) {
    return e;
  }
  return with_db(db, [&](DeviceStore& store) {
    const auto length = static_cast<int64_t>(
        std::min<size_t>(capacity, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
    auto bytes = AttachmentStore(store).read(sha256, offset, length);
    if (!bytes.ok()) return to_error(bytes.status());
    std::memcpy(buffer, bytes->data(), bytes->size());
    *out_read = bytes->size();
    return ok_error();
  });
}

fieldsync_error fieldsync_attachment_export(fieldsync_db* db, const char* sha256,
                                            const char* out_path) {
  if (auto e = require_arguments({{sha256, "sha256"}, {out_path, "out_path"}}); failed(e)) {
    return e;
  }
  return with_db(db, [&](DeviceStore& store) {
    return to_error(AttachmentStore(store).export_to(sha256, out_path));
  });
}

}  // extern "C"
