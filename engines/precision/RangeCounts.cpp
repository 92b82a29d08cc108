#include "engines/precision/RangeCounts.h"

#include <cmath>
#include <limits>

namespace loupe::precision {

namespace {

float fromBits(std::uint32_t b) {
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// The smallest positive finite float whose classify() satisfies `pred`
// (which must be monotone in |x|: false below some edge, true from it on).
template <class Pred>
float firstWhere(Pred pred) {
  std::uint32_t lo = 1, hi = 0x7f7fffffu;  // smallest subnormal … FLT_MAX
  if (!pred(fromBits(hi))) return std::numeric_limits<float>::infinity();
  if (pred(fromBits(lo))) return fromBits(lo);
  while (hi - lo > 1) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    (pred(fromBits(mid)) ? hi : lo) = mid;
  }
  return fromBits(hi);
}

}  // namespace

OutcomeEdges outcomeEdges(Format format) {
  OutcomeEdges e;
  const float firstNonZero = firstWhere([&](float x) { return classify(format, x) != Outcome::Underflow; });
  e.zeroUpTo = std::nextafter(firstNonZero, 0.0f);
  e.normalFrom = firstWhere([&](float x) {
    const Outcome o = classify(format, x);
    return o == Outcome::Normal || o == Outcome::Overflow;
  });
  e.overflowFrom = firstWhere([&](float x) { return classify(format, x) == Outcome::Overflow; });
  return e;
}

RangeCounts rangeCounts(const float* values, std::size_t count, Format format) {
  const OutcomeEdges edges = outcomeEdges(format);
  RangeCounts r;
  r.count = static_cast<std::int64_t>(count);
  for (std::size_t i = 0; i < count; ++i) {
    ++r.slots[rangeSlot(values[i], edges)];
    const int bin = exponentBin(values[i]);
    if (bin >= 0) ++r.exponentHistogram[static_cast<std::size_t>(bin)];
  }
  return r;
}

}  // namespace loupe::precision
