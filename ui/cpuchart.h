#pragma once

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

/// CPU % of every replica over the last minute, one line each.
///
/// Like `docker stats`, 100 % is one full core, so the axis grows past 100 on busy
/// multi-core replicas instead of clipping them. Redraws at most once a second.
class CpuChart final : public QChartView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CpuChart)

public:
    static constexpr int WindowSeconds = 60;
    static constexpr int RefreshIntervalMs = 1000;

    /// `appearance` is shared with the other charts and must outlive this one.
    explicit CpuChart(ReplicaAppearance *appearance, QWidget *parent = nullptr);
    ~CpuChart() override;

    /// The store is not owned; its updated() signal drives the redraws.
    void setMetricsStore(Core::MetricsStore *store);
    void setClock(std::function<qint64()> nowMs);
    /// Redraws from the store now.
    void refresh();

    /// The points drawn for a replica, or -1 when it has no line.
    int pointCount(const QString &replica) const;
    double axisMaximum() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    QLineSeries *lineFor(const QString &replica);
    void sortLines();
    void colorLines();

    ReplicaAppearance *m_appearance;
    QChart *m_chart;
    QValueAxis *m_x;
    QValueAxis *m_y;
    RefreshThrottle *m_throttle;
    QHash<QString, QLineSeries *> m_lines;
    QPointer<Core::MetricsStore> m_store;
    QMetaObject::Connection m_storeConnection;
    std::function<qint64()> m_nowMs;
};

} // namespace Shoal::Ui
