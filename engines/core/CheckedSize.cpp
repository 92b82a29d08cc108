#include "engines/core/CheckedSize.h"

#include <unistd.h>

#include <cstdlib>

#include "engines/core/Error.h"

namespace loupe {

std::uint64_t checkedMul(std::uint64_t a, std::uint64_t b, const std::string& where, const std::string& what) {
  std::uint64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out) || out > kMaxCheckedSize)
    throw InputError(where, what + " " + std::to_string(a) + " × " + std::to_string(b) + " is more than 2^62");
  return out;
}

std::uint64_t checkedAdd(std::uint64_t a, std::uint64_t b, const std::string& where, const std::string& what) {
  std::uint64_t out = 0;
  if (__builtin_add_overflow(a, b, &out) || out > kMaxCheckedSize)
    throw InputError(where, what + " " + std::to_string(a) + " + " + std::to_string(b) + " is more than 2^62");
  return out;
}

std::uint64_t checkedShapeBytes(const Shape& shape, std::size_t elementSize, const std::string& where) {
  // The limit applies to the product of the non-zero dimensions too: an
  // empty (0, 2^62) array has no bytes, but its strides would overflow
  // (found by the npy fuzz target).
  std::uint64_t n = elementSize;
  bool empty = false;
  for (std::int64_t d : shape) {
    if (d < 0) throw InputError(where, "shape " + shapeToString(shape) + " has a negative dimension");
    if (d == 0) {
      empty = true;
      continue;
    }
    std::uint64_t out = 0;
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &out) || out > kMaxCheckedSize)
      throw InputError(where, "shape " + shapeToString(shape) + " of " + std::to_string(elementSize) +
                                  "-byte elements is more than 2^62 bytes");
    n = out;
  }
  return empty ? 0 : n;
}

std::uint64_t memoryBudgetBytes() {
  static const std::uint64_t budget = [] {
    if (const char* mb = std::getenv("LOUPE_MEMORY_BUDGET_MB"); mb && *mb) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(mb, &end, 10);
      if (end && *end == '\0' && v > 0 && v < (kMaxCheckedSize >> 20)) return static_cast<std::uint64_t>(v) << 20;
    }
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) / 2
                                 : std::uint64_t{4} << 30;
  }();
  return budget;
}

void checkWithinBudget(std::uint64_t bytes, const std::string& where, const std::string& what) {
  const std::uint64_t budget = memoryBudgetBytes();
  if (bytes > budget)
    throw InputError(where, what + " needs " + std::to_string((bytes + (1u << 20) - 1) >> 20) +
                                " MB, more than the memory budget of " + std::to_string(budget >> 20) +
                                " MB (LOUPE_MEMORY_BUDGET_MB)");
}

}  // namespace loupe
