// Monotonic timing for engines and benchmarks (std::chrono::steady_clock: never
// jumps with the wall clock), plus the wall-clock time the store records.
#pragma once

#include <chrono>

namespace loupe {

class Stopwatch {
 public:
  Stopwatch() : m_start(std::chrono::steady_clock::now()) {}
  void restart() { m_start = std::chrono::steady_clock::now(); }
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count(); }
  double milliseconds() const { return seconds() * 1e3; }

 private:
  std::chrono::steady_clock::time_point m_start;
};

// Seconds since the Unix epoch (UTC), with sub-second precision.
inline double unixTimeSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace loupe
