#include "engines/core/DType.h"

#include <cassert>

namespace loupe {

std::size_t dtypeSize(DType dtype) {
  switch (dtype) {
    case DType::F16:
    case DType::BF16:
    case DType::U16:
      return 2;
    case DType::F32:
    case DType::I32:
      return 4;
    case DType::F64:
    case DType::I64:
      return 8;
    case DType::I8:
    case DType::U8:
    case DType::Bool:
      return 1;
  }
  assert(false && "unhandled DType");
  return 0;
}

std::string_view dtypeName(DType dtype) {
  switch (dtype) {
    case DType::F16:
      return "f16";
    case DType::BF16:
      return "bf16";
    case DType::F32:
      return "f32";
    case DType::F64:
      return "f64";
    case DType::I8:
      return "i8";
    case DType::I32:
      return "i32";
    case DType::I64:
      return "i64";
    case DType::U8:
      return "u8";
    case DType::U16:
      return "u16";
    case DType::Bool:
      return "bool";
  }
  assert(false && "unhandled DType");
  return "?";
}

std::optional<DType> dtypeFromName(std::string_view name) {
  for (DType d : kAllDTypes) {
    if (dtypeName(d) == name) return d;
  }
  return std::nullopt;
}

}  // namespace loupe
