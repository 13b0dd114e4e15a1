#include <core/metrics/metricsstore.h>
#include <ui/cpuchart.h>
#include <ui/replicaappearance.h>
#include <ui/requestschart.h>

#include <QBarSeries>
#include <QBarSet>
#include <QLineSeries>
#include <QTest>

using Shoal::Core::MetricsStore;
using Shoal::Ui::CpuChart;
using Shoal::Ui::ReplicaAppearance;
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

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
