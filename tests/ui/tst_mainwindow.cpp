#include <core/compose/composeloader.h>
#include <core/engine/dockerclient.h>
#include <core/engine/enginereply.h>
#include <core/metrics/metricsstore.h>
#include <core/stack/stackcontroller.h>
#include <ui/containertablemodel.h>
#include <ui/cpuchart.h>
#include <ui/mainwindow.h>
#include <ui/requestschart.h>

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcessEnvironment>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTcpServer>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Shoal;

namespace {

constexpr int EngineTimeoutMs = 60000;
constexpr int MetricsTimeoutMs = 20000;
constexpr int RequestCount = 40;

QMap<QString, QString> processEnvironment()
{
    QMap<QString, QString> result;
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &key : environment.keys()) {
        result.insert(key, environment.value(key));
    }
    return result;
}

// The example publishes 8080; a test must not take a port another run or a user holds, so it
// asks the kernel for a free one. Port 0 cannot be used: it means "no proxy" in compose terms.
quint16 freeLocalPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0)) {
        return 0;
    }
    return probe.serverPort();
}

// Waits for an engine call to finish; only the test thread waits, never the window. The
// state is shared so that a reply finishing after a timeout writes into live memory.
bool waitFor(Core::EngineReply *reply, QJsonDocument *json = nullptr)
{
    struct Outcome
    {
        bool done = false;
        bool ok = false;
        QJsonDocument json;
    };
    auto outcome = std::make_shared<Outcome>();
    QObject::connect(reply, &Core::EngineReply::finished, reply, [reply, outcome] {
        outcome->done = true;
        outcome->ok = !reply->isError();
        outcome->json = reply->json();
    });
    if (!QTest::qWaitFor([&outcome] { return outcome->done; }, EngineTimeoutMs)) {
        return false;
    }
    if (json) {
        *json = outcome->json;
    }
    return outcome->ok;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void testWindowShowsProjectAndEngine();
    void testUpFillsTheTable();
    void testErrorShowsInBanner();
    void testAboutNamesVersions();
    void testSliderScalesService();
    void testCpuChartGetsPoints();
    void testRequestsReachTableAndChart();
    void testScreenshot();
    void testDownEmptiesTheTable();
    void cleanupTestCase();

private:
    int engineContainerCount(bool runningOnly);
    int tableRowCount() const;
    QStringList replicaNames() const;
    void removeLeftovers();

    QString m_projectName;
    QString m_imageName;
    quint16 m_proxyPort = 0;
    std::unique_ptr<Core::DockerClient> m_client;
    std::unique_ptr<Core::StackController> m_stack;
    std::unique_ptr<Ui::MainWindow> m_window;
    bool m_up = false;
    bool m_down = false;
};

void TestMainWindow::initTestCase()
{
    // Keeps the window's QSettings away from the user's own configuration.
    QStandardPaths::setTestModeEnabled(true);

    const QString composeFile =
        QStringLiteral(SHOAL_SOURCE_DIR) + QStringLiteral("/examples/whoami/compose.yaml");
    QVERIFY2(QFile::exists(composeFile), qPrintable(composeFile + " is missing"));
    QVERIFY2(QFile::exists(QStringLiteral(SHOAL_SOURCE_DIR "/examples/whoami/whoami")),
             "examples/whoami/whoami is not built: run examples/whoami/build-binary.sh");

    m_projectName = QStringLiteral("shoaltest-ui-%1").arg(QCoreApplication::applicationPid());
    Core::ComposeLoadOptions options;
    options.files = {composeFile};
    options.projectName = m_projectName;
    options.environment = processEnvironment();
    Core::ComposeLoadResult loaded = Core::ComposeLoader::load(options);
    QVERIFY2(loaded.ok(), qPrintable(loaded.error));
    Core::ComposeProject project = *loaded.project;
    QCOMPARE(project.name, m_projectName);

    m_proxyPort = freeLocalPort();
    QVERIFY(m_proxyPort != 0);
    for (Core::ServiceSpec &service : project.services) {
        for (Core::PortMapping &port : service.ports) {
            port.published = m_proxyPort;
            port.publishedEnd = m_proxyPort;
        }
    }
    const Core::ServiceSpec *web = project.service(QStringLiteral("web"));
    QVERIFY(web);
    m_imageName = web->imageName(m_projectName);

    const Core::EndpointResolution endpoint = Core::resolveEngineEndpoint();
    QVERIFY2(endpoint.error.isEmpty(), qPrintable(endpoint.error));
    m_client = std::make_unique<Core::DockerClient>(endpoint.endpoint);
    m_stack = std::make_unique<Core::StackController>(m_client.get(), project);
    m_window = std::make_unique<Ui::MainWindow>(m_stack.get());
    m_window->resize(1280, 820);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindow::testWindowShowsProjectAndEngine()
{
    QCOMPARE(m_window->windowTitle(), QStringLiteral("Shoal — %1").arg(m_projectName));
    auto *engine = m_window->findChild<QLabel *>(QStringLiteral("engineLabel"));
    QVERIFY(engine);
    QCOMPARE(engine->text(), m_client->endpoint().toString());

    auto *slider = m_window->findChild<QSlider *>(QStringLiteral("scaleSlider:web"));
    auto *spin = m_window->findChild<QSpinBox *>(QStringLiteral("scaleSpin:web"));
    QVERIFY(slider);
    QVERIFY(spin);
    QVERIFY(!slider->accessibleName().isEmpty());
    QVERIFY(!spin->accessibleName().isEmpty());
}

void TestMainWindow::testUpFillsTheTable()
{
    // Given the window over a stack that is not up yet
    QSignalSpy upFinished(m_stack.get(), &Core::StackController::upFinished);
    auto *up = m_window->findChild<QAction *>(QStringLiteral("upAction"));
    QVERIFY(up);
    QVERIFY(up->isEnabled());

    // When the user starts it
    up->trigger();

    // Then the two replicas of the compose file appear in the table
    QTRY_VERIFY_WITH_TIMEOUT(!upFinished.isEmpty(), EngineTimeoutMs * 2);
    const QList<QVariant> result = upFinished.takeFirst();
    QVERIFY2(result.at(0).toBool(), qPrintable(result.at(1).toString()));
    m_up = true;
    QTRY_COMPARE_WITH_TIMEOUT(tableRowCount(), 2, EngineTimeoutMs);

    auto *reachable = m_window->findChild<QLabel *>(QStringLiteral("reachableLabel"));
    QCOMPARE(reachable->text(), QStringLiteral("reachable"));
    auto *api = m_window->findChild<QLabel *>(QStringLiteral("apiLabel"));
    QCOMPARE(api->text(), QStringLiteral("API %1").arg(m_client->apiVersion()));
    auto *proxy = m_window->findChild<QLabel *>(QStringLiteral("proxyLink:web"));
    QVERIFY(proxy);
    QTRY_VERIFY(proxy->text().contains(QString::number(m_proxyPort)));
}

void TestMainWindow::testErrorShowsInBanner()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    QWidget *banner = m_window->findChild<QWidget *>(QStringLiteral("messageBar"));
    QVERIFY(banner);
    QVERIFY(banner->isHidden());

    m_stack->scale(QStringLiteral("no-such-service"), 1);

    QTRY_VERIFY(banner->isVisible());
    auto *text = banner->findChild<QLabel *>(QStringLiteral("messageText"));
    QVERIFY2(text->text().contains(QStringLiteral("no-such-service")), qPrintable(text->text()));
    auto *close = banner->findChild<QWidget *>(QStringLiteral("messageClose"));
    QTest::mouseClick(close, Qt::LeftButton);
    QVERIFY(banner->isHidden());
}

void TestMainWindow::testAboutNamesVersions()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    m_window->findChild<QAction *>(QStringLiteral("aboutAction"))->trigger();

    // The box is modeless: the trigger returned, and the box is there to be read
    auto *box = m_window->findChild<QMessageBox *>(QStringLiteral("aboutBox"));
    QVERIFY(box);
    QVERIFY(!box->isModal());
    const QString text = box->text();
    QVERIFY2(text.contains(QStringLiteral(SHOAL_VERSION)), qPrintable(text));
    QVERIFY2(text.contains(QString::fromLatin1(qVersion())), qPrintable(text));
    QVERIFY2(text.contains(m_client->endpoint().toString()), qPrintable(text));
    QVERIFY2(text.contains(m_client->apiVersion()), qPrintable(text));
    box->close();
}

void TestMainWindow::testSliderScalesService()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    auto *slider = m_window->findChild<QSlider *>(QStringLiteral("scaleSlider:web"));
    auto *spin = m_window->findChild<QSpinBox *>(QStringLiteral("scaleSpin:web"));
    QCOMPARE(slider->value(), 2);
    QCOMPARE(spin->value(), 2);

    // When the user drags the handle to 3 and lets go
    slider->setSliderDown(true);
    slider->setValue(3);
    QCOMPARE(spin->value(), 3);
    QCOMPARE(m_stack->desiredReplicas(QStringLiteral("web")), 2);
    slider->setSliderDown(false);

    // Then the stack is asked for 3, and 3 replicas run on the engine and in the table
    QCOMPARE(m_stack->desiredReplicas(QStringLiteral("web")), 3);
    QTRY_COMPARE_WITH_TIMEOUT(tableRowCount(), 3, EngineTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(engineContainerCount(true), 3, EngineTimeoutMs);
    QCOMPARE(slider->value(), 3);
}

void TestMainWindow::testCpuChartGetsPoints()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    auto *chart = m_window->findChild<Ui::CpuChart *>();
    QVERIFY(chart);
    const QStringList names = replicaNames();
    QVERIFY(!names.isEmpty());

    // The engine sends a stats sample a second; a few of them make a line.
    for (const QString &name : names) {
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount(name) >= 2, MetricsTimeoutMs);
    }
}

void TestMainWindow::testRequestsReachTableAndChart()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    // Given requests sent through the service's proxy
    QNetworkAccessManager network;
    int answered = 0;
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/").arg(m_proxyPort));
    for (int i = 0; i < RequestCount; ++i) {
        QNetworkReply *reply = network.get(QNetworkRequest(url));
        connect(reply, &QNetworkReply::finished, this, [reply, &answered] {
            if (reply->error() == QNetworkReply::NoError) {
                ++answered;
            }
            reply->deleteLater();
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(answered, RequestCount, MetricsTimeoutMs);

    // Then the table and the bar chart count them, spread over the replicas
    auto *table = m_window->findChild<QTableView *>(QStringLiteral("containerTable"));
    auto tableTotal = [table] {
        double total = 0;
        for (int row = 0; row < table->model()->rowCount(); ++row) {
            total += std::max(0.0, table->model()
                                       ->index(row, Ui::ContainerTableModel::RequestsColumn)
                                       .data(Ui::ContainerTableModel::SortRole)
                                       .toDouble());
        }
        return total;
    };
    QTRY_VERIFY_WITH_TIMEOUT(tableTotal() >= RequestCount, MetricsTimeoutMs);

    auto *chart = m_window->findChild<Ui::RequestsChart *>();
    QVERIFY(chart);
    auto chartTotal = [this, chart] {
        double total = 0;
        int withBars = 0;
        for (const QString &name : replicaNames()) {
            const double value = chart->barValue(name);
            total += std::max(0.0, value);
            withBars += value > 0 ? 1 : 0;
        }
        return withBars > 1 ? total : 0.0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(chartTotal() >= RequestCount, MetricsTimeoutMs);
}

void TestMainWindow::testScreenshot()
{
    const QString folder = qEnvironmentVariable("SHOAL_SCREENSHOT_DIR");
    if (folder.isEmpty()) {
        QSKIP("SHOAL_SCREENSHOT_DIR is not set");
    }
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    QVERIFY(QDir().mkpath(folder));
    // Keep some load going so the rate view and the CPU lines have something to show.
    QNetworkAccessManager network;
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/").arg(m_proxyPort));
    QTimer load;
    connect(&load, &QTimer::timeout, this, [&network, url] {
        for (int i = 0; i < 20; ++i) {
            QNetworkReply *reply = network.get(QNetworkRequest(url));
            connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
        }
    });
    load.start(100);
    QTest::qWait(6000);
    load.stop();

    m_window->resize(1280, 820);
    const QString path = QDir(folder).filePath(QStringLiteral("screenshot-main.png"));
    QVERIFY2(m_window->grab().save(path), qPrintable(path));
    qInfo("saved %s", qPrintable(path));

    // The same window under a dark palette, which the charts and the banner must follow.
    const QPalette original = QApplication::palette();
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
    dark.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Base, QColor(0x1f, 0x21, 0x24));
    dark.setColor(QPalette::AlternateBase, QColor(0x2a, 0x2c, 0x30));
    dark.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3b));
    dark.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Mid, QColor(0x55, 0x57, 0x5b));
    dark.setColor(QPalette::Highlight, QColor(0x3d, 0x7a, 0xd6));
    dark.setColor(QPalette::Link, QColor(0x6a, 0xa8, 0xff));
    QApplication::setPalette(dark);
    QTest::qWait(200);
    const QString darkPath = QDir(folder).filePath(QStringLiteral("screenshot-main-dark.png"));
    const bool saved = m_window->grab().save(darkPath);
    QApplication::setPalette(original);
    QVERIFY2(saved, qPrintable(darkPath));
}

void TestMainWindow::testDownEmptiesTheTable()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    QSignalSpy downFinished(m_stack.get(), &Core::StackController::downFinished);
    auto *down = m_window->findChild<QAction *>(QStringLiteral("downAction"));
    QTRY_VERIFY_WITH_TIMEOUT(down->isEnabled(), EngineTimeoutMs);

    down->trigger();

    QTRY_VERIFY_WITH_TIMEOUT(!downFinished.isEmpty(), EngineTimeoutMs);
    const QList<QVariant> result = downFinished.takeFirst();
    QVERIFY2(result.at(0).toBool(), qPrintable(result.at(1).toString()));
    m_down = true;
    QTRY_COMPARE_WITH_TIMEOUT(tableRowCount(), 0, EngineTimeoutMs);
    QCOMPARE(engineContainerCount(false), 0);
}

void TestMainWindow::cleanupTestCase()
{
    if (m_stack && m_up && !m_down) {
        QSignalSpy downFinished(m_stack.get(), &Core::StackController::downFinished);
        m_stack->down();
        downFinished.wait(EngineTimeoutMs);
    }
    m_window.reset();
    m_stack.reset();
    if (m_client) {
        removeLeftovers();
    }
    m_client.reset();
}

int TestMainWindow::engineContainerCount(bool runningOnly)
{
    QJsonDocument json;
    const QString label = QStringLiteral("com.docker.compose.project=%1").arg(m_projectName);
    if (!waitFor(m_client->listContainers({label}, !runningOnly), &json)) {
        return -1;
    }
    return json.array().size();
}

int TestMainWindow::tableRowCount() const
{
    auto *table = m_window->findChild<QTableView *>(QStringLiteral("containerTable"));
    return table ? table->model()->rowCount() : -1;
}

QStringList TestMainWindow::replicaNames() const
{
    QStringList names;
    const QList<Core::ReplicaInfo> replicas = m_stack->replicas(QStringLiteral("web"));
    for (const Core::ReplicaInfo &replica : replicas) {
        names.append(replica.name);
    }
    return names;
}

void TestMainWindow::removeLeftovers()
{
    // Whatever a failed run left behind goes by the project label, then the image built
    // for this run; only names with this run's prefix are touched.
    QJsonDocument json;
    const QString label = QStringLiteral("com.docker.compose.project=%1").arg(m_projectName);
    if (waitFor(m_client->listContainers({label}, true), &json)) {
        const QJsonArray containers = json.array();
        for (const QJsonValue &container : containers) {
            waitFor(m_client->removeContainer(container[QStringLiteral("Id")].toString(), true));
        }
    }
    if (waitFor(m_client->listNetworks({label}), &json)) {
        const QJsonArray networks = json.array();
        for (const QJsonValue &network : networks) {
            waitFor(m_client->removeNetwork(network[QStringLiteral("Id")].toString()));
        }
    }
    if (m_imageName.startsWith(QStringLiteral("shoaltest-ui-"))) {
        const QString path = QStringLiteral("/images/%1?force=true").arg(m_imageName);
        waitFor(m_client->deleteResource(path));
    }
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
