#include "requestschart.h"

#include "chartlegend.h"
#include "chartpalette.h"
#include "logging.h"
#include "replicaappearance.h"

#include <core/metrics/metricsstore.h>

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QEvent>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLocale>
#include <QSignalBlocker>
#include <QStackedBarSeries>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <utility>

namespace Shoal::Ui {

namespace {
constexpr double MinimumTotal = 10;
constexpr double MinimumRate = 1;
// Significant digits of the value printed on a bar: whole counts up to ten million.
constexpr int TotalLabelDigits = 8;
constexpr int RateLabelDigits = 4;
// Free space between two neighbouring names under the bars.
constexpr int LabelGapPx = 8;
constexpr int TurnedLabelAngle = -90;
// Share of its slot a bar fills when every replica has a slot: wide enough to show its
// colour, with a gap that still separates neighbours of similar hue.
constexpr double SpreadBarWidth = 0.75;

// How many slots apart two named bars must be for their names to keep LabelGapPx between
// them. Rounded to 1, 2, 5, 10, ... so the names fall on round replica numbers.
int labelStep(double slotWidth, int labelExtent)
{
    if (slotWidth <= 0) {
        return 1;
    }
    const double needed = (labelExtent + LabelGapPx) / slotWidth;
    for (int magnitude = 1;; magnitude *= 10) {
        for (const int factor : {1, 2, 5}) {
            if (magnitude * factor >= needed) {
                return magnitude * factor;
            }
        }
    }
}

// Replicas of one service differ only in the number compose gives them (SERVICE-N). Then
// the number alone names a bar: it is short enough to stand upright under thin bars.
// Returns that service, or an empty string and the names untouched when they differ more.
QString stripCommonService(QStringList &names)
{
    QString service;
    QStringList numbers;
    numbers.reserve(names.size());
    for (const QString &name : std::as_const(names)) {
        const qsizetype dash = name.lastIndexOf(QLatin1Char('-'));
        bool numbered = false;
        name.mid(dash + 1).toInt(&numbered);
        if (dash <= 0 || !numbered || (!service.isEmpty() && name.left(dash) != service)) {
            return {};
        }
        service = name.left(dash);
        numbers.append(name.mid(dash + 1));
    }
    names = numbers;
    return service;
}
} // namespace

RequestsChart::RequestsChart(ReplicaAppearance *appearance, QWidget *parent)
    : QWidget(parent)
    , m_appearance(appearance)
    , m_measureBox(new QComboBox(this))
    , m_view(new QChartView(this))
    , m_chart(new QChart)
    , m_groupedSeries(new QBarSeries(this))
    , m_spreadSeries(new QStackedBarSeries(this))
    , m_groupAxis(new QBarCategoryAxis(this))
    , m_replicaAxis(new QCategoryAxis(this))
    , m_y(new QValueAxis(m_chart))
    , m_feed(
          RefreshIntervalMs, [this] { refresh(); }, this)
{
    setObjectName(QStringLiteral("requestsChart"));

    m_measureBox->setObjectName(QStringLiteral("requestsMeasure"));
    m_measureBox->setAccessibleName(tr("Requests shown"));
    m_measureBox->addItem(tr("Total since start"));
    m_measureBox->addItem(tr("Per second"));
    connect(m_measureBox, &QComboBox::currentIndexChanged, this,
            [this](int index) { setMeasure(index == 1 ? Measure::PerSecond : Measure::Total); });

    m_view->setAccessibleName(tr("Requests per replica"));
    m_view->setRenderHint(QPainter::Antialiasing);

    m_chart->setTitle(tr("Requests"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));

    // Few replicas: every replica is a bar set in one category, so each bar has the
    // replica's colour, its value on top and a legend entry that matches the CPU chart.
    // The axis ignores an empty category, so it gets a name that is then hidden.
    m_groupedSeries->setLabelsVisible(true);
    m_groupedSeries->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    m_groupAxis->append(tr("replicas"));
    m_groupAxis->setLabelsVisible(false);
    m_groupAxis->setGridLineVisible(false);

    // Many replicas: Qt Charts colours a whole bar set, never a single bar, so each replica
    // stays a set of its own. Stacked, a set that is zero in every slot but its replica's
    // draws a single bar there. The axis is a value axis with names at chosen slots,
    // which lets names be left out when they would not fit.
    m_spreadSeries->setLabelsVisible(false);
    m_spreadSeries->setBarWidth(SpreadBarWidth);
    m_replicaAxis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_replicaAxis->setGridLineVisible(false);
    for (QAbstractBarSeries *series : {static_cast<QAbstractBarSeries *>(m_groupedSeries),
                                       static_cast<QAbstractBarSeries *>(m_spreadSeries)}) {
        connect(series, &QAbstractBarSeries::hovered, this,
                [this](bool entered, int, QBarSet *set) { showToolTip(set, entered); });
    }

    m_y->setLabelFormat(QStringLiteral("%g"));
    m_chart->addAxis(m_y, Qt::AlignLeft);
    showSeries(m_groupedSeries, m_groupAxis);
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { updateReplicaAxis(); });
    m_view->setChart(m_chart);
    applyPaletteToChart(m_chart, palette());

    auto *header = new QHBoxLayout;
    auto *label = new QLabel(tr("Show:"), this);
    label->setBuddy(m_measureBox);
    header->addStretch();
    header->addWidget(label);
    header->addWidget(m_measureBox);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(header);
    layout->addWidget(m_view, 1);

    setMeasure(Measure::Total);
}

RequestsChart::~RequestsChart() = default;

void RequestsChart::setMetricsStore(Core::MetricsStore *store)
{
    m_feed.setStore(store);
    refresh();
}

void RequestsChart::setMeasure(Measure measure)
{
    m_measure = measure;
    {
        const QSignalBlocker blocker(m_measureBox);
        m_measureBox->setCurrentIndex(measure == Measure::PerSecond ? 1 : 0);
    }
    const bool total = measure == Measure::Total;
    m_y->setTitleText(total ? tr("requests since start") : tr("requests per second"));
    m_groupedSeries->setLabelsPrecision(total ? TotalLabelDigits : RateLabelDigits);
    refresh();
}

void RequestsChart::refresh()
{
    Core::MetricsStore *const metrics = m_feed.store();
    const QStringList replicas =
        metrics ? ReplicaAppearance::sorted(metrics->replicas()) : QStringList();
    if (replicas != m_order) {
        rebuildBars(replicas);
    }
    double maximum = 0;
    for (int i = 0; i < replicas.size(); ++i) {
        const QString &replica = replicas.at(i);
        const Core::ReplicaMetrics latest = metrics->latest(replica);
        const double value =
            m_measure == Measure::Total ? double(latest.requestsTotal) : latest.requestsPerSecond;
        QBarSet *set = m_sets.value(replica);
        const int slot = m_spread ? i : 0;
        if (set->at(slot) != value) {
            set->replace(slot, value);
        }
        const QString label = m_appearance->labelFor(replica);
        if (set->label() != label) {
            set->setLabel(label);
        }
        maximum = std::max(maximum, value);
    }
    const double floor = m_measure == Measure::Total ? MinimumTotal : MinimumRate;
    m_y->setRange(0, niceAxisMaximum(maximum, floor));
    // Names lose the project prefix once a stack is open.
    updateReplicaAxis();
}

double RequestsChart::barValue(const QString &replica) const
{
    const QBarSet *set = m_sets.value(replica);
    if (!set) {
        return -1;
    }
    return set->at(m_spread ? int(m_order.indexOf(replica)) : 0);
}

int RequestsChart::categoryCount() const
{
    return m_spread ? int(m_order.size()) : int(m_groupAxis->count());
}

QStringList RequestsChart::axisLabels() const
{
    return m_spread ? m_axisLabels : QStringList();
}

QAbstractBarSeries *RequestsChart::series() const
{
    if (m_spread) {
        return m_spreadSeries;
    }
    return m_groupedSeries;
}

void RequestsChart::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPaletteToChart(m_chart, palette());
        colorBars();
    }
}

void RequestsChart::rebuildBars(const QStringList &replicas)
{
    // Sets are only rebuilt when replicas come or go; values of kept sets are replaced in
    // place every second. Rebuilding keeps the bars in name order after a scale.
    qCDebug(lcCharts) << "requests chart shows" << replicas;
    m_groupedSeries->clear();
    m_spreadSeries->clear();
    m_sets.clear();
    m_axisLabels.clear();
    m_spread = replicas.size() > MaximumGroupedReplicas;
    const qsizetype slotCount = m_spread ? replicas.size() : 1;
    QList<QBarSet *> sets;
    for (const QString &replica : replicas) {
        auto *set = new QBarSet(m_appearance->labelFor(replica));
        set->append(QList<qreal>(slotCount, 0.0));
        sets.append(set);
        m_sets.insert(replica, set);
    }
    m_order = replicas;
    // One bulk append lays the bars out once instead of once per replica.
    if (m_spread) {
        m_spreadSeries->append(sets);
        m_replicaAxis->setRange(-0.5, double(slotCount) - 0.5);
        m_replicaAxis->setStartValue(-0.5);
        showSeries(m_spreadSeries, m_replicaAxis);
    } else {
        m_groupedSeries->append(sets);
        showSeries(m_groupedSeries, m_groupAxis);
    }
    colorBars();
    updateReplicaAxis();
}

void RequestsChart::showSeries(QAbstractBarSeries *series, QAbstractAxis *axis)
{
    if (m_chart->series().contains(series)) {
        return;
    }
    // The chart hands back what it stops showing without a parent; this widget keeps it.
    const QList<QAbstractSeries *> shown = m_chart->series();
    for (QAbstractSeries *old : shown) {
        m_chart->removeSeries(old);
        old->setParent(this);
    }
    const QList<QAbstractAxis *> horizontal = m_chart->axes(Qt::Horizontal);
    for (QAbstractAxis *old : horizontal) {
        m_chart->removeAxis(old);
        old->setParent(this);
    }
    m_chart->addAxis(axis, Qt::AlignBottom);
    m_chart->addSeries(series);
    series->attachAxis(axis);
    series->attachAxis(m_y);
    // Names under the bars say which bar is which once the legend would be too long.
    m_chart->legend()->setVisible(series == m_groupedSeries);
    // A newly added axis wears the theme's colours, not the window's.
    applyPaletteToChart(m_chart, palette());
}

void RequestsChart::colorBars()
{
    const QColor text = palette().color(QPalette::Text);
    for (auto it = m_sets.cbegin(); it != m_sets.cend(); ++it) {
        const QColor color = m_appearance->colorFor(it.key());
        it.value()->setColor(color);
        it.value()->setLabelColor(text);
        if (m_spread) {
            // The zero-height bars of the other replicas lie on each bar's base and top; with
            // a pen they would draw stray lines there.
            it.value()->setPen(Qt::NoPen);
        } else {
            it.value()->setBorderColor(color.darker(120));
        }
    }
}

void RequestsChart::updateReplicaAxis()
{
    if (!m_spread) {
        return;
    }
    QStringList names;
    names.reserve(m_order.size());
    for (const QString &replica : std::as_const(m_order)) {
        names.append(m_appearance->labelFor(replica));
    }
    const QString service = stripCommonService(names);
    const QString title = service.isEmpty() ? tr("replica") : tr("%1 replica").arg(service);
    if (m_replicaAxis->titleText() != title) {
        m_replicaAxis->setTitleText(title);
    }
    const QFontMetrics metrics(m_replicaAxis->labelsFont());
    int widest = 0;
    for (const QString &name : std::as_const(names)) {
        widest = std::max(widest, metrics.horizontalAdvance(name));
    }
    const double slotWidth =
        m_chart->plotArea().width() / double(std::max<qsizetype>(1, names.size()));
    const int flatStep = labelStep(slotWidth, widest);
    const int turnedStep = labelStep(slotWidth, metrics.height());
    // Turned names are harder to read, so they are used only when more of them fit.
    const bool turned = turnedStep < flatStep;
    const int step = turned ? turnedStep : flatStep;

    QStringList shown;
    for (int i = step - 1; i < names.size(); i += step) {
        shown.append(names.at(i));
    }
    const int angle = turned ? TurnedLabelAngle : 0;
    if (shown == m_axisLabels && m_replicaAxis->labelsAngle() == angle) {
        return;
    }
    const QStringList old = m_replicaAxis->categoriesLabels();
    for (const QString &label : old) {
        m_replicaAxis->remove(label);
    }
    for (int i = step - 1; i < names.size(); i += step) {
        m_replicaAxis->append(names.at(i), i);
    }
    m_replicaAxis->setLabelsAngle(angle);
    m_axisLabels = shown;
}

void RequestsChart::showToolTip(QBarSet *set, bool entered)
{
    const QString replica = entered ? m_sets.key(set) : QString();
    showSeriesToolTip(m_view, replica.isEmpty() ? QString() : describe(replica));
}

QString RequestsChart::describe(const QString &replica) const
{
    Core::MetricsStore *const metrics = m_feed.store();
    if (!metrics) {
        return {};
    }
    const QLocale locale;
    const Core::ReplicaMetrics latest = metrics->latest(replica);
    return tr("%1\n%2 requests since start\n%3 requests per second\np99 %4 ms, %5 failed")
        .arg(replica, locale.toString(latest.requestsTotal),
             locale.toString(latest.requestsPerSecond, 'f', 1),
             locale.toString(latest.p99Ms, 'f', 1), locale.toString(latest.failures));
}

} // namespace Shoal::Ui
