#include "engines/specdec/HeadFile.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "engines/core/DTypeConvert.h"
#include "engines/core/Error.h"

namespace loupe::specdec {

void writeHeadTensors(const std::filesystem::path& file, const std::vector<HeadTensor>& tensors, bool half) {
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  const std::uint64_t width = half ? 2 : 4;
  for (const HeadTensor& t : tensors) {
    const std::uint64_t bytes = t.data->size() * width;
    header[t.name] = {{"dtype", half ? "F16" : "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  // nlohmann's object keeps keys sorted; offsets were given in the list's
  // order, so the data is written in that order and each entry points at its own.
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(file.string(), "cannot be written");
  const std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const HeadTensor& t : tensors) {
    if (!half) {
      out.write(reinterpret_cast<const char*>(t.data->data()), static_cast<std::streamsize>(t.data->size() * 4));
      continue;
    }
    std::vector<std::uint16_t> bits(t.data->size());
    for (std::size_t i = 0; i < bits.size(); ++i) bits[i] = floatToHalfBits((*t.data)[i]);
    out.write(reinterpret_cast<const char*>(bits.data()), static_cast<std::streamsize>(bits.size() * 2));
  }
  if (!out) throw InputError(file.string(), "could not be written completely");
}

}  // namespace loupe::specdec
