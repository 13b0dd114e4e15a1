#pragma once

#include "metricsfeed.h"

#include <core/metrics/metricsstore.h>

#include <QChartView>

#include <functional>

class QValueAxis;

namespace Shoal::Ui {

class ReplicaAppearance;

/// What every chart of replicas over a recent time window has in common: a time axis at
/// the bottom that ends at 0 = now, a metrics store whose updates redraw the chart at most
/// once per RefreshIntervalMs, and a clock that tests can replace.
class ReplicaTimeChart : public QChartView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReplicaTimeChart)

public:
    static constexpr int DefaultWindowSeconds = 60;
    static constexpr int RefreshIntervalMs = 1000;

    ~ReplicaTimeChart() override;

    /// The store is not owned; its updated() signal drives the redraws.
    void setMetricsStore(Core::MetricsStore *store);
    void setClock(std::function<qint64()> nowMs);
    void setWindowSeconds(int seconds);
    int windowSeconds() const { return m_windowSeconds; }
    /// Redraws from the store now.
    virtual void refresh() = 0;

protected:
    /// `appearance` is shared with the other charts and must outlive this one. The chart
    /// gets the time axis at the bottom; its range and labels are set by updateTimeAxis().
    ReplicaTimeChart(ReplicaAppearance *appearance, QWidget *parent);

    void changeEvent(QEvent *event) override;
    /// Runs after the chart took a new palette, which resets the colours of its series.
    virtual void recolor() = 0;
    /// Fits the time axis to the window, in seconds.
    virtual void updateTimeAxis();

    ReplicaAppearance *appearance() const { return m_appearance; }
    QValueAxis *timeAxis() const { return m_x; }
    Core::MetricsStore *store() const { return m_feed.store(); }
    qint64 nowMs() const { return m_nowMs(); }
    /// The oldest time drawn when the newest is `nowMs`.
    qint64 windowStartMs(qint64 nowMs) const;

private:
    ReplicaAppearance *m_appearance;
    QValueAxis *m_x;
    MetricsFeed m_feed;
    std::function<qint64()> m_nowMs;
    int m_windowSeconds = DefaultWindowSeconds;
};

} // namespace Shoal::Ui
