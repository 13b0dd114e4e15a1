#pragma once

#include "cpuscale.h"
#include "replicalinechart.h"

namespace Shoal::Ui {

/// CPU % of every replica over a recent window (a minute unless chosen otherwise), one line
/// each.
///
/// By default, like `docker stats`, 100 % is one full core, so the axis grows past 100 on
/// busy multi-core replicas instead of clipping them; the host-share scale divides by the
/// engine's online cores, the limit share by each container's CPU limit.
class CpuChart final : public ReplicaLineChart
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CpuChart)

public:
    static constexpr int WindowSeconds = DefaultWindowSeconds;

    /// `appearance` is shared with the other charts and must outlive this one.
    explicit CpuChart(ReplicaAppearance *appearance, QWidget *parent = nullptr);
    ~CpuChart() override;

    void setCpuScale(CpuScale scale);
    CpuScale cpuScale() const { return m_scale; }
    void refresh() override;

private:
    CpuScale m_scale = CpuScale::PerCore;
};

} // namespace Shoal::Ui
