#include "cputrafficchart.h"

#include "chartlegend.h"
#include "chartpalette.h"
#include "logging.h"
#include "refreshthrottle.h"
#include "replicaappearance.h"

#include <QDateTime>
#include <QEvent>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLocale>
#include <QValueAxis>

namespace Shoal::Ui {

namespace {
constexpr double MinimumPercent = 1.0;
constexpr double MinimumRate = 1.0;
constexpr int TimeTicks = 7;
constexpr qreal LineWidth = 2.0;
constexpr double MsPerSecond = 1000.0;
} // namespace

CpuTrafficChart::CpuTrafficChart(ReplicaAppearance *appearance, QWidget *parent)
    : QChartView(parent)
    , m_appearance(appearance)
    , m_chart(new QChart)
    , m_x(new QValueAxis(m_chart))
    , m_cpuAxis(new QValueAxis(m_chart))
    , m_rateAxis(new QValueAxis(m_chart))
    , m_throttle(new RefreshThrottle(
          RefreshIntervalMs, [this] { refresh(); }, this))
    , m_nowMs([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    setObjectName(QStringLiteral("cpuTrafficChart"));
    setAccessibleName(tr("CPU and requests per replica"));
    setRenderHint(QPainter::Antialiasing);

    m_chart->setTitle(tr("CPU (solid) vs requests per second (dashed)"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_x->setTickCount(TimeTicks);
    m_x->setLabelFormat(QStringLiteral("%g"));
    m_x->setTitleText(tr("seconds (0 = now)"));
    m_x->setRange(-m_windowSeconds, 0);
    m_cpuAxis->setLabelFormat(QStringLiteral("%g"));
    m_cpuAxis->setTitleText(cpuScaleTitle(m_scale));
    m_rateAxis->setLabelFormat(QStringLiteral("%g"));
    m_rateAxis->setTitleText(tr("requests per second"));
    // The rate axis's grid would cross the CPU grid at other heights and read as noise.
    m_rateAxis->setGridLineVisible(false);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_cpuAxis, Qt::AlignLeft);
    m_chart->addAxis(m_rateAxis, Qt::AlignRight);
    setChart(m_chart);
    applyPaletteToChart(m_chart, palette());
    m_rateAxis->setGridLineVisible(false);
}

CpuTrafficChart::~CpuTrafficChart() = default;

void CpuTrafficChart::setMetricsStore(Core::MetricsStore *store)
{
    disconnect(m_storeConnection);
    m_store = store;
    if (m_store) {
        m_storeConnection =
            connect(m_store, &Core::MetricsStore::updated, m_throttle, &RefreshThrottle::request);
    }
    refresh();
}

void CpuTrafficChart::setClock(std::function<qint64()> nowMs)
{
    m_nowMs = std::move(nowMs);
}

void CpuTrafficChart::setWindowSeconds(int seconds)
{
    if (seconds <= 0 || seconds == m_windowSeconds) {
        return;
    }
    m_windowSeconds = seconds;
    m_x->setRange(-m_windowSeconds, 0);
    refresh();
}

void CpuTrafficChart::setCpuScale(CpuScale scale)
{
    m_scale = scale;
    m_cpuAxis->setTitleText(cpuScaleTitle(scale));
    refresh();
}

void CpuTrafficChart::refresh()
{
    const qint64 now = m_nowMs();
    const qint64 since = now - qint64(m_windowSeconds) * 1000;
    const QStringList replicas =
        m_store ? ReplicaAppearance::sorted(m_store->replicas()) : QStringList();
    if (replicas != m_order) {
        rebuild(replicas);
    }
    double cpuMaximum = 0;
    double rateMaximum = 0;
    for (const QString &replica : replicas) {
        const QVector<Core::MetricPoint> history = m_store->history(replica, since);
        const int cores = m_store->latest(replica).onlineCpus;
        QList<QPointF> cpu;
        QList<QPointF> rate;
        for (const Core::MetricPoint &point : history) {
            const double x = (point.timeMs - now) / MsPerSecond;
            if (point.cpuPercent >= 0) {
                const double value = scaledCpu(point.cpuPercent, cores, m_scale);
                cpu.append(QPointF(x, value));
                cpuMaximum = std::max(cpuMaximum, value);
            }
            rate.append(QPointF(x, point.requestsPerSecond));
            rateMaximum = std::max(rateMaximum, point.requestsPerSecond);
        }
        const Pair &pair = m_pairs.value(replica);
        pair.cpu->replace(cpu);
        pair.rate->replace(rate);
    }
    updateLegendVisibility(m_chart, this, m_pairs.size());
    m_cpuAxis->setRange(0, niceAxisMaximum(cpuMaximum, MinimumPercent));
    m_rateAxis->setRange(0, niceAxisMaximum(rateMaximum, MinimumRate));
}

int CpuTrafficChart::cpuPointCount(const QString &replica) const
{
    const auto it = m_pairs.constFind(replica);
    return it == m_pairs.cend() ? -1 : it->cpu->count();
}

int CpuTrafficChart::ratePointCount(const QString &replica) const
{
    const auto it = m_pairs.constFind(replica);
    return it == m_pairs.cend() ? -1 : it->rate->count();
}

QColor CpuTrafficChart::cpuColor(const QString &replica) const
{
    const auto it = m_pairs.constFind(replica);
    return it == m_pairs.cend() ? QColor() : it->cpu->pen().color();
}

QColor CpuTrafficChart::rateColor(const QString &replica) const
{
    const auto it = m_pairs.constFind(replica);
    return it == m_pairs.cend() ? QColor() : it->rate->pen().color();
}

void CpuTrafficChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPaletteToChart(m_chart, palette());
        m_rateAxis->setGridLineVisible(false);
        colorLines();
    }
}

void CpuTrafficChart::rebuild(const QStringList &replicas)
{
    qCDebug(lcCharts) << "cpu and traffic chart shows" << replicas;
    for (const Pair &pair : std::as_const(m_pairs)) {
        m_chart->removeSeries(pair.cpu);
        m_chart->removeSeries(pair.rate);
        delete pair.cpu;
        delete pair.rate;
    }
    m_pairs.clear();
    for (const QString &replica : replicas) {
        Pair pair;
        pair.cpu = new QLineSeries(m_chart);
        pair.rate = new QLineSeries(m_chart);
        const QString label = m_appearance->labelFor(replica);
        pair.cpu->setName(label);
        pair.rate->setName(tr("%1 requests").arg(label));
        for (QLineSeries *line : {pair.cpu, pair.rate}) {
            m_chart->addSeries(line);
            line->attachAxis(m_x);
            line->attachAxis(line == pair.cpu ? m_cpuAxis : m_rateAxis);
        }
        connect(pair.cpu, &QLineSeries::hovered, this,
                [this, label](const QPointF &point, bool state) {
                    showSeriesToolTip(
                        this,
                        state ? tr("%1: CPU %2 %").arg(label, QLocale().toString(point.y(), 'f', 1))
                              : QString());
                });
        connect(
            pair.rate, &QLineSeries::hovered, this,
            [this, label](const QPointF &point, bool state) {
                showSeriesToolTip(
                    this,
                    state
                        ? tr("%1: %2 requests/s").arg(label, QLocale().toString(point.y(), 'f', 1))
                        : QString());
            });
        // One legend entry per replica: the dashed twin has the same colour and name.
        const QList<QLegendMarker *> markers = m_chart->legend()->markers(pair.rate);
        for (QLegendMarker *marker : markers) {
            marker->setVisible(false);
        }
        m_pairs.insert(replica, pair);
    }
    m_order = replicas;
    colorLines();
}

void CpuTrafficChart::colorLines()
{
    for (auto it = m_pairs.cbegin(); it != m_pairs.cend(); ++it) {
        const QColor color = m_appearance->colorFor(it.key());
        QPen solid(color);
        solid.setWidthF(LineWidth);
        it.value().cpu->setPen(solid);
        QPen dashed(color);
        dashed.setWidthF(LineWidth);
        dashed.setStyle(Qt::DashLine);
        it.value().rate->setPen(dashed);
    }
}

} // namespace Shoal::Ui
