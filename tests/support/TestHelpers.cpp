#include "tests/support/TestHelpers.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace loupe::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const fs::path candidate = fs::temp_directory_path() / ("loupe-test-" + std::to_string(rd()));
    if (fs::create_directory(candidate)) {
      m_path = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(m_path, ec);
}

namespace {

std::vector<std::string> environmentWith(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (extra.count(entry.substr(0, eq))) continue;
    env.push_back(entry);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const fs::path& outFile, const fs::path& errFile) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> args = argv;
  std::vector<std::string> envs = environmentWith(env);
  auto argp = pointers(args);
  auto envp = pointers(envs);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

}  // namespace

pid_t spawnProcess(const std::vector<std::string>& argv, const fs::path& outFile, const fs::path& errFile) {
  return spawn(argv, {}, outFile, errFile);
}

ProcessResult runProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  TempDir dir;
  const pid_t pid = spawn(argv, env, dir / "out", dir / "err");
  int status = 0;
  waitpid(pid, &status, 0);
  ProcessResult r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = readFile(dir / "out");
  r.err = readFile(dir / "err");
  return r;
}

ProcessResult runPython(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {LOUPE_PYTHON, "-c", script};
  argv.insert(argv.end(), args.begin(), args.end());
  return runProcess(argv);
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string fileSha256(const fs::path& path) {
  const auto r = runPython("import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())",
                           {path.string()});
  if (r.exitCode != 0) throw std::runtime_error("hashing " + path.string() + " failed: " + r.err);
  return r.out;
}

double chiSquareP(const std::vector<double>& observed, const std::vector<double>& probability) {
  std::ostringstream o, p;
  o.precision(17), p.precision(17);
  for (std::size_t i = 0; i < observed.size(); ++i)
    o << (i ? "," : "") << observed[i], p << (i ? "," : "") << probability[i];
  const auto r = runPython(
      "import sys, numpy as np\nfrom scipy.stats import chisquare\n"
      "o = np.array([float(v) for v in sys.argv[1].split(',')]); p = np.array([float(v) for v in "
      "sys.argv[2].split(',')])\n"
      "e = p / p.sum() * o.sum(); small = e < 5\n"
      "o2 = np.append(o[~small], o[small].sum()); e2 = np.append(e[~small], e[small].sum())\n"
      "if e2[-1] == 0: o2, e2 = o2[:-1], e2[:-1]\n"
      "print(chisquare(o2, e2).pvalue)\n",
      {o.str(), p.str()});
  if (r.exitCode != 0) throw std::runtime_error("scipy chisquare failed: " + r.err);
  return std::stod(r.out);
}

}  // namespace loupe::testing
