// A thin RAII layer over the SQLite C API: a connection and prepared
// statements with typed bind/column helpers. Every failing call throws
// SqliteError carrying SQLite's message and the database path, so the store's
// code reads as SQL and a failure still names the file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace loupe {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& message, int code) : std::runtime_error(message), m_code(code) {}
  int code() const { return m_code; }

 private:
  int m_code;
};

class SqliteStatement;

class SqliteDb {
 public:
  SqliteDb() = default;
  // flags: SQLITE_OPEN_READONLY or SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE.
  SqliteDb(const std::filesystem::path& path, int flags);
  // Read-only through a URI with these query parameters ("mode=ro",
  // "immutable=1"); path() stays the plain path.
  static SqliteDb openReadOnlyUri(const std::filesystem::path& path, const std::string& query);
  ~SqliteDb();
  SqliteDb(SqliteDb&& other) noexcept;
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* handle() const { return m_db; }
  const std::filesystem::path& path() const { return m_path; }

  void exec(std::string_view sql);
  SqliteStatement prepare(std::string_view sql);
  std::int64_t queryInt(std::string_view sql);  // first column of the first row
  std::string queryText(std::string_view sql);
  std::int64_t lastInsertRowId() const { return sqlite3_last_insert_rowid(m_db); }
  bool inTransaction() const { return m_db && !sqlite3_get_autocommit(m_db); }

  [[noreturn]] void fail(int code, std::string_view context) const;

 private:
  sqlite3* m_db = nullptr;
  std::filesystem::path m_path;
};

class SqliteStatement {
 public:
  SqliteStatement(const SqliteDb& db, sqlite3_stmt* stmt) : m_db(&db), m_stmt(stmt) {}
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are 1-based, as in SQLite.
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  SqliteStatement& bind(int index, double value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  SqliteStatement& bindBlob(int index, std::span<const std::byte> bytes);
  SqliteStatement& bindNull(int index);

  // True while a row is available; false when done. Throws on error.
  bool step();
  // Runs a statement that returns no rows, then resets it for reuse.
  void run();
  void reset();  // also clears bindings

  // Columns are 0-based, as in SQLite.
  std::int64_t columnInt(int col) const { return sqlite3_column_int64(m_stmt, col); }
  double columnDouble(int col) const { return sqlite3_column_double(m_stmt, col); }
  std::string columnText(int col) const;
  std::span<const std::byte> columnBlob(int col) const;
  bool columnIsNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }

 private:
  const SqliteDb* m_db;
  sqlite3_stmt* m_stmt;
};

// RAII transaction: BEGIN IMMEDIATE on construction, ROLLBACK unless commit()ed.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db);
  ~SqliteTransaction();
  void commit();

 private:
  SqliteDb& m_db;
  bool m_done = false;
};

}  // namespace loupe
