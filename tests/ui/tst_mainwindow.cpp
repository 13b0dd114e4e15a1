#include <core/compose/composeloader.h>
#include <core/engine/dockerclient.h>
#include <core/engine/enginereply.h>
#include <core/metrics/metricsstore.h>
#include <core/stack/stackcontroller.h>
#include <ui/containertablemodel.h>
#include <ui/cpuchart.h>
#include <ui/cputrafficchart.h>
#include <ui/distributiondialog.h>
#include <ui/distributiontest.h>
#include <ui/logpanel.h>
#include <ui/mainwindow.h>
#include <ui/replicalinechart.h>
#include <ui/requestratechart.h>
#include <ui/requestschart.h>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QContextMenuEvent>
#include <QDir>
#include <QDockWidget>
#include <QDropEvent>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
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
    void testStatusBarShowsSwarmState();
    void testContextMenuOpensFromKeyboard();
    void testLogsOfReplicaShowStartLine();
    void testLogsOfServiceAreMergedWithPrefixes();
    void testClosingLogsEndsStreams();
    void testDistributionSpreadsOverReplicas();
    void testTimeChartsGetPoints();
    void testCpuScaleIsChosenByTheUser();
    void testRecentFilesAndDrop();
    void testScreenshot();
    void testRemoveReplicaFromMenu();
    void testDownEmptiesTheTable();
    void cleanupTestCase();

private:
    int engineContainerCount(bool runningOnly);
    int tableRowCount() const;
    QStringList replicaNames() const;
    void removeLeftovers();
    void selectRow(int row);
    void keepLoad(int milliseconds);
    void saveShot(const QString &folder, const QString &name, QWidget *widget);

    QString m_projectName;
    QString m_imageName;
    QString m_composeFile;
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
    m_composeFile = composeFile;
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

void TestMainWindow::testStatusBarShowsSwarmState()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    // The engine's /info is asked once the client is connected; its swarm state is shown.
    auto *swarm = m_window->findChild<QLabel *>(QStringLiteral("swarmLabel"));
    QVERIFY(swarm);
    QTRY_VERIFY_WITH_TIMEOUT(swarm->text().startsWith(QStringLiteral("swarm ")), EngineTimeoutMs);
    QVERIFY2(swarm->toolTip().contains(QStringLiteral("CPU")), qPrintable(swarm->toolTip()));
    auto *busy = m_window->findChild<QWidget *>(QStringLiteral("busyIndicator"));
    QVERIFY(busy);
    QTRY_VERIFY_WITH_TIMEOUT(busy->isHidden(), EngineTimeoutMs);
}

void TestMainWindow::testContextMenuOpensFromKeyboard()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    // Given a current row in the table
    auto *table = m_window->findChild<QTableView *>(QStringLiteral("containerTable"));
    selectRow(0);
    table->setFocus();

    // When the menu key asks for the context menu
    QContextMenuEvent event(QContextMenuEvent::Keyboard, QPoint(0, 0),
                            table->mapToGlobal(QPoint(0, 0)));
    QApplication::sendEvent(table, &event);

    // Then the menu offers the replica's actions, enabled
    QMenu *menu = nullptr;
    QTRY_VERIFY((menu = m_window->findChild<QMenu *>(QStringLiteral("containerMenu"))));
    QStringList names;
    for (QAction *action : menu->actions()) {
        if (!action->isSeparator()) {
            names.append(action->objectName());
            QVERIFY2(action->isEnabled(), qPrintable(action->objectName()));
            QVERIFY2(!action->shortcut().isEmpty(), qPrintable(action->objectName()));
        }
    }
    QCOMPARE(names, QStringList({"logsAction", "restartReplicaAction", "stopReplicaAction",
                                 "removeReplicaAction", "copyNameAction"}));
    menu->close();
}

void TestMainWindow::testLogsOfReplicaShowStartLine()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    // When the user asks for the logs of the first replica
    selectRow(0);
    m_window->findChild<QAction *>(QStringLiteral("logsAction"))->trigger();

    // Then the dock shows its start line, without a name prefix
    auto *dock = m_window->findChild<QDockWidget *>(QStringLiteral("logDock"));
    auto *panel = m_window->findChild<Ui::LogPanel *>();
    QVERIFY(dock);
    QVERIFY(panel);
    QVERIFY(dock->isVisible());
    QCOMPARE(panel->streamCount(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(
        panel->text().contains(QStringLiteral("whoami listening on :3000 as ")), EngineTimeoutMs);
    QVERIFY(!panel->text().contains(QStringLiteral(" | ")));

    // And a search with "only matches" hides the other lines, until it is cleared
    panel->setSearchTerm(QStringLiteral("listening"));
    panel->setMatchesOnly(true);
    const QStringList shown = panel->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(!shown.isEmpty());
    for (const QString &line : shown) {
        QVERIFY2(line.contains(QStringLiteral("listening")), qPrintable(line));
    }
    panel->setMatchesOnly(false);
    panel->setSearchTerm(QString());

    // And Clear empties the view while the stream stays open
    panel->clear();
    QCOMPARE(panel->lineCount(), 0);
    QCOMPARE(panel->streamCount(), 1);
}

void TestMainWindow::testLogsOfServiceAreMergedWithPrefixes()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    auto *panel = m_window->findChild<Ui::LogPanel *>();
    m_window->findChild<QAction *>(QStringLiteral("serviceLogsAction"))->trigger();

    // Every replica of web is followed, and each start line carries its replica's name
    const QStringList names = replicaNames();
    QTRY_COMPARE_WITH_TIMEOUT(panel->streamCount(), names.size(), EngineTimeoutMs);
    for (int number = 1; number <= names.size(); ++number) {
        const QString prefix = QStringLiteral("web-%1").arg(number);
        QTRY_VERIFY2_WITH_TIMEOUT(panel->text().contains(QRegularExpression(
                                      QStringLiteral("^%1 +\\| whoami listening").arg(prefix),
                                      QRegularExpression::MultilineOption)),
                                  qPrintable(panel->text()), EngineTimeoutMs);
    }

    // Pausing keeps the view as it is
    panel->setPaused(true);
    const QString before = panel->text();
    keepLoad(1500);
    QCOMPARE(panel->text(), before);
    panel->setPaused(false);
}

void TestMainWindow::testClosingLogsEndsStreams()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    auto *dock = m_window->findChild<QDockWidget *>(QStringLiteral("logDock"));
    auto *panel = m_window->findChild<Ui::LogPanel *>();
    QVERIFY(panel->streamCount() > 0);
    dock->close();
    QCOMPARE(panel->streamCount(), 0);
}

void TestMainWindow::testDistributionSpreadsOverReplicas()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    // Given a proxy that has finished the traffic of the tests before, whose stragglers the
    // counters would otherwise add to the burst
    QTest::qWait(2500);

    // When the user runs the distribution test of web
    Ui::DistributionDialog *dialog = m_window->openDistributionTest(QStringLiteral("web"));
    QVERIFY(dialog);
    QVERIFY(!dialog->isModal());
    QSignalSpy finished(dialog, &Ui::DistributionDialog::testFinished);
    QVERIFY(finished.wait(Ui::DistributionTest::TimeLimitMs + Ui::DistributionTest::CountersWaitMs +
                          2000));

    // Then every request was answered and round robin gave every replica its share
    const Ui::DistributionTest::Result &result = dialog->test()->result();
    QCOMPARE(result.failed, 0);
    QCOMPARE(result.answered, Ui::DistributionTest::DefaultRequests);
    const QStringList names = replicaNames();
    const int fairShare = Ui::DistributionTest::DefaultRequests / int(names.size());
    int counted = 0;
    for (const QString &name : names) {
        const int requests = dialog->requestsOf(name);
        QVERIFY2(requests >= fairShare - 2 && requests <= fairShare + 3,
                 qPrintable(QStringLiteral("%1 took %2").arg(name).arg(requests)));
        counted += requests;
    }
    QCOMPARE(counted, Ui::DistributionTest::DefaultRequests);
    auto *summary = dialog->findChild<QLabel *>(QStringLiteral("distributionSummary"));
    QVERIFY2(summary->text().contains(QStringLiteral("0 failed")), qPrintable(summary->text()));
}

void TestMainWindow::testTimeChartsGetPoints()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    keepLoad(2500);
    auto *memory = m_window->findChild<Ui::ReplicaLineChart *>(QStringLiteral("memoryChart"));
    auto *latency = m_window->findChild<Ui::ReplicaLineChart *>(QStringLiteral("latencyChart"));
    auto *rate = m_window->findChild<Ui::RequestRateChart *>();
    auto *both = m_window->findChild<Ui::CpuTrafficChart *>();
    QVERIFY(memory && latency && rate && both);
    const QStringList names = replicaNames();
    for (const QString &name : names) {
        QTRY_VERIFY_WITH_TIMEOUT(memory->pointCount(name) >= 2, MetricsTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(latency->pointCount(name) >= 1, MetricsTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(both->cpuPointCount(name) >= 2, MetricsTimeoutMs);
        QCOMPARE(both->cpuColor(name), both->rateColor(name));
    }
    QTRY_COMPARE_WITH_TIMEOUT(rate->bandCount(), names.size(), MetricsTimeoutMs);

    // The window selector widens every time chart
    auto *window = m_window->findChild<QComboBox *>(QStringLiteral("chartWindow"));
    QVERIFY(window);
    window->setCurrentIndex(window->findData(5 * 60));
    QCOMPARE(memory->windowSeconds(), 5 * 60);
    QCOMPARE(m_window->findChild<Ui::CpuChart *>()->windowSeconds(), 5 * 60);
    window->setCurrentIndex(window->findData(60));
}

void TestMainWindow::testCpuScaleIsChosenByTheUser()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    auto *scale = m_window->findChild<QComboBox *>(QStringLiteral("cpuScale"));
    auto *table = m_window->findChild<QTableView *>(QStringLiteral("containerTable"));
    auto *serviceCpu = m_window->findChild<QLabel *>(QStringLiteral("serviceCpu:web"));
    QVERIFY(scale && serviceCpu);
    QTRY_VERIFY_WITH_TIMEOUT(serviceCpu->text().endsWith(QStringLiteral("%")), MetricsTimeoutMs);
    const QString header =
        table->model()->headerData(Ui::ContainerTableModel::CpuColumn, Qt::Horizontal).toString();

    scale->setCurrentIndex(scale->findData(int(Ui::CpuScale::HostShare)));

    QVERIFY(
        table->model()->headerData(Ui::ContainerTableModel::CpuColumn, Qt::Horizontal).toString() !=
        header);
    QVERIFY2(serviceCpu->toolTip().contains(QStringLiteral("whole host")),
             qPrintable(serviceCpu->toolTip()));
    // The example sets no CPU limit: the limit share falls back to the host and says so
    scale->setCurrentIndex(scale->findData(int(Ui::CpuScale::LimitShare)));
    QCOMPARE(
        table->model()->headerData(Ui::ContainerTableModel::CpuColumn, Qt::Horizontal).toString(),
        QStringLiteral("CPU % limit"));
    QVERIFY2(serviceCpu->toolTip().contains(QStringLiteral("no CPU limit")),
             qPrintable(serviceCpu->toolTip()));
    auto *chart = m_window->findChild<Ui::CpuChart *>();
    QTRY_VERIFY2_WITH_TIMEOUT(chart->toolTip().contains(QStringLiteral("share of the host")),
                              qPrintable(chart->toolTip()), MetricsTimeoutMs);
    scale->setCurrentIndex(scale->findData(int(Ui::CpuScale::PerCore)));
    QVERIFY2(serviceCpu->toolTip().contains(QStringLiteral("one core")),
             qPrintable(serviceCpu->toolTip()));
}

void TestMainWindow::testRecentFilesAndDrop()
{
    // The opened stack's compose file is the first recent file
    QCOMPARE(m_window->recentFiles().value(0), QFileInfo(m_composeFile).absoluteFilePath());

    // A compose file dropped on the window is reported like one picked with Open
    QSignalSpy chosen(m_window.get(), &Ui::MainWindow::composeFileChosen);
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(m_composeFile)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &drop);
    QCOMPARE(chosen.size(), 1);
    QCOMPARE(chosen.at(0).at(0).toString(), m_composeFile);

    // Other files are refused
    QMimeData text;
    text.setUrls({QUrl::fromLocalFile(QStringLiteral(SHOAL_SOURCE_DIR "/README.md"))});
    QDragEnterEvent refused(QPoint(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    refused.setAccepted(false);
    QApplication::sendEvent(m_window.get(), &refused);
    QVERIFY(!refused.isAccepted());
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

    // The logs of the whole service, and each chart with live data
    m_window->findChild<QAction *>(QStringLiteral("serviceLogsAction"))->trigger();
    auto *panel = m_window->findChild<Ui::LogPanel *>();
    QTRY_VERIFY_WITH_TIMEOUT(panel->text().count(QStringLiteral("listening")) >= 2,
                             EngineTimeoutMs);
    keepLoad(3000);
    saveShot(folder, QStringLiteral("screenshot-logs.png"), m_window.get());
    m_window->findChild<QDockWidget *>(QStringLiteral("logDock"))->close();

    auto *tabs = m_window->findChild<QTabWidget *>(QStringLiteral("chartTabs"));
    const QStringList tabNames = {QStringLiteral("cpu"), QStringLiteral("cpu-vs-traffic"),
                                  QStringLiteral("requests-rate"), QStringLiteral("latency"),
                                  QStringLiteral("memory")};
    for (int tab = 0; tab < tabs->count() && tab < tabNames.size(); ++tab) {
        tabs->setCurrentIndex(tab);
        QTest::qWait(100);
        saveShot(folder, QStringLiteral("screenshot-chart-%1.png").arg(tabNames.at(tab)), tabs);
    }
    tabs->setCurrentIndex(0);

    Ui::DistributionDialog *dialog = m_window->openDistributionTest(QStringLiteral("web"));
    QVERIFY(dialog);
    QSignalSpy finished(dialog, &Ui::DistributionDialog::testFinished);
    QVERIFY(finished.wait(Ui::DistributionTest::TimeLimitMs + Ui::DistributionTest::CountersWaitMs +
                          2000));
    saveShot(folder, QStringLiteral("screenshot-distribution.png"), dialog);
    dialog->close();
}

void TestMainWindow::testRemoveReplicaFromMenu()
{
    if (!m_up) {
        QSKIP("the stack did not come up");
    }
    // Given three replicas, the second one current
    QTRY_COMPARE_WITH_TIMEOUT(tableRowCount(), 3, EngineTimeoutMs);
    selectRow(1);
    auto *table = m_window->findChild<QTableView *>(QStringLiteral("containerTable"));
    const QString chosen =
        table->currentIndex().data(Ui::ContainerTableModel::ReplicaNameRole).toString();
    QVERIFY(chosen.endsWith(QStringLiteral("-web-2")));
    QSignalSpy scaled(m_stack.get(), &Core::StackController::scaleFinished);

    // When the user removes it
    m_window->findChild<QAction *>(QStringLiteral("removeReplicaAction"))->trigger();

    // Then exactly that replica goes and the service asks for one fewer
    QTRY_VERIFY_WITH_TIMEOUT(!scaled.isEmpty(), EngineTimeoutMs);
    QVERIFY2(scaled.at(0).at(1).toBool(), qPrintable(scaled.at(0).at(2).toString()));
    QCOMPARE(m_stack->desiredReplicas(QStringLiteral("web")), 2);
    QTRY_COMPARE_WITH_TIMEOUT(tableRowCount(), 2, EngineTimeoutMs);
    QVERIFY(!replicaNames().contains(chosen));
    QTRY_COMPARE_WITH_TIMEOUT(engineContainerCount(false), 2, EngineTimeoutMs);
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

void TestMainWindow::selectRow(int row)
{
    auto *table = m_window->findChild<QTableView *>(QStringLiteral("containerTable"));
    table->setCurrentIndex(table->model()->index(row, Ui::ContainerTableModel::NameColumn));
}

void TestMainWindow::keepLoad(int milliseconds)
{
    QNetworkAccessManager network;
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/").arg(m_proxyPort));
    QTimer load;
    connect(&load, &QTimer::timeout, this, [&network, url] {
        for (int i = 0; i < 10; ++i) {
            QNetworkReply *reply = network.get(QNetworkRequest(url));
            connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
        }
    });
    load.start(100);
    QTest::qWait(milliseconds);
    load.stop();
    // Replies still open go with the manager; let them finish first.
    QTest::qWait(300);
}

void TestMainWindow::saveShot(const QString &folder, const QString &name, QWidget *widget)
{
    const QString path = QDir(folder).filePath(name);
    QVERIFY2(widget->grab().save(path), qPrintable(path));
    qInfo("saved %s", qPrintable(path));
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
