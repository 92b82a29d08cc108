// A stored sweep as a table and as plot data: what the sweep panel and the
// sweep report show, computed here so that panels compute no science.
//
// Rows: one per point of the sweep (0 … points−1), the swept values from
// the spec's expansion (so points with no run yet are listed too), the
// point's run — its newest finished run, else its newest run — with that
// run's status ("missing" when the point has none) and each metric's final
// value (the value at the last step that recorded it).
//
// Plots: a metric against a swept field, one curve per value of another
// field; points that share (x, group) — seeds, or fields not on the plot —
// are averaged, with the sample standard deviation (n − 1) as error bar.
// Only finished runs with a finite value count.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "experiments/Store.h"

namespace loupe {

class KindRegistry;

struct SweepRow {
  std::int64_t point = 0;
  nlohmann::json values = nlohmann::json::object();  // swept field → value
  std::int64_t run = 0;                              // 0: none
  std::string status = "missing";                    // the run's status name, or "missing"
  std::int64_t runsRecorded = 0;                     // runs of this point (reruns included)
  std::map<std::string, double> metrics;             // final values; NaN kept
};

struct SweepTable {
  SweepInfo sweep;
  std::vector<std::string> axes;     // swept fields, in spec order ("params.lengths", "seed")
  std::vector<std::string> metrics;  // every metric any point recorded, sorted
  std::vector<SweepRow> rows;        // by point
  std::string note;                  // why the spec could not be expanded here ("" when it was)
};

// Throws InputError when the store has no such sweep.
SweepTable loadSweepTable(Store& store, std::int64_t sweep, const KindRegistry& kinds);

// A value as a plot coordinate: numbers as they are, a list of one number as
// that number; anything else is not numeric.
bool numericValue(const nlohmann::json& value, double& out);
// A value as a label: strings unquoted, everything else as compact JSON.
std::string valueLabel(const nlohmann::json& value);
// A swept field as the user wrote it in the spec: "params.lengths" → "lengths".
std::string fieldLabel(const std::string& field);

struct SweepPlotPoint {
  double x = 0;  // the value, or the category's index when the axis is not numeric
  double mean = 0;
  double std = 0;  // sample standard deviation; 0 when n == 1
  int n = 0;       // points averaged here
};

struct SweepCurve {
  std::string group;                   // the group field's value as a label ("" when not grouped)
  std::vector<SweepPlotPoint> points;  // by x
};

struct SweepPlot {
  std::string metric, xField, groupField;
  bool xNumeric = true;
  std::vector<std::string> xCategories;  // labels by index, when not numeric
  std::vector<SweepCurve> curves;        // by group, in order of first appearance
};

// True when every point that has the field has a numeric value there
// (numericValue): it plots on a numeric axis.
bool numericField(const SweepTable& table, const std::string& field);

// groupField "" plots one curve. Throws InputError for a field that is not
// swept or a metric no point recorded.
SweepPlot sweepPlot(const SweepTable& table, const std::string& metric, const std::string& xField,
                    const std::string& groupField = {});

// Parallel coordinates: one polyline per finished point over every swept
// field and the metric, each axis scaled to [0, 1] over its values
// (categories by their index in order of first appearance).
struct ParallelAxis {
  std::string name;
  double min = 0, max = 0;          // numeric axes: the span mapped to [0, 1]
  std::vector<std::string> labels;  // categorical axes: the labels at 0 … 1
};
struct ParallelCoordinates {
  std::vector<ParallelAxis> axes;          // the swept fields, then the metric
  std::vector<std::vector<double>> lines;  // per point, one value in [0, 1] per axis
  std::vector<double> metric;              // the metric's value per line (for colour)
  std::vector<std::int64_t> points;        // the sweep point of each line
};
ParallelCoordinates parallelCoordinates(const SweepTable& table, const std::string& metric);

}  // namespace loupe
