#include <core/stack/startuporder.h>

#include <QTest>

using namespace Shoal::Core;
using Readiness = StartupOrder::Readiness;

class TestStartupOrder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testConditions_data();
    void testConditions();
    void testMissingDependencyIsSkipped();
    void testCycleIsNamed();
};

namespace {

ComposeProject shopWithQueue(const QString &condition)
{
    ComposeProject project;
    project.name = QStringLiteral("shop");
    ServiceSpec queue;
    queue.name = QStringLiteral("queue");
    ServiceSpec api;
    api.name = QStringLiteral("api");
    api.dependsOn.append(DependsOn{QStringLiteral("queue"), condition});
    project.services = {queue, api};
    return project;
}

ReplicaInfo queueReplica(const QString &state, const QString &health, int exitCode = -1)
{
    ReplicaInfo replica;
    replica.name = QStringLiteral("shop-queue-1");
    replica.service = QStringLiteral("queue");
    replica.state = state;
    replica.health = health;
    replica.exitCode = exitCode;
    return replica;
}

} // namespace

void TestStartupOrder::testConditions_data()
{
    QTest::addColumn<QString>("condition");
    QTest::addColumn<bool>("queueStarted");
    QTest::addColumn<ReplicaInfo>("queue");
    QTest::addColumn<Readiness>("expected");

    const QString started = QStringLiteral("service_started");
    const QString healthy = QStringLiteral("service_healthy");
    const QString completed = QStringLiteral("service_completed_successfully");
    const auto running = [](const QString &health) {
        return queueReplica(QStringLiteral("running"), health);
    };
    const auto exited = [](int code) { return queueReplica(QStringLiteral("exited"), {}, code); };

    QTest::newRow("started: dependency not started yet")
        << started << false << running({}) << Readiness::Waiting;
    QTest::newRow("started: dependency started")
        << started << true << running({}) << Readiness::Ready;
    QTest::newRow("healthy: still starting")
        << healthy << true << running(QStringLiteral("starting")) << Readiness::Waiting;
    QTest::newRow("healthy: healthy")
        << healthy << true << running(QStringLiteral("healthy")) << Readiness::Ready;
    QTest::newRow("healthy: unhealthy fails")
        << healthy << true << running(QStringLiteral("unhealthy")) << Readiness::Failed;
    QTest::newRow("completed: still running")
        << completed << true << running({}) << Readiness::Waiting;
    QTest::newRow("completed: exit 0") << completed << true << exited(0) << Readiness::Ready;
    QTest::newRow("completed: exit 3 fails") << completed << true << exited(3) << Readiness::Failed;
}

void TestStartupOrder::testConditions()
{
    QFETCH(QString, condition);
    QFETCH(bool, queueStarted);
    QFETCH(ReplicaInfo, queue);
    QFETCH(Readiness, expected);

    const ComposeProject project = shopWithQueue(condition);
    QSet<QString> started;
    if (queueStarted) {
        started.insert(QStringLiteral("queue"));
    }
    const StartupOrder::Decision decision =
        StartupOrder::check(project, project.services.at(1), started, {queue});
    QCOMPARE(decision.readiness, expected);
    if (expected == Readiness::Failed) {
        QVERIFY(decision.reason.contains(QStringLiteral("queue")));
    }
}

void TestStartupOrder::testMissingDependencyIsSkipped()
{
    // A dependency left out by an inactive profile does not hold the service back.
    ComposeProject project = shopWithQueue(QStringLiteral("service_healthy"));
    project.services.removeFirst();
    const auto decision = StartupOrder::check(project, project.services.first(), {}, {});
    QCOMPARE(decision.readiness, Readiness::Ready);
}

void TestStartupOrder::testCycleIsNamed()
{
    ComposeProject project = shopWithQueue(QStringLiteral("service_started"));
    QCOMPARE(StartupOrder::findCycle(project), QString());

    project.services[0].dependsOn.append(DependsOn{QStringLiteral("api")});
    QCOMPARE(StartupOrder::findCycle(project), QStringLiteral("queue -> api -> queue"));
}

QTEST_GUILESS_MAIN(TestStartupOrder)
#include "tst_startuporder.moc"
