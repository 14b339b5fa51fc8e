// The console's page "Import" (docs/console.md, "Import"):
//   GET  /v1/office/import  the collections the office imports, for any office role:
//        {collections: ["estates", ...]} (csv_import.h, importable_collections);
//   POST /v1/office/import?collection=NAME[&encoding=gb18030]  the CSV file as the body
//        (Content-Type: text/csv), as the office's `fieldsync-server import` reads it:
//        200 {collection, imported, ids: [{line, id}]}, or 400 with the problems of the
//        file, each with its line ({error: {code, message, problems: [{line, message}]}})
//        and nothing imported.
// For office managers, with the session's CSRF token; each import is written to the audit
// log (who, the collection, how many). The body may be up to kConsoleImportBodyBytes for
// a live manager's session or API token: the gate (SyncService::admit_headers) asks
// manager_caller_in() before the front reads a byte of it; anyone else is held to
// kAnonymousBodyBytes.
#include <algorithm>
#include <cctype>

#include "console_api.h"
#include "fieldsync/server/csv_import.h"
#include "fieldsync/server/sync_service.h"
#include "fieldsync/text_values.h"
#include "text/text.h"

namespace fieldsync::server {
namespace {

// The collection named, when the office imports it; otherwise invalid_argument naming
// those it does.
Status check_importable(const Schema& schema, const std::string& collection) {
  const std::vector<std::string> names = importable_collections(schema);
  if (std::find(names.begin(), names.end(), collection) != names.end()) return Status();
  std::string listed;
  for (const std::string& n : names) listed += (listed.empty() ? "" : ", ") + n;
  return Status::invalid_argument((collection.empty()
                                       ? std::string("no collection named ('collection=...')")
                                       : "cannot import '" + utf8_prefix(collection, 60) + "'") +
                                  "; the collections the office imports are: " + listed);
}

bool is_csv(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  type.erase(type.find_last_not_of(' ') + 1);
  return type == "text/csv";
}

// The body as UTF-8: converted from `encoding` when one is named, else checked.
Result<std::string> csv_text(const std::string& body, const std::string& encoding) {
  if (!encoding.empty()) {
    auto converted = text::to_utf8(body, encoding);
    if (!converted.ok()) return converted.status().with_context("the file");
    return converted;
  }
  if (is_valid_utf8(text::strip_utf8_bom(body))) return body;
  const Status where = text::to_utf8(body, "utf-8").status();
  if (text::to_utf8(body, "gb18030").ok()) {
    return Status::invalid_argument("the file is not UTF-8 text (" + where.message() +
                                    "); it reads as GB18030, as Excel in Chinese saves CSV: "
                                    "choose the encoding GB18030 (encoding=gb18030)");
  }
  return Status::invalid_argument("the file is not UTF-8 text (" + where.message() +
                                  "): save it as UTF-8, or name its encoding "
                                  "(encoding=gb18030, big5, utf-16, ...)");
}

// A refused import's answer: the error, with its line-numbered problems.
HttpResponse refused_import(const Status& status, const std::vector<ImportProblem>& problems) {
  HttpResponse answer = console_error(status);
  Json body = Json::parse(answer.body, nullptr, false);
  if (!body.is_object() || !body.contains("error")) return answer;
  Json listed = Json::array();
  for (const ImportProblem& p : problems) {
    listed.push_back({{"line", p.line}, {"message", p.message}});
  }
  body["error"]["problems"] = listed;
  answer.body = body.dump();
  return answer;
}

}  // namespace

bool SyncService::manager_caller_in(const std::string& bearer_token,
                                    const std::string& cookie_header) {
  if (bearer_token.empty() && cookie_header.empty()) return false;
  HttpRequest head;
  head.bearer_token = bearer_token;
  head.headers.emplace_back("Cookie", cookie_header);
  HttpResponse refusal;
  auto session = office_session_of(head, refusal);
  if (!session) return false;
  auto manager = manages_office(store_, schema_, session->user);
  return manager.ok() && *manager;
}

HttpResponse SyncService::office_import(const HttpRequest& request, const OfficeSession& session) {
  if (request.method == "GET") {
    if (auto params = query_params(query_of(request), {}); !params.ok()) {
      return console_error(params.status());
    }
    return console_json(200, {{"collections", importable_collections(schema_)}});
  }
  if (request.method != "POST") {
    return console_error(ErrorCode::kMethodNotAllowed, "/v1/office/import takes GET or POST");
  }
  if (!carries_csrf_token(request, session)) {
    return console_error(ErrorCode::kForbidden, "the request lacks this session's CSRF token");
  }
  auto manager = manages_office(store_, schema_, session.user);
  if (!manager.ok()) return console_error(manager.status());
  if (!*manager) return console_error(ErrorCode::kForbidden, "imports are made by office managers");
  auto params = query_params(query_of(request), {"collection", "encoding"});
  if (!params.ok()) return console_error(params.status());
  const std::string collection = param(*params, "collection");
  if (Status s = check_importable(schema_, collection); !s.ok()) return console_error(s);
  if (!is_csv(request.content_type)) {
    return console_error(ErrorCode::kInvalidArgument,
                         "the body is the CSV file itself, sent as Content-Type: text/csv");
  }
  auto text = csv_text(request.body, param(*params, "encoding"));
  if (!text.ok()) return console_error(text.status());
  std::vector<ImportProblem> problems;
  auto summary = import_csv(store_, schema_, clock_, collection, *text, &problems);
  if (!summary.ok()) return refused_import(summary.status(), problems);
  const size_t n = summary->ids.size();
  auto txn = store_.begin(true);
  if (!txn.ok()) return console_error(txn.status());
  auto audited = (*txn)->append_audit({0, clock_.now_ms(), session.user, request.peer_address,
                                       "import", collection + " " + std::to_string(n)});
  if (!audited.ok()) return console_error(audited.status());
  if (Status s = (*txn)->commit(); !s.ok()) return console_error(s);
  Json ids = Json::array();
  for (size_t i = 0; i < n; ++i)
    ids.push_back({{"line", summary->lines[i]}, {"id", summary->ids[i]}});
  return console_json(200, {{"collection", collection}, {"imported", n}, {"ids", ids}});
}

}  // namespace fieldsync::server
