// A non-owning, read-only view of an n-d array: element type, shape and byte
// strides over memory someone else owns (an engine buffer, a mapped file, an
// Array). Strides are in bytes, as in numpy, so views of sub-blocks, transposes
// and every-other-element slices need no copy.
//
// Thread-safety: a view is a value; reading through it from many threads is
// fine as long as nobody writes the memory underneath.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engines/core/DType.h"

namespace loupe {

using Shape = std::vector<std::int64_t>;
using Strides = std::vector<std::int64_t>;  // bytes

// Product of the dimensions (1 for a 0-d shape). Throws std::invalid_argument
// for a negative dimension.
std::int64_t shapeNumel(const Shape& shape);

// Byte strides of a C-contiguous (row-major) array of this shape.
Strides contiguousStrides(const Shape& shape, DType dtype);

// "[3, 4]" — for messages and the store.
std::string shapeToString(const Shape& shape);

class ArrayView {
 public:
  ArrayView() = default;
  // Empty `strides` means C-contiguous.
  ArrayView(const void* data, DType dtype, Shape shape, Strides strides = {});

  DType dtype() const { return m_dtype; }
  const Shape& shape() const { return m_shape; }
  const Strides& strides() const { return m_strides; }
  int ndim() const { return static_cast<int>(m_shape.size()); }
  std::int64_t numel() const { return shapeNumel(m_shape); }
  // Bytes of the elements themselves (numel × element size), not of the span.
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtypeSize(m_dtype); }
  bool isContiguous() const;
  const std::byte* data() const { return m_data; }

 private:
  const std::byte* m_data = nullptr;
  DType m_dtype = DType::F32;
  Shape m_shape;
  Strides m_strides;
};

}  // namespace loupe
