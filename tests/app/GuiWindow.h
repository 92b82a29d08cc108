// How every workbench GUI test starts: the real main window on a database,
// shown and exposed (quiet: it leaves the user's settings alone), and the
// panel a stored run opens in.
#pragma once

#include <gtest/gtest.h>

#include <QString>
#include <QTest>
#include <cstdint>
#include <filesystem>

#include "app/workbench/MainWindow.h"

namespace loupe::testing {

inline ::testing::AssertionResult showWindowOn(MainWindow& window, const std::filesystem::path& db) {
  window.setQuiet(true);
  if (!window.openDatabase(QString::fromStdString(db.string())))
    return ::testing::AssertionFailure() << db << " does not open: " << window.logText().toStdString();
  window.show();
  if (!QTest::qWaitForWindowExposed(&window)) return ::testing::AssertionFailure() << "the window was not exposed";
  return ::testing::AssertionSuccess();
}

// Opens stored run `run` in the window; the panel it opened in as P, or
// nullptr when it did not open or opened in another kind of panel.
template <class P>
P* openRunIn(MainWindow& window, std::int64_t run) {
  if (!window.openRun(run)) return nullptr;
  return dynamic_cast<P*>(window.activePanel());
}

}  // namespace loupe::testing
