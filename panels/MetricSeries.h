// What the panels share about metric series and live runs: metrics as chart
// series (loaded from the store or appended from live records), the A/B
// pairing of compare mode, and the header's live → final status.
// GUI thread only; computes nothing but bookkeeping.
#pragma once

#include <QPointF>
#include <QString>
#include <map>
#include <string>
#include <vector>

#include "experiments/Store.h"

class QLabel;

namespace loupe {

using SeriesMap = std::map<QString, std::vector<QPointF>>;

// (step, value) per metric name; `names` empty: every metric of the run.
SeriesMap loadMetricSeries(Store& store, std::int64_t run, const std::vector<std::string>& names = {});

// Compare mode: "A name" for run A's series, "B name" for run B's.
SeriesMap pairSeries(SeriesMap a, SeriesMap b);

// Appends a live record's metrics (only `names`, or all when empty).
void appendRecordMetrics(SeriesMap& series, const StepRecord& record, const std::vector<std::string>& names = {});

// The header a panel shows for a stored run: "run 3 · “name” · kind · 12 steps".
QString runHeader(const RunInfo& run);

// Replaces the "<i>live</i>" marker of a panel header by the final status.
void markLiveEnded(QLabel* header, RunStatus status);

}  // namespace loupe
