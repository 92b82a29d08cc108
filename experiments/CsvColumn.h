// One column of a CSV signal file (the `ssm.*` kinds' signal "file"): cells
// split at ',', a first line that is not a number is a header, blank lines
// are skipped, at least 2 finite values. Errors are InputError on
// "params.file" or "params.column", naming the file, the line and the cell.
#pragma once

#include <string>
#include <vector>

namespace loupe {

// `text` is the file's contents; `file` names it in errors.
std::vector<double> parseCsvColumn(const std::string& text, int column, const std::string& file);

}  // namespace loupe
