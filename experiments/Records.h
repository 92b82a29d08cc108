// What a run produces, step by step: scalar metrics and named n-d arrays.
// Engines build StepRecords; the runner hands the same stream to every sink
// (the store's recorder, a live view, a test).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engines/core/Array.h"

namespace loupe {

struct NamedArray {
  std::string name;
  Array array;
};

struct StepRecord {
  std::int64_t step = 0;  // strictly increasing within a run, >= 0
  std::vector<std::pair<std::string, double>> metrics;
  std::vector<NamedArray> arrays;

  StepRecord& metric(std::string name, double value) {
    metrics.emplace_back(std::move(name), value);
    return *this;
  }
  StepRecord& array(std::string name, Array value) {
    arrays.push_back({std::move(name), std::move(value)});
    return *this;
  }
  // Text as a u8 array (UTF-8), what text() reads back.
  StepRecord& textArray(std::string name, const std::string& utf8) {
    return array(std::move(name), Array::fromValues<std::uint8_t>({static_cast<std::int64_t>(utf8.size())},
                                                                  std::vector<std::uint8_t>(utf8.begin(), utf8.end())));
  }
  // A 1-D array of the values, what values<T>() reads back.
  template <class T>
  StepRecord& vector(std::string name, const std::vector<T>& v) {
    return array(std::move(name), Array::fromValues<T>({static_cast<std::int64_t>(v.size())}, v));
  }
  const double* findMetric(const std::string& name) const {
    for (const auto& [n, v] : metrics)
      if (n == name) return &v;
    return nullptr;
  }
  const Array* findArray(const std::string& name) const {
    for (const auto& a : arrays)
      if (a.name == name) return &a.array;
    return nullptr;
  }
  double metricOr(const std::string& name, double fallback = 0) const {
    const double* v = findMetric(name);
    return v ? *v : fallback;
  }
  // A u8 array recorded as text (UTF-8); "" if absent.
  std::string text(const std::string& name) const {
    const Array* a = findArray(name);
    return a ? std::string(reinterpret_cast<const char*>(a->data<std::uint8_t>()), static_cast<std::size_t>(a->numel()))
             : std::string();
  }
  // A 1-D array's elements as T (the caller names the recorded dtype); empty if absent.
  template <class T>
  std::vector<T> values(const std::string& name) const {
    const Array* a = findArray(name);
    return a ? std::vector<T>(a->data<T>(), a->data<T>() + a->numel()) : std::vector<T>();
  }
};

// The life of a run, as stored. `Interrupted`: the process recording it died
// (crash, SIGKILL, power loss); its committed steps are kept.
enum class RunStatus { Created, Running, Finished, Failed, Cancelled, Interrupted };

const char* runStatusName(RunStatus status);           // "created", "running", ...
RunStatus runStatusFromName(const std::string& name);  // throws std::invalid_argument

// Receives a run's records, on the runner's worker thread, in step order.
// Implementations that touch a GUI must post to the GUI thread themselves.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void runStarted() {}
  virtual void stepRecorded(const StepRecord& record) = 0;
  // Called once, last, whatever happened (error is empty unless Failed).
  virtual void runEnded(RunStatus /*status*/, const std::string& /*error*/) {}
};

}  // namespace loupe
