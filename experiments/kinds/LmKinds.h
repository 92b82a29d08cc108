// Engine kinds of the language-model topic: `lm.generate` (a prompt through
// a Llama-architecture checkpoint, token by token, with the model's belief
// at every step). Other topics' kinds read models through modelFolder().
#pragma once

#include <filesystem>
#include <string>

#include "experiments/KindRegistry.h"

namespace loupe {

void registerLmKinds(KindRegistry& registry);

// The models Loupe ships (resources/models).
std::filesystem::path shippedModelsDir();
// A `model` parameter: empty for the shipped loupe-llama-2m, a shipped
// model's name, or a checkpoint folder. Throws InputError naming `field`
// when it is none of these.
std::filesystem::path modelFolder(const std::string& value, const std::string& field);

}  // namespace loupe
