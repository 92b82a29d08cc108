#include "app/workbench/ReportWriter.h"

#include <QApplication>
#include <QBuffer>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QPageSize>
#include <QPdfWriter>
#include <QTextDocument>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "viewers/FigureExport.h"

namespace loupe {

QString htmlEscaped(const std::string& s) {
  return QString::fromStdString(s).toHtmlEscaped();
}

QString reportNumber(double v) {
  return std::isnan(v) ? "nan" : QString::number(v, 'g', 6);
}

QString pngDataUri(const QImage& image) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, "PNG");
  return "data:image/png;base64," + QString::fromLatin1(bytes.toBase64());
}

namespace {

QString esc(const std::string& s) {
  return htmlEscaped(s);
}
QString num(double v) {
  return reportNumber(v);
}

struct MetricRow {
  QString name;
  std::size_t count;
  double first, last, min, max;
};

std::vector<MetricRow> metricRows(Store& store, std::int64_t run) {
  std::vector<MetricRow> rows;
  for (const auto& name : store.metricNames(run)) {
    const auto series = store.metricSeries(run, name);
    MetricRow r{QString::fromStdString(name), series.size(), series.front().value,
                series.back().value,          INFINITY,      -INFINITY};
    for (const auto& p : series) {
      if (std::isnan(p.value)) continue;
      r.min = std::min(r.min, p.value);
      r.max = std::max(r.max, p.value);
    }
    if (r.min > r.max) r.min = r.max = NAN;
    rows.push_back(r);
  }
  return rows;
}

// `images` true: figures as data URIs (HTML); false: as QTextDocument resources (PDF).
QString buildHtml(Store& store, const std::vector<ReportSection>& sections, bool dataUris, QTextDocument* doc) {
  QString html;
  html +=
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Loupe report</title><style>"
      "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
      "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
      "th{background:#eee}td.l,th.l{text-align:left}img{max-width:100%;border:1px solid #ddd}"
      "</style></head><body>";
  html += "<h1>Loupe report</h1><p>Generated " + QDateTime::currentDateTime().toString(Qt::ISODate) + " from <code>" +
          esc(store.path().string()) + "</code></p>";
  if (sections.size() > 1) {
    html += "<h2>Comparison</h2><table><tr><th class=l>metric (last value)</th>";
    for (const auto& s : sections) html += QString("<th>run %1<br>%2</th>").arg(s.run.id).arg(esc(s.run.name));
    html += "</tr>";
    std::vector<QString> names;
    for (const auto& s : sections)
      for (const auto& n : store.metricNames(s.run.id))
        if (std::find(names.begin(), names.end(), QString::fromStdString(n)) == names.end())
          names.push_back(QString::fromStdString(n));
    for (const auto& name : names) {
      html += "<tr><td class=l>" + name.toHtmlEscaped() + "</td>";
      for (const auto& s : sections) {
        const auto series = store.metricSeries(s.run.id, name.toStdString());
        html += "<td>" + (series.empty() ? QString("–") : num(series.back().value)) + "</td>";
      }
      html += "</tr>";
    }
    html += "</table>";
  }
  if (sections.empty()) {
    html +=
        "<p>This database has no runs yet. Run a recipe (<code>loupe run RECIPE.json</code>, or File → Run recipe… "
        "in the workbench) and report again.</p>";
  }
  int figureCounter = 0;
  for (const auto& s : sections) {
    const RunInfo& r = s.run;
    html += QString("<h2>Run %1: %2</h2>").arg(r.id).arg(esc(r.name));
    html += "<table>";
    auto row = [&](const QString& k, const QString& v) {
      html += "<tr><th class=l>" + k + "</th><td class=l>" + v + "</td></tr>";
    };
    row("kind", esc(r.kind) + " v" + esc(r.engineVersion));
    row("status", QString(runStatusName(r.status)) + (r.error.empty() ? "" : ": " + esc(r.error)));
    row("device", esc(r.device));
    row("seed", QString::number(r.seed));
    row("steps", QString::number(r.stepCount));
    row("started", QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(r.startedAt * 1000)).toString(Qt::ISODate));
    row("duration", r.endedAt > 0 && r.startedAt > 0 ? QString("%1 s").arg(r.endedAt - r.startedAt, 0, 'f', 3) : "–");
    html += "</table><h3>Recipe parameters</h3><table><tr><th class=l>parameter</th><th class=l>value</th></tr>";
    if (r.recipe.contains("params")) {
      for (const auto& [k, v] : r.recipe["params"].items()) {
        html += "<tr><td class=l>" + esc(k) + "</td><td class=l>" + esc(v.dump()) + "</td></tr>";
      }
    }
    html +=
        "</table><h3>Metrics</h3><table><tr><th class=l>metric</th><th>count</th><th>first</th><th>last</th>"
        "<th>min</th><th>max</th></tr>";
    for (const auto& m : metricRows(store, r.id)) {
      html += QString("<tr><td class=l>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</td><td>%6</td></tr>")
                  .arg(m.name.toHtmlEscaped())
                  .arg(m.count)
                  .arg(num(m.first), num(m.last), num(m.min), num(m.max));
    }
    html += "</table><h3>Figures</h3>";
    for (const auto& [title, image] : s.figures) {
      QString src;
      if (dataUris) {
        src = pngDataUri(image);
      } else {
        src = QString("figure%1.png").arg(figureCounter++);
        doc->addResource(QTextDocument::ImageResource, QUrl(src), image.scaledToWidth(std::min(image.width(), 900)));
      }
      html += "<p><b>" + title.toHtmlEscaped() + "</b><br><img src=\"" + src + "\"></p>";
    }
  }
  html += "</body></html>";
  return html;
}

}  // namespace

ReportSection collectSection(Store& store, std::int64_t run, Panel& panel) {
  ReportSection section{store.getRun(run), {}};
  panel.openRun(store, run);
  // Show the last step: a report describes where the run ended.
  const auto steps = store.stepNumbers(run);
  if (!steps.empty()) panel.showPosition(static_cast<int>(steps.size()) - 1);
  QApplication::processEvents();
  for (const auto& figure : panel.figures()) section.figures.emplace_back(figure.title, renderFigure(figure.view));
  return section;
}

void writeReport(Store& store, const std::vector<ReportSection>& sections, const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  auto fail = [&](const QString& problem) { throw std::runtime_error((path + ": " + problem).toStdString()); };
  if (suffix == "html" || suffix == "htm") {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) fail("cannot write: " + file.errorString());
    file.write(buildHtml(store, sections, true, nullptr).toUtf8());
    return;
  }
  if (suffix == "pdf") {
    QTextDocument doc;
    doc.setHtml(buildHtml(store, sections, false, &doc));
    QPdfWriter pdf(path);
    pdf.setPageSize(QPageSize(QPageSize::A4));
    pdf.setTitle("Loupe report");
    pdf.setCreator("Loupe");
    doc.print(&pdf);
    if (!QFileInfo(path).exists() || QFileInfo(path).size() == 0) fail("cannot write PDF");
    return;
  }
  fail("unknown report format \"" + suffix + "\" (use .html or .pdf)");
}

}  // namespace loupe
