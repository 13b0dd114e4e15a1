#pragma once

#include "cpuscale.h"

#include <core/metrics/metricsstore.h>

#include <QChartView>
#include <QHash>
#include <QPointer>

#include <functional>

class QLineSeries;
class QValueAxis;

namespace Shoal::Ui {

class RefreshThrottle;
class ReplicaAppearance;

/// CPU and requests per second of every replica on one time axis: a solid line for CPU on
/// the left axis and a dashed line for requests on the right, both in the replica's colour,
/// so a user sees whether a replica's CPU follows the traffic it gets.
class CpuTrafficChart final : public QChartView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CpuTrafficChart)

public:
    static constexpr int RefreshIntervalMs = 1000;

    /// `appearance` is shared with the other charts and must outlive this one.
    explicit CpuTrafficChart(ReplicaAppearance *appearance, QWidget *parent = nullptr);
    ~CpuTrafficChart() override;

    void setMetricsStore(Core::MetricsStore *store);
    void setClock(std::function<qint64()> nowMs);
    void setWindowSeconds(int seconds);
    void setCpuScale(CpuScale scale);
    void refresh();

    /// Points of a replica's CPU and request lines, -1 when it has none.
    int cpuPointCount(const QString &replica) const;
    int ratePointCount(const QString &replica) const;
    /// Colours of a replica's two lines; equal by design.
    QColor cpuColor(const QString &replica) const;
    QColor rateColor(const QString &replica) const;

protected:
    void changeEvent(QEvent *event) override;

private:
    struct Pair
    {
        QLineSeries *cpu = nullptr;
        QLineSeries *rate = nullptr;
    };

    void rebuild(const QStringList &replicas);
    void colorLines();

    ReplicaAppearance *m_appearance;
    QChart *m_chart;
    QValueAxis *m_x;
    QValueAxis *m_cpuAxis;
    QValueAxis *m_rateAxis;
    RefreshThrottle *m_throttle;
    QHash<QString, Pair> m_pairs;
    QStringList m_order;
    QPointer<Core::MetricsStore> m_store;
    QMetaObject::Connection m_storeConnection;
    std::function<qint64()> m_nowMs;
    int m_windowSeconds = 60;
    CpuScale m_scale = CpuScale::PerCore;
};

} // namespace Shoal::Ui
