#include "app/cli/CliFormat.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace loupe {

std::string formatLocalTime(double unixSeconds) {
  if (unixSeconds <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &tm);
  return buffer;
}

std::string formatDuration(double seconds) {
  if (seconds < 0) return "-";
  char buffer[48];
  if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%.2f s", seconds);
  } else if (seconds < 3600) {
    std::snprintf(buffer, sizeof buffer, "%d min %02d s", static_cast<int>(seconds) / 60,
                  static_cast<int>(seconds) % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%d h %02d min", static_cast<int>(seconds) / 3600,
                  static_cast<int>(seconds) % 3600 / 60);
  }
  return buffer;
}

std::string formatBytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buffer;
}

namespace {

bool isContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

std::size_t displayWidth(std::string_view utf8) {
  std::size_t width = 0;
  for (char c : utf8) width += !isContinuationByte(c);
  return width;
}

std::string padColumn(std::string_view utf8, std::size_t width) {
  std::string out(utf8);
  const std::size_t columns = displayWidth(utf8);
  if (columns < width) out.append(width - columns, ' ');
  return out;
}

std::string fitColumn(std::string_view utf8, std::size_t width) {
  std::size_t end = 0, columns = 0;
  while (end < utf8.size() && columns < width) {
    ++end;
    while (end < utf8.size() && isContinuationByte(utf8[end])) ++end;
    ++columns;
  }
  return padColumn(utf8.substr(0, end), width);
}

std::string formatNumber(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);  // integers in full: 16777216, not 1.67772e+07
  } else {
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
  }
  return buffer;
}

}  // namespace loupe
