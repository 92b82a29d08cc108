#include "engines/core/MappedSafetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe {

MappedSafetensors::MappedSafetensors(const std::filesystem::path& file) : m_path(file) {
  requireRegularFile(file);
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(file.string(), std::string("cannot be opened: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw InputError(file.string(), std::string("cannot be examined: ") + std::strerror(err));
  }
  m_size = static_cast<std::uint64_t>(st.st_size);
  if (m_size < 8) {
    ::close(fd);
    throw InputError(file.string(), "is too short for a safetensors header length (8 bytes)");
  }
  void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps the file
  if (p == MAP_FAILED) throw InputError(file.string(), std::string("cannot be mapped: ") + std::strerror(err));
  m_data = static_cast<const std::byte*>(p);
  try {
    const SafetensorsHeader header =
        parseSafetensorsHeader(std::string_view(reinterpret_cast<const char*>(m_data), m_size), m_size, file.string());
    m_bufferStart = header.bufferStart;
    for (const SafetensorsEntry& e : header.entries) {
      m_order.push_back(e.name);
      m_entries.emplace(e.name, e);
    }
  } catch (...) {
    ::munmap(const_cast<std::byte*>(m_data), m_size);
    throw;
  }
}

MappedSafetensors::~MappedSafetensors() {
  if (m_data) ::munmap(const_cast<std::byte*>(m_data), m_size);
}

std::vector<std::string> MappedSafetensors::names() const {
  return m_order;
}

const SafetensorsEntry& MappedSafetensors::entry(const std::string& name) const {
  const auto it = m_entries.find(name);
  if (it == m_entries.end()) throw InputError(m_path.string() + ": tensor '" + name + "'", "is not in the file");
  return it->second;
}

ArrayView MappedSafetensors::view(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  return ArrayView(m_data + m_bufferStart + e.begin, e.dtype, e.shape);
}

}  // namespace loupe
