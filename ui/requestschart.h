#pragma once

#include <core/metrics/metricsstore.h>

#include <QHash>
#include <QPointer>
#include <QStringList>
#include <QWidget>

class QBarCategoryAxis;
class QBarSeries;
class QBarSet;
class QChart;
class QChartView;
class QComboBox;
class QValueAxis;

namespace Shoal::Ui {

class RefreshThrottle;
class ReplicaAppearance;

/// Requests served by every replica, one bar each: the total since the replica joined, or
/// the current rate. Hovering a bar shows both. Redraws at most once a second.
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
    QChart *chart() const { return m_chart; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void rebuildBars(const QStringList &replicas);
    void colorBars();
    QString describe(const QString &replica) const;

    ReplicaAppearance *m_appearance;
    QComboBox *m_measureBox;
    QChartView *m_view;
    QChart *m_chart;
    QBarSeries *m_series;
    QBarCategoryAxis *m_x;
    QValueAxis *m_y;
    RefreshThrottle *m_throttle;
    QHash<QString, QBarSet *> m_sets;
    QStringList m_order;
    QPointer<Core::MetricsStore> m_store;
    QMetaObject::Connection m_storeConnection;
    Measure m_measure = Measure::Total;
};

} // namespace Shoal::Ui
