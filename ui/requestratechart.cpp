#include "requestratechart.h"

#include "chartlegend.h"
#include "chartpalette.h"
#include "logging.h"
#include "replicaappearance.h"

#include <QAreaSeries>
#include <QChart>
#include <QLineSeries>
#include <QLocale>
#include <QMap>
#include <QValueAxis>

namespace Shoal::Ui {

namespace {
constexpr double MinimumRate = 1.0;
constexpr int BandAlpha = 170;
constexpr qint64 MsPerSecond = 1000;
} // namespace

RequestRateChart::RequestRateChart(ReplicaAppearance *appearance, QWidget *parent)
    : ReplicaTimeChart(appearance, parent)
    , m_y(new QValueAxis(chart()))
{
    setObjectName(QStringLiteral("requestRateChart"));
    setAccessibleName(tr("Requests per second, stacked by replica"));

    chart()->setTitle(tr("Requests per second"));
    updateTimeAxis();
    m_y->setLabelFormat(QStringLiteral("%g"));
    m_y->setTitleText(tr("requests per second"));
    m_y->setRange(0, MinimumRate);
    chart()->addAxis(m_y, Qt::AlignLeft);
    applyPaletteToChart(chart(), palette());
}

RequestRateChart::~RequestRateChart() = default;

void RequestRateChart::refresh()
{
    Core::MetricsStore *const metrics = store();
    const qint64 now = nowMs();
    const qint64 since = windowStartMs(now);
    const QStringList replicas =
        metrics ? ReplicaAppearance::sorted(metrics->replicas()) : QStringList();
    if (replicas != m_order) {
        rebuildBands(replicas);
    }

    // Stacking needs one time grid for all bands: every second any replica has a sample.
    QVector<QMap<qint64, double>> rates(replicas.size());
    QMap<qint64, double> base;
    for (int i = 0; i < replicas.size(); ++i) {
        const QVector<Core::MetricPoint> history = metrics->history(replicas.at(i), since);
        for (const Core::MetricPoint &point : history) {
            const qint64 second = point.timeMs / MsPerSecond;
            rates[i].insert(second, point.requestsPerSecond);
            base.insert(second, 0.0);
        }
    }
    const qint64 nowSecond = now / MsPerSecond;
    double maximum = 0;
    for (int i = 0; i < replicas.size(); ++i) {
        QList<QPointF> lower;
        QList<QPointF> upper;
        lower.reserve(base.size());
        upper.reserve(base.size());
        for (auto it = base.begin(); it != base.end(); ++it) {
            const double x = double(it.key() - nowSecond);
            const double top = it.value() + rates.at(i).value(it.key(), 0.0);
            lower.append(QPointF(x, it.value()));
            upper.append(QPointF(x, top));
            it.value() = top;
            maximum = std::max(maximum, top);
        }
        const Band &band = m_bands.value(replicas.at(i));
        band.lower->replace(lower);
        band.upper->replace(upper);
    }
    updateLegendVisibility(chart(), this, m_bands.size());
    m_y->setRange(0, niceAxisMaximum(maximum, MinimumRate));
}

double RequestRateChart::newestTotal() const
{
    if (m_order.isEmpty()) {
        return -1;
    }
    const QLineSeries *top = m_bands.value(m_order.constLast()).upper;
    return top->count() == 0 ? 0.0 : top->at(top->count() - 1).y();
}

void RequestRateChart::rebuildBands(const QStringList &replicas)
{
    qCDebug(lcCharts) << "request rate chart shows" << replicas;
    for (const Band &band : std::as_const(m_bands)) {
        chart()->removeSeries(band.area);
        delete band.area;
    }
    m_bands.clear();
    for (const QString &replica : replicas) {
        Band band;
        band.area = new QAreaSeries(chart());
        band.lower = new QLineSeries(band.area);
        band.upper = new QLineSeries(band.area);
        band.area->setLowerSeries(band.lower);
        band.area->setUpperSeries(band.upper);
        band.area->setName(appearance()->labelFor(replica));
        QAreaSeries *area = band.area;
        connect(area, &QAreaSeries::hovered, this, [this, area](const QPointF &point, bool state) {
            showSeriesToolTip(this,
                              state ? tr("%1 (stack top %2 req/s)")
                                          .arg(area->name(), QLocale().toString(point.y(), 'f', 1))
                                    : QString());
        });
        chart()->addSeries(band.area);
        band.area->attachAxis(timeAxis());
        band.area->attachAxis(m_y);
        m_bands.insert(replica, band);
    }
    m_order = replicas;
    recolor();
}

void RequestRateChart::recolor()
{
    for (auto it = m_bands.cbegin(); it != m_bands.cend(); ++it) {
        QColor color = appearance()->colorFor(it.key());
        it.value().area->setPen(QPen(color.darker(120)));
        color.setAlpha(BandAlpha);
        it.value().area->setBrush(color);
    }
}

} // namespace Shoal::Ui
