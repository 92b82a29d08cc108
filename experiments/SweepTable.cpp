#include "experiments/SweepTable.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engines/core/Error.h"
#include "experiments/KindRegistry.h"
#include "experiments/SweepSpec.h"

namespace loupe {

namespace {

using nlohmann::json;

// A swept field's value in a complete recipe (null when absent).
json fieldValue(const json& recipe, const std::string& field) {
  if (field == "seed" || field == "device") return recipe.value(field, json());
  if (field.rfind("params.", 0) == 0 && recipe.contains("params") && recipe["params"].is_object())
    return recipe["params"].value(field.substr(7), json());
  return json();
}

// The swept fields as the spec names them, without expanding it (a kind
// this build does not know): "n" and "params.n" both name params.n.
std::vector<std::string> axesOfSpec(const json& spec) {
  std::vector<std::string> axes;
  const auto add = [&](const json& object) {
    if (!object.is_object()) return;
    for (const auto& [axis, value] : object.items()) axes.push_back(sweepField(axis));
  };
  if (!spec.is_object()) return axes;
  if (spec.contains("grid")) add(spec["grid"]);
  if (spec.contains("zip")) add(spec["zip"]);
  if (spec.contains("random") && spec["random"].is_object() && spec["random"].contains("params"))
    add(spec["random"]["params"]);
  return axes;
}

// Which of two runs of one point the table shows: a finished one over any
// other, then the newer.
bool better(const RunInfo& a, const RunInfo& b) {
  const bool fa = a.status == RunStatus::Finished, fb = b.status == RunStatus::Finished;
  if (fa != fb) return fa;
  if (a.createdAt != b.createdAt) return a.createdAt > b.createdAt;
  return a.id > b.id;
}

bool counts(const SweepRow& row, const std::string& metric, double& value) {
  if (row.status != runStatusName(RunStatus::Finished)) return false;
  const auto it = row.metrics.find(metric);
  if (it == row.metrics.end() || !std::isfinite(it->second)) return false;
  value = it->second;
  return true;
}

void requireAxis(const SweepTable& table, const std::string& field, const std::string& what) {
  if (std::find(table.axes.begin(), table.axes.end(), field) == table.axes.end())
    throw InputError("sweep " + std::to_string(table.sweep.id), what + " '" + field + "' is not a swept field");
}

// Category index of a label, appended in order of first appearance.
std::size_t categoryOf(std::vector<std::string>& labels, const std::string& label) {
  const auto it = std::find(labels.begin(), labels.end(), label);
  if (it != labels.end()) return static_cast<std::size_t>(it - labels.begin());
  labels.push_back(label);
  return labels.size() - 1;
}

}  // namespace

bool numericValue(const json& value, double& out) {
  if (value.is_number()) {
    out = value.get<double>();
    return true;
  }
  if (value.is_array() && value.size() == 1 && value[0].is_number()) {
    out = value[0].get<double>();
    return true;
  }
  return false;
}

std::string valueLabel(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string fieldLabel(const std::string& field) {
  return field.rfind("params.", 0) == 0 ? field.substr(7) : field;
}

bool numericField(const SweepTable& table, const std::string& field) {
  double unused = 0;
  for (const SweepRow& row : table.rows)
    if (row.values.contains(field) && !numericValue(row.values[field], unused)) return false;
  return true;
}

SweepTable loadSweepTable(Store& store, std::int64_t sweep, const KindRegistry& kinds) {
  SweepTable t;
  const auto info = store.findSweep(sweep);
  if (!info) throw InputError(store.path().string(), "sweep " + std::to_string(sweep) + ": no such sweep");
  t.sweep = *info;
  t.rows.resize(static_cast<std::size_t>(std::max<std::int64_t>(0, info->points)));
  for (std::size_t i = 0; i < t.rows.size(); ++i) t.rows[i].point = static_cast<std::int64_t>(i);
  try {
    const SweepSpec spec = parseSweepSpec(info->spec, "sweep " + std::to_string(sweep) + " spec", kinds);
    t.axes = spec.axes;
    for (std::size_t i = 0; i < t.rows.size() && i < spec.points.size(); ++i) t.rows[i].values = spec.points[i].values;
  } catch (const InputError& e) {
    // Still show what was recorded: the fields from the spec's keys, the
    // values from each point's recipe.
    t.note = e.what();
    t.axes = axesOfSpec(info->spec);
  }

  std::vector<RunInfo> chosen(t.rows.size());
  for (RunInfo& run : store.sweepRuns(sweep)) {
    if (run.sweepPoint < 0 || run.sweepPoint >= static_cast<std::int64_t>(t.rows.size())) continue;
    const auto k = static_cast<std::size_t>(run.sweepPoint);
    ++t.rows[k].runsRecorded;
    if (chosen[k].id == 0 || better(run, chosen[k])) chosen[k] = std::move(run);
  }
  std::vector<std::string> metricNames;
  for (std::size_t k = 0; k < t.rows.size(); ++k) {
    SweepRow& row = t.rows[k];
    if (chosen[k].id == 0) continue;
    row.run = chosen[k].id;
    row.status = runStatusName(chosen[k].status);
    if (row.values.empty())
      for (const std::string& field : t.axes) row.values[field] = fieldValue(chosen[k].recipe, field);
    for (const auto& [name, value] : store.finalMetrics(row.run)) {
      row.metrics[name] = value;
      metricNames.push_back(name);
    }
  }
  std::sort(metricNames.begin(), metricNames.end());
  metricNames.erase(std::unique(metricNames.begin(), metricNames.end()), metricNames.end());
  t.metrics = std::move(metricNames);
  return t;
}

SweepPlot sweepPlot(const SweepTable& table, const std::string& metric, const std::string& xField,
                    const std::string& groupField) {
  requireAxis(table, xField, "x");
  if (!groupField.empty()) requireAxis(table, groupField, "group");
  if (std::find(table.metrics.begin(), table.metrics.end(), metric) == table.metrics.end())
    throw InputError("sweep " + std::to_string(table.sweep.id), "metric '" + metric + "': no point recorded it");
  SweepPlot plot;
  plot.metric = metric, plot.xField = xField, plot.groupField = groupField;
  plot.xNumeric = numericField(table, xField);

  // group → x → the values there.
  std::vector<std::string> groups;
  std::vector<std::map<double, std::vector<double>>> samples;
  for (const SweepRow& row : table.rows) {
    double value = 0;
    if (!counts(row, metric, value) || !row.values.contains(xField)) continue;
    const json& xv = row.values[xField];
    double x = 0;
    if (plot.xNumeric)
      numericValue(xv, x);
    else
      x = static_cast<double>(categoryOf(plot.xCategories, valueLabel(xv)));
    const std::string group =
        groupField.empty() || !row.values.contains(groupField) ? "" : valueLabel(row.values[groupField]);
    const std::size_t g = categoryOf(groups, group);
    if (samples.size() < groups.size()) samples.resize(groups.size());
    samples[g][x].push_back(value);
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    SweepCurve curve;
    curve.group = groups[g];
    for (const auto& [x, values] : samples[g]) {
      SweepPlotPoint p;
      p.x = x;
      p.n = static_cast<int>(values.size());
      double sum = 0;
      for (double v : values) sum += v;
      p.mean = sum / p.n;
      double squares = 0;  // two passes: no cancellation for large means
      for (double v : values) squares += (v - p.mean) * (v - p.mean);
      p.std = p.n > 1 ? std::sqrt(squares / (p.n - 1)) : 0.0;
      curve.points.push_back(std::move(p));
    }
    plot.curves.push_back(std::move(curve));
  }
  return plot;
}

ParallelCoordinates parallelCoordinates(const SweepTable& table, const std::string& metric) {
  ParallelCoordinates pc;
  std::vector<const SweepRow*> rows;
  for (const SweepRow& row : table.rows) {
    double value = 0;
    if (!counts(row, metric, value)) continue;
    rows.push_back(&row);
    pc.metric.push_back(value);
    pc.points.push_back(row.point);
  }
  pc.lines.assign(rows.size(), {});
  const auto scaleNumeric = [&](ParallelAxis& axis, const std::vector<double>& values) {
    axis.min = std::numeric_limits<double>::infinity(), axis.max = -axis.min;
    for (double v : values) axis.min = std::min(axis.min, v), axis.max = std::max(axis.max, v);
    for (std::size_t i = 0; i < values.size(); ++i)
      pc.lines[i].push_back(axis.max > axis.min ? (values[i] - axis.min) / (axis.max - axis.min) : 0.5);
  };
  for (const std::string& field : table.axes) {
    ParallelAxis axis;
    axis.name = field;
    std::vector<double> numbers;
    bool numeric = true;
    for (const SweepRow* row : rows) {
      double v = 0;
      const json value = row->values.contains(field) ? row->values[field] : json();
      numeric = numeric && numericValue(value, v) && std::isfinite(v);
      numbers.push_back(v);
    }
    if (numeric && !rows.empty()) {
      scaleNumeric(axis, numbers);
    } else {
      std::vector<std::size_t> index;
      for (const SweepRow* row : rows)
        index.push_back(categoryOf(axis.labels, valueLabel(row->values.contains(field) ? row->values[field] : json())));
      for (std::size_t i = 0; i < rows.size(); ++i)
        pc.lines[i].push_back(axis.labels.size() > 1 ? static_cast<double>(index[i]) / (axis.labels.size() - 1) : 0.5);
    }
    pc.axes.push_back(std::move(axis));
  }
  ParallelAxis axis;
  axis.name = metric;
  if (!rows.empty()) scaleNumeric(axis, pc.metric);
  pc.axes.push_back(std::move(axis));
  return pc;
}

}  // namespace loupe
