#include "app/workbench/MainWindow.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <filesystem>

#include "app/workbench/ExperimentBrowser.h"
#include "app/workbench/ReportWriter.h"
#include "app/workbench/RunController.h"
#include "app/workbench/SweepLauncher.h"
#include "app/workbench/SweepReport.h"
#include "engines/core/Device.h"
#include "engines/core/Error.h"
#include "experiments/StoreMerge.h"
#include "experiments/SweepDirectory.h"
#include "experiments/SweepSpec.h"
#include "panels/sweep/SweepPanel.h"
#include "viewers/FigureExport.h"
#include "viewers/GlProbe.h"
#include "viewers/ParallelCoordinatesView.h"

namespace loupe {

MainWindow::MainWindow(const KindRegistry& kinds, const PanelRegistry& panels, QWidget* parent)
    : QMainWindow(parent),
      m_kinds(kinds),
      m_panels(panels),
      m_controller(new RunController(this)),
      m_sweeps(new SweepLauncher(this)),
      m_sweepTimer(new QTimer(this)) {
  setWindowTitle("Loupe");
  setObjectName("LoupeMainWindow");
  setDockNestingEnabled(true);
  resize(1500, 920);

  m_browser = new ExperimentBrowser(this);
  m_browserDock = new QDockWidget("Experiments", this);
  m_browserDock->setObjectName("experimentsDock");
  m_browserDock->setWidget(m_browser);
  addDockWidget(Qt::LeftDockWidgetArea, m_browserDock);

  m_log = new QPlainTextEdit(this);
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(5000);
  m_logDock = new QDockWidget("Log", this);
  m_logDock->setObjectName("logDock");
  m_logDock->setWidget(m_log);
  addDockWidget(Qt::LeftDockWidgetArea, m_logDock);
  splitDockWidget(m_browserDock, m_logDock, Qt::Vertical);  // the panels keep the full height

  // One dock per panel, tabbed together in the centre.
  QDockWidget* first = nullptr;
  for (const auto& entry : m_panels.entries()) {
    Panel* panel = entry.create(this);
    auto* dock = new QDockWidget(entry.title, this);
    dock->setObjectName("panel-" + entry.topic);
    dock->setWidget(panel);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    if (first)
      tabifyDockWidget(first, dock);
    else
      first = dock;
    m_panelDocks[entry.topic] = {dock, panel};
    connect(panel, &Panel::runRequested, this, [this](const QString& json) { startRecipeText(json); });
    if (!m_activePanel) m_activePanel = panel;
  }
  // Sweeps: a tab beside the topic panels.
  m_sweepPanel = new SweepPanel(m_kinds, this);
  m_sweepDock = new QDockWidget("Sweeps", this);
  m_sweepDock->setObjectName("sweepsDock");
  m_sweepDock->setWidget(m_sweepPanel);
  addDockWidget(Qt::RightDockWidgetArea, m_sweepDock);
  if (first) tabifyDockWidget(first, m_sweepDock);
  if (first) first->raise();
  setCentralWidget(nullptr);

  buildMenus();
  buildStatusBar();
  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());
  m_savedState = settings.value("window/state").toByteArray();

  connect(m_browser, &ExperimentBrowser::openRequested, this, [this](std::int64_t run) { openRun(run); });
  connect(m_browser, &ExperimentBrowser::compareRequested, this,
          [this](std::int64_t a, std::int64_t b) { compareRuns(a, b); });
  connect(m_browser, &ExperimentBrowser::deleteRequested, this,
          [this](std::vector<std::int64_t> runs) { deleteRuns(runs, true); });

  connect(m_browser, &ExperimentBrowser::sweepRequested, this, [this](std::int64_t run) { askSweepParameter(run); });
  connect(m_sweepPanel, &SweepPanel::openRunRequested, this, [this](std::int64_t run) { openRun(run); });
  connect(m_sweepPanel, &SweepPanel::mergeRequested, this, [this](std::int64_t sweep) { mergeSweep(sweep); });
  connect(m_sweepPanel, &SweepPanel::reportRequested, this, [this](std::int64_t sweep) {
    const QString path =
        QFileDialog::getSaveFileName(this, "Sweep report", QString("sweep-%1.html").arg(sweep), "HTML (*.html)");
    if (!path.isEmpty()) exportSweepReport(sweep, path);
  });
  connect(m_sweeps, &SweepLauncher::started, this, [this](std::int64_t sweep) {
    log(QString("sweep %1 started").arg(sweep));
    m_sweepPanel->refresh(sweep);
    m_sweepDock->show();
    m_sweepDock->raise();
  });
  connect(m_sweeps, &SweepLauncher::message, this, [this](const QString& line) { log("  sweep: " + line); });
  connect(m_sweeps, &SweepLauncher::finished, this, [this](std::int64_t sweep, int exitCode) {
    m_sweepTimer->stop();
    m_progress->hide();
    m_stop->hide();
    log(QString("sweep %1 ended (exit code %2)").arg(sweep).arg(exitCode));
    refreshBrowser();
    m_sweepPanel->refresh(sweep);
  });
  // While a sweep runs: points finished so far in the status bar.
  m_sweepTimer->setInterval(1000);
  connect(m_sweepTimer, &QTimer::timeout, this, [this] {
    if (!m_store || !m_sweeps->sweep()) return;
    try {
      const auto info = m_store->findSweep(m_sweeps->sweep());
      if (!info || info->points <= 0) return;
      std::int64_t ended = 0;
      for (const RunInfo& r : m_store->sweepRuns(info->id))
        ended += r.status != RunStatus::Created && r.status != RunStatus::Running;
      m_progress->setValue(static_cast<int>(1000 * std::min<std::int64_t>(ended, info->points) / info->points));
      m_progress->setFormat(QString("sweep %1: %2 of %3 points").arg(info->id).arg(ended).arg(info->points));
    } catch (const std::exception&) {
      // The child is writing; read again next tick.
    }
  });

  connect(m_controller, &RunController::started, this, [this](const RunInfo& run) {
    Panel* panel = panelForKind(QString::fromStdString(run.kind));
    panel->liveStarted(run);
    m_livePanel = panel;
    m_liveRun = run.id;
    m_progress->setValue(0);
    m_progress->show();
    m_stop->show();
    log(QString("run %1 (%2) started").arg(run.id).arg(QString::fromStdString(run.kind)));
    refreshBrowser();
  });
  connect(m_controller, &RunController::recordArrived, this, [this](const StepRecord& record) {
    if (Panel* panel = livePanel()) panel->liveRecord(record);
  });
  connect(m_controller, &RunController::progressChanged, this, [this](double fraction, const QString& message) {
    m_progress->setValue(static_cast<int>(fraction * 1000));
    m_progress->setFormat(QString("%p% ") + message);
  });
  connect(m_controller, &RunController::childOutput, this,
          [this](const QString& line) { log("  engine process: " + line); });
  connect(m_controller, &RunController::finished, this,
          [this](std::int64_t run, RunStatus status, const QString& error) {
            if (run == 0) {
              m_progress->hide();
              m_stop->hide();
              return fail("Starting the run", error);
            }
            Panel* panel = livePanel();
            m_livePanel = nullptr;
            if (panel) panel->liveEnded(status);
            // The live view keeps at most a few records in flight and drops
            // the rest, so the last one shown may not be the last recorded:
            // switch the panel to the stored run, at its last step.
            if (panel && m_store && panel->currentRun() == run) {
              try {
                const RunInfo info = m_store->getRun(run);
                if (info.stepCount > 0) {
                  panel->openRun(*m_store, run);
                  panel->showPosition(static_cast<int>(info.stepCount) - 1);
                }
              } catch (const std::exception& e) {
                log(QString("run %1: could not reopen it from the database: %2").arg(run).arg(e.what()));
              }
            }
            m_progress->hide();
            m_stop->hide();
            log(QString("run %1 %2%3").arg(run).arg(runStatusName(status)).arg(error.isEmpty() ? "" : ": " + error));
            refreshBrowser();
          });
  log("OpenGL: " + probeOpenGl().description);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("&New database…", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "New database", {}, "Loupe database (*.sqlite)");
    if (!path.isEmpty()) openDatabase(path);
  });
  file->addAction("&Open database…", QKeySequence::Open, this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, "Open database", {}, "Loupe database (*.sqlite);;All files (*)");
    if (!path.isEmpty()) openDatabase(path);
  });
  file->addAction("&Run recipe…", QKeySequence("Ctrl+R"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Run recipe", {}, "Recipe (*.json)");
    if (!path.isEmpty()) startRecipeFile(path);
  });
  file->addSeparator();
  file->addAction("Run &sweep spec…", this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Run sweep spec", QString(), "Sweep spec (*.json)");
    if (!path.isEmpty()) startSweepFile(path);
  });
  file->addAction("Export &figure…", QKeySequence("Ctrl+E"), this, [this] {
    if (!m_activePanel) return;
    QStringList names;
    for (const auto& f : m_activePanel->figures()) names << f.name;
    bool ok = false;
    const QString name = QInputDialog::getItem(this, "Export figure", "Figure", names, 0, false, &ok);
    if (!ok) return;
    const QString path = QFileDialog::getSaveFileName(this, "Export figure", name + ".png",
                                                      "PNG image (*.png);;SVG (*.svg);;PDF (*.pdf)");
    if (!path.isEmpty()) exportFigure(name, path);
  });
  file->addAction("Export &report…", this, [this] {
    auto runs = m_browser->selectedRuns();
    if (runs.empty() && m_activePanel && m_activePanel->currentRun()) runs.push_back(m_activePanel->currentRun());
    if (runs.empty()) return fail("Export report", "select one or more runs in the experiment browser first");
    const QString path =
        QFileDialog::getSaveFileName(this, "Export report", "report.html", "HTML (*.html);;PDF (*.pdf)");
    if (!path.isEmpty()) exportReport(runs, path);
  });
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  QMenu* view = menuBar()->addMenu("&View");
  for (auto& [topic, entry] : m_panelDocks) view->addAction(entry.first->toggleViewAction());
  view->addAction(m_sweepDock->toggleViewAction());
  view->addAction(m_browserDock->toggleViewAction());
  view->addAction(m_logDock->toggleViewAction());
  view->addSeparator();
  view->addAction("&Reset layout", this, &MainWindow::resetLayout);

  QMenu* help = menuBar()->addMenu("&Help");
  help->addAction("&About Loupe", this, &MainWindow::showAbout);
}

void MainWindow::buildStatusBar() {
  const auto& devices = deviceReport();
  m_deviceLabel =
      new QLabel(devices.cudaDevices.empty() ? "device: CPU (" + QString::fromStdString(devices.noCudaReason) + ")"
                                             : "device: " + QString::fromStdString(devices.cudaDevices.front().name),
                 this);
  m_dbLabel = new QLabel("no database", this);
  m_dbLabel->setObjectName("databaseLabel");
  m_progress = new QProgressBar(this);
  m_progress->setRange(0, 1000);
  m_progress->setMaximumWidth(260);
  m_progress->hide();
  m_stop = new QPushButton("Stop", this);
  m_stop->setToolTip("Cancel the running job (its steps so far are kept)");
  m_stop->hide();
  connect(m_stop, &QPushButton::clicked, this, [this] {
    if (m_controller->busy()) stopRun();
    if (m_sweeps->busy()) stopSweep();
  });
  statusBar()->addWidget(m_dbLabel, 1);
  statusBar()->addPermanentWidget(m_progress);
  statusBar()->addPermanentWidget(m_stop);
  statusBar()->addPermanentWidget(m_deviceLabel);
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  if (!m_defaultState.isEmpty()) return;
  // Dock sizes only take once the window is laid out: the panels get two
  // thirds of the width, the log a strip under the browser.
  resizeDocks({m_browserDock}, {width() / 3}, Qt::Horizontal);
  resizeDocks({m_browserDock, m_logDock}, {height() * 2 / 3, height() / 3}, Qt::Vertical);
  m_defaultState = saveState();
  if (!m_savedState.isEmpty()) restoreState(m_savedState);
}

void MainWindow::resetLayout() {
  restoreState(m_defaultState);
  for (auto& [topic, entry] : m_panelDocks) entry.first->show();
  m_sweepDock->show();
  m_browserDock->show();
  m_logDock->show();
}

void MainWindow::showAbout() {
  const auto& devices = deviceReport();
  QString cuda = devices.cudaDevices.empty() ? "none: " + QString::fromStdString(devices.noCudaReason)
                                             : QString::fromStdString(devices.cudaDevices.front().name);
  QMessageBox::about(this, "About Loupe",
                     QString("<h3>Loupe %1</h3><p>A research workbench for efficient perception and deep learning.</p>"
                             "<table><tr><td>Qt</td><td>%2</td></tr><tr><td>VTK</td><td>%3</td></tr>"
                             "<tr><td>OpenCV</td><td>%4</td></tr><tr><td>SQLite</td><td>%5</td></tr>"
                             "<tr><td>OpenGL</td><td>%6</td></tr><tr><td>CUDA device</td><td>%7</td></tr></table>")
                         .arg(LOUPE_VERSION, qVersion(), LOUPE_VTK_VERSION, LOUPE_OPENCV_VERSION,
                              sqliteLibraryVersion(), probeOpenGl().description.toHtmlEscaped(), cuda.toHtmlEscaped()));
}

void MainWindow::log(const QString& message) {
  m_log->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss  ") + message);
}

QString MainWindow::logText() const {
  return m_log->toPlainText();
}

void MainWindow::fail(const QString& what, const QString& why) {
  log(what + " failed: " + why);
  if (!m_quiet) QMessageBox::warning(this, what, why);
}

void MainWindow::refreshBrowser() {
  if (!m_store) return;
  try {
    m_browser->refresh(*m_store);
  } catch (const std::exception& e) {
    fail("Reading the database", e.what());
  }
}

bool MainWindow::openDatabase(const QString& path) {
  try {
    auto store = std::make_unique<Store>(path.toStdString());
    m_store = std::move(store);
  } catch (const std::exception& e) {
    fail("Opening the database", e.what());
    return false;
  }
  m_dbLabel->setText("database: " + path);
  m_sweepPanel->setStore(m_store.get());
  if (!m_quiet) QSettings().setValue("database/last", path);  // reports and tests leave the user's settings alone
  refreshBrowser();
  log("opened " + path);
  return true;
}

Panel* MainWindow::livePanel() const {
  return m_livePanel && m_livePanel->currentRun() == m_liveRun ? m_livePanel : nullptr;
}

Panel* MainWindow::panelForKind(const QString& kind) {
  const PanelEntry& entry = m_panels.forKind(kind);
  auto& [dock, panel] = m_panelDocks.at(entry.topic);
  dock->show();
  dock->raise();
  m_activePanel = panel;
  return panel;
}

bool MainWindow::openRun(std::int64_t run) {
  if (!m_store) return false;
  try {
    const RunInfo info = m_store->getRun(run);
    panelForKind(QString::fromStdString(info.kind))->openRun(*m_store, run);
    log(QString("replaying run %1 (%2, %3 steps)").arg(run).arg(QString::fromStdString(info.kind)).arg(info.stepCount));
    return true;
  } catch (const std::exception& e) {
    fail("Opening run " + QString::number(run), e.what());
    return false;
  }
}

bool MainWindow::compareRuns(std::int64_t runA, std::int64_t runB) {
  if (!m_store) return false;
  try {
    const RunInfo a = m_store->getRun(runA), b = m_store->getRun(runB);
    if (a.kind != b.kind) {
      fail("Compare", QString("runs %1 and %2 are of different kinds (%3, %4)")
                          .arg(runA)
                          .arg(runB)
                          .arg(QString::fromStdString(a.kind), QString::fromStdString(b.kind)));
      return false;
    }
    panelForKind(QString::fromStdString(a.kind))->compareRuns(*m_store, runA, runB);
    log(QString("comparing runs %1 and %2").arg(runA).arg(runB));
    return true;
  } catch (const std::exception& e) {
    fail("Compare", e.what());
    return false;
  }
}

bool MainWindow::deleteRuns(const std::vector<std::int64_t>& runs, bool askFirst) {
  if (!m_store || runs.empty()) return false;
  if (askFirst) {
    QStringList ids;
    for (auto id : runs) ids << QString::number(id);
    const auto answer = QMessageBox::question(
        this, "Delete runs",
        QString("Delete run(s) %1 and everything they recorded? This cannot be undone.").arg(ids.join(", ")),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes) return false;
  }
  bool ok = true;
  for (auto id : runs) {
    try {
      m_store->removeRun(id);
      log(QString("deleted run %1").arg(id));
    } catch (const std::exception& e) {
      fail("Deleting run " + QString::number(id), e.what());
      ok = false;
    }
  }
  refreshBrowser();
  return ok;
}

bool MainWindow::startRecipeFile(const QString& path) {
  if (!m_store) return false;
  try {
    const Recipe recipe = loadRecipeFile(path.toStdString(), m_kinds);
    m_controller->start(*m_kinds.find(recipe.kind), recipe, m_store->path());
    return true;
  } catch (const std::exception& e) {
    fail("Running " + path, e.what());
    return false;
  }
}

bool MainWindow::startRecipeText(const QString& json, const QString& where) {
  if (!m_store) return false;
  try {
    const Recipe recipe = parseRecipeText(json.toStdString(), where.toStdString(), m_kinds);
    m_controller->start(*m_kinds.find(recipe.kind), recipe, m_store->path());
    return true;
  } catch (const std::exception& e) {
    fail("Running " + where, e.what());
    return false;
  }
}

void MainWindow::stopRun() {
  m_controller->stop();
  log("stop requested");
}

bool MainWindow::exportFigure(const QString& figureName, const QString& path) {
  if (!m_activePanel) return false;
  for (const auto& figure : m_activePanel->figures()) {
    if (figure.name != figureName) continue;
    try {
      loupe::exportFigure(figure.view, path);
      log("exported " + figureName + " to " + path);
      return true;
    } catch (const std::exception& e) {
      fail("Export figure", e.what());
      return false;
    }
  }
  fail("Export figure", "the current panel has no figure named \"" + figureName + "\"");
  return false;
}

bool MainWindow::exportReport(const std::vector<std::int64_t>& runs, const QString& path) {
  if (!m_store) return false;
  try {
    std::vector<ReportSection> sections;
    for (auto id : runs) {
      const RunInfo info = m_store->getRun(id);
      sections.push_back(collectSection(*m_store, id, *panelForKind(QString::fromStdString(info.kind))));
    }
    writeReport(*m_store, sections, path);
    log("report written to " + path);
    return true;
  } catch (const std::exception& e) {
    fail("Export report", e.what());
    return false;
  }
}

bool MainWindow::startSweepText(const QString& specJson, const QString& where) {
  if (!m_store) return false;
  try {
    // Refused here, at once and by field, rather than in the child.
    (void)parseSweepSpecText(specJson.toStdString(), where.toStdString(), m_kinds);
    m_sweeps->start(specJson, m_store->path());
  } catch (const std::exception& e) {
    fail("Starting the sweep", e.what());
    return false;
  }
  m_progress->setValue(0);
  m_progress->setFormat("sweep starting");
  m_progress->show();
  m_stop->show();
  m_sweepTimer->start();
  log("sweep started from " + where);
  return true;
}

bool MainWindow::startSweepFile(const QString& path) {
  try {
    // The base recipe may be a path relative to the spec: inline it here.
    const SweepSpec spec = loadSweepSpecFile(path.toStdString(), m_kinds);
    return startSweepText(QString::fromStdString(spec.spec.dump(2)), path);
  } catch (const std::exception& e) {
    fail("Running " + path, e.what());
    return false;
  }
}

bool MainWindow::sweepParameter(std::int64_t run, const QString& field, const QString& valuesJson) {
  if (!m_store) return false;
  try {
    const RunInfo info = m_store->getRun(run);
    nlohmann::json values;
    try {
      values = nlohmann::json::parse(valuesJson.toStdString());
    } catch (const nlohmann::json::exception&) {
      throw InputError("values", "\"" + valuesJson.toStdString() + "\" is not a JSON list, e.g. [64, 128, 256]");
    }
    if (!values.is_array() || values.empty()) throw InputError("values", "must be a non-empty JSON list");
    nlohmann::json base = info.recipe;
    base.erase("name");
    nlohmann::json spec = {{"name", "run " + std::to_string(run) + " (" + info.kind + ") over " + field.toStdString()},
                           {"base", base},
                           {"grid", {{field.toStdString(), values}}}};
    return startSweepText(QString::fromStdString(spec.dump(2)), QString("run %1, %2").arg(run).arg(field));
  } catch (const std::exception& e) {
    fail("Sweep run " + QString::number(run), e.what());
    return false;
  }
}

void MainWindow::askSweepParameter(std::int64_t run) {
  if (!m_store) return;
  try {
    const RunInfo info = m_store->getRun(run);
    const EngineKind* kind = m_kinds.find(info.kind);
    if (!kind) throw InputError("run " + std::to_string(run), "its kind " + info.kind + " is not in this build");
    QStringList fields;
    for (const ParamSpec& p : kind->schema.specs()) fields << QString::fromStdString(p.name);
    fields << "seed"
           << "device";
    bool ok = false;
    const QString field = QInputDialog::getItem(
        this, "Sweep a parameter", "Parameter of run " + QString::number(run) + ":", fields, 0, false, &ok);
    if (!ok) return;
    const nlohmann::json current = field == "seed" ? nlohmann::json(info.recipe.value("seed", 0))
                                   : field == "device"
                                       ? nlohmann::json::array({"cpu"})
                                       : info.recipe["params"].value(field.toStdString(), nlohmann::json());
    const QString values = QInputDialog::getText(
        this, "Sweep a parameter", "Values of " + field + " (a JSON list):", QLineEdit::Normal,
        QString::fromStdString((current.is_array() ? current : nlohmann::json::array({current})).dump()), &ok);
    if (ok) sweepParameter(run, field, values);
  } catch (const std::exception& e) {
    fail("Sweep run " + QString::number(run), e.what());
  }
}

bool MainWindow::mergeSweep(std::int64_t sweep) {
  if (!m_store) return false;
  try {
    const auto info = m_store->findSweep(sweep);
    if (!info) throw InputError(m_store->path().string(), "sweep " + std::to_string(sweep) + ": no such sweep");
    if (info->directory.empty() || !std::filesystem::is_directory(info->directory))
      throw InputError("sweep " + std::to_string(sweep),
                       "its folder " + (info->directory.empty() ? std::string("(none recorded)") : info->directory) +
                           " is not here; merge its shards with `loupe merge` where they are");
    const SweepDirectory dir{info->directory};
    MergeResult total;
    for (std::int64_t k = 0; k < info->points; ++k) {
      if (!std::filesystem::exists(dir.shard(k))) continue;
      const MergeResult r = mergeShard(*m_store, dir.shard(k));
      total.runsAdded += r.runsAdded;
      total.runsAlreadyThere += r.runsAlreadyThere;
      total.runsNotEnded += r.runsNotEnded;
    }
    log(QString("sweep %1 merged: %2 runs added, %3 already here, %4 still recording")
            .arg(sweep)
            .arg(total.runsAdded)
            .arg(total.runsAlreadyThere)
            .arg(total.runsNotEnded));
  } catch (const std::exception& e) {
    fail("Merging sweep " + QString::number(sweep), e.what());
    return false;
  }
  refreshBrowser();
  m_sweepPanel->refresh(sweep);
  return true;
}

bool MainWindow::exportSweepReport(std::int64_t sweep, const QString& path) {
  if (!m_store) return false;
  try {
    if (m_sweepPanel->currentSweep() != sweep && !m_sweepPanel->showSweep(sweep))
      throw InputError("sweep " + std::to_string(sweep), m_sweepPanel->status().toStdString());
    // Each figure rendered as shown on screen (a hidden view has no laid-out
    // size): the Sweeps tab raised, each view's tab brought forward in turn.
    m_sweepDock->show();
    m_sweepDock->raise();
    std::vector<std::pair<QString, QImage>> figures;
    for (const PanelFigure& f : m_sweepPanel->figures()) {
      m_sweepPanel->showParallelCoordinates(f.view == m_sweepPanel->parallel());
      QApplication::processEvents();
      figures.emplace_back(f.title, renderFigure(f.view));
    }
    m_sweepPanel->showParallelCoordinates(false);
    writeSweepReport(m_sweepPanel->table(), figures, path);
    log("sweep report written to " + path);
    return true;
  } catch (const std::exception& e) {
    fail("Sweep report", e.what());
    return false;
  }
}

bool MainWindow::sweepRunning() const {
  return m_sweeps->busy();
}

void MainWindow::stopSweep() {
  m_sweeps->stop();
  log("sweep stop requested");
}

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  m_controller->stop();
  event->accept();
}

}  // namespace loupe
