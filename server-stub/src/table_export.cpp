#include "table_export.h"

#include <xlsxwriter.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "fieldsync/server/secrets.h"
#include "fieldsync/text_values.h"

namespace fieldsync::server {
namespace {

std::string spreadsheet_text(const std::string& text) {
  if (!text.empty() && std::string("=+-@\t\r").find(text[0]) != std::string::npos) {
    return "'" + text;
  }
  return text;
}

// Removes the file when it goes out of scope.
struct RemovedAtEnd {
  std::filesystem::path path;
  ~RemovedAtEnd() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

}  // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

std::string to_csv(const ExportTable& table) {
  std::string out = "\xEF\xBB\xBF";
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      out += (i ? "," : "") + csv_field(spreadsheet_text(cells[i]));
    }
    out += "\r\n";
  };
  line(table.headers);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const ExportCell& cell : row) {
      cells.push_back(cell.money ? format_money(*cell.money) : cell.text);
    }
    line(cells);
  }
  return out;
}

Result<std::string> to_xlsx(const ExportTable& table) {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) return Status::internal("no folder for a temporary file: " + ec.message());
  const RemovedAtEnd file{dir / ("fieldsync-export-" + random_token() + ".xlsx")};
  lxw_workbook_options options = {};
  options.constant_memory = LXW_TRUE;  // rows are written in order: little memory
  lxw_workbook* book = workbook_new_opt(file.path.c_str(), &options);
  if (book == nullptr) return Status::internal("could not start an XLSX workbook");
  lxw_worksheet* sheet = workbook_add_worksheet(book, utf8_prefix(table.title, 31).c_str());
  if (sheet == nullptr) {
    workbook_close(book);
    return Status::internal("could not name the XLSX sheet '" + table.title + "'");
  }
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  lxw_format* money = workbook_add_format(book);
  format_set_num_format(money, "\xC2\xA5#,##0.00");  // ¥
  for (size_t c = 0; c < table.headers.size(); ++c) {
    worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), table.headers[c].c_str(), bold);
  }
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto row = static_cast<lxw_row_t>(r + 1);
    for (size_t c = 0; c < table.rows[r].size(); ++c) {
      const ExportCell& cell = table.rows[r][c];
      const auto col = static_cast<lxw_col_t>(c);
      if (cell.money) {
        worksheet_write_number(sheet, row, col, static_cast<double>(*cell.money) / 100.0, money);
      } else if (!cell.text.empty()) {
        worksheet_write_string(sheet, row, col, cell.text.c_str(), nullptr);
      }
    }
  }
  if (const lxw_error error = workbook_close(book); error != LXW_NO_ERROR) {
    return Status::internal(std::string("could not write the XLSX workbook: ") +
                            lxw_strerror(error));
  }
  std::ifstream in(file.path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Status::internal("could not read the XLSX workbook back");
  return bytes;
}

}  // namespace fieldsync::server
