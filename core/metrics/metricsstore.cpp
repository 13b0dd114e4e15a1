#include "metricsstore.h"

#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <deque>

Q_LOGGING_CATEGORY(lcMetrics, "shoal.core.metrics", QtWarningMsg)

namespace Shoal::Core {

namespace {
constexpr qint64 MsPerSecond = 1000;
constexpr int UpdateCoalesceMs = 200;
} // namespace

struct MetricsStore::Series
{
    ReplicaMetrics latest;
    std::deque<MetricPoint> points; ///< one point a second, oldest first
    qint64 lastRequestsTimeMs = 0;
};

MetricsStore::MetricsStore(QObject *parent)
    : QObject(parent)
{}

MetricsStore::~MetricsStore()
{
    qDeleteAll(m_series);
}

void MetricsStore::setHistorySeconds(int seconds)
{
    m_historySeconds = std::max(1, seconds);
    for (Series *series : std::as_const(m_series)) {
        trim(*series);
    }
}

void MetricsStore::recordCpu(const QString &service, const QString &replica, qint64 timeMs,
                             double cpuPercent, int onlineCpus, quint64 memoryBytes,
                             quint64 memoryLimit)
{
    Series &series = seriesFor(service, replica);
    series.latest.cpuPercent = cpuPercent;
    series.latest.onlineCpus = onlineCpus;
    series.latest.memoryBytes = memoryBytes;
    series.latest.memoryLimit = memoryLimit;

    MetricPoint &point = pointAt(series, timeMs);
    point.cpuPercent = cpuPercent;
    point.memoryBytes = double(memoryBytes);
    trim(series);
    scheduleUpdated();
}

void MetricsStore::setCpuLimit(const QString &service, const QString &replica, double cores,
                               const QString &cpuset, int cpusetCpus)
{
    Series &series = seriesFor(service, replica);
    series.latest.cpuLimit = std::max(0.0, cores);
    series.latest.cpuset = cpusetCpus > 0 ? cpuset : QString();
    series.latest.cpusetCpus = std::max(0, cpusetCpus);
    scheduleUpdated();
}

double MetricsStore::combinedCpuLimit(const QList<ReplicaMetrics> &replicas)
{
    double total = 0;
    QHash<QString, double> pinned; // cpuset -> the limits of the replicas pinned to it
    QHash<QString, int> setSizes;
    for (const ReplicaMetrics &replica : replicas) {
        if (replica.cpuLimit <= 0) {
            return 0;
        }
        if (replica.cpuset.isEmpty()) {
            total += replica.cpuLimit;
        } else {
            pinned[replica.cpuset] += replica.cpuLimit;
            setSizes[replica.cpuset] = replica.cpusetCpus;
        }
    }
    for (auto it = pinned.cbegin(); it != pinned.cend(); ++it) {
        total += std::min(it.value(), double(setSizes.value(it.key())));
    }
    return total;
}

void MetricsStore::recordRequests(const QString &service, const QString &replica, qint64 timeMs,
                                  quint64 requestsTotal, double p50Ms, double p99Ms,
                                  quint64 failures)
{
    Series &series = seriesFor(service, replica);
    ReplicaMetrics &latest = series.latest;

    // The rate comes from two totals and the time between them, so a late or skipped
    // publication of the proxy's counters does not show up as a spike or a dip.
    if (series.lastRequestsTimeMs > 0 && timeMs > series.lastRequestsTimeMs &&
        requestsTotal >= latest.requestsTotal) {
        const double seconds = double(timeMs - series.lastRequestsTimeMs) / MsPerSecond;
        latest.requestsPerSecond = double(requestsTotal - latest.requestsTotal) / seconds;
    } else {
        latest.requestsPerSecond = 0;
    }
    series.lastRequestsTimeMs = timeMs;
    latest.requestsTotal = requestsTotal;
    latest.p50Ms = p50Ms;
    latest.p99Ms = p99Ms;
    latest.failures = failures;

    MetricPoint &point = pointAt(series, timeMs);
    point.requestsTotal = requestsTotal;
    point.requestsPerSecond = latest.requestsPerSecond;
    point.p99Ms = p99Ms;
    trim(series);
    scheduleUpdated();
}

void MetricsStore::removeReplica(const QString &replica)
{
    delete m_series.take(replica);
    scheduleUpdated();
}

QStringList MetricsStore::replicas() const
{
    QStringList names = m_series.keys();
    names.sort();
    return names;
}

QStringList MetricsStore::replicasOfService(const QString &service) const
{
    QStringList names;
    for (auto it = m_series.cbegin(); it != m_series.cend(); ++it) {
        if (it.value()->latest.service == service) {
            names.append(it.key());
        }
    }
    names.sort();
    return names;
}

ReplicaMetrics MetricsStore::latest(const QString &replica) const
{
    const Series *series = m_series.value(replica);
    return series ? series->latest : ReplicaMetrics{};
}

QVector<MetricPoint> MetricsStore::history(const QString &replica, qint64 sinceMs) const
{
    QVector<MetricPoint> result;
    const Series *series = m_series.value(replica);
    if (!series) {
        return result;
    }
    for (const MetricPoint &point : series->points) {
        if (point.timeMs > sinceMs) {
            result.append(point);
        }
    }
    return result;
}

MetricsStore::Series &MetricsStore::seriesFor(const QString &service, const QString &replica)
{
    Series *&series = m_series[replica];
    if (!series) {
        series = new Series;
        series->latest.replica = replica;
        series->latest.service = service;
        qCDebug(lcMetrics) << "tracking" << replica << "of" << service;
    }
    return *series;
}

MetricPoint &MetricsStore::pointAt(Series &series, qint64 timeMs)
{
    const qint64 second = timeMs - timeMs % MsPerSecond;
    auto &points = series.points;
    if (!points.empty() && points.back().timeMs == second) {
        return points.back();
    }
    if (!points.empty() && points.back().timeMs > second) {
        // A late sample for a second already recorded: find it, or give it its own slot
        // in order so that history() stays sorted.
        auto it = std::lower_bound(points.begin(), points.end(), second,
                                   [](const MetricPoint &p, qint64 t) { return p.timeMs < t; });
        if (it != points.end() && it->timeMs == second) {
            return *it;
        }
        MetricPoint fresh;
        fresh.timeMs = second;
        return *points.insert(it, fresh);
    }
    MetricPoint fresh;
    fresh.timeMs = second;
    if (!points.empty()) {
        fresh.requestsTotal = points.back().requestsTotal;
    }
    points.push_back(fresh);
    return points.back();
}

void MetricsStore::trim(Series &series)
{
    if (series.points.empty()) {
        return;
    }
    const qint64 oldest = series.points.back().timeMs - qint64(m_historySeconds) * MsPerSecond;
    while (!series.points.empty() && series.points.front().timeMs <= oldest) {
        series.points.pop_front();
    }
}

void MetricsStore::scheduleUpdated()
{
    if (m_updatePending) {
        return;
    }
    m_updatePending = true;
    QTimer::singleShot(UpdateCoalesceMs, this, [this] {
        m_updatePending = false;
        Q_EMIT updated();
    });
}

} // namespace Shoal::Core
