#include "stackcontroller.h"

#include "composelabels.h"
#include "healthchecker.h"
#include "readinessprobe.h"
#include "replicaspec.h"
#include "startuporder.h"
#include "statsfollower.h"

#include <core/engine/buildcontext.h>
#include <core/engine/dockerclient.h>
#include <core/metrics/metricsstore.h>
#include <core/proxy/proxyserver.h>

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QSet>
#include <QThreadPool>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>
#include <functional>
#include <optional>

Q_LOGGING_CATEGORY(lcStack, "shoal.core.stack", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace Shoal::Core {

namespace {

constexpr int RefreshDebounceMs = 100;
constexpr int EventsRetryFirstMs = 500;
constexpr int EventsRetryMaxMs = 4000;
constexpr int DrainSlackMs = 2000;
constexpr int UpPollIntervalMs = 1000;
/// A replica that has not passed its x-shoal.health_path is probed again after this long.
constexpr int HealthRetryMs = 5000;
/// After a "die" event, the listing is read again this often while it still shows the
/// container running, for at most DyingWatchMs.
constexpr int DyingRecheckMs = 250;
constexpr qint64 DyingWatchMs = 10000;
const QString CancelledError = QStringLiteral("cancelled");

// Settles a step that waits for several asynchronous calls: the callback runs once,
// after the last of `count` parts has reported, with the first error seen.
class Barrier
{
public:
    Barrier(int count, std::function<void(const QString &)> done)
        : m_remaining(count)
        , m_done(std::move(done))
    {
        if (m_remaining == 0) {
            m_done({});
        }
    }

    void arrive(const QString &error = {})
    {
        if (!error.isEmpty() && m_error.isEmpty()) {
            m_error = error;
        }
        if (--m_remaining == 0) {
            m_done(m_error);
        }
    }

private:
    int m_remaining;
    QString m_error;
    std::function<void(const QString &)> m_done;
};

QString stripSlash(const QString &name)
{
    return name.startsWith(u'/') ? name.mid(1) : name;
}

QString healthFromStatus(const QString &status)
{
    if (status.contains(u"(healthy)")) {
        return u"healthy"_s;
    }
    if (status.contains(u"(unhealthy)")) {
        return u"unhealthy"_s;
    }
    if (status.contains(u"(health: starting)")) {
        return u"starting"_s;
    }
    return {};
}

// "Exited (137) 3 seconds ago" -> 137
int exitCodeFromStatus(const QString &status)
{
    if (!status.startsWith(u"Exited (")) {
        return -1;
    }
    const qsizetype close = status.indexOf(u')');
    bool ok = false;
    const int code = status.mid(8, close - 8).toInt(&ok);
    return ok ? code : -1;
}

ReplicaInfo replicaFromListing(const QJsonObject &entry)
{
    ReplicaInfo replica;
    replica.id = entry.value(u"Id").toString();
    const QJsonArray names = entry.value(u"Names").toArray();
    replica.name = names.isEmpty() ? replica.id.left(12) : stripSlash(names.first().toString());
    const QJsonObject labels = entry.value(u"Labels").toObject();
    replica.service = labels.value(ComposeLabels::Service).toString();
    replica.number = labels.value(ComposeLabels::ContainerNumber).toString().toInt();
    replica.configHash = labels.value(ComposeLabels::ShoalConfigHash).toString();
    replica.state = entry.value(u"State").toString();
    replica.health = healthFromStatus(entry.value(u"Status").toString());
    replica.exitCode = exitCodeFromStatus(entry.value(u"Status").toString());
    for (const QJsonValue &value : entry.value(u"Ports").toArray()) {
        const QJsonObject port = value.toObject();
        const int publicPort = port.value(u"PublicPort").toInt();
        const QString ip = port.value(u"IP").toString();
        if (publicPort > 0 && (ip == u"127.0.0.1" || ip == u"0.0.0.0")) {
            replica.publishedPorts.append(
                {port.value(u"PrivatePort").toInt(), quint16(publicPort)});
        }
    }
    std::sort(replica.publishedPorts.begin(), replica.publishedPorts.end());
    replica.publishedPorts.erase(
        std::unique(replica.publishedPorts.begin(), replica.publishedPorts.end()),
        replica.publishedPorts.end());
    return replica;
}

quint16 hostPortFor(const ReplicaInfo &replica, int containerPort)
{
    for (const auto &mapping : replica.publishedPorts) {
        if (mapping.first == containerPort) {
            return mapping.second;
        }
    }
    return 0;
}

} // namespace

class StackController::Private
{
public:
    struct ProxyBinding
    {
        ProxyServer *server = nullptr;
        int containerPort = 0;
        QString address; ///< "127.0.0.1:8080"
    };

    struct ServiceRuntime
    {
        int desired = -1;    ///< -1 until up() or scale() says
        int beforeStop = -1; ///< the count stopService() took away, for startService()
        bool busy = false;
        bool again = false;
        bool userAsked = false;
        /// After a cancel, replicas whose create was already under way may still appear;
        /// they are kept, not removed as drift, until the user asks for a count again.
        bool adoptAfterCancel = false;
        bool stopping = false; ///< stopService() waits for this service's scale to finish
        QList<ProxyBinding> proxies;
    };

    explicit Private(StackController *controller)
        : q(controller)
        , refreshTimer(new QTimer(controller))
        , stats(new StatsFollower(controller->m_client, controller->m_metrics, controller))
        , health(new HealthChecker(controller))
        , upPoll(new QTimer(controller))
    {
        refreshTimer->setSingleShot(true);
        refreshTimer->setInterval(RefreshDebounceMs);
        QObject::connect(refreshTimer, &QTimer::timeout, q, [this] { refresh(); });
        upPoll->setInterval(UpPollIntervalMs);
        QObject::connect(upPoll, &QTimer::timeout, q, [this] { scheduleRefresh(); });
        for (const ServiceSpec &service : q->m_project.services) {
            services.insert(service.name, ServiceRuntime{});
        }
        QObject::connect(health, &HealthChecker::healthChanged, q,
                         [this](const QString &id, bool healthy) {
                             if (replicas.contains(id)) {
                                 const ReplicaInfo &replica = replicas[id];
                                 Q_EMIT q->progress(u"%1 %2 its health check"_s.arg(
                                     replica.name, healthy ? u"passes"_s : u"fails"_s));
                             }
                             scheduleRefresh();
                         });
        QObject::connect(q, &StackController::scaleFinished, q,
                         [this](const QString &service, bool ok, const QString &error) {
                             onScaleFinished(service, ok, error);
                         });
    }

    // --- state from the engine -------------------------------------------------------

    void scheduleRefresh()
    {
        if (!refreshTimer->isActive()) {
            refreshTimer->start();
        }
    }

    void refresh(std::function<void()> then = {})
    {
        const QStringList filters{ComposeLabels::Project + u'=' + q->m_project.name};
        EngineReply *reply = q->m_client->listContainers(filters, true);
        const quint64 sequence = ++refreshesIssued;
        QObject::connect(reply, &EngineReply::finished, q, [this, reply, then, sequence] {
            if (reply->isError()) {
                qCWarning(lcStack) << "listing containers failed:" << reply->errorString();
                if (then) {
                    then();
                }
                return;
            }
            // Listings run concurrently and may answer out of order; an older one must not
            // undo what a newer one saw (a container that exited would look running again).
            if (sequence > refreshApplied) {
                refreshApplied = sequence;
                applyListing(reply->json().array());
            }
            if (then) {
                then();
            }
        });
    }

    void applyListing(const QJsonArray &entries)
    {
        QMap<QString, ReplicaInfo> fresh;
        for (const QJsonValue &value : entries) {
            const QJsonObject entry = value.toObject();
            const QJsonObject labels = entry.value(u"Labels").toObject();
            if (labels.value(ComposeLabels::OneOff)
                    .toString()
                    .compare(u"true"_s, Qt::CaseInsensitive) == 0) {
                continue;
            }
            ReplicaInfo replica = replicaFromListing(entry);
            if (!services.contains(replica.service)) {
                continue;
            }
            const ReplicaInfo previous = replicas.value(replica.id);
            replica.startedAt = previous.startedAt.isValid() || replica.state != u"running"
                                    ? previous.startedAt
                                    : QDateTime::currentDateTimeUtc();
            if (removing.contains(replica.id)) {
                replica.state = u"draining"_s;
            }
            if (previous.state != replica.state) {
                qCDebug(lcStack) << replica.name << "is" << replica.state;
            }
            fresh.insert(replica.id, replica);
        }

        // A probe of a replica that stopped would wait out its timeout, and could meet
        // another replica that got the same ephemeral port in the meantime.
        for (auto it = probing.begin(); it != probing.end();) {
            const ReplicaInfo replica = fresh.value(it.key());
            if (replica.state == u"running") {
                ++it;
                continue;
            }
            if (it.value()) {
                it.value()->deleteLater();
            }
            it = probing.erase(it);
        }
        for (auto it = ready.begin(); it != ready.end();) {
            const ReplicaInfo replica = fresh.value(*it);
            if (replica.id.isEmpty() || replica.state != u"running") {
                it = ready.erase(it);
            } else {
                ++it;
            }
        }
        replicas = fresh;
        recheckDying();

        for (ReplicaInfo &replica : replicas) {
            if (!health->isHealthy(replica.id)) {
                replica.health = u"unhealthy"_s;
            }
        }
        probeNewReplicas();
        updateHealthTargets();
        updateProxies();
        stats->follow(replicas.values());
        Q_EMIT q->replicasChanged();
        reconcileDrift();
        advanceUp();
    }

    // The engine sends "die" before its listing shows the container stopped (it first tears
    // down the container's network and mounts), so a listing that follows the event can
    // still say running; without another event the replica would stay in rotation.
    void recheckDying()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        bool again = false;
        for (auto it = dying.begin(); it != dying.end();) {
            const ReplicaInfo replica = replicas.value(it.key());
            if (replica.state != u"running" || now > it.value()) {
                it = dying.erase(it);
            } else {
                again = true;
                ++it;
            }
        }
        if (again) {
            QTimer::singleShot(DyingRecheckMs, q, [this] { scheduleRefresh(); });
        }
    }

    // A replica that vanished or died without being asked (docker rm -f, a crash with
    // restart "no") leaves the service short; put it back the way the user asked.
    void reconcileDrift()
    {
        for (auto it = services.begin(); it != services.end(); ++it) {
            if (it->desired < 0 || it->busy || upInProgress) {
                continue;
            }
            const int active = int(activeReplicas(it.key()).size());
            if (it->adoptAfterCancel && active > it->desired) {
                it->desired = active;
                continue;
            }
            if (active != it->desired) {
                qCInfo(lcStack) << "service" << it.key() << "drifted from" << it->desired
                                << "replicas; reconciling";
                reconcile(it.key());
            }
        }
    }

    QList<ReplicaInfo> activeReplicas(const QString &service) const
    {
        QList<ReplicaInfo> result;
        for (const ReplicaInfo &replica : replicas) {
            if (replica.service == service && !removing.contains(replica.id) &&
                replica.state != u"dead" && replica.state != u"removing") {
                result.append(replica);
            }
        }
        std::sort(result.begin(), result.end(),
                  [](const ReplicaInfo &a, const ReplicaInfo &b) { return a.number < b.number; });
        return result;
    }

    int highestNumber(const QString &service) const
    {
        int highest = 0;
        for (const ReplicaInfo &replica : replicas) {
            if (replica.service == service) {
                highest = std::max(highest, replica.number);
            }
        }
        return highest;
    }

    // --- rotation --------------------------------------------------------------------

    bool needsHealthy(const ServiceSpec &service) const
    {
        return service.healthcheck && !service.healthcheck->disabled &&
               !service.healthcheck->test.isEmpty() && service.healthcheck->test.first() != u"NONE";
    }

    /// A replica the user picked by container name, with its service's definition in
    /// `service`; null when the name is unknown (gone meanwhile) or its service is not in
    /// the project.
    const ReplicaInfo *pickedReplica(const QString &name, const ServiceSpec **service) const
    {
        for (const ReplicaInfo &replica : replicas) {
            if (replica.name == name) {
                *service = q->m_project.service(replica.service);
                return *service ? &replica : nullptr;
            }
        }
        return nullptr;
    }

    /// Out of the rotation on purpose, and not probed into it again.
    bool heldOut(const QString &id) const
    {
        return restarting.contains(id) || stopping.contains(id);
    }

    bool inRotation(const ReplicaInfo &replica) const
    {
        if (replica.state != u"running" || removing.contains(replica.id) || heldOut(replica.id)) {
            return false;
        }
        if (!health->isHealthy(replica.id)) {
            return false;
        }
        const ServiceSpec *service = q->m_project.service(replica.service);
        if (service && needsHealthy(*service)) {
            return replica.health == u"healthy";
        }
        return ready.contains(replica.id);
    }

    // Replicas of services with x-shoal.health_path that are running and past their
    // readiness probe get checked periodically.
    void updateHealthTargets()
    {
        QList<HealthChecker::Target> targets;
        for (const ReplicaInfo &replica : std::as_const(replicas)) {
            const ServiceSpec *service = q->m_project.service(replica.service);
            if (!service || service->shoal.healthPath.isEmpty() || replica.state != u"running" ||
                removing.contains(replica.id) || heldOut(replica.id) ||
                !ready.contains(replica.id) || replica.publishedPorts.isEmpty()) {
                continue;
            }
            targets.append(
                {replica.id, replica.publishedPorts.first().second, service->shoal.healthPath});
        }
        health->setTargets(targets);
    }

    void probeNewReplicas()
    {
        for (const ReplicaInfo &replica : std::as_const(replicas)) {
            if (replica.state != u"running" || ready.contains(replica.id) ||
                probing.contains(replica.id) || removing.contains(replica.id) ||
                heldOut(replica.id)) {
                continue;
            }
            const ServiceSpec *service = q->m_project.service(replica.service);
            if (!service || needsHealthy(*service) || replica.publishedPorts.isEmpty() ||
                service->shoal.mode == u"tcp") {
                ready.insert(replica.id);
                continue;
            }
            qCDebug(lcStack) << "probing" << replica.name << "on 127.0.0.1 port"
                             << replica.publishedPorts.first().second;
            const QString id = replica.id;
            // With a health path the user named what "ready" means: a 2xx or 3xx there.
            const bool gated = !service->shoal.healthPath.isEmpty();
            auto *probe = new ReadinessProbe(
                replica.publishedPorts.first().second, service->shoal.healthPath,
                gated ? ReadinessProbe::Expect::SuccessStatus : ReadinessProbe::Expect::AnyAnswer,
                q);
            QObject::connect(probe, &ReadinessProbe::finished, q, [this, id, gated](bool ok) {
                probing.remove(id);
                // A replica that began a restart meanwhile was probed before it stopped.
                if (!replicas.contains(id) || heldOut(id)) {
                    return;
                }
                if (!ok && gated) {
                    // It stays out of the rotation and is asked again later; a replica that
                    // never passes never takes a request.
                    qCWarning(lcStack) << "replica" << replicas.value(id).name
                                       << "has not passed its health path yet; kept out of the "
                                          "proxy's rotation";
                    QTimer::singleShot(HealthRetryMs, q, [this] { probeNewReplicas(); });
                    return;
                }
                if (!ok) {
                    qCWarning(lcStack) << "replica" << replicas.value(id).name
                                       << "did not answer HTTP on its published port";
                }
                // Without a health path, even a replica that never answered joins the
                // rotation: the proxy's passive health takes it out again, and the user sees
                // its failures.
                ready.insert(id);
                updateHealthTargets();
                updateProxies();
                Q_EMIT q->replicasChanged();
            });
            probing.insert(replica.id, probe);
            probe->start();
        }
    }

    void updateProxies()
    {
        for (auto it = services.begin(); it != services.end(); ++it) {
            const ServiceSpec *service = q->m_project.service(it.key());
            for (const ProxyBinding &binding : std::as_const(it->proxies)) {
                QList<ProxyBackend> backends;
                for (ReplicaInfo &replica : replicas) {
                    if (replica.service != it.key()) {
                        continue;
                    }
                    replica.inRotation = inRotation(replica);
                    const quint16 port = hostPortFor(replica, binding.containerPort);
                    if (replica.inRotation && port != 0) {
                        ProxyBackend backend;
                        backend.id = replica.name;
                        backend.port = port;
                        // Weights follow the replica number, so a replacement for replica 2
                        // keeps replica 2's share.
                        backend.weight = service ? service->shoal.weightOf(replica.number) : 1;
                        backends.append(backend);
                    }
                }
                if (backends != binding.server->backends()) {
                    binding.server->setBackends(backends);
                }
            }
        }
    }

    // --- scaling ---------------------------------------------------------------------

    void reconcile(const QString &serviceName)
    {
        ServiceRuntime &runtime = services[serviceName];
        if (runtime.busy) {
            runtime.again = true;
            return;
        }
        const ServiceSpec *service = q->m_project.service(serviceName);
        if (!service || runtime.desired < 0) {
            return;
        }
        runtime.busy = true;
        runtime.again = false;

        // Plan from a fresh listing, not from the last one: after the engine was away, or
        // between two events, the cached states can be stale (a replica that died while
        // no listing could be made still looks running).
        const quint64 generation = cancelGeneration;
        refresh([this, serviceName, generation] { reconcileListed(serviceName, generation); });
    }

    void reconcileListed(const QString &serviceName, quint64 generation)
    {
        ServiceRuntime &runtime = services[serviceName];
        const ServiceSpec *service = q->m_project.service(serviceName);
        const QList<ReplicaInfo> active = activeReplicas(serviceName);
        const int desired = runtime.desired;

        auto finish = [this, serviceName, generation](const QString &partError) {
            ServiceRuntime &state = services[serviceName];
            state.busy = false;
            const bool cancelled = generation != cancelGeneration;
            const QString error = cancelled ? CancelledError : partError;
            if (cancelled) {
                // Before the listing below, whose drift check must not resume the scale.
                state.desired = int(activeReplicas(serviceName).size());
                state.adoptAfterCancel = true;
            }
            refresh([this, serviceName, error, cancelled] {
                ServiceRuntime &after = services[serviceName];
                if (cancelled) {
                    // What was made before the cancel stays and becomes the asked count.
                    after.again = false;
                    after.desired = int(activeReplicas(serviceName).size());
                    after.adoptAfterCancel = true;
                }
                if (!error.isEmpty()) {
                    Q_EMIT q->errorOccurred(error);
                }
                if (after.again) {
                    reconcile(serviceName);
                    return;
                }
                Q_EMIT q->scaleFinished(serviceName, error.isEmpty(), error);
            });
        };

        if (generation != cancelGeneration) {
            finish({});
            return;
        }
        if (active.size() < desired) {
            const int missing = desired - int(active.size());
            int next = highestNumber(serviceName);
            QList<ReplicaInfo> stopped;
            for (const ReplicaInfo &replica : active) {
                if (replica.state != u"running" && replica.state != u"restarting") {
                    stopped.append(replica);
                }
            }
            auto barrier = std::make_shared<Barrier>(missing + int(stopped.size()), finish);
            for (const ReplicaInfo &replica : stopped) {
                startReplica(replica.id, replica.name, barrier);
            }
            for (int i = 0; i < missing; ++i) {
                // A cancel can come from a receiver of the progress signal, mid-loop.
                if (generation != cancelGeneration) {
                    barrier->arrive(CancelledError);
                    continue;
                }
                createReplica(*service, ++next, barrier);
            }
        } else if (active.size() > desired) {
            const QList<ReplicaInfo> victims = active.mid(desired);
            auto barrier = std::make_shared<Barrier>(int(victims.size()), finish);
            for (const ReplicaInfo &replica : victims) {
                removeReplica(*service, replica, barrier);
            }
        } else if (const ReplicaInfo *outdated = findOutdated(*service, active);
                   outdated && runtime.userAsked) {
            recreate(*service, *outdated, std::make_shared<Barrier>(1, finish));
        } else {
            QList<ReplicaInfo> stopped;
            if (runtime.userAsked) {
                for (const ReplicaInfo &replica : active) {
                    if (replica.state == u"created" || replica.state == u"exited") {
                        stopped.append(replica);
                    }
                }
            }
            auto barrier = std::make_shared<Barrier>(int(stopped.size()), finish);
            for (const ReplicaInfo &replica : stopped) {
                startReplica(replica.id, replica.name, barrier);
            }
        }
    }

    void createReplica(const ServiceSpec &service, int number, std::shared_ptr<Barrier> barrier)
    {
        createReplica(service, number,
                      [barrier](const QString &, const QString &error) { barrier->arrive(error); });
    }

    // Creates and starts replica `number`; `done` gets its id or the error.
    void createReplica(const ServiceSpec &service, int number,
                       std::function<void(const QString &, const QString &)> done)
    {
        // container_name replaces compose's name; such a service never has a second replica.
        const QString name =
            service.containerName.isEmpty()
                ? ReplicaSpec::containerName(q->m_project.name, service.name, number)
                : service.containerName;
        Q_EMIT q->progress(u"creating %1"_s.arg(name));
        const QJsonObject body = ReplicaSpec::createBody(q->m_project, service, number);
        EngineReply *reply = track(q->m_client->createContainer(name, body));
        QObject::connect(reply, &EngineReply::finished, q, [this, reply, service, name, done] {
            if (reply->isError()) {
                QString message = reply->errorString();
                if (reply->statusCode() == 409) {
                    message += u" (a container that is not part of this stack has the name; "
                               "remove or rename it)"_s;
                }
                done({}, message);
                return;
            }
            const QString id = reply->json().object().value(u"Id").toString();
            connectExtraNetworks(service, id, [this, id, name, done](const QString &error) {
                if (!error.isEmpty()) {
                    done(id, error);
                    return;
                }
                auto started = std::make_shared<Barrier>(
                    1, [id, done](const QString &startError) { done(id, startError); });
                startReplica(id, name, started);
            });
        });
    }

    const ReplicaInfo *findOutdated(const ServiceSpec &service, const QList<ReplicaInfo> &active)
    {
        const QString hash = ReplicaSpec::configHash(service);
        for (const ReplicaInfo &replica : active) {
            if (!replica.configHash.isEmpty() && replica.configHash != hash) {
                return &replicas[replica.id];
            }
        }
        return nullptr;
    }

    // A changed definition replaces replicas one at a time: the new one takes traffic
    // before the old one is drained, so the service never runs short.
    void recreate(const ServiceSpec &service, const ReplicaInfo &old,
                  std::shared_ptr<Barrier> barrier)
    {
        Q_EMIT q->progress(u"recreating %1: its definition changed"_s.arg(old.name));
        services[service.name].again = true;
        const ServiceSpec spec = service;
        const ReplicaInfo previous = old;
        createReplica(spec, highestNumber(service.name) + 1,
                      [this, spec, previous, barrier](const QString &id, const QString &error) {
                          if (!error.isEmpty()) {
                              services[spec.name].again = false;
                              barrier->arrive(error);
                              return;
                          }
                          scheduleRefresh();
                          waitUntilInRotation(id, [this, spec, previous, barrier] {
                              removeReplica(spec, previous, barrier);
                          });
                      });
    }

    void waitUntilInRotation(const QString &id, std::function<void()> then)
    {
        auto *timer = new QTimer(q);
        auto deadline = std::make_shared<QElapsedTimer>();
        deadline->start();
        QObject::connect(timer, &QTimer::timeout, q, [this, timer, deadline, id, then] {
            const bool serving = replicas.contains(id) && inRotation(replicas.value(id));
            if (!serving && deadline->elapsed() < ReadinessProbe::DefaultTimeoutMs) {
                return;
            }
            timer->deleteLater();
            then();
        });
        timer->start(RefreshDebounceMs);
    }

    void startReplica(const QString &id, const QString &name, std::shared_ptr<Barrier> barrier)
    {
        Q_EMIT q->progress(u"starting %1"_s.arg(name));
        EngineReply *reply = track(q->m_client->startContainer(id));
        QObject::connect(reply, &EngineReply::finished, q, [this, reply, barrier] {
            barrier->arrive(reply->isError() ? reply->errorString() : QString());
            scheduleRefresh();
        });
    }

    // Out of rotation first, then the proxy lets its requests finish, then the container
    // gets its stop signal with the grace period, then it goes.
    void removeReplica(const ServiceSpec &service, const ReplicaInfo &replica,
                       std::shared_ptr<Barrier> barrier)
    {
        removing.insert(replica.id);
        ready.remove(replica.id);
        replicas[replica.id].state = u"draining"_s;
        Q_EMIT q->progress(u"draining %1"_s.arg(replica.name));
        Q_EMIT q->replicasChanged();

        const QString id = replica.id;
        const QString name = replica.name;
        const int graceSeconds = ReplicaSpec::stopTimeoutSeconds(service);
        drain(service, replica, [this, id, name, graceSeconds, barrier] {
            stopAndRemoveContainer(id, name, graceSeconds, [this, id, barrier](const QString &e) {
                removing.remove(id);
                barrier->arrive(e);
            });
        });
    }

    // Takes a replica out of its service's proxies and calls `then` once, when each proxy
    // that held it reports it idle. The caller has already marked it out of rotation.
    void drain(const ServiceSpec &service, const ReplicaInfo &replica, std::function<void()> then)
    {
        QList<ProxyServer *> holding;
        for (const ProxyBinding &binding : std::as_const(services[service.name].proxies)) {
            const QList<ProxyBackend> backends = binding.server->backends();
            const bool present =
                std::any_of(backends.cbegin(), backends.cend(), [&](const ProxyBackend &backend) {
                    return backend.id == replica.name;
                });
            if (present) {
                holding.append(binding.server);
            }
        }

        const QString name = replica.name;
        auto called = std::make_shared<bool>(false);
        auto runOnce = [then, called] {
            if (!*called) {
                *called = true;
                then();
            }
        };

        if (holding.isEmpty()) {
            runOnce();
            return;
        }

        auto waiting = std::make_shared<int>(int(holding.size()));
        for (ProxyServer *server : holding) {
            auto connection = std::make_shared<QMetaObject::Connection>();
            *connection =
                QObject::connect(server, &ProxyServer::backendDrained, q,
                                 [name, waiting, runOnce, connection](const QString &drained) {
                                     if (drained != name) {
                                         return;
                                     }
                                     QObject::disconnect(*connection);
                                     if (--*waiting == 0) {
                                         runOnce();
                                     }
                                 });
            server->drainBackend(name);
        }
        updateProxies();
        // The proxy bounds the drain itself; this only guards against a signal that never
        // comes, so that a scale-down cannot hang.
        const int guardMs = int(service.stopGracePeriodMs) +
                            holding.first()->config().drainTimeoutMs + DrainSlackMs;
        QTimer::singleShot(guardMs, q, runOnce);
    }

    // Stops a container with its grace period, then removes it; one already gone counts
    // as removed. `done` gets the engine's message when it could not be removed.
    void stopAndRemoveContainer(const QString &id, const QString &name, int graceSeconds,
                                std::function<void(const QString &)> done)
    {
        Q_EMIT q->progress(u"stopping %1"_s.arg(name));
        EngineReply *stop = q->m_client->stopContainer(id, graceSeconds);
        QObject::connect(stop, &EngineReply::finished, q, [this, stop, id, name, done] {
            if (stop->isError() && stop->statusCode() != 404) {
                qCWarning(lcStack) << "stopping" << name << "failed:" << stop->errorString();
            }
            EngineReply *remove = q->m_client->removeContainer(id, true);
            QObject::connect(remove, &EngineReply::finished, q, [remove, done] {
                const bool gone = !remove->isError() || remove->statusCode() == 404;
                done(gone ? QString() : remove->errorString());
            });
        });
    }

    // --- bringing up ----------------------------------------------------------------

    // The networks the services use: PROJECT_default for those that name none, and every
    // declared one that is not external. Existing ones (by name) are kept as they are.
    void ensureNetworks(std::function<void(const QString &)> done)
    {
        QMap<QString, QString> wanted; // engine name -> compose key
        for (const ServiceSpec &service : q->m_project.services) {
            if (service.networks.isEmpty()) {
                wanted.insert(ReplicaSpec::defaultNetworkName(q->m_project.name), u"default"_s);
            }
            for (const QString &key : service.networks) {
                wanted.insert(ReplicaSpec::networkName(q->m_project, key), key);
            }
        }
        for (const NetworkSpec &network : q->m_project.networks) {
            if (network.external) {
                wanted.remove(network.name);
            } else if (network.name != u"default") {
                wanted.insert(ReplicaSpec::networkName(q->m_project, network.name), network.name);
            }
        }

        EngineReply *list = q->m_client->get(u"/networks"_s);
        QObject::connect(list, &EngineReply::finished, q, [this, list, wanted, done] {
            if (list->isError()) {
                done(list->errorString());
                return;
            }
            QMap<QString, QString> missing = wanted;
            for (const QJsonValue &value : list->json().array()) {
                missing.remove(value.toObject().value(u"Name").toString());
            }
            auto barrier = std::make_shared<Barrier>(int(missing.size()), done);
            for (auto it = missing.cbegin(); it != missing.cend(); ++it) {
                createNetwork(it.key(), it.value(), barrier);
            }
        });
    }

    void createNetwork(const QString &name, const QString &key, std::shared_ptr<Barrier> barrier)
    {
        Q_EMIT q->progress(u"creating network %1"_s.arg(name));
        QJsonObject labels{{ComposeLabels::Project, q->m_project.name},
                           {ComposeLabels::Network, key}};
        QJsonObject body{{u"Name"_s, name}, {u"CheckDuplicate"_s, true}};
        for (const NetworkSpec &network : q->m_project.networks) {
            if (network.name != key) {
                continue;
            }
            if (!network.driver.isEmpty()) {
                body.insert(u"Driver"_s, network.driver);
            }
            for (auto it = network.labels.cbegin(); it != network.labels.cend(); ++it) {
                labels.insert(it.key(), it.value());
            }
        }
        body.insert(u"Labels"_s, labels);
        EngineReply *create = q->m_client->post(u"/networks/create"_s, body);
        QObject::connect(create, &EngineReply::finished, q, [this, create, name, barrier] {
            if (!create->isError()) {
                networksCreatedByUp.append(name);
            }
            // 409: another tool created it between our look and our create.
            const bool failed = create->isError() && create->statusCode() != 409;
            barrier->arrive(failed ? u"creating network %1: %2"_s.arg(name, create->errorString())
                                   : QString());
        });
    }

    // Declared named volumes get compose's labels so that `down --volumes` (ours or
    // compose's) finds them. Creating an existing volume is a no-op for the engine.
    void ensureVolumes(std::function<void(const QString &)> done)
    {
        QList<VolumeSpec> declared;
        for (const VolumeSpec &volume : q->m_project.volumes) {
            if (!volume.external) {
                declared.append(volume);
            }
        }
        auto barrier = std::make_shared<Barrier>(int(declared.size()), done);
        for (const VolumeSpec &volume : declared) {
            QMap<QString, QString> labels = volume.labels;
            labels.insert(ComposeLabels::Project, q->m_project.name);
            labels.insert(ComposeLabels::Volume, volume.name);
            EngineReply *create = q->m_client->createVolume(q->m_project.name + u'_' + volume.name,
                                                            labels, volume.driver);
            QObject::connect(create, &EngineReply::finished, q, [create, barrier] {
                barrier->arrive(create->isError() ? create->errorString() : QString());
            });
        }
    }

    // An up that failed before any container of the project existed (a missing image, a
    // port in use) takes back the networks it made, so that a typo leaves nothing behind.
    void removeNetworksOfFailedUp(std::function<void()> then)
    {
        const QStringList created = std::exchange(networksCreatedByUp, {});
        if (created.isEmpty()) {
            then();
            return;
        }
        EngineReply *list =
            q->m_client->listContainers({ComposeLabels::Project + u'=' + q->m_project.name});
        QObject::connect(list, &EngineReply::finished, q, [this, list, created, then] {
            if (list->isError() || !list->json().array().isEmpty()) {
                then();
                return;
            }
            auto removed =
                std::make_shared<Barrier>(int(created.size()), [then](const QString &) { then(); });
            for (const QString &name : created) {
                EngineReply *remove = q->m_client->removeNetwork(name);
                QObject::connect(remove, &EngineReply::finished, q,
                                 [removed] { removed->arrive(); });
            }
        });
    }

    // Only on request: named volumes hold data that outlives the containers.
    void removeVolumes(std::function<void(const QString &)> done)
    {
        if (!removeVolumesOnDown) {
            done({});
            return;
        }
        EngineReply *list =
            q->m_client->listVolumes({ComposeLabels::Project + u'=' + q->m_project.name});
        QObject::connect(list, &EngineReply::finished, q, [this, list, done] {
            const QJsonArray volumes = list->json().object().value(u"Volumes").toArray();
            auto barrier = std::make_shared<Barrier>(int(volumes.size()), done);
            for (const QJsonValue &value : volumes) {
                const QString name = value.toObject().value(u"Name").toString();
                Q_EMIT q->progress(u"removing volume %1"_s.arg(name));
                EngineReply *remove = q->m_client->removeVolume(name);
                QObject::connect(remove, &EngineReply::finished, q, [remove, barrier] {
                    barrier->arrive(remove->isError() ? remove->errorString() : QString());
                });
            }
        });
    }

    // The engine attaches a new container to one network; the service's others are
    // connected before it starts, with the service name as alias on each.
    void connectExtraNetworks(const ServiceSpec &service, const QString &id,
                              std::function<void(const QString &)> done)
    {
        const QStringList extra = service.networks.mid(1);
        auto barrier = std::make_shared<Barrier>(int(extra.size()), done);
        for (const QString &key : extra) {
            const QString network = ReplicaSpec::networkName(q->m_project, key);
            QJsonObject body{
                {u"Container"_s, id},
                {u"EndpointConfig"_s, QJsonObject{{u"Aliases"_s, QJsonArray{service.name}}}}};
            EngineReply *reply = q->m_client->post(u"/networks/%1/connect"_s.arg(network), body);
            QObject::connect(reply, &EngineReply::finished, q, [reply, network, barrier] {
                barrier->arrive(reply->isError()
                                    ? u"joining %1: %2"_s.arg(network, reply->errorString())
                                    : QString());
            });
        }
    }

    void ensureImage(const ServiceSpec &service, std::function<void(const QString &)> done)
    {
        const QString image = service.imageName(q->m_project.name);
        EngineReply *inspect = q->m_client->inspectImage(image);
        QObject::connect(inspect, &EngineReply::finished, q, [this, inspect, service, image, done] {
            const bool exists = !inspect->isError();
            if (exists && !(rebuildImages && service.build)) {
                done({});
                return;
            }
            if (inspect->isError() && inspect->statusCode() != 404) {
                done(inspect->errorString());
                return;
            }
            if (service.build) {
                buildImage(service, image, done);
            } else {
                pullImage(image, done);
            }
        });
    }

    void buildImage(const ServiceSpec &service, const QString &image,
                    std::function<void(const QString &)> done)
    {
        Q_EMIT q->progress(u"building %1 from %2"_s.arg(image, service.build->context));
        const BuildSpec build = *service.build;
        QPointer<StackController> guard(q);
        // Packing reads the whole context from disk, so it runs on the thread pool.
        const quint64 generation = cancelGeneration;
        QThreadPool::globalInstance()->start([this, guard, build, image, done, generation] {
            PackedContext packed = packBuildContext(build.context);
            QMetaObject::invokeMethod(
                guard.data(),
                [this, guard, packed = std::move(packed), build, image, done, generation] {
                    if (!guard) {
                        return;
                    }
                    if (!packed.error.isEmpty()) {
                        done(u"building %1: %2"_s.arg(image, packed.error));
                        return;
                    }
                    QMap<QString, QString> labels{{ComposeLabels::Project, q->m_project.name}};
                    if (generation != cancelGeneration) {
                        done(CancelledError);
                        return;
                    }
                    EngineReply *reply = track(q->m_client->buildImage(
                        packed.tar, image, build.dockerfile, build.args, labels));
                    QObject::connect(reply, &EngineReply::lineReceived, q,
                                     [](const QByteArray &line) {
                                         qCDebug(lcStack) << "build:" << line.trimmed();
                                     });
                    QObject::connect(reply, &EngineReply::finished, q, [reply, image, done] {
                        if (reply->wasCancelled()) {
                            done(CancelledError);
                            return;
                        }
                        done(reply->isError()
                                 ? u"building %1: %2"_s.arg(image, reply->errorString())
                                 : QString());
                    });
                },
                Qt::QueuedConnection);
        });
    }

    void pullImage(const QString &image, std::function<void(const QString &)> done)
    {
        Q_EMIT q->progress(u"pulling %1"_s.arg(image));
        QUrlQuery query;
        const qsizetype colon = image.lastIndexOf(u':');
        const bool hasTag = colon > image.lastIndexOf(u'/');
        query.addQueryItem(u"fromImage"_s, hasTag ? image.left(colon) : image);
        query.addQueryItem(u"tag"_s, hasTag ? image.mid(colon + 1) : u"latest"_s);
        EngineReply *reply = track(
            q->m_client->stream("POST", u"/images/create?"_s + query.toString(QUrl::FullyEncoded)));
        QObject::connect(reply, &EngineReply::finished, q, [reply, image, done] {
            if (reply->wasCancelled()) {
                done(CancelledError);
                return;
            }
            done(reply->isError()
                     ? u"image %1 is not on this engine and pulling it failed: %2"_s.arg(
                           image, reply->errorString())
                     : QString());
        });
    }

    QString startProxies()
    {
        for (const ServiceSpec &service : q->m_project.services) {
            ServiceRuntime &runtime = services[service.name];
            if (!runtime.proxies.isEmpty()) {
                continue;
            }
            for (const PortMapping &port : service.ports) {
                if (port.published <= 0 || port.protocol != u"tcp") {
                    continue;
                }
                const int count = std::max(port.publishedEnd, port.published) - port.published;
                for (int offset = 0; offset <= count; ++offset) {
                    ProxyConfig config;
                    const bool anyAddress =
                        port.hostIp.isEmpty() || port.hostIp == u"0.0.0.0" || port.hostIp == u"::";
                    config.listenAddress = anyAddress ? QHostAddress(QHostAddress::LocalHost)
                                                      : QHostAddress(port.hostIp);
                    config.listenPort = quint16(port.published + offset);
                    config.mode = service.shoal.mode == u"tcp" ? ProxyConfig::Mode::Tcp
                                                               : ProxyConfig::Mode::Http;
                    if (service.shoal.balance == u"least-connections") {
                        config.balance = ProxyConfig::Balance::LeastConnections;
                    } else if (service.shoal.balance == u"weighted") {
                        config.balance = ProxyConfig::Balance::WeightedRoundRobin;
                    }
                    config.drainTimeoutMs = int(service.stopGracePeriodMs);
                    auto *server = new ProxyServer(config, q);
                    const QString address =
                        u"%1:%2"_s.arg(config.listenAddress.toString()).arg(config.listenPort);
                    if (!server->start()) {
                        // The proxy's own message names the address already.
                        const QString error =
                            u"service %1: %2"_s.arg(service.name, server->errorString());
                        delete server;
                        return error;
                    }
                    qCInfo(lcStack) << "proxy for" << service.name << "on" << address;
                    const QString serviceName = service.name;
                    QObject::connect(
                        server, &ProxyServer::countersUpdated, q,
                        [this, server, serviceName] { recordCounters(serviceName, server); });
                    runtime.proxies.append(ProxyBinding{server, port.target + offset, address});
                }
            }
        }
        return {};
    }

    void recordCounters(const QString &service, ProxyServer *server)
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const BackendCounters &counters : server->counters()) {
            q->m_metrics->recordRequests(service, counters.id, now, counters.requests,
                                         counters.p50Ms, counters.p99Ms, counters.failures);
        }
    }

    void subscribeEvents()
    {
        if (events) {
            return;
        }
        const QStringList filters{ComposeLabels::Project + u'=' + q->m_project.name};
        // The engine may register the subscription only after the calls that follow it
        // (a busy daemon): asking from a second ago on replays what happened meanwhile.
        if (lastEventTime == 0) {
            lastEventTime = QDateTime::currentSecsSinceEpoch() - 1;
        }
        events = q->m_client->events(filters, lastEventTime);
        QObject::connect(events, &EngineReply::lineReceived, q, [this](const QByteArray &line) {
            const QJsonObject event = QJsonDocument::fromJson(line).object();
            lastEventTime = std::max<qint64>(lastEventTime, event.value(u"time").toInteger());
            eventsRetryMs = EventsRetryFirstMs;
            if (event.value(u"Action").toString() == u"die") {
                const QString id = event.value(u"Actor").toObject().value(u"ID").toString();
                dying.insert(id.isEmpty() ? event.value(u"id").toString() : id,
                             QDateTime::currentMSecsSinceEpoch() + DyingWatchMs);
            }
            scheduleRefresh();
        });
        QObject::connect(events, &EngineReply::finished, q, [this] {
            events = nullptr;
            if (shuttingDown) {
                return;
            }
            // The stream ends when the engine goes away. Try again with a growing pause;
            // `since` makes the engine replay what happened in between, and a refresh
            // re-reads the whole state in any case.
            QTimer::singleShot(eventsRetryMs, q, [this] {
                if (shuttingDown || events) {
                    return;
                }
                q->m_client->negotiate();
                subscribeEvents();
                scheduleRefresh();
            });
            eventsRetryMs = std::min(eventsRetryMs * 2, EventsRetryMaxMs);
        });
    }

    void stopEvents()
    {
        if (events) {
            events->abort();
            events = nullptr;
        }
    }

    struct UpState
    {
        QString service;        ///< startService()'s service; empty for the whole stack
        QSet<QString> waiting;  ///< not started yet: depends_on not satisfied
        QSet<QString> launched; ///< being scaled
        QSet<QString> started;  ///< scaled: replicas created and started
        QStringList errors;
    };

    EngineReply *track(EngineReply *reply)
    {
        inflight.removeAll(nullptr);
        inflight.append(reply);
        return reply;
    }

    bool upCancelled() const { return upGeneration != cancelGeneration; }

    // The service and, transitively, the services it depends on, that the project has.
    QSet<QString> withDependencies(const QString &service) const
    {
        QSet<QString> result;
        QStringList pending{service};
        while (!pending.isEmpty()) {
            const QString name = pending.takeLast();
            const ServiceSpec *spec = q->m_project.service(name);
            if (!spec || result.contains(name)) {
                continue;
            }
            result.insert(name);
            for (const DependsOn &dependency : spec->dependsOn) {
                pending.append(dependency.service);
            }
        }
        return result;
    }

    // A dependency that runs, or a one-shot job that completed, is left as it is.
    bool alreadyUp(const QString &service) const
    {
        const QList<ReplicaInfo> active = activeReplicas(service);
        const bool running = std::any_of(active.cbegin(), active.cend(),
                                         [](const auto &r) { return r.state == u"running"; });
        const bool completed =
            !active.isEmpty() && std::all_of(active.cbegin(), active.cend(), [](const auto &r) {
                return r.state == u"exited" && r.exitCode == 0;
            });
        return running || completed;
    }

    // Networks, volumes, images and proxies, then the services of `targets` in start order.
    void bringUp(const QString &only)
    {
        upInProgress = true;
        shuttingDown = false;
        if (upCancelled()) {
            failUp(only, CancelledError);
            return;
        }
        const QSet<QString> targets = only.isEmpty() ? QSet<QString>() : withDependencies(only);
        QList<ServiceSpec> images;
        for (const ServiceSpec &service : q->m_project.services) {
            if (targets.isEmpty() || targets.contains(service.name)) {
                images.append(service);
            }
        }
        auto resources = std::make_shared<Barrier>(2, [this, only, images](const QString &e) {
            if (!e.isEmpty()) {
                failUp(only, u"preparing %1: %2"_s.arg(q->m_project.name, e));
                return;
            }
            auto built =
                std::make_shared<Barrier>(int(images.size()), [this, only](const QString &error) {
                    afterImages(only, error);
                });
            for (const ServiceSpec &service : images) {
                ensureImage(service, [built](const QString &error) { built->arrive(error); });
            }
        });
        ensureNetworks([resources](const QString &e) { resources->arrive(e); });
        ensureVolumes([resources](const QString &e) { resources->arrive(e); });
    }

    void afterImages(const QString &only, const QString &imageError)
    {
        if (!imageError.isEmpty() || upCancelled()) {
            failUp(only, imageError);
            return;
        }
        const QString proxyError = startProxies();
        if (!proxyError.isEmpty()) {
            failUp(only, proxyError);
            return;
        }
        subscribeEvents();
        refresh([this, only] {
            if (upCancelled()) {
                failUp(only, CancelledError);
                return;
            }
            reconcileForUp(only);
        });
    }

    void reconcileForUp(const QString &only)
    {
        const QString cycle = StartupOrder::findCycle(q->m_project);
        if (!cycle.isEmpty()) {
            failUp(only, u"depends_on has a cycle: %1"_s.arg(cycle));
            return;
        }
        const QSet<QString> targets = only.isEmpty() ? QSet<QString>() : withDependencies(only);
        UpState state;
        state.service = only;
        for (const ServiceSpec &service : q->m_project.services) {
            if (!targets.isEmpty() && !targets.contains(service.name)) {
                continue;
            }
            auto &runtime = services[service.name];
            const int existing = int(activeReplicas(service.name).size());
            if (only.isEmpty()) {
                // A service that already runs (started by docker compose, or by an earlier
                // Shoal) keeps its scale unless the user asked for another: opening a stack
                // is not a request to change it.
                runtime.desired =
                    scaleOverrides.value(service.name, existing > 0 ? existing : service.replicas);
            } else if (service.name == only) {
                // Back to the count it had before it was stopped, else the one it has.
                const int previous = runtime.beforeStop > 0 ? runtime.beforeStop : runtime.desired;
                runtime.desired = std::max(
                    1, previous > 0 ? previous : (existing > 0 ? existing : service.replicas));
                runtime.beforeStop = -1;
            } else if (alreadyUp(service.name)) {
                state.started.insert(service.name);
                continue;
            } else {
                runtime.desired =
                    existing > 0
                        ? existing
                        : std::max(1, runtime.desired > 0 ? runtime.desired : service.replicas);
            }
            state.waiting.insert(service.name);
            runtime.userAsked = true;
            runtime.adoptAfterCancel = false;
            if (runtime.desired > 1 && !service.containerName.isEmpty()) {
                failUp(only, u"service %1 sets container_name %2 and cannot have %3 replicas"_s
                                 .arg(service.name, service.containerName)
                                 .arg(runtime.desired));
                return;
            }
        }
        upState = state;
        advanceUp();
    }

    void finishUp(const QString &only, bool ok, const QString &error)
    {
        upInProgress = false;
        if (only.isEmpty()) {
            Q_EMIT q->upFinished(ok, error);
        } else {
            Q_EMIT q->serviceActionFinished(only, ok, error);
        }
    }

    // Starts every waiting service whose dependencies allow it; finishes `up` when none is
    // left. Runs again whenever a service finishes scaling or the replicas change (health).
    void advanceUp()
    {
        if (!upState) {
            return;
        }
        if (upCancelled()) {
            // Services not launched yet stay as they are; launched ones report their
            // cancelled scale, and the last of them finishes the up.
            for (const QString &name : std::as_const(upState->waiting)) {
                ServiceRuntime &runtime = services[name];
                runtime.desired = int(activeReplicas(name).size());
                runtime.adoptAfterCancel = true;
            }
            upState->waiting.clear();
            if (!upState->errors.contains(CancelledError)) {
                upState->errors.prepend(CancelledError);
            }
        }
        const QList<ReplicaInfo> known = replicas.values();
        const QStringList waiting = upState->waiting.values();
        for (const QString &name : waiting) {
            const ServiceSpec *service = q->m_project.service(name);
            const StartupOrder::Decision decision =
                StartupOrder::check(q->m_project, *service, upState->started, known);
            if (decision.readiness == StartupOrder::Readiness::Waiting) {
                continue;
            }
            upState->waiting.remove(name);
            if (decision.readiness == StartupOrder::Readiness::Failed) {
                upState->errors.append(decision.reason);
                Q_EMIT q->errorOccurred(decision.reason);
                continue;
            }
            upState->launched.insert(name);
            reconcile(name);
        }

        // Dependencies are followed through events; a slow poll covers one that got lost.
        if (!upState->waiting.isEmpty() && !upPoll->isActive()) {
            upPoll->start();
        }
        const bool blocked = !upState->waiting.isEmpty() && upState->launched.isEmpty() &&
                             !upState->errors.isEmpty();
        if ((upState->waiting.isEmpty() && upState->launched.isEmpty()) || blocked) {
            QStringList errors = upState->errors;
            errors.removeDuplicates();
            const QString only = upState->service;
            upState.reset();
            upPoll->stop();
            networksCreatedByUp.clear();
            finishUp(only, errors.isEmpty(), errors.join(u'\n'));
        }
    }

    void onScaleFinished(const QString &service, bool ok, const QString &error)
    {
        // find(), not []: a refused scale of an unknown service reports here too.
        const auto runtime = services.find(service);
        if (runtime != services.end() && std::exchange(runtime->stopping, false)) {
            Q_EMIT q->serviceActionFinished(service, ok, error);
        }
        if (!upState || !upState->launched.remove(service)) {
            return;
        }
        upState->started.insert(service);
        if (!ok) {
            upState->errors.append(error);
        }
        advanceUp();
    }

    void failUp(const QString &only, const QString &reason)
    {
        const QString error = upCancelled() ? CancelledError : reason;
        upState.reset();
        upPoll->stop();
        removeNetworksOfFailedUp([this, only, error] {
            if (error != CancelledError) {
                Q_EMIT q->errorOccurred(error);
            }
            finishUp(only, false, error);
        });
    }

    // One replica after the other: out of rotation, drained, restarted, and back in
    // rotation before the next one goes, so a service with two or more keeps serving.
    void restartNext(const QString &serviceName, QStringList ids, quint64 generation,
                     QStringList errors)
    {
        ServiceRuntime &runtime = services[serviceName];
        const ServiceSpec *spec = q->m_project.service(serviceName);
        if (ids.isEmpty() || generation != cancelGeneration || !spec) {
            if (generation != cancelGeneration) {
                errors.prepend(CancelledError);
            }
            runtime.busy = false;
            refresh([this, serviceName, errors] {
                for (const QString &error : errors) {
                    if (error != CancelledError) {
                        Q_EMIT q->errorOccurred(error);
                    }
                }
                Q_EMIT q->serviceActionFinished(serviceName, errors.isEmpty(), errors.join(u'\n'));
                if (services[serviceName].again) {
                    reconcile(serviceName);
                }
            });
            return;
        }
        const QString id = ids.takeFirst();
        if (!replicas.contains(id) || removing.contains(id)) {
            restartNext(serviceName, ids, generation, errors);
            return;
        }
        const ReplicaInfo replica = replicas.value(id);
        restarting.insert(id);
        ready.remove(id);
        Q_EMIT q->progress(u"draining %1 to restart it"_s.arg(replica.name));
        Q_EMIT q->replicasChanged();
        const int grace = ReplicaSpec::stopTimeoutSeconds(*spec);
        drain(
            *spec, replica,
            [this, serviceName, id, name = replica.name, grace, ids, generation, errors]() mutable {
                Q_EMIT q->progress(u"restarting %1"_s.arg(name));
                EngineReply *reply =
                    q->m_client->post(u"/containers/%1/restart?t=%2"_s.arg(id).arg(grace));
                QObject::connect(reply, &EngineReply::finished, q, [=]() mutable {
                    if (reply->isError()) {
                        errors.append(u"restarting %1: %2"_s.arg(name, reply->errorString()));
                    }
                    // Only a listing made after the restart shows its new port; a probe of
                    // the old one could reach another container.
                    refresh([=] {
                        restarting.remove(id);
                        ready.remove(id);
                        probeNewReplicas();
                        updateProxies();
                        Q_EMIT q->replicasChanged();
                        waitUntilInRotation(
                            id, [=] { restartNext(serviceName, ids, generation, errors); });
                    });
                });
            });
    }

    StackController *q;
    QTimer *refreshTimer;
    StatsFollower *stats;
    HealthChecker *health;
    QTimer *upPoll;
    QHash<QString, ServiceRuntime> services;
    QMap<QString, ReplicaInfo> replicas; ///< by container id
    QSet<QString> removing;
    QSet<QString> ready;
    QHash<QString, QPointer<ReadinessProbe>> probing; ///< by container id
    QHash<QString, qint64> dying; ///< container id -> until when a "die" is watched for
    QPointer<EngineReply> events;
    qint64 lastEventTime = 0;
    int eventsRetryMs = EventsRetryFirstMs;
    QMap<QString, int> scaleOverrides;
    QSet<QString> restarting;              ///< in a rolling restart: out of rotation, not probed
    QSet<QString> stopping;                ///< stopped by the user: out of rotation until restarted
    QList<QPointer<EngineReply>> inflight; ///< builds, pulls, creates and starts cancel() stops
    quint64 cancelGeneration = 0;
    quint64 upGeneration = 0;
    QStringList networksCreatedByUp;
    quint64 refreshesIssued = 0;
    quint64 refreshApplied = 0;
    bool removeVolumesOnDown = false;
    std::optional<UpState> upState;
    bool upInProgress = false;
    bool rebuildImages = false;
    bool shuttingDown = false;
};

StackController::StackController(DockerClient *client, const ComposeProject &project,
                                 QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_project(project)
    , m_metrics(new MetricsStore(this))
{
    d = std::make_unique<Private>(this);
}

StackController::~StackController()
{
    d->shuttingDown = true;
    d->stopEvents();
    d->stats->stopAll();
}

void StackController::setRebuildImages(bool rebuild)
{
    d->rebuildImages = rebuild;
}

void StackController::up(const QMap<QString, int> &scaleOverrides)
{
    if (d->upInProgress) {
        return;
    }
    d->upInProgress = true;
    d->upGeneration = d->cancelGeneration;
    d->scaleOverrides = scaleOverrides;
    whenNegotiated([this] { d->bringUp({}); },
                   [this](const QString &reason) { d->failUp({}, reason); });
}

void StackController::whenNegotiated(std::function<void()> then,
                                     std::function<void(const QString &)> failed)
{
    if (!m_client->apiVersion().isEmpty()) {
        then();
        return;
    }
    auto connection = std::make_shared<QMetaObject::Connection>();
    auto lost = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_client, &DockerClient::connected, this, [connection, lost, then] {
        disconnect(*connection);
        disconnect(*lost);
        then();
    });
    *lost = connect(m_client, &DockerClient::engineLost, this,
                    [connection, lost, failed](const QString &reason) {
                        disconnect(*connection);
                        disconnect(*lost);
                        failed(reason);
                    });
    m_client->negotiate();
}

bool StackController::refuseServiceAction(const QString &service, bool busy)
{
    QString refusal;
    if (!d->services.contains(service)) {
        refusal = u"no service %1 in project %2"_s.arg(service, m_project.name);
    } else if (busy) {
        refusal =
            u"%1 is busy starting or restarting; wait for it or cancel it"_s.arg(m_project.name);
    }
    if (!refusal.isEmpty()) {
        Q_EMIT serviceActionFinished(service, false, refusal);
    }
    return !refusal.isEmpty();
}

// Service operations follow docker compose's `up SERVICE` and `down SERVICE`, not its
// `stop`/`start`: Shoal's model of a service is its asked count, and a stopped container
// kept around would either count as a replica that serves nothing or be started again by
// the reconcile that keeps the count. Named volumes survive either way.
void StackController::startService(const QString &service)
{
    if (refuseServiceAction(service, d->upInProgress)) {
        return;
    }
    qCInfo(lcStack) << "starting service" << service;
    d->upInProgress = true;
    d->upGeneration = d->cancelGeneration;
    whenNegotiated([this, service] { d->bringUp(service); },
                   [this, service](const QString &reason) { d->failUp(service, reason); });
}

void StackController::stopService(const QString &service)
{
    if (refuseServiceAction(service, d->upInProgress)) {
        return;
    }
    auto &runtime = d->services[service];
    const int current = std::max(runtime.desired, int(d->activeReplicas(service).size()));
    if (current > 0) {
        runtime.beforeStop = current;
    }
    qCInfo(lcStack) << "stopping service" << service << "with" << current << "replicas";
    runtime.desired = 0;
    runtime.userAsked = true;
    runtime.adoptAfterCancel = false;
    runtime.stopping = true;
    d->reconcile(service);
}

void StackController::restartService(const QString &service)
{
    if (refuseServiceAction(service, d->upInProgress || d->services.value(service).busy)) {
        return;
    }
    auto &runtime = d->services[service];
    const QList<ReplicaInfo> active = d->activeReplicas(service);
    if (active.isEmpty()) {
        Q_EMIT serviceActionFinished(service, false,
                                     u"%1 has no replica to restart"_s.arg(service));
        return;
    }
    qCInfo(lcStack) << "restarting service" << service << "one replica at a time";
    runtime.busy = true;
    runtime.again = false;
    QStringList ids;
    for (const ReplicaInfo &replica : active) {
        ids.append(replica.id);
    }
    d->restartNext(service, ids, d->cancelGeneration, {});
}

void StackController::cancel()
{
    ++d->cancelGeneration;
    const auto inflight = std::exchange(d->inflight, {});
    qCInfo(lcStack) << "cancelling" << inflight.size() << "engine calls of" << m_project.name;
    Q_EMIT progress(u"cancelling"_s);
    for (const QPointer<EngineReply> &reply : inflight) {
        if (reply) {
            reply->abort();
        }
    }
    // An up waiting for a dependency has nothing in flight; it ends here.
    d->advanceUp();
}

void StackController::scale(const QString &service, int replicas)
{
    if (!d->services.contains(service)) {
        const QString error = u"no service %1 in project %2"_s.arg(service, m_project.name);
        Q_EMIT errorOccurred(error);
        Q_EMIT scaleFinished(service, false, error);
        return;
    }
    const ServiceSpec *spec = m_project.service(service);
    if (replicas > 1 && spec && !spec->containerName.isEmpty()) {
        const QString error = u"service %1 sets container_name %2 and cannot have %3 "
                              "replicas"_s.arg(service, spec->containerName)
                                  .arg(replicas);
        Q_EMIT errorOccurred(error);
        Q_EMIT scaleFinished(service, false, error);
        return;
    }
    auto &runtime = d->services[service];
    runtime.desired = std::clamp(replicas, 0, MaxReplicas);
    runtime.userAsked = true;
    runtime.adoptAfterCancel = false;
    qCInfo(lcStack) << "scaling" << service << "to" << runtime.desired;
    d->reconcile(service);
}

void StackController::down(bool removeVolumes)
{
    d->removeVolumesOnDown = removeVolumes;
    d->shuttingDown = true;
    d->health->setTargets({});
    d->stopEvents();
    d->stats->stopAll();
    for (auto &runtime : d->services) {
        runtime.desired = -1;
        for (const auto &binding : std::as_const(runtime.proxies)) {
            binding.server->stop();
            binding.server->deleteLater();
        }
        runtime.proxies.clear();
    }

    const QStringList filters{ComposeLabels::Project + u'=' + m_project.name};
    EngineReply *list = m_client->listContainers(filters, true);
    connect(list, &EngineReply::finished, this, [this, list, filters] {
        if (list->isError()) {
            Q_EMIT downFinished(false, list->errorString());
            return;
        }
        const QJsonArray entries = list->json().array();
        auto removeNetworks = [this, filters](const QString &containerError) {
            EngineReply *networks = m_client->listNetworks(filters);
            connect(networks, &EngineReply::finished, this, [this, networks, containerError] {
                const QJsonArray found = networks->json().array();
                auto barrier = std::make_shared<Barrier>(
                    int(found.size()), [this, containerError](const QString &e) {
                        d->replicas.clear();
                        Q_EMIT replicasChanged();
                        const QString error = containerError.isEmpty() ? e : containerError;
                        d->removeVolumes([this, error](const QString &volumeError) {
                            const QString first = error.isEmpty() ? volumeError : error;
                            Q_EMIT downFinished(first.isEmpty(), first);
                        });
                    });
                for (const QJsonValue &value : found) {
                    EngineReply *remove =
                        m_client->removeNetwork(value.toObject().value(u"Id").toString());
                    connect(remove, &EngineReply::finished, this, [remove, barrier] {
                        barrier->arrive(remove->isError() ? remove->errorString() : QString());
                    });
                }
            });
        };
        auto containers = std::make_shared<Barrier>(int(entries.size()), removeNetworks);
        for (const QJsonValue &value : entries) {
            const ReplicaInfo replica = replicaFromListing(value.toObject());
            const ServiceSpec *spec = m_project.service(replica.service);
            const int grace = ReplicaSpec::stopTimeoutSeconds(spec ? *spec : ServiceSpec{});
            d->stopAndRemoveContainer(replica.id, replica.name, grace,
                                      [containers](const QString &e) { containers->arrive(e); });
        }
    });
}

void StackController::removeReplica(const QString &containerName)
{
    const ServiceSpec *spec = nullptr;
    const ReplicaInfo *it = d->pickedReplica(containerName, &spec);
    if (!it || d->removing.contains(it->id)) {
        Q_EMIT errorOccurred(u"no replica %1 to remove in %2"_s.arg(containerName, m_project.name));
        return;
    }
    const ReplicaInfo replica = *it;
    auto &runtime = d->services[replica.service];
    runtime.desired = std::max(0, int(d->activeReplicas(replica.service).size()) - 1);
    runtime.busy = true;
    auto barrier =
        std::make_shared<Barrier>(1, [this, service = replica.service](const QString &error) {
            d->services[service].busy = false;
            d->refresh([this, service, error] {
                if (!error.isEmpty()) {
                    Q_EMIT errorOccurred(error);
                }
                if (d->services[service].again) {
                    d->reconcile(service);
                    return;
                }
                Q_EMIT scaleFinished(service, error.isEmpty(), error);
            });
        });
    d->removeReplica(*spec, replica, barrier);
}

void StackController::restartReplica(const QString &containerName)
{
    const ServiceSpec *spec = nullptr;
    const ReplicaInfo *it = d->pickedReplica(containerName, &spec);
    if (!it) {
        Q_EMIT errorOccurred(
            u"no replica %1 to restart in %2"_s.arg(containerName, m_project.name));
        return;
    }
    const QString id = it->id;
    d->ready.remove(id);
    d->stopping.remove(id);
    d->updateProxies();
    Q_EMIT progress(u"restarting %1"_s.arg(containerName));
    const int grace = ReplicaSpec::stopTimeoutSeconds(*spec);
    EngineReply *reply = m_client->post(u"/containers/%1/restart?t=%2"_s.arg(id).arg(grace));
    connect(reply, &EngineReply::finished, this, [this, reply, containerName] {
        if (reply->isError()) {
            Q_EMIT errorOccurred(u"restarting %1: %2"_s.arg(containerName, reply->errorString()));
        }
        d->scheduleRefresh();
    });
}

void StackController::stopReplica(const QString &containerName)
{
    const ServiceSpec *spec = nullptr;
    const ReplicaInfo *it = d->pickedReplica(containerName, &spec);
    if (!it || d->removing.contains(it->id)) {
        Q_EMIT errorOccurred(u"no replica %1 to stop in %2"_s.arg(containerName, m_project.name));
        return;
    }
    const ReplicaInfo replica = *it;
    const int grace = ReplicaSpec::stopTimeoutSeconds(*spec);
    d->stopping.insert(replica.id);
    d->ready.remove(replica.id);
    Q_EMIT progress(u"draining %1 before stopping it"_s.arg(containerName));
    // Like a scale-down, but the container stays, stopped, for its logs and a later restart.
    d->drain(*spec, replica, [this, id = replica.id, containerName, grace] {
        EngineReply *reply = m_client->stopContainer(id, grace);
        connect(reply, &EngineReply::finished, this, [this, reply, containerName] {
            if (reply->isError()) {
                Q_EMIT errorOccurred(u"stopping %1: %2"_s.arg(containerName, reply->errorString()));
            }
            d->scheduleRefresh();
        });
    });
}

int StackController::desiredReplicas(const QString &service) const
{
    return d->services.value(service).desired;
}

QList<ReplicaInfo> StackController::replicas(const QString &service) const
{
    QList<ReplicaInfo> result;
    for (const ReplicaInfo &replica : std::as_const(d->replicas)) {
        if (service.isEmpty() || replica.service == service) {
            result.append(replica);
        }
    }
    std::sort(result.begin(), result.end(), [](const ReplicaInfo &a, const ReplicaInfo &b) {
        return a.service == b.service ? a.number < b.number : a.service < b.service;
    });
    return result;
}

QList<ServiceState> StackController::services() const
{
    QList<ServiceState> result;
    for (const ServiceSpec &spec : m_project.services) {
        const auto &runtime = d->services[spec.name];
        ServiceState state;
        state.name = spec.name;
        state.desired = runtime.desired;
        state.image = spec.imageName(m_project.name);
        for (const ReplicaInfo &replica : std::as_const(d->replicas)) {
            if (replica.service == spec.name && replica.state == u"running") {
                ++state.running;
            }
        }
        for (const auto &binding : runtime.proxies) {
            state.proxies.append({binding.address, quint16(binding.containerPort)});
        }
        result.append(state);
    }
    return result;
}

ProxyServer *StackController::proxy(const QString &service) const
{
    const auto proxies = d->services.value(service).proxies;
    return proxies.isEmpty() ? nullptr : proxies.first().server;
}

QList<ProxyServer *> StackController::proxies(const QString &service) const
{
    QList<ProxyServer *> result;
    for (const auto &binding : d->services.value(service).proxies) {
        result.append(binding.server);
    }
    return result;
}

bool StackController::isBusy() const
{
    if (d->upInProgress) {
        return true;
    }
    return std::any_of(d->services.cbegin(), d->services.cend(),
                       [](const Private::ServiceRuntime &runtime) { return runtime.busy; });
}

} // namespace Shoal::Core
