#include "experiments/CsvColumn.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "engines/core/Error.h"

namespace loupe {

std::vector<double> parseCsvColumn(const std::string& text, int column, const std::string& file) {
  std::istringstream in(text);
  std::vector<double> values;
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::stringstream ss(line);
    std::string cell;
    for (int c = 0; c <= column; ++c)
      if (!std::getline(ss, cell, ',')) {
        throw InputError("params.column", file + " line " + std::to_string(lineNo) + ": has no column " +
                                              std::to_string(column) + " (columns count from 0)");
      }
    char* end = nullptr;
    const double v = std::strtod(cell.c_str(), &end);
    if (end == cell.c_str() || std::string(end).find_first_not_of(" \t\r") != std::string::npos) {
      if (values.empty() && lineNo == 1) continue;  // a header
      throw InputError("params.file", file + " line " + std::to_string(lineNo) + ", column " + std::to_string(column) +
                                          ": '" + cell + "' is not a number");
    }
    if (!std::isfinite(v))
      throw InputError("params.file", file + " line " + std::to_string(lineNo) + ": value is not finite");
    values.push_back(v);
  }
  if (values.size() < 2)
    throw InputError("params.file", file + ": fewer than 2 values in column " + std::to_string(column));
  return values;
}

}  // namespace loupe
