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

/// One measure of every replica over a recent time window, one line each in the replica's
/// colour. The measure is a function of a stored point; it returns a negative value for a
/// second without a sample, which leaves a gap instead of a drop to zero.
///
/// Series are kept and their points replaced, never re-created, while replicas stay.
/// Redraws at most once a second.
class ReplicaLineChart : public QChartView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReplicaLineChart)

public:
    /// The value drawn for `point` of a replica whose latest state is `latest`.
    using Measure =
        std::function<double(const Core::MetricPoint &point, const Core::ReplicaMetrics &latest)>;

    static constexpr int DefaultWindowSeconds = 60;
    static constexpr int RefreshIntervalMs = 1000;

    /// `appearance` is shared with the other charts and must outlive this one.
    ReplicaLineChart(ReplicaAppearance *appearance, Measure measure, QWidget *parent = nullptr);
    ~ReplicaLineChart() override;

    /// The store is not owned; its updated() signal drives the redraws.
    void setMetricsStore(Core::MetricsStore *store);
    void setClock(std::function<qint64()> nowMs);
    void setMeasure(Measure measure);
    void setWindowSeconds(int seconds);
    int windowSeconds() const { return m_windowSeconds; }
    /// The smallest top of the value axis, so a flat line near zero does not fill the plot.
    void setMinimumAxis(double minimum);
    /// How a value is printed in the tooltip of a hovered line ("%1 ms").
    void setValueText(const QString &pattern) { m_valueText = pattern; }
    void setAxisTitle(const QString &title);
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
    void updateTimeAxis();

    ReplicaAppearance *m_appearance;
    Measure m_measure;
    QChart *m_chart;
    QValueAxis *m_x;
    QValueAxis *m_y;
    RefreshThrottle *m_throttle;
    QHash<QString, QLineSeries *> m_lines;
    QPointer<Core::MetricsStore> m_store;
    QMetaObject::Connection m_storeConnection;
    std::function<qint64()> m_nowMs;
    QString m_valueText;
    int m_windowSeconds = DefaultWindowSeconds;
    double m_minimumAxis = 1.0;
};

} // namespace Shoal::Ui
