// The "Model states" tab of the state-space panel: an ssm.model_states run
// (a Mamba model reading text) as a reader looks at it.
//
// Per sequence, side by side (the text | its shuffled words or a second
// prompt): the token strip — each token on a background as strong as the
// mean Δ' of the chosen layer at it, the shown token boxed — above Δ' as a
// heat-map (channels × tokens, log10; by default each channel over its own
// mean, since channels' Δ' differ by orders of magnitude and would hide
// what changes from token to token), where the model resets (large Δ')
// and where it holds. Below: ‖h_t‖ of every layer over tokens (sequence 2
// dashed), the per-token cost of Mamba's recurrence against the
// transformer's cached decoding as the context grows, and the shown
// token's most likely next tokens. Clicking a token asks the panel to show
// its step (tokenClicked).
//
// It computes no science: everything is read from the recorded steps
// (SsmRecords.h), only laid out (slices, log10 for the colour scale).
// Threading: GUI thread only.
#pragma once

#include <QWidget>
#include <array>

#include "experiments/Records.h"

class QCheckBox;
class QLabel;
class QSpinBox;
class QTextBrowser;

namespace loupe {

class ChartView;
class HeatmapView;

class ModelStatesView : public QWidget {
  Q_OBJECT

 public:
  explicit ModelStatesView(QWidget* parent = nullptr);

  void clear();
  // A sequence's closing step (sequence_end = 1): its tokens and maps.
  void setSequence(int sequence, const StepRecord& end);
  // The step holding cost_* arrays (the run's last), if any.
  void setCost(const StepRecord& record);
  // A token's step is on screen: box it in its strip, list its top-k.
  void showToken(const StepRecord& token);

  int layer() const;
  // The chosen recorded channel's state h_t of sequence 0 (rows N, columns
  // tokens, row-major), with the channel's index in the model; empty when
  // no sequence is set.
  std::vector<float> channelState(int& rows, int& cols, int& channel) const;

  QTextBrowser* strip(int sequence) const { return m_strip[static_cast<std::size_t>(sequence)]; }
  HeatmapView* deltaMap(int sequence) const { return m_delta[static_cast<std::size_t>(sequence)]; }
  ChartView* normChart() const { return m_norm; }
  ChartView* costChart() const { return m_cost; }
  QLabel* topK() const { return m_topK; }
  QSpinBox* layerSpin() const { return m_layer; }
  QSpinBox* channelSpin() const { return m_channel; }
  QCheckBox* relativeBox() const { return m_relative; }

 signals:
  void tokenClicked(int sequence, int position);
  void channelChanged();  // the layer or the recorded channel changed

 private:
  void redraw();
  void drawStrip(int sequence);
  void drawNorms();

  std::array<StepRecord, 2> m_seq;
  std::array<bool, 2> m_have{false, false};
  int m_shownSequence = -1, m_shownPosition = -1;
  QSpinBox* m_layer;
  QSpinBox* m_channel;
  QLabel* m_channelName;
  QCheckBox* m_relative;
  std::array<QTextBrowser*, 2> m_strip{};
  std::array<QLabel*, 2> m_caption{};
  std::array<HeatmapView*, 2> m_delta{};
  ChartView* m_norm;
  ChartView* m_cost;
  QLabel* m_topK;
};

}  // namespace loupe
