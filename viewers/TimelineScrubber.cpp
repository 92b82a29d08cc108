#include "viewers/TimelineScrubber.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <algorithm>

namespace loupe {

TimelineScrubber::TimelineScrubber(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 2, 4, 2);
  m_back = new QToolButton(this);
  m_back->setIcon(style()->standardIcon(QStyle::SP_MediaSeekBackward));
  m_back->setToolTip("Previous step");
  m_play = new QToolButton(this);
  m_play->setCheckable(true);
  m_play->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  m_play->setToolTip("Play / pause");
  m_forward = new QToolButton(this);
  m_forward->setIcon(style()->standardIcon(QStyle::SP_MediaSeekForward));
  m_forward->setToolTip("Next step");
  m_slider = new QSlider(Qt::Horizontal, this);
  m_slider->setObjectName("timelineSlider");
  m_speed = new QComboBox(this);
  for (const char* s : {"0.5×", "1×", "2×", "4×", "8×"}) m_speed->addItem(s);
  m_speed->setCurrentIndex(1);
  m_speed->setToolTip("Playback speed (1× = 10 steps per second)");
  m_jump = new QSpinBox(this);
  m_jump->setPrefix("step ");
  m_jump->setToolTip("Jump to step");
  m_jump->setKeyboardTracking(false);
  m_label = new QLabel(this);
  m_label->setObjectName("timelineLabel");
  m_label->setMinimumWidth(120);
  for (QWidget* w : std::initializer_list<QWidget*>{m_back, m_play, m_forward, m_slider, m_speed, m_jump, m_label})
    layout->addWidget(w);
  layout->setStretchFactor(m_slider, 1);

  m_timer = new QTimer(this);
  m_timer->setSingleShot(true);  // re-armed per step: recorded runs have their own pace
  connect(m_timer, &QTimer::timeout, this, [this] {
    if (position() + 1 >= count()) {
      setPlaying(false);
      return;
    }
    stepForward();
    m_timer->start(playbackInterval(position()));
  });
  connect(m_play, &QToolButton::toggled, this, &TimelineScrubber::setPlaying);
  connect(m_back, &QToolButton::clicked, this, &TimelineScrubber::stepBackward);
  connect(m_forward, &QToolButton::clicked, this, &TimelineScrubber::stepForward);
  connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
    refreshLabel();
    emit positionChanged(v);
  });
  connect(m_jump, &QSpinBox::valueChanged, this, [this](int step) { jumpToStep(step); });
  setSteps({});
}

int TimelineScrubber::playbackInterval(int index) const {
  const double speeds[] = {0.5, 1, 2, 4, 8};
  const double speed = speeds[std::clamp(m_speed->currentIndex(), 0, 4)];
  double seconds = 0.1;  // 10 steps per second without recorded times
  if (m_times.size() == m_steps.size() && index + 1 < static_cast<int>(m_times.size())) {
    seconds = std::clamp(m_times[index + 1] - m_times[index], 0.0, 10.0);
  }
  return std::max(1, static_cast<int>(1000 * seconds / speed));
}

void TimelineScrubber::setStepTimes(std::vector<double> seconds) {
  m_times = std::move(seconds);
}

void TimelineScrubber::setSteps(std::vector<std::int64_t> stepNumbers) {
  setPlaying(false);
  m_times.clear();
  m_steps = std::move(stepNumbers);
  const QSignalBlocker block(m_slider);
  m_slider->setRange(0, std::max(0, count() - 1));
  m_slider->setValue(0);
  const QSignalBlocker blockJump(m_jump);
  m_jump->setRange(0, m_steps.empty() ? 0 : static_cast<int>(m_steps.back()));
  setEnabled(!m_steps.empty());
  refreshLabel();
}

int TimelineScrubber::position() const {
  return m_slider->value();
}
bool TimelineScrubber::playing() const {
  return m_timer->isActive();
}

void TimelineScrubber::setPosition(int index) {
  m_slider->setValue(std::clamp(index, 0, std::max(0, count() - 1)));
}
void TimelineScrubber::stepForward() {
  setPosition(position() + 1);
}
void TimelineScrubber::stepBackward() {
  setPosition(position() - 1);
}

void TimelineScrubber::setPlaying(bool playing) {
  if (playing && count() > 1) {
    if (position() + 1 >= count()) setPosition(0);
    m_timer->start(playbackInterval(position()));
  } else {
    m_timer->stop();
  }
  const QSignalBlocker block(m_play);
  m_play->setChecked(m_timer->isActive());
  m_play->setIcon(style()->standardIcon(m_timer->isActive() ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
}

void TimelineScrubber::jumpToStep(std::int64_t step) {
  const auto it = std::lower_bound(m_steps.begin(), m_steps.end(), step);
  setPosition(it == m_steps.end() ? count() - 1 : static_cast<int>(it - m_steps.begin()));
}

void TimelineScrubber::refreshLabel() {
  if (m_steps.empty()) {
    m_label->setText("no steps");
    return;
  }
  m_label->setText(QString("step %1  (%2 / %3)").arg(m_steps[position()]).arg(position() + 1).arg(count()));
  const QSignalBlocker block(m_jump);
  m_jump->setValue(static_cast<int>(m_steps[position()]));
}

}  // namespace loupe
