// The workbench window: topic panels as tabbed docks, the experiment browser,
// a log, and a status bar with the device, the database and the running
// job's progress with a Stop button. Menus: File (new/open database, run
// recipe, export figure, export report, quit), View (panels, reset layout),
// Help (About). Layout and last database persist in QSettings.
//
// Threading: GUI thread only. Live runs go through RunController.
#pragma once

#include <QMainWindow>
#include <map>
#include <memory>

#include "experiments/KindRegistry.h"
#include "experiments/Store.h"
#include "panels/PanelRegistry.h"

class QDockWidget;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTimer;

namespace loupe {

class ExperimentBrowser;
class RunController;
class SweepLauncher;
class SweepPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  MainWindow(const KindRegistry& kinds, const PanelRegistry& panels, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Each returns false (and says why in the log and a message box unless
  // quiet) instead of throwing.
  bool openDatabase(const QString& path);
  bool openRun(std::int64_t run);
  bool compareRuns(std::int64_t runA, std::int64_t runB);
  bool deleteRuns(const std::vector<std::int64_t>& runs, bool askFirst = true);
  bool startRecipeFile(const QString& path);
  bool startRecipeText(const QString& json, const QString& where = "panel recipe");
  bool exportFigure(const QString& figureName, const QString& path);
  bool exportReport(const std::vector<std::int64_t>& runs, const QString& path);
  void stopRun();

  // Sweeps. A spec (JSON text) starts `loupe sweep` on this database; the
  // sweep panel follows it and shows it when it ends.
  bool startSweepText(const QString& specJson, const QString& where = "sweep spec");
  bool startSweepFile(const QString& path);
  // "Sweep this parameter": the run's recipe as the base, `field` (a
  // parameter name, "seed" or "device") over `valuesJson` (a JSON list).
  bool sweepParameter(std::int64_t run, const QString& field, const QString& valuesJson);
  // Merges every shard in the sweep's folder (finished points; idempotent).
  bool mergeSweep(std::int64_t sweep);
  bool exportSweepReport(std::int64_t sweep, const QString& path);
  bool sweepRunning() const;
  void stopSweep();
  SweepPanel* sweepPanel() const { return m_sweepPanel; }

  Store* store() const { return m_store.get(); }
  ExperimentBrowser* browser() const { return m_browser; }
  Panel* panelForKind(const QString& kind);
  Panel* activePanel() const { return m_activePanel; }
  void log(const QString& message);
  QString logText() const;
  void setQuiet(bool quiet) { m_quiet = quiet; }

 protected:
  void closeEvent(QCloseEvent* event) override;
  void showEvent(QShowEvent* event) override;

 private:
  void buildMenus();
  void buildStatusBar();
  void resetLayout();
  void showAbout();
  void fail(const QString& what, const QString& why);
  void refreshBrowser();
  void askSweepParameter(std::int64_t run);

  const KindRegistry& m_kinds;
  const PanelRegistry& m_panels;
  std::unique_ptr<Store> m_store;
  ExperimentBrowser* m_browser;
  QDockWidget* m_browserDock;
  QDockWidget* m_logDock;
  QPlainTextEdit* m_log;
  std::map<QString, std::pair<QDockWidget*, Panel*>> m_panelDocks;  // by topic
  Panel* m_activePanel = nullptr;
  // The panel a live run streams into, while it still shows that run (the
  // user may open another run, in it or in another panel, meanwhile).
  Panel* m_livePanel = nullptr;
  std::int64_t m_liveRun = 0;
  Panel* livePanel() const;
  RunController* m_controller;
  SweepPanel* m_sweepPanel;
  QDockWidget* m_sweepDock;
  SweepLauncher* m_sweeps;
  QTimer* m_sweepTimer;
  QLabel* m_deviceLabel;
  QLabel* m_dbLabel;
  QProgressBar* m_progress;
  QPushButton* m_stop;
  QByteArray m_defaultState, m_savedState;
  bool m_quiet = false;
};

}  // namespace loupe
