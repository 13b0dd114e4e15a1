#pragma once

#include "replicatimechart.h"

#include <core/metrics/metricsstore.h>

#include <QHash>

#include <functional>

class QLineSeries;
class QValueAxis;

namespace Shoal::Ui {

/// One measure of every replica over a recent time window, one line each in the replica's
/// colour. The measure is a function of a stored point; it returns a negative value for a
/// second without a sample, which leaves a gap instead of a drop to zero.
///
/// Series are kept and their points replaced, never re-created, while replicas stay.
/// Redraws at most once a second.
class ReplicaLineChart : public ReplicaTimeChart
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReplicaLineChart)

public:
    /// The value drawn for `point` of a replica whose latest state is `latest`.
    using Measure =
        std::function<double(const Core::MetricPoint &point, const Core::ReplicaMetrics &latest)>;

    /// `appearance` is shared with the other charts and must outlive this one.
    ReplicaLineChart(ReplicaAppearance *appearance, Measure measure, QWidget *parent = nullptr);
    ~ReplicaLineChart() override;

    void setMeasure(Measure measure);
    /// The smallest top of the value axis, so a flat line near zero does not fill the plot.
    void setMinimumAxis(double minimum);
    /// How a value is printed in the tooltip of a hovered line ("%1 ms").
    void setValueText(const QString &pattern) { m_valueText = pattern; }
    void setAxisTitle(const QString &title);
    void refresh() override;

    /// The points drawn for a replica, or -1 when it has no line.
    int pointCount(const QString &replica) const;
    double axisMaximum() const;

protected:
    void recolor() override;
    /// Beyond a minute the axis counts minutes, which keeps its labels short.
    void updateTimeAxis() override;

private:
    /// The replica's line; a new one is created but not yet in the chart (see addLines).
    QLineSeries *lineFor(const QString &replica, QStringList *created);
    void addLines(const QStringList &created);

    Measure m_measure;
    QValueAxis *m_y;
    QHash<QString, QLineSeries *> m_lines;
    QString m_valueText;
    double m_minimumAxis = 1.0;
};

} // namespace Shoal::Ui
