#pragma once

#include "cpuscale.h"
#include "replicatimechart.h"

#include <QHash>
#include <QStringList>

class QLineSeries;
class QValueAxis;

namespace Shoal::Ui {

/// CPU and requests per second of every replica on one time axis: a solid line for CPU on
/// the left axis and a dashed line for requests on the right, both in the replica's colour,
/// so a user sees whether a replica's CPU follows the traffic it gets.
class CpuTrafficChart final : public ReplicaTimeChart
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CpuTrafficChart)

public:
    /// `appearance` is shared with the other charts and must outlive this one.
    explicit CpuTrafficChart(ReplicaAppearance *appearance, QWidget *parent = nullptr);
    ~CpuTrafficChart() override;

    void setCpuScale(CpuScale scale);
    void refresh() override;

    /// Points of a replica's CPU and request lines, -1 when it has none.
    int cpuPointCount(const QString &replica) const;
    int ratePointCount(const QString &replica) const;
    /// Colours of a replica's two lines; equal by design.
    QColor cpuColor(const QString &replica) const;
    QColor rateColor(const QString &replica) const;

protected:
    void recolor() override;

private:
    struct Pair
    {
        QLineSeries *cpu = nullptr;
        QLineSeries *rate = nullptr;
    };

    void rebuild(const QStringList &replicas);
    void colorLines();

    QValueAxis *m_cpuAxis;
    QValueAxis *m_rateAxis;
    QHash<QString, Pair> m_pairs;
    QStringList m_order;
    CpuScale m_scale = CpuScale::PerCore;
};

} // namespace Shoal::Ui
