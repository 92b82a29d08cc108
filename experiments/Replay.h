// Replaying a stored run: random access by step number or position, forward
// iteration over every step, and a metric's whole series by name. Reads go to
// the store on demand, so replaying a run larger than memory is fine.
//
// Threading: as the Store it reads from (one thread at a time).
#pragma once

#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "experiments/Store.h"

namespace loupe {

class Replay {
 public:
  // Throws InputError when the run does not exist.
  Replay(Store& store, std::int64_t runId);

  const RunInfo& run() const { return m_run; }
  const std::vector<std::int64_t>& stepNumbers() const { return m_steps; }
  std::size_t size() const { return m_steps.size(); }

  StepRecord at(std::size_t index) const;    // by position, 0-based; throws std::out_of_range
  StepRecord step(std::int64_t step) const;  // by step number; throws InputError if absent
  std::vector<std::string> metricNames() const { return m_store.metricNames(m_run.id); }
  std::vector<MetricPoint> series(const std::string& metric) const { return m_store.metricSeries(m_run.id, metric); }
  Array array(std::int64_t step, const std::string& name) const { return m_store.readArray(m_run.id, step, name); }

  // for (const StepRecord& r : replay) — loads one step at a time.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = StepRecord;
    using difference_type = std::ptrdiff_t;
    Iterator(const Replay* replay, std::size_t index) : m_replay(replay), m_index(index) {}
    StepRecord operator*() const { return m_replay->at(m_index); }
    Iterator& operator++() {
      ++m_index;
      return *this;
    }
    bool operator==(const Iterator& other) const { return m_index == other.m_index; }

   private:
    const Replay* m_replay;
    std::size_t m_index;
  };
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, m_steps.size()}; }

 private:
  Store& m_store;
  RunInfo m_run;
  std::vector<std::int64_t> m_steps;
};

}  // namespace loupe
