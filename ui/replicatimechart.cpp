#include "replicatimechart.h"

#include "chartpalette.h"

#include <QChart>
#include <QDateTime>
#include <QEvent>
#include <QLegend>
#include <QValueAxis>

#include <utility>

namespace Shoal::Ui {

namespace {
constexpr int TimeTicks = 7;
constexpr qint64 MsPerSecond = 1000;
} // namespace

ReplicaTimeChart::ReplicaTimeChart(ReplicaAppearance *appearance, QWidget *parent)
    : QChartView(parent)
    , m_appearance(appearance)
    , m_x(new QValueAxis)
    , m_feed(
          RefreshIntervalMs, [this] { refresh(); }, this)
    , m_nowMs([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    setRenderHint(QPainter::Antialiasing);
    // The view takes ownership of the chart, and the chart of its axes.
    auto *plot = new QChart;
    setChart(plot);
    plot->legend()->setAlignment(Qt::AlignBottom);
    plot->setMargins(QMargins(4, 4, 4, 4));
    plot->addAxis(m_x, Qt::AlignBottom);
}

ReplicaTimeChart::~ReplicaTimeChart() = default;

void ReplicaTimeChart::setMetricsStore(Core::MetricsStore *store)
{
    m_feed.setStore(store);
    refresh();
}

void ReplicaTimeChart::setClock(std::function<qint64()> nowMs)
{
    m_nowMs = std::move(nowMs);
}

void ReplicaTimeChart::setWindowSeconds(int seconds)
{
    if (seconds <= 0 || seconds == m_windowSeconds) {
        return;
    }
    m_windowSeconds = seconds;
    updateTimeAxis();
    refresh();
}

void ReplicaTimeChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPaletteToChart(chart(), palette());
        recolor();
    }
}

void ReplicaTimeChart::updateTimeAxis()
{
    m_x->setTickCount(TimeTicks);
    m_x->setLabelFormat(QStringLiteral("%g"));
    m_x->setTitleText(tr("seconds (0 = now)"));
    m_x->setRange(-m_windowSeconds, 0);
}

qint64 ReplicaTimeChart::windowStartMs(qint64 nowMs) const
{
    return nowMs - qint64(m_windowSeconds) * MsPerSecond;
}

} // namespace Shoal::Ui
