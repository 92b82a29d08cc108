#include "experiments/ProcessIdentity.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace loupe {

namespace {

std::string hostName() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown-host";
  return buffer;
}

// 0 when the process does not exist.
std::int64_t startTicksOf(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return 0;
  // The command name (field 2) is in parentheses and may contain spaces.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  // Fields after ")" start at field 3; starttime is field 22.
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return 0;
    if (i == 3 && (field == "Z" || field == "X")) return 0;  // a zombie has exited
  }
  return std::stoll(field);
}

}  // namespace

ProcessIdentity currentProcess() {
  static const ProcessIdentity self{hostName(), static_cast<std::int64_t>(getpid()), startTicksOf(getpid())};
  return self;
}

bool isProcessAlive(const ProcessIdentity& process) {
  if (process.host != currentProcess().host) return true;
  if (process.pid <= 0) return false;
  const std::int64_t ticks = startTicksOf(process.pid);
  if (ticks == 0) return false;
  return process.startTicks == 0 || ticks == process.startTicks;
}

}  // namespace loupe
