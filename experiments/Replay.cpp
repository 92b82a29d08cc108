#include "experiments/Replay.h"

#include <stdexcept>

namespace loupe {

Replay::Replay(Store& store, std::int64_t runId)
    : m_store(store), m_run(store.getRun(runId)), m_steps(store.stepNumbers(runId)) {}

StepRecord Replay::at(std::size_t index) const {
  if (index >= m_steps.size()) {
    throw std::out_of_range("run " + std::to_string(m_run.id) + " has " + std::to_string(m_steps.size()) +
                            " steps; no position " + std::to_string(index));
  }
  return m_store.readStep(m_run.id, m_steps[index]);
}

StepRecord Replay::step(std::int64_t step) const {
  return m_store.readStep(m_run.id, step);
}

}  // namespace loupe
