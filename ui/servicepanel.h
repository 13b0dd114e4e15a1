#pragma once

#include "cpuscale.h"

#include <core/stack/stackcontroller.h>

#include <QHash>
#include <QPointer>
#include <QStringList>
#include <QWidget>

class QLabel;

namespace Shoal::Ui {

class RefreshThrottle;
class ServiceRow;

/// One row per service of the stack, with a slider that asks stack control for a count.
class ServicePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServicePanel)

public:
    explicit ServicePanel(QWidget *parent = nullptr);
    ~ServicePanel() override;

    /// The stack is not owned; nullptr shows an empty panel.
    void setStack(Core::StackController *stack);
    /// Re-reads the services from the stack.
    void refresh();
    void setCpuScale(CpuScale scale);

Q_SIGNALS:
    void distributionTestRequested(const QString &service);
    void logsRequested(const QString &service);
    void startRequested(const QString &service);
    void stopRequested(const QString &service);
    void restartRequested(const QString &service);

private:
    void rebuild(const QStringList &services);
    void refreshCpu();

    QPointer<Core::StackController> m_stack;
    QWidget *m_host = nullptr;
    QHash<QString, ServiceRow *> m_rows;
    QLabel *m_stackCpu = nullptr; ///< the whole stack's CPU, under the services' own totals
    QStringList m_order;
    RefreshThrottle *m_cpuThrottle;
    QMetaObject::Connection m_metricsConnection;
    CpuScale m_cpuScale = CpuScale::PerCore;
};

} // namespace Shoal::Ui
