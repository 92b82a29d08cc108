// What a Store holds behind its pointer: the SQLite connection and the
// prepared inserts of the write path. Included by Store*.cpp only, so that
// Store.h stays free of <sqlite3.h>.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "experiments/Sqlite.h"
#include "experiments/Store.h"

namespace loupe {

// Members are destroyed bottom-up: the statements are finalised before the
// connection closes.
struct Store::Connection {
  // The database file (device, inode) while this connection has it open:
  // see OpenStores in Store.cpp.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> fileId;
  SqliteDb db;
  bool readOnly = false;  // this process may not write the file or its directory
  std::optional<SqliteStatement> insertStep, insertMetric, insertArray;
};

}  // namespace loupe
