// libFuzzer target: the CSV signal reader (experiments/CsvColumn.h,
// parseCsvColumn). The first byte picks the column (0 … 3), the rest is the
// file. Any input may only give at least 2 finite values or throw InputError.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "experiments/CsvColumn.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  try {
    const auto values =
        loupe::parseCsvColumn(std::string(reinterpret_cast<const char*>(data) + 1, size - 1), data[0] % 4, "fuzz.csv");
    if (values.size() < 2) __builtin_trap();
    for (double v : values)
      if (!std::isfinite(v)) __builtin_trap();
  } catch (const loupe::InputError&) {
  }
  return 0;
}
