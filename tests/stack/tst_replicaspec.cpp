#include <core/stack/composelabels.h>
#include <core/stack/replicaspec.h>

#include <QJsonArray>
#include <QTest>

using namespace Shoal::Core;

class TestReplicaSpec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testNamesFollowCompose();
    void testLabelsLetComposeFindTheReplica();
    void testPortsArePublishedOnLoopbackOnly();
    void testConfigHashFollowsTheDefinition();
    void testConfigHashIgnoresCountAndProxyOptions();
    void testCpuLimitsReachHostConfig();
};

namespace {

ComposeProject shopProject()
{
    ComposeProject project;
    project.name = QStringLiteral("shop");
    project.workingDir = QStringLiteral("/srv/shop");
    project.configFiles = {QStringLiteral("/srv/shop/compose.yaml")};
    ServiceSpec web;
    web.name = QStringLiteral("api");
    web.image = QStringLiteral("shop/api:2");
    web.environment.insert(QStringLiteral("MODE"), QStringLiteral("fast"));
    web.command = QStringList{QStringLiteral("/api"), QStringLiteral("--quiet")};
    PortMapping port;
    port.published = port.publishedEnd = 9090;
    port.target = port.targetEnd = 7000;
    web.ports.append(port);
    web.stopGracePeriodMs = 2500;
    web.restart = QStringLiteral("on-failure:4");
    project.services.append(web);
    return project;
}

} // namespace

void TestReplicaSpec::testNamesFollowCompose()
{
    QCOMPARE(ReplicaSpec::containerName(QStringLiteral("shop"), QStringLiteral("api"), 7),
             QStringLiteral("shop-api-7"));
    QCOMPARE(ReplicaSpec::defaultNetworkName(QStringLiteral("shop")),
             QStringLiteral("shop_default"));
}

void TestReplicaSpec::testLabelsLetComposeFindTheReplica()
{
    const ComposeProject project = shopProject();
    const QJsonObject body = ReplicaSpec::createBody(project, project.services.first(), 3);
    const QJsonObject labels = body.value(u"Labels").toObject();

    QCOMPARE(labels.value(ComposeLabels::Project).toString(), QStringLiteral("shop"));
    QCOMPARE(labels.value(ComposeLabels::Service).toString(), QStringLiteral("api"));
    QCOMPARE(labels.value(ComposeLabels::ContainerNumber).toString(), QStringLiteral("3"));
    QCOMPARE(labels.value(ComposeLabels::OneOff).toString(), QStringLiteral("False"));
    QCOMPARE(labels.value(ComposeLabels::WorkingDir).toString(), QStringLiteral("/srv/shop"));
    QCOMPARE(body.value(u"Image").toString(), QStringLiteral("shop/api:2"));
    QCOMPARE(body.value(u"Env").toArray(), QJsonArray{QStringLiteral("MODE=fast")});
    QCOMPARE(body.value(u"StopTimeout").toInt(), 3);
    const QJsonObject policy =
        body.value(u"HostConfig").toObject().value(u"RestartPolicy").toObject();
    QCOMPARE(policy.value(u"Name").toString(), QStringLiteral("on-failure"));
    QCOMPARE(policy.value(u"MaximumRetryCount").toInt(), 4);
}

void TestReplicaSpec::testPortsArePublishedOnLoopbackOnly()
{
    const ComposeProject project = shopProject();
    const QJsonObject body = ReplicaSpec::createBody(project, project.services.first(), 1);
    const QJsonObject bindings =
        body.value(u"HostConfig").toObject().value(u"PortBindings").toObject();

    // The compose file's host port 9090 belongs to the proxy; the replica gets an
    // ephemeral port on loopback.
    QCOMPARE(bindings.keys(), QStringList{QStringLiteral("7000/tcp")});
    const QJsonObject binding = bindings.value(u"7000/tcp").toArray().first().toObject();
    QCOMPARE(binding.value(u"HostIp").toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(binding.value(u"HostPort").toString(), QString());
}

void TestReplicaSpec::testConfigHashFollowsTheDefinition()
{
    ComposeProject project = shopProject();
    const QString before = ReplicaSpec::configHash(project.services.first());
    QCOMPARE(ReplicaSpec::configHash(project.services.first()), before);

    project.services.first().environment.insert(QStringLiteral("MODE"), QStringLiteral("slow"));
    QVERIFY(ReplicaSpec::configHash(project.services.first()) != before);
}

void TestReplicaSpec::testConfigHashIgnoresCountAndProxyOptions()
{
    ComposeProject project = shopProject();
    ServiceSpec &service = project.services.first();
    const QString before = ReplicaSpec::configHash(service);

    // Neither the replica count nor how the proxy balances reaches a container: changing them
    // in the compose file must not recreate the running replicas.
    service.replicas = 7;
    service.shoal.balance = QStringLiteral("weighted");
    service.shoal.weights.insert(2, 3);
    QCOMPARE(ReplicaSpec::configHash(service), before);

    service.image = QStringLiteral("shop:2");
    QVERIFY(ReplicaSpec::configHash(service) != before);
}

void TestReplicaSpec::testCpuLimitsReachHostConfig()
{
    ComposeProject project = shopProject();
    const QString unlimitedHash = ReplicaSpec::configHash(project.services.first());
    QJsonObject host = ReplicaSpec::createBody(project, project.services.first(), 1)
                           .value(u"HostConfig")
                           .toObject();
    QVERIFY(!host.contains(u"NanoCpus"));
    QVERIFY(!host.contains(u"CpusetCpus"));

    project.services.first().cpus = 0.5;
    project.services.first().cpuset = QStringLiteral("0,2");
    host = ReplicaSpec::createBody(project, project.services.first(), 1)
               .value(u"HostConfig")
               .toObject();
    QCOMPARE(host.value(u"NanoCpus").toDouble(), 5e8);
    QCOMPARE(host.value(u"CpusetCpus").toString(), QStringLiteral("0,2"));
    // A new limit is a new definition: replicas are recreated to get it
    QVERIFY(ReplicaSpec::configHash(project.services.first()) != unlimitedHash);
}

QTEST_GUILESS_MAIN(TestReplicaSpec)
#include "tst_replicaspec.moc"
