#include "engines/core/NpyRead.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "engines/core/CheckedSize.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe {

namespace {

// The value text after 'key': in numpy's header dict (a Python literal).
std::string headerValue(const std::string& header, const std::string& key, const std::string& file) {
  const std::size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) throw InputError(file, "the .npy header has no '" + key + "' entry");
  const std::size_t colon = header.find(':', at);
  if (colon == std::string::npos) throw InputError(file, "the .npy header's '" + key + "' has no value");
  std::size_t begin = header.find_first_not_of(" ", colon + 1);
  if (begin == std::string::npos) throw InputError(file, "the .npy header's '" + key + "' has no value");
  std::size_t end;
  if (header[begin] == '(') {
    end = header.find(')', begin);
    if (end == std::string::npos) throw InputError(file, "the .npy header's shape is not closed");
    return header.substr(begin, end - begin + 1);
  }
  if (header[begin] == '\'' || header[begin] == '"') {
    end = header.find(header[begin], begin + 1);
    if (end == std::string::npos) throw InputError(file, "the .npy header's '" + key + "' is not closed");
    return header.substr(begin + 1, end - begin - 1);
  }
  end = header.find_first_of(",}", begin);
  return header.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

DType dtypeFromDescr(const std::string& descr, const std::string& file) {
  if (descr.size() < 2) throw InputError(file, "unsupported dtype '" + descr + "'");
  const char order = descr[0];
  const std::string code = descr.substr(1);
  if (order == '>' && code != "i1" && code != "u1" && code != "b1")
    throw InputError(file, "big-endian data ('" + descr +
                               "') is not supported; save it little-endian "
                               "(numpy: a.astype(a.dtype.newbyteorder('<')))");
  if (order != '<' && order != '|' && order != '=' && order != '>')
    throw InputError(file, "unsupported dtype '" + descr + "'");
  if (code == "f2") return DType::F16;
  if (code == "f4") return DType::F32;
  if (code == "f8") return DType::F64;
  if (code == "i1") return DType::I8;
  if (code == "i4") return DType::I32;
  if (code == "i8") return DType::I64;
  if (code == "u1") return DType::U8;
  if (code == "u2") return DType::U16;
  if (code == "b1") return DType::Bool;
  throw InputError(file, "unsupported dtype '" + descr + "' (supported: f2, f4, f8, i1, i4, i8, u1, u2, b1)");
}

Shape parseShape(const std::string& text, const std::string& file) {
  // "(3, 4)", "(5,)" or "()".
  Shape shape;
  std::size_t i = 1;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i >= text.size() || text[i] == ')') break;
    std::size_t used = 0;
    long long extent = -1;
    try {
      extent = std::stoll(text.substr(i), &used);
    } catch (const std::exception&) {
      throw InputError(file, "the .npy shape " + text + " does not parse");
    }
    if (extent < 0) throw InputError(file, "the .npy shape " + text + " has a negative extent");
    shape.push_back(extent);
    i += used;
  }
  return shape;
}

}  // namespace

Array readNpy(const std::filesystem::path& path) {
  const std::string file = path.string();
  return parseNpy(readInputFile(path), file);
}

Array parseNpy(const std::string& bytes, const std::string& file) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    throw InputError(file, "is not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw InputError(file, "the .npy header is truncated");
    headerLength = 0;
    for (int b = 0; b < 4; ++b)
      headerLength |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + b])) << (8 * b);
    headerStart = 12;
  } else {
    throw InputError(file, "unsupported .npy format version " + std::to_string(major));
  }
  if (bytes.size() < headerStart + headerLength) throw InputError(file, "the .npy header is truncated");
  const std::string header = bytes.substr(headerStart, headerLength);
  const DType dtype = dtypeFromDescr(headerValue(header, "descr", file), file);
  const std::string fortran = headerValue(header, "fortran_order", file);
  const bool fortranOrder = fortran.find("True") != std::string::npos;
  const Shape shape = parseShape(headerValue(header, "shape", file), file);

  const std::size_t dataStart = headerStart + headerLength;
  const std::uint64_t need = checkedShapeBytes(shape, dtypeSize(dtype), file);
  if (bytes.size() - dataStart < need)
    throw InputError(file, "is truncated: shape " + shapeToString(shape) + " of " + std::string(dtypeName(dtype)) +
                               " needs " + std::to_string(need) + " data bytes, the file has " +
                               std::to_string(bytes.size() - dataStart));
  const void* data = bytes.data() + dataStart;
  if (!fortranOrder) return Array::copyOf(ArrayView(data, dtype, shape));
  // Fortran order: the first index varies fastest.
  Strides strides(shape.size());
  std::int64_t step = static_cast<std::int64_t>(dtypeSize(dtype));
  for (std::size_t d = 0; d < shape.size(); ++d) {
    strides[d] = step;
    step *= shape[d];
  }
  return Array::copyOf(ArrayView(data, dtype, shape, strides));
}

}  // namespace loupe
