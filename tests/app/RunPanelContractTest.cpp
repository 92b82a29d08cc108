// What every topic panel does because it is a RunPanel, checked on each one
// in a shown window: a live run streams into it, and a live run that fails
// before its first step leaves the panel empty — no step shown, no values —
// rather than showing the previous run's last record (AttentionPanel and
// RgbdPanel once did). And the panels' controls follow the kind's schema: a
// range changed in the registration reaches the control with no panel edit.
#include <gtest/gtest.h>

#include <QLabel>
#include <QSpinBox>
#include <QTest>

#include "experiments/KindRegistry.h"
#include "panels/PanelRegistry.h"
#include "panels/RunPanel.h"
#include "panels/attention/AttentionPanel.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

// A small real run per topic, recorded by the real kind.
const std::pair<const char*, const char*> kTopicRuns[] = {
    {"rgbd", R"({"kind": "rgbd.stream", "seed": 1, "params": {"source": "synthetic", "frames": 2}})"},
    {"attention", R"({"kind": "attention.tiles", "seed": 1, "params": {"n": 128, "d": 32}})"},
    {"ssm", R"({"kind": "ssm.selective_scan", "seed": 1, "params": {"length": 64, "dim": 4}})"},
    {"precision", R"({"kind": "precision.tensor_stats", "seed": 1, "params": {"source": "lognormal"}})"},
    {"specdec", R"({"kind": "specdec.medusa", "seed": 1, "params": {"tree": "chain:3", "tokens": 12}})"},
    {"scaling", R"({"kind": "scaling.compound", "seed": 1, "params": {"networks": "efficientnet"}})"},
    {"generic", R"({"kind": "attention.tiles", "seed": 1, "params": {"n": 64, "d": 32}})"},
};

TEST(RunPanelContract, AFailedLiveRunLeavesEveryPanelEmpty) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  Store store(dir / "runs.sqlite");
  for (const auto& [topic, recipe] : kTopicRuns) {
    SCOPED_TRACE(topic);
    const auto recorded = testing::recordRun(store, kinds, recipe);
    ASSERT_EQ(recorded.status, RunStatus::Finished) << recorded.error;
    const RunInfo info = store.getRun(recorded.run);
    const PanelEntry* entry = nullptr;
    for (const auto& e : panels.entries())
      if (e.topic == topic) entry = &e;
    ASSERT_NE(entry, nullptr);
    std::unique_ptr<Panel> made(entry->create(nullptr));
    auto* panel = dynamic_cast<RunPanel*>(made.get());
    ASSERT_NE(panel, nullptr) << "every panel is a RunPanel";
    panel->resize(1200, 800);
    panel->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(panel));

    // A live run that streams its steps: the last one is on screen.
    panel->liveStarted(info);
    for (std::int64_t s : store.stepNumbers(recorded.run)) panel->liveRecord(store.readStep(recorded.run, s));
    QTest::qWait(250);  // the 100 ms live refresh
    panel->liveEnded(RunStatus::Finished);
    ASSERT_TRUE(panel->shownStep().has_value());

    // The next live run fails before its first step: nothing of the last run stays.
    RunInfo failing = info;
    failing.id = info.id + 100;
    failing.name = "fails at once";
    panel->liveStarted(failing);
    QTest::qWait(250);
    panel->liveEnded(RunStatus::Failed);
    QTest::qWait(150);
    EXPECT_FALSE(panel->shownStep().has_value()) << "still showing step " << *panel->shownStep();
    EXPECT_TRUE(panel->valuesLine()->text().isEmpty()) << panel->valuesLine()->text().toStdString();
    EXPECT_EQ(panel->currentRun(), failing.id);
    EXPECT_TRUE(panel->headerLine()->text().contains("failed")) << panel->headerLine()->text().toStdString();
  }
}

// The attention panel's N control takes its range from attention.tiles' schema:
// a registry whose `n` stops at 4096 gives a control that stops there.
TEST(RunPanelContract, ASchemaRangeReachesThePanelControl) {
  KindRegistry builtin;
  registerBuiltinKinds(builtin);
  KindRegistry changed;
  for (const EngineKind& k : builtin.kinds()) {
    EngineKind copy = k;
    if (k.name == "attention.tiles") {
      ParamSchema schema;
      for (ParamSpec spec : k.schema.specs()) {
        if (spec.name == "n") spec.range(32, 4096);
        schema.add(spec);
      }
      copy.schema = schema;
    }
    changed.add(copy);
  }
  AttentionPanel stock(nullptr, builtin), edited(nullptr, changed);
  EXPECT_EQ(stock.lengthControl()->maximum(), 16384);
  EXPECT_EQ(stock.lengthControl()->minimum(), 16);
  EXPECT_EQ(edited.lengthControl()->maximum(), 4096);
  EXPECT_EQ(edited.lengthControl()->minimum(), 32);
  EXPECT_EQ(edited.lengthControl()->value(), 512);  // the schema's default
  EXPECT_TRUE(edited.lengthControl()->toolTip().contains("4096"));
}

}  // namespace
}  // namespace loupe
