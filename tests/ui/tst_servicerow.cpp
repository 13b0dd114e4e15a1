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

QTEST_MAIN(TestServiceRow)
#include "tst_servicerow.moc"
