#pragma once

#include <QJsonObject>

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

} // namespace Shoal::Core
