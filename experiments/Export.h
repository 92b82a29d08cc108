// Getting data out of the store in formats other tools read:
// - metrics → CSV, one row per step, one column per metric (pandas.read_csv,
//   spreadsheets); empty cell where a step lacks a metric; values printed with
//   17 significant digits so they round-trip exactly.
// - arrays → .npy v1.0 (numpy.load): little-endian, C order, the array's own
//   dtype. bf16 has no numpy dtype: it is widened to float32, which is exact.
// - a run → JSON: its record, recipe, per-step metrics and array metadata.
//
// Files are written to a temporary name and renamed, so a crash never leaves
// a half-written export behind. Errors name the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engines/core/Array.h"
#include "experiments/Store.h"

namespace loupe {

// The numpy dtype string (descr) an array of this dtype is exported as.
std::string npyDescr(DType dtype);

void writeNpy(const std::filesystem::path& file, const Array& array);

// Each returns the files it wrote. outDir is created if missing.
std::filesystem::path exportMetricsCsv(Store& store, std::int64_t run, const std::filesystem::path& outDir);
std::vector<std::filesystem::path> exportArraysNpy(Store& store, std::int64_t run, const std::filesystem::path& outDir,
                                                   const std::optional<std::string>& arrayName = std::nullopt,
                                                   const std::optional<std::int64_t>& step = std::nullopt);
std::filesystem::path exportRunJson(Store& store, std::int64_t run, const std::filesystem::path& outDir);

// The JSON that exportRunJson writes (also what `loupe show --json` prints, minus steps).
nlohmann::json runInfoJson(const RunInfo& info);

// A file-name-safe version of an array name: [A-Za-z0-9._-] kept, others '_'.
std::string safeFileName(const std::string& name);

}  // namespace loupe
