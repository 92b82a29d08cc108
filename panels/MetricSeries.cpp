#include "panels/MetricSeries.h"

#include <QLabel>
#include <algorithm>

namespace loupe {

SeriesMap loadMetricSeries(Store& store, std::int64_t run, const std::vector<std::string>& names) {
  SeriesMap out;
  for (const auto& name : names.empty() ? store.metricNames(run) : names) {
    const auto points = store.metricSeries(run, name);
    if (points.empty()) continue;
    auto& series = out[QString::fromStdString(name)];
    for (const auto& p : points) series.emplace_back(static_cast<double>(p.step), p.value);
  }
  return out;
}

SeriesMap pairSeries(SeriesMap a, SeriesMap b) {
  SeriesMap both;
  for (auto& [name, points] : a) both["A " + name] = std::move(points);
  for (auto& [name, points] : b) both["B " + name] = std::move(points);
  return both;
}

void appendRecordMetrics(SeriesMap& series, const StepRecord& record, const std::vector<std::string>& names) {
  for (const auto& [name, value] : record.metrics) {
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
    series[QString::fromStdString(name)].emplace_back(static_cast<double>(record.step), value);
  }
}

QString runHeader(const RunInfo& run) {
  return QString("<b>run %1</b> · “%2” · %3 · %4 steps")
      .arg(run.id)
      .arg(QString::fromStdString(run.name).toHtmlEscaped())
      .arg(QString::fromStdString(run.kind))
      .arg(run.stepCount);
}

void markLiveEnded(QLabel* header, RunStatus status) {
  header->setText(header->text().replace("<i>live</i>", QString("<i>%1</i>").arg(runStatusName(status))));
}

}  // namespace loupe
