#pragma once

#include <QDialog>
#include <QPointer>

class QLabel;
class QProgressBar;
class QPushButton;
class QTreeWidget;

namespace Shoal::Core {
class ProxyServer;
}

namespace Shoal::Ui {

class DistributionTest;
class ReplicaAppearance;

/// A small non-modal window that runs a DistributionTest against a service's proxy and
/// shows how many requests each replica took and how many failed.
class DistributionDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DistributionDialog)

public:
    /// `appearance` must outlive the dialog; the proxy is watched, not owned.
    DistributionDialog(const QString &service, Core::ProxyServer *proxy, quint16 port,
                       ReplicaAppearance *appearance, QWidget *parent = nullptr);
    ~DistributionDialog() override;

    QString service() const { return m_service; }
    DistributionTest *test() const { return m_test; }
    /// Starts a burst unless one is running.
    void run();
    /// Requests counted for a replica in the last result, -1 when it got none.
    int requestsOf(const QString &replica) const;

Q_SIGNALS:
    void testFinished();

private:
    void showResult();

    QString m_service;
    ReplicaAppearance *m_appearance;
    DistributionTest *m_test;
    QLabel *m_summary;
    QProgressBar *m_progress;
    QTreeWidget *m_table;
    QPushButton *m_runButton;
};

} // namespace Shoal::Ui
