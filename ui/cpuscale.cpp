#include "cpuscale.h"

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>

namespace Shoal::Ui {

namespace {

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("Shoal::Ui::CpuScale", text, nullptr, n);
}

int onlineCpusOf(const QList<Core::ReplicaMetrics> &replicas)
{
    int cores = 0;
    for (const Core::ReplicaMetrics &replica : replicas) {
        cores = std::max(cores, replica.onlineCpus);
    }
    return cores;
}

} // namespace

double scaledCpu(double percent, int onlineCpus, double limitCores, CpuScale scale)
{
    if (scale == CpuScale::PerCore || percent < 0) {
        return percent;
    }
    if (scale == CpuScale::LimitShare && limitCores > 0) {
        return percent / limitCores;
    }
    return onlineCpus > 0 ? percent / onlineCpus : percent;
}

double scaledCpu(const Core::ReplicaMetrics &replica, CpuScale scale)
{
    return scaledCpu(replica.cpuPercent, replica.onlineCpus, replica.cpuLimit, scale);
}

double scaledCpuTotal(const QList<Core::ReplicaMetrics> &replicas, CpuScale scale)
{
    double total = 0;
    for (const Core::ReplicaMetrics &replica : replicas) {
        total += std::max(0.0, replica.cpuPercent);
    }
    return scaledCpu(total, onlineCpusOf(replicas), Core::MetricsStore::combinedCpuLimit(replicas),
                     scale);
}

QString cpuTotalText(double percent)
{
    return percent < 0 ? QStringLiteral("–") : tr("%1 %").arg(QLocale().toString(percent, 'f', 1));
}

QString cpuScaleTitle(CpuScale scale)
{
    switch (scale) {
    case CpuScale::PerCore:
        return tr("CPU % (100 = one core)");
    case CpuScale::HostShare:
        return tr("CPU % of the host");
    case CpuScale::LimitShare:
        return tr("CPU % of the limit");
    }
    return {};
}

QString cpuScaleExplanation(CpuScale scale, int onlineCpus, double limitCores)
{
    const QString cores =
        onlineCpus > 0 ? tr("%n core(s) online", onlineCpus) : tr("core count not known yet");
    QString meaning;
    switch (scale) {
    case CpuScale::PerCore:
        meaning = tr("100 % is one core");
        break;
    case CpuScale::HostShare:
        meaning = tr("100 % is the whole host");
        break;
    case CpuScale::LimitShare:
        meaning = limitCores > 0 ? tr("100 % is the CPU limit of %1 core(s)")
                                       .arg(QLocale().toString(limitCores, 'g', 3))
                                 : tr("no CPU limit, so 100 % is the whole host");
        break;
    }
    return QStringLiteral("%1; %2").arg(meaning, cores);
}

QString cpuChartToolTip(const QList<Core::ReplicaMetrics> &replicas, CpuScale scale)
{
    const int cores = onlineCpusOf(replicas);
    const QString online =
        cores > 0 ? tr("%n core(s) online", cores) : tr("core count not known yet");
    QString text = QStringLiteral("%1; %2").arg(cpuScaleTitle(scale), online);
    if (scale != CpuScale::LimitShare) {
        return text;
    }
    QStringList unlimited;
    for (const Core::ReplicaMetrics &replica : replicas) {
        if (replica.cpuLimit <= 0) {
            unlimited.append(replica.replica);
        }
    }
    if (!unlimited.isEmpty()) {
        text += QLatin1Char('\n') + tr("Without a CPU limit, shown as a share of the host: %1")
                                        .arg(unlimited.join(QStringLiteral(", ")));
    }
    return text;
}

QString cpuTotalExplanation(const QList<Core::ReplicaMetrics> &replicas, CpuScale scale)
{
    return cpuScaleExplanation(scale, onlineCpusOf(replicas),
                               Core::MetricsStore::combinedCpuLimit(replicas));
}

} // namespace Shoal::Ui
