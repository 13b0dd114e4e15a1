#include "../support/dockerdcontrol.h"
#include "../support/enginetestsupport.h"

#include <core/metrics/metricsstore.h>
#include <core/proxy/proxyserver.h>
#include <core/stack/stackcontroller.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <sys/types.h>
#include <unistd.h>

#include <csignal>

using namespace Shoal::Core;
using namespace Shoal::Test;
using namespace Qt::StringLiterals;

// Stops the real dockerd under a running stack and starts it again. Only where this suite
// (or .ci/run) started dockerd itself: a daemon run by systemd is never touched.
class TestEngineOutage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void testOutageIsSeenAndStateResumes();

private:
    std::unique_ptr<DockerClient> m_client;
    std::unique_ptr<StackController> m_stack;
    QString m_project;
    quint16 m_port = 0;
};

void TestEngineOutage::initTestCase()
{
    const QString reason = Dockerd::whyNotRestartable();
    if (!reason.isEmpty()) {
        QSKIP(qPrintable(reason));
    }

    m_project = u"shoaltest-outage-%1"_s.arg(QCoreApplication::applicationPid());
    m_client = std::make_unique<DockerClient>(resolveEngineEndpoint().endpoint);
    m_stack = std::make_unique<StackController>(m_client.get(), exampleProject(m_project, &m_port));
    QSignalSpy up(m_stack.get(), &StackController::upFinished);
    m_stack->up({{u"web"_s, 1}});
    QVERIFY(up.wait(180000));
    QVERIFY2(up.first().at(0).toBool(), qPrintable(up.first().at(1).toString()));
}

void TestEngineOutage::cleanupTestCase()
{
    if (!m_client) {
        return;
    }
    Dockerd::start();
    m_stack.reset();
    removeProject(*m_client, m_project);
    waitFor(m_client->deleteResource(u"/images/%1-web?force=1"_s.arg(m_project)));
}

void TestEngineOutage::testOutageIsSeenAndStateResumes()
{
    QTRY_VERIFY_WITH_TIMEOUT(m_client->isReachable(), 10000);

    // When dockerd stops
    QVERIFY(Dockerd::stop());
    QElapsedTimer sinceGone;
    sinceGone.start();

    // Then Shoal says so within two seconds
    QTRY_VERIFY_WITH_TIMEOUT(!m_client->isReachable(), 2500);
    qInfo("engine seen unreachable after %lld ms", sinceGone.elapsed());

    // When it comes back
    QVERIFY(Dockerd::start());

    // Then Shoal reconnects by itself, re-reads the stack and follows its events again
    QTRY_VERIFY_WITH_TIMEOUT(m_client->isReachable(), 15000);
    QSignalSpy scaled(m_stack.get(), &StackController::scaleFinished);
    m_stack->scale(u"web"_s, 2);
    QVERIFY(scaled.wait(60000));
    QTRY_COMPARE_WITH_TIMEOUT(m_stack->proxy(u"web"_s)->backends().size(), 2, 30000);
    QCOMPARE(httpGet(m_port).status, 200);

    // Stats streams resume: fresh CPU samples arrive for the running replicas
    const qint64 resumedAt = QDateTime::currentMSecsSinceEpoch();
    const auto freshSamples = [this, resumedAt] {
        for (const ReplicaInfo &replica : m_stack->replicas(u"web"_s)) {
            const auto points = m_stack->metrics()->history(replica.name, resumedAt);
            if (std::none_of(points.cbegin(), points.cend(),
                             [](const MetricPoint &p) { return p.cpuPercent >= 0; })) {
                return false;
            }
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(freshSamples(), 15000);
}

QTEST_GUILESS_MAIN(TestEngineOutage)
#include "tst_engineoutage.moc"
