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
//   step 0 also vocabulary (text, UTF-8, one word a line), prompt_tokens
//     (int64) and the metric subword_vocabulary (1: the words are a
//     transformer's subword pieces, carrying their own spaces — join them
//     as they are; 0: words, joined by spaces);
//   the last step also the run's summary (below).
// specdec.compare — one step per method, in the `methods` param's order:
//   method_name (text: "target", "chain", "mtp" or "medusa:<tree>"), the
//   summary over all repeats, tokens (int64, the first repeat's generated
//   tokens, prompt excluded), acceptance_by_depth_runs (float64, repeats ×
//   depth: each repeat's acceptance by depth — on the transformer each
//   repeat is another prompt; NaN where a repeat never reached a depth),
//   acceptance_by_depth_low / _high (float64 per depth: the 95 % band of
//   the mean over repeats, mean ± 1.96·s/√n clipped to [0, 1]; NaN with
//   under two repeats),
//   speedup_measured (tokens_per_s over the "target" method's, measured in
//   the same run, for the methods after it); step 0 also vocabulary,
//   prompt_tokens and subword_vocabulary.
// specdec.train_heads — one step per training step: loss_head<k>,
//   learning_rate; every eval_every steps top1_head<k>, topk_head<k>
//   (held-out, 0–1); step 0 unigram_top1, train_tokens, heldout_tokens.
// specdec.design_tree — one step per tree size: nodes, predicted_accepted
//   (greedy decoding walked over the calibration sequences),
//   measured_accepted (decoding the measurement prompts), path_rate_sum
//   (the design's objective: Σ node path rates), mc_sim_predicted_accepted, mc_sim_measured_accepted,
//   independent_predicted_accepted, independent_measured_accepted,
//   model_calls, mc_sim_model_calls; tree (text: the designed choice list,
//   JSON); step 0 rank_accuracy (float64, heads × ranks).
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
inline constexpr const char* kSubwordVocabulary = "subword_vocabulary";
inline constexpr char kVocabularySeparator = '\n';

// specdec.compare
inline constexpr const char* kMethodName = "method_name";
inline constexpr const char* kTokens = "tokens";
inline constexpr const char* kAcceptanceByDepthRuns = "acceptance_by_depth_runs";
inline constexpr const char* kAcceptanceByDepthLow = "acceptance_by_depth_low";
inline constexpr const char* kAcceptanceByDepthHigh = "acceptance_by_depth_high";
inline constexpr const char* kSpeedupMeasured = "speedup_measured";

// specdec.train_heads
inline constexpr const char* kUnigramTop1 = "unigram_top1";
inline std::string lossOfHead(int k) {
  return "loss_head" + std::to_string(k);
}
inline std::string top1OfHead(int k) {
  return "top1_head" + std::to_string(k);
}

// specdec.design_tree
inline constexpr const char* kNodes = "nodes";
inline constexpr const char* kPredictedAccepted = "predicted_accepted";
inline constexpr const char* kMeasuredAccepted = "measured_accepted";
inline constexpr const char* kPathRateSum = "path_rate_sum";
inline constexpr const char* kMcSimPredicted = "mc_sim_predicted_accepted";
inline constexpr const char* kMcSimMeasured = "mc_sim_measured_accepted";
inline constexpr const char* kIndependentPredicted = "independent_predicted_accepted";
inline constexpr const char* kIndependentMeasured = "independent_measured_accepted";
inline constexpr const char* kDesignedTree = "tree";
inline constexpr const char* kRankAccuracy = "rank_accuracy";

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
