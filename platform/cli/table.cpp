#include "cli/table.h"

#include <algorithm>
#include <sstream>

#include "text/text.h"

namespace fieldsync::cli {
namespace {

void pad_to(std::ostream& out, const std::string& text, size_t width, bool right) {
  const size_t fill = width - std::min(width, text::display_width(text));
  if (right) out << std::string(fill, ' ') << text;
  if (!right) out << text << std::string(fill, ' ');
}

}  // namespace

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), right_(headers_.size(), false) {}

void Table::align_right(size_t column) {
  if (column < right_.size()) right_[column] = true;
}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (auto& cell : cells)
    cell = max_width_ == 0 ? text::shown(cell) : text::cut_to_width(text::shown(cell), max_width_);
  rows_.push_back(std::move(cells));
}

void Table::render(std::ostream& out) const {
  std::vector<size_t> widths;
  for (const auto& header : headers_) widths.push_back(text::display_width(header));
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], text::display_width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < cells.size(); ++c) {
      std::ostringstream cell;
      const bool last = c + 1 == cells.size();
      pad_to(cell, cells[c], last && !right_[c] ? 0 : widths[c], right_[c]);
      text += (c ? "  " : "") + cell.str();
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << '\n';
  };
  line(headers_);
  std::vector<std::string> rule;
  for (size_t width : widths) rule.push_back(std::string(width, '-'));
  line(rule);
  for (const auto& row : rows_) line(row);
}

void render_pairs(std::ostream& out,
                  const std::vector<std::pair<std::string, std::string>>& pairs) {
  size_t width = 0;
  for (const auto& [key, value] : pairs) width = std::max(width, text::display_width(key));
  for (const auto& [key, value] : pairs) {
    std::string line =
        key + std::string(width - text::display_width(key) + 2, ' ') + text::shown(value);
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  }
}

}  // namespace fieldsync::cli
