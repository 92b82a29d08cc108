// A heat-map image drawn with QPainter (not GL): a rows × cols grid of values
// on our colour map with axes and a colour bar. Because it paints through
// QPainter it exports as true vector SVG/PDF, unlike the GL views.
//
// Threading: GUI thread only.
#pragma once

#include <QString>
#include <QWidget>
#include <vector>

namespace loupe {

class HeatmapView : public QWidget {
  Q_OBJECT

 public:
  explicit HeatmapView(QWidget* parent = nullptr);
  void setData(int rows, int cols, std::vector<float> values, const QString& title);

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  int m_rows = 0, m_cols = 0;
  std::vector<float> m_values;
  QString m_title;
  double m_lo = 0, m_hi = 1;
};

}  // namespace loupe
