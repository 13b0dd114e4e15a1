#pragma once

#include "cpuscale.h"
#include "replicaappearance.h"

#include <core/stack/stackcontroller.h>

#include <QHash>
#include <QPointer>
#include <QWidget>

class QAction;
class QSortFilterProxyModel;
class QSplitter;
class QTabWidget;
class QTableView;

namespace Shoal::Ui {

class ContainerTableModel;
class CpuChart;
class CpuTrafficChart;
class DistributionDialog;
class LogPanel;
class MessageBar;
class ReplicaLineChart;
class RequestRateChart;
class RequestsChart;
class ServicePanel;

/// One open stack in the window, shown as a tab: its services with their sliders, its
/// replicas as a table, its charts, its logs panel and its distribution dialogs, over one
/// StackController that it neither owns nor creates.
///
/// Failures of its stack show in its own message bar, whichever tab is current; short
/// status lines and progress go out as signals for the window's status bar, which shows
/// only those of the current tab.
class StackView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StackView)

public:
    /// The sizes a user gave the view's splitters and table, carried from tab to tab and
    /// from run to run.
    struct Layout
    {
        QByteArray mainSplitter;
        QByteArray chartSplitter;
        QByteArray tableHeader;
        int chartTab = 0;
    };

    explicit StackView(Core::StackController *stack, QWidget *parent = nullptr);
    ~StackView() override;

    Core::StackController *stack() const { return m_stack; }
    /// The logs panel lives in the window's dock, not in this widget; the view still owns it
    /// and deletes it when it goes.
    LogPanel *logPanel() const;
    MessageBar *messageBar() const { return m_messageBar; }
    QTableView *table() const { return m_table; }

    Layout saveLayout() const;
    void restoreLayout(const Layout &layout);
    void setChartWindow(int seconds);
    void setCpuScale(CpuScale scale);

    /// Opens the distribution test of a service, or brings its open one forward and runs it.
    DistributionDialog *openDistributionTest(const QString &service);
    void showLogsOfReplica(const QString &replica);
    void showLogsOfService(const QString &service);
    /// The service of the table's current row, else the first service.
    QString currentService() const;
    /// Closes the distribution dialogs and ends the log streams, before the tab goes.
    void release();

Q_SIGNALS:
    /// A step of work began; the window shows it with its busy indicator.
    void progressShown(const QString &message);
    /// A service action is about to start on the stack.
    void busyStarted();
    /// A short line for the status bar: done, or a failure already shown in the banner.
    void statusMessageShown(const QString &message, int timeoutMs);
    /// The stack's replicas, its busy state or the table's current row changed.
    void stateChanged();
    /// The logs panel was given something to follow; the window shows its dock.
    void logsRequested();

private:
    void createContainerActions();
    QWidget *createCharts();
    void connectStack();
    void showContainerMenu(const QPoint &position);
    QString currentReplica() const;
    void refreshReplicas();
    void updateActions();
    void showFinishedError(const QString &error);

    QPointer<Core::StackController> m_stack;
    ReplicaAppearance m_appearance;

    MessageBar *m_messageBar = nullptr;
    ServicePanel *m_services = nullptr;
    ContainerTableModel *m_containers = nullptr;
    QSortFilterProxyModel *m_sortedContainers = nullptr;
    QTableView *m_table = nullptr;
    QTabWidget *m_chartTabs = nullptr;
    CpuChart *m_cpuChart = nullptr;
    ReplicaLineChart *m_memoryChart = nullptr;
    ReplicaLineChart *m_latencyChart = nullptr;
    RequestRateChart *m_rateChart = nullptr;
    CpuTrafficChart *m_cpuTrafficChart = nullptr;
    RequestsChart *m_requestsChart = nullptr;
    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_chartSplitter = nullptr;
    QPointer<LogPanel> m_logPanel;
    QHash<QString, QPointer<DistributionDialog>> m_distributionDialogs;

    QAction *m_logsAction = nullptr;
    QAction *m_restartAction = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_removeAction = nullptr;
    QAction *m_copyNameAction = nullptr;
    bool m_errorJustShown = false;
};

} // namespace Shoal::Ui
