// An owning, C-contiguous n-d array: the buffer engines fill and the store
// writes. Elements are zero-initialised. Copying an Array copies its bytes;
// move it to hand it over (records do).
//
// f16/bf16 elements are accessed as uint16_t bit patterns (see DType.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engines/core/ArrayView.h"
#include "engines/core/Assert.h"

namespace loupe {

class Array {
 public:
  Array() = default;
  Array(DType dtype, Shape shape);

  // Gathers any (strided) view into a new contiguous array.
  static Array copyOf(const ArrayView& view);

  // An array of C++ elements with the given shape; values.size() must equal
  // the shape's element count (AssertionError otherwise).
  template <class T>
  static Array fromValues(Shape shape, std::span<const T> values) {
    Array a(dtypeOf<T>(), std::move(shape));
    LOUPE_ASSERT(
        static_cast<std::int64_t>(values.size()) == a.numel(),
        "Array::fromValues: " + std::to_string(values.size()) + " values for shape " + shapeToString(a.m_shape));
    for (std::size_t i = 0; i < values.size(); ++i) a.data<T>()[i] = values[i];
    return a;
  }

  DType dtype() const { return m_dtype; }
  const Shape& shape() const { return m_shape; }
  int ndim() const { return static_cast<int>(m_shape.size()); }
  std::int64_t numel() const { return static_cast<std::int64_t>(m_bytes.size() / dtypeSize(m_dtype)); }
  std::size_t nbytes() const { return m_bytes.size(); }

  std::byte* bytes() { return m_bytes.data(); }
  const std::byte* bytes() const { return m_bytes.data(); }

  // Typed element access; T must match the dtype (isElementTypeOf: uint16_t
  // for f16/bf16). A mismatch is a bug in the caller and throws
  // AssertionError naming both types, in release builds too.
  template <class T>
  T* data() {
    checkElementType<T>();
    return reinterpret_cast<T*>(m_bytes.data());
  }
  template <class T>
  const T* data() const {
    checkElementType<T>();
    return reinterpret_cast<const T*>(m_bytes.data());
  }

  ArrayView view() const { return ArrayView(m_bytes.data(), m_dtype, m_shape); }

  // Same dtype, shape and bytes.
  bool operator==(const Array& other) const = default;

 private:
  template <class T>
  void checkElementType() const {
    if (!isElementTypeOf<T>(m_dtype)) [[unlikely]]
      elementTypeMismatch(dtypeOf<T>());
  }
  [[noreturn]] void elementTypeMismatch(DType asked) const;

  DType m_dtype = DType::F32;
  Shape m_shape;
  std::vector<std::byte> m_bytes;
};

}  // namespace loupe
