// Texts a kind recorded as one UTF-8 byte array plus their lengths (the
// experiments' recordTexts): token pieces, top-k pieces.
#pragma once

#include <QStringList>

#include "experiments/Records.h"

namespace loupe {

inline QStringList recordedTexts(const StepRecord& r, const char* bytesName, const char* lengthsName) {
  const std::string all = r.text(bytesName);
  QStringList out;
  std::size_t at = 0;
  for (std::int64_t n : r.values<std::int64_t>(lengthsName)) {
    if (n < 0 || at + static_cast<std::size_t>(n) > all.size()) break;  // a damaged record shows what is whole
    out << QString::fromUtf8(all.data() + at, static_cast<int>(n));
    at += static_cast<std::size_t>(n);
  }
  return out;
}

}  // namespace loupe
