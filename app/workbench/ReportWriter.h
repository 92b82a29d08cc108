// Reports that go straight into a lab notebook or a paper's supplement: for
// each run its title, recipe parameters, device, a metrics table and every
// figure its panel makes; with several runs, a comparison table of final
// metrics. HTML is self-contained (figures embedded as PNG data URIs); PDF is
// the same document printed through Qt.
//
// Threading: GUI thread only (figures are rendered from live widgets).
#pragma once

#include <QString>
#include <cstdint>
#include <functional>
#include <vector>

#include "experiments/Store.h"
#include "panels/Panel.h"

namespace loupe {

struct ReportSection {
  RunInfo run;
  std::vector<std::pair<QString, QImage>> figures;  // title, image
};

// Builds the section for a run by opening it in `panel` and rendering its figures.
ReportSection collectSection(Store& store, std::int64_t run, Panel& panel);

// Shared by the HTML reports: text escaped for HTML, a number as reports
// print it (6 significant digits, "nan"), an image as a PNG data URI.
QString htmlEscaped(const std::string& s);
QString reportNumber(double v);
QString pngDataUri(const QImage& image);

// Writes HTML or PDF by the extension of `path`; throws std::runtime_error naming the file.
void writeReport(Store& store, const std::vector<ReportSection>& sections, const QString& path);

}  // namespace loupe
