#pragma once

#include <QJsonObject>
#include <QString>

#include <optional>

namespace Shoal::Core {

/// One computed sample of a container's resource use.
struct StatsSample
{
    /// CPU use the way `docker stats` shows it: 100 % per fully used core.
    double cpuPercent = 0;
    int onlineCpus = 0;
    /// Memory in use, cache (inactive_file) subtracted as the docker CLI does.
    quint64 memoryUsage = 0;
    quint64 memoryLimit = 0;
    double memoryPercent = 0;
    quint64 networkRx = 0;
    quint64 networkTx = 0;
};

/// Computes a sample from one message of the engine's stats stream, with the formula of the
/// docker CLI. Returns std::nullopt for a frame that has no previous sample to compare with
/// (the first frame of a stream, a one-shot frame), so that no lifetime average is plotted.
std::optional<StatsSample> computeStatsSample(const QJsonObject &frame);

/// The CPU a container may use, as its HostConfig sets it.
struct CpuLimit
{
    /// In cores; 0 when nothing bounds the container below the host.
    double cores = 0;
    /// CpusetCpus, empty when the container may run on any CPU. Containers pinned to the
    /// same set share its cores, so a total over them counts the set once.
    QString cpuset;
};

/// The limit from a container's inspect data (GET /containers/ID/json): NanoCpus, else
/// CpuQuota / CpuPeriod, bounded by the number of CPUs in CpusetCpus.
CpuLimit cpuLimitFromInspect(const QJsonObject &container);

/// The number of CPUs in a cpuset list such as "0-2,5"; 0 when empty or malformed.
int cpusetSize(const QString &cpuset);

} // namespace Shoal::Core
