// Runs one recipe with its engine kind, on a worker thread or the caller's.
//
// Threading contract
// - start() launches the worker; the engine's run function, every sink call
//   and every record happen on that one thread, in order.
// - cancel(), progress(), status(), finished() may be called from any thread
//   at any time; cancel is cooperative (the engine polls RunContext).
// - wait() joins. The destructor cancels and joins, so a Runner never outlives
//   its work silently.
// - Sinks must outlive the Runner. GUI sinks post to the GUI thread themselves
//   (queued signals); nothing here touches a widget.
//
// Errors: an exception from the engine or a sink ends the run as Failed with
// the exception's message; RunCancelled ends it as Cancelled. Nothing escapes
// the worker thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engines/core/Device.h"
#include "experiments/KindRegistry.h"
#include "experiments/Recipe.h"
#include "experiments/Records.h"

namespace loupe {

struct RunProgress {
  double fraction = 0;  // [0, 1]
  std::string message;
};

class Runner {
 public:
  Runner(const EngineKind& kind, Recipe recipe, DeviceKind device, std::vector<RecordSink*> sinks);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  void start();         // on a new worker thread
  RunStatus runHere();  // on the calling thread; returns the final status
  void cancel() { m_cancel.store(true); }
  RunStatus wait();  // joins the worker (if any); returns the final status

  bool finished() const { return m_finished.load(); }
  RunStatus status() const { return m_status.load(); }
  std::string error() const;
  // A failed run whose cause was bad input (an InputError: a file a kind read,
  // a parameter the kind refused), not an engine failure: the CLI exits 2.
  bool failedOnInput() const { return m_inputError.load(); }
  RunProgress progress() const;
  std::int64_t stepsEmitted() const { return m_steps.load(); }

 private:
  void execute();
  void emitStep(StepRecord&& record);
  void setProgress(double fraction, const std::string& message);

  const EngineKind& m_kind;
  Recipe m_recipe;
  DeviceKind m_device;
  std::vector<RecordSink*> m_sinks;

  std::thread m_worker;
  std::atomic<bool> m_cancel{false};
  std::atomic<bool> m_finished{false};
  std::atomic<RunStatus> m_status{RunStatus::Created};
  std::atomic<std::int64_t> m_steps{0};
  std::atomic<bool> m_inputError{false};
  std::int64_t m_lastStep = -1;

  mutable std::mutex m_mutex;  // guards m_error, m_progress
  std::string m_error;
  RunProgress m_progress;
};

}  // namespace loupe
