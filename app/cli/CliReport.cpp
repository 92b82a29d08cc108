// `loupe report`: figures need the workbench's views, which need Qt and an
// X server — the CLI itself links no GUI library. So it hands the job to
// `loupe-workbench --report`, which starts its own Xvfb when there is no
// display (and says how to get one when it cannot).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "app/cli/Cli.h"
#include "app/cli/CliCommands.h"
#include "engines/core/Error.h"

namespace loupe {

namespace fs = std::filesystem;

namespace {

// Next to this executable (installed layout), in the build tree, or on PATH.
std::string findWorkbench() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate :
         {self.parent_path() / "loupe-workbench", self.parent_path().parent_path() / "workbench" / "loupe-workbench",
          self.parent_path().parent_path() / "app" / "workbench" / "loupe-workbench"}) {
      if (fs::exists(candidate, ec)) return candidate.string();
    }
  }
  return "loupe-workbench";
}

}  // namespace

int commandReport(const fs::path& db, const std::vector<std::string>& runs, const fs::path& out) {
  const std::string ext = out.extension().string();
  if (ext != ".html" && ext != ".htm" && ext != ".pdf") {
    throw InputError(out.string(), "a report is .html or .pdf");
  }
  std::vector<std::string> args = {findWorkbench(), "--db", db.string(), "--report", fs::absolute(out).string()};
  {
    Store store(db);  // refuses a bad database here, with the CLI's message
    for (const auto& r : runs) args.push_back(std::to_string(parseRunId(store, r)));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  execvp(argv[0], argv.data());
  throw InputError("loupe report",
                   "cannot start " + args[0] + " (the workbench is not built: install Qt 6 and VTK with `make run`)");
}

}  // namespace loupe
