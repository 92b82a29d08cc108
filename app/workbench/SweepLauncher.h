// Starts a local sweep from the workbench: `loupe sweep SPEC --db DB` in a
// child process (the same command a user types; its points run as their
// own `loupe run` children and merge as they finish), reading the sweep id
// it prints and its messages. Stop sends SIGTERM: the CLI cancels the
// points still running and keeps the finished ones.
//
// Threading: GUI thread only.
#pragma once

#include <QObject>
#include <QProcess>
#include <QTemporaryFile>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace loupe {

class SweepLauncher : public QObject {
  Q_OBJECT

 public:
  explicit SweepLauncher(QObject* parent = nullptr);
  ~SweepLauncher() override;

  // The spec must already be valid (the caller parsed it); throws InputError
  // when the command line is missing or a sweep is already running.
  void start(const QString& specJson, const std::filesystem::path& database, int jobs = 0);
  void stop();
  bool busy() const { return m_process != nullptr; }
  std::int64_t sweep() const { return m_sweep; }

 signals:
  void started(std::int64_t sweep);
  void message(const QString& line);
  void finished(std::int64_t sweep, int exitCode);

 private:
  void readOutput();

  QProcess* m_process = nullptr;
  std::unique_ptr<QTemporaryFile> m_spec;
  std::int64_t m_sweep = 0;
  QByteArray m_out, m_err;
};

}  // namespace loupe
