#include "engines/lm/MedusaDecoding.h"

#include <algorithm>

#include "engines/core/Cancellation.h"
#include "engines/core/Error.h"
#include "engines/lm/Linear.h"
#include "engines/lm/ModelDrafts.h"

namespace loupe::lm {

namespace {

int argmax(const float* row, int n) {
  return static_cast<int>(std::max_element(row, row + n) - row);
}

// The `topk` most likely tokens of a logits row, most likely first (ties: lower id).
std::vector<int> topTokens(const float* row, int vocab, int topk) {
  std::vector<int> ids(static_cast<std::size_t>(vocab));
  for (int i = 0; i < vocab; ++i) ids[static_cast<std::size_t>(i)] = i;
  const int k = std::min(topk, vocab);
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(),
                    [&](int a, int b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
  ids.resize(static_cast<std::size_t>(k));
  return ids;
}

}  // namespace

LmDecodeRun plainGreedy(LlamaModel& model, const std::vector<int>& prompt, int n) {
  model.truncate(0);
  LmDecodeRun run;
  std::vector<float> logits = model.forward(prompt);
  const int vocab = model.config().vocab;
  while (static_cast<int>(run.tokens.size()) < n) {
    const int next = argmax(logits.data(), vocab);
    run.tokens.push_back(next);
    run.steps.push_back({{}, {}, {next}});
    if (static_cast<int>(run.tokens.size()) == n) break;
    pollCancel();  // a long generation stops within a token of a cancel (engines/core/Cancellation.h)
    logits = model.forward({next});
    ++run.modelCalls;
  }
  return run;
}

LmDecodeRun medusaGreedy(LlamaModel& model, const specdec::ResidualHeads& heads, const specdec::MedusaBuffers& tree,
                         const std::vector<int>& prompt, int n, int topk) {
  const LlamaConfig& c = model.config();
  if (heads.hidden() != c.hidden || heads.vocab() != c.vocab)
    throw InputError("medusa heads", "are for hidden " + std::to_string(heads.hidden()) + ", vocabulary " +
                                         std::to_string(heads.vocab()) + "; the model has " + std::to_string(c.hidden) +
                                         " and " + std::to_string(c.vocab));
  const int nodes = static_cast<int>(tree.parents.size());
  int depth = 0;
  for (int p : tree.positionIds) depth = std::max(depth, p);
  if (depth > heads.count())
    throw InputError("medusa tree",
                     "is " + std::to_string(depth) + " deep; there are " + std::to_string(heads.count()) + " heads");
  std::vector<std::vector<int>> children(static_cast<std::size_t>(nodes));
  for (int i = 1; i < nodes; ++i)
    children[static_cast<std::size_t>(tree.parents[static_cast<std::size_t>(i)])].push_back(i);

  model.truncate(0);
  LmDecodeRun run;
  std::vector<float> logits = model.forward(prompt);
  std::vector<float> hidden = model.lastHidden();
  std::vector<float> headLogits(static_cast<std::size_t>(c.vocab));
  while (static_cast<int>(run.tokens.size()) < n) {
    pollCancel();
    // Candidates: the root is the model's own next token; head k guesses the
    // token k + 1 after it, from the hidden state the root's logits came from.
    std::vector<std::vector<int>> guesses;
    for (int k = 0; k < depth; ++k) {
      heads.forward(k, hidden.data(), 1, headLogits.data());
      guesses.push_back(topTokens(headLogits.data(), c.vocab, topk));
    }
    LmStep step;
    step.nodeTokens.resize(static_cast<std::size_t>(nodes));
    step.nodeTokens[0] = argmax(logits.data(), c.vocab);
    for (int i = 1; i < nodes; ++i) {
      const int flat = tree.treeIndices[static_cast<std::size_t>(i)] - 1;  // into [top-k of head 0, head 1, …]
      step.nodeTokens[static_cast<std::size_t>(i)] =
          guesses[static_cast<std::size_t>(flat / topk)][static_cast<std::size_t>(flat % topk)];
    }
    const std::vector<float> nodeLogits = model.verifyTree(step.nodeTokens, tree.parents);
    const std::vector<float> nodeHidden = model.lastHidden();
    ++run.modelCalls;
    // Greedy acceptance: follow the child that is the model's argmax after its parent.
    int cur = 0;
    step.acceptedNodes.push_back(0);
    for (;;) {
      const int want = argmax(&nodeLogits[static_cast<std::size_t>(cur) * c.vocab], c.vocab);
      int next = -1;
      for (int ch : children[static_cast<std::size_t>(cur)])
        if (step.nodeTokens[static_cast<std::size_t>(ch)] == want) next = ch;
      if (next < 0) break;
      step.acceptedNodes.push_back(next);
      cur = next;
    }
    const int room = n - static_cast<int>(run.tokens.size());
    if (static_cast<int>(step.acceptedNodes.size()) > room) step.acceptedNodes.resize(static_cast<std::size_t>(room));
    cur = step.acceptedNodes.back();
    model.acceptPath(step.acceptedNodes);
    for (int node : step.acceptedNodes) step.emitted.push_back(step.nodeTokens[static_cast<std::size_t>(node)]);
    run.tokens.insert(run.tokens.end(), step.emitted.begin(), step.emitted.end());
    logits.assign(nodeLogits.begin() + static_cast<std::ptrdiff_t>(cur) * c.vocab,
                  nodeLogits.begin() + static_cast<std::ptrdiff_t>(cur + 1) * c.vocab);
    hidden.assign(nodeHidden.begin() + static_cast<std::ptrdiff_t>(cur) * c.hidden,
                  nodeHidden.begin() + static_cast<std::ptrdiff_t>(cur + 1) * c.hidden);
    run.steps.push_back(std::move(step));
  }
  return run;
}

specdec::ResidualHeads headsFromLmHead(const Checkpoint& checkpoint, int count) {
  return specdec::ResidualHeads(count, checkpoint.config.hidden, checkpoint.config.vocab, wideLmHead(checkpoint));
}

}  // namespace loupe::lm
