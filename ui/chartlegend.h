#pragma once

#include <QString>

class QChart;
class QWidget;

namespace Shoal::Ui {

/// Above this many entries a chart's legend covers more of the plot than it explains, so it
/// is hidden and hovering a line names it instead.
constexpr int MaximumLegendEntries = 12;

/// Shows the legend of `chart` while it has at most MaximumLegendEntries entries and tells
/// the user of `view` how to identify lines when it does not.
void updateLegendVisibility(QChart *chart, QWidget *view, int entries);

/// The tooltip that names a hovered series, at the mouse pointer; empty text hides it.
void showSeriesToolTip(QWidget *view, const QString &text);

} // namespace Shoal::Ui
