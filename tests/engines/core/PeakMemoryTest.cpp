// The resident-memory probe: readings are plausible, reading changes nothing,
// and only an explicit reset restarts the high-water mark.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "engines/core/PeakMemory.h"

namespace loupe {
namespace {

// Touches `mb` MB so that they become resident, then frees them.
void touchAndFree(std::size_t mb) {
  const std::size_t n = mb << 20;
  std::unique_ptr<char[]> p(new char[n]);
  std::memset(p.get(), 1, n);
  __asm__ volatile("" : : "r"(p.get()) : "memory");  // the pages must really be written
}

TEST(PeakMemory, ReadingsArePlausibleAndReadingResetsNothing) {
  const double rss = residentMegabytes(), peak = peakResidentMegabytes();
  if (std::isnan(rss)) GTEST_SKIP() << "no /proc/self/status here";
  EXPECT_GT(rss, 0.5);
  EXPECT_GE(peak, rss - 0.01);
  touchAndFree(64);
  const double after = peakResidentMegabytes();
  EXPECT_GE(after, rss + 60);
  // Reading again, many times, does not lower the mark.
  for (int i = 0; i < 5; ++i) residentMegabytes();
  EXPECT_GE(peakResidentMegabytes(), after);
}

TEST(PeakMemory, AnExplicitResetRestartsTheMark) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed blocks in its quarantine, resident, so that
  // a use after free is caught: freed memory cannot leave the mark there.
  GTEST_SKIP() << "under AddressSanitizer freed memory stays resident in its quarantine";
#endif
  if (std::isnan(residentMegabytes())) GTEST_SKIP() << "no /proc/self/status here";
  touchAndFree(96);
  const double high = peakResidentMegabytes();
  if (!resetPeakResident(HeapTrim::Yes)) GTEST_SKIP() << "/proc/self/clear_refs is not writable here";
  const double reset = peakResidentMegabytes();
  EXPECT_LT(reset, high - 48) << "the 96 MB freed above no longer count after the reset";
  touchAndFree(32);
  EXPECT_GE(peakResidentMegabytes() - reset, 30.0);
}

}  // namespace
}  // namespace loupe
