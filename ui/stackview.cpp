#include "stackview.h"

#include "containertablemodel.h"
#include "cpuchart.h"
#include "cputrafficchart.h"
#include "distributiondialog.h"
#include "logging.h"
#include "logpanel.h"
#include "messagebar.h"
#include "replicalinechart.h"
#include "requestratechart.h"
#include "requestschart.h"
#include "servicepanel.h"

#include <core/engine/dockerclient.h>
#include <core/proxy/proxyserver.h>
#include <core/stack/stackcontroller.h>

#include <QAction>
#include <QChart>
#include <QClipboard>
#include <QGuiApplication>
#include <QHeaderView>
#include <QMenu>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace Shoal::Ui {

namespace {
constexpr int DoneMessageMs = 5000;
// The window's default size, which the splitters' first sizes are shares of.
const QSize DefaultSize(1180, 800);
constexpr int NameColumnWidth = 220;
constexpr int StateColumnWidth = 150;
constexpr int MinimumChartHeight = 200;
constexpr double BytesPerMiB = 1024.0 * 1024.0;
} // namespace

StackView::StackView(Core::StackController *stack, QWidget *parent)
    : QWidget(parent)
    , m_stack(stack)
{
    setObjectName(QStringLiteral("stackView:%1").arg(stack->project().name));
    setAccessibleName(tr("Stack %1").arg(stack->project().name));
    m_appearance.setNamePrefix(stack->project().name + QLatin1Char('-'));
    m_messageBar = new MessageBar(this);

    m_services = new ServicePanel;
    connect(m_services, &ServicePanel::distributionTestRequested, this,
            &StackView::openDistributionTest);
    connect(m_services, &ServicePanel::logsRequested, this, &StackView::showLogsOfService);
    const auto toStack = [this](void (Core::StackController::*operation)(const QString &)) {
        return [this, operation](const QString &service) {
            // The window shows the indicator before the call: a refusal finishes at once and
            // hides it again.
            Q_EMIT busyStarted();
            (m_stack->*operation)(service);
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
    connect(m_table, &QWidget::customContextMenuRequested, this, &StackView::showContainerMenu);

    m_requestsChart = new RequestsChart(&m_appearance);
    m_requestsChart->setMinimumHeight(MinimumChartHeight);

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

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_messageBar);
    layout->addWidget(m_mainSplitter, 1);

    // The window puts the panel in its dock; until then it has no parent, and the view
    // deletes it in its destructor either way.
    m_logPanel = new LogPanel(&m_appearance);
    m_logPanel->setObjectName(QStringLiteral("logPanel:%1").arg(stack->project().name));

    createContainerActions();
    connectStack();
}

StackView::~StackView()
{
    delete m_logPanel;
}

LogPanel *StackView::logPanel() const
{
    return m_logPanel;
}

StackView::Layout StackView::saveLayout() const
{
    Layout layout;
    layout.mainSplitter = m_mainSplitter->saveState();
    layout.chartSplitter = m_chartSplitter->saveState();
    layout.tableHeader = m_table->horizontalHeader()->saveState();
    layout.chartTab = m_chartTabs->currentIndex();
    return layout;
}

void StackView::restoreLayout(const Layout &layout)
{
    m_mainSplitter->restoreState(layout.mainSplitter);
    m_chartSplitter->restoreState(layout.chartSplitter);
    m_table->horizontalHeader()->restoreState(layout.tableHeader);
    m_chartTabs->setCurrentIndex(layout.chartTab);
}

void StackView::setChartWindow(int seconds)
{
    m_cpuChart->setWindowSeconds(seconds);
    m_memoryChart->setWindowSeconds(seconds);
    m_latencyChart->setWindowSeconds(seconds);
    m_rateChart->setWindowSeconds(seconds);
    m_cpuTrafficChart->setWindowSeconds(seconds);
}

void StackView::setCpuScale(CpuScale scale)
{
    m_containers->setCpuScale(scale);
    m_cpuChart->setCpuScale(scale);
    m_cpuTrafficChart->setCpuScale(scale);
    m_services->setCpuScale(scale);
}

DistributionDialog *StackView::openDistributionTest(const QString &service)
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
        // Two tabs may run services of the same name.
        dialog->setWindowTitle(tr("%1 — %2").arg(dialog->windowTitle(), m_stack->project().name));
        m_distributionDialogs.insert(service, dialog);
    }
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
    dialog->run();
    return dialog;
}

void StackView::showLogsOfReplica(const QString &replica)
{
    m_logPanel->followReplica(replica);
    Q_EMIT logsRequested();
}

void StackView::showLogsOfService(const QString &service)
{
    m_logPanel->followService(service);
    Q_EMIT logsRequested();
}

QString StackView::currentService() const
{
    const QString service =
        m_table->currentIndex().data(ContainerTableModel::ServiceNameRole).toString();
    if (!service.isEmpty() || !m_stack) {
        return service;
    }
    const QList<Core::ServiceState> services = m_stack->services();
    return services.isEmpty() ? QString() : services.constFirst().name;
}

void StackView::release()
{
    for (const QPointer<DistributionDialog> &dialog : std::as_const(m_distributionDialogs)) {
        if (dialog) {
            dialog->close();
        }
    }
    m_distributionDialogs.clear();
    m_logPanel->setStack(nullptr);
}

void StackView::createContainerActions()
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

    m_stopAction = new QAction(QIcon::fromTheme(QStringLiteral("media-playback-stop")),
                               tr("&Stop This Replica"), this);
    m_stopAction->setObjectName(QStringLiteral("stopReplicaAction"));
    m_stopAction->setShortcut(Qt::CTRL | Qt::SHIFT | Qt::Key_S);
    m_stopAction->setStatusTip(
        tr("Drain the replica, then stop its container and keep it; Restart brings it back"));
    connect(m_stopAction, &QAction::triggered, this, [this] {
        const QString replica = currentReplica();
        if (m_stack && !replica.isEmpty()) {
            m_stack->stopReplica(replica);
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
            Q_EMIT progressShown(tr("Draining %1 before removing it").arg(replica));
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

    for (QAction *action :
         {m_logsAction, m_restartAction, m_stopAction, m_removeAction, m_copyNameAction}) {
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        m_table->addAction(action);
    }
    connect(m_table->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &StackView::updateActions);
}

QWidget *StackView::createCharts()
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
    m_chartTabs->setMinimumHeight(MinimumChartHeight);
    return m_chartTabs;
}

void StackView::connectStack()
{
    Core::StackController *stack = m_stack;
    connect(stack, &Core::StackController::replicasChanged, this, &StackView::refreshReplicas);
    connect(stack, &Core::StackController::progress, this, &StackView::progressShown);
    connect(stack, &Core::StackController::errorOccurred, this, [this](const QString &message) {
        m_messageBar->showError(message);
        // The stack emits a finished signal with a shorter wording of the same failure
        // right after this one, in the same turn of the event loop.
        m_errorJustShown = true;
        QTimer::singleShot(0, this, [this] { m_errorJustShown = false; });
    });
    connect(stack, &Core::StackController::upFinished, this, [this](bool ok, const QString &why) {
        if (ok) {
            Q_EMIT statusMessageShown(tr("The stack is up"), DoneMessageMs);
        } else {
            showFinishedError(why);
        }
        refreshReplicas();
    });
    connect(stack, &Core::StackController::scaleFinished, this,
            [this](const QString &service, bool ok, const QString &error) {
                if (ok) {
                    Q_EMIT statusMessageShown(tr("%1 scaled").arg(service), DoneMessageMs);
                } else {
                    showFinishedError(error);
                }
                updateActions();
            });
    connect(stack, &Core::StackController::serviceActionFinished, this,
            [this](const QString &service, bool ok, const QString &error) {
                if (ok) {
                    Q_EMIT statusMessageShown(tr("%1 is done").arg(service), DoneMessageMs);
                } else {
                    showFinishedError(error);
                }
                updateActions();
            });
    connect(stack, &Core::StackController::downFinished, this,
            [this](bool ok, const QString &error) {
                if (ok) {
                    Q_EMIT statusMessageShown(tr("The stack is down"), DoneMessageMs);
                } else {
                    showFinishedError(error);
                }
                refreshReplicas();
            });
    Core::DockerClient *client = stack->client();
    connect(client, &Core::DockerClient::engineLost, this, [this, client](const QString &reason) {
        m_messageBar->showError(
            tr("Lost the Docker engine at %1: %2").arg(client->endpoint().toString(), reason));
    });

    Core::MetricsStore *metrics = stack->metrics();
    m_containers->setMetricsStore(metrics);
    m_cpuChart->setMetricsStore(metrics);
    m_memoryChart->setMetricsStore(metrics);
    m_latencyChart->setMetricsStore(metrics);
    m_rateChart->setMetricsStore(metrics);
    m_cpuTrafficChart->setMetricsStore(metrics);
    m_requestsChart->setMetricsStore(metrics);
    m_services->setStack(stack);
    m_logPanel->setStack(stack);
    refreshReplicas();
    qCDebug(lcUi) << "view follows" << stack->project().name;
}

void StackView::showContainerMenu(const QPoint &position)
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
    menu->addAction(m_stopAction);
    menu->addAction(m_removeAction);
    menu->addSeparator();
    menu->addAction(m_copyNameAction);
    menu->popup(m_table->viewport()->mapToGlobal(at));
}

QString StackView::currentReplica() const
{
    return m_table->currentIndex().data(ContainerTableModel::ReplicaNameRole).toString();
}

void StackView::refreshReplicas()
{
    m_containers->setReplicas(m_stack ? m_stack->replicas() : QList<Core::ReplicaInfo>());
    updateActions();
}

void StackView::updateActions()
{
    const bool row = m_table->currentIndex().isValid();
    for (QAction *action :
         {m_logsAction, m_restartAction, m_stopAction, m_removeAction, m_copyNameAction}) {
        action->setEnabled(row);
    }
    Q_EMIT stateChanged();
}

void StackView::showFinishedError(const QString &error)
{
    if (error.isEmpty()) {
        return;
    }
    // A cancel the user asked for is news, not a failure.
    if (m_errorJustShown || error == QLatin1String("cancelled")) {
        Q_EMIT statusMessageShown(error, DoneMessageMs);
        return;
    }
    m_messageBar->showError(error);
}

} // namespace Shoal::Ui
