#pragma once

#include "cpuscale.h"
#include "replicaappearance.h"

#include <core/engine/dockerclient.h>
#include <core/stack/stackcontroller.h>

#include <QHash>
#include <QMainWindow>
#include <QPointer>

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QSortFilterProxyModel;
class QSplitter;
class QTabWidget;
class QTableView;
class QToolBar;

namespace Shoal::Ui {

class ContainerTableModel;
class CpuChart;
class CpuTrafficChart;
class DistributionDialog;
class LogPanel;
class MessageBar;
class ProgressIndicator;
class ReplicaLineChart;
class RequestRateChart;
class RequestsChart;
class ServicePanel;

/// Shoal's window: the services with their sliders, the replicas as a table, charts of
/// CPU, memory, latency and requests per replica, and a logs panel, over one
/// StackController.
///
/// The window neither owns nor creates the stack or the engine client; the application
/// wires them and may switch to another stack with setStack() when a compose file is
/// opened. Nothing here waits: every action starts an asynchronous call on the stack and
/// the window follows its signals.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    static constexpr int MaximumRecentFiles = 8;

    explicit MainWindow(Core::StackController *stack, QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Follows another stack (or none); the previous one is left as it is.
    void setStack(Core::StackController *stack);
    Core::StackController *stack() const { return m_stack; }

    /// Most recent first; files that no longer exist are left out.
    QStringList recentFiles() const;
    /// The time span of the time charts, in seconds.
    void setChartWindow(int seconds);
    void setCpuScale(CpuScale scale);
    /// Opens the distribution test of a service, or brings its open one forward and runs it.
    DistributionDialog *openDistributionTest(const QString &service);

Q_SIGNALS:
    /// The user picked a compose file (Open…, a recent file, or a drop on the window); the
    /// application loads it and calls setStack() with a controller for it.
    void composeFileChosen(const QString &path);

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    void createContainerActions();
    void createViewControls(QToolBar *toolBar);
    void createStatusBar();
    void createLogDock();
    QWidget *createCentralWidget();
    QWidget *createCharts();
    void restoreSettings();
    void saveSettings() const;

    void chooseComposeFile();
    void openComposeFile(const QString &path);
    void addRecentFile(const QString &path);
    void fillRecentMenu();
    void showAbout();
    void showContainerMenu(const QPoint &position);
    QString currentReplica() const;
    QString currentService() const;
    void showLogsOfReplica(const QString &replica);
    void showLogsOfService(const QString &service);

    void refreshReplicas();
    void updateTitle();
    void updateActions();
    void updateEngineStatus();
    void queryEngineInfo();
    void showFinishedError(const QString &error);

    QPointer<Core::StackController> m_stack;
    QPointer<Core::DockerClient> m_client;
    QPointer<Core::EngineReply> m_infoReply;
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
    QDockWidget *m_logDock = nullptr;
    LogPanel *m_logPanel = nullptr;
    QComboBox *m_windowBox = nullptr;
    QComboBox *m_cpuScaleBox = nullptr;
    QMenu *m_recentMenu = nullptr;
    QHash<QString, QPointer<DistributionDialog>> m_distributionDialogs;

    QAction *m_openAction = nullptr;
    QAction *m_upAction = nullptr;
    QAction *m_downAction = nullptr;
    QAction *m_aboutAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_logsAction = nullptr;
    QAction *m_restartAction = nullptr;
    QAction *m_removeAction = nullptr;
    QAction *m_copyNameAction = nullptr;
    QAction *m_distributionAction = nullptr;
    QAction *m_serviceLogsAction = nullptr;

    QLabel *m_engineLabel = nullptr;
    QLabel *m_apiLabel = nullptr;
    QLabel *m_reachableLabel = nullptr;
    QLabel *m_swarmLabel = nullptr;
    ProgressIndicator *m_busy = nullptr;
    bool m_errorJustShown = false;
};

} // namespace Shoal::Ui
