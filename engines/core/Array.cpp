#include "engines/core/Array.h"

#include <cstring>
#include <string>

#include "engines/core/Assert.h"

namespace loupe {

Array::Array(DType dtype, Shape shape)
    : m_dtype(dtype),
      m_shape(std::move(shape)),
      m_bytes(static_cast<std::size_t>(shapeNumel(m_shape)) * dtypeSize(dtype)) {}

void Array::elementTypeMismatch(DType asked) const {
  std::string what = "Array::data<" + std::string(dtypeName(asked)) + ">() on an array of dtype " +
                     std::string(dtypeName(m_dtype)) + ", shape " + shapeToString(m_shape) +
                     ": the element type must match the dtype";
  if (m_dtype == DType::F16 || m_dtype == DType::BF16) what += " (f16/bf16 elements are read as uint16_t)";
  throw AssertionError(what);
}

namespace {

// Copies dimension `dim` and below of a strided source into `out`, which
// advances through the contiguous destination.
void gather(const ArrayView& view, int dim, const std::byte* src, std::byte*& out) {
  const std::size_t elem = dtypeSize(view.dtype());
  const std::int64_t extent = view.shape()[dim];
  const std::int64_t stride = view.strides()[dim];
  if (dim == view.ndim() - 1) {
    if (stride == static_cast<std::int64_t>(elem)) {
      std::memcpy(out, src, elem * extent);
      out += elem * extent;
      return;
    }
    for (std::int64_t i = 0; i < extent; ++i, out += elem) std::memcpy(out, src + i * stride, elem);
    return;
  }
  for (std::int64_t i = 0; i < extent; ++i) gather(view, dim + 1, src + i * stride, out);
}

}  // namespace

Array Array::copyOf(const ArrayView& view) {
  Array a(view.dtype(), view.shape());
  if (a.nbytes() == 0) return a;
  if (view.isContiguous() || view.ndim() == 0) {
    std::memcpy(a.bytes(), view.data(), a.nbytes());
    return a;
  }
  std::byte* out = a.bytes();
  gather(view, 0, view.data(), out);
  return a;
}

}  // namespace loupe
