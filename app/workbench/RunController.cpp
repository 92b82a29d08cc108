#include "app/workbench/RunController.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QMetaObject>
#include <QProcessEnvironment>
#include <QTemporaryFile>
#include <QTimer>
#include <csignal>
#include <cstring>

#include "engines/core/Device.h"
#include "engines/core/Error.h"

namespace loupe {

namespace {

// At most this many new steps are read per poll: a fast engine's live view
// skips frames (every step is stored; the panel reopens the stored run at
// its end) instead of reading megabytes it cannot draw.
constexpr int kStepsPerPoll = 4;
constexpr int kStderrLinesKept = 12;

QString signalName(int signal) {
  if (const char* abbrev = sigabbrev_np(signal)) return QString("SIG") + abbrev;
  return QString("signal %1").arg(signal);
}

}  // namespace

RunController::RunController(QObject* parent) : QObject(parent), m_timer(new QTimer(this)) {
  m_timer->setInterval(100);
  connect(m_timer, &QTimer::timeout, this, &RunController::poll);
}

RunController::~RunController() {
  if (!m_process) return;
  // The window is closing: cancel the run (recorded as cancelled), and kill
  // the child if it does not end in time (its run then shows interrupted).
  m_process->disconnect(this);
  m_process->terminate();
  if (!m_process->waitForFinished(3000)) {
    m_process->kill();
    m_process->waitForFinished(1000);
  }
}

QStringList RunController::takeLines(QByteArray& buffer) {
  QStringList lines;
  for (qsizetype end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
    lines << QString::fromUtf8(buffer.left(end)).trimmed();
    buffer.remove(0, end + 1);
  }
  return lines;
}

QString RunController::cliProgram() {
  if (const QString fromEnv = qEnvironmentVariable("LOUPE_CLI"); !fromEnv.isEmpty()) return fromEnv;
  const QString beside = QDir(QCoreApplication::applicationDirPath()).filePath("loupe");
  if (QFileInfo(beside).isExecutable()) return beside;
  return QStringLiteral(LOUPE_CLI_BUILD_PATH);
}

qint64 RunController::childPid() const {
  return m_process ? m_process->processId() : 0;
}

void RunController::start(const EngineKind& kind, const Recipe& recipe, const std::filesystem::path& database) {
  if (busy()) throw std::logic_error("a run is already in progress");
  resolveDevice(recipe.device, kind.supportsCuda, "device");  // refuses at once, as `loupe run` would
  const QString program = cliProgram();
  if (!QFileInfo(program).isExecutable())
    throw InputError(program.toStdString(), "the loupe command line that runs engines is not there (set LOUPE_CLI)");

  auto recipeFile = std::make_unique<QTemporaryFile>(QDir(QDir::tempPath()).filePath("loupe-recipe-XXXXXX.json"));
  if (!recipeFile->open()) throw InputError(recipeFile->fileTemplate().toStdString(), "cannot write the recipe");
  recipeFile->write(QByteArray::fromStdString(recipe.toJson().dump(2)));
  recipeFile->flush();

  m_store = std::make_unique<Store>(database);  // the child's database, opened here first: errors surface now
  m_database = database;
  m_recipeFile = std::move(recipeFile);
  m_run = 0;
  m_lastStep = -1;
  m_stopRequested = false;
  m_stdoutBuffer.clear();
  m_stderrBuffer.clear();
  m_stderrLines.clear();

  m_process = new QProcess(this);
  connect(m_process, &QProcess::readyReadStandardOutput, this, &RunController::readStdout);
  connect(m_process, &QProcess::readyReadStandardError, this, &RunController::readStderr);
  connect(m_process, &QProcess::finished, this, &RunController::childEnded);
  connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error == QProcess::FailedToStart) childEnded(-1, QProcess::CrashExit);
  });
  m_process->start(program, {"run", m_recipeFile->fileName(), "--db", QString::fromStdString(database.string()),
                             "--progress-lines"});
  m_timer->start();
}

void RunController::stop() {
  if (!m_process) return;
  if (m_stopRequested)
    m_process->kill();  // a second stop: the run shows as interrupted
  else
    m_process->terminate();  // SIGTERM: the CLI cancels the run cleanly
  m_stopRequested = true;
}

void RunController::readStdout() {
  m_stdoutBuffer += m_process->readAllStandardOutput();
  for (const QString& line : takeLines(m_stdoutBuffer)) {
    if (m_run == 0) {
      bool ok = false;
      const std::int64_t id = line.toLongLong(&ok);
      if (!ok) continue;
      m_run = id;
      try {
        RunInfo info = m_store->getRun(m_run);
        info.status = RunStatus::Running;
        emit started(info);
      } catch (const std::exception& e) {
        m_stderrLines << QString("run %1: %2").arg(id).arg(QString::fromUtf8(e.what()));
      }
    } else if (line.startsWith("progress ")) {
      const QString rest = line.mid(9);
      const qsizetype space = rest.indexOf(' ');
      const double fraction = rest.left(space < 0 ? rest.size() : space).toDouble();
      emit progressChanged(fraction, space < 0 ? QString() : rest.mid(space + 1));
    }
  }
}

void RunController::readStderr() {
  m_stderrBuffer += m_process->readAllStandardError();
  for (const QString& line : takeLines(m_stderrBuffer)) {
    if (line.isEmpty()) continue;
    m_stderrLines << line;
    while (m_stderrLines.size() > kStderrLinesKept) m_stderrLines.removeFirst();
  }
}

QString RunController::stderrTail() const {
  return m_stderrLines.join('\n');
}

void RunController::poll() {
  if (!m_store || m_run == 0) return;
  try {
    for (const std::int64_t step : m_store->newestStepsAfter(m_run, m_lastStep, kStepsPerPoll)) {
      emit recordArrived(m_store->readStep(m_run, step));
      m_lastStep = step;
    }
  } catch (const std::exception&) {
    // A read racing the child's commit: the next poll reads it again.
  }
}

void RunController::childEnded(int exitCode, QProcess::ExitStatus exitStatus) {
  if (!m_process) return;
  m_timer->stop();
  readStdout();
  readStderr();
  if (!m_stderrBuffer.isEmpty()) m_stderrLines << QString::fromUtf8(m_stderrBuffer).trimmed();
  poll();  // the steps committed last

  const bool crashed = exitStatus == QProcess::CrashExit;
  std::int64_t run = m_run;
  RunStatus status = RunStatus::Failed;
  QString error;
  if (run == 0) {
    error = m_stderrLines.isEmpty()
                ? QString("%1 ended (%2) before starting a run")
                      .arg(m_process->program(), crashed ? signalName(exitCode) : QString("exit %1").arg(exitCode))
                : m_stderrLines.join("; ");
  } else {
    try {
      RunInfo info = m_store->getRun(run);
      status = info.status;
      error = QString::fromStdString(info.error);
      if (status == RunStatus::Created || status == RunStatus::Running) {
        // The child died without ending its run: say how, in the run itself.
        if (crashed && exitCode == SIGKILL) {
          status = RunStatus::Interrupted;
          error = "the engine process was killed (SIGKILL)";
        } else if (crashed && exitCode == SIGTERM && m_stopRequested) {
          status = RunStatus::Cancelled;  // stopped before the CLI took over SIGTERM
          error.clear();
        } else if (crashed) {
          status = RunStatus::Failed;
          error = "the engine process crashed (" + signalName(exitCode) + ")";
        } else {
          status = RunStatus::Failed;
          error = QString("the engine process exited (code %1) before ending its run").arg(exitCode);
        }
        m_store->setRunStatus(run, status, error.toStdString());
      }
    } catch (const std::exception& e) {
      error = QString("could not read the run's end from %1: %2")
                  .arg(QString::fromStdString(m_database.string()), QString::fromUtf8(e.what()));
    }
  }
  const bool badly = status != RunStatus::Finished && status != RunStatus::Cancelled;
  if (badly)
    for (const QString& line : m_stderrLines) emit childOutput(line);

  m_process->deleteLater();
  m_process = nullptr;
  m_recipeFile.reset();
  m_store.reset();
  emit finished(run, status, error);
}

}  // namespace loupe
