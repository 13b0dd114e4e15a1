#include "mainwindow.h"

#include "containertablemodel.h"
#include "cpuchart.h"
#include "cputrafficchart.h"
#include "distributiondialog.h"
#include "logging.h"
#include "logpanel.h"
#include "messagebar.h"
#include "progressindicator.h"
#include "replicalinechart.h"
#include "requestratechart.h"
#include "requestschart.h"
#include "servicepanel.h"

#include <core/engine/dockerclient.h>
#include <core/engine/enginereply.h>
#include <core/proxy/proxyserver.h>
#include <core/stack/stackcontroller.h>

#include <QAction>
#include <QChart>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollArea>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace Shoal::Ui {

namespace {
constexpr int DoneMessageMs = 5000;
const QSize DefaultSize(1180, 800);
constexpr int NameColumnWidth = 220;
constexpr int StateColumnWidth = 150;

// QSettings keys; the window's layout is all that is remembered.
const QString GeometryKey = QStringLiteral("mainWindow/geometry");
const QString StateKey = QStringLiteral("mainWindow/state");
const QString MainSplitterKey = QStringLiteral("mainWindow/mainSplitter");
const QString ChartSplitterKey = QStringLiteral("mainWindow/chartSplitter");
const QString TableHeaderKey = QStringLiteral("mainWindow/containerHeader");
const QString LastFolderKey = QStringLiteral("mainWindow/lastComposeFolder");
const QString RecentFilesKey = QStringLiteral("mainWindow/recentFiles");
const QString ChartWindowKey = QStringLiteral("mainWindow/chartWindowSeconds");
const QString CpuScaleKey = QStringLiteral("mainWindow/cpuScale");
const QString ChartTabKey = QStringLiteral("mainWindow/chartTab");

constexpr double BytesPerMiB = 1024.0 * 1024.0;
constexpr int SecondsPerMinute = 60;
const int ChartWindows[] = {1, 5, 15};

bool isComposeFile(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("yaml") || suffix == QLatin1String("yml");
}

// The first local compose file among dropped URLs, or empty.
QString droppedComposeFile(const QMimeData *mime)
{
    if (!mime || !mime->hasUrls()) {
        return {};
    }
    const QList<QUrl> urls = mime->urls();
    for (const QUrl &url : urls) {
        if (url.isLocalFile() && isComposeFile(url.toLocalFile())) {
            return url.toLocalFile();
        }
    }
    return {};
}

QSettings settings()
{
    return QSettings(QStringLiteral("Shoal"), QStringLiteral("Shoal"));
}
} // namespace

MainWindow::MainWindow(Core::StackController *stack, QWidget *parent)
    : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setAccessibleName(tr("Shoal"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    createActions();
    setCentralWidget(createCentralWidget());
    createContainerActions();
    createLogDock();
    createStatusBar();
    resize(DefaultSize);
    restoreSettings();
    setStack(stack);
}

MainWindow::~MainWindow() = default;

void MainWindow::setStack(Core::StackController *stack)
{
    if (m_stack) {
        disconnect(m_stack, nullptr, this, nullptr);
    }
    if (m_client) {
        disconnect(m_client, nullptr, this, nullptr);
    }
    m_stack = stack;
    m_client = stack ? stack->client() : nullptr;
    m_appearance.setNamePrefix(stack ? stack->project().name + QLatin1Char('-') : QString());

    if (m_stack) {
        connect(m_stack, &Core::StackController::replicasChanged, this,
                &MainWindow::refreshReplicas);
        connect(m_stack, &Core::StackController::progress, this,
                [this](const QString &message) { m_busy->showMessage(message); });
        connect(m_stack, &Core::StackController::errorOccurred, this,
                [this](const QString &message) {
                    m_messageBar->showError(message);
                    // The stack emits a finished signal with a shorter wording of the same
                    // failure right after this one, in the same turn of the event loop.
                    m_errorJustShown = true;
                    QTimer::singleShot(0, this, [this] { m_errorJustShown = false; });
                });
        connect(m_stack, &Core::StackController::upFinished, this,
                [this](bool ok, const QString &error) {
                    if (ok) {
                        statusBar()->showMessage(tr("The stack is up"), DoneMessageMs);
                    } else {
                        showFinishedError(error);
                    }
                    refreshReplicas();
                });
        connect(m_stack, &Core::StackController::scaleFinished, this,
                [this](const QString &service, bool ok, const QString &error) {
                    if (ok) {
                        statusBar()->showMessage(tr("%1 scaled").arg(service), DoneMessageMs);
                    } else {
                        showFinishedError(error);
                    }
                    updateActions();
                });
        connect(m_stack, &Core::StackController::serviceActionFinished, this,
                [this](const QString &service, bool ok, const QString &error) {
                    if (ok) {
                        statusBar()->showMessage(tr("%1 is done").arg(service), DoneMessageMs);
                    } else {
                        showFinishedError(error);
                    }
                    updateActions();
                });
        connect(m_stack, &Core::StackController::downFinished, this,
                [this](bool ok, const QString &error) {
                    if (ok) {
                        statusBar()->showMessage(tr("The stack is down"), DoneMessageMs);
                    } else {
                        showFinishedError(error);
                    }
                    refreshReplicas();
                });
    }
    if (m_client) {
        connect(m_client, &Core::DockerClient::connected, this, [this] {
            updateEngineStatus();
            queryEngineInfo();
        });
        connect(m_client, &Core::DockerClient::engineLost, this, [this](const QString &reason) {
            updateEngineStatus();
            m_messageBar->showError(tr("Lost the Docker engine at %1: %2")
                                        .arg(m_client->endpoint().toString(), reason));
        });
    }

    Core::MetricsStore *metrics = stack ? stack->metrics() : nullptr;
    m_containers->setMetricsStore(metrics);
    m_cpuChart->setMetricsStore(metrics);
    m_memoryChart->setMetricsStore(metrics);
    m_latencyChart->setMetricsStore(metrics);
    m_rateChart->setMetricsStore(metrics);
    m_cpuTrafficChart->setMetricsStore(metrics);
    m_requestsChart->setMetricsStore(metrics);
    m_services->setStack(stack);
    m_logPanel->setStack(stack);
    for (const QPointer<DistributionDialog> &dialog : std::as_const(m_distributionDialogs)) {
        if (dialog) {
            dialog->close();
        }
    }
    m_distributionDialogs.clear();
    if (stack && !stack->project().configFiles.isEmpty()) {
        addRecentFile(stack->project().configFiles.constFirst());
    }
    refreshReplicas();
    updateTitle();
    updateEngineStatus();
    if (m_client && m_client->isReachable()) {
        queryEngineInfo();
    }
    qCDebug(lcUi) << "window follows" << (stack ? stack->project().name : QStringLiteral("none"));
}

QStringList MainWindow::recentFiles() const
{
    QStringList files;
    const QStringList stored = settings().value(RecentFilesKey).toStringList();
    for (const QString &file : stored) {
        if (QFileInfo::exists(file)) {
            files.append(file);
        }
    }
    return files;
}

void MainWindow::setChartWindow(int seconds)
{
    const int index = m_windowBox->findData(seconds);
    if (index >= 0 && m_windowBox->currentIndex() != index) {
        m_windowBox->setCurrentIndex(index);
        return;
    }
    m_cpuChart->setWindowSeconds(seconds);
    m_memoryChart->setWindowSeconds(seconds);
    m_latencyChart->setWindowSeconds(seconds);
    m_rateChart->setWindowSeconds(seconds);
    m_cpuTrafficChart->setWindowSeconds(seconds);
}

void MainWindow::setCpuScale(CpuScale scale)
{
    const int index = m_cpuScaleBox->findData(int(scale));
    if (index >= 0 && m_cpuScaleBox->currentIndex() != index) {
        m_cpuScaleBox->setCurrentIndex(index);
        return;
    }
    m_containers->setCpuScale(scale);
    m_cpuChart->setCpuScale(scale);
    m_cpuTrafficChart->setCpuScale(scale);
    m_services->setCpuScale(scale);
}

DistributionDialog *MainWindow::openDistributionTest(const QString &service)
{
    if (!m_stack) {
        return nullptr;
    }
    Core::ProxyServer *proxy = m_stack->proxy(service);
    if (!proxy || proxy->serverPort() == 0) {
        m_messageBar->showError(
            tr("%1 has no proxy to test: it publishes no port, or its proxy is not running")
                .arg(service));
        return nullptr;
    }
    DistributionDialog *dialog = m_distributionDialogs.value(service);
    if (!dialog) {
        dialog = new DistributionDialog(service, proxy, proxy->serverPort(), &m_appearance, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        m_distributionDialogs.insert(service, dialog);
    }
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
    dialog->run();
    return dialog;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (!droppedComposeFile(event->mimeData()).isEmpty()) {
        event->acceptProposedAction();
    }
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QString path = droppedComposeFile(event->mimeData());
    if (path.isEmpty()) {
        return;
    }
    event->acceptProposedAction();
    openComposeFile(path);
}

void MainWindow::createActions()
{
    m_openAction =
        new QAction(QIcon::fromTheme(QStringLiteral("document-open")), tr("&Open…"), this);
    m_openAction->setObjectName(QStringLiteral("openAction"));
    m_openAction->setShortcut(QKeySequence::Open);
    m_openAction->setStatusTip(tr("Open a compose file"));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::chooseComposeFile);

    m_upAction =
        new QAction(QIcon::fromTheme(QStringLiteral("media-playback-start")), tr("&Up"), this);
    m_upAction->setObjectName(QStringLiteral("upAction"));
    m_upAction->setShortcut(Qt::CTRL | Qt::Key_U);
    m_upAction->setStatusTip(tr("Build, create and start the stack's replicas"));
    connect(m_upAction, &QAction::triggered, this, [this] {
        if (m_stack) {
            m_stack->up();
            updateActions();
        }
    });

    m_downAction =
        new QAction(QIcon::fromTheme(QStringLiteral("media-playback-stop")), tr("&Down"), this);
    m_downAction->setObjectName(QStringLiteral("downAction"));
    m_downAction->setShortcut(Qt::CTRL | Qt::Key_D);
    m_downAction->setStatusTip(tr("Drain, stop and remove the stack's replicas"));
    connect(m_downAction, &QAction::triggered, this, [this] {
        if (m_stack) {
            m_stack->down();
            updateActions();
        }
    });

    m_aboutAction =
        new QAction(QIcon::fromTheme(QStringLiteral("help-about")), tr("&About Shoal"), this);
    m_aboutAction->setObjectName(QStringLiteral("aboutAction"));
    m_aboutAction->setShortcut(QKeySequence::HelpContents);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);

    m_quitAction =
        new QAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"), this);
    m_quitAction->setObjectName(QStringLiteral("quitAction"));
    m_quitAction->setShortcut(QKeySequence::Quit);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_distributionAction = new QAction(QIcon::fromTheme(QStringLiteral("view-statistics")),
                                       tr("&Test Distribution"), this);
    m_distributionAction->setObjectName(QStringLiteral("distributionAction"));
    m_distributionAction->setShortcut(Qt::CTRL | Qt::Key_T);
    m_distributionAction->setStatusTip(
        tr("Send a burst of requests to the selected service's proxy and see how they spread"));
    connect(m_distributionAction, &QAction::triggered, this, [this] {
        const QString service = currentService();
        if (!service.isEmpty()) {
            openDistributionTest(service);
        }
    });

    m_serviceLogsAction = new QAction(QIcon::fromTheme(QStringLiteral("text-x-generic")),
                                      tr("Logs of the &Service"), this);
    m_serviceLogsAction->setObjectName(QStringLiteral("serviceLogsAction"));
    m_serviceLogsAction->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_G);
    m_serviceLogsAction->setStatusTip(tr("Follow every replica of the selected service"));
    connect(m_serviceLogsAction, &QAction::triggered, this, [this] {
        const QString service = currentService();
        if (!service.isEmpty()) {
            showLogsOfService(service);
        }
    });

    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(m_openAction);
    m_recentMenu = fileMenu->addMenu(QIcon::fromTheme(QStringLiteral("document-open-recent")),
                                     tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
    fillRecentMenu();
    fileMenu->addSeparator();
    fileMenu->addAction(m_quitAction);
    QMenu *stackMenu = menuBar()->addMenu(tr("&Stack"));
    stackMenu->addAction(m_upAction);
    stackMenu->addAction(m_downAction);
    stackMenu->addSeparator();
    stackMenu->addAction(m_distributionAction);
    stackMenu->addAction(m_serviceLogsAction);
    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(m_aboutAction);

    QToolBar *toolBar = addToolBar(tr("Stack"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(m_openAction);
    toolBar->addSeparator();
    toolBar->addAction(m_upAction);
    toolBar->addAction(m_downAction);
    toolBar->addSeparator();
    toolBar->addAction(m_distributionAction);
    toolBar->addSeparator();
    toolBar->addAction(m_aboutAction);

    QToolBar *viewBar = addToolBar(tr("View"));
    viewBar->setObjectName(QStringLiteral("viewToolBar"));
    createViewControls(viewBar);
}

void MainWindow::createViewControls(QToolBar *toolBar)
{
    m_windowBox = new QComboBox(toolBar);
    m_windowBox->setObjectName(QStringLiteral("chartWindow"));
    m_windowBox->setAccessibleName(tr("Time span of the charts"));
    for (const int minutes : ChartWindows) {
        m_windowBox->addItem(tr("%n min", nullptr, minutes), minutes * SecondsPerMinute);
    }
    connect(m_windowBox, &QComboBox::currentIndexChanged, this,
            [this] { setChartWindow(m_windowBox->currentData().toInt()); });

    m_cpuScaleBox = new QComboBox(toolBar);
    m_cpuScaleBox->setObjectName(QStringLiteral("cpuScale"));
    m_cpuScaleBox->setAccessibleName(tr("How CPU is shown"));
    m_cpuScaleBox->addItem(tr("per core (docker stats)"), int(CpuScale::PerCore));
    m_cpuScaleBox->addItem(tr("share of the host"), int(CpuScale::HostShare));
    m_cpuScaleBox->addItem(tr("share of the limit"), int(CpuScale::LimitShare));
    m_cpuScaleBox->setToolTip(tr("Per core: 100 % is one core and a busy replica can go past it.\n"
                                 "Share of the host: divided by the engine's online cores.\n"
                                 "Share of the limit: divided by the container's CPU limit "
                                 "(cpus, cpuset); without a limit, by the host's cores."));
    connect(m_cpuScaleBox, &QComboBox::currentIndexChanged, this,
            [this] { setCpuScale(CpuScale(m_cpuScaleBox->currentData().toInt())); });

    auto *windowLabel = new QLabel(tr("Charts s&how:"), toolBar);
    windowLabel->setBuddy(m_windowBox);
    auto *cpuLabel = new QLabel(tr("  C&PU:"), toolBar);
    cpuLabel->setBuddy(m_cpuScaleBox);
    toolBar->addWidget(windowLabel);
    toolBar->addWidget(m_windowBox);
    toolBar->addWidget(cpuLabel);
    toolBar->addWidget(m_cpuScaleBox);
}

void MainWindow::createContainerActions()
{
    // The actions live on the table so their shortcuts act on its current row only; the
    // context menu shows the same actions.
    m_logsAction =
        new QAction(QIcon::fromTheme(QStringLiteral("text-x-generic")), tr("&Logs…"), this);
    m_logsAction->setObjectName(QStringLiteral("logsAction"));
    m_logsAction->setShortcut(Qt::CTRL | Qt::Key_L);
    connect(m_logsAction, &QAction::triggered, this, [this] {
        const QString replica = currentReplica();
        if (!replica.isEmpty()) {
            showLogsOfReplica(replica);
        }
    });

    m_restartAction =
        new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Restart"), this);
    m_restartAction->setObjectName(QStringLiteral("restartReplicaAction"));
    m_restartAction->setShortcut(Qt::CTRL | Qt::Key_R);
    connect(m_restartAction, &QAction::triggered, this, [this] {
        const QString replica = currentReplica();
        if (m_stack && !replica.isEmpty()) {
            m_stack->restartReplica(replica);
        }
    });

    m_removeAction = new QAction(QIcon::fromTheme(QStringLiteral("list-remove")),
                                 tr("Re&move This Replica"), this);
    m_removeAction->setObjectName(QStringLiteral("removeReplicaAction"));
    m_removeAction->setShortcut(QKeySequence::Delete);
    m_removeAction->setStatusTip(
        tr("Drain the replica, then stop and remove it; the service's scale drops by one"));
    connect(m_removeAction, &QAction::triggered, this, [this] {
        const QString replica = currentReplica();
        if (m_stack && !replica.isEmpty()) {
            m_busy->showMessage(tr("Draining %1 before removing it").arg(replica));
            m_stack->removeReplica(replica);
        }
    });

    m_copyNameAction =
        new QAction(QIcon::fromTheme(QStringLiteral("edit-copy")), tr("&Copy Name"), this);
    m_copyNameAction->setObjectName(QStringLiteral("copyNameAction"));
    m_copyNameAction->setShortcut(QKeySequence::Copy);
    connect(m_copyNameAction, &QAction::triggered, this, [this] {
        const QString replica = currentReplica();
        if (!replica.isEmpty()) {
            QGuiApplication::clipboard()->setText(replica);
        }
    });

    for (QAction *action : {m_logsAction, m_restartAction, m_removeAction, m_copyNameAction}) {
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        m_table->addAction(action);
    }
    connect(m_table->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &MainWindow::updateActions);
}

void MainWindow::createLogDock()
{
    m_logPanel = new LogPanel(&m_appearance);
    m_logDock = new QDockWidget(tr("Logs"), this);
    m_logDock->setObjectName(QStringLiteral("logDock"));
    m_logDock->setAccessibleName(tr("Logs"));
    m_logDock->setWidget(m_logPanel);
    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);
    m_logDock->hide();
    // A closed panel must not keep streams open on the engine.
    connect(m_logDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (!visible && m_logDock->isHidden()) {
            m_logPanel->stop();
        }
    });
    QAction *toggle = m_logDock->toggleViewAction();
    toggle->setObjectName(QStringLiteral("toggleLogsAction"));
    toggle->setText(tr("Logs &Panel"));
    toggle->setShortcut(Qt::CTRL | Qt::Key_J);
    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(toggle);
    // Keep Help last, where users look for it.
    const QList<QAction *> menus = menuBar()->actions();
    for (QAction *menu : menus) {
        if (menu->menu() && menu->menu()->title() == tr("&Help")) {
            menuBar()->removeAction(menu);
            menuBar()->addAction(menu);
            break;
        }
    }
}

void MainWindow::createStatusBar()
{
    m_engineLabel = new QLabel(this);
    m_engineLabel->setObjectName(QStringLiteral("engineLabel"));
    m_apiLabel = new QLabel(this);
    m_apiLabel->setObjectName(QStringLiteral("apiLabel"));
    m_reachableLabel = new QLabel(this);
    m_reachableLabel->setObjectName(QStringLiteral("reachableLabel"));
    m_swarmLabel = new QLabel(this);
    m_swarmLabel->setObjectName(QStringLiteral("swarmLabel"));
    m_busy = new ProgressIndicator(this);
    connect(m_busy, &ProgressIndicator::cancelRequested, this, [this] {
        if (m_stack) {
            m_stack->cancel();
        }
    });
    m_engineLabel->setAccessibleName(tr("Engine address"));
    m_apiLabel->setAccessibleName(tr("Engine API version"));
    m_reachableLabel->setAccessibleName(tr("Engine reachable"));
    m_swarmLabel->setAccessibleName(tr("Swarm state"));
    statusBar()->addPermanentWidget(m_busy);
    statusBar()->addPermanentWidget(m_engineLabel);
    statusBar()->addPermanentWidget(m_apiLabel);
    statusBar()->addPermanentWidget(m_reachableLabel);
    statusBar()->addPermanentWidget(m_swarmLabel);
}

QWidget *MainWindow::createCentralWidget()
{
    auto *central = new QWidget(this);
    m_messageBar = new MessageBar(central);

    m_services = new ServicePanel;
    connect(m_services, &ServicePanel::distributionTestRequested, this,
            &MainWindow::openDistributionTest);
    connect(m_services, &ServicePanel::logsRequested, this, &MainWindow::showLogsOfService);
    const auto toStack = [this](void (Core::StackController::*operation)(const QString &)) {
        return [this, operation](const QString &service) {
            if (m_stack) {
                // Before the call: a refusal finishes at once and hides the indicator again.
                m_busy->setBusy(true);
                (m_stack->*operation)(service);
            }
        };
    };
    connect(m_services, &ServicePanel::startRequested, this,
            toStack(&Core::StackController::startService));
    connect(m_services, &ServicePanel::stopRequested, this,
            toStack(&Core::StackController::stopService));
    connect(m_services, &ServicePanel::restartRequested, this,
            toStack(&Core::StackController::restartService));
    auto *servicesScroll = new QScrollArea;
    servicesScroll->setObjectName(QStringLiteral("servicesScroll"));
    servicesScroll->setWidget(m_services);
    servicesScroll->setWidgetResizable(true);
    servicesScroll->setFrameShape(QFrame::NoFrame);

    m_containers = new ContainerTableModel(this);
    m_sortedContainers = new QSortFilterProxyModel(this);
    m_sortedContainers->setSourceModel(m_containers);
    m_sortedContainers->setSortRole(ContainerTableModel::SortRole);
    m_sortedContainers->setDynamicSortFilter(true);

    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("containerTable"));
    m_table->setAccessibleName(tr("Containers"));
    m_table->setModel(m_sortedContainers);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ContainerTableModel::NameColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    // Replica names are PROJECT-SERVICE-N and would be cut at the default width.
    m_table->horizontalHeader()->resizeSection(ContainerTableModel::NameColumn, NameColumnWidth);
    m_table->horizontalHeader()->resizeSection(ContainerTableModel::StateColumn, StateColumnWidth);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, &MainWindow::showContainerMenu);

    m_requestsChart = new RequestsChart(&m_appearance);
    m_requestsChart->setMinimumHeight(200);

    m_chartSplitter = new QSplitter(Qt::Horizontal);
    m_chartSplitter->setObjectName(QStringLiteral("chartSplitter"));
    m_chartSplitter->addWidget(createCharts());
    m_chartSplitter->addWidget(m_requestsChart);
    m_chartSplitter->setStretchFactor(0, 3);
    m_chartSplitter->setStretchFactor(1, 2);
    m_chartSplitter->setSizes({DefaultSize.width() * 3 / 5, DefaultSize.width() * 2 / 5});

    m_mainSplitter = new QSplitter(Qt::Vertical);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(servicesScroll);
    m_mainSplitter->addWidget(m_table);
    m_mainSplitter->addWidget(m_chartSplitter);
    m_mainSplitter->setStretchFactor(0, 1);
    m_mainSplitter->setStretchFactor(1, 2);
    m_mainSplitter->setStretchFactor(2, 3);
    m_mainSplitter->setSizes(
        {DefaultSize.height() / 6, DefaultSize.height() / 3, DefaultSize.height() / 2});

    auto *layout = new QVBoxLayout(central);
    layout->addWidget(m_messageBar);
    layout->addWidget(m_mainSplitter, 1);
    return central;
}

QWidget *MainWindow::createCharts()
{
    m_cpuChart = new CpuChart(&m_appearance);

    m_memoryChart = new ReplicaLineChart(
        &m_appearance, [](const Core::MetricPoint &point, const Core::ReplicaMetrics &) {
            return point.memoryBytes < 0 ? -1.0 : point.memoryBytes / BytesPerMiB;
        });
    m_memoryChart->setObjectName(QStringLiteral("memoryChart"));
    m_memoryChart->setAccessibleName(tr("Memory per replica"));
    m_memoryChart->chart()->setTitle(tr("Memory"));
    m_memoryChart->setAxisTitle(tr("MiB"));
    m_memoryChart->setValueText(tr("%1 MiB"));

    // Seconds without requests carry no latency; a gap says so better than a zero.
    m_latencyChart = new ReplicaLineChart(
        &m_appearance, [](const Core::MetricPoint &point, const Core::ReplicaMetrics &) {
            return point.requestsPerSecond > 0 ? point.p99Ms : -1.0;
        });
    m_latencyChart->setObjectName(QStringLiteral("latencyChart"));
    m_latencyChart->setAccessibleName(tr("Latency per replica"));
    m_latencyChart->chart()->setTitle(tr("Latency, 99th percentile"));
    m_latencyChart->setAxisTitle(tr("ms"));
    m_latencyChart->setValueText(tr("p99 %1 ms"));

    m_rateChart = new RequestRateChart(&m_appearance);
    m_cpuTrafficChart = new CpuTrafficChart(&m_appearance);

    m_chartTabs = new QTabWidget;
    m_chartTabs->setObjectName(QStringLiteral("chartTabs"));
    m_chartTabs->setAccessibleName(tr("Charts"));
    m_chartTabs->setDocumentMode(true);
    m_chartTabs->addTab(m_cpuChart, tr("&CPU"));
    m_chartTabs->addTab(m_cpuTrafficChart, tr("CPU &vs Traffic"));
    m_chartTabs->addTab(m_rateChart, tr("Re&quests/s"));
    m_chartTabs->addTab(m_latencyChart, tr("La&tency"));
    m_chartTabs->addTab(m_memoryChart, tr("Memor&y"));
    m_chartTabs->setMinimumHeight(200);
    return m_chartTabs;
}

void MainWindow::restoreSettings()
{
    const QSettings store = settings();
    restoreGeometry(store.value(GeometryKey).toByteArray());
    restoreState(store.value(StateKey).toByteArray());
    m_mainSplitter->restoreState(store.value(MainSplitterKey).toByteArray());
    m_chartSplitter->restoreState(store.value(ChartSplitterKey).toByteArray());
    m_table->horizontalHeader()->restoreState(store.value(TableHeaderKey).toByteArray());
    m_chartTabs->setCurrentIndex(store.value(ChartTabKey, 0).toInt());
    const int window = m_windowBox->findData(store.value(ChartWindowKey, SecondsPerMinute));
    m_windowBox->setCurrentIndex(std::max(0, window));
    const int scale = m_cpuScaleBox->findData(store.value(CpuScaleKey, 0));
    m_cpuScaleBox->setCurrentIndex(std::max(0, scale));
}

void MainWindow::saveSettings() const
{
    QSettings store = settings();
    store.setValue(GeometryKey, saveGeometry());
    store.setValue(StateKey, saveState());
    store.setValue(MainSplitterKey, m_mainSplitter->saveState());
    store.setValue(ChartSplitterKey, m_chartSplitter->saveState());
    store.setValue(TableHeaderKey, m_table->horizontalHeader()->saveState());
    store.setValue(ChartTabKey, m_chartTabs->currentIndex());
    store.setValue(ChartWindowKey, m_windowBox->currentData());
    store.setValue(CpuScaleKey, m_cpuScaleBox->currentData());
}

void MainWindow::chooseComposeFile()
{
    QString folder = settings().value(LastFolderKey).toString();
    if (folder.isEmpty() && m_stack) {
        folder = m_stack->project().workingDir;
    }
    // open() instead of exec(): the dialog must not hold up the stack's event handling.
    auto *dialog = new QFileDialog(this, tr("Open Compose File"), folder,
                                   tr("Compose files (*.yaml *.yml);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        QSettings store = settings();
        store.setValue(LastFolderKey, QFileInfo(path).absolutePath());
        openComposeFile(path);
    });
    dialog->open();
}

void MainWindow::openComposeFile(const QString &path)
{
    qCDebug(lcUi) << "compose file chosen" << path;
    addRecentFile(path);
    Q_EMIT composeFileChosen(path);
}

void MainWindow::addRecentFile(const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QSettings store = settings();
    QStringList files = store.value(RecentFilesKey).toStringList();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > MaximumRecentFiles) {
        files.removeLast();
    }
    store.setValue(RecentFilesKey, files);
    fillRecentMenu();
}

void MainWindow::fillRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = recentFiles();
    int number = 0;
    for (const QString &file : files) {
        ++number;
        const QFileInfo info(file);
        QAction *action = m_recentMenu->addAction(
            tr("&%1 %2 — %3").arg(number).arg(info.fileName(), info.absolutePath()), this,
            [this, file] { openComposeFile(file); });
        action->setObjectName(QStringLiteral("recentFile%1").arg(number));
        action->setToolTip(file);
        if (number < 10) {
            action->setShortcut(QKeySequence(Qt::ALT | Qt::SHIFT | Qt::Key(Qt::Key_0 + number)));
        }
    }
    if (files.isEmpty()) {
        m_recentMenu->addAction(tr("No recent files"))->setEnabled(false);
        return;
    }
    m_recentMenu->addSeparator();
    m_recentMenu->addAction(tr("&Clear List"), this, [this] {
        settings().setValue(RecentFilesKey, QStringList());
        fillRecentMenu();
    });
}

void MainWindow::showAbout()
{
    QString engine = tr("No engine");
    if (m_client) {
        engine = tr("Engine: %1\nDocker %2, API %3")
                     .arg(m_client->endpoint().toString(),
                          m_client->engineVersion().isEmpty() ? tr("unknown")
                                                              : m_client->engineVersion(),
                          m_client->apiVersion().isEmpty() ? tr("not negotiated")
                                                           : m_client->apiVersion());
    }
    const QString text =
        tr("Shoal %1\nScale compose services with a slider, balanced by an "
           "embedded proxy.\n\nQt %2\n%3")
            .arg(QStringLiteral(SHOAL_VERSION), QString::fromLatin1(qVersion()), engine);
    auto *box =
        new QMessageBox(QMessageBox::Information, tr("About Shoal"), text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("aboutBox"));
    box->setTextFormat(Qt::PlainText);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

void MainWindow::showContainerMenu(const QPoint &position)
{
    // The menu key and Shift+F10 ask at the current row, a click at the row under the
    // pointer; either way the actions work on the current row.
    QModelIndex index = m_table->indexAt(position);
    if (index.isValid()) {
        m_table->setCurrentIndex(index);
    } else {
        index = m_table->currentIndex();
    }
    if (!index.isValid()) {
        return;
    }
    const QRect rect = m_table->visualRect(index);
    const QPoint at = rect.contains(position) ? position : rect.center();
    auto *menu = new QMenu(this);
    menu->setObjectName(QStringLiteral("containerMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(m_logsAction);
    menu->addSeparator();
    menu->addAction(m_restartAction);
    menu->addAction(m_removeAction);
    menu->addSeparator();
    menu->addAction(m_copyNameAction);
    menu->popup(m_table->viewport()->mapToGlobal(at));
}

QString MainWindow::currentReplica() const
{
    return m_table->currentIndex().data(ContainerTableModel::ReplicaNameRole).toString();
}

QString MainWindow::currentService() const
{
    const QString service =
        m_table->currentIndex().data(ContainerTableModel::ServiceNameRole).toString();
    if (!service.isEmpty() || !m_stack) {
        return service;
    }
    const QList<Core::ServiceState> services = m_stack->services();
    return services.isEmpty() ? QString() : services.constFirst().name;
}

void MainWindow::showLogsOfReplica(const QString &replica)
{
    m_logDock->show();
    m_logDock->raise();
    m_logPanel->followReplica(replica);
}

void MainWindow::showLogsOfService(const QString &service)
{
    m_logDock->show();
    m_logDock->raise();
    m_logPanel->followService(service);
}

void MainWindow::refreshReplicas()
{
    m_containers->setReplicas(m_stack ? m_stack->replicas() : QList<Core::ReplicaInfo>());
    updateActions();
}

void MainWindow::updateTitle()
{
    setWindowTitle(m_stack ? tr("Shoal — %1").arg(m_stack->project().name) : tr("Shoal"));
}

void MainWindow::updateActions()
{
    const bool idle = m_stack && !m_stack->isBusy();
    m_upAction->setEnabled(idle);
    m_downAction->setEnabled(idle);
    m_busy->setBusy(m_stack && m_stack->isBusy());
    const bool row = m_table->currentIndex().isValid();
    for (QAction *action : {m_logsAction, m_restartAction, m_removeAction, m_copyNameAction}) {
        action->setEnabled(row);
    }
    const bool services = m_stack && !m_stack->services().isEmpty();
    m_distributionAction->setEnabled(services);
    m_serviceLogsAction->setEnabled(services);
}

void MainWindow::updateEngineStatus()
{
    if (!m_client) {
        m_engineLabel->setText(tr("no engine"));
        m_apiLabel->clear();
        m_reachableLabel->clear();
        return;
    }
    m_engineLabel->setText(m_client->endpoint().toString());
    const QString api = m_client->apiVersion();
    m_apiLabel->setText(api.isEmpty() ? QString() : tr("API %1").arg(api));
    m_apiLabel->setToolTip(m_client->engineVersion().isEmpty()
                               ? QString()
                               : tr("Docker %1").arg(m_client->engineVersion()));
    const bool reachable = m_client->isReachable();
    m_reachableLabel->setText(reachable ? tr("reachable") : tr("engine unreachable"));
    if (!reachable) {
        m_swarmLabel->clear();
    }
}

void MainWindow::queryEngineInfo()
{
    if (!m_client || m_infoReply) {
        return;
    }
    // Asked once per connection: swarm state and cores change rarely, and /info is slow on
    // engines with many images.
    m_infoReply = m_client->get(QStringLiteral("/info"));
    Core::EngineReply *reply = m_infoReply;
    connect(reply, &Core::EngineReply::finished, this, [this, reply] {
        if (reply->isError()) {
            qCWarning(lcUi) << "engine info not available:" << reply->errorString();
            m_swarmLabel->setText(tr("swarm unknown"));
            return;
        }
        const QJsonObject info = reply->json().object();
        const QString state = info.value(QStringLiteral("Swarm"))
                                  .toObject()
                                  .value(QStringLiteral("LocalNodeState"))
                                  .toString();
        const bool active = state == QLatin1String("active");
        m_swarmLabel->setText(active ? tr("swarm active") : tr("swarm inactive"));
        m_swarmLabel->setToolTip(tr("Swarm state: %1\n%n CPU(s), Docker %2", nullptr,
                                    info.value(QStringLiteral("NCPU")).toInt())
                                     .arg(state.isEmpty() ? tr("unknown") : state,
                                          info.value(QStringLiteral("ServerVersion")).toString()));
        qCInfo(lcUi) << "engine swarm state" << state;
    });
}

void MainWindow::showFinishedError(const QString &error)
{
    if (error.isEmpty()) {
        return;
    }
    // A cancel the user asked for is news, not a failure.
    if (m_errorJustShown || error == QLatin1String("cancelled")) {
        statusBar()->showMessage(error, DoneMessageMs);
        return;
    }
    m_messageBar->showError(error);
}

} // namespace Shoal::Ui
