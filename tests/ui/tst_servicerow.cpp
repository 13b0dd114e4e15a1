#include <core/engine/dockerclient.h>
#include <core/metrics/metricsstore.h>
#include <core/stack/stackcontroller.h>
#include <ui/progressindicator.h>
#include <ui/servicepanel.h>
#include <ui/servicerow.h>

#include <QGridLayout>
#include <QLabel>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTest>
#include <QToolButton>

using Shoal::Core::ServiceState;
using Shoal::Ui::ServiceRow;

namespace {

ServiceState webState(int desired, int running)
{
    ServiceState state;
    state.name = QStringLiteral("web");
    state.desired = desired;
    state.running = running;
    state.image = QStringLiteral("proj-web");
    state.proxies = {{QStringLiteral("127.0.0.1:8080"), 3000}};
    return state;
}

} // namespace

class TestServiceRow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void testShowsTheService();
    void testReleasingTheSliderAsksOnce();
    void testSpinBoxIsDebounced();
    void testStackUpdateDoesNotFightTheUser();
    void testSliderGrowsPastTwenty();
    void testTcpProxyIsNoLink();
    void testServiceButtonsFollowTheState_data();
    void testServiceButtonsFollowTheState();
    void testServiceButtonsAskForTheirOperation();
    void testProgressIndicatorOffersCancel();
    void testStackTotalCountsASharedLimitOnce();

private:
    QWidget *m_host = nullptr;
    ServiceRow *m_row = nullptr;
    QSlider *m_slider = nullptr;
    QSpinBox *m_spin = nullptr;
};

void TestServiceRow::init()
{
    m_host = new QWidget;
    auto *grid = new QGridLayout(m_host);
    m_row = new ServiceRow(QStringLiteral("web"), grid, 0, m_host);
    m_row->setState(webState(2, 2), true);
    m_slider = m_host->findChild<QSlider *>(QStringLiteral("scaleSlider:web"));
    m_spin = m_host->findChild<QSpinBox *>(QStringLiteral("scaleSpin:web"));
    QVERIFY(m_slider);
    QVERIFY(m_spin);
}

void TestServiceRow::cleanup()
{
    delete m_host;
}

void TestServiceRow::testShowsTheService()
{
    QCOMPARE(m_slider->value(), 2);
    QCOMPARE(m_spin->value(), 2);
    QCOMPARE(m_slider->maximum(), ServiceRow::SliderMaximum);
    auto *count = m_host->findChild<QLabel *>(QStringLiteral("replicaCount:web"));
    QCOMPARE(count->text(), QStringLiteral("2 / 2"));
    auto *link = m_host->findChild<QLabel *>(QStringLiteral("proxyLink:web"));
    QVERIFY(link->text().contains(QStringLiteral("href=\"http://127.0.0.1:8080/\"")));
    QVERIFY(m_host->findChild<QToolButton *>(QStringLiteral("copyProxy:web"))->isEnabled());
    QVERIFY(!m_slider->accessibleName().isEmpty());

    m_row->setState(webState(3, 1), true);
    QVERIFY(count->text().startsWith(QStringLiteral("1 / 3")));
    QCOMPARE(m_slider->value(), 3);

    // After the stack's down nothing is asked for: no negative count, nothing "stopping"
    m_row->setState(webState(-1, 0), true);
    QCOMPARE(count->text(), QStringLiteral("0 / –"));
}

void TestServiceRow::testReleasingTheSliderAsksOnce()
{
    QSignalSpy chosen(m_row, &ServiceRow::scaleChosen);

    // When the user drags through 3 and 4 and lets go at 5
    m_slider->setSliderDown(true);
    m_slider->setValue(3);
    m_slider->setValue(4);
    m_slider->setValue(5);
    QCOMPARE(m_spin->value(), 5);
    QCOMPARE(chosen.count(), 0);
    m_slider->setSliderDown(false);

    // Then the stack is asked once, for 5, and not again after the debounce
    QCOMPARE(chosen.count(), 1);
    QCOMPARE(chosen.at(0).at(0).toString(), QStringLiteral("web"));
    QCOMPARE(chosen.at(0).at(1).toInt(), 5);
    QTest::qWait(ServiceRow::DebounceMs * 2);
    QCOMPARE(chosen.count(), 1);
}

void TestServiceRow::testSpinBoxIsDebounced()
{
    QSignalSpy chosen(m_row, &ServiceRow::scaleChosen);

    m_spin->setValue(4);
    m_spin->setValue(6);
    QCOMPARE(m_slider->value(), 6);
    QCOMPARE(chosen.count(), 0);

    QTRY_COMPARE(chosen.count(), 1);
    QCOMPARE(chosen.at(0).at(1).toInt(), 6);
}

void TestServiceRow::testStackUpdateDoesNotFightTheUser()
{
    QSignalSpy chosen(m_row, &ServiceRow::scaleChosen);
    m_slider->setSliderDown(true);
    m_slider->setValue(7);

    // An update from the stack while the handle is held leaves the handle where it is
    m_row->setState(webState(2, 2), true);
    QCOMPARE(m_slider->value(), 7);
    m_slider->setSliderDown(false);
    QCOMPARE(chosen.count(), 1);

    // and until the stack has taken the new count, the row keeps showing the user's choice
    m_row->setState(webState(2, 2), true);
    QCOMPARE(m_slider->value(), 7);
    m_row->setState(webState(7, 3), true);
    QCOMPARE(m_slider->value(), 7);
    m_row->setState(webState(4, 4), true);
    QCOMPARE(m_slider->value(), 4);
}

void TestServiceRow::testSliderGrowsPastTwenty()
{
    m_row->setState(webState(30, 30), true);
    QCOMPARE(m_slider->maximum(), 30);
    QCOMPARE(m_slider->value(), 30);

    m_row->setState(webState(5, 5), true);
    QCOMPARE(m_slider->maximum(), ServiceRow::SliderMaximum);
}

void TestServiceRow::testTcpProxyIsNoLink()
{
    m_row->setState(webState(2, 2), false);
    auto *link = m_host->findChild<QLabel *>(QStringLiteral("proxyLink:web"));
    QVERIFY(!link->text().contains(QStringLiteral("href")));
    QVERIFY(link->text().contains(QStringLiteral("127.0.0.1:8080")));
}

void TestServiceRow::testServiceButtonsFollowTheState_data()
{
    QTest::addColumn<int>("desired");
    QTest::addColumn<int>("running");
    QTest::addColumn<bool>("up");
    QTest::addColumn<bool>("down");
    QTest::addColumn<bool>("restart");
    QTest::newRow("all running") << 2 << 2 << false << true << true;
    QTest::newRow("starting") << 3 << 1 << true << true << true;
    QTest::newRow("stopped") << 0 << 0 << true << false << false;
    QTest::newRow("asked but none running") << 2 << 0 << true << true << false;
}

void TestServiceRow::testServiceButtonsFollowTheState()
{
    QFETCH(int, desired);
    QFETCH(int, running);
    QFETCH(bool, up);
    QFETCH(bool, down);
    QFETCH(bool, restart);
    m_row->setState(webState(desired, running), true);
    const QList<std::pair<QString, bool>> expected{{QStringLiteral("serviceUp:web"), up},
                                                   {QStringLiteral("serviceDown:web"), down},
                                                   {QStringLiteral("serviceRestart:web"), restart}};
    for (const auto &[name, enabled] : expected) {
        auto *button = m_host->findChild<QToolButton *>(name);
        QVERIFY2(button, qPrintable(name));
        QCOMPARE(button->isEnabled(), enabled);
        // Reachable and understandable without a mouse or the icon theme
        QVERIFY(!button->accessibleName().isEmpty());
        QVERIFY(!button->toolTip().isEmpty());
        QVERIFY(button->focusPolicy() & Qt::TabFocus);
    }
}

void TestServiceRow::testServiceButtonsAskForTheirOperation()
{
    QSignalSpy start(m_row, &ServiceRow::startRequested);
    QSignalSpy stop(m_row, &ServiceRow::stopRequested);
    QSignalSpy restart(m_row, &ServiceRow::restartRequested);
    m_host->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_host));

    // Given a running service, Down and Restart answer the keyboard
    auto *down = m_host->findChild<QToolButton *>(QStringLiteral("serviceDown:web"));
    down->setFocus();
    QTest::keyClick(down, Qt::Key_Space);
    QCOMPARE(stop.count(), 1);
    QCOMPARE(stop.first().first().toString(), QStringLiteral("web"));
    m_host->findChild<QToolButton *>(QStringLiteral("serviceRestart:web"))->click();
    QCOMPARE(restart.count(), 1);

    // Up is disabled while everything asked runs, and works once the service is stopped
    auto *up = m_host->findChild<QToolButton *>(QStringLiteral("serviceUp:web"));
    up->click();
    QCOMPARE(start.count(), 0);
    m_row->setState(webState(0, 0), true);
    up->click();
    QCOMPARE(start.count(), 1);
}

void TestServiceRow::testProgressIndicatorOffersCancel()
{
    Shoal::Ui::ProgressIndicator indicator;
    QSignalSpy cancel(&indicator, &Shoal::Ui::ProgressIndicator::cancelRequested);
    QVERIFY(indicator.isHidden());

    indicator.showMessage(QStringLiteral("building proj-web from /src"));
    QVERIFY(!indicator.isHidden());
    QCOMPARE(indicator.message(), QStringLiteral("building proj-web from /src"));
    auto *button = indicator.findChild<QToolButton *>(QStringLiteral("cancelButton"));
    QVERIFY(button);
    QVERIFY(!button->accessibleName().isEmpty());
    button->click();
    QCOMPARE(cancel.count(), 1);
    // A second click does not cancel the next piece of work by accident
    button->click();
    QCOMPARE(cancel.count(), 1);

    // Idle again: hidden, and armed for the next long operation
    indicator.setBusy(false);
    QVERIFY(indicator.isHidden());
    QVERIFY(indicator.message().isEmpty());
    indicator.showMessage(QStringLiteral("pulling redis"));
    button->click();
    QCOMPARE(cancel.count(), 2);
}

void TestServiceRow::testStackTotalCountsASharedLimitOnce()
{
    // Given a stack of two services whose three replicas are all pinned to CPU 0, each using
    // 30 % of a core; nothing here talks to an engine (the socket does not exist)
    Shoal::Core::EngineEndpoint nowhere;
    nowhere.socketPath = QStringLiteral("/nonexistent/shoal-test.sock");
    Shoal::Core::DockerClient client(nowhere);
    Shoal::Core::ComposeProject project;
    project.name = QStringLiteral("p");
    for (const QString &name : {QStringLiteral("web"), QStringLiteral("api")}) {
        Shoal::Core::ServiceSpec service;
        service.name = name;
        project.services.append(service);
    }
    Shoal::Core::StackController stack(&client, project);
    Shoal::Core::MetricsStore *metrics = stack.metrics();
    const QList<std::pair<QString, QString>> replicas = {
        {QStringLiteral("web"), QStringLiteral("p-web-1")},
        {QStringLiteral("web"), QStringLiteral("p-web-2")},
        {QStringLiteral("api"), QStringLiteral("p-api-1")}};
    for (const auto &[service, replica] : replicas) {
        metrics->recordCpu(service, replica, 1000, 30.0, 4, 1000, 0);
        metrics->setCpuLimit(service, replica, 1.0, QStringLiteral("0"), 1);
    }

    Shoal::Ui::ServicePanel panel;
    panel.setStack(&stack);
    panel.setCpuScale(Shoal::Ui::CpuScale::LimitShare);

    // Then the stack's total is 90 % of the one CPU they share, not 30 % of three
    auto *total = panel.findChild<QLabel *>(QStringLiteral("stackCpu"));
    QVERIFY(total);
    QCOMPARE(total->text(), QStringLiteral("%1 %").arg(QLocale().toString(90.0, 'f', 1)));
    QVERIFY(total->toolTip().contains(QStringLiteral("3 replica")));

    // And as a share of the host's four cores it is a quarter of that
    panel.setCpuScale(Shoal::Ui::CpuScale::HostShare);
    QCOMPARE(total->text(), QStringLiteral("%1 %").arg(QLocale().toString(22.5, 'f', 1)));
}

QTEST_MAIN(TestServiceRow)
#include "tst_servicerow.moc"
