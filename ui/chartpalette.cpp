#include "chartpalette.h"

#include <QAbstractAxis>
#include <QChart>
#include <QLegend>
#include <QPalette>

#include <cmath>

namespace Shoal::Ui {

namespace {
constexpr int DarkLightnessLimit = 128;
constexpr double Headroom = 1.1;
} // namespace

void applyPaletteToChart(QChart *chart, const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Window).lightness() < DarkLightnessLimit;
    chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);

    const QColor text = palette.color(QPalette::Text);
    QColor grid = palette.color(QPalette::Mid);
    grid.setAlpha(110);
    chart->setBackgroundBrush(palette.color(QPalette::Base));
    chart->setBackgroundRoundness(0);
    chart->setPlotAreaBackgroundVisible(false);
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    const QList<QAbstractAxis *> axes = chart->axes();
    for (QAbstractAxis *axis : axes) {
        axis->setLabelsBrush(text);
        axis->setTitleBrush(text);
        axis->setLinePenColor(palette.color(QPalette::Mid));
        axis->setGridLineColor(grid);
    }
}

double niceAxisMaximum(double maximum, double floor)
{
    const double wanted = std::max(maximum * Headroom, floor);
    const double magnitude = std::pow(10.0, std::floor(std::log10(wanted)));
    const double fraction = wanted / magnitude;
    double nice = 10;
    if (fraction <= 1) {
        nice = 1;
    } else if (fraction <= 2) {
        nice = 2;
    } else if (fraction <= 5) {
        nice = 5;
    }
    return nice * magnitude;
}

} // namespace Shoal::Ui
