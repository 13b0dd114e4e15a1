#include "../support/enginetestsupport.h"
#include "../support/loadgenerator.h"

#include <core/engine/dockerclient.h>
#include <core/proxy/proxyserver.h>
#include <core/stack/composelabels.h>
#include <core/stack/stackcontroller.h>

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace Shoal::Core;
using namespace Shoal::Test;
using namespace Qt::StringLiterals;

// Runs examples/whoami on the real engine under a project name of its own, and checks
// what the engine has after each step, not only what the controller believes.
class TestStackController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void testUpCreatesComposeNamedReplicas();
    void testScaleOneToThreeToOne();
    void testProxySpreadsRequestsEvenly();
    void testProxyGetsWeightsByReplicaNumber();
    void testKilledReplicaUnderLoadCostsNoRequest();
    void testReplicaRemovedOutsideIsReplaced();
    void testDownRemovesEverything();

private:
    QJsonArray engineContainers();
    QStringList engineNames();
    bool scaleTo(int replicas);
    bool waitForRotation(int replicas);

    std::unique_ptr<DockerClient> m_client;
    std::unique_ptr<StackController> m_stack;
    QString m_project;
    quint16 m_proxyPort = 0;
};

void TestStackController::initTestCase()
{
    m_project = QStringLiteral("shoaltest-stack-%1").arg(QCoreApplication::applicationPid());
    const EndpointResolution resolution = resolveEngineEndpoint();
    QVERIFY2(resolution.error.isEmpty(), qPrintable(resolution.error));
    m_client = std::make_unique<DockerClient>(resolution.endpoint);
    QSignalSpy connected(m_client.get(), &DockerClient::connected);
    m_client->negotiate();
    QVERIFY(connected.wait(10000));

    ComposeProject project = exampleProject(m_project, &m_proxyPort);
    // Weights reach the proxy whatever the balance; only a weighted proxy applies them, so
    // the round-robin checks below still expect an even spread.
    project.services.first().shoal.weights = {{2, 3}};
    m_stack = std::make_unique<StackController>(m_client.get(), project);
}

void TestStackController::cleanupTestCase()
{
    m_stack.reset();
    removeProject(*m_client, m_project);
    waitFor(m_client->deleteResource(u"/images/%1-web?force=1"_s.arg(m_project)));
}

QJsonArray TestStackController::engineContainers()
{
    EngineReply *reply = m_client->listContainers({ComposeLabels::Project + u'=' + m_project});
    waitFor(reply);
    return reply->json().array();
}

QStringList TestStackController::engineNames()
{
    QStringList names;
    for (const QJsonValue &value : engineContainers()) {
        names.append(value.toObject().value(u"Names").toArray().first().toString().mid(1));
    }
    names.sort();
    return names;
}

bool TestStackController::scaleTo(int replicas)
{
    QSignalSpy finished(m_stack.get(), &StackController::scaleFinished);
    m_stack->scale(QStringLiteral("web"), replicas);
    if (!finished.wait(60000)) {
        return false;
    }
    return finished.first().at(1).toBool();
}

bool TestStackController::waitForRotation(int replicas)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 30000) {
        ProxyServer *proxy = m_stack->proxy(QStringLiteral("web"));
        if (proxy && proxy->backends().size() == replicas) {
            return true;
        }
        QTest::qWait(100);
    }
    return false;
}

void TestStackController::testUpCreatesComposeNamedReplicas()
{
    // Given the example with deploy.replicas 2, asked for 1
    QSignalSpy up(m_stack.get(), &StackController::upFinished);
    m_stack->up({{QStringLiteral("web"), 1}});

    // When it is up
    QVERIFY(up.wait(180000));
    QVERIFY2(up.first().at(0).toBool(), qPrintable(up.first().at(1).toString()));

    // Then the engine has one replica named and labelled as docker compose would
    QCOMPARE(engineNames(), QStringList{m_project + u"-web-1"_s});
    const QJsonObject labels = engineContainers().first().toObject().value(u"Labels").toObject();
    QCOMPARE(labels.value(ComposeLabels::Service).toString(), QStringLiteral("web"));
    QCOMPARE(labels.value(ComposeLabels::ContainerNumber).toString(), QStringLiteral("1"));
    QCOMPARE(labels.value(ComposeLabels::OneOff).toString(), QStringLiteral("False"));
    QVERIFY(!labels.value(ComposeLabels::ConfigHash).toString().isEmpty());
}

void TestStackController::testScaleOneToThreeToOne()
{
    QVERIFY(scaleTo(3));
    QCOMPARE(engineNames(), QStringList({m_project + u"-web-1"_s, m_project + u"-web-2"_s,
                                         m_project + u"-web-3"_s}));
    for (const QJsonValue &value : engineContainers()) {
        QCOMPARE(value.toObject().value(u"State").toString(), QStringLiteral("running"));
    }

    // Scale-down removes the highest numbers, as compose does.
    QVERIFY(scaleTo(1));
    QCOMPARE(engineNames(), QStringList{m_project + u"-web-1"_s});
    QCOMPARE(m_stack->replicas(QStringLiteral("web")).size(), 1);
}

void TestStackController::testProxySpreadsRequestsEvenly()
{
    QVERIFY(scaleTo(3));
    QVERIFY(waitForRotation(3));

    QHash<QByteArray, int> perReplica;
    for (int i = 0; i < 30; ++i) {
        const HttpResult result = httpGet(m_proxyPort);
        QCOMPARE(result.status, 200);
        ++perReplica[result.body.trimmed()];
    }

    // Each replica answers with its own hostname: three names, ten requests each.
    QCOMPARE(perReplica.size(), 3);
    for (auto it = perReplica.cbegin(); it != perReplica.cend(); ++it) {
        QVERIFY2(it.value() == 10, it.key().constData());
    }
}

void TestStackController::testProxyGetsWeightsByReplicaNumber()
{
    QVERIFY(waitForRotation(3));

    QMap<QString, int> weights;
    for (const ProxyBackend &backend : m_stack->proxy(QStringLiteral("web"))->backends()) {
        weights.insert(backend.id, backend.weight);
    }

    QCOMPARE(weights, (QMap<QString, int>{{m_project + u"-web-1"_s, 1},
                                          {m_project + u"-web-2"_s, 3},
                                          {m_project + u"-web-3"_s, 1}}));
}

void TestStackController::testKilledReplicaUnderLoadCostsNoRequest()
{
    // Given three replicas in rotation under a bounded load: four keep-alive clients, a
    // request per millisecond each at most, for eight seconds at most
    QVERIFY(waitForRotation(3));
    ProxyServer *proxy = m_stack->proxy(QStringLiteral("web"));
    const QString victim = m_project + u"-web-2"_s;
    const auto requestsOf = [proxy](const QString &id) {
        for (const BackendCounters &counters : proxy->counters()) {
            if (counters.id == id) {
                return qint64(counters.requests);
            }
        }
        return qint64(0);
    };
    LoadGenerator load(m_proxyPort, 4, std::chrono::milliseconds(1));
    load.start(std::chrono::seconds(8));
    QTest::qWait(1500);
    const qint64 firstBefore = requestsOf(m_project + u"-web-1"_s);
    const qint64 thirdBefore = requestsOf(m_project + u"-web-3"_s);
    QVERIFY(requestsOf(victim) > 0);

    // When one replica is killed mid-load through the engine API (SIGKILL, no drain)
    QVERIFY(waitFor(m_client->killContainer(victim)));
    QTest::qWait(2500);
    const LoadGenerator::Totals totals = load.stop();

    // Then no client saw a failure: requests caught on the dying replica were retried
    QVERIFY2(totals.ok > 1000, QByteArray::number(qlonglong(totals.ok)));
    QCOMPARE(totals.non2xx, 0L);
    QCOMPARE(totals.socketErrors, 0L);

    // And the killed replica is out of rotation: the proxy skipped it at once (passive
    // health), and stack control took it out when the engine reported it dead
    const QList<ProxyBackend> backends = proxy->backends();
    QVERIFY(std::none_of(backends.cbegin(), backends.cend(),
                         [&](const ProxyBackend &backend) { return backend.id == victim; }));

    // And the two others shared the load evenly
    QTest::qWait(1200);
    const qint64 first = requestsOf(m_project + u"-web-1"_s) - firstBefore;
    const qint64 third = requestsOf(m_project + u"-web-3"_s) - thirdBefore;
    QVERIFY2(first > 0 && std::abs(first - third) <= (first + third) / 10 + 10,
             qPrintable(u"web-1 %1, web-3 %2"_s.arg(first).arg(third)));

    // Back to three running replicas for the tests that follow
    QVERIFY(waitFor(m_client->startContainer(victim)));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QList<ProxyBackend> now = proxy->backends();
            return std::any_of(now.cbegin(), now.cend(),
                               [&](const ProxyBackend &backend) { return backend.id == victim; });
        }(),
        30000);
}

void TestStackController::testReplicaRemovedOutsideIsReplaced()
{
    // Given three running replicas
    QCOMPARE(engineNames().size(), 3);

    // When one is removed behind Shoal's back (docker rm -f)
    const QString victim = m_project + u"-web-2"_s;
    QVERIFY(waitFor(m_client->removeContainer(victim, true)));

    // Then within seconds the service has three running replicas again
    QTRY_VERIFY_WITH_TIMEOUT(
        [this] {
            int running = 0;
            for (const QJsonValue &value : engineContainers()) {
                running += value.toObject().value(u"State").toString() == u"running";
            }
            return running == 3 && !engineNames().contains(m_project + u"-web-2"_s);
        }(),
        20000);
}

void TestStackController::testDownRemovesEverything()
{
    QSignalSpy down(m_stack.get(), &StackController::downFinished);
    m_stack->down();
    QVERIFY(down.wait(60000));
    QVERIFY2(down.first().at(0).toBool(), qPrintable(down.first().at(1).toString()));
    QVERIFY(engineContainers().isEmpty());

    EngineReply *networks = m_client->listNetworks({ComposeLabels::Project + u'=' + m_project});
    QVERIFY(waitFor(networks));
    QVERIFY(networks->json().array().isEmpty());
}

QTEST_GUILESS_MAIN(TestStackController)
#include "tst_stackcontroller.moc"
