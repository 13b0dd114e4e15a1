#pragma once

class QChart;
class QPalette;

namespace Shoal::Ui {

/// Gives a chart the colours of the widget palette (light or dark), so charts follow the
/// system theme like the rest of the window. Resets series colours: callers set them after.
void applyPaletteToChart(QChart *chart, const QPalette &palette);

/// A round upper bound for a value axis that shows values up to `maximum`, at least `floor`.
double niceAxisMaximum(double maximum, double floor);

} // namespace Shoal::Ui
