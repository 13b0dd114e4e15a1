#include "cputrafficchart.h"

#include "chartlegend.h"
#include "chartpalette.h"
#include "logging.h"
#include "replicaappearance.h"

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLocale>
#include <QValueAxis>

namespace Shoal::Ui {

namespace {
constexpr double MinimumPercent = 1.0;
constexpr double MinimumRate = 1.0;
constexpr qreal LineWidth = 2.0;
constexpr double MsPerSecond = 1000.0;
} // namespace

CpuTrafficChart::CpuTrafficChart(ReplicaAppearance *appearance, QWidget *parent)
    : ReplicaTimeChart(appearance, parent)
    , m_cpuAxis(new QValueAxis(chart()))
    , m_rateAxis(new QValueAxis(chart()))
{
    setObjectName(QStringLiteral("cpuTrafficChart"));
    setAccessibleName(tr("CPU and requests per replica"));

    chart()->setTitle(tr("CPU (solid) vs requests per second (dashed)"));
    updateTimeAxis();
    m_cpuAxis->setLabelFormat(QStringLiteral("%g"));
    m_cpuAxis->setTitleText(cpuScaleTitle(m_scale));
    m_rateAxis->setLabelFormat(QStringLiteral("%g"));
    m_rateAxis->setTitleText(tr("requests per second"));
    // The rate axis's grid would cross the CPU grid at other heights and read as noise.
    m_rateAxis->setGridLineVisible(false);
    chart()->addAxis(m_cpuAxis, Qt::AlignLeft);
    chart()->addAxis(m_rateAxis, Qt::AlignRight);
    applyPaletteToChart(chart(), palette());
    m_rateAxis->setGridLineVisible(false);
}

CpuTrafficChart::~CpuTrafficChart() = default;

void CpuTrafficChart::setCpuScale(CpuScale scale)
{
    m_scale = scale;
    m_cpuAxis->setTitleText(cpuScaleTitle(scale));
    refresh();
}

void CpuTrafficChart::refresh()
{
    Core::MetricsStore *const metrics = store();
    const qint64 now = nowMs();
    const qint64 since = windowStartMs(now);
    const QStringList replicas =
        metrics ? ReplicaAppearance::sorted(metrics->replicas()) : QStringList();
    if (replicas != m_order) {
        rebuild(replicas);
    }
    double cpuMaximum = 0;
    double rateMaximum = 0;
    QList<Core::ReplicaMetrics> latestOfAll;
    for (const QString &replica : replicas) {
        const QVector<Core::MetricPoint> history = metrics->history(replica, since);
        const Core::ReplicaMetrics latest = metrics->latest(replica);
        latestOfAll.append(latest);
        QList<QPointF> cpu;
        QList<QPointF> rate;
        for (const Core::MetricPoint &point : history) {
            const double x = (point.timeMs - now) / MsPerSecond;
            if (point.cpuPercent >= 0) {
                const double value =
                    scaledCpu(point.cpuPercent, latest.onlineCpus, latest.cpuLimit, m_scale);
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
    updateLegendVisibility(chart(), this, m_pairs.size());
    m_cpuAxis->setRange(0, niceAxisMaximum(cpuMaximum, MinimumPercent));
    m_rateAxis->setRange(0, niceAxisMaximum(rateMaximum, MinimumRate));
    const QString legendHint = toolTip();
    const QString scale = cpuChartToolTip(latestOfAll, m_scale);
    setToolTip(legendHint.isEmpty() ? scale : legendHint + QLatin1Char('\n') + scale);
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

void CpuTrafficChart::recolor()
{
    m_rateAxis->setGridLineVisible(false);
    colorLines();
}

void CpuTrafficChart::rebuild(const QStringList &replicas)
{
    qCDebug(lcCharts) << "cpu and traffic chart shows" << replicas;
    for (const Pair &pair : std::as_const(m_pairs)) {
        chart()->removeSeries(pair.cpu);
        chart()->removeSeries(pair.rate);
        delete pair.cpu;
        delete pair.rate;
    }
    m_pairs.clear();
    for (const QString &replica : replicas) {
        Pair pair;
        pair.cpu = new QLineSeries(chart());
        pair.rate = new QLineSeries(chart());
        const QString label = appearance()->labelFor(replica);
        pair.cpu->setName(label);
        pair.rate->setName(tr("%1 requests").arg(label));
        for (QLineSeries *line : {pair.cpu, pair.rate}) {
            chart()->addSeries(line);
            line->attachAxis(timeAxis());
            line->attachAxis(line == pair.cpu ? m_cpuAxis : m_rateAxis);
        }
        const auto showValue = [this, label](const QString &pattern) {
            return [this, label, pattern](const QPointF &point, bool state) {
                const QString value = QLocale().toString(point.y(), 'f', 1);
                showSeriesToolTip(this, state ? pattern.arg(label, value) : QString());
            };
        };
        connect(pair.cpu, &QLineSeries::hovered, this, showValue(tr("%1: CPU %2 %")));
        connect(pair.rate, &QLineSeries::hovered, this, showValue(tr("%1: %2 requests/s")));
        // One legend entry per replica: the dashed twin has the same colour and name.
        const QList<QLegendMarker *> markers = chart()->legend()->markers(pair.rate);
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
        const QColor color = appearance()->colorFor(it.key());
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
