#include "app/workbench/SweepLauncher.h"

#include <QDir>
#include <QFileInfo>

#include "app/workbench/RunController.h"
#include "engines/core/Error.h"

namespace loupe {

SweepLauncher::SweepLauncher(QObject* parent) : QObject(parent) {}

SweepLauncher::~SweepLauncher() {
  if (m_process) {
    m_process->disconnect(this);
    m_process->terminate();
    if (!m_process->waitForFinished(5000)) m_process->kill();
    m_process->waitForFinished(2000);
  }
}

void SweepLauncher::start(const QString& specJson, const std::filesystem::path& database, int jobs) {
  if (m_process) throw InputError("sweep", "a sweep started here is still running");
  const QString program = RunController::cliProgram();
  if (!QFileInfo(program).isExecutable())
    throw InputError(program.toStdString(), "the loupe command line that runs sweeps is not there (set LOUPE_CLI)");
  m_spec = std::make_unique<QTemporaryFile>(QDir(QDir::tempPath()).filePath("loupe-sweep-XXXXXX.json"));
  if (!m_spec->open()) throw InputError(m_spec->fileTemplate().toStdString(), "cannot write the sweep spec");
  m_spec->write(specJson.toUtf8());
  m_spec->flush();
  m_sweep = 0;
  m_out.clear();
  m_err.clear();
  m_process = new QProcess(this);
  connect(m_process, &QProcess::readyReadStandardOutput, this, &SweepLauncher::readOutput);
  connect(m_process, &QProcess::readyReadStandardError, this, &SweepLauncher::readOutput);
  connect(m_process, &QProcess::finished, this, [this](int exitCode, QProcess::ExitStatus status) {
    readOutput();
    const std::int64_t sweep = m_sweep;
    m_process->deleteLater();
    m_process = nullptr;
    m_spec.reset();
    emit finished(sweep, status == QProcess::NormalExit ? exitCode : -1);
  });
  connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return;
    emit message("the sweep did not start: " + m_process->errorString());
    m_process->deleteLater();
    m_process = nullptr;
    emit finished(0, -1);
  });
  QStringList args{"sweep", m_spec->fileName(), "--db", QString::fromStdString(database.string())};
  if (jobs > 0) args << "--jobs" << QString::number(jobs);
  m_process->start(program, args);
}

void SweepLauncher::stop() {
  if (m_process) m_process->terminate();
}

void SweepLauncher::readOutput() {
  if (!m_process) return;
  m_out += m_process->readAllStandardOutput();
  m_err += m_process->readAllStandardError();
  for (const QString& line : RunController::takeLines(m_out)) {
    bool ok = false;
    const std::int64_t id = line.toLongLong(&ok);
    if (ok && m_sweep == 0) {
      m_sweep = id;
      emit started(id);
    } else if (!line.isEmpty()) {
      emit message(line);
    }
  }
  for (const QString& line : RunController::takeLines(m_err))
    if (!line.isEmpty()) emit message(line);
}

}  // namespace loupe
