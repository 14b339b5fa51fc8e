// Text layouts for people: aligned tables and "key  value" blocks. Widths are screen
// columns (text::display_width: a Han character takes two), control characters (newlines,
// tabs) are shown as spaces so a value can never break the layout, and a cell may be cut
// to a maximum width with "…".
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace fieldsync::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Numbers read best right-aligned.
  void align_right(size_t column);
  // Cells wider than `max_width` columns are cut, ending in "…" (0: never).
  void limit_width(size_t max_width) { max_width_ = max_width; }
  void add_row(std::vector<std::string> cells);
  size_t row_count() const { return rows_.size(); }

  // The header, a rule of dashes, then one line per row; no trailing spaces.
  void render(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
  size_t max_width_ = 0;
};

// One "key  value" line per pair, the values starting in one column.
void render_pairs(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace fieldsync::cli
