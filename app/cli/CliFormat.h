// Text formatting shared by the CLI's commands.
#pragma once

#include <string>

namespace loupe {

std::string formatLocalTime(double unixSeconds);  // "2026-11-29 03:40:49", "-" for 0
std::string formatDuration(double seconds);       // "0.42 s", "3 min 20 s", "-" for < 0
std::string formatBytes(double bytes);            // "1.5 MB"
std::string formatNumber(double value);           // %.6g, "nan", "inf"

}  // namespace loupe
