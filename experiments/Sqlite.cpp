#include "experiments/Sqlite.h"

#include <cstdio>

namespace loupe {

SqliteDb::SqliteDb(const std::filesystem::path& path, int flags) : m_path(path) {
  const int rc = sqlite3_open_v2(path.c_str(), &m_db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    sqlite3_close_v2(m_db);
    m_db = nullptr;
    throw SqliteError(path.string() + ": cannot open database: " + message, rc);
  }
  sqlite3_extended_result_codes(m_db, 1);
}

SqliteDb SqliteDb::openReadOnlyUri(const std::filesystem::path& path, const std::string& query) {
  // A URI's path escapes '%', '?' and '#' (RFC 3986 as SQLite reads it).
  std::string uri = "file:";
  for (const char ch : std::filesystem::absolute(path).string()) {
    if (ch == '%' || ch == '?' || ch == '#') {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", static_cast<unsigned char>(ch));
      uri += escaped;
    } else {
      uri += ch;
    }
  }
  uri += "?" + query;
  SqliteDb db;
  const int rc =
      sqlite3_open_v2(uri.c_str(), &db.m_db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  db.m_path = path;
  if (rc != SQLITE_OK) {
    const std::string message = db.m_db ? sqlite3_errmsg(db.m_db) : sqlite3_errstr(rc);
    throw SqliteError(path.string() + ": cannot open database read-only: " + message, rc);
  }
  sqlite3_extended_result_codes(db.m_db, 1);
  return db;
}

SqliteDb::~SqliteDb() {
  if (m_db) sqlite3_close_v2(m_db);
}

SqliteDb::SqliteDb(SqliteDb&& other) noexcept : m_db(other.m_db), m_path(std::move(other.m_path)) {
  other.m_db = nullptr;
}

SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    if (m_db) sqlite3_close_v2(m_db);
    m_db = other.m_db;
    m_path = std::move(other.m_path);
    other.m_db = nullptr;
  }
  return *this;
}

void SqliteDb::fail(int code, std::string_view context) const {
  throw SqliteError(m_path.string() + ": " + std::string(context) + ": " + sqlite3_errmsg(m_db), code);
}

void SqliteDb::exec(std::string_view sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(m_db, std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw SqliteError(m_path.string() + ": " + message, rc);
  }
}

SqliteStatement SqliteDb::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) fail(rc, "preparing \"" + std::string(sql.substr(0, 60)) + "\"");
  return SqliteStatement(*this, stmt);
}

std::int64_t SqliteDb::queryInt(std::string_view sql) {
  auto stmt = prepare(sql);
  return stmt.step() ? stmt.columnInt(0) : 0;
}

std::string SqliteDb::queryText(std::string_view sql) {
  auto stmt = prepare(sql);
  return stmt.step() ? stmt.columnText(0) : std::string();
}

SqliteStatement::~SqliteStatement() {
  if (m_stmt) sqlite3_finalize(m_stmt);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept : m_db(other.m_db), m_stmt(other.m_stmt) {
  other.m_stmt = nullptr;
}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    if (m_stmt) sqlite3_finalize(m_stmt);
    m_db = other.m_db;
    m_stmt = other.m_stmt;
    other.m_stmt = nullptr;
  }
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(m_stmt, index, value);
  if (rc != SQLITE_OK) m_db->fail(rc, "bind");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, double value) {
  const int rc = sqlite3_bind_double(m_stmt, index, value);
  if (rc != SQLITE_OK) m_db->fail(rc, "bind");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  const int rc = sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) m_db->fail(rc, "bind");
  return *this;
}

SqliteStatement& SqliteStatement::bindBlob(int index, std::span<const std::byte> bytes) {
  // SQLITE_STATIC: callers keep the bytes alive until step() — saves a copy of
  // every array on the hot path.
  // An empty span may have a null data pointer, which SQLite would bind as NULL.
  const int rc = bytes.empty() ? sqlite3_bind_zeroblob(m_stmt, index, 0)
                               : sqlite3_bind_blob64(m_stmt, index, bytes.data(), bytes.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK) m_db->fail(rc, "bind");
  return *this;
}

SqliteStatement& SqliteStatement::bindNull(int index) {
  const int rc = sqlite3_bind_null(m_stmt, index);
  if (rc != SQLITE_OK) m_db->fail(rc, "bind");
  return *this;
}

bool SqliteStatement::step() {
  const int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string sql = sqlite3_sql(m_stmt) ? sqlite3_sql(m_stmt) : "";
  sqlite3_reset(m_stmt);
  m_db->fail(rc, "executing \"" + sql.substr(0, 60) + "\"");
}

void SqliteStatement::run() {
  while (step()) {
  }
  reset();
}

void SqliteStatement::reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

std::string SqliteStatement::columnText(int col) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, col));
  return text ? std::string(text, sqlite3_column_bytes(m_stmt, col)) : std::string();
}

std::span<const std::byte> SqliteStatement::columnBlob(int col) const {
  const void* data = sqlite3_column_blob(m_stmt, col);
  const int size = sqlite3_column_bytes(m_stmt, col);
  return {static_cast<const std::byte*>(data), static_cast<std::size_t>(size)};
}

SqliteTransaction::SqliteTransaction(SqliteDb& db) : m_db(db) {
  m_db.exec("BEGIN IMMEDIATE");
}

SqliteTransaction::~SqliteTransaction() {
  if (!m_done) {
    try {
      m_db.exec("ROLLBACK");
    } catch (...) {
      // A failed rollback leaves SQLite to roll back on close; nothing to add.
    }
  }
}

void SqliteTransaction::commit() {
  m_db.exec("COMMIT");
  m_done = true;
}

}  // namespace loupe
