#include "cpuchart.h"

#include <QChart>

namespace Shoal::Ui {

namespace {
constexpr double MinimumAxisPercent = 1.0;

ReplicaLineChart::Measure cpuMeasure(CpuScale scale)
{
    return [scale](const Core::MetricPoint &point, const Core::ReplicaMetrics &latest) {
        return point.cpuPercent < 0
                   ? -1.0
                   : scaledCpu(point.cpuPercent, latest.onlineCpus, latest.cpuLimit, scale);
    };
}
} // namespace

CpuChart::CpuChart(ReplicaAppearance *appearance, QWidget *parent)
    : ReplicaLineChart(appearance, cpuMeasure(CpuScale::PerCore), parent)
{
    setObjectName(QStringLiteral("cpuChart"));
    setAccessibleName(tr("CPU per replica"));
    chart()->setTitle(tr("CPU"));
    setMinimumAxis(MinimumAxisPercent);
    setValueText(tr("%1 %"));
    setAxisTitle(cpuScaleTitle(m_scale));
}

CpuChart::~CpuChart() = default;

void CpuChart::refresh()
{
    ReplicaLineChart::refresh();
    QList<Core::ReplicaMetrics> latest;
    if (Core::MetricsStore *metrics = store()) {
        for (const QString &replica : metrics->replicas()) {
            latest.append(metrics->latest(replica));
        }
    }
    // The base class may have put the legend's hint there; the scale comes after it.
    const QString legendHint = toolTip();
    const QString scale = cpuChartToolTip(latest, m_scale);
    setToolTip(legendHint.isEmpty() ? scale : legendHint + QLatin1Char('\n') + scale);
}

void CpuChart::setCpuScale(CpuScale scale)
{
    if (scale == m_scale) {
        return;
    }
    m_scale = scale;
    setAxisTitle(cpuScaleTitle(scale));
    setMeasure(cpuMeasure(scale));
}

} // namespace Shoal::Ui
