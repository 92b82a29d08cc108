#include "engines/rgbd/PointCloudIO.h"

#include <liblzf/lzf.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engines/core/CheckedSize.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe::rgbd {

namespace fs = std::filesystem;

namespace {

std::string readAll(const fs::path& path) {
  return readInputFile(path);
}

void writeAtomically(const fs::path& path, const std::string& bytes) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path.string(), std::string("cannot write: ") + std::strerror(errno));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw InputError(path.string(), "write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw InputError(path.string(), "cannot move into place: " + ec.message());
}

std::uint32_t packRgb(const std::uint8_t* c) {
  return (std::uint32_t{c[0]} << 16) | (std::uint32_t{c[1]} << 8) | std::uint32_t{c[2]};
}
void unpackRgb(std::uint32_t packed, std::uint8_t* c) {
  c[0] = static_cast<std::uint8_t>(packed >> 16);
  c[1] = static_cast<std::uint8_t>(packed >> 8);
  c[2] = static_cast<std::uint8_t>(packed);
}

// ---- PCD ---------------------------------------------------------------

struct PcdField {
  std::string name;
  int size = 4;
  char type = 'F';
  int count = 1;
  std::size_t offset = 0;  // within a point record (binary)
};

struct PcdHeader {
  std::vector<PcdField> fields;
  int width = -1, height = 1;
  std::int64_t points = -1;
  std::string data;
  std::size_t dataStart = 0;  // byte offset of the data
  std::size_t pointBytes = 0;
};

PcdHeader parsePcdHeader(const std::string& bytes, const std::string& where) {
  PcdHeader h;
  std::size_t pos = 0;
  int lineNo = 0;
  std::vector<std::string> sizes, types, counts;
  while (pos < bytes.size()) {
    const std::size_t end = bytes.find('\n', pos);
    if (end == std::string::npos) throw InputError(where, "header ends without a DATA line");
    std::string line = bytes.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::string key;
    s >> key;
    std::vector<std::string> values;
    for (std::string v; s >> v;) values.push_back(v);
    const std::string at = "header line " + std::to_string(lineNo) + " (" + key + ")";
    auto integer = [&](const std::string& v) -> std::int64_t {
      try {
        std::size_t used = 0;
        const long long x = std::stoll(v, &used);
        if (used != v.size()) throw std::invalid_argument(v);
        return x;
      } catch (const std::exception&) {
        throw InputError(where, at + ": \"" + v + "\" is not an integer");
      }
    };
    if (key == "VERSION" || key == "VIEWPOINT") continue;
    if (key == "FIELDS" || key == "COLUMNS") {
      for (const auto& v : values) h.fields.push_back({v});
    } else if (key == "SIZE") {
      sizes = values;
    } else if (key == "TYPE") {
      types = values;
    } else if (key == "COUNT") {
      counts = values;
    } else if (key == "WIDTH") {
      if (values.size() != 1) throw InputError(where, at + ": expected one value");
      h.width = static_cast<int>(integer(values[0]));
    } else if (key == "HEIGHT") {
      if (values.size() != 1) throw InputError(where, at + ": expected one value");
      h.height = static_cast<int>(integer(values[0]));
    } else if (key == "POINTS") {
      if (values.size() != 1) throw InputError(where, at + ": expected one value");
      h.points = integer(values[0]);
    } else if (key == "DATA") {
      if (values.size() != 1) throw InputError(where, at + ": expected ascii, binary or binary_compressed");
      h.data = values[0];
      h.dataStart = pos;
      break;
    } else {
      throw InputError(where, at + ": unknown header keyword");
    }
  }
  if (h.data.empty()) throw InputError(where, "no DATA line in the header");
  if (h.fields.empty()) throw InputError(where, "no FIELDS line in the header");
  const std::size_t n = h.fields.size();
  if (sizes.size() != n)
    throw InputError(where,
                     "SIZE has " + std::to_string(sizes.size()) + " entries for " + std::to_string(n) + " fields");
  if (types.size() != n)
    throw InputError(where,
                     "TYPE has " + std::to_string(types.size()) + " entries for " + std::to_string(n) + " fields");
  if (!counts.empty() && counts.size() != n)
    throw InputError(where,
                     "COUNT has " + std::to_string(counts.size()) + " entries for " + std::to_string(n) + " fields");
  std::size_t offset = 0;
  for (std::size_t i = 0; i < n; ++i) {
    PcdField& f = h.fields[i];
    f.size = std::atoi(sizes[i].c_str());
    f.type = types[i].empty() ? '?' : types[i][0];
    f.count = counts.empty() ? 1 : std::atoi(counts[i].c_str());
    if ((f.size != 1 && f.size != 2 && f.size != 4 && f.size != 8) || f.count < 1 || f.count > (1 << 20) ||
        (f.type != 'F' && f.type != 'U' && f.type != 'I') || (f.type == 'F' && f.size != 4 && f.size != 8)) {
      throw InputError(where, "field " + f.name + ": unsupported SIZE/TYPE/COUNT " + sizes[i] + "/" + types[i]);
    }
    f.offset = offset;
    offset = checkedAdd(offset, static_cast<std::uint64_t>(f.size) * static_cast<std::uint64_t>(f.count), where,
                        "the point size");
  }
  h.pointBytes = offset;
  if (h.width < 0) throw InputError(where, "no WIDTH in the header (or a negative one)");
  if (h.height < 0) throw InputError(where, "HEIGHT " + std::to_string(h.height) + " is negative");
  if (h.points < 0) h.points = static_cast<std::int64_t>(h.width) * h.height;
  if (h.points != static_cast<std::int64_t>(h.width) * h.height) {
    throw InputError(where, "POINTS " + std::to_string(h.points) + " but WIDTH × HEIGHT = " +
                                std::to_string(static_cast<std::int64_t>(h.width) * h.height));
  }
  return h;
}

double readScalar(const std::byte* p, const PcdField& f) {
  switch (f.type) {
    case 'F':
      if (f.size == 4) {
        float v;
        std::memcpy(&v, p, 4);
        return v;
      } else {
        double v;
        std::memcpy(&v, p, 8);
        return v;
      }
    case 'U': {
      std::uint64_t v = 0;
      std::memcpy(&v, p, static_cast<std::size_t>(f.size));
      return static_cast<double>(v);
    }
    default: {
      std::int64_t v = 0;
      std::memcpy(&v, p, static_cast<std::size_t>(f.size));
      if (f.size < 8 && (v >> (8 * f.size - 1)) & 1) v -= std::int64_t{1} << (8 * f.size);  // sign-extend
      return static_cast<double>(v);
    }
  }
}

}  // namespace

PointCloud readPcd(const fs::path& path) {
  return parsePcd(readAll(path), path.string());
}

PointCloud parsePcd(const std::string& bytes, const std::string& where) {
  const PcdHeader h = parsePcdHeader(bytes, where);
  int ix = -1, iy = -1, iz = -1, ic = -1;
  for (int i = 0; i < static_cast<int>(h.fields.size()); ++i) {
    const std::string& n = h.fields[i].name;
    if (n == "x") ix = i;
    if (n == "y") iy = i;
    if (n == "z") iz = i;
    if (n == "rgb" || n == "rgba") ic = i;
  }
  if (ix < 0 || iy < 0 || iz < 0) throw InputError(where, "FIELDS lacks x, y or z");
  if (ic >= 0 && h.fields[ic].size != 4) throw InputError(where, "field " + h.fields[ic].name + ": expected 4 bytes");

  // No allocation larger than the file can describe: ascii needs a line per
  // point, binary pointBytes per point; compressed data is bounded by LZF's
  // best ratio (~100x) — all far above any real cloud.
  const std::size_t left = bytes.size() - h.dataStart;
  const std::size_t limit = h.data == "binary_compressed" ? left * 128 + 1024 : left;
  if (h.points < 0 || static_cast<std::uint64_t>(h.points) > limit) {
    throw InputError(
        where, "POINTS " + std::to_string(h.points) + " cannot fit in the " + std::to_string(left) + " bytes of data");
  }
  PointCloud cloud;
  cloud.width = h.width;
  cloud.height = h.height;
  const std::size_t n = static_cast<std::size_t>(h.points);
  cloud.xyz.resize(n * 3);
  if (ic >= 0) cloud.rgb.resize(n * 3);
  const int xyzIndex[3] = {ix, iy, iz};

  if (h.data == "ascii") {
    std::istringstream in(bytes.substr(h.dataStart));
    std::string line;
    std::size_t i = 0;
    std::size_t lineNo = 0;
    while (i < n && std::getline(in, line)) {
      ++lineNo;
      if (line.empty() || line == "\r") continue;
      std::istringstream s(line);
      std::vector<std::string> tokens;
      for (std::string t; s >> t;) tokens.push_back(t);
      std::size_t expected = 0;
      for (const auto& f : h.fields) expected += static_cast<std::size_t>(f.count);
      if (tokens.size() != expected) {
        throw InputError(where, "data line " + std::to_string(lineNo) + ": expected " + std::to_string(expected) +
                                    " values, got " + std::to_string(tokens.size()));
      }
      std::size_t column = 0;
      for (int fi = 0; fi < static_cast<int>(h.fields.size()); ++fi) {
        const std::string& t = tokens[column];
        for (int a = 0; a < 3; ++a)
          if (fi == xyzIndex[a])
            cloud.xyz[3 * i + a] = (t == "nan" || t == "NaN") ? NAN : std::strtof(t.c_str(), nullptr);
        if (fi == ic) {
          std::uint32_t packed;
          if (h.fields[fi].type == 'F') {
            const float f = std::strtof(t.c_str(), nullptr);
            std::memcpy(&packed, &f, 4);
          } else {
            packed = static_cast<std::uint32_t>(std::strtoull(t.c_str(), nullptr, 10));
          }
          unpackRgb(packed, &cloud.rgb[3 * i]);
        }
        column += static_cast<std::size_t>(h.fields[fi].count);
      }
      ++i;
    }
    if (i != n) throw InputError(where, "truncated: " + std::to_string(i) + " of " + std::to_string(n) + " points");
    return cloud;
  }

  // Binary layouts: point-major records, or field-major blocks when compressed.
  std::vector<std::byte> data;
  bool fieldMajor = false;
  // POINTS × point size, checked: a wrapped product once matched a tiny
  // (or zero) uncompressed size, and the reader walked a null buffer.
  const std::size_t need = checkedMul(n, h.pointBytes, where, "POINTS × point size");
  if (h.data == "binary") {
    if (bytes.size() - h.dataStart < need) {
      throw InputError(where, "truncated: expected " + std::to_string(need) + " bytes of point data, found " +
                                  std::to_string(bytes.size() - h.dataStart));
    }
    data.resize(need);
    // POINTS 0 (or WIDTH 0) leaves data() null, and memcpy from/to null is
    // undefined even for 0 bytes (UBSan, a fuzzed header).
    if (need > 0) std::memcpy(data.data(), bytes.data() + h.dataStart, need);
  } else if (h.data == "binary_compressed") {
    if (bytes.size() - h.dataStart < 8) throw InputError(where, "binary_compressed: missing the size words");
    std::uint32_t compressed = 0, uncompressed = 0;
    std::memcpy(&compressed, bytes.data() + h.dataStart, 4);
    std::memcpy(&uncompressed, bytes.data() + h.dataStart + 4, 4);
    if (compressed > bytes.size() - h.dataStart - 8) {
      throw InputError(where, "binary_compressed: compressed size " + std::to_string(compressed) +
                                  " exceeds the file's remaining " + std::to_string(bytes.size() - h.dataStart - 8) +
                                  " bytes");
    }
    if (uncompressed != need) {
      throw InputError(where, "binary_compressed: uncompressed size " + std::to_string(uncompressed) + ", expected " +
                                  std::to_string(need) + " for " + std::to_string(n) + " points");
    }
    data.resize(uncompressed);
    const unsigned got =
        uncompressed == 0 ? 0 : lzf_decompress(bytes.data() + h.dataStart + 8, compressed, data.data(), uncompressed);
    if (got != uncompressed) throw InputError(where, "binary_compressed: LZF data is corrupt");
    fieldMajor = true;
  } else {
    throw InputError(where, "DATA \"" + h.data + "\": expected ascii, binary or binary_compressed");
  }
  // Field-major: field f starts at n × (sum of earlier fields' sizes).
  auto at = [&](std::size_t point, const PcdField& f) -> const std::byte* {
    return fieldMajor ? data.data() + n * f.offset + point * static_cast<std::size_t>(f.size) * f.count
                      : data.data() + point * h.pointBytes + f.offset;
  };
  for (std::size_t i = 0; i < n; ++i) {
    for (int a = 0; a < 3; ++a)
      cloud.xyz[3 * i + a] = static_cast<float>(readScalar(at(i, h.fields[xyzIndex[a]]), h.fields[xyzIndex[a]]));
    if (ic >= 0) {
      std::uint32_t packed;
      std::memcpy(&packed, at(i, h.fields[ic]), 4);
      unpackRgb(packed, &cloud.rgb[3 * i]);
    }
  }
  return cloud;
}

void writePcd(const fs::path& path, const PointCloud& cloud, PcdEncoding encoding) {
  const std::size_t n = static_cast<std::size_t>(cloud.size());
  const bool color = cloud.hasColor();
  std::ostringstream out;
  out << "# .PCD v0.7 - Point Cloud Data file format (written by Loupe)\nVERSION 0.7\n";
  out << "FIELDS x y z" << (color ? " rgb" : "") << "\nSIZE 4 4 4" << (color ? " 4" : "") << "\nTYPE F F F"
      << (color ? " U" : "") << "\nCOUNT 1 1 1" << (color ? " 1" : "") << "\n";
  out << "WIDTH " << cloud.width << "\nHEIGHT " << cloud.height << "\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS " << n << "\n";
  const char* names[] = {"ascii", "binary", "binary_compressed"};
  out << "DATA " << names[static_cast<int>(encoding)] << "\n";
  std::string bytes = out.str();
  if (encoding == PcdEncoding::Ascii) {
    std::string body;
    char line[128];
    for (std::size_t i = 0; i < n; ++i) {
      const float* p = &cloud.xyz[3 * i];
      int len = std::snprintf(line, sizeof line, "%.9g %.9g %.9g", p[0], p[1], p[2]);
      if (color) len += std::snprintf(line + len, sizeof line - len, " %u", packRgb(&cloud.rgb[3 * i]));
      body.append(line, static_cast<std::size_t>(len));
      body += '\n';
    }
    writeAtomically(path, bytes + body);
    return;
  }
  const std::size_t pointBytes = color ? 16 : 12;
  std::string body(n * pointBytes, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t packed = color ? packRgb(&cloud.rgb[3 * i]) : 0;
    if (encoding == PcdEncoding::Binary) {
      std::memcpy(&body[i * pointBytes], &cloud.xyz[3 * i], 12);
      if (color) std::memcpy(&body[i * pointBytes + 12], &packed, 4);
    } else {
      for (int a = 0; a < 3; ++a) std::memcpy(&body[a * n * 4 + i * 4], &cloud.xyz[3 * i + a], 4);
      if (color) std::memcpy(&body[3 * n * 4 + i * 4], &packed, 4);
    }
  }
  if (encoding == PcdEncoding::BinaryCompressed) {
    std::string packed(body.size() + body.size() / 16 + 64, '\0');
    unsigned size = body.empty() ? 0
                                 : lzf_compress(body.data(), static_cast<unsigned>(body.size()), packed.data(),
                                                static_cast<unsigned>(packed.size()));
    if (size == 0 && !body.empty()) throw InputError(path.string(), "LZF compression failed");
    const std::uint32_t sizes[2] = {size, static_cast<std::uint32_t>(body.size())};
    bytes.append(reinterpret_cast<const char*>(sizes), 8);
    bytes.append(packed.data(), size);
  } else {
    bytes += body;
  }
  writeAtomically(path, bytes);
}

// ---- PLY ---------------------------------------------------------------

namespace {

int plyTypeSize(const std::string& t) {
  if (t == "char" || t == "uchar" || t == "int8" || t == "uint8") return 1;
  if (t == "short" || t == "ushort" || t == "int16" || t == "uint16") return 2;
  if (t == "int" || t == "uint" || t == "float" || t == "int32" || t == "uint32" || t == "float32") return 4;
  if (t == "double" || t == "float64") return 8;
  return 0;
}

double plyRead(const char* p, const std::string& t) {
  if (t == "float" || t == "float32") {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  if (t == "double" || t == "float64") {
    double v;
    std::memcpy(&v, p, 8);
    return v;
  }
  if (t == "uchar" || t == "uint8") return static_cast<unsigned char>(*p);
  if (t == "char" || t == "int8") return static_cast<signed char>(*p);
  if (t == "ushort" || t == "uint16") {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  if (t == "short" || t == "int16") {
    std::int16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  if (t == "uint" || t == "uint32") {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// A colour channel as a byte. A value outside 0 … 255 (or NaN) is refused:
// converting it to uint8_t is undefined behaviour (a fuzzed "red 7.8e18"
// in an ascii PLY, or a float red property, reached it).
std::uint8_t plyColor(double v, const std::string& where, std::int64_t vertex, const std::string& channel) {
  if (!(v >= 0 && v <= 255))
    throw InputError(
        where, "vertex " + std::to_string(vertex) + ": " + channel + " " + std::to_string(v) + " is outside 0 … 255");
  return static_cast<std::uint8_t>(v);
}

}  // namespace

PointCloud readPly(const fs::path& path) {
  return parsePly(readAll(path), path.string());
}

PointCloud parsePly(const std::string& bytes, const std::string& where) {
  if (bytes.rfind("ply", 0) != 0) throw InputError(where, "not a PLY file (it does not start with \"ply\")");
  std::size_t pos = 0;
  std::string format;
  std::int64_t vertices = -1;
  bool inVertex = false, sawElement = false;
  std::vector<std::pair<std::string, std::string>> props;  // type, name
  int lineNo = 0;
  for (;;) {
    const std::size_t end = bytes.find('\n', pos);
    if (end == std::string::npos) throw InputError(where, "header ends without end_header");
    std::string line = bytes.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream s(line);
    std::string key;
    s >> key;
    if (key == "end_header") break;
    if (key == "format") {
      s >> format;
    } else if (key == "element") {
      std::string name;
      std::int64_t count = 0;
      s >> name >> count;
      if (name == "vertex") {
        if (sawElement)
          throw InputError(where, "header line " + std::to_string(lineNo) + ": the vertex element must come first");
        vertices = count;
        inVertex = true;
      } else {
        inVertex = false;
      }
      sawElement = true;
    } else if (key == "property" && inVertex) {
      std::string type, name;
      s >> type;
      if (type == "list")
        throw InputError(where, "header line " + std::to_string(lineNo) + ": list property on vertices");
      s >> name;
      if (!plyTypeSize(type))
        throw InputError(where, "header line " + std::to_string(lineNo) + ": unknown type \"" + type + "\"");
      props.emplace_back(type, name);
    }
  }
  if (vertices < 0) throw InputError(where, "no vertex element");
  if (format != "ascii" && format != "binary_little_endian") {
    throw InputError(where, "format \"" + format + "\" not supported (ascii or binary_little_endian)");
  }
  int ix = -1, iy = -1, iz = -1, ir = -1, ig = -1, ib = -1;
  for (int i = 0; i < static_cast<int>(props.size()); ++i) {
    const auto& n = props[i].second;
    if (n == "x") ix = i;
    if (n == "y") iy = i;
    if (n == "z") iz = i;
    if (n == "red") ir = i;
    if (n == "green") ig = i;
    if (n == "blue") ib = i;
  }
  if (ix < 0 || iy < 0 || iz < 0) throw InputError(where, "vertex element lacks x, y or z");
  const bool color = ir >= 0 && ig >= 0 && ib >= 0;
  // Bound the count by the bytes that follow before allocating anything.
  if (static_cast<std::uint64_t>(vertices) > bytes.size() - pos || vertices > INT32_MAX) {
    throw InputError(where, "element vertex " + std::to_string(vertices) + " cannot fit in the " +
                                std::to_string(bytes.size() - pos) + " bytes that follow the header");
  }
  PointCloud cloud;
  cloud.width = static_cast<int>(vertices);
  cloud.height = 1;
  cloud.xyz.resize(static_cast<std::size_t>(vertices) * 3);
  if (color) cloud.rgb.resize(static_cast<std::size_t>(vertices) * 3);
  std::vector<double> values(props.size());
  if (format == "ascii") {
    std::istringstream in(bytes.substr(pos));
    for (std::int64_t v = 0; v < vertices; ++v) {
      std::string line;
      if (!std::getline(in, line))
        throw InputError(where, "truncated: " + std::to_string(v) + " of " + std::to_string(vertices) + " vertices");
      std::istringstream s(line);
      for (std::size_t p = 0; p < props.size(); ++p) {
        if (!(s >> values[p])) {
          throw InputError(where,
                           "vertex " + std::to_string(v) + ": expected " + std::to_string(props.size()) + " values");
        }
      }
      cloud.xyz[3 * v] = static_cast<float>(values[ix]);
      cloud.xyz[3 * v + 1] = static_cast<float>(values[iy]);
      cloud.xyz[3 * v + 2] = static_cast<float>(values[iz]);
      if (color) {
        cloud.rgb[3 * v] = plyColor(values[ir], where, v, "red");
        cloud.rgb[3 * v + 1] = plyColor(values[ig], where, v, "green");
        cloud.rgb[3 * v + 2] = plyColor(values[ib], where, v, "blue");
      }
    }
    return cloud;
  }
  std::size_t record = 0;
  std::vector<std::size_t> offsets;
  for (const auto& [type, name] : props) {
    offsets.push_back(record);
    record += static_cast<std::size_t>(plyTypeSize(type));
  }
  if (bytes.size() - pos < record * static_cast<std::size_t>(vertices)) {
    throw InputError(where, "truncated: expected " + std::to_string(record * vertices) + " bytes of vertices, found " +
                                std::to_string(bytes.size() - pos));
  }
  for (std::int64_t v = 0; v < vertices; ++v) {
    const char* base = bytes.data() + pos + v * record;
    auto get = [&](int i) { return plyRead(base + offsets[i], props[i].first); };
    cloud.xyz[3 * v] = static_cast<float>(get(ix));
    cloud.xyz[3 * v + 1] = static_cast<float>(get(iy));
    cloud.xyz[3 * v + 2] = static_cast<float>(get(iz));
    if (color) {
      cloud.rgb[3 * v] = plyColor(get(ir), where, v, "red");
      cloud.rgb[3 * v + 1] = plyColor(get(ig), where, v, "green");
      cloud.rgb[3 * v + 2] = plyColor(get(ib), where, v, "blue");
    }
  }
  return cloud;
}

void writePly(const fs::path& path, const PointCloud& cloud, bool binary) {
  const bool color = cloud.hasColor();
  std::vector<std::size_t> valid;
  for (std::int64_t i = 0; i < cloud.size(); ++i)
    if (!std::isnan(cloud.xyz[3 * i + 2])) valid.push_back(static_cast<std::size_t>(i));
  std::ostringstream header;
  header << "ply\nformat " << (binary ? "binary_little_endian" : "ascii") << " 1.0\ncomment written by Loupe\n"
         << "element vertex " << valid.size() << "\nproperty float x\nproperty float y\nproperty float z\n";
  if (color) header << "property uchar red\nproperty uchar green\nproperty uchar blue\n";
  header << "end_header\n";
  std::string bytes = header.str();
  char line[128];
  for (std::size_t i : valid) {
    const float* p = &cloud.xyz[3 * i];
    if (binary) {
      bytes.append(reinterpret_cast<const char*>(p), 12);
      if (color) bytes.append(reinterpret_cast<const char*>(&cloud.rgb[3 * i]), 3);
    } else {
      int len = std::snprintf(line, sizeof line, "%.9g %.9g %.9g", p[0], p[1], p[2]);
      if (color)
        len += std::snprintf(line + len, sizeof line - len, " %u %u %u", cloud.rgb[3 * i], cloud.rgb[3 * i + 1],
                             cloud.rgb[3 * i + 2]);
      bytes.append(line, static_cast<std::size_t>(len));
      bytes += '\n';
    }
  }
  writeAtomically(path, bytes);
}

PointCloud readPointCloud(const fs::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".pcd") return readPcd(path);
  if (ext == ".ply") return readPly(path);
  throw InputError(path.string(), "unknown point-cloud format \"" + ext + "\" (use .pcd or .ply)");
}

}  // namespace loupe::rgbd
