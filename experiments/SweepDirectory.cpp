#include "experiments/SweepDirectory.h"

#include <fstream>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe {

namespace fs = std::filesystem;

namespace {

// Written to a temporary name and renamed: a reader never sees half a file.
void writeWhole(const fs::path& file, const std::string& text) {
  const fs::path part = file.string() + ".part";
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw InputError(part.string(), "cannot write");
  }
  std::error_code ec;
  fs::rename(part, file, ec);
  if (ec) throw InputError(file.string(), "cannot write: " + ec.message());
}

}  // namespace

void writeSweepDirectory(const SweepDirectory& dir, const SweepInfo& sweep, const SweepSpec& spec) {
  for (const char* sub : {"points", "shards", "logs"}) {
    std::error_code ec;
    fs::create_directories(dir.root / sub, ec);
    if (ec) throw InputError((dir.root / sub).string(), "cannot create directory: " + ec.message());
  }
  for (std::size_t k = 0; k < spec.points.size(); ++k)
    writeWhole(dir.pointRecipe(static_cast<std::int64_t>(k)), spec.points[k].recipe.toJson().dump(1) + "\n");
  const nlohmann::json manifest = {{"uuid", sweep.uuid},           {"name", sweep.name}, {"backend", sweep.backend},
                                   {"points", spec.points.size()}, {"axes", spec.axes},  {"spec", spec.spec}};
  writeWhole(dir.manifest(), manifest.dump(1) + "\n");
}

SweepInfo readSweepManifest(const SweepDirectory& dir) {
  SweepInfo s = parseSweepManifest(readInputFile(dir.manifest(), kMaxJsonBytes), dir.manifest().string());
  s.directory = fs::absolute(dir.root).string();
  return s;
}

SweepInfo parseSweepManifest(const std::string& text, const std::string& where) {
  const nlohmann::json j = parseBoundedJson(text, where);
  if (!j.is_object()) throw InputError(where, "is not a sweep manifest (a JSON object)");
  SweepInfo s;
  if (!j.contains("uuid") || !j["uuid"].is_string() || j["uuid"].get<std::string>().size() != 32)
    throw InputError(where, "uuid: missing or not 32 hexadecimal digits");
  s.uuid = j["uuid"];
  if (!j.contains("name") || !j["name"].is_string()) throw InputError(where, "name: missing or not a string");
  s.name = j["name"];
  if (!j.contains("points") || !j["points"].is_number_integer() || j["points"].get<std::int64_t>() < 1 ||
      j["points"].get<std::int64_t>() > static_cast<std::int64_t>(kMaxSweepPoints))
    throw InputError(where, "points: missing or outside 1.." + std::to_string(kMaxSweepPoints));
  s.points = j["points"];
  s.spec = j.value("spec", nlohmann::json::object());
  s.backend = j.contains("backend") && j["backend"].is_string() ? j["backend"].get<std::string>() : "local";
  return s;
}

}  // namespace loupe
