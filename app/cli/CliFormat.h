// Text formatting shared by the CLI's commands.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loupe {

std::string formatLocalTime(double unixSeconds);  // "2026-11-29 03:40:49", "-" for 0
std::string formatDuration(double seconds);       // "0.42 s", "3 min 20 s", "-" for < 0
std::string formatBytes(double bytes);            // "1.5 MB"
std::string formatNumber(double value);           // %.6g, "nan", "inf"

// Columns of UTF-8 text ("EfficientNet B0–B7"): the width counts code points,
// not bytes (East-Asian wide characters count as one). A malformed byte counts
// as one column.
std::size_t displayWidth(std::string_view utf8);
// Left-aligned table cells: `utf8` padded with spaces to `width` columns
// (longer text stays whole, as printf's %-Ns); fitColumn() first cuts it to
// `width` code points (never inside a character), so the cell is exactly
// `width` columns.
std::string padColumn(std::string_view utf8, std::size_t width);
std::string fitColumn(std::string_view utf8, std::size_t width);

}  // namespace loupe
