// What the specdec.* kinds record, named once for the kinds that write it
// and the panel that reads it (panels/specdec). No engine header: panels
// include this. Token ids index the vocabulary: line i of `vocabulary` is
// token i.
//
// specdec.sample, specdec.medusa — one step per decoding step (one target
//   call):
//   metrics accepted (drafts kept; tree: accepted path length below the
//     root), drafted (chain: γ; tree: its depth), emitted (tokens this step
//     added), tokens_so_far;
//   emitted_tokens (int64, the tokens this step added, in order; chain: the
//     kept drafts first, then the target's own token; tree: the root —
//     the target's token — then the accepted drafts);
//   trees (medusa) only, node 0 the root: node_token (int64, per node),
//     node_parent (int64, per node: index of its parent node, the root's
//     −1), node_probability (float64, per node: the target's probability of
//     the node's token given its path), accepted_nodes (int64, node indices
//     of the accepted path, root first);
//   step 0 also vocabulary (text, UTF-8, one word a line) and prompt_tokens
//     (int64);
//   the last step also the run's summary (below).
// specdec.compare — one step per method, in the `methods` param's order:
//   method_name (text: "target", "chain", "mtp" or "medusa:<tree>"), the
//   summary over all repeats, tokens (int64, the first repeat's generated
//   tokens, prompt excluded); step 0 also vocabulary and prompt_tokens.
// The summary: metrics tokens_per_step (mean tokens per target call after
//   the first: the accepted length), mean_accepted (drafts kept per step),
//   target_calls_per_token, tokens_per_s, speedup_estimate (× over plain
//   decoding at the recipe's cost_ratio), target_calls, draft_calls
//   (counts), seconds (wall time), acceptance_depth_<d> for d = 1 … depth
//   (P(depth d kept | depth d − 1 kept)); arrays acceptance_by_depth
//   (float64, the same per depth, d = index + 1) and accepted_histogram
//   (float64, index i: steps that kept i drafts).
#pragma once

#include <string>

namespace loupe::specdec_records {

// Per decoding step
inline constexpr const char* kAccepted = "accepted";
inline constexpr const char* kDrafted = "drafted";
inline constexpr const char* kEmitted = "emitted";
inline constexpr const char* kTokensSoFar = "tokens_so_far";
inline constexpr const char* kEmittedTokens = "emitted_tokens";
inline constexpr const char* kNodeToken = "node_token";
inline constexpr const char* kNodeParent = "node_parent";
inline constexpr const char* kNodeProbability = "node_probability";
inline constexpr const char* kAcceptedNodes = "accepted_nodes";
inline constexpr const char* kVocabulary = "vocabulary";
inline constexpr const char* kPromptTokens = "prompt_tokens";
inline constexpr char kVocabularySeparator = '\n';

// specdec.compare
inline constexpr const char* kMethodName = "method_name";
inline constexpr const char* kTokens = "tokens";

// The summary
inline constexpr const char* kTokensPerStep = "tokens_per_step";
inline constexpr const char* kMeanAccepted = "mean_accepted";
inline constexpr const char* kTargetCallsPerToken = "target_calls_per_token";
inline constexpr const char* kTokensPerSecond = "tokens_per_s";
inline constexpr const char* kSpeedupEstimate = "speedup_estimate";
inline constexpr const char* kTargetCalls = "target_calls";
inline constexpr const char* kDraftCalls = "draft_calls";
inline constexpr const char* kSeconds = "seconds";
inline constexpr const char* kAcceptanceByDepth = "acceptance_by_depth";
inline constexpr const char* kAcceptedHistogram = "accepted_histogram";
// depth: 1 … the deepest draft.
inline std::string acceptanceDepthOf(std::size_t depth) {
  return "acceptance_depth_" + std::to_string(depth);
}

}  // namespace loupe::specdec_records
