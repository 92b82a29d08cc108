// How a kind with a CUDA path runs on the device its run was given: the GPU
// path while the run's device is CUDA and nothing has failed; on
// CudaUnavailable (no device, an unsupported shape, any CUDA error) the CPU
// path, from then on, with the reason said once on stderr and in the run's
// progress, and recorded on the steps (annotate()).
//
// Threading: the run function's thread, like the RunContext it holds.
#pragma once

#include <cstdio>
#include <string>

#include "engines/core/Device.h"
#include "experiments/RunContext.h"

namespace loupe {

class DeviceChoice {
 public:
  explicit DeviceChoice(RunContext& ctx) : m_ctx(ctx), m_cuda(ctx.device() == DeviceKind::Cuda) {}

  bool usingCuda() const { return m_cuda; }
  const std::string& fallbackReason() const { return m_reason; }

  // gpu() and cpu() return the same type.
  template <class Gpu, class Cpu>
  auto run(Gpu&& gpu, Cpu&& cpu) -> decltype(cpu()) {
    if (m_cuda) {
      try {
        return gpu();
      } catch (const CudaUnavailable& e) {
        fallBack(e.what());
      }
    }
    return cpu();
  }

  // A CUDA path that failed inside an engine (which then went on on the
  // CPU itself, as the RGBD pipeline does): say why, once, and use the CPU.
  void fallBack(const std::string& why) {
    if (!m_cuda) return;
    m_cuda = false;
    m_reason = why;
    std::fprintf(stderr, "loupe: %s: CUDA unavailable (%s); running on the CPU\n", m_ctx.recipe().kind.c_str(),
                 why.c_str());
    m_ctx.progress(0.0, "CUDA unavailable (" + why + "); on the CPU");
  }

  // Text arrays on the step: "device" (cuda or cpu: what produced it) and,
  // after a fallback, "cuda_fallback" (why).
  void annotate(StepRecord& r) const {
    r.textArray("device", m_cuda ? "cuda" : "cpu");
    if (!m_reason.empty()) r.textArray("cuda_fallback", m_reason);
  }

 private:
  RunContext& m_ctx;
  bool m_cuda;
  std::string m_reason;
};

}  // namespace loupe
