#include "../support/dockerdcontrol.h"
#include "../support/enginetestsupport.h"

#include <core/engine/dockerclient.h>
#include <core/stack/stackcontroller.h>
#include <ui/mainwindow.h>
#include <ui/messagebar.h>
#include <ui/stackview.h>

#include <QElapsedTimer>
#include <QLabel>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Shoal;
using namespace Shoal::Test;
using namespace Qt::StringLiterals;

namespace {

constexpr int UpTimeoutMs = 180000;
// The stack notices a lost engine within two seconds; the label follows at once.
constexpr int UnreachableWithinMs = 5000;
// Retries back off; a restarted dockerd also needs a few seconds to answer.
constexpr int ReachableAgainWithinMs = 60000;
// Longest pause of the GUI thread that still counts as responsive while the engine is gone.
constexpr qint64 MaximumStallMs = 500;

} // namespace

// Stops the real dockerd under a window with an open stack and starts it again; only where
// these scripts started dockerd, never one that systemd runs.
class TestWindowOutage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void testStatusBarFollowsTheEngine();
    void cleanupTestCase();

private:
    bool startDockerd();

    std::unique_ptr<Core::DockerClient> m_client;
    std::unique_ptr<Core::StackController> m_stack;
    std::unique_ptr<Ui::MainWindow> m_window;
    QString m_project;
    quint16 m_port = 0;
};

void TestWindowOutage::initTestCase()
{
    const QString reason = Dockerd::whyNotRestartable();
    if (!reason.isEmpty()) {
        QSKIP(qPrintable(reason));
    }
    QStandardPaths::setTestModeEnabled(true);
    m_project = u"shoaltest-uioutage-%1"_s.arg(QCoreApplication::applicationPid());
    m_client = std::make_unique<Core::DockerClient>(Core::resolveEngineEndpoint().endpoint);
    const Core::ComposeProject project = exampleProject(m_project, &m_port);
    m_stack = std::make_unique<Core::StackController>(m_client.get(), project);
    m_window = std::make_unique<Ui::MainWindow>(m_stack.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QSignalSpy up(m_stack.get(), &Core::StackController::upFinished);
    m_stack->up({{u"web"_s, 1}});
    QVERIFY(up.wait(UpTimeoutMs));
    QVERIFY2(up.first().at(0).toBool(), qPrintable(up.first().at(1).toString()));
}

void TestWindowOutage::testStatusBarFollowsTheEngine()
{
    auto *reachable = m_window->findChild<QLabel *>(u"reachableLabel"_s);
    auto *api = m_window->findChild<QLabel *>(u"apiLabel"_s);
    QVERIFY(reachable && api);
    QTRY_COMPARE_WITH_TIMEOUT(reachable->text(), u"reachable"_s, 10000);

    // Given a timer that measures how long the GUI thread goes without turning its loop
    QElapsedTimer sinceTick;
    qint64 longestStall = 0;
    bool measuring = false;
    QTimer ticker;
    ticker.setInterval(20);
    connect(&ticker, &QTimer::timeout, this, [&] {
        if (measuring) {
            longestStall = std::max(longestStall, sinceTick.elapsed());
        }
        sinceTick.restart();
    });
    ticker.start();
    sinceTick.start();

    // When dockerd stops
    QVERIFY(Dockerd::stop());
    QElapsedTimer sinceGone;
    sinceGone.start();
    measuring = true;

    // Then the status bar says the engine is unreachable within a few seconds
    QTRY_COMPARE_WITH_TIMEOUT(reachable->text(), u"engine unreachable"_s, UnreachableWithinMs);
    qInfo("window showed the engine unreachable after %lld ms", sinceGone.elapsed());
    Ui::MessageBar *banner = m_window->currentView()->messageBar();
    QTRY_VERIFY(banner->text().contains(u"Lost the Docker engine"_s));

    // And the window keeps answering while the stack retries
    QTest::qWait(3000);
    QVERIFY(!m_window->grab().isNull());
    measuring = false;
    qInfo("longest GUI stall during the outage: %lld ms", longestStall);
    QVERIFY2(longestStall < MaximumStallMs, qPrintable(u"stalled %1 ms"_s.arg(longestStall)));

    // When dockerd is back, the status bar says so
    QVERIFY(startDockerd());
    QTRY_COMPARE_WITH_TIMEOUT(reachable->text(), u"reachable"_s, ReachableAgainWithinMs);
    QVERIFY(api->text().startsWith(u"API "_s));
}

void TestWindowOutage::cleanupTestCase()
{
    if (!m_client) {
        return;
    }
    startDockerd();
    m_window.reset();
    m_stack.reset();
    removeProject(*m_client, m_project);
    waitFor(m_client->deleteResource(u"/images/%1-web?force=1"_s.arg(m_project)));
}

bool TestWindowOutage::startDockerd()
{
    if (Dockerd::pid() != 0) {
        return true;
    }
    // As Dockerd::start(), but the event loop turns while the script waits for the engine.
    QProcess script;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"SHOAL_DOCKERD_ARGS"_s, QString());
    environment.remove(u"DOCKER_HOST"_s);
    script.setProcessEnvironment(environment);
    script.start(QStringLiteral(SHOAL_SOURCE_DIR "/scripts/ensure-dockerd.sh"), {});
    if (!script.waitForStarted()) {
        return false;
    }
    const bool ended =
        QTest::qWaitFor([&script] { return script.state() == QProcess::NotRunning; }, 90000);
    return ended && script.exitCode() == 0;
}

QTEST_MAIN(TestWindowOutage)
#include "tst_windowoutage.moc"
