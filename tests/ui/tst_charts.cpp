#include <core/metrics/metricsstore.h>
#include <ui/chartlegend.h>
#include <ui/cpuchart.h>
#include <ui/cputrafficchart.h>
#include <ui/replicaappearance.h>
#include <ui/replicalinechart.h>
#include <ui/requestratechart.h>
#include <ui/requestschart.h>

#include <QAreaSeries>
#include <QBarSeries>
#include <QBarSet>
#include <QCategoryAxis>
#include <QDir>
#include <QFontMetrics>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLocale>
#include <QTest>
#include <QToolTip>

using Shoal::Core::MetricsStore;
using Shoal::Core::ReplicaMetrics;
using Shoal::Ui::CpuChart;
using Shoal::Ui::CpuScale;
using Shoal::Ui::CpuTrafficChart;
using Shoal::Ui::ReplicaAppearance;
using Shoal::Ui::ReplicaLineChart;
using Shoal::Ui::RequestRateChart;
using Shoal::Ui::RequestsChart;

namespace {
constexpr qint64 Now = 1'700'000'100'000;
// About the size the main window gives the chart at 1600 x 1000.
constexpr QSize RequestsChartSize(400, 280);

QString webReplica(int number)
{
    return QStringLiteral("p-web-%1").arg(number);
}

// Replica n has served 10 * n requests, so every bar has a different height.
void recordReplicas(MetricsStore &store, int count)
{
    for (int number = 1; number <= count; ++number) {
        store.recordRequests("web", webReplica(number), Now, 10 * number, 1, 2, 0);
    }
}
} // namespace

class TestCharts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testCpuLinesCoverTheLastMinute();
    void testCpuAxisIsNotClampedAtOneCore();
    void testCpuLineOfGoneReplicaDisappears();
    void testRequestBarsShowTotalsOrRate();
    void testSameColourInBothCharts();
    void testLabelsDropTheProjectPrefix();
    void testLegendKeepsReplicaOrder();
    void testManyReplicasJoinInOrder();
    void testWindowChoiceWidensTheCpuChart_data();
    void testWindowChoiceWidensTheCpuChart();
    void testHostShareDividesByCores();
    void testLimitShareDividesByTheLimit_data();
    void testLimitShareDividesByTheLimit();
    void testLimitShareTotalsCountSharedLimitsOnce();
    void testMemoryChartDrawsMebibytes();
    void testRequestRatesAreStacked();
    void testCpuAndTrafficShareAColour();
    void testLegendHidesAboveManyReplicas();
    void testRequestBarsStayReadable_data();
    void testRequestBarsStayReadable();
    void testReplicaNamesDoNotOverlap_data();
    void testReplicaNamesDoNotOverlap();
    void testReplicasOfSeveralServicesKeepTheirNames();
    void testRequestBarsAreKeptAcrossRefreshes();
    void testRequestBarsRegroupAfterScaleDown();
    void testManyRequestBarsScreenshot();
};

void TestCharts::testCpuLinesCoverTheLastMinute()
{
    // Given 90 seconds of samples, one missing
    MetricsStore store;
    for (int second = 89; second >= 0; --second) {
        if (second == 10) {
            continue;
        }
        store.recordCpu("web", "p-web-1", Now - second * 1000, 20.0, 2, 1000, 0);
    }

    ReplicaAppearance appearance;
    CpuChart chart(&appearance);
    chart.setClock([] { return Now; });
    chart.setMetricsStore(&store);

    // Then the line holds the samples of the last 60 seconds only
    QCOMPARE(chart.pointCount("p-web-1"), CpuChart::WindowSeconds - 1);
    QCOMPARE(chart.pointCount("unknown"), -1);
}

void TestCharts::testCpuAxisIsNotClampedAtOneCore()
{
    MetricsStore store;
    store.recordCpu("web", "p-web-1", Now - 2000, 40.0, 4, 1000, 0);
    store.recordCpu("web", "p-web-2", Now - 1000, 230.0, 4, 1000, 0);

    ReplicaAppearance appearance;
    CpuChart chart(&appearance);
    chart.setClock([] { return Now; });
    chart.setMetricsStore(&store);

    QVERIFY(chart.axisMaximum() >= 230.0);
    QVERIFY(chart.axisMaximum() <= 500.0);
}

void TestCharts::testCpuLineOfGoneReplicaDisappears()
{
    MetricsStore store;
    store.recordCpu("web", "p-web-1", Now - 1000, 10.0, 1, 1000, 0);
    store.recordCpu("web", "p-web-2", Now - 1000, 10.0, 1, 1000, 0);
    ReplicaAppearance appearance;
    CpuChart chart(&appearance);
    chart.setClock([] { return Now; });
    chart.setMetricsStore(&store);
    QCOMPARE(chart.pointCount("p-web-2"), 1);
    QCOMPARE(chart.chart()->series().size(), 2);

    store.removeReplica("p-web-2");
    chart.refresh();

    QCOMPARE(chart.pointCount("p-web-2"), -1);
    QCOMPARE(chart.pointCount("p-web-1"), 1);
    QCOMPARE(chart.chart()->series().size(), 1);
}

void TestCharts::testRequestBarsShowTotalsOrRate()
{
    MetricsStore store;
    store.recordRequests("web", "p-web-1", Now - 1000, 100, 1, 2, 0);
    store.recordRequests("web", "p-web-1", Now, 150, 1, 2, 0);
    store.recordRequests("web", "p-web-2", Now, 70, 1, 2, 0);

    ReplicaAppearance appearance;
    RequestsChart chart(&appearance);
    chart.setMetricsStore(&store);

    QCOMPARE(chart.barCount(), 2);
    QCOMPARE(chart.barValue("p-web-1"), 150.0);
    QCOMPARE(chart.barValue("p-web-2"), 70.0);

    chart.setMeasure(RequestsChart::Measure::PerSecond);
    QCOMPARE(chart.barValue("p-web-1"), store.latest("p-web-1").requestsPerSecond);
    QVERIFY(chart.barValue("p-web-1") > 0);
}

void TestCharts::testSameColourInBothCharts()
{
    MetricsStore store;
    for (const QString &name : QStringList{"p-web-1", "p-web-2", "p-web-3"}) {
        store.recordCpu("web", name, Now - 1000, 10.0, 1, 1000, 0);
        store.recordRequests("web", name, Now - 1000, 10, 1, 2, 0);
    }
    ReplicaAppearance appearance;
    RequestsChart requests(&appearance);
    requests.setMetricsStore(&store);
    CpuChart cpu(&appearance);
    cpu.setClock([] { return Now; });
    cpu.setMetricsStore(&store);

    QList<QLineSeries *> lines;
    for (QAbstractSeries *series : cpu.chart()->series()) {
        lines.append(qobject_cast<QLineSeries *>(series));
    }
    QCOMPARE(requests.chart()->series().size(), 1);
    const auto *barSeries = qobject_cast<QBarSeries *>(requests.chart()->series().first());
    QVERIFY(barSeries);
    const QList<QBarSet *> bars = barSeries->barSets();
    QCOMPARE(lines.size(), 3);
    QCOMPARE(bars.size(), 3);
    QSet<QRgb> distinct;
    for (QLineSeries *line : lines) {
        distinct.insert(line->pen().color().rgb());
        bool matched = false;
        for (QBarSet *bar : bars) {
            if (bar->label() == line->name()) {
                QCOMPARE(bar->color().rgb(), line->pen().color().rgb());
                matched = true;
            }
        }
        QVERIFY2(matched, qPrintable(line->name()));
    }
    QCOMPARE(distinct.size(), 3);
}

void TestCharts::testLabelsDropTheProjectPrefix()
{
    ReplicaAppearance appearance;
    appearance.setNamePrefix("p-");
    QCOMPARE(appearance.labelFor("p-web-1"), QStringLiteral("web-1"));
    QCOMPARE(appearance.labelFor("other-web-1"), QStringLiteral("other-web-1"));
    QCOMPARE(appearance.labelFor("p-"), QStringLiteral("p-"));
}

void TestCharts::testLegendKeepsReplicaOrder()
{
    // Given replicas that start measuring out of order
    MetricsStore store;
    store.recordCpu("web", "p-web-10", Now - 2000, 1.0, 1, 1000, 0);
    ReplicaAppearance appearance;
    appearance.setNamePrefix("p-");
    CpuChart chart(&appearance);
    chart.setClock([] { return Now; });
    chart.setMetricsStore(&store);
    store.recordCpu("web", "p-web-2", Now - 1000, 1.0, 1, 1000, 0);
    chart.refresh();

    // Then the legend lists them by number, with short names
    QStringList names;
    for (QAbstractSeries *series : chart.chart()->series()) {
        names.append(series->name());
    }
    QCOMPARE(names, QStringList({"web-2", "web-10"}));
}

void TestCharts::testManyReplicasJoinInOrder()
{
    // Given twelve replicas whose first samples arrive together, in no particular order
    MetricsStore store;
    for (const int number : {7, 12, 1, 10, 3, 9, 2, 11, 5, 8, 4, 6}) {
        store.recordCpu("web", QStringLiteral("p-web-%1").arg(number), Now - 1000, 1.0, 1, 1000, 0);
    }
    ReplicaAppearance appearance;
    appearance.setNamePrefix("p-");
    CpuChart chart(&appearance);
    chart.setClock([] { return Now; });
    chart.setMetricsStore(&store);
    const auto legend = [&chart] {
        QStringList names;
        for (QAbstractSeries *series : chart.chart()->series()) {
            names.append(series->name());
        }
        return names;
    };
    QStringList expected;
    for (int number = 1; number <= 12; ++number) {
        expected.append(QStringLiteral("web-%1").arg(number));
    }
    QCOMPARE(legend(), expected);

    // When a thirteenth joins, it goes to the end, and each replica has one series
    store.recordCpu("web", "p-web-13", Now - 500, 1.0, 1, 1000, 0);
    chart.refresh();
    expected.append(QStringLiteral("web-13"));
    QCOMPARE(legend(), expected);
}

void TestCharts::testWindowChoiceWidensTheCpuChart_data()
{
    QTest::addColumn<int>("windowSeconds");
    QTest::addColumn<int>("points");
    // Samples of the last 20 minutes, one a second; the store keeps 15 of them.
    QTest::newRow("one minute") << 60 << 59;
    QTest::newRow("five minutes") << 300 << 299;
    QTest::newRow("fifteen minutes") << 900 << 899;
}

void TestCharts::testWindowChoiceWidensTheCpuChart()
{
    QFETCH(int, windowSeconds);
    QFETCH(int, points);
    MetricsStore store;
    for (int second = 20 * 60; second >= 0; --second) {
        store.recordCpu("web", "p-web-1", Now - second * 1000, 5.0, 2, 1000, 0);
    }
    ReplicaAppearance appearance;
    CpuChart chart(&appearance);
    chart.setClock([] { return Now; });
    chart.setMetricsStore(&store);

    chart.setWindowSeconds(windowSeconds);

    QCOMPARE(chart.windowSeconds(), windowSeconds);
    // Samples exactly at the window's start are older than "since" and left out.
    QCOMPARE(chart.pointCount("p-web-1"), points + 1);
}

void TestCharts::testHostShareDividesByCores()
{
    // Given a replica using two and a half cores of a four-core host
    MetricsStore store;
    store.recordCpu("web", "p-web-1", Now - 1000, 250.0, 4, 1000, 0);
    ReplicaAppearance appearance;
    CpuChart chart(&appearance);
    chart.setClock([] { return Now; });
    chart.setMetricsStore(&store);
    QVERIFY(chart.axisMaximum() >= 250.0);

    // When the host-share scale is chosen, the axis follows 62.5 % of the host
    chart.setCpuScale(CpuScale::HostShare);
    QVERIFY(chart.axisMaximum() >= 62.5);
    QVERIFY(chart.axisMaximum() < 250.0);
    const auto *line = qobject_cast<QLineSeries *>(chart.chart()->series().first());
    QCOMPARE(line->at(0).y(), 62.5);
    QCOMPARE(Shoal::Ui::scaledCpu(250.0, 0, 0, CpuScale::HostShare), 250.0);
}

void TestCharts::testLimitShareDividesByTheLimit_data()
{
    QTest::addColumn<double>("percent");
    QTest::addColumn<int>("cores");
    QTest::addColumn<double>("limit");
    QTest::addColumn<double>("scaled");
    QTest::newRow("half a core used of a half-core limit") << 50.0 << 4 << 0.5 << 100.0;
    QTest::newRow("a quarter of a two-core limit") << 50.0 << 4 << 2.0 << 25.0;
    QTest::newRow("no limit: share of the host") << 200.0 << 4 << 0.0 << 50.0;
    QTest::newRow("no limit, no core count: as measured") << 30.0 << 0 << 0.0 << 30.0;
    QTest::newRow("no sample stays no sample") << -1.0 << 4 << 0.5 << -1.0;
}

void TestCharts::testLimitShareDividesByTheLimit()
{
    QFETCH(double, percent);
    QFETCH(int, cores);
    QFETCH(double, limit);
    QFETCH(double, scaled);
    QCOMPARE(Shoal::Ui::scaledCpu(percent, cores, limit, CpuScale::LimitShare), scaled);
    // The other scales ignore the limit
    QCOMPARE(Shoal::Ui::scaledCpu(percent, cores, limit, CpuScale::PerCore), percent);
}

void TestCharts::testLimitShareTotalsCountSharedLimitsOnce()
{
    // Given three replicas pinned to the same single CPU, each using 30 % of a core
    ReplicaMetrics pinned;
    pinned.cpuPercent = 30;
    pinned.onlineCpus = 4;
    pinned.cpuLimit = 1;
    pinned.cpuset = "0";
    pinned.cpusetCpus = 1;
    const QList<ReplicaMetrics> service{pinned, pinned, pinned};

    // Then together they use 90 % of the one core they share, not 30 % of three
    QCOMPARE(Shoal::Ui::scaledCpuTotal(service, CpuScale::LimitShare), 90.0);
    QCOMPARE(Shoal::Ui::scaledCpuTotal(service, CpuScale::PerCore), 90.0);
    QCOMPARE(Shoal::Ui::scaledCpuTotal(service, CpuScale::HostShare), 22.5);
    QVERIFY(Shoal::Ui::cpuTotalExplanation(service, CpuScale::LimitShare).contains("limit of 1"));

    // And with one replica without a limit, the total falls back to the host and says so
    ReplicaMetrics free = pinned;
    free.cpuLimit = 0;
    free.cpuset.clear();
    free.replica = "p-web-4";
    const QList<ReplicaMetrics> mixed{pinned, free};
    QCOMPARE(Shoal::Ui::scaledCpuTotal(mixed, CpuScale::LimitShare), 15.0);
    QVERIFY(Shoal::Ui::cpuTotalExplanation(mixed, CpuScale::LimitShare).contains("no CPU limit"));
    QVERIFY(Shoal::Ui::cpuChartToolTip(mixed, CpuScale::LimitShare).contains("p-web-4"));
    QVERIFY(Shoal::Ui::cpuChartToolTip(mixed, CpuScale::LimitShare).contains("4 core"));
}

void TestCharts::testMemoryChartDrawsMebibytes()
{
    MetricsStore store;
    store.recordCpu("web", "p-web-1", Now - 2000, 1.0, 1, 64 * 1024 * 1024, 0);
    store.recordCpu("web", "p-web-1", Now - 1000, 1.0, 1, 96 * 1024 * 1024, 0);
    ReplicaAppearance appearance;
    ReplicaLineChart chart(&appearance, [](const Shoal::Core::MetricPoint &point,
                                           const Shoal::Core::ReplicaMetrics &) {
        return point.memoryBytes < 0 ? -1.0 : point.memoryBytes / 1048576.0;
    });
    chart.setClock([] { return Now; });
    chart.setMetricsStore(&store);

    QCOMPARE(chart.pointCount("p-web-1"), 2);
    const auto *line = qobject_cast<QLineSeries *>(chart.chart()->series().first());
    QCOMPARE(line->at(1).y(), 96.0);
}

void TestCharts::testRequestRatesAreStacked()
{
    // Given two replicas that serve 10 and 30 requests in the same second
    MetricsStore store;
    for (const auto &[name, total] : {std::pair{"p-web-1", 10}, std::pair{"p-web-2", 30}}) {
        store.recordRequests("web", name, Now - 2000, 0, 1, 2, 0);
        store.recordRequests("web", name, Now - 1000, total, 1, 2, 0);
    }
    ReplicaAppearance appearance;
    RequestRateChart chart(&appearance);
    chart.setClock([] { return Now; });
    chart.setMetricsStore(&store);

    // Then there is a band each and the top of the stack is the whole rate
    QCOMPARE(chart.bandCount(), 2);
    QCOMPARE(chart.newestTotal(),
             store.latest("p-web-1").requestsPerSecond + store.latest("p-web-2").requestsPerSecond);
    QVERIFY(chart.newestTotal() > 0);
    const auto *lower = qobject_cast<QAreaSeries *>(chart.chart()->series().at(1));
    const auto *upper = qobject_cast<QAreaSeries *>(chart.chart()->series().at(0));
    QCOMPARE(lower->lowerSeries()->at(lower->lowerSeries()->count() - 1).y(),
             upper->upperSeries()->at(upper->upperSeries()->count() - 1).y());
}

void TestCharts::testCpuAndTrafficShareAColour()
{
    MetricsStore store;
    for (const QString &name : QStringList{"p-web-1", "p-web-2"}) {
        store.recordCpu("web", name, Now - 2000, 10.0, 1, 1000, 0);
        store.recordRequests("web", name, Now - 2000, 5, 1, 2, 0);
        store.recordCpu("web", name, Now - 1000, 12.0, 1, 1000, 0);
        store.recordRequests("web", name, Now - 1000, 9, 1, 2, 0);
    }
    ReplicaAppearance appearance;
    CpuTrafficChart chart(&appearance);
    chart.setClock([] { return Now; });
    chart.setMetricsStore(&store);

    QCOMPARE(chart.cpuPointCount("p-web-1"), 2);
    QCOMPARE(chart.ratePointCount("p-web-1"), 2);
    QCOMPARE(chart.cpuColor("p-web-1"), chart.rateColor("p-web-1"));
    QCOMPARE(chart.cpuColor("p-web-1"), appearance.colorFor("p-web-1"));
    QVERIFY(chart.cpuColor("p-web-1") != chart.cpuColor("p-web-2"));
    // One legend entry per replica: the requests twin is not listed
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    int visibleMarkers = 0;
    for (QLegendMarker *marker : chart.chart()->legend()->markers()) {
        visibleMarkers += marker->isVisible() ? 1 : 0;
    }
    QCOMPARE(visibleMarkers, 2);
}

void TestCharts::testLegendHidesAboveManyReplicas()
{
    // Given as many replicas as a legend can list, then one more than that
    MetricsStore store;
    ReplicaAppearance appearance;
    CpuChart chart(&appearance);
    chart.setClock([] { return Now; });
    for (int i = 1; i <= Shoal::Ui::MaximumLegendEntries; ++i) {
        store.recordCpu("web", QStringLiteral("p-web-%1").arg(i), Now - 1000, 1.0, 1, 1000, 0);
    }
    chart.setMetricsStore(&store);
    QVERIFY(chart.chart()->legend()->isVisible());
    QVERIFY(!chart.toolTip().contains(QStringLiteral("hover")));

    store.recordCpu("web", "p-web-99", Now - 1000, 1.0, 1, 1000, 0);
    chart.refresh();

    // Then the legend gives way and the view says how to tell lines apart
    QVERIFY(!chart.chart()->legend()->isVisible());
    QVERIFY(chart.toolTip().contains(QStringLiteral("hover")));
}

void TestCharts::testRequestBarsStayReadable_data()
{
    QTest::addColumn<int>("replicas");
    QTest::addColumn<bool>("grouped");
    QTest::addColumn<int>("categories");
    QTest::newRow("3 replicas, one group") << 3 << true << 1;
    QTest::newRow("12 replicas, one group") << 12 << true << 1;
    QTest::newRow("13 replicas, a slot each") << 13 << false << 13;
    QTest::newRow("50 replicas, a slot each") << 50 << false << 50;
}

void TestCharts::testRequestBarsStayReadable()
{
    QFETCH(int, replicas);
    QFETCH(bool, grouped);
    QFETCH(int, categories);

    // Given a chart of the main window's size
    MetricsStore store;
    recordReplicas(store, replicas);
    ReplicaAppearance appearance;
    appearance.setNamePrefix("p-");
    RequestsChart chart(&appearance);
    chart.resize(RequestsChartSize);
    chart.setMetricsStore(&store);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));

    // Then values on bars and the legend are there only while they fit
    QAbstractBarSeries *series = chart.series();
    QCOMPARE(chart.chart()->series(), QList<QAbstractSeries *>{series});
    QCOMPARE(series->isLabelsVisible(), grouped);
    QCOMPARE(chart.chart()->legend()->isVisible(), grouped);
    QCOMPARE(chart.axisLabels().isEmpty(), grouped);

    // And every replica has one bar in its own colour
    QCOMPARE(chart.barCount(), replicas);
    QCOMPARE(series->count(), replicas);
    QCOMPARE(chart.categoryCount(), categories);
    const QList<QBarSet *> sets = series->barSets();
    for (int i = 0; i < replicas; ++i) {
        QCOMPARE(sets.at(i)->label(), QStringLiteral("web-%1").arg(i + 1));
        QCOMPARE(sets.at(i)->color(), appearance.colorFor(webReplica(i + 1)));
    }
    QCOMPARE(chart.barValue(webReplica(replicas)), 10.0 * replicas);
    if (!grouped) {
        // Replicas of one service are told apart by their number alone
        const QAbstractAxis *axis = chart.chart()->axes(Qt::Horizontal).value(0);
        QCOMPARE(axis->titleText(), QStringLiteral("web replica"));
        QVERIFY(chart.axisLabels().contains(QString::number(replicas)));
    }

    // When the pointer rests on the last bar, the tooltip names it and gives its count
    const int last = replicas - 1;
    emit series->hovered(true, grouped ? 0 : last, sets.at(last));
    QTRY_VERIFY(QToolTip::isVisible());
    const QString expected = QStringLiteral("%1\n%2 requests since start")
                                 .arg(webReplica(replicas), QLocale().toString(10 * replicas));
    QCOMPARE(QToolTip::text().section(QLatin1Char('\n'), 0, 1), expected);
    emit series->hovered(false, grouped ? 0 : last, sets.at(last));
    QTRY_VERIFY(!QToolTip::isVisible());
}

void TestCharts::testReplicaNamesDoNotOverlap_data()
{
    QTest::addColumn<int>("replicas");
    QTest::addColumn<int>("width");
    QTest::newRow("13 in a narrow chart") << 13 << 300;
    QTest::newRow("50 in the window's chart") << 50 << RequestsChartSize.width();
    QTest::newRow("60 in a narrow chart") << 60 << 300;
    QTest::newRow("60 in a wide chart") << 60 << 2000;
}

void TestCharts::testReplicaNamesDoNotOverlap()
{
    QFETCH(int, replicas);
    QFETCH(int, width);
    MetricsStore store;
    recordReplicas(store, replicas);
    ReplicaAppearance appearance;
    appearance.setNamePrefix("p-");
    RequestsChart chart(&appearance);
    chart.resize(width, RequestsChartSize.height());
    chart.setMetricsStore(&store);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));

    auto *axis = qobject_cast<QCategoryAxis *>(chart.chart()->axes(Qt::Horizontal).value(0));
    QVERIFY(axis);
    const QStringList labels = axis->categoriesLabels();
    QCOMPARE(labels, chart.axisLabels());
    QVERIFY(labels.size() >= 2);
    // Then neighbouring names are further apart than the room each one takes along the axis
    const QFontMetrics metrics(axis->labelsFont());
    const bool turned = axis->labelsAngle() != 0;
    for (int i = 1; i < labels.size(); ++i) {
        const double left =
            chart.chart()->mapToPosition(QPointF(axis->endValue(labels.at(i - 1)), 0)).x();
        const double right =
            chart.chart()->mapToPosition(QPointF(axis->endValue(labels.at(i)), 0)).x();
        const double room = turned ? metrics.height()
                                   : (metrics.horizontalAdvance(labels.at(i - 1)) +
                                      metrics.horizontalAdvance(labels.at(i))) /
                                         2.0;
        QVERIFY2(right - left > room, qPrintable(labels.at(i)));
    }
    // And a wide chart names every replica
    if (width >= 2000) {
        QCOMPARE(labels.size(), replicas);
    }
}

void TestCharts::testReplicasOfSeveralServicesKeepTheirNames()
{
    // Given replicas of two services in a wide chart
    MetricsStore store;
    recordReplicas(store, 10);
    for (int number = 1; number <= 5; ++number) {
        store.recordRequests("api", QStringLiteral("p-api-%1").arg(number), Now, 1, 1, 2, 0);
    }
    ReplicaAppearance appearance;
    appearance.setNamePrefix("p-");
    RequestsChart chart(&appearance);
    chart.resize(2000, RequestsChartSize.height());
    chart.setMetricsStore(&store);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));

    // Then a number alone would be ambiguous, so the axis shows short names
    const QAbstractAxis *axis = chart.chart()->axes(Qt::Horizontal).value(0);
    QCOMPARE(axis->titleText(), QStringLiteral("replica"));
    QCOMPARE(chart.axisLabels().value(0), QStringLiteral("api-1"));
    QCOMPARE(chart.axisLabels().value(14), QStringLiteral("web-10"));
}

void TestCharts::testRequestBarsAreKeptAcrossRefreshes()
{
    // Given a chart of many replicas
    MetricsStore store;
    recordReplicas(store, 20);
    ReplicaAppearance appearance;
    RequestsChart chart(&appearance);
    chart.setMetricsStore(&store);
    QAbstractBarSeries *series = chart.series();
    const QList<QBarSet *> sets = series->barSets();

    // When a replica serves more requests and the chart refreshes
    store.recordRequests("web", webReplica(7), Now + 1000, 500, 1, 2, 0);
    chart.refresh();

    // Then the same series and sets carry the new height
    QCOMPARE(chart.series(), series);
    QCOMPARE(series->barSets(), sets);
    QCOMPARE(chart.barValue(webReplica(7)), 500.0);
    QCOMPARE(sets.at(6)->at(6), 500.0);
}

void TestCharts::testRequestBarsRegroupAfterScaleDown()
{
    // Given one replica more than a group holds
    MetricsStore store;
    recordReplicas(store, RequestsChart::MaximumGroupedReplicas + 1);
    ReplicaAppearance appearance;
    RequestsChart chart(&appearance);
    chart.setMetricsStore(&store);
    QVERIFY(!chart.series()->isLabelsVisible());

    // When one goes away
    store.removeReplica(webReplica(RequestsChart::MaximumGroupedReplicas + 1));
    chart.refresh();

    // Then the bars form one group again, with values and a legend, on the group's axis
    QCOMPARE(chart.chart()->series().size(), 1);
    QVERIFY(chart.series()->isLabelsVisible());
    QVERIFY(chart.chart()->legend()->isVisible());
    QCOMPARE(chart.categoryCount(), 1);
    QCOMPARE(chart.chart()->axes(Qt::Horizontal).size(), 1);
    QVERIFY(!qobject_cast<QCategoryAxis *>(chart.chart()->axes(Qt::Horizontal).first()));
    QCOMPARE(chart.barCount(), RequestsChart::MaximumGroupedReplicas);
}

void TestCharts::testManyRequestBarsScreenshot()
{
    const QString folder = qEnvironmentVariable("SHOAL_SCREENSHOT_DIR");
    if (folder.isEmpty()) {
        QSKIP("SHOAL_SCREENSHOT_DIR is not set");
    }
    QVERIFY(QDir().mkpath(folder));
    MetricsStore store;
    recordReplicas(store, 50);
    ReplicaAppearance appearance;
    appearance.setNamePrefix("p-");
    RequestsChart chart(&appearance);
    chart.resize(RequestsChartSize);
    chart.setMetricsStore(&store);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    const QString path = QDir(folder).filePath(QStringLiteral("requests-50-replicas.png"));
    QVERIFY2(chart.grab().save(path), qPrintable(path));
    qInfo("saved %s", qPrintable(path));
}

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
