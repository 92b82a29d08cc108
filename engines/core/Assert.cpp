#include "engines/core/Assert.h"

namespace loupe::detail {

void assertionFailed(const char* file, int line, const char* condition, const std::string& message) {
  std::string what = std::string(file) + ":" + std::to_string(line) + ": assertion `" + condition + "` failed";
  if (!message.empty()) what += ": " + message;
  throw AssertionError(what);
}

}  // namespace loupe::detail
