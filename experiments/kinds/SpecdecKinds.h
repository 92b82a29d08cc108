// Engine kinds of the speculative-decoding topic: `specdec.sample` (a draft
// model's chain), `specdec.medusa` (a candidate tree, heads, an acceptance
// rule) and `specdec.compare` (several methods on the same prompt and seeds).
#pragma once

#include <filesystem>

#include "experiments/KindRegistry.h"

namespace loupe {

void registerSpecdecKinds(KindRegistry& registry);

// specdec.train_heads (SpecdecHeadTraining.cpp), registered by registerSpecdecKinds.
void registerHeadTrainingKind(KindRegistry& registry);

// The published Medusa trees (medusa_choices.json) the kinds name by name.
std::filesystem::path medusaChoicesFile();

}  // namespace loupe
