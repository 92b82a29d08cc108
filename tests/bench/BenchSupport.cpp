#include "tests/bench/BenchSupport.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <vector>

#include "engines/core/Timer.h"

namespace loupe::bench {

double memcpyGBs() {
  const std::size_t bytes = std::size_t(256) << 20;
  std::vector<char> a(bytes, 1), b(bytes, 2);
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const Stopwatch clock;
    std::memcpy(b.data(), a.data(), bytes);
    benchmark::DoNotOptimize(b.data());
    best = std::min(best, clock.seconds());
  }
  return 2.0 * bytes / best / 1e9;  // read + write
}

double pythonSeconds(const std::string& script) {
  const std::string cmd = std::string(LOUPE_PYTHON) + " - <<'LOUPE_EOF'\n" + script + "LOUPE_EOF\n";
  double seconds = 0;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buffer[64] = {};
    if (std::fgets(buffer, sizeof buffer, p)) seconds = std::atof(buffer);
    pclose(p);
  }
  return seconds;
}

std::vector<double> pythonNumbers(const std::string& script, const std::vector<std::string>& args) {
  std::string cmd = std::string(LOUPE_PYTHON) + " '" + script + "'";
  for (const std::string& a : args) cmd += " '" + a + "'";  // paths and numbers of our own, no quotes inside
  std::vector<double> numbers;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buffer[512] = {};
    if (std::fgets(buffer, sizeof buffer, p)) {
      std::istringstream line(buffer);
      for (double v; line >> v;) numbers.push_back(v);
    }
    pclose(p);
  }
  return numbers;
}

}  // namespace loupe::bench
