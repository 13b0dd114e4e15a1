#include "servicepanel.h"

#include "logging.h"
#include "refreshthrottle.h"
#include "servicerow.h"

#include <core/metrics/metricsstore.h>
#include <core/stack/stackcontroller.h>

#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace Shoal::Ui {

namespace {
constexpr int CpuRefreshMs = 1000;
// Match the CPU column's and the slider's places in ServiceRow's part of the grid.
constexpr int CpuGridColumn = 3;
constexpr int SliderGridColumn = 11;
} // namespace

ServicePanel::ServicePanel(QWidget *parent)
    : QWidget(parent)
    , m_cpuThrottle(new RefreshThrottle(
          CpuRefreshMs, [this] { refreshCpu(); }, this))
{
    setObjectName(QStringLiteral("servicePanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    rebuild({});
}

ServicePanel::~ServicePanel() = default;

void ServicePanel::setStack(Core::StackController *stack)
{
    if (m_stack) {
        disconnect(m_stack, nullptr, this, nullptr);
    }
    m_stack = stack;
    disconnect(m_metricsConnection);
    if (m_stack && m_stack->metrics()) {
        m_metricsConnection = connect(m_stack->metrics(), &Core::MetricsStore::updated,
                                      m_cpuThrottle, &RefreshThrottle::request);
    }
    if (m_stack) {
        connect(m_stack, &Core::StackController::replicasChanged, this, &ServicePanel::refresh);
        connect(m_stack, &Core::StackController::upFinished, this, &ServicePanel::refresh);
        connect(m_stack, &Core::StackController::downFinished, this, &ServicePanel::refresh);
        connect(m_stack, &Core::StackController::scaleFinished, this,
                [this](const QString &service) {
                    if (ServiceRow *row = m_rows.value(service)) {
                        row->clearPending();
                    }
                    refresh();
                });
    }
    rebuild({});
    refresh();
}

void ServicePanel::refresh()
{
    if (!m_stack) {
        if (!m_order.isEmpty()) {
            rebuild({});
        }
        return;
    }
    const QList<Core::ServiceState> states = m_stack->services();
    QStringList names;
    for (const Core::ServiceState &state : states) {
        names.append(state.name);
    }
    if (names != m_order) {
        rebuild(names);
    }
    for (const Core::ServiceState &state : states) {
        const Core::ServiceSpec *spec = m_stack->project().service(state.name);
        const bool http = !spec || spec->shoal.mode != QLatin1String("tcp");
        m_rows.value(state.name)->setState(state, http);
    }
    refreshCpu();
}

void ServicePanel::setCpuScale(CpuScale scale)
{
    m_cpuScale = scale;
    refreshCpu();
}

void ServicePanel::refreshCpu()
{
    Core::MetricsStore *metrics = m_stack ? m_stack->metrics() : nullptr;
    QList<Core::ReplicaMetrics> everyReplica;
    for (auto it = m_rows.cbegin(); it != m_rows.cend(); ++it) {
        const QStringList replicas = metrics ? metrics->replicasOfService(it.key()) : QStringList();
        QList<Core::ReplicaMetrics> latest;
        for (const QString &replica : replicas) {
            latest.append(metrics->latest(replica));
        }
        everyReplica.append(latest);
        if (replicas.isEmpty()) {
            it.value()->setCpuTotal(-1, QString());
            continue;
        }
        it.value()->setCpuTotal(scaledCpuTotal(latest, m_cpuScale),
                                tr("Sum of %n replica(s). ", nullptr, int(replicas.size())) +
                                    cpuTotalExplanation(latest, m_cpuScale));
    }
    if (!m_stackCpu) {
        return;
    }
    // Over the whole stack at once rather than a sum of the service totals: under a share of
    // the limit, a cpuset that replicas of two services share counts once.
    const QString text =
        cpuTotalText(everyReplica.isEmpty() ? -1 : scaledCpuTotal(everyReplica, m_cpuScale));
    if (m_stackCpu->text() != text) {
        m_stackCpu->setText(text);
    }
    m_stackCpu->setToolTip(
        everyReplica.isEmpty()
            ? QString()
            : tr("Sum of all %n replica(s) of the stack. ", nullptr, int(everyReplica.size())) +
                  cpuTotalExplanation(everyReplica, m_cpuScale));
}

void ServicePanel::rebuild(const QStringList &services)
{
    // The grid is rebuilt only when the project's services change, which is when another
    // compose file is opened; a new host widget drops the old rows and their widgets at once.
    delete m_host;
    m_rows.clear();
    m_stackCpu = nullptr;
    m_order = services;

    m_host = new QWidget(this);
    auto *grid = new QGridLayout(m_host);
    layout()->addWidget(m_host);

    if (services.isEmpty()) {
        auto *empty = new QLabel(m_stack ? tr("This project has no services.")
                                         : tr("Open a compose file to see its services."),
                                 m_host);
        empty->setEnabled(false);
        grid->addWidget(empty, 0, 0);
        return;
    }

    const QStringList headers = {tr("Service"), tr("Image"), tr("Running / asked"),
                                 tr("CPU"),     tr("Proxy"), QString(),
                                 QString(),     QString(),   QString(),
                                 QString(),     QString(),   tr("Scale")};
    for (int column = 0; column < headers.size(); ++column) {
        auto *header = new QLabel(headers.at(column), m_host);
        header->setForegroundRole(QPalette::PlaceholderText);
        grid->addWidget(header, 0, column);
    }
    int row = 1;
    for (const QString &service : services) {
        auto *serviceRow = new ServiceRow(service, grid, row++, m_host);
        connect(serviceRow, &ServiceRow::scaleChosen, this,
                [this](const QString &name, int replicas) {
                    if (m_stack) {
                        m_stack->scale(name, replicas);
                    }
                });
        connect(serviceRow, &ServiceRow::distributionTestRequested, this,
                &ServicePanel::distributionTestRequested);
        connect(serviceRow, &ServiceRow::logsRequested, this, &ServicePanel::logsRequested);
        connect(serviceRow, &ServiceRow::startRequested, this, &ServicePanel::startRequested);
        connect(serviceRow, &ServiceRow::stopRequested, this, &ServicePanel::stopRequested);
        connect(serviceRow, &ServiceRow::restartRequested, this, &ServicePanel::restartRequested);
        m_rows.insert(service, serviceRow);
    }
    if (services.size() > 1) {
        auto *total = new QLabel(tr("All services"), m_host);
        total->setForegroundRole(QPalette::PlaceholderText);
        grid->addWidget(total, row, 0);
        m_stackCpu = new QLabel(cpuTotalText(-1), m_host);
        m_stackCpu->setObjectName(QStringLiteral("stackCpu"));
        m_stackCpu->setAccessibleName(tr("CPU of every replica of the stack"));
        m_stackCpu->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        grid->addWidget(m_stackCpu, row++, CpuGridColumn);
    }
    // The slider takes the spare width so that fine steps are easy to hit.
    grid->setColumnStretch(SliderGridColumn, 1);
    grid->setRowStretch(row, 1);
    qCDebug(lcUi) << "service panel shows" << services;
}

} // namespace Shoal::Ui
