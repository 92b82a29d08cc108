#include "app/workbench/Workbench.h"

#include <unistd.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/workbench/MainWindow.h"
#include "experiments/Recipe.h"
#include "experiments/Runner.h"
#include "experiments/StoreRecorder.h"
#include "experiments/SweepSpec.h"
#include "viewers/GlProbe.h"

namespace loupe {

namespace fs = std::filesystem;

bool haveDisplay() {
  const char* x = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return (x && *x) || (wayland && *wayland);
}

namespace {

// Re-runs this very command under xvfb-run; returns only if that is impossible.
int execUnderXvfb(int argc, char** argv) {
  std::vector<std::string> args = {"xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", "/proc/self/exe"};
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  std::vector<char*> pointers;
  for (auto& a : args) pointers.push_back(a.data());
  pointers.push_back(nullptr);
  // /proc/self/exe resolves in the child to xvfb-run's shell; pass our own path instead.
  char self[4096] = {};
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) args[4] = std::string(self, static_cast<std::size_t>(n));
  pointers[4] = args[4].data();
  setenv("LOUPE_UNDER_XVFB", "1", 1);
  execvp("xvfb-run", pointers.data());
  std::fprintf(stderr,
               "loupe: no display, and xvfb-run is not available to start one.\n"
               "       Install it (apt-get install xvfb xauth) or run on a desktop.\n");
  return 2;
}

fs::path demoDatabase() {
  return fs::path(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation).toStdString()) / "loupe" /
         "demo.sqlite";
}

// Records `recipe` as a new run of this store, on this thread; its id and how it ended.
std::pair<std::int64_t, RunStatus> recordHere(Store& store, const KindRegistry& kinds, const Recipe& recipe) {
  const EngineKind& kind = *kinds.find(recipe.kind);
  const auto id = store.createRun(recipe, kind.version, "cpu");
  StoreRecorder recorder(store, id);
  Runner runner(kind, recipe, DeviceKind::Cpu, {&recorder});
  return {id, runner.runHere()};
}

// Runs each built-in demo recipe whose kind this build has, once per database.
void prepareDemo(Store& store, const KindRegistry& kinds) {
  const QDir dir(LOUPE_RECIPES_DIR);
  const auto existing = store.listRuns();
  for (const auto& file : dir.entryList({"*.json"}, QDir::Files, QDir::Name)) {
    Recipe recipe;
    try {
      recipe = loadRecipeFile(dir.filePath(file).toStdString(), kinds);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "loupe: skipping demo recipe %s: %s\n", qPrintable(file), e.what());
      continue;
    }
    const bool done = std::any_of(existing.begin(), existing.end(), [&](const RunInfo& r) {
      return r.name == recipe.name && r.status == RunStatus::Finished;
    });
    if (done) continue;
    const auto [id, status] = recordHere(store, kinds, recipe);
    std::fprintf(stderr, "demo: %s → run %lld %s\n", recipe.name.c_str(), static_cast<long long>(id),
                 runStatusName(status));
  }
}

// Runs each built-in demo sweep (recipes/sweeps/*.json) once per database,
// in this process: its points are recorded straight into the demo store
// and linked to the sweep, so the Sweeps tab has something to show.
void prepareDemoSweeps(Store& store, const KindRegistry& kinds) {
  const QDir dir(QString(LOUPE_RECIPES_DIR) + "/sweeps");
  const auto existing = store.listSweeps();
  for (const auto& file : dir.entryList({"*.json"}, QDir::Files, QDir::Name)) {
    SweepSpec spec;
    try {
      spec = loadSweepSpecFile(dir.filePath(file).toStdString(), kinds);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "loupe: skipping demo sweep %s: %s\n", qPrintable(file), e.what());
      continue;
    }
    if (std::any_of(existing.begin(), existing.end(), [&](const SweepInfo& s) { return s.name == spec.name; }))
      continue;
    SweepInfo info;
    info.name = spec.name;
    info.spec = spec.spec;
    info.points = static_cast<std::int64_t>(spec.points.size());
    info.backend = "local";
    const std::int64_t sweep = store.createSweep(info);
    // Each point recorded, then linked: linking is what makes it a point.
    for (std::size_t k = 0; k < spec.points.size(); ++k)
      store.linkRunToSweep(recordHere(store, kinds, spec.points[k].recipe).first, sweep, static_cast<std::int64_t>(k));
    std::fprintf(stderr, "demo: sweep %s → sweep %lld (%zu points)\n", spec.name.c_str(), static_cast<long long>(sweep),
                 spec.points.size());
  }
}

}  // namespace

int runWorkbench(int argc, char** argv, const KindRegistry& kinds, const PanelRegistry& panels) {
  // Decide before QApplication exists: without a display Qt cannot start.
  bool wantsReport = false, wantsDemo = false;
  for (int i = 1; i < argc; ++i) {
    wantsReport |= std::string(argv[i]) == "--report";
    wantsDemo |= std::string(argv[i]) == "--demo";
  }
  if (!haveDisplay()) {
    if (std::getenv("LOUPE_UNDER_XVFB")) {
      std::fprintf(stderr, "loupe: xvfb-run started but no display is set; giving up\n");
      return 2;
    }
    if (wantsDemo) std::fprintf(stderr, "No display: running the demo headless and writing its report.\n");
    if (wantsReport || wantsDemo) return execUnderXvfb(argc, argv);
    std::fprintf(stderr,
                 "loupe-workbench: no display (DISPLAY is not set). Run it on a desktop, or under\n"
                 "  xvfb-run -a -s '-screen 0 1600x1000x24' loupe-workbench ...\n"
                 "For a report without a desktop: loupe report RUN --out report.html\n");
    return 2;
  }

  setDefaultGlFormat();
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Loupe");
  QApplication::setApplicationName("Loupe");
  QApplication::setApplicationVersion(LOUPE_VERSION);

  QCommandLineParser parser;
  parser.setApplicationDescription("Loupe workbench");
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption dbOption("db", "Database file (default: $LOUPE_DB, else ~/.local/share/loupe/loupe.sqlite).",
                              "FILE");
  QCommandLineOption demoOption("demo", "Open the built-in demo database (headless: write its report).");
  QCommandLineOption reportOption("report", "Write a report (.html or .pdf) of RUN... (default: all runs) and exit.",
                                  "OUT");
  parser.addOptions({dbOption, demoOption, reportOption});
  parser.addPositionalArgument("run", "Run ids for --report.", "[RUN...]");
  parser.process(app);

  const bool headlessDemo = parser.isSet(demoOption) && std::getenv("LOUPE_UNDER_XVFB");
  // --db, else the database used last (QSettings), else the default.
  fs::path db = parser.isSet(dbOption) ? fs::path(parser.value(dbOption).toStdString()) : Store::defaultPath();
  const QString last = QSettings().value("database/last").toString();
  if (!parser.isSet(dbOption) && !parser.isSet(reportOption) && !last.isEmpty() && QFileInfo::exists(last)) {
    db = last.toStdString();
  }
  if (parser.isSet(demoOption)) {
    db = demoDatabase();
    try {
      Store store(db);
      prepareDemo(store, kinds);
      prepareDemoSweeps(store, kinds);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "loupe: %s\n", e.what());
      return 2;
    }
  }

  MainWindow window(kinds, panels);
  const bool reporting = parser.isSet(reportOption) || headlessDemo;
  window.setQuiet(reporting);
  if (!window.openDatabase(QString::fromStdString(db.string()))) {
    std::fprintf(stderr, "%s\n", qPrintable(window.logText()));
    return 2;
  }
  window.show();
  if (!reporting) {
    // First impression: the newest run in its own panel (listRuns is newest
    // first), not whichever panel was registered last with empty charts; an
    // empty database shows the Runs panel, whose empty state says what to run.
    const auto runs = window.store()->listRuns();
    if (!runs.empty()) {
      window.openRun(runs.front().id);
    } else {
      window.panelForKind("generic.none");  // no topic "generic": the Runs panel
    }
    return app.exec();
  }

  // Report mode: the window is shown (GL views need to exist to render), the
  // report is written, and we exit.
  QString out = parser.value(reportOption);
  if (out.isEmpty()) out = QString::fromStdString((db.parent_path() / "demo-report.html").string());
  std::vector<std::int64_t> runs;
  for (const auto& arg : parser.positionalArguments()) {
    bool ok = false;
    const qint64 id = arg.toLongLong(&ok);
    if (!ok) {
      std::fprintf(stderr, "loupe: \"%s\" is not a run id\n", qPrintable(arg));
      return 2;
    }
    runs.push_back(id);
  }
  const bool everything = runs.empty();
  if (everything) {
    // Points of a sweep go into the sweep's own report (below), not one section each.
    for (const auto& r : window.store()->listRuns())
      if (r.sweepId == 0) runs.insert(runs.begin(), r.id);
  }
  if (runs.empty()) std::printf("The database %s has no runs yet; the report says so.\n", db.c_str());
  QApplication::processEvents();
  if (!window.exportReport(runs, out)) {
    std::fprintf(stderr, "%s\n", qPrintable(window.logText()));
    return 2;
  }
  std::printf("Report written to %s\n", qPrintable(QFileInfo(out).absoluteFilePath()));
  if (everything && QFileInfo(out).suffix().toLower().startsWith("htm")) {
    for (const SweepInfo& sweep : window.store()->listSweeps()) {
      const QFileInfo base(out);
      const QString path =
          base.absoluteDir().filePath(base.completeBaseName() + QString("-sweep-%1.html").arg(sweep.id));
      if (!window.exportSweepReport(sweep.id, path)) {
        std::fprintf(stderr, "%s\n", qPrintable(window.logText()));
        return 2;
      }
      std::printf("Sweep report written to %s\n", qPrintable(path));
    }
  }
  return 0;
}

}  // namespace loupe
