// The language-model panel. For `lm.generate` runs: the prompt and the
// generated text, each generated token on a background from red (the model
// gave it little probability) to green (it was sure), the token at the
// replay position bold and underlined; the model's most likely alternatives for that
// token with their probabilities; and the probability and entropy of every
// token on a chart. Two runs compare on the chart (B dashed). An
// `lm.perplexity` run shows its perplexity as the lines go by, and its
// result in the text view.
//
// It computes no science: everything shown comes from the recorded steps.
// Threading: GUI thread only (Panel.h).
#pragma once

#include <QPointF>
#include <vector>

#include "panels/RunPanel.h"

class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;
class QTableWidget;
class QTextBrowser;

namespace loupe {

class ChartView;

class LmPanel : public RunPanel {
  Q_OBJECT

 public:
  explicit LmPanel(QWidget* parent = nullptr);

  QString title() const override { return "Language model"; }
  std::vector<PanelFigure> figures() override;

  QString recipeJson() const;
  QTextBrowser* textView() const { return m_text; }
  QTableWidget* alternatives() const { return m_alternatives; }
  ChartView* chart() const { return m_chart; }

 protected:
  void clearViews() override;
  void showStep(const StepRecord& a, const StepRecord* b) override;
  QString valuesText(const StepRecord& record) const override;
  int firstPosition() const override;
  void runOpened(const RunInfo& info) override;
  void runCompared(const RunInfo& b) override;
  void liveBegan(const RunInfo& run) override;
  void liveStep(const StepRecord& record) override;
  void liveRefresh() override;

 private:
  struct Token {
    std::int64_t step = 0;
    QString text;
    double probability = 0;
  };
  void takeRecord(const StepRecord& record);
  void renderText(std::int64_t shownStep);

  bool m_perplexity = false;  // an lm.perplexity run (no text to show)
  std::vector<QPointF> m_livePerplexity;
  QStringList m_prompt;         // the prompt's token texts
  std::vector<Token> m_tokens;  // generated, in order
  QLineEdit* m_promptEdit;
  QSpinBox* m_maxTokens;
  QDoubleSpinBox* m_temperature;
  QTextBrowser* m_text;
  QTableWidget* m_alternatives;
  ChartView* m_chart;
};

}  // namespace loupe
