#pragma once

#include <core/stack/replicainfo.h>

#include <QHash>
#include <QObject>
#include <QPointer>

namespace Shoal::Core {

class DockerClient;
class EngineReply;
class MetricsStore;

/// Keeps one engine stats stream open per running replica and records each computed
/// sample in the metrics store. Streams of replicas that are gone are cancelled.
class StatsFollower : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatsFollower)

public:
    StatsFollower(DockerClient *client, MetricsStore *metrics, QObject *parent = nullptr);
    ~StatsFollower() override;

    /// Opens streams for running replicas that have none and closes the others.
    void follow(const QList<ReplicaInfo> &replicas);
    void stopAll();

private:
    struct Stream
    {
        QPointer<EngineReply> reply;
        QString name;
        QString service;
    };

    void open(const ReplicaInfo &replica);

    DockerClient *m_client;
    MetricsStore *m_metrics;
    QHash<QString, Stream> m_streams; ///< by container id
};

} // namespace Shoal::Core
