#include "mainwindow.h"

#include "logging.h"
#include "logpanel.h"
#include "openonenginedialog.h"
#include "progressindicator.h"
#include "stackview.h"

#include <core/engine/dockerclient.h>
#include <core/engine/enginereply.h>
#include <core/stack/stackcontroller.h>

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QToolBar>

namespace Shoal::Ui {

namespace {
const QSize DefaultSize(1180, 800);

// QSettings keys; the window's layout is all it remembers (the application remembers which
// stacks are open).
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
    createLogDock();
    createStatusBar();
    resize(DefaultSize);
    restoreSettings();
    if (stack) {
        addStack(stack);
    }
    followCurrentTab();
}

MainWindow::~MainWindow() = default;

StackView *MainWindow::addStack(Core::StackController *stack)
{
    if (StackView *shown = viewOf(stack)) {
        m_tabs->setCurrentWidget(shown);
        return shown;
    }
    if (StackView *current = currentView()) {
        m_layout = current->saveLayout();
    }
    auto *view = new StackView(stack);
    view->restoreLayout(m_layout);
    view->setChartWindow(m_windowBox->currentData().toInt());
    view->setCpuScale(CpuScale(m_cpuScaleBox->currentData().toInt()));
    m_logPanels->addWidget(view->logPanel());
    // Every tab keeps its banner; only the current one speaks in the shared status bar.
    connect(view, &StackView::progressShown, this, [this, view](const QString &message) {
        if (view == currentView()) {
            showProgress(message);
        }
    });
    connect(view, &StackView::busyStarted, this, [this, view] {
        if (view == currentView()) {
            m_busy->setBusy(true);
        }
    });
    connect(view, &StackView::statusMessageShown, this,
            [this, view](const QString &message, int timeoutMs) {
                if (view == currentView()) {
                    statusBar()->showMessage(message, timeoutMs);
                }
            });
    connect(view, &StackView::stateChanged, this, [this, view] {
        if (view == currentView()) {
            updateActions();
        }
    });
    connect(view, &StackView::logsRequested, this, [this, view] {
        m_tabs->setCurrentWidget(view);
        showLogsDock();
    });
    // An owner that deletes a stack without closing its tab must not leave a dead view.
    connect(stack, &QObject::destroyed, view, [view] { delete view; });

    const Core::ComposeProject &project = stack->project();
    const int index = m_tabs->addTab(view, project.name);
    m_tabs->setTabToolTip(index, tr("%1\nEngine: %2")
                                     .arg(project.configFiles.join(QLatin1Char('\n')),
                                          stack->client()->endpoint().toString()));
    m_tabs->setCurrentIndex(index);
    if (!project.configFiles.isEmpty()) {
        addRecentFile(project.configFiles.constFirst());
    }
    followCurrentTab();
    qCDebug(lcUi) << "tab opened for" << project.name;
    Q_EMIT stacksChanged();
    return view;
}

void MainWindow::removeStack(Core::StackController *stack)
{
    StackView *view = viewOf(stack);
    if (!view) {
        return;
    }
    if (view == currentView()) {
        m_layout = view->saveLayout();
    }
    view->release();
    m_tabs->removeTab(m_tabs->indexOf(view));
    delete view;
    followCurrentTab();
    qCDebug(lcUi) << "tab closed for" << stack->project().name;
    Q_EMIT stackClosed(stack);
    Q_EMIT stacksChanged();
}

void MainWindow::setCurrentStack(Core::StackController *stack)
{
    if (StackView *view = viewOf(stack)) {
        m_tabs->setCurrentWidget(view);
    }
}

QList<Core::StackController *> MainWindow::stacks() const
{
    QList<Core::StackController *> result;
    for (int index = 0; index < m_tabs->count(); ++index) {
        auto *view = qobject_cast<StackView *>(m_tabs->widget(index));
        if (view && view->stack()) {
            result.append(view->stack());
        }
    }
    return result;
}

StackView *MainWindow::currentView() const
{
    return qobject_cast<StackView *>(m_tabs->currentWidget());
}

StackView *MainWindow::viewOf(const Core::StackController *stack) const
{
    for (int index = 0; index < m_tabs->count(); ++index) {
        auto *view = qobject_cast<StackView *>(m_tabs->widget(index));
        if (view && stack && view->stack() == stack) {
            return view;
        }
    }
    return nullptr;
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
    for (int tab = 0; tab < m_tabs->count(); ++tab) {
        qobject_cast<StackView *>(m_tabs->widget(tab))->setChartWindow(seconds);
    }
}

void MainWindow::setCpuScale(CpuScale scale)
{
    const int index = m_cpuScaleBox->findData(int(scale));
    if (index >= 0 && m_cpuScaleBox->currentIndex() != index) {
        m_cpuScaleBox->setCurrentIndex(index);
        return;
    }
    for (int tab = 0; tab < m_tabs->count(); ++tab) {
        qobject_cast<StackView *>(m_tabs->widget(tab))->setCpuScale(scale);
    }
}

DistributionDialog *MainWindow::openDistributionTest(const QString &service)
{
    StackView *view = currentView();
    return view ? view->openDistributionTest(service) : nullptr;
}

void MainWindow::chooseComposeFileAndEngine()
{
    auto *dialog = new OpenOnEngineDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (m_stack) {
        dialog->setComposeFolder(m_stack->project().workingDir);
    }
    dialog->setEngine(m_client ? m_client->endpoint().toString() : QString());
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QString path = dialog->composeFile();
        addRecentFile(path);
        Q_EMIT composeFileChosenOnEngine(path, dialog->engine());
    });
    dialog->open();
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

    m_openOnEngineAction = new QAction(QIcon::fromTheme(QStringLiteral("network-server")),
                                       tr("Open on &Engine…"), this);
    m_openOnEngineAction->setObjectName(QStringLiteral("openOnEngineAction"));
    m_openOnEngineAction->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_O);
    m_openOnEngineAction->setStatusTip(
        tr("Open a compose file on another Docker engine, by context name or address"));
    connect(m_openOnEngineAction, &QAction::triggered, this,
            &MainWindow::chooseComposeFileAndEngine);

    m_closeTabAction =
        new QAction(QIcon::fromTheme(QStringLiteral("tab-close")), tr("&Close Tab"), this);
    m_closeTabAction->setObjectName(QStringLiteral("closeTabAction"));
    m_closeTabAction->setShortcut(QKeySequence::Close);
    m_closeTabAction->setStatusTip(
        tr("Close the stack's tab: its proxies stop, its containers keep running"));
    connect(m_closeTabAction, &QAction::triggered, this,
            [this] { closeTab(m_tabs->currentIndex()); });

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
        StackView *view = currentView();
        const QString service = view ? view->currentService() : QString();
        if (!service.isEmpty()) {
            view->openDistributionTest(service);
        }
    });

    m_serviceLogsAction = new QAction(QIcon::fromTheme(QStringLiteral("text-x-generic")),
                                      tr("Logs of the &Service"), this);
    m_serviceLogsAction->setObjectName(QStringLiteral("serviceLogsAction"));
    m_serviceLogsAction->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_G);
    m_serviceLogsAction->setStatusTip(tr("Follow every replica of the selected service"));
    connect(m_serviceLogsAction, &QAction::triggered, this, [this] {
        StackView *view = currentView();
        const QString service = view ? view->currentService() : QString();
        if (!service.isEmpty()) {
            view->showLogsOfService(service);
        }
    });

    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(m_openAction);
    fileMenu->addAction(m_openOnEngineAction);
    m_recentMenu = fileMenu->addMenu(QIcon::fromTheme(QStringLiteral("document-open-recent")),
                                     tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
    fillRecentMenu();
    fileMenu->addSeparator();
    fileMenu->addAction(m_closeTabAction);
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

void MainWindow::createLogDock()
{
    // One dock for the window; it shows the logs panel of the current tab.
    m_logPanels = new QStackedWidget;
    m_logPanels->setObjectName(QStringLiteral("logPanels"));
    m_logDock = new QDockWidget(tr("Logs"), this);
    m_logDock->setObjectName(QStringLiteral("logDock"));
    m_logDock->setAccessibleName(tr("Logs"));
    m_logDock->setWidget(m_logPanels);
    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);
    m_logDock->hide();
    // A closed panel must not keep streams open on the engine, in any tab.
    connect(m_logDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (!visible && m_logDock->isHidden()) {
            for (int tab = 0; tab < m_tabs->count(); ++tab) {
                qobject_cast<StackView *>(m_tabs->widget(tab))->logPanel()->stop();
            }
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
    m_central = new QStackedWidget(this);
    m_emptyPage = new QLabel(tr("Open a compose file with File › Open…, or drop one here."));
    m_emptyPage->setObjectName(QStringLiteral("emptyPage"));
    qobject_cast<QLabel *>(m_emptyPage)->setAlignment(Qt::AlignCenter);
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("stackTabs"));
    m_tabs->setAccessibleName(tr("Open stacks"));
    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::followCurrentTab);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &MainWindow::closeTab);
    connect(m_tabs->tabBar(), &QTabBar::tabMoved, this, &MainWindow::stacksChanged);
    m_central->addWidget(m_emptyPage);
    m_central->addWidget(m_tabs);
    return m_central;
}

void MainWindow::restoreSettings()
{
    const QSettings store = settings();
    restoreGeometry(store.value(GeometryKey).toByteArray());
    restoreState(store.value(StateKey).toByteArray());
    m_layout.mainSplitter = store.value(MainSplitterKey).toByteArray();
    m_layout.chartSplitter = store.value(ChartSplitterKey).toByteArray();
    m_layout.tableHeader = store.value(TableHeaderKey).toByteArray();
    m_layout.chartTab = store.value(ChartTabKey, 0).toInt();
    const int window = m_windowBox->findData(store.value(ChartWindowKey, SecondsPerMinute));
    m_windowBox->setCurrentIndex(std::max(0, window));
    const int scale = m_cpuScaleBox->findData(store.value(CpuScaleKey, 0));
    m_cpuScaleBox->setCurrentIndex(std::max(0, scale));
}

void MainWindow::saveSettings() const
{
    const StackView::Layout layout = currentView() ? currentView()->saveLayout() : m_layout;
    QSettings store = settings();
    store.setValue(GeometryKey, saveGeometry());
    store.setValue(StateKey, saveState());
    store.setValue(MainSplitterKey, layout.mainSplitter);
    store.setValue(ChartSplitterKey, layout.chartSplitter);
    store.setValue(TableHeaderKey, layout.tableHeader);
    store.setValue(ChartTabKey, layout.chartTab);
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

void MainWindow::closeTab(int index)
{
    if (auto *view = qobject_cast<StackView *>(m_tabs->widget(index))) {
        removeStack(view->stack());
    }
}

void MainWindow::followCurrentTab()
{
    StackView *view = currentView();
    if (m_client) {
        disconnect(m_client, nullptr, this, nullptr);
    }
    if (m_infoReply) {
        disconnect(m_infoReply, nullptr, this, nullptr);
        m_infoReply = nullptr;
    }
    m_stack = view ? view->stack() : nullptr;
    m_client = m_stack ? m_stack->client() : nullptr;
    m_swarmLabel->clear();
    m_swarmLabel->setToolTip(QString());
    if (m_client) {
        connect(m_client, &Core::DockerClient::connected, this, [this] {
            updateEngineStatus();
            queryEngineInfo();
        });
        connect(m_client, &Core::DockerClient::engineLost, this, &MainWindow::updateEngineStatus);
    }
    if (view) {
        m_logPanels->setCurrentWidget(view->logPanel());
    }
    m_central->setCurrentWidget(view ? static_cast<QWidget *>(m_tabs) : m_emptyPage);
    statusBar()->clearMessage();
    updateTitle();
    updateActions();
    updateEngineStatus();
    if (m_client && m_client->isReachable()) {
        queryEngineInfo();
    }
}

void MainWindow::showProgress(const QString &message)
{
    m_busy->showMessage(message);
}

void MainWindow::showLogsDock()
{
    m_logDock->show();
    m_logDock->raise();
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
    const bool services = m_stack && !m_stack->services().isEmpty();
    m_distributionAction->setEnabled(services);
    m_serviceLogsAction->setEnabled(services);
    m_closeTabAction->setEnabled(m_stack);
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

} // namespace Shoal::Ui
