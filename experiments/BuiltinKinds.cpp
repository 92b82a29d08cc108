#include "experiments/KindRegistry.h"

namespace loupe {

void registerBuiltinKinds(KindRegistry& /*registry*/) {
  // Each topic's issue adds its call here, e.g. registerAttentionKinds(registry).
}

}  // namespace loupe
