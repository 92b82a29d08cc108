// Dynamic loss scaling, PyTorch's GradScaler rule (torch.cuda.amp): the loss
// is multiplied by `scale` before backward; after each step, if any
// gradient is inf/NaN the step is skipped and scale ×= backoff (0.5), and
// the count of clean steps restarts; otherwise the count grows, and after
// `interval` (2000) clean steps in a row scale ×= growth (2) and the count
// restarts — unless growing would make the scale infinite (torch's
// _amp_update_scale_ keeps it then). Initial scale 65536.
#pragma once

#include <cstdint>

namespace loupe::precision {

struct LossScalerConfig {
  double initialScale = 65536.0;
  double growthFactor = 2.0;
  double backoffFactor = 0.5;
  int growthInterval = 2000;
};

class LossScaler {
 public:
  explicit LossScaler(const LossScalerConfig& config = {});

  double scale() const { return m_scale; }
  int cleanSteps() const { return m_clean; }  // consecutive finite steps since the last change
  std::int64_t skippedSteps() const { return m_skipped; }

  // After a backward pass: foundInf says whether any gradient was inf/NaN.
  // Returns true when the optimizer step must be skipped.
  bool update(bool foundInf);

 private:
  LossScalerConfig m_config;
  double m_scale;
  int m_clean = 0;
  std::int64_t m_skipped = 0;
};

}  // namespace loupe::precision
