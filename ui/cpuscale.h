#pragma once

#include <QString>

namespace Shoal::Ui {

/// How the window shows CPU %: as `docker stats` does, where 100 % is one core and a busy
/// replica on a multi-core host goes past 100, or as a share of the whole host.
enum class CpuScale
{
    PerCore,
    HostShare
};

/// `percent` is the engine's figure (100 = one core); `onlineCpus` <= 0 leaves it as it is.
double scaledCpu(double percent, int onlineCpus, CpuScale scale);
/// A title for an axis or a column that says what 100 means.
QString cpuScaleTitle(CpuScale scale);
/// A one-line explanation for tooltips, naming the host's core count when it is known.
QString cpuScaleExplanation(CpuScale scale, int onlineCpus);

} // namespace Shoal::Ui
