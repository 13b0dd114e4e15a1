#include "replicalinechart.h"

#include "chartlegend.h"
#include "chartpalette.h"
#include "logging.h"
#include "replicaappearance.h"

#include <QChart>
#include <QLineSeries>
#include <QLocale>
#include <QSet>
#include <QValueAxis>

namespace Shoal::Ui {

namespace {
constexpr double MsPerSecond = 1000.0;
// Five ticks between them: whole minutes on a 5-minute axis, three-minute steps on 15.
constexpr int MinuteTicks = 6;
constexpr qreal LineWidth = 2.0;
constexpr int SecondsPerMinute = 60;
} // namespace

ReplicaLineChart::ReplicaLineChart(ReplicaAppearance *appearance, Measure measure, QWidget *parent)
    : ReplicaTimeChart(appearance, parent)
    , m_measure(std::move(measure))
    , m_y(new QValueAxis(chart()))
    , m_valueText(QStringLiteral("%1"))
{
    m_y->setRange(0, niceAxisMaximum(0, m_minimumAxis));
    m_y->setLabelFormat(QStringLiteral("%g"));
    chart()->addAxis(m_y, Qt::AlignLeft);
    updateTimeAxis();
    applyPaletteToChart(chart(), palette());
}

ReplicaLineChart::~ReplicaLineChart() = default;

void ReplicaLineChart::setMeasure(Measure measure)
{
    m_measure = std::move(measure);
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
    Core::MetricsStore *const metrics = store();
    const qint64 now = nowMs();
    const qint64 since = windowStartMs(now);
    const bool minutes = windowSeconds() > SecondsPerMinute;
    const double unitMs = minutes ? MsPerSecond * SecondsPerMinute : MsPerSecond;
    const QStringList replicas = metrics ? metrics->replicas() : QStringList();

    double maximum = 0;
    QStringList created;
    QSet<QString> drawn;
    for (const QString &replica : replicas) {
        const QVector<Core::MetricPoint> history = metrics->history(replica, since);
        const Core::ReplicaMetrics latest = metrics->latest(replica);
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
        QLineSeries *line = lineFor(replica, &created);
        line->replace(points);
        const QString label = appearance()->labelFor(replica);
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
        chart()->removeSeries(it.value());
        delete it.value();
        it = m_lines.erase(it);
    }
    addLines(created);
    updateLegendVisibility(chart(), this, m_lines.size());
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

QLineSeries *ReplicaLineChart::lineFor(const QString &replica, QStringList *created)
{
    if (QLineSeries *line = m_lines.value(replica)) {
        return line;
    }
    qCDebug(lcCharts) << objectName() << "adds" << replica;
    auto *line = new QLineSeries(chart());
    line->setName(appearance()->labelFor(replica));
    connect(line, &QLineSeries::hovered, this, [this, line](const QPointF &point, bool state) {
        const QString value = m_valueText.arg(QLocale().toString(point.y(), 'f', 1));
        showSeriesToolTip(this,
                          state ? QStringLiteral("%1: %2").arg(line->name(), value) : QString());
    });
    m_lines.insert(replica, line);
    created->append(replica);
    return line;
}

void ReplicaLineChart::addLines(const QStringList &created)
{
    if (created.isEmpty()) {
        return;
    }
    // The legend lists series in the order they were added. New replicas usually sort after
    // the ones shown (a scale-up, or the first data of all of them at once) and are appended;
    // only when one sorts in between are all series taken out and added again in order. Each
    // series added costs a relayout of the chart, so nothing is added twice in one refresh.
    const QStringList names = ReplicaAppearance::sorted(m_lines.keys());
    const QStringList joined = ReplicaAppearance::sorted(created);
    const bool appended = names.mid(names.size() - joined.size()) == joined;
    if (!appended) {
        const QSet<QString> fresh(created.cbegin(), created.cend());
        for (const QString &name : names) {
            if (!fresh.contains(name)) {
                chart()->removeSeries(m_lines.value(name));
            }
        }
    }
    for (const QString &name : appended ? joined : names) {
        QLineSeries *line = m_lines.value(name);
        chart()->addSeries(line);
        line->attachAxis(timeAxis());
        line->attachAxis(m_y);
    }
    recolor();
}

void ReplicaLineChart::recolor()
{
    for (auto it = m_lines.cbegin(); it != m_lines.cend(); ++it) {
        QPen pen(appearance()->colorFor(it.key()));
        pen.setWidthF(LineWidth);
        it.value()->setPen(pen);
    }
}

void ReplicaLineChart::updateTimeAxis()
{
    QValueAxis *const x = timeAxis();
    if (windowSeconds() > SecondsPerMinute) {
        x->setRange(-double(windowSeconds()) / SecondsPerMinute, 0);
        x->setTickCount(MinuteTicks);
        x->setLabelFormat(QStringLiteral("%g"));
        x->setTitleText(tr("minutes (0 = now)"));
    } else {
        ReplicaTimeChart::updateTimeAxis();
        x->setLabelFormat(QStringLiteral("%.0f"));
    }
}

} // namespace Shoal::Ui
