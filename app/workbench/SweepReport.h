// The sweep report: one self-contained HTML file (figures as PNG data URIs)
// with the sweep's spec, its points (swept values, status, run, final
// metrics) and the panel's plot and parallel coordinates — what goes into a
// lab notebook or a paper's supplement next to the run reports.
//
// Threading: GUI thread only (figures are rendered from live widgets).
#pragma once

#include <QImage>
#include <QString>
#include <utility>
#include <vector>

#include "experiments/SweepTable.h"

namespace loupe {

// Writes HTML (.html/.htm); throws std::runtime_error naming the file.
void writeSweepReport(const SweepTable& table, const std::vector<std::pair<QString, QImage>>& figures,
                      const QString& path);

}  // namespace loupe
