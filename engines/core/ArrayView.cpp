#include "engines/core/ArrayView.h"

#include <stdexcept>

namespace loupe {

std::int64_t shapeNumel(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("negative dimension in shape " + shapeToString(shape));
    // A wrapped count once passed every size check downstream: refuse it here too.
    if (__builtin_mul_overflow(n, d, &n))
      throw std::overflow_error("shape " + shapeToString(shape) + " has more than 2^63 elements");
  }
  return n;
}

Strides contiguousStrides(const Shape& shape, DType dtype) {
  Strides strides(shape.size());
  std::int64_t stride = static_cast<std::int64_t>(dtypeSize(dtype));
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    // Readers check sizes first (CheckedSize.h); this keeps a wrapped stride
    // from ever being computed.
    if (shape[i] != 0 && __builtin_mul_overflow(stride, shape[i], &stride))
      throw std::overflow_error("shape " + shapeToString(shape) + ": strides pass 2^63 bytes");
  }
  return strides;
}

std::string shapeToString(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

ArrayView::ArrayView(const void* data, DType dtype, Shape shape, Strides strides)
    : m_data(static_cast<const std::byte*>(data)),
      m_dtype(dtype),
      m_shape(std::move(shape)),
      m_strides(strides.empty() ? contiguousStrides(m_shape, dtype) : std::move(strides)) {
  shapeNumel(m_shape);  // validates
  if (m_strides.size() != m_shape.size()) {
    throw std::invalid_argument("ArrayView: " + std::to_string(m_strides.size()) + " strides for shape " +
                                shapeToString(m_shape));
  }
}

bool ArrayView::isContiguous() const {
  // Dimensions of extent 1 may carry any stride without changing the layout.
  std::int64_t expected = static_cast<std::int64_t>(dtypeSize(m_dtype));
  for (std::size_t i = m_shape.size(); i-- > 0;) {
    if (m_shape[i] != 1 && m_strides[i] != expected) return false;
    expected *= m_shape[i];
  }
  return true;
}

}  // namespace loupe
