#include "engines/precision/LossScaler.h"

#include <cmath>
#include <stdexcept>

namespace loupe::precision {

LossScaler::LossScaler(const LossScalerConfig& config) : m_config(config), m_scale(config.initialScale) {
  if (!(config.initialScale > 0) || !(config.growthFactor > 1) ||
      !(config.backoffFactor > 0 && config.backoffFactor < 1) || config.growthInterval < 1)
    throw std::invalid_argument(
        "loss scaler: needs initial scale > 0, growth factor > 1, 0 < backoff factor < 1, growth interval ≥ 1");
}

bool LossScaler::update(bool foundInf) {
  if (foundInf) {
    m_scale *= m_config.backoffFactor;
    m_clean = 0;
    ++m_skipped;
    return true;
  }
  if (++m_clean == m_config.growthInterval) {
    // As torch's _amp_update_scale_: grow only to a finite scale.
    if (std::isfinite(m_scale * m_config.growthFactor)) m_scale *= m_config.growthFactor;
    m_clean = 0;
  }
  return false;
}

}  // namespace loupe::precision
