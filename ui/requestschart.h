#pragma once

#include "chartlegend.h"
#include "metricsfeed.h"

#include <core/metrics/metricsstore.h>

#include <QHash>
#include <QStringList>
#include <QWidget>

class QAbstractAxis;
class QAbstractBarSeries;
class QBarCategoryAxis;
class QBarSeries;
class QBarSet;
class QCategoryAxis;
class QChart;
class QChartView;
class QComboBox;
class QStackedBarSeries;
class QValueAxis;

namespace Shoal::Ui {

class ReplicaAppearance;

/// Requests served by every replica, one bar each: the total since the replica joined, or
/// the current rate. Hovering a bar shows both. Redraws at most once a second.
///
/// Up to MaximumGroupedReplicas the bars stand side by side with their values on top and a
/// legend below. Above that, each bar gets its own slot along an axis of replica names
/// (thinned to fit the width), without values on the bars or a legend.
class RequestsChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestsChart)

public:
    enum class Measure
    {
        Total,
        PerSecond
    };
    static constexpr int RefreshIntervalMs = 1000;
    /// Kept equal to the legend limit of the line charts, so all charts change style together.
    static constexpr int MaximumGroupedReplicas = MaximumLegendEntries;

    /// `appearance` is shared with the other charts and must outlive this one.
    explicit RequestsChart(ReplicaAppearance *appearance, QWidget *parent = nullptr);
    ~RequestsChart() override;

    /// The store is not owned; its updated() signal drives the redraws.
    void setMetricsStore(Core::MetricsStore *store);
    void setMeasure(Measure measure);
    Measure measure() const { return m_measure; }
    /// Redraws from the store now.
    void refresh();

    /// The height of a replica's bar, or -1 when it has none.
    double barValue(const QString &replica) const;
    int barCount() const { return m_sets.size(); }
    /// Slots along the horizontal axis: one for the whole group, or one per replica.
    int categoryCount() const;
    /// The replica names written under the bars; empty while the bars form one group.
    QStringList axisLabels() const;
    QChart *chart() const { return m_chart; }
    /// The series the chart shows now; each of its sets is one replica.
    QAbstractBarSeries *series() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void rebuildBars(const QStringList &replicas);
    void showSeries(QAbstractBarSeries *series, QAbstractAxis *axis);
    void colorBars();
    void updateReplicaAxis();
    void showToolTip(QBarSet *set, bool entered);
    QString describe(const QString &replica) const;

    ReplicaAppearance *m_appearance;
    QComboBox *m_measureBox;
    QChartView *m_view;
    QChart *m_chart;
    QBarSeries *m_groupedSeries;
    QStackedBarSeries *m_spreadSeries;
    QBarCategoryAxis *m_groupAxis;
    QCategoryAxis *m_replicaAxis;
    QValueAxis *m_y;
    MetricsFeed m_feed;
    QHash<QString, QBarSet *> m_sets;
    QStringList m_order;
    QStringList m_axisLabels;
    bool m_spread = false;
    Measure m_measure = Measure::Total;
};

} // namespace Shoal::Ui
