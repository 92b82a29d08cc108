// Whole decoding runs by four methods on the same target, with what each
// step did — the numbers the specdec kinds record and the panel draws:
// - Target: plain decoding, one target call per token;
// - Chain: a draft model proposes γ tokens, verified by speculative sampling
//   (exact) or greedily;
// - Medusa: heads fill a candidate tree (a choice list), one target call
//   scores every node (the tree attention mask makes that one batched call),
//   greedy or typical acceptance keeps the longest accepted path, and the
//   logits at its end give the next root for free;
// - Mtp: a chain of MTP heads as the draft, verified like Chain.
// Greedy runs of every method emit exactly the target's greedy tokens.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "engines/specdec/DraftHeads.h"
#include "engines/specdec/MedusaTree.h"

namespace loupe::specdec {

enum class Method { Target, Chain, Medusa, Mtp };
Method methodFromName(const std::string& name);  // "target", "chain", "medusa", "mtp"; throws otherwise
std::string methodName(Method m);

struct AcceptanceRule {
  bool greedy = true;
  // Typical acceptance (Medusa's fast path): a node kept while
  // p(token) > min(threshold, alpha·e^(−H)), p = softmax(logits / T); the
  // root is the target's argmax either way. threshold and alpha as
  // medusa_generate's defaults, T as Medusa's command line's.
  double temperature = 0.7, threshold = 0.09, alpha = 0.3;
};

struct StepTrace {
  std::vector<int> emitted;  // the tokens this step added
  int accepted = 0;          // drafts kept (tree: accepted path length below the root)
  int drafted = 0;           // chain: γ; tree: its depth
  // The deepest draft this step could have kept along what it accepted:
  // chain γ; tree: one below the last accepted node if it has children, else
  // that node's depth (a leaf ends the path without a rejection). Acceptance
  // by depth counts depth d as tried only where reachable ≥ d.
  int reachable = 0;
  // Tree (Medusa) only, node 0 the root: token, parent, the target's
  // probability of the node's token given its path, on the accepted path.
  std::vector<int> nodeToken, nodeParent;
  std::vector<double> nodeProbability;
  std::vector<int> acceptedNodes;  // root first
};

struct DecodeRun {
  std::vector<int> tokens;
  std::vector<StepTrace> steps;
  long targetCalls = 0, draftCalls = 0;
  double seconds = 0;
};

struct DecodeSettings {
  Method method = Method::Target;
  int tokens = 100;
  int gamma = 4;        // chain / MTP drafts per step
  AcceptanceRule rule;  // greedy, or sampling (chain/MTP: speculative sampling; Medusa: typical)
  Choices tree;         // Medusa
  int topk = 10;        // Medusa: ranks per head
};

struct DecodeModels {
  const TokenModel* target = nullptr;
  const TokenModel* draft = nullptr;       // Chain
  const MedusaHeads* medusa = nullptr;     // Medusa
  const EstimatedMtpHeads* mtp = nullptr;  // Mtp (counted heads), unless mtpDraft is given
  StepDraft* mtpDraft = nullptr;           // Mtp: any step draft (a transformer's MTP modules)
};

DecodeRun decode(const DecodeModels& models, const DecodeSettings& settings, const std::vector<int>& prompt,
                 std::mt19937_64& rng);

// One Medusa step from `context`, with `rootDistribution` the target's
// distribution after it (from the previous step's verification). Returns the
// trace; next receives the target's distribution after the emitted tokens.
StepTrace medusaStep(const TokenModel& target, const MedusaHeads& heads, const MedusaBuffers& tree, int topk,
                     const AcceptanceRule& rule, const std::vector<int>& context,
                     const std::vector<double>& rootDistribution, std::vector<double>& next);

struct DecodeMetrics {
  double tokensPerStep = 0;               // mean tokens per target call after the first: the "accepted length"
  double meanAccepted = 0;                // drafts kept per step
  double targetCallsPerToken = 0;         // counting the first call
  std::vector<double> acceptanceByDepth;  // P(depth d kept | depth d − 1 kept), d = 1 …
  std::vector<long> acceptedHistogram;    // steps by drafts kept
  double tokensPerSecond = 0;
  // Speed-up over plain decoding when a draft call costs `costRatio` target
  // calls: tokens per step / (1 + costRatio · draft calls per step).
  double speedup(double costRatio, const DecodeRun& run) const;
};

DecodeMetrics metricsOf(const DecodeRun& run);

// Several runs as one for metrics (repeats over seeds): tokens, steps, calls
// and time appended.
void appendRun(DecodeRun& into, DecodeRun run);

}  // namespace loupe::specdec
