#include "experiments/Runner.h"

#include <algorithm>
#include <cstdio>
#include <new>
#include <stdexcept>

#include "engines/core/Cancellation.h"
#include "engines/core/Error.h"
#include "experiments/RunContext.h"

namespace loupe {

Runner::Runner(const EngineKind& kind, Recipe recipe, DeviceKind device, std::vector<RecordSink*> sinks)
    : m_kind(kind), m_recipe(std::move(recipe)), m_device(device), m_sinks(std::move(sinks)) {}

Runner::~Runner() {
  cancel();
  if (m_worker.joinable()) m_worker.join();
}

void Runner::start() {
  m_worker = std::thread([this] { execute(); });
}

RunStatus Runner::runHere() {
  execute();
  return status();
}

RunStatus Runner::wait() {
  if (m_worker.joinable()) m_worker.join();
  return status();
}

std::string Runner::error() const {
  std::lock_guard lock(m_mutex);
  return m_error;
}

RunProgress Runner::progress() const {
  std::lock_guard lock(m_mutex);
  return m_progress;
}

void Runner::setProgress(double fraction, const std::string& message) {
  std::lock_guard lock(m_mutex);
  m_progress = {std::clamp(fraction, 0.0, 1.0), message};
}

void Runner::emitStep(StepRecord&& record) {
  if (record.step <= m_lastStep) {
    throw std::logic_error("engine " + m_kind.name + " emitted step " + std::to_string(record.step) + " after step " +
                           std::to_string(m_lastStep) + " (steps must increase)");
  }
  m_lastStep = record.step;
  for (RecordSink* sink : m_sinks) sink->stepRecorded(record);
  m_steps.fetch_add(1);
}

void Runner::execute() {
  RunStatus final = RunStatus::Finished;
  std::string error;
  m_status.store(RunStatus::Running);
  try {
    // Engines poll this run's flag inside their loops too (engines/core/Cancellation.h).
    const ScopedCancelFlag cancelInsideEngines(&m_cancel);
    for (RecordSink* sink : m_sinks) sink->runStarted();
    RunContext context(
        m_recipe, m_device, m_cancel, [this](StepRecord&& r) { emitStep(std::move(r)); },
        [this](double f, const std::string& m) { setProgress(f, m); });
    m_kind.run(context);
  } catch (const RunCancelled&) {
    final = RunStatus::Cancelled;
  } catch (const OperationCancelled&) {
    final = RunStatus::Cancelled;
  } catch (const std::bad_alloc&) {
    // Said plainly, not as "std::bad_alloc": what the parameters asked for did not fit.
    final = RunStatus::Failed;
    error = "out of memory: " + m_recipe.kind + " with these parameters needs more memory than this machine could give";
  } catch (const InputError& e) {
    final = RunStatus::Failed;
    error = e.what();
    m_inputError.store(true);
  } catch (const std::exception& e) {
    final = RunStatus::Failed;
    error = e.what();
  } catch (...) {
    final = RunStatus::Failed;
    error = "unknown exception";
  }
  if (final == RunStatus::Finished) setProgress(1.0, "done");
  for (RecordSink* sink : m_sinks) {
    try {
      sink->runEnded(final, error);
    } catch (const std::exception& e) {
      // The run's own outcome stands; the sink's failure (e.g. disk full while
      // writing the final status) is reported, not swallowed.
      std::fprintf(stderr, "loupe: while ending run: %s\n", e.what());
      if (final == RunStatus::Finished) {
        final = RunStatus::Failed;
        error = std::string("recording the end of the run failed: ") + e.what();
      }
    }
  }
  {
    std::lock_guard lock(m_mutex);
    m_error = error;
  }
  m_status.store(final);
  m_finished.store(true);
}

}  // namespace loupe
