#include "containerstats.h"

#include <QJsonArray>
#include <QSet>
#include <QString>
#include <QStringList>

#include <cmath>

namespace Shoal::Core {

namespace {

/// A counter from the engine as an unsigned integer; missing, negative or non-numeric
/// values count as 0 so that a strange frame yields zeros rather than garbage.
quint64 counter(const QJsonValue &value)
{
    if (!value.isDouble()) {
        return 0;
    }
    const qint64 exact = value.toInteger(-1);
    if (exact >= 0) {
        return quint64(exact);
    }
    const double approx = value.toDouble();
    if (!std::isfinite(approx) || approx <= 0 || approx >= 1.8e19) {
        return 0;
    }
    return quint64(approx);
}

double delta(quint64 now, quint64 before)
{
    return now >= before ? double(now - before) : -double(before - now);
}

bool isZeroTime(const QJsonValue &value)
{
    // Go's zero time.Time, which the engine sends as "preread" when it has no previous read.
    return value.isString() && value.toString().startsWith(QLatin1String("0001-01-01"));
}

} // namespace

std::optional<StatsSample> computeStatsSample(const QJsonObject &frame)
{
    const QJsonObject cpu = frame.value(QLatin1String("cpu_stats")).toObject();
    const QJsonObject precpu = frame.value(QLatin1String("precpu_stats")).toObject();
    const quint64 preSystem = counter(precpu.value(QLatin1String("system_cpu_usage")));
    if (preSystem == 0 || isZeroTime(frame.value(QLatin1String("preread")))) {
        return std::nullopt;
    }

    StatsSample sample;
    const QJsonObject usage = cpu.value(QLatin1String("cpu_usage")).toObject();
    const QJsonObject preUsage = precpu.value(QLatin1String("cpu_usage")).toObject();
    const double cpuDelta = delta(counter(usage.value(QLatin1String("total_usage"))),
                                  counter(preUsage.value(QLatin1String("total_usage"))));
    const double systemDelta =
        delta(counter(cpu.value(QLatin1String("system_cpu_usage"))), preSystem);
    // Newer kernels pad percpu_usage with offline CPUs, so its length is only a fallback
    // for engines that do not send online_cpus (docker CLI, calculateCPUPercentUnix).
    quint64 online = counter(cpu.value(QLatin1String("online_cpus")));
    if (online == 0) {
        online = quint64(usage.value(QLatin1String("percpu_usage")).toArray().size());
    }
    sample.onlineCpus = int(std::min<quint64>(online, 1u << 20));
    if (cpuDelta > 0 && systemDelta > 0) {
        sample.cpuPercent = cpuDelta / systemDelta * double(sample.onlineCpus) * 100.0;
    }

    const QJsonObject memory = frame.value(QLatin1String("memory_stats")).toObject();
    const QJsonObject memoryDetail = memory.value(QLatin1String("stats")).toObject();
    const quint64 memoryUsage = counter(memory.value(QLatin1String("usage")));
    // Page cache that the kernel can drop is not "used": cgroup v1 names it
    // total_inactive_file, cgroup v2 inactive_file. Same order of checks as the docker CLI.
    sample.memoryUsage = memoryUsage;
    const QJsonValue v1Inactive = memoryDetail.value(QLatin1String("total_inactive_file"));
    const QJsonValue v2Inactive = memoryDetail.value(QLatin1String("inactive_file"));
    if (!v1Inactive.isUndefined() && counter(v1Inactive) < memoryUsage) {
        sample.memoryUsage = memoryUsage - counter(v1Inactive);
    } else if (counter(v2Inactive) < memoryUsage) {
        sample.memoryUsage = memoryUsage - counter(v2Inactive);
    }
    sample.memoryLimit = counter(memory.value(QLatin1String("limit")));
    if (sample.memoryLimit > 0) {
        sample.memoryPercent = double(sample.memoryUsage) / double(sample.memoryLimit) * 100.0;
    }

    const QJsonObject networks = frame.value(QLatin1String("networks")).toObject();
    for (auto it = networks.constBegin(); it != networks.constEnd(); ++it) {
        const QJsonObject network = it.value().toObject();
        sample.networkRx += counter(network.value(QLatin1String("rx_bytes")));
        sample.networkTx += counter(network.value(QLatin1String("tx_bytes")));
    }
    return sample;
}

int cpusetSize(const QString &cpuset)
{
    // Bounded so that a hostile "0-4294967295" cannot make a figure of it.
    constexpr int MaxCpus = 1 << 16;
    QSet<int> cpus;
    for (const QString &part : cpuset.split(u',', Qt::SkipEmptyParts)) {
        const QStringList range = part.trimmed().split(u'-');
        bool firstOk = false;
        bool lastOk = false;
        const int first = range.first().toInt(&firstOk);
        const int last = range.size() == 2 ? range.at(1).toInt(&lastOk) : first;
        if (range.size() > 2 || !firstOk || (range.size() == 2 && !lastOk) || first < 0 ||
            last < first || last >= MaxCpus) {
            return 0;
        }
        for (int cpu = first; cpu <= last; ++cpu) {
            cpus.insert(cpu);
        }
    }
    return int(cpus.size());
}

CpuLimit cpuLimitFromInspect(const QJsonObject &container)
{
    // The engine's default period when only a quota is set, in microseconds.
    constexpr double DefaultCpuPeriodUs = 100000;
    constexpr double NanosecondsPerCore = 1e9;
    const QJsonObject host = container.value(u"HostConfig").toObject();
    double cores = 0;
    const double nano = host.value(u"NanoCpus").toDouble();
    const double quota = host.value(u"CpuQuota").toDouble();
    if (nano > 0) {
        cores = nano / NanosecondsPerCore;
    } else if (quota > 0) {
        const double period = host.value(u"CpuPeriod").toDouble();
        cores = quota / (period > 0 ? period : DefaultCpuPeriodUs);
    }
    CpuLimit limit;
    limit.cores = cores;
    const QString cpuset = host.value(u"CpusetCpus").toString().trimmed();
    const int pinned = cpusetSize(cpuset);
    if (pinned > 0) {
        limit.cores = cores > 0 ? std::min<double>(cores, pinned) : pinned;
        limit.cpuset = cpuset;
    }
    return limit;
}

} // namespace Shoal::Core
