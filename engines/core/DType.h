// Element types shared by every engine and by the experiment store.
//
// f16 and bf16 have no C++ arithmetic type here: they are stored as their raw
// 16-bit patterns (uint16_t), and engines convert explicitly. All multi-byte
// types are little-endian in memory, in the store and in exports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

namespace loupe {

enum class DType : std::uint8_t { F16, BF16, F32, F64, I8, I32, I64, U8, U16, Bool };

inline constexpr DType kAllDTypes[] = {DType::F16, DType::BF16, DType::F32, DType::F64, DType::I8,
                                       DType::I32, DType::I64,  DType::U8,  DType::U16, DType::Bool};

// Bytes per element.
std::size_t dtypeSize(DType dtype);

// Short lowercase name: "f16", "bf16", "f32", "f64", "i8", "i32", "i64", "u8",
// "u16", "bool". This is the spelling used in recipes, the store and the CLI.
std::string_view dtypeName(DType dtype);

// Inverse of dtypeName(); nullopt for an unknown name.
std::optional<DType> dtypeFromName(std::string_view name);

// The DType of a C++ element type (float, double, int8_t, ..., bool).
template <class T>
constexpr DType dtypeOf();
template <>
constexpr DType dtypeOf<float>() {
  return DType::F32;
}
template <>
constexpr DType dtypeOf<double>() {
  return DType::F64;
}
template <>
constexpr DType dtypeOf<std::int8_t>() {
  return DType::I8;
}
template <>
constexpr DType dtypeOf<std::int32_t>() {
  return DType::I32;
}
template <>
constexpr DType dtypeOf<std::int64_t>() {
  return DType::I64;
}
template <>
constexpr DType dtypeOf<std::uint8_t>() {
  return DType::U8;
}
template <>
constexpr DType dtypeOf<std::uint16_t>() {
  return DType::U16;
}
template <>
constexpr DType dtypeOf<bool>() {
  return DType::Bool;
}

// Whether T is how elements of `dtype` are accessed (Array::data<T>()):
// dtypeOf<T>() itself, or uint16_t for the f16/bf16 bit patterns. A bool
// array is read as bool, not as uint8_t.
template <class T>
constexpr bool isElementTypeOf(DType dtype) {
  if constexpr (std::is_same_v<T, std::uint16_t>)
    return dtype == DType::U16 || dtype == DType::F16 || dtype == DType::BF16;
  else
    return dtype == dtypeOf<T>();
}

}  // namespace loupe
