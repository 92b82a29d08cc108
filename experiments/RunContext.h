// What an engine kind's run function sees: its validated recipe, the device it
// was given, a way to emit step records, report progress, and notice a cancel.
//
// Threading: a RunContext lives on the runner's worker thread and is used
// only from there (engines may fan out internally, but emitStep()/progress() are
// called from the run function's thread).
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "engines/core/Device.h"
#include "experiments/Recipe.h"
#include "experiments/Records.h"

namespace loupe {

// Thrown by throwIfCancelled(); the runner turns it into a Cancelled run.
struct RunCancelled {};

class RunContext {
 public:
  using EmitFn = std::function<void(StepRecord&&)>;
  using ProgressFn = std::function<void(double, const std::string&)>;

  RunContext(const Recipe& recipe, DeviceKind device, const std::atomic<bool>& cancelFlag, EmitFn emitFn,
             ProgressFn progress)
      : m_recipe(recipe),
        m_device(device),
        m_cancel(cancelFlag),
        m_emit(std::move(emitFn)),
        m_progress(std::move(progress)) {}

  const Recipe& recipe() const { return m_recipe; }
  const nlohmann::json& params() const { return m_recipe.params; }
  DeviceKind device() const { return m_device; }
  std::uint64_t seed() const { return m_recipe.seed; }

  // Typed parameter access; the schema already validated type and range.
  std::int64_t paramInt(const std::string& name) const { return params().at(name).get<std::int64_t>(); }
  double paramFloat(const std::string& name) const { return params().at(name).get<double>(); }
  bool paramBool(const std::string& name) const { return params().at(name).get<bool>(); }
  std::string paramString(const std::string& name) const { return params().at(name).get<std::string>(); }

  // Hands a record to every sink. Steps must be strictly increasing.
  void emitStep(StepRecord&& record) { m_emit(std::move(record)); }
  // fraction in [0, 1]; message is a short phrase ("tile 3/16").
  void progress(double fraction, const std::string& message = {}) { m_progress(fraction, message); }

  bool cancelled() const { return m_cancel.load(std::memory_order_relaxed); }
  void throwIfCancelled() const {
    if (cancelled()) throw RunCancelled{};
  }

 private:
  const Recipe& m_recipe;
  DeviceKind m_device;
  const std::atomic<bool>& m_cancel;
  EmitFn m_emit;
  ProgressFn m_progress;
};

}  // namespace loupe
