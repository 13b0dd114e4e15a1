#include <core/metrics/metricsstore.h>

#include <QSignalSpy>
#include <QTest>

using namespace Shoal::Core;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(Shoal::Core::ReplicaMetrics)

class TestMetricsStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testRequestRateFollowsTotals();
    void testHistoryIsSortedAndTrimmed();
    void testReplicasGroupedByService();
    void testUpdatesAreCoalesced();
    void testCombinedCpuLimitCountsSharedSetsOnce_data();
    void testCombinedCpuLimitCountsSharedSetsOnce();
    void testCpuLimitIsKeptWithTheReplica();
};

void TestMetricsStore::testRequestRateFollowsTotals()
{
    MetricsStore store;

    // Given totals of 100 and then 400 two seconds apart
    store.recordRequests(QStringLiteral("web"), QStringLiteral("app-web-1"), 10'000, 100, 1, 2, 0);
    store.recordRequests(QStringLiteral("web"), QStringLiteral("app-web-1"), 12'000, 400, 1, 2, 0);

    // Then the rate is 150 requests a second and the total is kept
    const ReplicaMetrics latest = store.latest(QStringLiteral("app-web-1"));
    QCOMPARE(latest.requestsTotal, quint64(400));
    QCOMPARE(latest.requestsPerSecond, 150.0);

    // And a counter that went backwards (replica re-added) gives no negative rate
    store.recordRequests(QStringLiteral("web"), QStringLiteral("app-web-1"), 13'000, 5, 1, 2, 0);
    QCOMPARE(store.latest(QStringLiteral("app-web-1")).requestsPerSecond, 0.0);
}

void TestMetricsStore::testHistoryIsSortedAndTrimmed()
{
    MetricsStore store;
    store.setHistorySeconds(5);
    const QString replica = QStringLiteral("app-web-2");

    for (int second = 0; second < 10; ++second) {
        store.recordCpu(QStringLiteral("web"), replica, 1'000'000 + second * 1000 + 250,
                        second * 10.0, 2, 1024, 4096);
    }
    // A late sample for an earlier second lands in that second's point.
    store.recordCpu(QStringLiteral("web"), replica, 1'000'000 + 8 * 1000 + 900, 99.0, 2, 1, 2);

    const QVector<MetricPoint> points = store.history(replica);
    QCOMPARE(points.size(), 5);
    QCOMPARE(points.first().timeMs, 1'005'000);
    QCOMPARE(points.last().cpuPercent, 90.0);
    QCOMPARE(points.at(3).cpuPercent, 99.0);
    for (int i = 1; i < points.size(); ++i) {
        QVERIFY(points.at(i - 1).timeMs < points.at(i).timeMs);
    }
    QCOMPARE(store.history(replica, 1'007'000).size(), 2);
}

void TestMetricsStore::testReplicasGroupedByService()
{
    MetricsStore store;
    store.recordCpu(QStringLiteral("web"), QStringLiteral("p-web-2"), 1000, 1, 1, 1, 1);
    store.recordCpu(QStringLiteral("db"), QStringLiteral("p-db-1"), 1000, 1, 1, 1, 1);
    store.recordCpu(QStringLiteral("web"), QStringLiteral("p-web-1"), 1000, 1, 1, 1, 1);

    QCOMPARE(store.replicasOfService(QStringLiteral("web")),
             QStringList({QStringLiteral("p-web-1"), QStringLiteral("p-web-2")}));
    store.removeReplica(QStringLiteral("p-web-1"));
    QCOMPARE(store.replicas(), QStringList({QStringLiteral("p-db-1"), QStringLiteral("p-web-2")}));
    QCOMPARE(store.latest(QStringLiteral("p-web-1")).replica, QString());
}

void TestMetricsStore::testUpdatesAreCoalesced()
{
    MetricsStore store;
    QSignalSpy spy(&store, &MetricsStore::updated);
    for (int i = 0; i < 50; ++i) {
        store.recordCpu(QStringLiteral("web"), QStringLiteral("p-web-1"), 1000 + i, i, 1, 1, 1);
    }
    QVERIFY(spy.wait(2000));
    QTest::qWait(300);
    QCOMPARE(spy.count(), 1);
}

namespace {
ReplicaMetrics limited(double cores, const QString &cpuset = {}, int cpusetCpus = 0)
{
    ReplicaMetrics metrics;
    metrics.cpuLimit = cores;
    metrics.cpuset = cpuset;
    metrics.cpusetCpus = cpusetCpus;
    return metrics;
}
} // namespace

void TestMetricsStore::testCombinedCpuLimitCountsSharedSetsOnce_data()
{
    QTest::addColumn<QList<ReplicaMetrics>>("replicas");
    QTest::addColumn<double>("combined");
    QTest::newRow("none") << QList<ReplicaMetrics>() << 0.0;
    QTest::newRow("own limits add up")
        << QList<ReplicaMetrics>{limited(0.5), limited(0.5), limited(1)} << 2.0;
    QTest::newRow("one without a limit: the host bounds them")
        << QList<ReplicaMetrics>{limited(0.5), limited(0)} << 0.0;
    QTest::newRow("three pinned to one CPU share it")
        << QList<ReplicaMetrics>{limited(1, u"0"_s, 1), limited(1, u"0"_s, 1),
                                 limited(1, u"0"_s, 1)}
        << 1.0;
    QTest::newRow("quotas below a shared set add up to the set at most")
        << QList<ReplicaMetrics>{limited(0.5, u"0,1"_s, 2), limited(0.5, u"0,1"_s, 2),
                                 limited(0.5, u"0,1"_s, 2), limited(0.5, u"0,1"_s, 2),
                                 limited(0.5, u"0,1"_s, 2)}
        << 2.0;
    QTest::newRow("two sets and an own limit")
        << QList<ReplicaMetrics>{limited(1, u"0"_s, 1), limited(1, u"0"_s, 1),
                                 limited(1, u"1"_s, 1), limited(0.25)}
        << 2.25;
}

void TestMetricsStore::testCombinedCpuLimitCountsSharedSetsOnce()
{
    QFETCH(QList<ReplicaMetrics>, replicas);
    QFETCH(double, combined);
    QCOMPARE(MetricsStore::combinedCpuLimit(replicas), combined);
}

void TestMetricsStore::testCpuLimitIsKeptWithTheReplica()
{
    MetricsStore store;
    store.setCpuLimit(u"web"_s, u"p-web-1"_s, 0.5, QString(), 0);
    store.recordCpu(u"web"_s, u"p-web-1"_s, 1000, 20.0, 4, 0, 0);
    QCOMPARE(store.latest(u"p-web-1"_s).cpuLimit, 0.5);
    QCOMPARE(store.latest(u"p-web-1"_s).cpuPercent, 20.0);
    store.setCpuLimit(u"web"_s, u"p-web-2"_s, 1, u"0"_s, 1);
    QCOMPARE(store.latest(u"p-web-2"_s).cpuset, u"0"_s);
    QCOMPARE(store.replicasOfService(u"web"_s).size(), 2);
}

QTEST_GUILESS_MAIN(TestMetricsStore)
#include "tst_metricsstore.moc"
