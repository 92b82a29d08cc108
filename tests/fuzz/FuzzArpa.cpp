// libFuzzer target: the ARPA n-gram reader (engines/specdec/ArpaModel.h,
// ArpaModel::read) on arbitrary text, then a few scores on what it read
// (back-off through every order). Any input may only load or throw InputError.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "engines/core/Error.h"
#include "engines/specdec/ArpaModel.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    const auto model = loupe::specdec::ArpaModel::read(in, "fuzz.arpa");
    const auto& words = model.vocabulary();
    if (!words.empty()) {
      (void)model.sentenceLogProb10({words.front(), words.back(), "never-seen"});
      (void)model.logProb10({words.back()}, words.front());
    }
  } catch (const loupe::InputError&) {
  }
  return 0;
}
