#include "../support/enginetestsupport.h"

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

    m_stack =
        std::make_unique<StackController>(m_client.get(), exampleProject(m_project, &m_proxyPort));
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
