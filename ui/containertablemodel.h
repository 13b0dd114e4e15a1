#pragma once

#include "cpuscale.h"

#include <core/metrics/metricsstore.h>
#include <core/stack/replicainfo.h>

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QIcon>
#include <QPointer>
#include <QVector>

#include <functional>

namespace Shoal::Ui {

/// The replicas of a stack, one row each, joined with their latest metrics.
///
/// Rows follow setReplicas(); metric columns follow the store. Rows that stay are updated
/// in place (dataChanged), so selection and sorting survive the updates that arrive every
/// second. SortRole gives raw values for QSortFilterProxyModel::setSortRole().
class ContainerTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ContainerTableModel)

public:
    enum Column
    {
        NameColumn,
        ServiceColumn,
        StateColumn,
        CpuColumn,
        MemoryColumn,
        RequestsColumn,
        RequestRateColumn,
        P99Column,
        UptimeColumn,
        PortsColumn,
        ColumnCount
    };
    enum Role
    {
        SortRole = Qt::UserRole + 1,
        ReplicaNameRole,
        ServiceNameRole,
    };

    explicit ContainerTableModel(QObject *parent = nullptr);
    ~ContainerTableModel() override;

    /// The store is not owned; it is followed through its updated() signal.
    void setMetricsStore(Core::MetricsStore *store);
    void setReplicas(const QList<Core::ReplicaInfo> &replicas);
    /// Re-reads the latest metrics of every row and reports the metric columns as changed.
    void refreshMetrics();
    /// The clock uptime is measured against; tests pin it.
    void setClock(std::function<QDateTime()> clock);
    void setCpuScale(CpuScale scale);
    CpuScale cpuScale() const { return m_cpuScale; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        Core::ReplicaInfo info;
        Core::ReplicaMetrics metrics;
        bool hasMetrics = false;
    };

    enum class Tone
    {
        Good,
        Busy,
        Bad,
        Idle
    };

    void readMetrics(Row &row, const QStringList &known) const;
    QVariant displayData(const Row &row, int column) const;
    QVariant sortData(const Row &row, int column) const;
    QVariant toolTipData(const Row &row, int column) const;
    qint64 uptimeSeconds(const Row &row) const;
    QIcon stateIcon(const Row &row) const;

    QVector<Row> m_rows;
    QPointer<Core::MetricsStore> m_store;
    QMetaObject::Connection m_storeConnection;
    std::function<QDateTime()> m_clock;
    mutable QHash<int, QIcon> m_icons;
    CpuScale m_cpuScale = CpuScale::PerCore;
};

} // namespace Shoal::Ui
