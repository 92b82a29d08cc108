// What the benchmarks share: this machine's memcpy bandwidth, and a peer's
// time measured by a Python script in its own process.
#pragma once

#include <string>
#include <vector>

namespace loupe::bench {

// GB/s moved (read + write) by memcpy of 256 MiB, best of three.
double memcpyGBs();

// Runs `script` with LOUPE_PYTHON (Debian's python3 with numpy/torch) and
// returns the number it prints first — the script times its own work; 0 if
// it could not run.
double pythonSeconds(const std::string& script);

// Runs the Python file `script` with `args` and returns the numbers on the
// first line it prints (empty if it could not run).
std::vector<double> pythonNumbers(const std::string& script, const std::vector<std::string>& args);

}  // namespace loupe::bench
