#include "cpuchart.h"

#include "chartpalette.h"
#include "logging.h"
#include "refreshthrottle.h"
#include "replicaappearance.h"

#include <core/metrics/metricsstore.h>

#include <QDateTime>
#include <QEvent>
#include <QLegend>
#include <QLineSeries>
#include <QSet>
#include <QValueAxis>

namespace Shoal::Ui {

namespace {
constexpr double MsPerSecond = 1000.0;
constexpr double MinimumAxisPercent = 1.0;
constexpr int TimeTicks = 7;
constexpr qreal LineWidth = 2.0;
} // namespace

CpuChart::CpuChart(ReplicaAppearance *appearance, QWidget *parent)
    : QChartView(parent)
    , m_appearance(appearance)
    , m_chart(new QChart)
    , m_x(new QValueAxis(m_chart))
    , m_y(new QValueAxis(m_chart))
    , m_throttle(new RefreshThrottle(
          RefreshIntervalMs, [this] { refresh(); }, this))
    , m_nowMs([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    setObjectName(QStringLiteral("cpuChart"));
    setAccessibleName(tr("CPU per replica"));
    setRenderHint(QPainter::Antialiasing);

    m_chart->setTitle(tr("CPU"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));

    m_x->setRange(-WindowSeconds, 0);
    m_x->setTickCount(TimeTicks);
    m_x->setLabelFormat(QStringLiteral("%.0f"));
    m_x->setTitleText(tr("seconds (0 = now)"));
    m_y->setRange(0, niceAxisMaximum(0, MinimumAxisPercent));
    m_y->setLabelFormat(QStringLiteral("%g"));
    m_y->setTitleText(tr("CPU % (100 = one core)"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);

    // The view takes ownership of the chart.
    setChart(m_chart);
    applyPaletteToChart(m_chart, palette());
}

CpuChart::~CpuChart() = default;

void CpuChart::setMetricsStore(Core::MetricsStore *store)
{
    disconnect(m_storeConnection);
    m_store = store;
    if (m_store) {
        m_storeConnection =
            connect(m_store, &Core::MetricsStore::updated, m_throttle, &RefreshThrottle::request);
    }
    refresh();
}

void CpuChart::setClock(std::function<qint64()> nowMs)
{
    m_nowMs = std::move(nowMs);
}

void CpuChart::refresh()
{
    const qint64 now = m_nowMs();
    const qint64 since = now - qint64(WindowSeconds) * 1000;
    const QStringList replicas = m_store ? m_store->replicas() : QStringList();

    double maximum = 0;
    const int linesBefore = m_lines.size();
    QSet<QString> drawn;
    for (const QString &replica : replicas) {
        const QVector<Core::MetricPoint> history = m_store->history(replica, since);
        QList<QPointF> points;
        points.reserve(history.size());
        for (const Core::MetricPoint &point : history) {
            if (point.cpuPercent < 0) {
                continue;
            }
            points.append(QPointF((point.timeMs - now) / MsPerSecond, point.cpuPercent));
            maximum = std::max(maximum, point.cpuPercent);
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
        qCDebug(lcCharts) << "cpu chart drops" << it.key();
        m_chart->removeSeries(it.value());
        delete it.value();
        it = m_lines.erase(it);
    }
    if (m_lines.size() > linesBefore) {
        sortLines();
    }
    m_y->setRange(0, niceAxisMaximum(maximum, MinimumAxisPercent));
}

int CpuChart::pointCount(const QString &replica) const
{
    const QLineSeries *line = m_lines.value(replica);
    return line ? line->count() : -1;
}

double CpuChart::axisMaximum() const
{
    return m_y->max();
}

void CpuChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPaletteToChart(m_chart, palette());
        colorLines();
    }
}

QLineSeries *CpuChart::lineFor(const QString &replica)
{
    if (QLineSeries *line = m_lines.value(replica)) {
        return line;
    }
    qCDebug(lcCharts) << "cpu chart adds" << replica;
    auto *line = new QLineSeries(m_chart);
    line->setName(m_appearance->labelFor(replica));
    m_chart->addSeries(line);
    line->attachAxis(m_x);
    line->attachAxis(m_y);
    m_lines.insert(replica, line);
    colorLines();
    return line;
}

void CpuChart::sortLines()
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

void CpuChart::colorLines()
{
    for (auto it = m_lines.cbegin(); it != m_lines.cend(); ++it) {
        QPen pen(m_appearance->colorFor(it.key()));
        pen.setWidthF(LineWidth);
        it.value()->setPen(pen);
    }
}

} // namespace Shoal::Ui
