// The experiment store: one SQLite file holding runs, their steps, scalar
// metrics, n-d arrays and artifacts (exported figures, files).
//
// Guarantees
// - WAL mode, synchronous=NORMAL: a committed step survives the recording
//   process being killed; a power loss may lose the last ~second of steps but
//   never corrupts the file.
// - Steps are atomic: a step is either wholly stored or absent.
// - Opening refuses, without writing a byte, a file that is not SQLite, an
//   SQLite file of another application, or a store from a newer Loupe
//   (PRAGMA user_version above kStoreSchemaVersion). Older stores are migrated
//   forward in one transaction.
// - On open, runs left "created"/"running" by a process that no longer exists
//   are marked "interrupted"; their committed steps stay readable.
// - Arrays are stored as little-endian C-order bytes, zstd-compressed when
//   that saves space (StoreOptions::compressArrays). One array must be under
//   SQLite's 1 GB blob limit.
//
// Writes are batched: appendStep() adds to an open transaction that commit()
// ends (StoreRecorder decides when). Readers in other processes see only
// committed steps.
//
// Threading: a Store is one SQLite connection; use it from one thread at a
// time. Open one Store per thread or process that needs the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engines/core/Array.h"
#include "experiments/Recipe.h"
#include "experiments/Records.h"

namespace loupe {

// experiments/Sqlite.h: includers of Store.h get no <sqlite3.h>.
class SqliteDb;
class SqliteStatement;

// The SQLite library this build links (sqlite3_libversion(): "3.40.1"), for
// about boxes and bug reports.
const char* sqliteLibraryVersion();

struct RunInfo {
  std::int64_t id = 0;
  std::string kind;
  std::string name;
  nlohmann::json recipe;
  RunStatus status = RunStatus::Created;
  std::string error;
  double createdAt = 0;  // Unix seconds, UTC; 0 = not yet
  double startedAt = 0;
  double endedAt = 0;
  std::string engineVersion;
  std::string device;
  std::uint64_t seed = 0;
  std::string host;
  std::int64_t pid = 0;
  std::int64_t stepCount = 0;  // committed steps
  std::string uuid;            // global id: the same run in any store it is merged into
  std::int64_t sweepId = 0;    // the sweep it is a point of (0: none)
  std::int64_t sweepPoint = -1;
};

// A sweep: a spec expanded into points, each point an ordinary run.
struct SweepInfo {
  std::int64_t id = 0;
  std::string uuid;  // global id, kept when shards are merged
  std::string name;
  nlohmann::json spec;  // the spec as given, base recipe inlined
  std::int64_t points = 0;
  std::string backend;    // "local" | "slurm"
  std::string jobId;      // the Slurm array job ("" when none)
  std::string directory;  // where the shards are
  double createdAt = 0;
};

struct ArrayInfo {
  std::int64_t step = 0;
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  std::string codec;
  std::int64_t rawBytes = 0;
  std::int64_t storedBytes = 0;
};

struct MetricPoint {
  std::int64_t step = 0;
  double value = 0;  // NaN when the engine recorded NaN
};

struct ArtifactInfo {
  std::string name;
  std::string mime;
  std::int64_t bytes = 0;
  double createdAt = 0;
};

struct StoreOptions {
  bool compressArrays = true;
  int zstdLevel = 1;  // fastest; arrays are written on the run's hot path
};

class Store {
 public:
  // Opens or creates the store; creates missing parent directories.
  // Throws InputError (naming the file) for a file it must not touch.
  explicit Store(const std::filesystem::path& path, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // $LOUPE_DB, else $XDG_DATA_HOME/loupe/loupe.sqlite, else
  // ~/.local/share/loupe/loupe.sqlite.
  static std::filesystem::path defaultPath();

  const std::filesystem::path& path() const;
  // The connection itself, for tests and tools that run SQL (include
  // experiments/Sqlite.h to use it).
  SqliteDb& database();

  // --- writing -------------------------------------------------------------
  // A new run in state "created", owned by this process. Returns its id.
  std::int64_t createRun(const Recipe& recipe, const std::string& engineVersion, const std::string& device);
  // Running stamps started_at; terminal states stamp ended_at (and error).
  // Commits any pending steps first.
  void setRunStatus(std::int64_t run, RunStatus status, const std::string& error = {});
  // Adds one step to the current batch (opening one if needed). All or
  // nothing: on error the step is rolled back and the exception rethrown.
  void appendStep(std::int64_t run, const StepRecord& record);
  // Ends the current batch, making its steps durable and visible.
  void commit();
  std::size_t pendingBytes() const { return m_pendingBytes; }
  // Deletes a run and everything recorded for it. Refuses a run whose
  // recording process is still alive.
  void removeRun(std::int64_t run);
  // A new sweep (its uuid generated when empty); returns its id. A sweep of
  // that uuid already here is returned instead (a shard recording its point
  // declares the sweep it belongs to).
  std::int64_t createSweep(const SweepInfo& sweep);
  void setSweepJob(std::int64_t sweep, const std::string& jobId);
  void setSweepDirectory(std::int64_t sweep, const std::string& directory);
  // Makes `run` point `point` of `sweep`.
  void linkRunToSweep(std::int64_t run, std::int64_t sweep, std::int64_t point);
  // Stores (or replaces) a named file for a run, e.g. an exported figure.
  void putArtifact(std::int64_t run, const std::string& name, const std::string& mime,
                   std::span<const std::byte> bytes);

  // --- reading -------------------------------------------------------------
  std::vector<RunInfo> listRuns();  // newest first
  std::optional<RunInfo> findRun(std::int64_t run);
  RunInfo getRun(std::int64_t run);  // throws InputError "run N: no such run in FILE"
  std::vector<std::int64_t> stepNumbers(std::int64_t run);
  // The newest `limit` committed steps after `after`, in step order (a live
  // view following a run that another process records).
  std::vector<std::int64_t> newestStepsAfter(std::int64_t run, std::int64_t after, int limit);
  StepRecord readStep(std::int64_t run, std::int64_t step);  // throws InputError if absent
  std::vector<std::string> metricNames(std::int64_t run);
  // The metrics of the run's last committed step, by name, at most `limit`.
  std::vector<std::pair<std::string, double>> lastMetrics(std::int64_t run, int limit);
  // Each metric's value at the last step that recorded it, by name (what a
  // sweep compares across its points).
  std::vector<std::pair<std::string, double>> finalMetrics(std::int64_t run);
  std::vector<MetricPoint> metricSeries(std::int64_t run, const std::string& name);
  // All arrays of a run (or of one step), without their data.
  std::vector<ArrayInfo> arrayInfos(std::int64_t run, std::optional<std::int64_t> step = std::nullopt);
  Array readArray(std::int64_t run, std::int64_t step, const std::string& name);
  std::vector<ArtifactInfo> artifacts(std::int64_t run);
  std::vector<std::byte> readArtifact(std::int64_t run, const std::string& name);
  std::vector<SweepInfo> listSweeps();  // newest first
  std::optional<SweepInfo> findSweep(std::int64_t sweep);
  std::optional<SweepInfo> findSweepByUuid(const std::string& uuid);
  // The sweep's runs, by point (a point rerun appears once per run).
  std::vector<RunInfo> sweepRuns(std::int64_t sweep);
  // SQLite's PRAGMA integrity_check: "ok", or its list of problems.
  std::string integrityCheck();

 private:
  void refuseForeignFile(const std::filesystem::path& path);
  static bool writableHere(const std::filesystem::path& path);
  void openReadOnly(const std::filesystem::path& path);
  void refuseWrite() const;
  void markInterruptedRuns();
  void undoStep();
  RunInfo runFromRow(SqliteStatement& row);
  SweepInfo sweepFromRow(SqliteStatement& row);

  // The SQLite connection and the prepared inserts (StoreConnection.h).
  struct Connection;
  std::unique_ptr<Connection> m_c;
  StoreOptions m_options;
  std::size_t m_pendingBytes = 0;
};

}  // namespace loupe
