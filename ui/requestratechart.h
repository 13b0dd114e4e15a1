#pragma once

#include <core/metrics/metricsstore.h>

#include <QChartView>
#include <QHash>
#include <QPointer>
#include <QStringList>

#include <functional>

class QAreaSeries;
class QLineSeries;
class QValueAxis;

namespace Shoal::Ui {

class RefreshThrottle;
class ReplicaAppearance;

/// Requests per second of every replica over a recent window, stacked: each replica is a
/// band in its colour and the top edge is the service's whole rate, so an uneven spread
/// shows as bands of different thickness.
///
/// Bands are rebuilt only when replicas come or go; otherwise their points are replaced.
class RequestRateChart final : public QChartView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestRateChart)

public:
    static constexpr int RefreshIntervalMs = 1000;

    /// `appearance` is shared with the other charts and must outlive this one.
    explicit RequestRateChart(ReplicaAppearance *appearance, QWidget *parent = nullptr);
    ~RequestRateChart() override;

    void setMetricsStore(Core::MetricsStore *store);
    void setClock(std::function<qint64()> nowMs);
    void setWindowSeconds(int seconds);
    void refresh();

    int bandCount() const { return m_bands.size(); }
    /// The top of the stack in the newest second drawn, or -1 without any band.
    double newestTotal() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    struct Band
    {
        QLineSeries *lower = nullptr;
        QLineSeries *upper = nullptr;
        QAreaSeries *area = nullptr;
    };

    void rebuildBands(const QStringList &replicas);
    void colorBands();

    ReplicaAppearance *m_appearance;
    QChart *m_chart;
    QValueAxis *m_x;
    QValueAxis *m_y;
    RefreshThrottle *m_throttle;
    QHash<QString, Band> m_bands;
    QStringList m_order;
    QPointer<Core::MetricsStore> m_store;
    QMetaObject::Connection m_storeConnection;
    std::function<qint64()> m_nowMs;
    int m_windowSeconds = 60;
};

} // namespace Shoal::Ui
