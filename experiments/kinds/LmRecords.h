// What the lm.* kinds record, named once for the kinds that write it and
// the panel that reads it (panels/lm). No engine header: panels include
// this. A list of token texts is stored as their UTF-8 bytes concatenated
// (text, u8) with each one's byte length beside it (int64): a token may be
// any byte, a newline included, so no separator is safe.
//
// lm.generate — step 0 is the prompt's prefill, then one step per
//   generated token:
//   step 0: prompt_tokens (int64 ids, <s> first), prompt_pieces +
//     prompt_piece_lengths (each prompt token's text), model (text: the
//     checkpoint folder), metrics prompt_length, prefill_seconds,
//     prefill_tokens_per_s, parameters (count), weight_bytes;
//   step t ≥ 1: metrics token (id), probability (the model's p of it at
//     T = 1), entropy (nats), position; token_text (text); the model's
//     most likely alternatives: top_tokens (int64), top_probabilities
//     (float64), top_pieces + top_piece_lengths;
//   the last step also: generated_text (text, the ids decoded),
//     metrics generated_tokens, decode_seconds, decode_tokens_per_s,
//     mean_probability, mean_entropy, stopped_at_eos (0/1).
// lm.perplexity — one step per 50 lines (and the last): metrics lines,
//   tokens_scored, perplexity (so far); the last step also nll_per_token
//   (nats), seconds, tokens_per_s and line_nll (float64, each line's
//   summed negative log-likelihood).
#pragma once

namespace loupe::lm_records {

inline constexpr const char* kPromptTokens = "prompt_tokens";
inline constexpr const char* kPromptPieces = "prompt_pieces";
inline constexpr const char* kPromptPieceLengths = "prompt_piece_lengths";
inline constexpr const char* kModel = "model";
inline constexpr const char* kPromptLength = "prompt_length";
inline constexpr const char* kPrefillSeconds = "prefill_seconds";
inline constexpr const char* kPrefillTokensPerS = "prefill_tokens_per_s";
inline constexpr const char* kParameters = "parameters";
inline constexpr const char* kWeightBytes = "weight_bytes";

inline constexpr const char* kToken = "token";
inline constexpr const char* kProbability = "probability";
inline constexpr const char* kEntropy = "entropy";
inline constexpr const char* kPosition = "position";
inline constexpr const char* kTokenText = "token_text";
inline constexpr const char* kTopTokens = "top_tokens";
inline constexpr const char* kTopProbabilities = "top_probabilities";
inline constexpr const char* kTopPieces = "top_pieces";
inline constexpr const char* kTopPieceLengths = "top_piece_lengths";

inline constexpr const char* kGeneratedText = "generated_text";
inline constexpr const char* kGeneratedTokens = "generated_tokens";
inline constexpr const char* kDecodeSeconds = "decode_seconds";
inline constexpr const char* kDecodeTokensPerS = "decode_tokens_per_s";
inline constexpr const char* kMeanProbability = "mean_probability";
inline constexpr const char* kMeanEntropy = "mean_entropy";
inline constexpr const char* kStoppedAtEos = "stopped_at_eos";

inline constexpr const char* kLines = "lines";
inline constexpr const char* kTokensScored = "tokens_scored";
inline constexpr const char* kPerplexity = "perplexity";
inline constexpr const char* kNllPerToken = "nll_per_token";
inline constexpr const char* kSeconds = "seconds";
inline constexpr const char* kTokensPerS = "tokens_per_s";
inline constexpr const char* kLineNll = "line_nll";

}  // namespace loupe::lm_records
