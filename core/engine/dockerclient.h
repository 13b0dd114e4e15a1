#pragma once

#include <core/engine/engineendpoint.h>
#include <core/engine/enginereply.h>

#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QStringList>

namespace Shoal::Core {

/// Asynchronous client of the Docker Engine API over a unix socket, TCP or TLS.
///
/// Every call returns at once with an EngineReply that reports once through finished().
/// Paths are given without the version prefix ("/containers/json"); the client adds the
/// negotiated "/v1.NN" once negotiate() has finished. Nothing here blocks the caller's thread.
class DockerClient : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DockerClient)

public:
    /// The oldest engine API that Shoal speaks, and the newest it asks for.
    static constexpr int MinimumApiMinor = 40;
    static constexpr int MaximumApiMinor = 45;
    /// How long a connection attempt may take, and the default limit for a whole
    /// non-streaming call. Streams (stats, events, logs, build, pull) have no limit.
    static constexpr int ConnectTimeoutMs = 5000;
    static constexpr int DefaultRequestTimeoutMs = 60000;

    explicit DockerClient(const EngineEndpoint &endpoint, QObject *parent = nullptr);
    ~DockerClient() override;

    const EngineEndpoint &endpoint() const { return m_endpoint; }
    /// "1.41" once negotiated, empty before.
    QString apiVersion() const { return m_apiVersion; }
    /// Server version string from /version, e.g. "20.10.24+dfsg1".
    QString engineVersion() const { return m_engineVersion; }
    bool isReachable() const { return m_reachable; }

    /// Limit for a whole non-streaming call; 0 means none.
    void setRequestTimeout(int milliseconds) { m_requestTimeoutMs = milliseconds; }
    int requestTimeout() const { return m_requestTimeoutMs; }

    /// Pings the engine and agrees on an API version. Emits connected() or engineLost().
    /// Calls made before it has finished go out without a version prefix, which the engine
    /// answers with its newest API.
    void negotiate();

    // Generic calls; json bodies are sent as application/json.
    EngineReply *get(const QString &path);
    EngineReply *post(const QString &path, const QJsonObject &body = {});
    EngineReply *postRaw(const QString &path, const QByteArray &body,
                         const QByteArray &contentType);
    EngineReply *deleteResource(const QString &path);
    /// A call whose body is a stream of newline-separated JSON messages (stats, events,
    /// build, pull). Each message arrives through EngineReply::lineReceived().
    EngineReply *stream(const QString &method, const QString &path, const QByteArray &body = {},
                        const QByteArray &contentType = {});

    // Containers.
    EngineReply *listContainers(const QStringList &labelFilters, bool all = true);
    EngineReply *inspectContainer(const QString &idOrName);
    EngineReply *createContainer(const QString &name, const QJsonObject &spec);
    EngineReply *startContainer(const QString &id);
    EngineReply *stopContainer(const QString &id, int timeoutSeconds);
    EngineReply *killContainer(const QString &id, const QString &signal = {});
    /// Also removes the container's anonymous volumes (v=1); named volumes stay.
    EngineReply *removeContainer(const QString &id, bool force = false);
    /// Stats stream, one message a second (stream=true), or two samples (stream=false).
    /// With stream=true every frame arrives through lineReceived(); with stream=false the
    /// single frame (precpu filled, asked with one-shot=false) is in body() and json().
    EngineReply *containerStats(const QString &id, bool stream = true);
    /// Stdout and stderr of a container, the last `tail` lines (all when tail < 0). Without
    /// follow the bytes are in body(); with follow they arrive through dataReceived(). For
    /// containers without a TTY the bytes are multiplexed frames: see LogStreamDecoder.
    EngineReply *containerLogs(const QString &id, bool follow, int tail = 200);

    // Images.
    EngineReply *listImages(const QStringList &labelFilters = {});
    EngineReply *inspectImage(const QString &name);
    /// Removes an image; with force also when containers still use it.
    EngineReply *removeImage(const QString &name, bool force = false);
    /// Builds from a tar archive of the context (see BuildContext); progress as lines.
    EngineReply *buildImage(const QByteArray &contextTar, const QString &tag,
                            const QString &dockerfile = {},
                            const QMap<QString, QString> &buildArgs = {},
                            const QMap<QString, QString> &labels = {});
    /// Pulls an image; progress as lines. A failure inside the stream makes the reply an
    /// error (EngineReply::streamError()). Limited by requestTimeout(), since a pull that
    /// cannot reach its registry must not hang the caller.
    EngineReply *pullImage(const QString &image, const QString &tag = {});

    // Networks and volumes.
    EngineReply *listNetworks(const QStringList &labelFilters);
    EngineReply *createNetwork(const QString &name, const QMap<QString, QString> &labels);
    EngineReply *removeNetwork(const QString &idOrName);
    /// Replies with {"Volumes": [...]}.
    EngineReply *listVolumes(const QStringList &labelFilters);
    EngineReply *createVolume(const QString &name, const QMap<QString, QString> &labels,
                              const QString &driver = {});
    EngineReply *removeVolume(const QString &name);

    /// Engine-wide facts: CPUs, memory, swarm state, storage driver, cgroup version.
    EngineReply *info();

    /// Events stream filtered by labels (e.g. "com.docker.compose.project=whoami").
    EngineReply *events(const QStringList &labelFilters, qint64 sinceUnix = 0);

Q_SIGNALS:
    void connected(const QString &apiVersion);
    void engineLost(const QString &reason);

private:
    enum class BodyMode
    {
        Buffered,
        JsonLines,
        Raw
    };

    EngineReply *send(const QByteArray &method, const QString &path, const QByteArray &body,
                      const QByteArray &contentType, bool streaming);
    EngineReply *send(const QByteArray &method, const QString &path, const QByteArray &body,
                      const QByteArray &contentType, BodyMode mode, int timeoutMs);
    QString versionedPath(const QString &path) const;
    void negotiateVersion();
    void loseEngine(const QString &reason);

    EngineEndpoint m_endpoint;
    QString m_apiVersion;
    QString m_engineVersion;
    int m_requestTimeoutMs = DefaultRequestTimeoutMs;
    bool m_reachable = false;
    bool m_negotiating = false;
};

} // namespace Shoal::Core
