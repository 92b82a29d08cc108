#include "app/workbench/SweepReport.h"

#include "app/workbench/ReportWriter.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <cmath>
#include <map>
#include <stdexcept>

namespace loupe {

namespace {

QString esc(const std::string& s) {
  return htmlEscaped(s);
}
QString num(double v) {
  return reportNumber(v);
}

// The field as the spec names it, ready to show.
QString axisLabel(const std::string& field) {
  return esc(loupe::fieldLabel(field));
}

}  // namespace

void writeSweepReport(const SweepTable& table, const std::vector<std::pair<QString, QImage>>& figures,
                      const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != "html" && suffix != "htm")
    throw std::runtime_error((path + ": a sweep report is HTML (use .html)").toStdString());
  const SweepInfo& s = table.sweep;
  std::map<std::string, int> byStatus;
  for (const SweepRow& row : table.rows) ++byStatus[row.status];
  QString html =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Loupe sweep " + esc(s.name) +
      "</title><style>"
      "body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}"
      "table{border-collapse:collapse;margin:0.5em 0;font-size:13px}td,th{border:1px solid #bbb;padding:3px 7px;"
      "text-align:right}th{background:#eee}td.l,th.l{text-align:left}img{max-width:100%;border:1px solid #ddd}"
      ".missing{color:#999}.bad{color:#c22}.scroll{overflow-x:auto}pre{background:#f6f6f6;padding:8px;"
      "overflow-x:auto}</style></head><body>";
  html += "<h1>Sweep #" + QString::number(s.id) + ": " + esc(s.name) + "</h1>";
  html += "<p>Generated " + QDateTime::currentDateTime().toString(Qt::ISODate) + ".</p><table>";
  const auto row = [&](const QString& k, const QString& v) {
    html += "<tr><th class=l>" + k + "</th><td class=l>" + v + "</td></tr>";
  };
  row("sweep id (global)", esc(s.uuid));
  row("points", QString::number(s.points));
  QString statuses;
  for (const auto& [status, count] : byStatus)
    statuses += (statuses.isEmpty() ? "" : ", ") + QString::number(count) + " " + esc(status);
  row("status", statuses);
  row("backend", esc(s.backend) + (s.jobId.empty() ? "" : " (job " + esc(s.jobId) + ")"));
  row("created", QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(s.createdAt * 1000)).toString(Qt::ISODate));
  row("folder", s.directory.empty() ? QString("none: the points were recorded straight into the database")
                                    : "<code>" + esc(s.directory) + "</code>");
  QString axes;
  for (const std::string& a : table.axes) axes += (axes.isEmpty() ? "" : ", ") + axisLabel(a);
  row("swept", axes);
  html += "</table>";
  if (!table.note.empty()) html += "<p class=bad>" + esc(table.note) + "</p>";

  html += "<h2>Figures</h2>";
  for (const auto& [title, image] : figures)
    html += "<p><b>" + title.toHtmlEscaped() + "</b><br><img alt=\"" + title.toHtmlEscaped() + "\" src=\"" +
            pngDataUri(image) + "\"></p>";

  html += "<h2>Points</h2><p>Each metric's final value (its last recorded step) in the point's run.</p>";
  html += "<div class=scroll><table><tr><th>point</th><th class=l>status</th><th>run</th>";
  for (const std::string& a : table.axes) html += "<th class=l>" + axisLabel(a) + "</th>";
  for (const std::string& m : table.metrics) html += "<th>" + esc(m) + "</th>";
  html += "</tr>";
  for (const SweepRow& r : table.rows) {
    const QString cls = r.status == "missing" ? " class=missing" : r.status != "finished" ? " class=bad" : "";
    html += "<tr" + cls + "><td>" + QString::number(r.point) + "</td><td class=l>" + esc(r.status) + "</td><td>" +
            (r.run ? QString::number(r.run) : QString("–")) + "</td>";
    for (const std::string& a : table.axes)
      html += "<td class=l>" + (r.values.contains(a) ? esc(valueLabel(r.values[a])) : QString()) + "</td>";
    for (const std::string& m : table.metrics) {
      const auto it = r.metrics.find(m);
      html += "<td>" + (it == r.metrics.end() ? QString("–") : num(it->second)) + "</td>";
    }
    html += "</tr>";
  }
  html += "</table></div><h2>Spec</h2><pre>" + esc(s.spec.dump(2)) + "</pre></body></html>";

  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
    throw std::runtime_error((path + ": cannot write: " + file.errorString()).toStdString());
  if (file.write(html.toUtf8()) < 0)
    throw std::runtime_error((path + ": cannot write: " + file.errorString()).toStdString());
}

}  // namespace loupe
