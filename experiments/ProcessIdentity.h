// Who is recording a run, precisely enough to tell later whether that process
// is still alive: host name, pid, and the pid's start time (pids are reused, a
// start time is not). Linux-specific (/proc), which is what Loupe targets.
#pragma once

#include <cstdint>
#include <string>

namespace loupe {

struct ProcessIdentity {
  std::string host;
  std::int64_t pid = 0;
  std::int64_t startTicks = 0;  // field 22 of /proc/PID/stat; 0 if unknown
};

ProcessIdentity currentProcess();

// False only when we are sure the process is gone: same host, and the pid is
// absent or belongs to a process started at another time. A process on
// another host is assumed alive (we cannot see it).
bool isProcessAlive(const ProcessIdentity& process);

}  // namespace loupe
