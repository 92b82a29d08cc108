// The phone trigram as an ArpaModel, loaded once per test program (the
// decoding and sampling tests share it).
#pragma once

#include "engines/specdec/ArpaModel.h"
#include "tests/support/TestHelpers.h"

namespace loupe::specdec {

inline const ArpaModel& phones() {
  static const ArpaModel m = ArpaModel::load(testing::phoneTrigramPath());
  return m;
}

}  // namespace loupe::specdec
