// Exports read back by the tools users use: numpy for .npy, Python's csv and
// json modules for CSV and JSON (run by /usr/bin/python3, not by our code).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "engines/core/Error.h"
#include "experiments/Export.h"
#include "experiments/Store.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

using nlohmann::json;

// fp16 bits of a float that is exactly representable as a *normal* fp16 (or 0).
std::uint16_t halfBits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  const std::uint32_t sign = (b >> 16) & 0x8000;
  if ((b & 0x7fffffff) == 0) return static_cast<std::uint16_t>(sign);
  const std::int32_t exponent = static_cast<std::int32_t>((b >> 23) & 0xff) - 127 + 15;
  return static_cast<std::uint16_t>(sign | (exponent << 10) | ((b >> 13) & 0x3ff));
}
std::uint16_t bf16Bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return static_cast<std::uint16_t>(b >> 16);  // exact for the values used below
}

struct Case {
  Array array;
  json values;  // what numpy must read, flattened
};

template <class T>
Case makeCase(const std::vector<T>& v, Shape shape) {
  return {Array::fromValues<T>(std::move(shape), std::span<const T>(v)), json(v)};
}

std::vector<Case> everyDType() {
  std::vector<Case> cases;
  const std::vector<float> halfValues = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 65504.0f};
  Array f16(DType::F16, {2, 3});
  for (int i = 0; i < 6; ++i) f16.data<std::uint16_t>()[i] = halfBits(halfValues[i]);
  cases.push_back({f16, json(halfValues)});
  const std::vector<float> bfValues = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, std::ldexp(1.0f, 100)};
  Array bf16(DType::BF16, {3, 2});
  for (int i = 0; i < 6; ++i) bf16.data<std::uint16_t>()[i] = bf16Bits(bfValues[i]);
  cases.push_back({bf16, json(bfValues)});
  cases.push_back(makeCase<float>({0.1f, -3.5f, 1e30f, 1e-40f}, {4}));
  cases.push_back(makeCase<double>({0.1, -1e300, 5e-324, 2.5, 0, -0.0, 1, 2}, {2, 2, 2}));
  cases.push_back(makeCase<std::int8_t>({-128, 127, 0, -1}, {2, 2}));
  cases.push_back(makeCase<std::int32_t>({INT32_MIN, INT32_MAX, -7}, {3}));
  cases.push_back(makeCase<std::int64_t>({INT64_MIN, INT64_MAX, (std::int64_t{1} << 40) + 1}, {3, 1}));
  cases.push_back(makeCase<std::uint8_t>({0, 255, 128}, {3}));
  cases.push_back(makeCase<std::uint16_t>({0, 65535, 40000, 1}, {1, 4}));
  Array flags(DType::Bool, {3});
  flags.data<bool>()[0] = true;
  flags.data<bool>()[2] = true;
  cases.push_back({flags, json({true, false, true})});
  cases.push_back(makeCase<double>({42.0}, {}));  // 0-d
  return cases;
}

TEST(Export, NumpyReadsEveryDTypeWithEqualValues) {
  testing::TempDir dir;
  Store store(dir / "e.sqlite");
  Recipe r;
  r.kind = "test.series";
  r.name = "export";
  const auto run = store.createRun(r, "1", "cpu");
  const auto cases = everyDType();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    StepRecord s;
    s.step = static_cast<std::int64_t>(i);
    s.array("a/" + std::string(dtypeName(cases[i].array.dtype())), cases[i].array);
    store.appendStep(run, s);
  }
  // A larger array, checked by numpy against a formula it evaluates itself.
  StepRecord big;
  big.step = 100;
  Array ramp(DType::F32, {1000, 3});
  for (int i = 0; i < 3000; ++i) ramp.data<float>()[i] = 0.25f * static_cast<float>(i);
  big.array("ramp", ramp);
  store.appendStep(run, big);
  store.commit();

  const auto files = exportArraysNpy(store, run, dir / "out");
  ASSERT_EQ(files.size(), cases.size() + 1);
  json expected = json::array();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    expected.push_back({{"file", files[i].string()},
                        {"descr", npyDescr(cases[i].array.dtype())},
                        {"shape", cases[i].array.shape()},
                        {"values", cases[i].values}});
  }
  testing::writeFile(dir / "expected.json", expected.dump());
  const auto check = testing::runPython(R"(
import json, sys
import numpy as np
cases = json.load(open(sys.argv[1]))
for c in cases:
    a = np.load(c["file"], allow_pickle=False)
    assert a.dtype.str == c["descr"], (c["file"], a.dtype.str, c["descr"])
    assert list(a.shape) == c["shape"], (c["file"], a.shape, c["shape"])
    assert a.flatten().tolist() == c["values"], (c["file"], a.flatten().tolist(), c["values"])
big = np.load(sys.argv[2])
assert big.dtype == np.float32 and big.shape == (1000, 3)
assert np.array_equal(big, (np.arange(3000, dtype=np.float64) * 0.25).reshape(1000, 3))
print("numpy read", len(cases) + 1, "files")
)",
                                        {(dir / "expected.json").string(), files.back().string()});
  EXPECT_EQ(check.exitCode, 0) << check.out << check.err;
  EXPECT_EQ(files[0].filename(), "run-1-a_f16-step-0.npy");  // names made file-safe
}

TEST(Export, FiltersByArrayAndStepAndSaysWhenNothingMatches) {
  testing::TempDir dir;
  Store store(dir / "e.sqlite");
  Recipe r;
  r.kind = "test.series";
  const auto run = store.createRun(r, "1", "cpu");
  for (std::int64_t k = 0; k < 3; ++k) {
    StepRecord s;
    s.step = k;
    s.array("x", Array(DType::F32, {2})).array("y", Array(DType::I8, {2}));
    store.appendStep(run, s);
  }
  store.commit();
  EXPECT_EQ(exportArraysNpy(store, run, dir / "o", std::string("x")).size(), 3u);
  EXPECT_EQ(exportArraysNpy(store, run, dir / "o", std::nullopt, std::int64_t{1}).size(), 2u);
  EXPECT_EQ(exportArraysNpy(store, run, dir / "o", std::string("y"), std::int64_t{2}).size(), 1u);
  try {
    exportArraysNpy(store, run, dir / "o", std::string("z"), std::int64_t{1});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "run 1: no arrays named \"z\" at step 1");
  }
}

TEST(Export, CsvAndJsonReadBackByPython) {
  testing::TempDir dir;
  Store store(dir / "e.sqlite");
  Recipe r;
  r.kind = "test.series";
  r.name = "csv, \"quoted\"";
  const auto run = store.createRun(r, "1", "cpu");
  for (std::int64_t k = 0; k < 5; ++k) {
    StepRecord s;
    s.step = k;
    s.metric("loss", 1.0 / (k + 1)).metric("odd,name", k % 2 ? std::numeric_limits<double>::quiet_NaN() : k * 0.1);
    if (k == 2) s.metric("only_at_2", 7);
    store.appendStep(run, s);
  }
  store.setRunStatus(run, RunStatus::Finished);
  const auto csv = exportMetricsCsv(store, run, dir / "out");
  const auto js = exportRunJson(store, run, dir / "out");
  const auto check = testing::runPython(R"(
import csv, json, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["step"] for r in rows] == ["0", "1", "2", "3", "4"], rows
for k, r in enumerate(rows):
    assert float(r["loss"]) == 1.0 / (k + 1), r
    if k % 2:
        assert math.isnan(float(r["odd,name"])), r
    else:
        assert float(r["odd,name"]) == k * 0.1, r
    assert r["only_at_2"] == ("7" if k == 2 else ""), r
j = json.load(open(sys.argv[2]))
assert j["name"] == 'csv, "quoted"' and j["status"] == "finished" and j["steps"] == 5, j
assert j["steps_data"][1]["metrics"]["odd,name"] is None
assert j["steps_data"][4]["metrics"]["loss"] == 0.2
assert j["recipe"]["kind"] == "test.series"
print("ok")
)",
                                        {csv.string(), js.string()});
  EXPECT_EQ(check.exitCode, 0) << check.out << check.err;
}

TEST(Export, UnwritableOutputIsAClearError) {
  testing::TempDir dir;
  Store store(dir / "e.sqlite");
  Recipe r;
  r.kind = "test.series";
  const auto run = store.createRun(r, "1", "cpu");
  testing::writeFile(dir / "file", "x");
  try {
    exportMetricsCsv(store, run, dir / "file" / "sub");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "file" / "sub").string() + ": cannot create output directory", 0), 0u)
        << e.what();
  }
}

}  // namespace
}  // namespace loupe
