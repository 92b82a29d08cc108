// Decoding a Llama model through its KV cache: plain greedy decoding (one
// forward of one row a token) and Medusa (Cai et al. 2024) with residual
// heads on the model's last hidden state — each step the heads' top-k
// guesses fill a candidate tree, one verifyTree() forward scores every node,
// greedy acceptance keeps the longest path whose every token is the model's
// own argmax after its parent, and the cache keeps that path only. Greedy
// Medusa therefore emits exactly plain greedy decoding's tokens, whatever
// the heads guess; only the number of model calls changes.
#pragma once

#include <vector>

#include "engines/lm/LlamaModel.h"
#include "engines/specdec/MedusaTree.h"
#include "engines/specdec/ResidualHeads.h"

namespace loupe::lm {

struct LmStep {
  std::vector<int> nodeTokens;     // the candidate tree's tokens, node 0 the root (empty for plain decoding)
  std::vector<int> acceptedNodes;  // the kept path, root first
  std::vector<int> emitted;        // the tokens this step added
};

struct LmDecodeRun {
  std::vector<int> tokens;  // generated, prompt excluded
  std::vector<LmStep> steps;
  int modelCalls = 0;  // forwards after the prompt's prefill (plain: one a token; Medusa: one a step)
};

// The cache is cleared first; `n` tokens are generated after `prompt`.
LmDecodeRun plainGreedy(LlamaModel& model, const std::vector<int>& prompt, int n);
LmDecodeRun medusaGreedy(LlamaModel& model, const specdec::ResidualHeads& heads, const specdec::MedusaBuffers& tree,
                         const std::vector<int>& prompt, int n, int topk = 10);

// The heads initialised as Medusa does: every projection a copy of the
// model's LM head (widened to f32), W and b zero.
specdec::ResidualHeads headsFromLmHead(const Checkpoint& checkpoint, int count);

}  // namespace loupe::lm
