// Files the store must refuse — and leave byte-for-byte as they were
// (checked by SHA-256 computed by Python's hashlib).
#include <gtest/gtest.h>

#include "engines/core/Error.h"
#include "experiments/Recipe.h"
#include "experiments/Sqlite.h"
#include "experiments/Store.h"
#include "experiments/StoreSchema.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

// Opens `file` as a store, expects InputError containing `expected`, and
// checks the file's hash and size did not change and no side files appeared.
void expectRefusedUntouched(const fs::path& file, const std::string& expected) {
  const std::string before = testing::fileSha256(file);
  const auto sizeBefore = fs::file_size(file);
  try {
    Store store(file);
    FAIL() << "opened " << file;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(file.string() + ": ", 0), 0u)
        << "message must start with the file: " << e.what();
  }
  EXPECT_EQ(testing::fileSha256(file), before);
  EXPECT_EQ(fs::file_size(file), sizeBefore);
  EXPECT_FALSE(fs::exists(file.string() + "-journal"));
}

TEST(StoreRefusal, TextFileIsNotTouched) {
  testing::TempDir dir;
  testing::writeFile(dir / "notes.txt", "these are my notes, not a database\n");
  expectRefusedUntouched(dir / "notes.txt", "not an SQLite database (first bytes: 74 68 65 73");
}

TEST(StoreRefusal, ShortBinaryFileIsNotTouched) {
  testing::TempDir dir;
  testing::writeFile(dir / "x.sqlite", std::string("SQLite", 6));  // truncated header
  expectRefusedUntouched(dir / "x.sqlite", "not an SQLite database");
}

TEST(StoreRefusal, NewerSchemaIsNotTouched) {
  testing::TempDir dir;
  const fs::path file = dir / "future.sqlite";
  {
    Store store(file);
    Recipe r;
    r.kind = "test.series";
    r.name = "kept";
    const auto id = store.createRun(r, "1", "cpu");
    store.setRunStatus(id, RunStatus::Finished);
    store.database().exec("PRAGMA user_version = 99");
    // Fold the WAL back so the main file holds everything before we hash it.
    store.database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    store.database().exec("PRAGMA journal_mode = DELETE");
  }
  expectRefusedUntouched(file, "written by a newer Loupe (store schema 99, this build reads up to " +
                                   std::to_string(kStoreSchemaVersion) + ")");
  // The refused file still holds its run, readable by plain SQLite.
  SqliteDb raw(file, SQLITE_OPEN_READONLY);
  EXPECT_EQ(raw.queryText("SELECT name FROM runs"), "kept");
}

TEST(StoreRefusal, OtherApplicationsDatabaseIsNotTouched) {
  testing::TempDir dir;
  const fs::path file = dir / "other.sqlite";
  {
    SqliteDb db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES ('ada');");
  }
  expectRefusedUntouched(file, "an SQLite database of another application");
}

TEST(StoreRefusal, DirectoryIsRefused) {
  testing::TempDir dir;
  try {
    Store store(dir.path());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), dir.path().string() + ": is a directory, not a Loupe database");
  }
}

TEST(StoreRefusal, EmptyFileBecomesAStore) {
  // SQLite treats a zero-byte file as an empty database; nothing to lose.
  testing::TempDir dir;
  testing::writeFile(dir / "empty.sqlite", "");
  Store store(dir / "empty.sqlite");
  EXPECT_TRUE(store.listRuns().empty());
}

}  // namespace
// Run 1 with one step holding arrays a = [1, 2, 3, 4] and b = [5, 6] (f32).
std::int64_t recordTwoArrays(Store& store) {
  Recipe recipe;
  recipe.kind = "test.series";
  recipe.name = "r";
  const auto run = store.createRun(recipe, "1", "cpu");
  StepRecord r;
  r.step = 0;
  r.array("a", Array::fromValues<float>({4}, std::vector<float>{1, 2, 3, 4}));
  r.array("b", Array::fromValues<float>({2}, std::vector<float>{5, 6}));
  store.appendStep(run, r);
  store.commit();
  return run;
}

// Issue 19: a stored array row is read as warily as a file. A shape of
// [4, 2^62] (its byte size wrapped; the exported .npy then crashed our own
// reader) and a non-integral [1.5] are refused, naming run, step and array,
// before anything is allocated; the rest of the run stays readable.
TEST(StoreRefusal, DamagedArrayShapesAreNamedErrors) {
  testing::TempDir dir;
  Store store(dir / "s.sqlite");
  const auto run = recordTwoArrays(store);
  auto errorOf = [&](const std::string& shape) {
    store.database().exec("UPDATE arrays SET shape = '" + shape + "' WHERE name = 'a'");
    try {
      store.readArray(run, 0, "a");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(errorOf("[4, 4611686018427387904]"),
            "run 1, step 0, array a: shape [4, 4611686018427387904] of 4-byte elements is more than 2^62 bytes");
  EXPECT_EQ(errorOf("[1.5]"), "run 1, step 0, array a: shape [1.5] must list non-negative integers");
  EXPECT_EQ(errorOf("[5]"), "run 1, step 0, array a: raw size 16 does not match dtype and shape");
  EXPECT_EQ(store.readArray(run, 0, "b").data<float>()[1], 6.0f);  // the rest of the step is intact
}

// Issue 19: a corrupted byte inside an array blob used to export silently.
// Every array now carries a CRC-32 of its stored bytes, checked on every
// read: the damaged array is named (run, step, array), its neighbours read.
TEST(StoreRefusal, ADamagedArrayBlobIsReportedNotExported) {
  testing::TempDir dir;
  StoreOptions raw;
  raw.compressArrays = false;  // damage a raw-codec blob: nothing else would notice
  Store store(dir / "s.sqlite", raw);
  const auto run = recordTwoArrays(store);
  EXPECT_EQ(store.readArray(run, 0, "a").data<float>()[3], 4.0f);  // intact, checksum verified
  std::vector<std::byte> bytes;
  {
    auto select = store.database().prepare("SELECT data FROM arrays WHERE name = 'a'");
    ASSERT_TRUE(select.step());
    const auto blob = select.columnBlob(0);
    bytes.assign(blob.begin(), blob.end());
  }
  bytes[5] ^= std::byte{0x10};  // one bit of the second float
  store.database().prepare("UPDATE arrays SET data = ? WHERE name = 'a'").bindBlob(1, bytes).run();
  try {
    store.readArray(run, 0, "a");
    FAIL() << "damage went unnoticed";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "run 1, step 0, array a: the stored bytes are damaged (checksum mismatch) in " +
                                         (dir / "s.sqlite").string());
  }
  EXPECT_EQ(store.readArray(run, 0, "b").data<float>()[1], 6.0f);
  EXPECT_EQ(store.integrityCheck(), "ok");  // SQLite itself sees nothing wrong
}

}  // namespace loupe
