#include "experiments/Export.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "engines/core/Error.h"

namespace loupe {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void ensureDirectory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw InputError(dir.string(), "cannot create output directory: " + (ec ? ec.message() : "not a directory"));
  }
}

// Writes via a temporary file in the same directory and renames it into place.
void writeFileAtomically(const fs::path& file, const std::string& bytes) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(file.string(), std::string("cannot write: ") + std::strerror(errno));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw InputError(file.string(), std::string("write failed: ") + std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw InputError(file.string(), "cannot move into place: " + ec.message());
}

std::string formatValue(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string npyShape(const Shape& shape) {
  if (shape.size() == 1) return "(" + std::to_string(shape[0]) + ",)";  // a Python 1-tuple
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

// bf16 → f32 is exact: bf16 is the top half of an f32.
Array widenBf16(const Array& a) {
  Array out(DType::F32, a.shape());
  const std::uint16_t* in = a.data<std::uint16_t>();
  float* dst = out.data<float>();
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(in[i]) << 16;
    std::memcpy(&dst[i], &bits, sizeof bits);
  }
  return out;
}

std::string isoTime(double unixSeconds) {
  if (unixSeconds <= 0) return {};
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  const int ms = static_cast<int>((unixSeconds - std::floor(unixSeconds)) * 1000);
  char full[48];
  std::snprintf(full, sizeof full, "%s.%03dZ", buffer, ms);
  return full;
}

}  // namespace

std::string safeFileName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

std::string npyDescr(DType dtype) {
  switch (dtype) {
    case DType::F16:
      return "<f2";
    case DType::BF16:
      return "<f4";  // widened
    case DType::F32:
      return "<f4";
    case DType::F64:
      return "<f8";
    case DType::I8:
      return "|i1";
    case DType::I32:
      return "<i4";
    case DType::I64:
      return "<i8";
    case DType::U8:
      return "|u1";
    case DType::U16:
      return "<u2";
    case DType::Bool:
      return "|b1";
  }
  return "?";
}

void writeNpy(const fs::path& file, const Array& source) {
  const Array widened = source.dtype() == DType::BF16 ? widenBf16(source) : Array();
  const Array& array = source.dtype() == DType::BF16 ? widened : source;
  std::string header = "{'descr': '" + npyDescr(array.dtype()) +
                       "', 'fortran_order': False, 'shape': " + npyShape(array.shape()) + ", }";
  // Format 1.0: magic(6) + version(2) + header length(2) + header, padded with
  // spaces and a final newline to a multiple of 64 bytes.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(array.bytes()), array.nbytes());
  writeFileAtomically(file, bytes);
}

json runInfoJson(const RunInfo& r) {
  return {{"id", r.id},
          {"kind", r.kind},
          {"name", r.name},
          {"status", runStatusName(r.status)},
          {"error", r.error},
          {"created_at", isoTime(r.createdAt)},
          {"started_at", isoTime(r.startedAt)},
          {"ended_at", isoTime(r.endedAt)},
          {"engine_version", r.engineVersion},
          {"device", r.device},
          {"seed", r.seed},
          {"host", r.host},
          {"pid", r.pid},
          {"steps", r.stepCount},
          {"recipe", r.recipe}};
}

fs::path exportMetricsCsv(Store& store, std::int64_t run, const fs::path& outDir) {
  store.getRun(run);
  ensureDirectory(outDir);
  const auto names = store.metricNames(run);
  std::map<std::int64_t, std::vector<std::string>> rows;
  for (const auto step : store.stepNumbers(run)) rows[step].assign(names.size(), "");
  for (std::size_t c = 0; c < names.size(); ++c) {
    for (const auto& p : store.metricSeries(run, names[c])) rows[p.step][c] = formatValue(p.value);
  }
  std::ostringstream out;
  out << "step";
  for (const auto& n : names) out << ',' << csvField(n);
  out << '\n';
  for (const auto& [step, cells] : rows) {
    out << step;
    for (const auto& cell : cells) out << ',' << cell;
    out << '\n';
  }
  const fs::path file = outDir / ("run-" + std::to_string(run) + "-metrics.csv");
  writeFileAtomically(file, out.str());
  return file;
}

std::vector<fs::path> exportArraysNpy(Store& store, std::int64_t run, const fs::path& outDir,
                                      const std::optional<std::string>& arrayName,
                                      const std::optional<std::int64_t>& step) {
  store.getRun(run);
  std::vector<ArrayInfo> infos = store.arrayInfos(run, step);
  if (arrayName) std::erase_if(infos, [&](const ArrayInfo& a) { return a.name != *arrayName; });
  if (infos.empty()) {
    std::string what = "no arrays";
    if (arrayName) what += " named \"" + *arrayName + "\"";
    if (step) what += " at step " + std::to_string(*step);
    throw InputError("run " + std::to_string(run), what);
  }
  ensureDirectory(outDir);
  std::vector<fs::path> files;
  for (const auto& info : infos) {
    const fs::path file = outDir / ("run-" + std::to_string(run) + "-" + safeFileName(info.name) + "-step-" +
                                    std::to_string(info.step) + ".npy");
    writeNpy(file, store.readArray(run, info.step, info.name));
    files.push_back(file);
  }
  return files;
}

fs::path exportRunJson(Store& store, std::int64_t run, const fs::path& outDir) {
  const RunInfo info = store.getRun(run);
  ensureDirectory(outDir);
  json j = runInfoJson(info);
  std::map<std::int64_t, json> steps;
  for (const auto step : store.stepNumbers(run)) {
    steps[step] = {{"step", step}, {"metrics", json::object()}, {"arrays", json::array()}};
  }
  for (const auto& name : store.metricNames(run)) {
    for (const auto& p : store.metricSeries(run, name)) {
      // JSON has no NaN/inf: write them as null (numbers stay exact doubles).
      steps[p.step]["metrics"][name] = std::isfinite(p.value) ? json(p.value) : json(nullptr);
    }
  }
  for (const auto& a : store.arrayInfos(run)) {
    steps[a.step]["arrays"].push_back({{"name", a.name},
                                       {"dtype", dtypeName(a.dtype)},
                                       {"shape", a.shape},
                                       {"codec", a.codec},
                                       {"raw_bytes", a.rawBytes},
                                       {"stored_bytes", a.storedBytes}});
  }
  j["steps_data"] = json::array();
  for (auto& [step, s] : steps) j["steps_data"].push_back(std::move(s));
  const fs::path file = outDir / ("run-" + std::to_string(run) + ".json");
  writeFileAtomically(file, j.dump(2) + "\n");
  return file;
}

}  // namespace loupe
