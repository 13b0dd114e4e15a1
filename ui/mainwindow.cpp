#include "mainwindow.h"

#include "containertablemodel.h"
#include "cpuchart.h"
#include "logging.h"
#include "messagebar.h"
#include "requestschart.h"
#include "servicepanel.h"

#include <core/engine/dockerclient.h>
#include <core/stack/stackcontroller.h>

#include <QAction>
#include <QClipboard>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace Shoal::Ui {

namespace {
constexpr int ProgressMessageMs = 10000;
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

QSettings settings()
{
    return QSettings(QStringLiteral("Shoal"), QStringLiteral("Shoal"));
}
} // namespace

MainWindow::MainWindow(Core::StackController *stack, QWidget *parent)
    : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    createActions();
    setCentralWidget(createCentralWidget());
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
        connect(m_stack, &Core::StackController::progress, this, [this](const QString &message) {
            statusBar()->showMessage(message, ProgressMessageMs);
        });
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
        connect(m_client, &Core::DockerClient::connected, this, &MainWindow::updateEngineStatus);
        connect(m_client, &Core::DockerClient::engineLost, this, [this](const QString &reason) {
            updateEngineStatus();
            m_messageBar->showError(tr("Lost the Docker engine at %1: %2")
                                        .arg(m_client->endpoint().toString(), reason));
        });
    }

    Core::MetricsStore *metrics = stack ? stack->metrics() : nullptr;
    m_containers->setMetricsStore(metrics);
    m_cpuChart->setMetricsStore(metrics);
    m_requestsChart->setMetricsStore(metrics);
    m_services->setStack(stack);
    refreshReplicas();
    updateTitle();
    updateEngineStatus();
    qCDebug(lcUi) << "window follows" << (stack ? stack->project().name : QStringLiteral("none"));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
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
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);

    m_quitAction =
        new QAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(m_openAction);
    fileMenu->addSeparator();
    fileMenu->addAction(m_quitAction);
    QMenu *stackMenu = menuBar()->addMenu(tr("&Stack"));
    stackMenu->addAction(m_upAction);
    stackMenu->addAction(m_downAction);
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
    toolBar->addAction(m_aboutAction);
}

void MainWindow::createStatusBar()
{
    m_engineLabel = new QLabel(this);
    m_engineLabel->setObjectName(QStringLiteral("engineLabel"));
    m_apiLabel = new QLabel(this);
    m_apiLabel->setObjectName(QStringLiteral("apiLabel"));
    m_reachableLabel = new QLabel(this);
    m_reachableLabel->setObjectName(QStringLiteral("reachableLabel"));
    statusBar()->addPermanentWidget(m_engineLabel);
    statusBar()->addPermanentWidget(m_apiLabel);
    statusBar()->addPermanentWidget(m_reachableLabel);
}

QWidget *MainWindow::createCentralWidget()
{
    auto *central = new QWidget(this);
    m_messageBar = new MessageBar(central);

    m_services = new ServicePanel;
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

    m_cpuChart = new CpuChart(&m_appearance);
    m_cpuChart->setMinimumHeight(200);
    m_requestsChart = new RequestsChart(&m_appearance);
    m_requestsChart->setMinimumHeight(200);

    m_chartSplitter = new QSplitter(Qt::Horizontal);
    m_chartSplitter->setObjectName(QStringLiteral("chartSplitter"));
    m_chartSplitter->addWidget(m_cpuChart);
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

void MainWindow::restoreSettings()
{
    const QSettings store = settings();
    restoreGeometry(store.value(GeometryKey).toByteArray());
    restoreState(store.value(StateKey).toByteArray());
    m_mainSplitter->restoreState(store.value(MainSplitterKey).toByteArray());
    m_chartSplitter->restoreState(store.value(ChartSplitterKey).toByteArray());
    m_table->horizontalHeader()->restoreState(store.value(TableHeaderKey).toByteArray());
}

void MainWindow::saveSettings() const
{
    QSettings store = settings();
    store.setValue(GeometryKey, saveGeometry());
    store.setValue(StateKey, saveState());
    store.setValue(MainSplitterKey, m_mainSplitter->saveState());
    store.setValue(ChartSplitterKey, m_chartSplitter->saveState());
    store.setValue(TableHeaderKey, m_table->horizontalHeader()->saveState());
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
        Q_EMIT composeFileChosen(path);
    });
    dialog->open();
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
    const QModelIndex index = m_table->indexAt(position);
    if (!index.isValid()) {
        return;
    }
    const QString name = index.data(ContainerTableModel::ReplicaNameRole).toString();
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(tr("Copy Container Name"), this,
                    [name] { QGuiApplication::clipboard()->setText(name); });
    menu->popup(m_table->viewport()->mapToGlobal(position));
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
}

void MainWindow::showFinishedError(const QString &error)
{
    if (error.isEmpty()) {
        return;
    }
    if (m_errorJustShown) {
        statusBar()->showMessage(error, DoneMessageMs);
        return;
    }
    m_messageBar->showError(error);
}

} // namespace Shoal::Ui
