#pragma once

#include <core/metrics/metricsstore.h>

#include <QList>
#include <QString>

namespace Shoal::Ui {

/// How the window shows CPU %: as `docker stats` does, where 100 % is one core and a busy
/// replica on a multi-core host goes past 100; as a share of the whole host; or as a
/// share of the container's own CPU limit, so that 100 % means "throttled".
enum class CpuScale
{
    PerCore,
    HostShare,
    LimitShare
};

/// `percent` is the engine's figure (100 = one core). HostShare divides by `onlineCpus`
/// (<= 0 leaves it as it is); LimitShare divides by `limitCores`, and without a limit
/// (<= 0) falls back to the host share.
double scaledCpu(double percent, int onlineCpus, double limitCores, CpuScale scale);
/// One replica's latest CPU in the chosen scale.
double scaledCpu(const Core::ReplicaMetrics &replica, CpuScale scale);
/// The sum of several replicas' CPU in the chosen scale. Under LimitShare it is their
/// usage over their combined limit (a cpuset they share counts once), or a host share
/// when one of them has no limit.
double scaledCpuTotal(const QList<Core::ReplicaMetrics> &replicas, CpuScale scale);
/// A title for an axis or a column that says what 100 means.
QString cpuScaleTitle(CpuScale scale);
/// A total as a row shows it: "12.5 %", or a dash when `percent` < 0 (nothing measured).
QString cpuTotalText(double percent);
/// A one-line explanation for tooltips, naming the host's core count when it is known
/// and, under LimitShare, the limit (or that there is none and the host counts).
QString cpuScaleExplanation(CpuScale scale, int onlineCpus, double limitCores = 0);
/// cpuScaleExplanation() for a sum over `replicas`.
QString cpuTotalExplanation(const QList<Core::ReplicaMetrics> &replicas, CpuScale scale);
/// A tooltip for a chart of `replicas`: what 100 means, the core count and, under
/// LimitShare, which replicas have no limit and are drawn as a share of the host.
QString cpuChartToolTip(const QList<Core::ReplicaMetrics> &replicas, CpuScale scale);

} // namespace Shoal::Ui
