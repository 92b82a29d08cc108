// Reading numpy's .npy files (format versions 1.0, 2.0 and 3.0) into an
// Array: little-endian (or byte-order-free) f16, f32, f64, i8, i32, i64, u8,
// u16 and bool, C or Fortran order (Fortran order is copied to C order).
// Anything else — big-endian data, object or structured dtypes, a header
// that does not parse, fewer data bytes than the shape needs — is an
// InputError naming the file and the problem.
#pragma once

#include <filesystem>
#include <string>

#include "engines/core/Array.h"

namespace loupe {

Array readNpy(const std::filesystem::path& file);
// The same from bytes in memory (a member of an .npz archive); `where`
// names them in errors ("weights.npz: conv1.npy").
Array parseNpy(const std::string& bytes, const std::string& where);

}  // namespace loupe
