#include "engines/core/PeakMemory.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace loupe {

namespace {

// A "Field:   1234 kB" line of /proc/self/status, in MB.
double statusMegabytes(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0) {
      try {
        return std::stod(line.substr(n)) / 1024.0;
      } catch (const std::exception&) {
        return NAN;
      }
    }
  }
  return NAN;
}

}  // namespace

double residentMegabytes() {
  return statusMegabytes("VmRSS:");
}

double peakResidentMegabytes() {
  return statusMegabytes("VmHWM:");
}

bool resetPeakResident(HeapTrim trim) {
#if defined(__GLIBC__)
  if (trim == HeapTrim::Yes) malloc_trim(0);
#else
  (void)trim;
#endif
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace loupe
