#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

namespace Shoal::Core {

/// One second of one replica.
struct MetricPoint
{
    qint64 timeMs = 0;       ///< ms since the epoch
    double cpuPercent = -1;  ///< -1: no sample this second
    double memoryBytes = -1; ///< -1: no sample this second
    double requestsPerSecond = 0;
    quint64 requestsTotal = 0;
    double p99Ms = 0;
};

/// The latest known state of one replica, for tables and bar charts.
struct ReplicaMetrics
{
    QString replica;
    QString service;
    double cpuPercent = 0;
    int onlineCpus = 0;
    double cpuLimit = 0; ///< cores the container may use; 0: no limit below the host
    QString cpuset;      ///< the CPUs it is pinned to, or empty
    int cpusetCpus = 0;  ///< how many CPUs `cpuset` names
    quint64 memoryBytes = 0;
    quint64 memoryLimit = 0;
    quint64 requestsTotal = 0;
    double requestsPerSecond = 0;
    double p50Ms = 0;
    double p99Ms = 0;
    quint64 failures = 0;
};

/// Time series of CPU, memory and requests per replica, kept for a bounded window.
///
/// It does not know where samples come from: stack control feeds it from the engine's stats
/// stream and the proxy's counters. Lives on the control (GUI) thread.
class MetricsStore : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetricsStore)

public:
    static constexpr int DefaultHistorySeconds = 15 * 60;

    explicit MetricsStore(QObject *parent = nullptr);
    ~MetricsStore() override;

    void setHistorySeconds(int seconds);

    void recordCpu(const QString &service, const QString &replica, qint64 timeMs, double cpuPercent,
                   int onlineCpus, quint64 memoryBytes, quint64 memoryLimit);
    /// The container's CPU limit, from the engine's inspect data; see ReplicaMetrics.
    void setCpuLimit(const QString &service, const QString &replica, double cores,
                     const QString &cpuset, int cpusetCpus);
    /// The CPU that `replicas` may use together, in cores: their limits added, where
    /// replicas pinned to the same cpuset count that set at most once. 0 when one of them
    /// has no limit (or none is known yet): then the host bounds them.
    static double combinedCpuLimit(const QList<ReplicaMetrics> &replicas);
    /// Request counters are totals; the store derives requests per second from them.
    void recordRequests(const QString &service, const QString &replica, qint64 timeMs,
                        quint64 requestsTotal, double p50Ms, double p99Ms, quint64 failures);
    void removeReplica(const QString &replica);

    QStringList replicas() const;
    QStringList replicasOfService(const QString &service) const;
    ReplicaMetrics latest(const QString &replica) const;
    /// Points newer than `sinceMs`, oldest first.
    QVector<MetricPoint> history(const QString &replica, qint64 sinceMs = 0) const;

Q_SIGNALS:
    /// After a batch of samples, at most a few times a second.
    void updated();

private:
    struct Series;
    Series &seriesFor(const QString &service, const QString &replica);
    MetricPoint &pointAt(Series &series, qint64 timeMs);
    void trim(Series &series);
    void scheduleUpdated();

    QHash<QString, Series *> m_series;
    int m_historySeconds = DefaultHistorySeconds;
    bool m_updatePending = false;
};

} // namespace Shoal::Core
