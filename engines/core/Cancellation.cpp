#include "engines/core/Cancellation.h"

namespace loupe {

namespace {
thread_local const std::atomic<bool>* t_flag = nullptr;
}  // namespace

const std::atomic<bool>* currentCancelFlag() {
  return t_flag;
}

ScopedCancelFlag::ScopedCancelFlag(const std::atomic<bool>* flag) : m_previous(t_flag) {
  t_flag = flag;
}

ScopedCancelFlag::~ScopedCancelFlag() {
  t_flag = m_previous;
}

}  // namespace loupe
