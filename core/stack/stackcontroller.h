#pragma once

#include <core/compose/composeproject.h>
#include <core/stack/replicainfo.h>

#include <QHash>
#include <QMap>
#include <QObject>

#include <functional>
#include <memory>

namespace Shoal::Core {

class DockerClient;
class MetricsStore;
class ProxyServer;

/// Brings a compose project to the asked number of replicas per service and keeps it there.
///
/// It finds containers by docker compose's labels, so stacks started by `docker compose`
/// are adopted; it names and labels new replicas as compose does. For every published port
/// of a service it runs a ProxyServer on the host port and hands it the running replicas;
/// before a replica is removed it is drained from that proxy. All work is asynchronous on
/// the thread that owns the controller.
class StackController : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StackController)

public:
    /// The most replicas one service may be asked for; more is a typo, not a plan.
    static constexpr int MaxReplicas = 1000;

    StackController(DockerClient *client, const ComposeProject &project, QObject *parent = nullptr);
    ~StackController() override;

    const ComposeProject &project() const { return m_project; }
    MetricsStore *metrics() const { return m_metrics; }
    DockerClient *client() const { return m_client; }

    /// Builds missing images, creates the network, starts the proxies and brings every
    /// service to its scale: the override if given, else the replicas it already has on
    /// the engine (an adopted stack is not changed), else its compose replicas.
    /// Emits upFinished() once.
    void up(const QMap<QString, int> &scaleOverrides = {});
    /// With true, up() rebuilds images of services that have a build section even when the
    /// image exists already.
    void setRebuildImages(bool rebuild);
    /// Scales one service; the last call wins while one is under way. Emits scaleFinished().
    void scale(const QString &service, int replicas);
    /// Stops the proxies, then removes the project's containers and networks, and its
    /// named volumes when `removeVolumes` is set.
    void down(bool removeVolumes = false);
    /// Removes one replica instead of the highest-numbered: drained first, then stopped
    /// and removed; the service's asked scale drops by one. Emits scaleFinished().
    void removeReplica(const QString &containerName);
    /// Restarts one replica: out of rotation, stop with its grace period, start again.
    void restartReplica(const QString &containerName);
    /// Takes one replica out of the proxy's rotation, lets its requests finish, then stops
    /// its container and keeps it; restartReplica() brings it back.
    void stopReplica(const QString &containerName);

    /// Brings one service to its count (the one it had before stopService(), else its
    /// current or compose count), after starting the services it depends on that do not
    /// run, in depends_on order. Emits serviceActionFinished() once.
    void startService(const QString &service);
    /// Drains, stops and removes the replicas of one service; its asked count becomes 0
    /// and startService() brings back the previous one. Emits serviceActionFinished().
    void stopService(const QString &service);
    /// Restarts a service one replica at a time, each drained first and back in rotation
    /// before the next, so that two or more replicas keep serving. Emits
    /// serviceActionFinished().
    void restartService(const QString &service);
    /// Stops the long work under way: aborts the engine calls of the current up, scale or
    /// service start (builds, pulls, creates) and a rolling restart after its current
    /// replica. What exists is kept and becomes the asked count; the running operation
    /// reports "cancelled" through its finished signal.
    void cancel();

    int desiredReplicas(const QString &service) const;
    QList<ReplicaInfo> replicas(const QString &service = {}) const;
    QList<ServiceState> services() const;
    /// The proxy owning a service's first published host port, or nullptr.
    ProxyServer *proxy(const QString &service) const;
    /// All proxies of a service, one per published host port.
    QList<ProxyServer *> proxies(const QString &service) const;
    bool isBusy() const;

Q_SIGNALS:
    void upFinished(bool ok, const QString &error);
    void scaleFinished(const QString &service, bool ok, const QString &error);
    void downFinished(bool ok, const QString &error);
    /// startService(), stopService() or restartService() of `service` is done.
    void serviceActionFinished(const QString &service, bool ok, const QString &error);
    void replicasChanged();
    /// A short line of what is going on ("building whoami-web", "starting whoami-web-3").
    void progress(const QString &message);
    /// A failure the user should see, with the engine's wording and what Shoal was doing.
    void errorOccurred(const QString &message);

private:
    void whenNegotiated(std::function<void()> then, std::function<void(const QString &)> failed);
    /// Reports a service operation that cannot run (unknown service, or `busy`) and says so.
    bool refuseServiceAction(const QString &service, bool busy);

    class Private;
    friend class Private;
    std::unique_ptr<Private> d;
    DockerClient *m_client;
    ComposeProject m_project;
    MetricsStore *m_metrics;
};

} // namespace Shoal::Core
