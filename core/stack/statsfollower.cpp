#include "statsfollower.h"

#include <core/engine/containerstats.h>
#include <core/engine/dockerclient.h>
#include <core/metrics/metricsstore.h>

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSet>
#include <QTimer>

Q_LOGGING_CATEGORY(lcStats, "shoal.core.stack.stats", QtWarningMsg)

using namespace Qt::StringLiterals;

namespace Shoal::Core {

StatsFollower::StatsFollower(DockerClient *client, MetricsStore *metrics, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_metrics(metrics)
{}

StatsFollower::~StatsFollower()
{
    stopAll();
}

void StatsFollower::follow(const QList<ReplicaInfo> &replicas)
{
    QSet<QString> running;
    for (const ReplicaInfo &replica : replicas) {
        if (replica.state != u"running") {
            continue;
        }
        running.insert(replica.id);
        if (!m_streams.contains(replica.id)) {
            open(replica);
        }
    }

    const QStringList followed = m_streams.keys();
    for (const QString &id : followed) {
        if (running.contains(id)) {
            continue;
        }
        const Stream stream = m_streams.take(id);
        m_metrics->removeReplica(stream.name);
        if (stream.reply) {
            stream.reply->abort();
        }
    }
}

void StatsFollower::stopAll()
{
    const auto streams = std::exchange(m_streams, {});
    for (const Stream &stream : streams) {
        if (stream.reply) {
            stream.reply->abort();
        }
    }
}

void StatsFollower::open(const ReplicaInfo &replica)
{
    EngineReply *reply = m_client->containerStats(replica.id, true);
    m_streams.insert(replica.id, Stream{reply, replica.name, replica.service});
    qCDebug(lcStats) << "following stats of" << replica.name;

    const QString id = replica.id;
    const QString name = replica.name;
    const QString service = replica.service;
    // The stats stream does not carry the limit; the container's HostConfig does, and it
    // cannot change while the container lives.
    EngineReply *inspect = m_client->inspectContainer(id);
    connect(inspect, &EngineReply::finished, this, [this, inspect, id, name, service] {
        if (inspect->isError() || !m_streams.contains(id)) {
            return;
        }
        const CpuLimit limit = cpuLimitFromInspect(inspect->json().object());
        m_metrics->setCpuLimit(service, name, limit.cores, limit.cpuset, cpusetSize(limit.cpuset));
    });
    connect(reply, &EngineReply::lineReceived, this, [this, name, service](const QByteArray &line) {
        const QJsonObject frame = QJsonDocument::fromJson(line).object();
        const std::optional<StatsSample> sample = computeStatsSample(frame);
        if (!sample) {
            return;
        }
        m_metrics->recordCpu(service, name, QDateTime::currentMSecsSinceEpoch(), sample->cpuPercent,
                             sample->onlineCpus, sample->memoryUsage, sample->memoryLimit);
    });
    connect(reply, &EngineReply::finished, this, [this, reply, id] {
        const auto it = m_streams.find(id);
        if (it == m_streams.end() || it->reply != reply) {
            return;
        }
        // The stream ends when the container stops or the engine goes away. Forget it so
        // the next follow() call reopens it if the replica is still running then.
        qCDebug(lcStats) << "stats stream ended for" << it->name << reply->errorString();
        m_streams.erase(it);
    });
}

} // namespace Shoal::Core
