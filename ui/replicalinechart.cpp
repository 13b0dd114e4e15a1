#include "replicalinechart.h"

#include "chartlegend.h"
#include "chartpalette.h"
#include "logging.h"
#include "refreshthrottle.h"
#include "replicaappearance.h"

#include <QDateTime>
#include <QEvent>
#include <QLegend>
#include <QLineSeries>
#include <QLocale>
#include <QSet>
#include <QValueAxis>

namespace Shoal::Ui {

namespace {
constexpr double MsPerSecond = 1000.0;
constexpr int TimeTicks = 7;
// Five ticks between them: whole minutes on a 5-minute axis, three-minute steps on 15.
constexpr int MinuteTicks = 6;
constexpr qreal LineWidth = 2.0;
constexpr int SecondsPerMinute = 60;
} // namespace

ReplicaLineChart::ReplicaLineChart(ReplicaAppearance *appearance, Measure measure, QWidget *parent)
    : QChartView(parent)
    , m_appearance(appearance)
    , m_measure(std::move(measure))
    , m_chart(new QChart)
    , m_x(new QValueAxis(m_chart))
    , m_y(new QValueAxis(m_chart))
    , m_throttle(new RefreshThrottle(
          RefreshIntervalMs, [this] { refresh(); }, this))
    , m_nowMs([] { return QDateTime::currentMSecsSinceEpoch(); })
    , m_valueText(QStringLiteral("%1"))
{
    setRenderHint(QPainter::Antialiasing);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));

    m_y->setRange(0, niceAxisMaximum(0, m_minimumAxis));
    m_y->setLabelFormat(QStringLiteral("%g"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    updateTimeAxis();

    // The view takes ownership of the chart.
    setChart(m_chart);
    applyPaletteToChart(m_chart, palette());
}

ReplicaLineChart::~ReplicaLineChart() = default;

void ReplicaLineChart::setMetricsStore(Core::MetricsStore *store)
{
    disconnect(m_storeConnection);
    m_store = store;
    if (m_store) {
        m_storeConnection =
            connect(m_store, &Core::MetricsStore::updated, m_throttle, &RefreshThrottle::request);
    }
    refresh();
}

void ReplicaLineChart::setClock(std::function<qint64()> nowMs)
{
    m_nowMs = std::move(nowMs);
}

void ReplicaLineChart::setMeasure(Measure measure)
{
    m_measure = std::move(measure);
    refresh();
}

void ReplicaLineChart::setWindowSeconds(int seconds)
{
    if (seconds <= 0 || seconds == m_windowSeconds) {
        return;
    }
    m_windowSeconds = seconds;
    updateTimeAxis();
    refresh();
}

void ReplicaLineChart::setMinimumAxis(double minimum)
{
    m_minimumAxis = minimum;
}

void ReplicaLineChart::setAxisTitle(const QString &title)
{
    m_y->setTitleText(title);
}

void ReplicaLineChart::refresh()
{
    const qint64 now = m_nowMs();
    const qint64 since = now - qint64(m_windowSeconds) * 1000;
    const bool minutes = m_windowSeconds > SecondsPerMinute;
    const double unitMs = minutes ? MsPerSecond * SecondsPerMinute : MsPerSecond;
    const QStringList replicas = m_store ? m_store->replicas() : QStringList();

    double maximum = 0;
    const int linesBefore = m_lines.size();
    QSet<QString> drawn;
    for (const QString &replica : replicas) {
        const QVector<Core::MetricPoint> history = m_store->history(replica, since);
        const Core::ReplicaMetrics latest = m_store->latest(replica);
        QList<QPointF> points;
        points.reserve(history.size());
        for (const Core::MetricPoint &point : history) {
            const double value = m_measure(point, latest);
            if (value < 0) {
                continue;
            }
            points.append(QPointF((point.timeMs - now) / unitMs, value));
            maximum = std::max(maximum, value);
        }
        if (points.isEmpty()) {
            continue;
        }
        // replace() swaps the data of a kept series in one go instead of re-adding it.
        QLineSeries *line = lineFor(replica);
        line->replace(points);
        const QString label = m_appearance->labelFor(replica);
        if (line->name() != label) {
            line->setName(label);
        }
        drawn.insert(replica);
    }

    for (auto it = m_lines.begin(); it != m_lines.end();) {
        if (drawn.contains(it.key())) {
            ++it;
            continue;
        }
        qCDebug(lcCharts) << objectName() << "drops" << it.key();
        m_chart->removeSeries(it.value());
        delete it.value();
        it = m_lines.erase(it);
    }
    if (m_lines.size() > linesBefore) {
        sortLines();
    }
    updateLegendVisibility(m_chart, this, m_lines.size());
    m_y->setRange(0, niceAxisMaximum(maximum, m_minimumAxis));
}

int ReplicaLineChart::pointCount(const QString &replica) const
{
    const QLineSeries *line = m_lines.value(replica);
    return line ? line->count() : -1;
}

double ReplicaLineChart::axisMaximum() const
{
    return m_y->max();
}

void ReplicaLineChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPaletteToChart(m_chart, palette());
        colorLines();
    }
}

QLineSeries *ReplicaLineChart::lineFor(const QString &replica)
{
    if (QLineSeries *line = m_lines.value(replica)) {
        return line;
    }
    qCDebug(lcCharts) << objectName() << "adds" << replica;
    auto *line = new QLineSeries(m_chart);
    line->setName(m_appearance->labelFor(replica));
    connect(line, &QLineSeries::hovered, this, [this, line](const QPointF &point, bool state) {
        const QString value = m_valueText.arg(QLocale().toString(point.y(), 'f', 1));
        showSeriesToolTip(this,
                          state ? QStringLiteral("%1: %2").arg(line->name(), value) : QString());
    });
    m_chart->addSeries(line);
    line->attachAxis(m_x);
    line->attachAxis(m_y);
    m_lines.insert(replica, line);
    colorLines();
    return line;
}

void ReplicaLineChart::sortLines()
{
    // The legend lists series in the order they were added; re-adding them all keeps it in
    // replica order when a replica joins. That happens on a scale, not every second.
    const QStringList names = ReplicaAppearance::sorted(m_lines.keys());
    for (const QString &name : names) {
        m_chart->removeSeries(m_lines.value(name));
    }
    for (const QString &name : names) {
        QLineSeries *line = m_lines.value(name);
        m_chart->addSeries(line);
        line->attachAxis(m_x);
        line->attachAxis(m_y);
    }
    colorLines();
}

void ReplicaLineChart::colorLines()
{
    for (auto it = m_lines.cbegin(); it != m_lines.cend(); ++it) {
        QPen pen(m_appearance->colorFor(it.key()));
        pen.setWidthF(LineWidth);
        it.value()->setPen(pen);
    }
}

void ReplicaLineChart::updateTimeAxis()
{
    // Beyond a minute the axis counts minutes, which keeps its labels short.
    if (m_windowSeconds > SecondsPerMinute) {
        m_x->setRange(-double(m_windowSeconds) / SecondsPerMinute, 0);
        m_x->setTickCount(MinuteTicks);
        m_x->setLabelFormat(QStringLiteral("%g"));
        m_x->setTitleText(tr("minutes (0 = now)"));
    } else {
        m_x->setRange(-m_windowSeconds, 0);
        m_x->setTickCount(TimeTicks);
        m_x->setLabelFormat(QStringLiteral("%.0f"));
        m_x->setTitleText(tr("seconds (0 = now)"));
    }
}

} // namespace Shoal::Ui
