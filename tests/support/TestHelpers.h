// Shared test utilities: temporary directories, child processes (the CLI,
// the Python oracles), file digests.
#pragma once

#include <sys/types.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace loupe::testing {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

struct ProcessResult {
  int exitCode = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] (a path or a name on PATH) with extra environment variables,
// waits, and captures stdout and stderr. stdin is /dev/null.
ProcessResult runProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

// Starts a process without waiting; its output goes to the given files.
pid_t spawnProcess(const std::vector<std::string>& argv, const std::filesystem::path& outFile,
                   const std::filesystem::path& errFile);

// Runs `LOUPE_PYTHON -c script args...`: the independent numpy/scipy/torch oracle.
ProcessResult runPython(const std::string& script, const std::vector<std::string>& args = {});

// scipy.stats.chisquare's p-value of observed counts against probabilities
// (bins expecting fewer than 5 merged into one). Throws if Python fails.
double chiSquareP(const std::vector<double>& observed, const std::vector<double>& probability);

// pocketsphinx's phone trigram (43 phones) in the shared data: the real
// ARPA model the speculative-decoding tests decode with.
inline std::filesystem::path phoneTrigramPath() {
  return std::filesystem::path(LOUPE_SHARED_DATA) / "ngram_lm" / "pocketsphinx_en-us-phone.arpa";
}

std::string readFile(const std::filesystem::path& path);
void writeFile(const std::filesystem::path& path, const std::string& bytes);

// A file of raw native-endian T values (as numpy's tofile writes them).
template <class T>
std::vector<T> readValues(const std::filesystem::path& path) {
  const std::string bytes = readFile(path);
  std::vector<T> out(bytes.size() / sizeof(T));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

// SHA-256 of a file's bytes, computed by Python's hashlib (not by our code).
std::string fileSha256(const std::filesystem::path& path);

}  // namespace loupe::testing
