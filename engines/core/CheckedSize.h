// Sizes read from files, checked before anything is allocated: element
// counts and byte sizes that would pass 2^62 (a shape of (4, 2^62) once
// wrapped to 0 bytes, passed the "file is long enough" check and read wild
// memory), negative dimensions, and sums past the file's end. Every failure
// is an InputError naming `where` and the numbers.
#pragma once

#include <cstdint>
#include <string>

#include "engines/core/ArrayView.h"

namespace loupe {

// The largest element count or byte size any reader accepts (2^62).
inline constexpr std::uint64_t kMaxCheckedSize = std::uint64_t{1} << 62;

// a · b and a + b, or InputError(where, "<what> overflows: a · b …").
std::uint64_t checkedMul(std::uint64_t a, std::uint64_t b, const std::string& where, const std::string& what);
std::uint64_t checkedAdd(std::uint64_t a, std::uint64_t b, const std::string& where, const std::string& what);

// Bytes of a C-order array of `shape` with `elementSize`-byte elements.
std::uint64_t checkedShapeBytes(const Shape& shape, std::size_t elementSize, const std::string& where);

// The memory one input may take: $LOUPE_MEMORY_BUDGET_MB when set, else
// half of this machine's physical memory. Read once per process.
std::uint64_t memoryBudgetBytes();

// Throws InputError(where, "<what> needs N MB, more than the memory budget
// of M MB (LOUPE_MEMORY_BUDGET_MB)") when `bytes` is over the budget.
void checkWithinBudget(std::uint64_t bytes, const std::string& where, const std::string& what);

}  // namespace loupe
