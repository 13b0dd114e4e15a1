#pragma once

#include "replicaappearance.h"

#include <core/engine/dockerclient.h>
#include <core/stack/stackcontroller.h>

#include <QMainWindow>
#include <QPointer>

class QAction;
class QLabel;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;

namespace Shoal::Ui {

class ContainerTableModel;
class CpuChart;
class MessageBar;
class RequestsChart;
class ServicePanel;

/// Shoal's window: the services with their sliders, the replicas as a table, and charts of
/// CPU and requests per replica, over one StackController.
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
    explicit MainWindow(Core::StackController *stack, QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Follows another stack (or none); the previous one is left as it is.
    void setStack(Core::StackController *stack);
    Core::StackController *stack() const { return m_stack; }

Q_SIGNALS:
    /// The user picked a compose file with Open…; the application loads it and calls
    /// setStack() with a controller for it.
    void composeFileChosen(const QString &path);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createStatusBar();
    QWidget *createCentralWidget();
    void restoreSettings();
    void saveSettings() const;

    void chooseComposeFile();
    void showAbout();
    void showContainerMenu(const QPoint &position);

    void refreshReplicas();
    void updateTitle();
    void updateActions();
    void updateEngineStatus();
    void showFinishedError(const QString &error);

    QPointer<Core::StackController> m_stack;
    QPointer<Core::DockerClient> m_client;
    ReplicaAppearance m_appearance;

    MessageBar *m_messageBar = nullptr;
    ServicePanel *m_services = nullptr;
    ContainerTableModel *m_containers = nullptr;
    QSortFilterProxyModel *m_sortedContainers = nullptr;
    QTableView *m_table = nullptr;
    CpuChart *m_cpuChart = nullptr;
    RequestsChart *m_requestsChart = nullptr;
    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_chartSplitter = nullptr;

    QAction *m_openAction = nullptr;
    QAction *m_upAction = nullptr;
    QAction *m_downAction = nullptr;
    QAction *m_aboutAction = nullptr;
    QAction *m_quitAction = nullptr;

    QLabel *m_engineLabel = nullptr;
    QLabel *m_apiLabel = nullptr;
    QLabel *m_reachableLabel = nullptr;
    bool m_errorJustShown = false;
};

} // namespace Shoal::Ui
