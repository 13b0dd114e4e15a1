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
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QTest>

using Shoal::Core::MetricsStore;
using Shoal::Ui::CpuChart;
using Shoal::Ui::CpuScale;
using Shoal::Ui::CpuTrafficChart;
using Shoal::Ui::ReplicaAppearance;
using Shoal::Ui::ReplicaLineChart;
using Shoal::Ui::RequestRateChart;
using Shoal::Ui::RequestsChart;

namespace {
constexpr qint64 Now = 1'700'000'100'000;
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
    void testWindowChoiceWidensTheCpuChart_data();
    void testWindowChoiceWidensTheCpuChart();
    void testHostShareDividesByCores();
    void testMemoryChartDrawsMebibytes();
    void testRequestRatesAreStacked();
    void testCpuAndTrafficShareAColour();
    void testLegendHidesAboveManyReplicas();
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
    QCOMPARE(Shoal::Ui::scaledCpu(250.0, 0, CpuScale::HostShare), 250.0);
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
    QVERIFY(chart.toolTip().isEmpty());

    store.recordCpu("web", "p-web-99", Now - 1000, 1.0, 1, 1000, 0);
    chart.refresh();

    // Then the legend gives way and the view says how to tell lines apart
    QVERIFY(!chart.chart()->legend()->isVisible());
    QVERIFY(chart.toolTip().contains(QStringLiteral("hover")));
}

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
