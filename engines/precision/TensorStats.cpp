#include "engines/precision/TensorStats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "engines/core/CpuFeatures.h"
#include "engines/core/ThreadPool.h"
#include "engines/precision/Fp16Stats.h"

namespace loupe::precision {

void TensorStats::merge(const TensorStats& o) {
  count += o.count, zeros += o.zeros, nans += o.nans, infinities += o.infinities;
  overflow += o.overflow, underflow += o.underflow, subnormal += o.subnormal, normal += o.normal;
  rounded += o.rounded, exact += o.exact;
  maxRelativeError = std::max(maxRelativeError, o.maxRelativeError);
  sumRelativeError += o.sumRelativeError;
  for (int i = 0; i < kExponentBins; ++i)
    exponentHistogram[static_cast<std::size_t>(i)] += o.exponentHistogram[static_cast<std::size_t>(i)];
  for (int i = 0; i < kErrorBins; ++i)
    errorHistogram[static_cast<std::size_t>(i)] += o.errorHistogram[static_cast<std::size_t>(i)];
}

namespace {

// One value into the statistics; q is its value in the format.
inline void account(TensorStats& s, float x, double q, double minNormal) {
  ++s.count;
  if (std::isnan(x)) {
    ++s.nans;
    return;
  }
  if (std::isinf(x)) {
    ++s.infinities;
    return;
  }
  if (x == 0) {
    ++s.zeros;
    return;
  }
  int e;
  std::frexp(x, &e);  // |x| = f·2^e, f ∈ [½, 1): floor(log2|x|) = e − 1
  ++s.exponentHistogram[static_cast<std::size_t>(e - 1 - TensorStats::kMinExponent)];
  if (!std::isfinite(q)) {
    ++s.overflow;
    return;
  }
  if (q == 0) {
    ++s.underflow;
    return;
  }
  ++(std::fabs(q) < minNormal ? s.subnormal : s.normal);
  const double rel = std::fabs(q - static_cast<double>(x)) / std::fabs(static_cast<double>(x));
  s.sumRelativeError += rel;
  s.maxRelativeError = std::max(s.maxRelativeError, rel);
  if (rel == 0) {
    ++s.exact;
    return;
  }
  ++s.rounded;
  int re;
  std::frexp(rel, &re);
  const int bin = std::clamp(re - 1 - TensorStats::kMinErrorExponent, 0, TensorStats::kErrorBins - 1);
  ++s.errorHistogram[static_cast<std::size_t>(bin)];
}

TensorStats statsOf(const float* values, std::size_t count, std::size_t stride, Format format, StatsIsa isa) {
  TensorStats s;
  s.format = format;
  std::size_t done = 0;
  if (format == Format::F16 && stride == 1) {
    if (isa == StatsIsa::Avx512) done = detail::fp16StatsAvx512(values, count, s);
    if (isa == StatsIsa::Avx2) done = detail::fp16StatsAvx2(values, count, s);
  }
  const double minNormal = limits(format).minNormal;
  for (std::size_t i = done; i < count; ++i) {
    const float x = values[i * stride];
    account(s, x, decode(format, encode(format, x)), minNormal);
  }
  return s;
}

StatsIsa resolve(StatsIsa isa) {
  if (!statsIsaAvailable(isa))
    throw std::invalid_argument("tensor statistics: this CPU lacks the instruction set asked for");
  if (isa != StatsIsa::Auto) return isa;
  static const StatsIsa best = cpuHasAvx512()        ? StatsIsa::Avx512
                               : cpuHasAvx2FmaF16c() ? StatsIsa::Avx2
                                                     : StatsIsa::Portable;
  return best;
}

}  // namespace

TensorStats tensorStatsReference(const float* values, std::size_t count, Format format) {
  TensorStats s;
  s.format = format;
  const double minNormal = limits(format).minNormal;
  for (std::size_t i = 0; i < count; ++i)
    account(s, values[i], decode(format, encodeReference(format, values[i])), minNormal);
  return s;
}

bool statsIsaAvailable(StatsIsa isa) {
  switch (isa) {
    case StatsIsa::Avx512:
      return cpuHasAvx512();
    case StatsIsa::Avx2:
      return cpuHasAvx2FmaF16c();
    default:
      return true;
  }
}

TensorStats tensorStats(const float* values, std::size_t count, Format format, StatsIsa isa) {
  isa = resolve(isa);
  const std::int64_t blocks = static_cast<std::int64_t>((count + 262143) / 262144);
  std::vector<TensorStats> parts(static_cast<std::size_t>(std::max<std::int64_t>(blocks, 1)));
  ThreadPool::shared().parallelFor(0, blocks, 1, [&](std::int64_t a, std::int64_t b) {
    for (std::int64_t k = a; k < b; ++k) {
      const std::size_t begin = static_cast<std::size_t>(k) * 262144;
      parts[static_cast<std::size_t>(k)] =
          statsOf(values + begin, std::min<std::size_t>(262144, count - begin), 1, format, isa);
    }
  });
  TensorStats total;
  total.format = format;
  for (const auto& p : parts) total.merge(p);
  return total;
}

std::vector<TensorStats> perChannelStats(const float* values, std::size_t rows, std::size_t channels, Format format) {
  const StatsIsa isa = resolve(StatsIsa::Auto);
  std::vector<TensorStats> out(channels);
  ThreadPool::shared().parallelFor(0, static_cast<std::int64_t>(channels), 1, [&](std::int64_t a, std::int64_t b) {
    for (std::int64_t c = a; c < b; ++c)
      out[static_cast<std::size_t>(c)] = statsOf(values + c, rows, channels, format, isa);
  });
  return out;
}

}  // namespace loupe::precision
