// Parallel coordinates: one vertical axis per dimension, one polyline per
// item through its (already normalised, 0 = bottom … 1 = top) value on each
// axis, coloured by a scalar through the colour map, with a colour bar.
// Each axis shows its name and its labels (bottom … top, spread evenly).
// Clicking near a line selects it (highlighted, `lineClicked`).
//
// Threading: GUI thread only.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>
#include <vector>

namespace loupe {

class ParallelCoordinatesView : public QWidget {
  Q_OBJECT

 public:
  struct Axis {
    QString name;
    QStringList labels;  // evenly spaced from bottom to top (two: the range's ends)
  };

  explicit ParallelCoordinatesView(QWidget* parent = nullptr);

  // lines[i][a] in [0, 1]; colours[i] in [0, 1] (NaN: grey). colourTitle
  // names what the colour shows, with its range's two ends.
  void setData(std::vector<Axis> axes, std::vector<std::vector<double>> lines, std::vector<double> colours,
               const QString& colourTitle, const QString& colourLow, const QString& colourHigh);
  void setTitle(const QString& title);
  void clear();

  int lineCount() const { return static_cast<int>(m_lines.size()); }
  int axisCount() const { return static_cast<int>(m_axes.size()); }
  int selectedLine() const { return m_selected; }
  // Where line i crosses axis a, in widget coordinates (tests click there).
  QPointF linePoint(int line, int axis) const;

 signals:
  void lineClicked(int line);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  QRectF plotArea() const;

  QString m_title, m_colourTitle, m_colourLow, m_colourHigh;
  std::vector<Axis> m_axes;
  std::vector<std::vector<double>> m_lines;
  std::vector<double> m_colours;
  int m_selected = -1;
};

}  // namespace loupe
