#include <core/metrics/metricsstore.h>
#include <ui/containertablemodel.h>

#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using Shoal::Core::MetricsStore;
using Shoal::Core::ReplicaInfo;
using Shoal::Ui::ContainerTableModel;

namespace {

// Whole seconds, so that every sample lands in its own one-second slot of the store.
constexpr qint64 T0 = 1'700'000'000'000;

ReplicaInfo replica(const QString &service, int number, const QString &state = "running")
{
    ReplicaInfo info;
    info.service = service;
    info.number = number;
    info.name = QStringLiteral("proj-%1-%2").arg(service).arg(number);
    info.id = info.name + QStringLiteral("-id");
    info.state = state;
    info.startedAt = QDateTime::fromMSecsSinceEpoch(T0, Qt::UTC);
    info.publishedPorts = {{3000, quint16(40000 + number)}};
    info.inRotation = state == QLatin1String("running");
    return info;
}

QVariant sortValue(const QAbstractItemModel &model, int row, int column)
{
    return model.index(row, column).data(ContainerTableModel::SortRole);
}

QString text(const QAbstractItemModel &model, int row, int column)
{
    return model.index(row, column).data().toString();
}

int rowOf(const QAbstractItemModel &model, const QString &name)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, 0).data(ContainerTableModel::ReplicaNameRole) == name) {
            return row;
        }
    }
    return -1;
}

} // namespace

class TestContainerTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testRowsFollowReplicas();
    void testMetricColumnsShowTheStore();
    void testUnmeasuredReplicaShowsDashes();
    void testSortingByNumbers_data();
    void testSortingByNumbers();
    void testNameSortsReplicaNumbersNaturally();
    void testSameRowsUpdateInPlace();
    void testGoneReplicaIsRemovedAlone();
    void testStoreUpdateRefreshesMetrics();
    void testUptimeFollowsTheClock();
};

void TestContainerTableModel::testRowsFollowReplicas()
{
    ContainerTableModel model;
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(ContainerTableModel::ColumnCount));

    model.setReplicas({replica("web", 1), replica("web", 2), replica("db", 1, "exited")});

    QCOMPARE(model.rowCount(), 3);
    const int row = rowOf(model, "proj-db-1");
    QVERIFY(row >= 0);
    QCOMPARE(text(model, row, ContainerTableModel::NameColumn), QStringLiteral("proj-db-1"));
    QCOMPARE(text(model, row, ContainerTableModel::ServiceColumn), QStringLiteral("db"));
    QCOMPARE(text(model, row, ContainerTableModel::StateColumn), QStringLiteral("exited"));
    QCOMPARE(text(model, row, ContainerTableModel::PortsColumn), QStringLiteral("40001→3000"));
    QVERIFY(model.index(row, ContainerTableModel::StateColumn)
                .data(Qt::DecorationRole)
                .canConvert<QIcon>());
    QCOMPARE(model.headerData(ContainerTableModel::CpuColumn, Qt::Horizontal).toString(),
             QStringLiteral("CPU %"));
}

void TestContainerTableModel::testMetricColumnsShowTheStore()
{
    // Given a store with one CPU sample and two request totals one second apart
    MetricsStore store;
    store.recordCpu("web", "proj-web-1", T0, 150.0, 4, 64 * 1024 * 1024, 512 * 1024 * 1024);
    store.recordRequests("web", "proj-web-1", T0, 100, 1.5, 9.25, 2);
    store.recordRequests("web", "proj-web-1", T0 + 1000, 130, 1.5, 9.25, 2);

    // When the model shows that replica
    ContainerTableModel model;
    model.setMetricsStore(&store);
    model.setReplicas({replica("web", 1)});

    // Then the metric columns carry the store's latest values, CPU not clamped at 100 %
    const Shoal::Core::ReplicaMetrics latest = store.latest("proj-web-1");
    QCOMPARE(sortValue(model, 0, ContainerTableModel::CpuColumn).toDouble(), 150.0);
    QCOMPARE(text(model, 0, ContainerTableModel::CpuColumn), QLocale().toString(150.0, 'f', 1));
    constexpr double Memory = 64.0 * 1024 * 1024;
    QCOMPARE(sortValue(model, 0, ContainerTableModel::MemoryColumn).toDouble(), Memory);
    QCOMPARE(text(model, 0, ContainerTableModel::MemoryColumn),
             QLocale().formattedDataSize(qint64(Memory), 1));
    QCOMPARE(sortValue(model, 0, ContainerTableModel::RequestsColumn).toDouble(), 130.0);
    QCOMPARE(sortValue(model, 0, ContainerTableModel::RequestRateColumn).toDouble(),
             latest.requestsPerSecond);
    QVERIFY(latest.requestsPerSecond > 0);
    QCOMPARE(sortValue(model, 0, ContainerTableModel::P99Column).toDouble(), 9.25);
    QVERIFY(model.index(0, ContainerTableModel::CpuColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains("4"));
}

void TestContainerTableModel::testUnmeasuredReplicaShowsDashes()
{
    MetricsStore store;
    ContainerTableModel model;
    model.setMetricsStore(&store);
    model.setReplicas({replica("web", 1, "created")});

    QCOMPARE(text(model, 0, ContainerTableModel::CpuColumn), QStringLiteral("–"));
    QCOMPARE(text(model, 0, ContainerTableModel::P99Column), QStringLiteral("–"));
    QCOMPARE(text(model, 0, ContainerTableModel::UptimeColumn), QStringLiteral("–"));
    QCOMPARE(sortValue(model, 0, ContainerTableModel::CpuColumn).toDouble(), -1.0);
}

void TestContainerTableModel::testSortingByNumbers_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<QStringList>("ascending");

    // CPU: 2 > 3 > 1; memory: 1 > 3 > 2; requests: 3 > 1 > 2.
    QTest::newRow("cpu") << int(ContainerTableModel::CpuColumn)
                         << QStringList{"proj-web-1", "proj-web-3", "proj-web-2"};
    QTest::newRow("memory") << int(ContainerTableModel::MemoryColumn)
                            << QStringList{"proj-web-2", "proj-web-3", "proj-web-1"};
    QTest::newRow("requests") << int(ContainerTableModel::RequestsColumn)
                              << QStringList{"proj-web-2", "proj-web-1", "proj-web-3"};
}

void TestContainerTableModel::testSortingByNumbers()
{
    QFETCH(int, column);
    QFETCH(QStringList, ascending);

    MetricsStore store;
    store.recordCpu("web", "proj-web-1", T0, 5.0, 2, 900, 0);
    store.recordCpu("web", "proj-web-2", T0, 120.0, 2, 100, 0);
    store.recordCpu("web", "proj-web-3", T0, 50.0, 2, 500, 0);
    store.recordRequests("web", "proj-web-1", T0, 20, 1, 2, 0);
    store.recordRequests("web", "proj-web-2", T0, 9, 1, 2, 0);
    store.recordRequests("web", "proj-web-3", T0, 1000, 1, 2, 0);

    ContainerTableModel model;
    model.setMetricsStore(&store);
    model.setReplicas({replica("web", 3), replica("web", 1), replica("web", 2)});
    QSortFilterProxyModel sorted;
    sorted.setSourceModel(&model);
    sorted.setSortRole(ContainerTableModel::SortRole);

    sorted.sort(column, Qt::AscendingOrder);
    QStringList names;
    for (int row = 0; row < sorted.rowCount(); ++row) {
        names.append(text(sorted, row, ContainerTableModel::NameColumn));
    }
    QCOMPARE(names, ascending);

    sorted.sort(column, Qt::DescendingOrder);
    QCOMPARE(text(sorted, 0, ContainerTableModel::NameColumn), ascending.last());
}

void TestContainerTableModel::testNameSortsReplicaNumbersNaturally()
{
    ContainerTableModel model;
    model.setReplicas({replica("web", 10), replica("web", 9), replica("api", 2)});
    QSortFilterProxyModel sorted;
    sorted.setSourceModel(&model);
    sorted.setSortRole(ContainerTableModel::SortRole);
    sorted.sort(ContainerTableModel::NameColumn, Qt::AscendingOrder);

    QCOMPARE(text(sorted, 0, ContainerTableModel::NameColumn), QStringLiteral("proj-api-2"));
    QCOMPARE(text(sorted, 1, ContainerTableModel::NameColumn), QStringLiteral("proj-web-9"));
    QCOMPARE(text(sorted, 2, ContainerTableModel::NameColumn), QStringLiteral("proj-web-10"));
}

void TestContainerTableModel::testSameRowsUpdateInPlace()
{
    ContainerTableModel model;
    model.setReplicas({replica("web", 1), replica("web", 2)});
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    // When the same replicas come again, one with a new health
    ReplicaInfo second = replica("web", 2);
    second.health = "unhealthy";
    model.setReplicas({replica("web", 1), second});

    // Then the rows stay and only report their data as changed
    QCOMPARE(resets.count(), 0);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(inserted.count(), 0);
    QVERIFY(changed.count() >= 1);
    QCOMPARE(text(model, rowOf(model, "proj-web-2"), ContainerTableModel::StateColumn),
             QStringLiteral("running (unhealthy)"));
}

void TestContainerTableModel::testGoneReplicaIsRemovedAlone()
{
    ContainerTableModel model;
    model.setReplicas({replica("web", 1), replica("web", 2), replica("web", 3)});
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    model.setReplicas({replica("web", 1), replica("web", 3), replica("web", 4)});

    QCOMPARE(removed.count(), 1);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(rowOf(model, "proj-web-2"), -1);
    QVERIFY(rowOf(model, "proj-web-4") >= 0);
}

void TestContainerTableModel::testStoreUpdateRefreshesMetrics()
{
    MetricsStore store;
    ContainerTableModel model;
    model.setMetricsStore(&store);
    model.setReplicas({replica("web", 1)});
    QCOMPARE(sortValue(model, 0, ContainerTableModel::CpuColumn).toDouble(), -1.0);

    // When the store records a sample, its updated() signal reaches the model
    store.recordCpu("web", "proj-web-1", T0, 42.0, 2, 1000, 0);

    QTRY_COMPARE(sortValue(model, 0, ContainerTableModel::CpuColumn).toDouble(), 42.0);
}

void TestContainerTableModel::testUptimeFollowsTheClock()
{
    ContainerTableModel model;
    QDateTime now = QDateTime::fromMSecsSinceEpoch(T0 + 75 * 1000, Qt::UTC);
    model.setClock([&now] { return now; });
    model.setReplicas({replica("web", 1)});

    QCOMPARE(sortValue(model, 0, ContainerTableModel::UptimeColumn).toLongLong(), 75);
    QCOMPARE(text(model, 0, ContainerTableModel::UptimeColumn), QStringLiteral("1 min 15 s"));

    now = now.addSecs(3600);
    QCOMPARE(text(model, 0, ContainerTableModel::UptimeColumn), QStringLiteral("1 h 1 min"));
}

QTEST_MAIN(TestContainerTableModel)
#include "tst_containertablemodel.moc"
