#include "engines/core/CheckedSize.h"

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
  std::uint64_t n = elementSize;
  for (std::int64_t d : shape) {
    if (d < 0) throw InputError(where, "shape " + shapeToString(shape) + " has a negative dimension");
    std::uint64_t out = 0;
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &out) || out > kMaxCheckedSize)
      throw InputError(where, "shape " + shapeToString(shape) + " of " + std::to_string(elementSize) +
                                  "-byte elements is more than 2^62 bytes");
    n = out;
  }
  return n;
}

}  // namespace loupe
