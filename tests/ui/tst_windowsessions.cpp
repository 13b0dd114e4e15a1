#include "../support/enginetestsupport.h"

#include <core/compose/composeloader.h>
#include <core/engine/dockerclient.h>
#include <core/stack/stackcontroller.h>
#include <ui/mainwindow.h>
#include <ui/messagebar.h>
#include <ui/openonenginedialog.h>
#include <ui/stackview.h>

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <app/stacksession.h>
#include <app/windowsessions.h>

#include <memory>

using namespace Shoal;
using namespace Shoal::Test;
using Shoal::App::StackSession;
using namespace Qt::StringLiterals;

namespace {

constexpr int UpTimeoutMs = 180000;
constexpr int EngineTimeoutMs = 60000;

// The example under another name and port, beside the test's own files; its build context
// stays the example's folder.
QString writeCompose(const QString &folder, const QString &project, quint16 port)
{
    const QString path = folder + u"/%1.yaml"_s.arg(project);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return {};
    }
    file.write(u"name: %1\n"
               "services:\n"
               "  web:\n"
               "    build: %2/examples/whoami\n"
               "    ports:\n"
               "      - \"127.0.0.1:%3:3000\"\n"
               "    environment:\n"
               "      PORT: \"3000\"\n"
               "    deploy:\n"
               "      replicas: 1\n"
               "    stop_grace_period: 1s\n"_s.arg(project, QStringLiteral(SHOAL_SOURCE_DIR))
                   .arg(port)
                   .toUtf8());
    return path;
}

bool accepts(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(1000);
}

} // namespace

// The window with several stacks open as tabs, each with its own session, over the real
// engine. The slots run in order and build on each other: A and B open side by side, C
// collides with A's port, B closes, the set is remembered and reopened.
class TestWindowSessions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void testTwoStacksOpenAsTabs();
    void testOpeningAnOpenFileShowsItsTab();
    void testScalingOneTabLeavesTheOther();
    void testSamePortFailsOnlyInTheSecondTab();
    void testProjectOfAnotherInstanceIsRefused();
    void testClosingATabLeavesItsContainersRunning();
    void testOpenOnEngine();
    void testOpenTabsAreReopenedOnStart();
    void cleanupTestCase();

private:
    QStringList containerIds(const QString &project, bool runningOnly);
    Ui::StackView *viewOf(const QString &project) const;
    StackSession *sessionOf(const QString &project) const;
    void watchUps();
    bool waitUp(StackSession *session, QString *error);
    QStringList rememberedFiles() const;

    QTemporaryDir m_folder;
    QString m_projectA;
    QString m_projectB;
    QString m_projectC;
    QString m_fileA;
    QString m_fileB;
    QString m_fileC;
    quint16 m_portA = 0;
    quint16 m_portB = 0;
    std::unique_ptr<Core::DockerClient> m_client;
    std::unique_ptr<Ui::MainWindow> m_window;
    std::unique_ptr<App::WindowSessions> m_sessions;
    // The outcome of each stack's up(), which open() starts before returning.
    QHash<const Core::StackController *, std::pair<bool, QString>> m_ups;
};

void TestWindowSessions::initTestCase()
{
    // The remembered tabs go to a test-only settings file, never the user's.
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"ShoalTest"_s);
    QCoreApplication::setApplicationName(
        u"tst_windowsessions-%1"_s.arg(QCoreApplication::applicationPid()));
    QSettings().clear();
    QVERIFY(m_folder.isValid());
    QVERIFY2(QFile::exists(QStringLiteral(SHOAL_SOURCE_DIR "/examples/whoami/whoami")),
             "examples/whoami/whoami is not built: run examples/whoami/build-binary.sh");

    const qint64 pid = QCoreApplication::applicationPid();
    m_projectA = u"shoaltest-tabs-a-%1"_s.arg(pid);
    m_projectB = u"shoaltest-tabs-b-%1"_s.arg(pid);
    m_projectC = u"shoaltest-tabs-c-%1"_s.arg(pid);
    m_portA = freeLoopbackPort();
    m_portB = freeLoopbackPort();
    QVERIFY(m_portA != 0 && m_portB != 0 && m_portA != m_portB);
    m_fileA = writeCompose(m_folder.path(), m_projectA, m_portA);
    m_fileB = writeCompose(m_folder.path(), m_projectB, m_portB);
    // C publishes A's port: its up() must fail without touching A.
    m_fileC = writeCompose(m_folder.path(), m_projectC, m_portA);
    QVERIFY(!m_fileA.isEmpty() && !m_fileB.isEmpty() && !m_fileC.isEmpty());

    m_client = std::make_unique<Core::DockerClient>(Core::resolveEngineEndpoint().endpoint);
    m_window = std::make_unique<Ui::MainWindow>();
    m_sessions = std::make_unique<App::WindowSessions>(m_window.get());
    watchUps();
    m_window->resize(1280, 820);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestWindowSessions::testTwoStacksOpenAsTabs()
{
    // When two compose files are opened
    QString error;
    StackSession *a = m_sessions->open(App::StackSource{{m_fileA}, {}, {}, {}, {}}, &error);
    QVERIFY2(a, qPrintable(error));
    StackSession *b = m_sessions->open(App::StackSource{{m_fileB}, {}, {}, {}, {}}, &error);
    QVERIFY2(b, qPrintable(error));

    // Then each has a tab named after its project, the newest current
    auto *tabs = m_window->findChild<QTabWidget *>(u"stackTabs"_s);
    QVERIFY(tabs);
    QCOMPARE(tabs->count(), 2);
    QVERIFY(tabs->documentMode());
    QVERIFY(tabs->tabsClosable());
    QVERIFY(tabs->isMovable());
    QCOMPARE(tabs->tabText(0), m_projectA);
    QCOMPARE(tabs->tabText(1), m_projectB);
    QVERIFY2(tabs->tabToolTip(0).contains(m_fileA), qPrintable(tabs->tabToolTip(0)));
    QVERIFY2(tabs->tabToolTip(0).contains(m_client->endpoint().toString()),
             qPrintable(tabs->tabToolTip(0)));
    QCOMPARE(m_window->stack(), b->stack());
    QVERIFY(a->stack()->client() != b->stack()->client());

    // And both come up, each with its own replica
    QString upError;
    QVERIFY2(waitUp(a, &upError), qPrintable(upError));
    QVERIFY2(waitUp(b, &upError), qPrintable(upError));
    QTRY_COMPARE_WITH_TIMEOUT(containerIds(m_projectA, true).size(), 1, EngineTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(containerIds(m_projectB, true).size(), 1, EngineTimeoutMs);

    // The title and the status bar follow the current tab
    QCOMPARE(m_window->windowTitle(), u"Shoal — %1"_s.arg(m_projectB));
    m_window->setCurrentStack(a->stack());
    QCOMPARE(m_window->windowTitle(), u"Shoal — %1"_s.arg(m_projectA));
    auto *engine = m_window->findChild<QLabel *>(u"engineLabel"_s);
    QCOMPARE(engine->text(), a->stack()->client()->endpoint().toString());
    auto *reachable = m_window->findChild<QLabel *>(u"reachableLabel"_s);
    QTRY_COMPARE(reachable->text(), u"reachable"_s);

    // And the open files are remembered in tab order
    QCOMPARE(rememberedFiles(), QStringList({m_fileA, m_fileB}));
    tabs->tabBar()->moveTab(0, 1);
    QCOMPARE(rememberedFiles(), QStringList({m_fileB, m_fileA}));
    tabs->tabBar()->moveTab(1, 0);
    QCOMPARE(rememberedFiles(), QStringList({m_fileA, m_fileB}));
}

void TestWindowSessions::testOpeningAnOpenFileShowsItsTab()
{
    StackSession *a = sessionOf(m_projectA);
    QVERIFY(a);
    m_window->setCurrentStack(sessionOf(m_projectB)->stack());

    // Opening A again, as a drop on the window would, brings its tab forward
    QSignalSpy changed(m_window.get(), &Ui::MainWindow::stacksChanged);
    Q_EMIT m_window->composeFileChosen(m_fileA);
    QCOMPARE(m_window->stacks().size(), 2);
    QCOMPARE(m_window->stack(), a->stack());
    QCOMPARE(changed.size(), 0);
    QCOMPARE(m_sessions->sessions().size(), 2);
}

void TestWindowSessions::testScalingOneTabLeavesTheOther()
{
    StackSession *a = sessionOf(m_projectA);
    StackSession *b = sessionOf(m_projectB);
    QVERIFY(a && b);
    const QStringList before = containerIds(m_projectB, false);
    QCOMPARE(before.size(), 1);

    // When the user drags A's slider to 2
    Ui::StackView *viewA = viewOf(m_projectA);
    auto *slider = viewA->findChild<QSlider *>(u"scaleSlider:web"_s);
    QVERIFY(slider);
    QSignalSpy scaled(a->stack(), &Core::StackController::scaleFinished);
    slider->setSliderDown(true);
    slider->setValue(2);
    slider->setSliderDown(false);

    // Then A runs two replicas
    QTRY_VERIFY_WITH_TIMEOUT(!scaled.isEmpty(), EngineTimeoutMs);
    QVERIFY2(scaled.first().at(1).toBool(), qPrintable(scaled.first().at(2).toString()));
    QTRY_COMPARE_WITH_TIMEOUT(containerIds(m_projectA, true).size(), 2, EngineTimeoutMs);

    // And B's container is the same one, still running, and B still asks for one
    QCOMPARE(containerIds(m_projectB, true), before);
    QCOMPARE(b->stack()->desiredReplicas(u"web"_s), 1);
    auto *sliderB = viewOf(m_projectB)->findChild<QSlider *>(u"scaleSlider:web"_s);
    QCOMPARE(sliderB->value(), 1);
    QCOMPARE(httpGet(m_portB).status, 200);
}

void TestWindowSessions::testSamePortFailsOnlyInTheSecondTab()
{
    StackSession *a = sessionOf(m_projectA);
    const QStringList aBefore = containerIds(m_projectA, true);
    QCOMPARE(aBefore.size(), 2);

    // When a third stack that publishes A's port is opened
    QString error;
    StackSession *c = m_sessions->open(App::StackSource{{m_fileC}, {}, {}, {}, {}}, &error);
    QVERIFY2(c, qPrintable(error));
    QString upError;
    QVERIFY(!waitUp(c, &upError));

    // Then its up() fails naming the port and the service, in its own tab's banner
    const QString port = QString::number(m_portA);
    QVERIFY2(upError.contains(port) && upError.contains(u"web"_s), qPrintable(upError));
    Ui::MessageBar *barC = viewOf(m_projectC)->messageBar();
    QTRY_VERIFY(barC->isVisible());
    QVERIFY2(barC->text().contains(port), qPrintable(barC->text()));

    // And A did not notice: its banner is quiet, its replicas and its proxy serve on
    m_window->setCurrentStack(a->stack());
    QVERIFY(viewOf(m_projectA)->messageBar()->isHidden());
    QCOMPARE(containerIds(m_projectA, true), aBefore);
    QCOMPARE(httpGet(m_portA).status, 200);
    QCOMPARE(containerIds(m_projectC, false).size(), 0);

    // C's tab goes again
    m_window->removeStack(c->stack());
    QCOMPARE(m_window->stacks().size(), 2);
}

void TestWindowSessions::testProjectOfAnotherInstanceIsRefused()
{
    // Given another Shoal (as `shoal run` would be) that already answers for a project
    const QString project = m_projectC + u"-other"_s;
    const QString file = writeCompose(m_folder.path(), project, freeLoopbackPort());
    QVERIFY(!file.isEmpty());
    const Core::ComposeLoadResult loaded = Core::ComposeLoader::loadFile(file);
    QVERIFY2(loaded.ok(), qPrintable(loaded.error));
    auto other = std::make_unique<StackSession>(m_client->endpoint(), *loaded.project);
    QVERIFY2(other->controlError().isEmpty(), qPrintable(other->controlError()));
    auto *tabs = m_window->findChild<QTabWidget *>(u"stackTabs"_s);
    const int tabsBefore = tabs->count();

    // When the window is asked to open the same project
    QString error;
    StackSession *opened = m_sessions->open(App::StackSource{{file}, {}, {}, {}, {}}, &error);

    // Then it refuses, saying who has it, and starts nothing that would fight the other
    QVERIFY(!opened);
    QVERIFY2(error.contains(u"another Shoal already runs project %1"_s.arg(project)),
             qPrintable(error));
    QCOMPARE(tabs->count(), tabsBefore);
    QCOMPARE(containerIds(project, false).size(), 0);
}

void TestWindowSessions::testClosingATabLeavesItsContainersRunning()
{
    StackSession *b = sessionOf(m_projectB);
    QVERIFY(b);
    QPointer<StackSession> watched = b;
    const QStringList before = containerIds(m_projectB, true);
    QCOMPARE(before.size(), 1);
    QVERIFY(accepts(m_portB));

    // When the user closes B's tab with its close button
    auto *tabs = m_window->findChild<QTabWidget *>(u"stackTabs"_s);
    const int index = tabs->indexOf(viewOf(m_projectB));
    QVERIFY(index >= 0);
    QWidget *close = tabs->tabBar()->tabButton(index, QTabBar::RightSide);
    if (!close) {
        close = tabs->tabBar()->tabButton(index, QTabBar::LeftSide);
    }
    QVERIFY(close);
    QTest::mouseClick(close, Qt::LeftButton);

    // Then the tab and its session go, and with them B's proxy
    QCOMPARE(tabs->count(), 1);
    QCOMPARE(m_window->stack(), sessionOf(m_projectA)->stack());
    QTRY_VERIFY(watched.isNull());
    QTRY_VERIFY(!accepts(m_portB));

    // But its container still runs on the engine, and A's still serve
    QCOMPARE(containerIds(m_projectB, true), before);
    QCOMPARE(containerIds(m_projectA, true).size(), 2);
    QCOMPARE(httpGet(m_portA).status, 200);
    QCOMPARE(rememberedFiles(), QStringList({m_fileA}));
}

void TestWindowSessions::testOpenOnEngine()
{
    // Given the dialog, which offers the current tab's engine
    m_window->findChild<QAction *>(u"openOnEngineAction"_s)->trigger();
    Ui::OpenOnEngineDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<Ui::OpenOnEngineDialog *>()));
    auto *engineBox = dialog->findChild<QComboBox *>(u"engineBox"_s);
    QCOMPARE(engineBox->currentText(), m_client->endpoint().toString());
    auto *buttons = dialog->findChild<QDialogButtonBox *>();
    QPushButton *open = buttons->button(QDialogButtonBox::Open);
    QVERIFY(!open->isEnabled());

    // When B is chosen on the local socket, written as an address
    dialog->findChild<QLineEdit *>(u"composeFileEdit"_s)->setText(m_fileB);
    engineBox->setCurrentText(u"unix:///var/run/docker.sock"_s);
    QVERIFY(open->isEnabled());
    QTest::mouseClick(open, Qt::LeftButton);

    // Then B opens in a tab on that engine and adopts its running container
    QTRY_COMPARE(m_window->stacks().size(), 2);
    StackSession *b = sessionOf(m_projectB);
    QVERIFY(b);
    QCOMPARE(b->stack()->client()->endpoint().toString(), u"unix:///var/run/docker.sock"_s);
    QString upError;
    QVERIFY2(waitUp(b, &upError), qPrintable(upError));
    QCOMPARE(b->stack()->desiredReplicas(u"web"_s), 1);
    QCOMPARE(containerIds(m_projectB, true).size(), 1);
    QVERIFY(
        QSettings().value(u"window/openStacks"_s).toList().value(1).toMap().value(u"engine"_s) ==
        u"unix:///var/run/docker.sock"_s);

    // And an engine that cannot be used is refused before anything connects
    QTest::qWait(100);
    Q_EMIT m_window->composeFileChosenOnEngine(m_fileC, u"ssh://someone@localhost"_s);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(u"openErrorBox"_s)));
    QVERIFY2(box->text().contains(u"ssh"_s), qPrintable(box->text()));
    QPointer<QMessageBox> closing = box;
    box->close();
    QTRY_VERIFY(closing.isNull());
    Q_EMIT m_window->composeFileChosenOnEngine(m_fileC, u"shoaltest-no-such-context"_s);
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(u"openErrorBox"_s)));
    QVERIFY2(box->text().contains(u"shoaltest-no-such-context"_s), qPrintable(box->text()));
    box->close();
    QCOMPARE(m_window->stacks().size(), 2);
}

void TestWindowSessions::testOpenTabsAreReopenedOnStart()
{
    // Given the window closing with A and B open, as at the end of a run
    QCOMPARE(rememberedFiles(), QStringList({m_fileA, m_fileB}));
    m_window->close();
    m_sessions.reset();
    m_window.reset();
    QTRY_VERIFY(!accepts(m_portA));

    // When a new window opens what was remembered
    m_window = std::make_unique<Ui::MainWindow>();
    m_sessions = std::make_unique<App::WindowSessions>(m_window.get());
    watchUps();
    const QList<App::StackSource> sources = App::WindowSessions::remembered();
    QCOMPARE(sources.size(), 2);
    for (const App::StackSource &source : sources) {
        QString error;
        QVERIFY2(m_sessions->open(source, &error), qPrintable(error));
    }
    m_window->show();

    // Then both tabs are back, in order, and adopt their running replicas
    const QList<Core::StackController *> stacks = m_window->stacks();
    QCOMPARE(stacks.size(), 2);
    QCOMPARE(stacks.at(0)->project().name, m_projectA);
    QCOMPARE(stacks.at(1)->project().name, m_projectB);
    QCOMPARE(stacks.at(1)->client()->endpoint().toString(), u"unix:///var/run/docker.sock"_s);
    for (StackSession *session : m_sessions->sessions()) {
        QString upError;
        QVERIFY2(waitUp(session, &upError), qPrintable(upError));
    }
    QCOMPARE(stacks.at(0)->desiredReplicas(u"web"_s), 2);
    QCOMPARE(stacks.at(1)->desiredReplicas(u"web"_s), 1);
    QTRY_COMPARE_WITH_TIMEOUT(httpGet(m_portA).status, 200, EngineTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(httpGet(m_portB).status, 200, EngineTimeoutMs);
}

void TestWindowSessions::cleanupTestCase()
{
    m_sessions.reset();
    m_window.reset();
    if (m_client) {
        for (const QString &project : {m_projectA, m_projectB, m_projectC}) {
            removeProject(*m_client, project);
            waitFor(m_client->deleteResource(u"/images/%1-web?force=1"_s.arg(project)));
        }
    }
    QSettings().clear();
}

QStringList TestWindowSessions::containerIds(const QString &project, bool runningOnly)
{
    const QStringList filter{u"com.docker.compose.project=%1"_s.arg(project)};
    Core::EngineReply *reply = m_client->listContainers(filter, !runningOnly);
    if (!waitFor(reply) || reply->isError()) {
        return {u"engine error"_s};
    }
    QStringList ids;
    const QJsonArray containers = reply->json().array();
    for (const QJsonValue &container : containers) {
        ids.append(container.toObject().value(u"Id").toString());
    }
    ids.sort();
    return ids;
}

Ui::StackView *TestWindowSessions::viewOf(const QString &project) const
{
    StackSession *session = sessionOf(project);
    return session ? m_window->viewOf(session->stack()) : nullptr;
}

StackSession *TestWindowSessions::sessionOf(const QString &project) const
{
    const QList<StackSession *> sessions = m_sessions->sessions();
    for (StackSession *session : sessions) {
        if (session->stack()->project().name == project) {
            return session;
        }
    }
    return nullptr;
}

void TestWindowSessions::watchUps()
{
    // A tab is added before its stack's up() starts, so no outcome is missed.
    m_ups.clear();
    connect(m_window.get(), &Ui::MainWindow::stacksChanged, this, [this] {
        const QList<Core::StackController *> stacks = m_window->stacks();
        for (Core::StackController *stack : stacks) {
            if (stack->property("upWatched").toBool()) {
                continue;
            }
            stack->setProperty("upWatched", true);
            connect(stack, &Core::StackController::upFinished, this,
                    [this, stack](bool ok, const QString &error) {
                        m_ups.insert(stack, {ok, error});
                    });
            connect(stack, &QObject::destroyed, this, [this, stack] { m_ups.remove(stack); });
        }
    });
}

bool TestWindowSessions::waitUp(StackSession *session, QString *error)
{
    const Core::StackController *stack = session->stack();
    if (!QTest::qWaitFor([this, stack] { return m_ups.contains(stack); }, UpTimeoutMs)) {
        *error = u"up did not finish"_s;
        return false;
    }
    *error = m_ups.value(stack).second;
    return m_ups.value(stack).first;
}

QStringList TestWindowSessions::rememberedFiles() const
{
    QStringList files;
    const QVariantList stored = QSettings().value(u"window/openStacks"_s).toList();
    for (const QVariant &value : stored) {
        files += value.toMap().value(u"files"_s).toStringList();
    }
    return files;
}

QTEST_MAIN(TestWindowSessions)
#include "tst_windowsessions.moc"
