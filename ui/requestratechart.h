#pragma once

#include "replicatimechart.h"

#include <QHash>
#include <QStringList>

class QAreaSeries;
class QLineSeries;
class QValueAxis;

namespace Shoal::Ui {

/// Requests per second of every replica over a recent window, stacked: each replica is a
/// band in its colour and the top edge is the service's whole rate, so an uneven spread
/// shows as bands of different thickness.
///
/// Bands are rebuilt only when replicas come or go; otherwise their points are replaced.
class RequestRateChart final : public ReplicaTimeChart
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestRateChart)

public:
    /// `appearance` is shared with the other charts and must outlive this one.
    explicit RequestRateChart(ReplicaAppearance *appearance, QWidget *parent = nullptr);
    ~RequestRateChart() override;

    void refresh() override;

    int bandCount() const { return m_bands.size(); }
    /// The top of the stack in the newest second drawn, or -1 without any band.
    double newestTotal() const;

protected:
    void recolor() override;

private:
    struct Band
    {
        QLineSeries *lower = nullptr;
        QLineSeries *upper = nullptr;
        QAreaSeries *area = nullptr;
    };

    void rebuildBands(const QStringList &replicas);

    QValueAxis *m_y;
    QHash<QString, Band> m_bands;
    QStringList m_order;
};

} // namespace Shoal::Ui
