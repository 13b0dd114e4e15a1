#include "requestratechart.h"

#include "chartlegend.h"
#include "chartpalette.h"
#include "logging.h"
#include "refreshthrottle.h"
#include "replicaappearance.h"

#include <QAreaSeries>
#include <QDateTime>
#include <QEvent>
#include <QLegend>
#include <QLineSeries>
#include <QLocale>
#include <QMap>
#include <QValueAxis>

namespace Shoal::Ui {

namespace {
constexpr double MinimumRate = 1.0;
constexpr int TimeTicks = 7;
constexpr int BandAlpha = 170;
constexpr qint64 MsPerSecond = 1000;
} // namespace

RequestRateChart::RequestRateChart(ReplicaAppearance *appearance, QWidget *parent)
    : QChartView(parent)
    , m_appearance(appearance)
    , m_chart(new QChart)
    , m_x(new QValueAxis(m_chart))
    , m_y(new QValueAxis(m_chart))
    , m_throttle(new RefreshThrottle(
          RefreshIntervalMs, [this] { refresh(); }, this))
    , m_nowMs([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    setObjectName(QStringLiteral("requestRateChart"));
    setAccessibleName(tr("Requests per second, stacked by replica"));
    setRenderHint(QPainter::Antialiasing);

    m_chart->setTitle(tr("Requests per second"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_x->setTickCount(TimeTicks);
    m_x->setLabelFormat(QStringLiteral("%g"));
    m_x->setTitleText(tr("seconds (0 = now)"));
    m_x->setRange(-m_windowSeconds, 0);
    m_y->setLabelFormat(QStringLiteral("%g"));
    m_y->setTitleText(tr("requests per second"));
    m_y->setRange(0, MinimumRate);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    setChart(m_chart);
    applyPaletteToChart(m_chart, palette());
}

RequestRateChart::~RequestRateChart() = default;

void RequestRateChart::setMetricsStore(Core::MetricsStore *store)
{
    disconnect(m_storeConnection);
    m_store = store;
    if (m_store) {
        m_storeConnection =
            connect(m_store, &Core::MetricsStore::updated, m_throttle, &RefreshThrottle::request);
    }
    refresh();
}

void RequestRateChart::setClock(std::function<qint64()> nowMs)
{
    m_nowMs = std::move(nowMs);
}

void RequestRateChart::setWindowSeconds(int seconds)
{
    if (seconds <= 0 || seconds == m_windowSeconds) {
        return;
    }
    m_windowSeconds = seconds;
    m_x->setRange(-m_windowSeconds, 0);
    refresh();
}

void RequestRateChart::refresh()
{
    const qint64 now = m_nowMs();
    const qint64 since = now - qint64(m_windowSeconds) * MsPerSecond;
    const QStringList replicas =
        m_store ? ReplicaAppearance::sorted(m_store->replicas()) : QStringList();
    if (replicas != m_order) {
        rebuildBands(replicas);
    }

    // Stacking needs one time grid for all bands: every second any replica has a sample.
    QVector<QMap<qint64, double>> rates(replicas.size());
    QMap<qint64, double> base;
    for (int i = 0; i < replicas.size(); ++i) {
        const QVector<Core::MetricPoint> history = m_store->history(replicas.at(i), since);
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
    updateLegendVisibility(m_chart, this, m_bands.size());
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

void RequestRateChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPaletteToChart(m_chart, palette());
        colorBands();
    }
}

void RequestRateChart::rebuildBands(const QStringList &replicas)
{
    qCDebug(lcCharts) << "request rate chart shows" << replicas;
    for (const Band &band : std::as_const(m_bands)) {
        m_chart->removeSeries(band.area);
        delete band.area;
    }
    m_bands.clear();
    for (const QString &replica : replicas) {
        Band band;
        band.area = new QAreaSeries(m_chart);
        band.lower = new QLineSeries(band.area);
        band.upper = new QLineSeries(band.area);
        band.area->setLowerSeries(band.lower);
        band.area->setUpperSeries(band.upper);
        band.area->setName(m_appearance->labelFor(replica));
        QAreaSeries *area = band.area;
        connect(area, &QAreaSeries::hovered, this, [this, area](const QPointF &point, bool state) {
            showSeriesToolTip(this,
                              state ? tr("%1 (stack top %2 req/s)")
                                          .arg(area->name(), QLocale().toString(point.y(), 'f', 1))
                                    : QString());
        });
        m_chart->addSeries(band.area);
        band.area->attachAxis(m_x);
        band.area->attachAxis(m_y);
        m_bands.insert(replica, band);
    }
    m_order = replicas;
    colorBands();
}

void RequestRateChart::colorBands()
{
    for (auto it = m_bands.cbegin(); it != m_bands.cend(); ++it) {
        QColor color = m_appearance->colorFor(it.key());
        it.value().area->setPen(QPen(color.darker(120)));
        color.setAlpha(BandAlpha);
        it.value().area->setBrush(color);
    }
}

} // namespace Shoal::Ui
