#include "requestschart.h"

#include "chartpalette.h"
#include "logging.h"
#include "refreshthrottle.h"
#include "replicaappearance.h"

#include <core/metrics/metricsstore.h>

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLocale>
#include <QSignalBlocker>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

namespace Shoal::Ui {

namespace {
constexpr double MinimumTotal = 10;
constexpr double MinimumRate = 1;
// Significant digits of the value printed on a bar: whole counts up to ten million.
constexpr int TotalLabelDigits = 8;
constexpr int RateLabelDigits = 4;
} // namespace

RequestsChart::RequestsChart(ReplicaAppearance *appearance, QWidget *parent)
    : QWidget(parent)
    , m_appearance(appearance)
    , m_measureBox(new QComboBox(this))
    , m_view(new QChartView(this))
    , m_chart(new QChart)
    , m_series(new QBarSeries(m_chart))
    , m_x(new QBarCategoryAxis(m_chart))
    , m_y(new QValueAxis(m_chart))
    , m_throttle(new RefreshThrottle(
          RefreshIntervalMs, [this] { refresh(); }, this))
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
    m_series->setLabelsVisible(true);
    m_series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    m_chart->addSeries(m_series);

    // One category: every replica is its own bar set, so each bar has the replica's colour
    // and a legend entry that matches the CPU chart.
    // The axis ignores an empty category, so it gets a name that is then hidden.
    m_x->append(tr("replicas"));
    m_x->setLabelsVisible(false);
    m_x->setGridLineVisible(false);
    m_y->setLabelFormat(QStringLiteral("%g"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_series->attachAxis(m_x);
    m_series->attachAxis(m_y);
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
    disconnect(m_storeConnection);
    m_store = store;
    if (m_store) {
        m_storeConnection =
            connect(m_store, &Core::MetricsStore::updated, m_throttle, &RefreshThrottle::request);
    }
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
    m_series->setLabelsPrecision(total ? TotalLabelDigits : RateLabelDigits);
    refresh();
}

void RequestsChart::refresh()
{
    const QStringList replicas =
        m_store ? ReplicaAppearance::sorted(m_store->replicas()) : QStringList();
    if (replicas != m_order) {
        rebuildBars(replicas);
    }
    double maximum = 0;
    for (const QString &replica : replicas) {
        const Core::ReplicaMetrics latest = m_store->latest(replica);
        const double value =
            m_measure == Measure::Total ? double(latest.requestsTotal) : latest.requestsPerSecond;
        QBarSet *set = m_sets.value(replica);
        if (set->at(0) != value) {
            set->replace(0, value);
        }
        const QString label = m_appearance->labelFor(replica);
        if (set->label() != label) {
            set->setLabel(label);
        }
        maximum = std::max(maximum, value);
    }
    const double floor = m_measure == Measure::Total ? MinimumTotal : MinimumRate;
    m_y->setRange(0, niceAxisMaximum(maximum, floor));
}

double RequestsChart::barValue(const QString &replica) const
{
    const QBarSet *set = m_sets.value(replica);
    return set ? set->at(0) : -1;
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
    m_series->clear();
    m_sets.clear();
    for (const QString &replica : replicas) {
        auto *set = new QBarSet(m_appearance->labelFor(replica));
        set->append(0);
        connect(set, &QBarSet::hovered, this, [this, replica](bool entered) {
            if (entered) {
                QToolTip::showText(QCursor::pos(), describe(replica), m_view);
            } else {
                QToolTip::hideText();
            }
        });
        m_series->append(set);
        m_sets.insert(replica, set);
    }
    m_order = replicas;
    colorBars();
}

void RequestsChart::colorBars()
{
    const QColor text = palette().color(QPalette::Text);
    for (auto it = m_sets.cbegin(); it != m_sets.cend(); ++it) {
        const QColor color = m_appearance->colorFor(it.key());
        it.value()->setColor(color);
        it.value()->setBorderColor(color.darker(120));
        it.value()->setLabelColor(text);
    }
}

QString RequestsChart::describe(const QString &replica) const
{
    if (!m_store) {
        return {};
    }
    const QLocale locale;
    const Core::ReplicaMetrics latest = m_store->latest(replica);
    return tr("%1\n%2 requests since start\n%3 requests per second\np99 %4 ms, %5 failed")
        .arg(replica, locale.toString(latest.requestsTotal),
             locale.toString(latest.requestsPerSecond, 'f', 1),
             locale.toString(latest.p99Ms, 'f', 1), locale.toString(latest.failures));
}

} // namespace Shoal::Ui
