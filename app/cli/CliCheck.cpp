// `loupe check`: SQLite's own integrity check, then every recorded array read
// back as `show` and `export` read it — its shape, size and checksum verified
// and its codec decoded — with each problem named by run, step and array.
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli/Cli.h"
#include "app/cli/CliCommands.h"
#include "engines/core/Error.h"
#include "experiments/Store.h"

namespace loupe {

int commandCheck(const std::filesystem::path& db) {
  Store store(db);
  int problems = 0;
  const std::string integrity = store.integrityCheck();
  if (integrity != "ok") {
    std::printf("SQLite integrity check: %s\n", integrity.c_str());
    ++problems;
  }
  std::int64_t arrays = 0;
  for (const RunInfo& run : store.listRuns()) {
    std::vector<ArrayInfo> infos;
    try {
      infos = store.arrayInfos(run.id);
    } catch (const InputError& e) {  // a damaged row in the run's array list
      std::printf("%s\n", e.what());
      ++problems;
      continue;
    }
    for (const ArrayInfo& a : infos) {
      ++arrays;
      try {
        (void)store.readArray(run.id, a.step, a.name);
      } catch (const InputError& e) {
        std::printf("%s\n", e.what());
        ++problems;
      }
    }
  }
  std::printf("%s: %lld runs, %lld arrays checked, %d problem%s\n", db.c_str(),
              static_cast<long long>(store.listRuns().size()), static_cast<long long>(arrays), problems,
              problems == 1 ? "" : "s");
  return problems == 0 ? kExitOk : kExitRunFailed;
}

}  // namespace loupe
