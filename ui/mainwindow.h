#pragma once

#include "cpuscale.h"
#include "stackview.h"

#include <core/engine/dockerclient.h>
#include <core/stack/stackcontroller.h>

#include <QMainWindow>
#include <QPointer>

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QStackedWidget;
class QTabWidget;
class QToolBar;

namespace Shoal::Ui {

class DistributionDialog;
class ProgressIndicator;

/// Shoal's window: one tab per open stack (a StackView: services with their sliders,
/// replicas as a table, charts and logs), with the menus, the tool bar and the status bar
/// following the current tab.
///
/// The window neither owns nor creates the stacks or their engine clients; the application
/// wires them and adds a tab with addStack() when a compose file is opened. Closing a tab
/// removes its view and reports the stack with stackClosed(), leaving the stack to its
/// owner. Nothing here waits: every action starts an asynchronous call on a stack and the
/// window follows its signals.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    static constexpr int MaximumRecentFiles = 8;

    /// With a stack, opens it as the first tab.
    explicit MainWindow(Core::StackController *stack = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Opens a tab for `stack` (not owned) and makes it current; a stack already shown only
    /// becomes current.
    StackView *addStack(Core::StackController *stack);
    /// Removes the tab of `stack`, leaving the stack as it is; emits stackClosed().
    void removeStack(Core::StackController *stack);
    void setCurrentStack(Core::StackController *stack);
    /// The current tab's stack, or nullptr without tabs.
    Core::StackController *stack() const { return m_stack; }
    /// The stacks in tab order.
    QList<Core::StackController *> stacks() const;
    StackView *currentView() const;
    StackView *viewOf(const Core::StackController *stack) const;

    /// Most recent first; files that no longer exist are left out.
    QStringList recentFiles() const;
    /// The time span of the time charts, in seconds.
    void setChartWindow(int seconds);
    void setCpuScale(CpuScale scale);
    /// Opens the distribution test of a service of the current tab.
    DistributionDialog *openDistributionTest(const QString &service);
    /// Asks for a compose file and an engine, without blocking; emits
    /// composeFileChosenOnEngine() when the user confirms.
    void chooseComposeFileAndEngine();

Q_SIGNALS:
    /// The user picked a compose file (Open…, a recent file, or a drop on the window); the
    /// application opens it in a tab with addStack(), or shows its tab.
    void composeFileChosen(const QString &path);
    /// The user picked a compose file and an engine, a docker context name or an address.
    void composeFileChosenOnEngine(const QString &path, const QString &engine);
    /// The tab of `stack` was closed; its view is gone and the stack is left to its owner.
    void stackClosed(Core::StackController *stack);
    /// Tabs were added, closed or moved.
    void stacksChanged();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    void createViewControls(QToolBar *toolBar);
    void createStatusBar();
    void createLogDock();
    QWidget *createCentralWidget();
    void restoreSettings();
    void saveSettings() const;

    void chooseComposeFile();
    void openComposeFile(const QString &path);
    void addRecentFile(const QString &path);
    void fillRecentMenu();
    void showAbout();
    void closeTab(int index);
    void followCurrentTab();
    void showProgress(const QString &message);
    void showLogsDock();

    void updateTitle();
    void updateActions();
    void updateEngineStatus();
    void queryEngineInfo();

    QPointer<Core::StackController> m_stack;
    QPointer<Core::DockerClient> m_client;
    QPointer<Core::EngineReply> m_infoReply;

    QStackedWidget *m_central = nullptr;
    QTabWidget *m_tabs = nullptr;
    QWidget *m_emptyPage = nullptr;
    QDockWidget *m_logDock = nullptr;
    QStackedWidget *m_logPanels = nullptr;
    QComboBox *m_windowBox = nullptr;
    QComboBox *m_cpuScaleBox = nullptr;
    QMenu *m_recentMenu = nullptr;
    // The layout of the last tab that was current, for new tabs and for the next run.
    StackView::Layout m_layout;

    QAction *m_openAction = nullptr;
    QAction *m_openOnEngineAction = nullptr;
    QAction *m_closeTabAction = nullptr;
    QAction *m_upAction = nullptr;
    QAction *m_downAction = nullptr;
    QAction *m_aboutAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_distributionAction = nullptr;
    QAction *m_serviceLogsAction = nullptr;

    QLabel *m_engineLabel = nullptr;
    QLabel *m_apiLabel = nullptr;
    QLabel *m_reachableLabel = nullptr;
    QLabel *m_swarmLabel = nullptr;
    ProgressIndicator *m_busy = nullptr;
};

} // namespace Shoal::Ui
