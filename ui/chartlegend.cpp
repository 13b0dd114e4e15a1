#include "chartlegend.h"

#include <QChart>
#include <QCursor>
#include <QLegend>
#include <QToolTip>
#include <QWidget>

namespace Shoal::Ui {

void updateLegendVisibility(QChart *chart, QWidget *view, int entries)
{
    const bool show = entries <= MaximumLegendEntries;
    if (chart->legend()->isVisible() != show) {
        chart->legend()->setVisible(show);
    }
    view->setToolTip(
        show ? QString()
             : QWidget::tr("%n replicas: hover a line to see which one it is", nullptr, entries));
}

void showSeriesToolTip(QWidget *view, const QString &text)
{
    if (text.isEmpty()) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(QCursor::pos(), text, view);
}

} // namespace Shoal::Ui
