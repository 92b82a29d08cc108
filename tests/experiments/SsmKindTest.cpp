// The ssm.* kinds end to end through the runner and the store: a signal
// from a CSV column equals the file's values and LegS rebuilds it; bad
// files fail with errors naming the parameter, file, line and fault, and
// record nothing; the selective scan's recorded error obeys Mamba's rule.
#include <gtest/gtest.h>

#include <fstream>

#include "experiments/KindRegistry.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

using testing::recordRun;

class SsmKind : public ::testing::Test {
 protected:
  SsmKind() { registerBuiltinKinds(kinds); }
  KindRegistry kinds;
  testing::TempDir dir;
  Store store{dir / "s.sqlite"};
};

std::string hippoFromFile(const std::filesystem::path& file, int column) {
  return R"({"kind": "ssm.hippo", "params": {"signal": "file", "state": 64, "steps": 4, "file": ")" + file.string() +
         R"(", "column": )" + std::to_string(column) + "}}";
}

TEST_F(SsmKind, HippoReadsACsvColumnAndRebuildsIt) {
  const auto csv = dir / "signal.csv";
  {
    std::ofstream out(csv);
    out << "time,value\n";
    for (int k = 0; k < 400; ++k) out << k << "," << std::sin(0.02 * k) + 0.3 * std::cos(0.05 * k) << "\n";
  }
  const auto r = recordRun(store, kinds, hippoFromFile(csv, 1));
  ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  const Array signal = store.readArray(r.run, 3, "signal");
  ASSERT_EQ(signal.numel(), 400);
  EXPECT_NEAR(signal.data<float>()[123], std::sin(0.02 * 123) + 0.3 * std::cos(0.05 * 123), 1e-6);
  // A smooth signal at N = 64: the state holds the whole history.
  EXPECT_LT(store.metricSeries(r.run, "rms_error").back().value, 1e-3);
  const Array table = store.readArray(r.run, 3, "error_vs_n");
  ASSERT_EQ(table.shape(), (Shape{5, 5}));
  EXPECT_LT(table.data<float>()[5 + 4], table.data<float>()[5 + 0]);  // bilinear: N = 64 beats N = 4
}

TEST_F(SsmKind, BadSignalFilesNameTheProblemAndRecordNothing) {
  const auto csv = dir / "bad.csv";
  {
    std::ofstream out(csv);
    out << "a,b\n1,2\n3,oops\n";
  }
  auto r = recordRun(store, kinds, hippoFromFile(csv, 1));
  EXPECT_EQ(r.status, RunStatus::Failed);
  EXPECT_NE(r.error.find("params.file"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("line 3"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("'oops' is not a number"), std::string::npos) << r.error;
  EXPECT_EQ(store.getRun(r.run).stepCount, 0);

  r = recordRun(store, kinds, hippoFromFile(csv, 5));
  EXPECT_EQ(r.status, RunStatus::Failed);
  EXPECT_NE(r.error.find("params.column"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("no column 5"), std::string::npos) << r.error;

  r = recordRun(store, kinds, hippoFromFile(dir / "missing.npy", 0));
  EXPECT_EQ(r.status, RunStatus::Failed);
  EXPECT_NE(r.error.find("params.file"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("missing.npy"), std::string::npos) << r.error;

  r = recordRun(store, kinds, R"({"kind": "ssm.s4_kernel", "params": {"model": "s4d", "state": 7}})");
  EXPECT_EQ(r.status, RunStatus::Failed);
  EXPECT_NE(r.error.find("params.state"), std::string::npos) << r.error;
}

TEST_F(SsmKind, SelectiveScanRecordsItsErrorAgainstFloat64) {
  for (const char* path : {"fast", "chunked"}) {
    const auto r = recordRun(store, kinds,
                             std::string(R"({"kind": "ssm.selective_scan", "params": {"dim": 40, "length": 300,
                              "state": 16, "chunk": 64, "channel": 39, "path": ")") +
                                 path + R"("}})");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
    EXPECT_EQ(store.metricSeries(r.run, "outside_mamba_tolerance").back().value, 0) << path;
    EXPECT_LT(store.metricSeries(r.run, "max_abs_error_vs_fp64").back().value, 1e-4) << path;
    EXPECT_EQ(store.readArray(r.run, 0, "states").shape(), (Shape{16, 300}));
  }
}

}  // namespace
}  // namespace loupe

namespace loupe {
namespace {

TEST_F(SsmKind, LruKernelEqualsItsRecurrenceAndStaysInItsRing) {
  const auto r = recordRun(store, kinds, R"({"kind": "ssm.s4_kernel", "params": {"model": "lru", "state": 24,
      "length": 600, "r_min": 0.5, "r_max": 0.97, "max_phase": 1.0}})");
  ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  EXPECT_LT(store.metricSeries(r.run, "max_abs_diff_conv_vs_recurrence").back().value, 1e-9);
  EXPECT_LE(store.metricSeries(r.run, "spectral_radius").back().value, 0.97 + 1e-9);
  const Array eig = store.readArray(r.run, 0, "eig_discrete");
  ASSERT_EQ(eig.shape(), (Shape{2, 24}));
  for (int j = 0; j < 24; ++j) {
    const double modulus = std::hypot(eig.data<float>()[j], eig.data<float>()[24 + j]);
    EXPECT_GE(modulus, 0.5 - 1e-6);
    EXPECT_GE(eig.data<float>()[24 + j], 0.0f);  // phases in [0, 1]
  }
  const auto bad = recordRun(store, kinds, R"({"kind": "ssm.s4_kernel", "params": {"model": "lru", "r_min": 0.95,
      "r_max": 0.9}})");
  EXPECT_EQ(bad.status, RunStatus::Failed);
  EXPECT_NE(bad.error.find("params.r_min"), std::string::npos) << bad.error;
}

}  // namespace
}  // namespace loupe
