#include "experiments/Records.h"

#include <stdexcept>

namespace loupe {

const char* runStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::Created:
      return "created";
    case RunStatus::Running:
      return "running";
    case RunStatus::Finished:
      return "finished";
    case RunStatus::Failed:
      return "failed";
    case RunStatus::Cancelled:
      return "cancelled";
    case RunStatus::Interrupted:
      return "interrupted";
  }
  return "?";
}

RunStatus runStatusFromName(const std::string& name) {
  for (RunStatus s : {RunStatus::Created, RunStatus::Running, RunStatus::Finished, RunStatus::Failed,
                      RunStatus::Cancelled, RunStatus::Interrupted}) {
    if (name == runStatusName(s)) return s;
  }
  throw std::invalid_argument("unknown run status '" + name + "'");
}

}  // namespace loupe
