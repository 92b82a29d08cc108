// What a Store holds behind its pointer: the SQLite connection and the
// prepared inserts of the write path. Included by Store*.cpp only, so that
// Store.h stays free of <sqlite3.h>.
#pragma once

#include <optional>

#include "experiments/Sqlite.h"
#include "experiments/Store.h"

namespace loupe {

// Members are destroyed bottom-up: the statements are finalised before the
// connection closes.
struct Store::Connection {
  SqliteDb db;
  std::optional<SqliteStatement> insertStep, insertMetric, insertArray;
};

}  // namespace loupe
