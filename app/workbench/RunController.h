// Runs a recipe for the window in a child process — `loupe run
// --progress-lines` — so that an engine that crashes, aborts, runs out of
// memory or is killed takes only its own process down, never the window.
//
// The child records into the same database; the controller follows it
// through its own Store connection (SQLite WAL: readers never block the
// writer), reading newly committed steps every poll, and through the
// child's stdout (the run id, then progress lines). The last lines the child
// wrote on stderr are kept for the log. Cancel is SIGTERM to the child (the
// CLI cancels the run cleanly and records it as cancelled); a second stop
// kills it. A child that dies by a signal leaves its run marked by the
// controller: interrupted for SIGKILL, failed naming the signal otherwise.
//
// The child is `$LOUPE_CLI` if set, else `loupe` beside this executable,
// else the build tree's `loupe`.
//
// Threading: create and call on the GUI thread; signals arrive there.
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <filesystem>
#include <memory>

#include "experiments/KindRegistry.h"
#include "experiments/Records.h"
#include "experiments/Store.h"

class QTemporaryFile;
class QTimer;

namespace loupe {

class RunController : public QObject {
  Q_OBJECT

 public:
  explicit RunController(QObject* parent = nullptr);
  ~RunController() override;

  bool busy() const { return m_process != nullptr; }
  // Checks the device and starts the child; the run's id arrives with
  // started(). Throws InputError (device, database, no CLI) before anything
  // starts.
  void start(const EngineKind& kind, const Recipe& recipe, const std::filesystem::path& database);
  void stop();
  // The child's process id while one runs (0 otherwise), for tests.
  qint64 childPid() const;

  // The program started for runs (see the header comment).
  static QString cliProgram();
  // The whole lines at the front of a child's output buffer, removed from it
  // (trimmed; a partial last line stays for the next read).
  static QStringList takeLines(QByteArray& buffer);

 signals:
  void started(const loupe::RunInfo& run);
  void recordArrived(const loupe::StepRecord& record);
  void progressChanged(double fraction, const QString& message);
  // run is 0 when the child ended before creating one; error then says why.
  void finished(std::int64_t run, loupe::RunStatus status, const QString& error);
  // A line the child wrote on stderr, when its run ended badly.
  void childOutput(const QString& line);

 private:
  void readStdout();
  void readStderr();
  void poll();
  void childEnded(int exitCode, QProcess::ExitStatus exitStatus);
  QString stderrTail() const;

  std::filesystem::path m_database;
  std::unique_ptr<Store> m_store;
  std::unique_ptr<QTemporaryFile> m_recipeFile;
  QProcess* m_process = nullptr;
  QTimer* m_timer;
  QByteArray m_stdoutBuffer;
  QByteArray m_stderrBuffer;
  QStringList m_stderrLines;  // the last few, for the log
  std::int64_t m_run = 0;
  std::int64_t m_lastStep = -1;  // the newest step forwarded
  bool m_stopRequested = false;
};

}  // namespace loupe
