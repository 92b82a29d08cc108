// Opening, migrating and writing the store. Reading is in StoreRead.cpp.
#include "experiments/Store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>

#include "engines/core/Error.h"
#include "engines/core/Timer.h"
#include "experiments/ArrayCodec.h"
#include "experiments/ProcessIdentity.h"
#include "experiments/StoreConnection.h"
#include "experiments/StoreSchema.h"

namespace loupe {

namespace fs = std::filesystem;

namespace {

// The database files this process has open through a Store, by (device,
// inode). POSIX record locks belong to the process, and closing *any*
// descriptor of a file drops all of them: reading a database's header with
// an ifstream while another Store of this process (the workbench's, while
// its RunController follows a child's run) has it open silently released
// that connection's SQLite locks; the child, believing itself the last user,
// then deleted the WAL and its index under the window, which never saw a
// later commit again. A file already open here was checked when it was
// opened; it is not read around SQLite again.
// mode=ro shares the writers' WAL index where it exists; where no index can
// be had (no -shm, a directory we cannot write), the file is read as
// immutable: a snapshot of what was checkpointed.
SqliteDb openForReadingOnly(const fs::path& path) {
  try {
    SqliteDb db = SqliteDb::openReadOnlyUri(path, "mode=ro");
    (void)db.queryInt("SELECT count(*) FROM sqlite_schema");
    return db;
  } catch (const SqliteError&) {
    return SqliteDb::openReadOnlyUri(path, "immutable=1");
  }
}

class OpenStores {
 public:
  using Id = std::pair<std::uint64_t, std::uint64_t>;
  static std::optional<Id> idOf(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return Id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  }
  static bool isOpen(const fs::path& path) {
    const auto id = idOf(path);
    const std::lock_guard lock(s_mutex);
    return id && s_open.count(*id) > 0;
  }
  static void add(const Id& id) {
    const std::lock_guard lock(s_mutex);
    ++s_open[id];
  }
  static void remove(const Id& id) {
    const std::lock_guard lock(s_mutex);
    if (--s_open[id] == 0) s_open.erase(id);
  }

 private:
  static inline std::mutex s_mutex;
  static inline std::map<Id, int> s_open;
};

// PRAGMA application_id of a Loupe store: "LOUP".
constexpr std::int64_t kApplicationId = 0x4C4F5550;
constexpr char kSqliteMagic[16] = "SQLite format 3";  // + the implicit NUL

std::string hexPreview(const char* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out += digits[b >> 4];
    out += digits[b & 15];
    if (i + 1 < n) out += ' ';
  }
  return out;
}

}  // namespace

fs::path Store::defaultPath() {
  if (const char* env = std::getenv("LOUPE_DB"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "loupe" / "loupe.sqlite";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".local" / "share" / "loupe" / "loupe.sqlite";
}

// Everything here only reads: a file we refuse must stay byte-for-byte as it was.
void Store::refuseForeignFile(const fs::path& path) {
  const std::string where = path.string();
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw InputError(where, "is a directory, not a Loupe database");
  const auto size = fs::file_size(path, ec);
  if (ec) throw InputError(where, "cannot read: " + ec.message());
  if (size == 0) return;  // SQLite treats an empty file as an empty database
  char header[16] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(header, sizeof header);
  if (!in || std::memcmp(header, kSqliteMagic, sizeof header) != 0) {
    throw InputError(
        where, "not an SQLite database (first bytes: " + hexPreview(header, static_cast<std::size_t>(in.gcount())) +
                   "); refusing to open it as a Loupe store — the file was not changed");
  }
  std::int64_t version = 0, appId = 0, tables = 0;
  try {
    SqliteDb probe = writableHere(path) ? SqliteDb(path, SQLITE_OPEN_READONLY) : openForReadingOnly(path);
    version = probe.queryInt("PRAGMA user_version");
    appId = probe.queryInt("PRAGMA application_id");
    tables = probe.queryInt("SELECT count(*) FROM sqlite_schema");
  } catch (const SqliteError& e) {
    throw InputError(where, std::string("unreadable SQLite database (") + e.what() + "); the file was not changed");
  }
  if ((appId != 0 && appId != kApplicationId) || (appId == 0 && version == 0 && tables > 0)) {
    throw InputError(where, "an SQLite database of another application, not a Loupe store; the file was not changed");
  }
  if (version > kStoreSchemaVersion) {
    throw InputError(where, "written by a newer Loupe (store schema " + std::to_string(version) +
                                ", this build reads up to " + std::to_string(kStoreSchemaVersion) +
                                "); upgrade Loupe to open it — the file was not changed");
  }
}

const char* sqliteLibraryVersion() {
  return sqlite3_libversion();
}

Store::Store(const fs::path& path, StoreOptions options) : m_c(std::make_unique<Connection>()), m_options(options) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!OpenStores::isOpen(path)) refuseForeignFile(path);
  } else if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw InputError(path.parent_path().string(), "cannot create directory: " + ec.message());
  }
  if (!writableHere(path)) {
    openReadOnly(path);
    m_c->fileId = OpenStores::idOf(path);
    if (m_c->fileId) OpenStores::add(*m_c->fileId);
    return;
  }
  try {
    m_c->db = SqliteDb(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite3_busy_timeout(m_c->db.handle(), 10000);  // other processes hold the write lock for one batch at most
    if (m_c->db.queryInt("SELECT count(*) FROM sqlite_schema") == 0) {
      // Arrays are large blobs: 64 kB pages halve the cost of writing them
      // through the WAL (fewer overflow pages, fewer checkpoints) and cost
      // nothing measurable for metric rows. Only settable before the first table.
      m_c->db.exec("PRAGMA page_size = 65536");
    }
    m_c->db.exec("PRAGMA journal_mode = WAL");
    m_c->db.exec("PRAGMA synchronous = NORMAL");
    if (m_c->db.queryInt("PRAGMA application_id") == 0) {
      m_c->db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
    }
    migrateStore(m_c->db);
    markInterruptedRuns();
  } catch (const SqliteError& e) {
    // Opening writes only to migrate an older schema or to mark dead runs
    // interrupted; the busy timeout (10 s) ran out behind another writer.
    if ((e.code() & 0xff) == SQLITE_BUSY)
      throw InputError(path.string(),
                       "another Loupe process held the database's write lock for 10 s "
                       "(migrating it to this version's schema, or marking dead runs); try again "
                       "when it is done — nothing was changed");
    throw InputError(path.string(), std::string("cannot open the store: ") + e.what());
  }
  m_c->insertStep.emplace(m_c->db.prepare("INSERT INTO steps(run_id, step, recorded_at) VALUES (?, ?, ?)"));
  m_c->insertMetric.emplace(m_c->db.prepare("INSERT INTO metrics(run_id, step, name, value) VALUES (?, ?, ?, ?)"));
  m_c->insertArray.emplace(
      m_c->db.prepare("INSERT INTO arrays(run_id, step, name, dtype, shape, codec, raw_bytes, data, crc32) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  m_c->fileId = OpenStores::idOf(path);  // last: a constructor that throws registers nothing
  if (m_c->fileId) OpenStores::add(*m_c->fileId);
}

// A store in a directory this process cannot write (another user's, a
// read-only mount, an archive) or a read-only file: SQLite could neither
// write it nor create its WAL index, and failed with "unreadable SQLite
// database". Such a store opens read-only, for browsing and export.
bool Store::writableHere(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;  // created: its directory was made above
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  return ::access(path.c_str(), W_OK) == 0 && ::access(dir.c_str(), W_OK) == 0;
}

void Store::openReadOnly(const fs::path& path) {
  m_c->readOnly = true;
  try {
    m_c->db = openForReadingOnly(path);
    sqlite3_busy_timeout(m_c->db.handle(), 10000);
    const std::int64_t version = m_c->db.queryInt("PRAGMA user_version");
    if (version != kStoreSchemaVersion)
      throw InputError(path.string(), "read-only here, and written by an older Loupe (store schema " +
                                          std::to_string(version) +
                                          "): open it once where it can be written, to migrate it");
  } catch (const SqliteError& e) {
    throw InputError(path.string(), std::string("cannot open the read-only store: ") + e.what());
  }
}

void Store::refuseWrite() const {
  if (m_c->readOnly)
    throw InputError(path().string(),
                     "read-only here (the file or its directory is not writable): nothing can be recorded or removed");
}

const fs::path& Store::path() const {
  return m_c->db.path();
}

SqliteDb& Store::database() {
  return m_c->db;
}

Store::~Store() {
  try {
    commit();
  } catch (...) {
    // A destructor cannot report; the uncommitted batch is rolled back by
    // SQLite on close, exactly as if the process had died.
  }
  if (m_c->fileId) OpenStores::remove(*m_c->fileId);
}

void Store::markInterruptedRuns() {
  auto select = m_c->db.prepare("SELECT id, host, pid, pid_start FROM runs WHERE status IN ('created', 'running')");
  std::vector<std::int64_t> dead;
  while (select.step()) {
    const ProcessIdentity owner{select.columnText(1), select.columnInt(2), select.columnInt(3)};
    if (!isProcessAlive(owner)) dead.push_back(select.columnInt(0));
  }
  if (dead.empty()) return;
  SqliteTransaction tx(m_c->db);
  auto update = m_c->db.prepare(
      "UPDATE runs SET status = 'interrupted', error = ? WHERE id = ? AND status IN ('created', 'running')");
  for (std::int64_t id : dead) {
    update.bind(1, "the recording process ended before the run finished; committed steps are kept").bind(2, id).run();
  }
  tx.commit();
}

std::int64_t Store::createRun(const Recipe& recipe, const std::string& engineVersion, const std::string& device) {
  refuseWrite();
  commit();
  const ProcessIdentity self = currentProcess();
  auto insert = m_c->db.prepare(
      "INSERT INTO runs(kind, name, recipe, status, created_at, engine_version, device, seed, host, pid, pid_start, "
      "uuid)"
      " VALUES (?, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?, lower(hex(randomblob(16))))");
  insert.bind(1, recipe.kind)
      .bind(2, recipe.name)
      .bind(3, recipe.toJson().dump())
      .bind(4, unixTimeSeconds())
      .bind(5, engineVersion)
      .bind(6, device)
      .bind(7, static_cast<std::int64_t>(recipe.seed))
      .bind(8, self.host)
      .bind(9, self.pid)
      .bind(10, self.startTicks)
      .run();
  return m_c->db.lastInsertRowId();
}

void Store::setRunStatus(std::int64_t run, RunStatus status, const std::string& error) {
  commit();
  const ProcessIdentity self = currentProcess();
  if (status == RunStatus::Running) {
    m_c->db.prepare("UPDATE runs SET status = 'running', started_at = ?, host = ?, pid = ?, pid_start = ? WHERE id = ?")
        .bind(1, unixTimeSeconds())
        .bind(2, self.host)
        .bind(3, self.pid)
        .bind(4, self.startTicks)
        .bind(5, run)
        .run();
    return;
  }
  auto update = m_c->db.prepare("UPDATE runs SET status = ?, error = ?, ended_at = ? WHERE id = ?");
  update.bind(1, runStatusName(status));
  if (error.empty())
    update.bindNull(2);
  else
    update.bind(2, error);
  const bool terminal = status != RunStatus::Created;
  if (terminal)
    update.bind(3, unixTimeSeconds());
  else
    update.bindNull(3);
  update.bind(4, run).run();
  // An ended run moves from the WAL into the database file. SQLite ignores a
  // WAL's frames from the first bad checksum on, so a truncated or damaged
  // -wal used to drop runs long finished, with integrity_check still "ok";
  // now it can only cost the steps of a run still recording. PASSIVE: never
  // waits for readers (what they still read is checkpointed next time).
  if (terminal) sqlite3_wal_checkpoint_v2(m_c->db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

// Drops a half-written step. Some errors (SQLITE_FULL, IOERR, NOMEM) have
// already rolled the whole transaction back, savepoint included: then there
// is nothing to undo, and the original error must still reach the caller.
void Store::undoStep() {
  if (!m_c->db.inTransaction()) return;
  try {
    m_c->db.exec("ROLLBACK TO step");
    m_c->db.exec("RELEASE step");
  } catch (const SqliteError&) {
    // The savepoint is gone; the error being handled says why.
  }
}

void Store::appendStep(std::int64_t run, const StepRecord& record) {
  if (!m_c->db.inTransaction()) m_c->db.exec("BEGIN IMMEDIATE");
  m_c->db.exec("SAVEPOINT step");
  try {
    m_c->insertStep->bind(1, run).bind(2, record.step).bind(3, unixTimeSeconds()).run();
    for (const auto& [name, value] : record.metrics) {
      m_c->insertMetric->bind(1, run).bind(2, record.step).bind(3, name);
      // SQLite stores NaN as NULL; bind it so explicitly.
      if (std::isnan(value))
        m_c->insertMetric->bindNull(4);
      else
        m_c->insertMetric->bind(4, value);
      m_c->insertMetric->run();
    }
    for (const auto& [name, array] : record.arrays) {
      const std::span<const std::byte> raw(array.bytes(), array.nbytes());
      const EncodedArray encoded = encodeArray(raw, m_options.compressArrays, m_options.zstdLevel);
      const auto stored = encoded.codec == "raw" ? raw : std::span<const std::byte>(encoded.bytes);
      m_c->insertArray->bind(1, run)
          .bind(2, record.step)
          .bind(3, name)
          .bind(4, dtypeName(array.dtype()))
          .bind(5, nlohmann::json(array.shape()).dump())
          .bind(6, encoded.codec)
          .bind(7, static_cast<std::int64_t>(raw.size()))
          .bindBlob(8, stored)
          .bind(9, static_cast<std::int64_t>(storedCrc32(stored)));
      m_c->insertArray->run();
      m_pendingBytes += stored.size();
    }
    m_c->db.exec("RELEASE step");
  } catch (const SqliteError& e) {
    undoStep();
    // The usual cause is a name used twice in one step, or a step number reused;
    // disk full or I/O errors come through here too, with SQLite's message.
    throw std::runtime_error("recording step " + std::to_string(record.step) + " of run " + std::to_string(run) + ": " +
                             e.what());
  } catch (...) {
    undoStep();
    throw;
  }
  m_pendingBytes += 32 * record.metrics.size() + 16;
}

void Store::commit() {
  if (m_c->db.inTransaction()) m_c->db.exec("COMMIT");
  m_pendingBytes = 0;
}

void Store::removeRun(std::int64_t run) {
  refuseWrite();
  const RunInfo info = getRun(run);
  if ((info.status == RunStatus::Running || info.status == RunStatus::Created) &&
      isProcessAlive({info.host, info.pid, 0})) {
    throw InputError("run " + std::to_string(run), "still " + std::string(runStatusName(info.status)) + " in process " +
                                                       std::to_string(info.pid) + " on " + info.host +
                                                       "; cancel it first");
  }
  commit();
  SqliteTransaction tx(m_c->db);
  for (const char* table : {"arrays", "metrics", "steps", "artifacts"}) {
    m_c->db.prepare(std::string("DELETE FROM ") + table + " WHERE run_id = ?").bind(1, run).run();
  }
  m_c->db.prepare("DELETE FROM runs WHERE id = ?").bind(1, run).run();
  tx.commit();
}

void Store::putArtifact(std::int64_t run, const std::string& name, const std::string& mime,
                        std::span<const std::byte> bytes) {
  getRun(run);
  commit();
  m_c->db.prepare("INSERT OR REPLACE INTO artifacts(run_id, name, mime, created_at, data) VALUES (?, ?, ?, ?, ?)")
      .bind(1, run)
      .bind(2, name)
      .bind(3, mime)
      .bind(4, unixTimeSeconds())
      .bindBlob(5, bytes)
      .run();
}

}  // namespace loupe
