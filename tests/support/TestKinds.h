// Engine kinds that exist only in the tests: small, deterministic, and with
// outputs that are closed-form functions of the step number, so tests can
// check what the store returns against the formula, not against the engine.
// The product ships no fake engine; these are registered by test mains only.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/core/Array.h"
#include "experiments/KindRegistry.h"

namespace loupe::testing {

// "test.series": per step k (0 ≤ k < steps)
//   metrics  index = k, square = k², sine = sin(k·scale), nan_every_3rd = NaN when k % 3 == 0 else k
//   arrays   (when array_len > 0) "ramp": f32[array_len], ramp[i] = k + i/2
//            "counts": i64[2, array_len], counts[r][i] = r·1000 + k·i
//            "grid":   f32[16, 16], grid[r][c] = sin(0.3 r + 0.2 k)·cos(0.25 c)
//            "cloud":  f32[array_len, 3], a helix (cos t, sin t, t/10), t = 0.05 i + 0.1 k
// params: steps, sleep_ms, fail_at (-1 = never), crash_at (SIGSEGV; -1 = never), array_len, block (power of
// two), mode (choice), scale, verbose (bool), sizes (int list).
void registerTestKinds(KindRegistry& registry);

// The expected values, computed independently of the engine's code path.
float expectedRamp(std::int64_t step, std::int64_t i);
std::int64_t expectedCount(std::int64_t step, std::int64_t row, std::int64_t i);
float expectedGrid(std::int64_t step, int row, int col);

}  // namespace loupe::testing
