// The replay timeline: play/pause, step back/forward, a slider over the
// recorded steps, playback speed, and a box to jump to a step number. It
// emits positionChanged(index) with the 0-based position in the run's steps;
// panels map that to the step and redraw every view from the store.
//
// Threading: GUI thread only.
#pragma once

#include <QWidget>
#include <cstdint>
#include <vector>

class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;
class QTimer;
class QToolButton;

namespace loupe {

class TimelineScrubber : public QWidget {
  Q_OBJECT

 public:
  explicit TimelineScrubber(QWidget* parent = nullptr);

  void setSteps(std::vector<std::int64_t> stepNumbers);  // resets to position 0
  // Recorded times (seconds, one per step): playback then follows them,
  // scaled by the speed, instead of a fixed 10 steps per second.
  void setStepTimes(std::vector<double> seconds);
  // Milliseconds the player waits before leaving position `index`.
  int playbackInterval(int index) const;
  int position() const;
  int count() const { return static_cast<int>(m_steps.size()); }
  bool playing() const;

 public slots:
  void setPosition(int index);
  void stepForward();
  void stepBackward();
  void setPlaying(bool playing);
  void jumpToStep(std::int64_t step);  // the nearest recorded step at or after it

 signals:
  void positionChanged(int index);

 private:
  void refreshLabel();

  std::vector<std::int64_t> m_steps;
  std::vector<double> m_times;
  QToolButton* m_play;
  QToolButton* m_back;
  QToolButton* m_forward;
  QSlider* m_slider;
  QComboBox* m_speed;
  QSpinBox* m_jump;
  QLabel* m_label;
  QTimer* m_timer;
};

}  // namespace loupe
