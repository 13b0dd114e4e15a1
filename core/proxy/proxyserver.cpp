// Threads: the control thread hands backend snapshots and drain orders to the workers through
// ProxyWorker::post(), and the workers publish their counters back by queued calls.
#include "proxyserver.h"

#include "backendstate.h"
#include "balancer.h"
#include "proxyworker.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

Q_LOGGING_CATEGORY(lcProxy, "shoal.core.proxy")

namespace Shoal::Core {

namespace {

constexpr int DrainPollIntervalMs = 50;
constexpr int CountersIntervalMs = 1000;
constexpr int ListenBacklog = 1024;
constexpr int DeferAcceptSeconds = 1;

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

/// A non-blocking listening socket for `address`; -1 with `error` set when it cannot be bound.
/// No other socket can bind the same port while it is open.
int openListener(const QHostAddress &address, quint16 port, bool clientSpeaksFirst, QString &error,
                 quint16 &boundPort)
{
    sockaddr_storage storage{};
    socklen_t length = 0;
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    const bool anyStack = address == QHostAddress(QHostAddress::Any);
    if (isV4 && !anyStack) {
        auto *in = reinterpret_cast<sockaddr_in *>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(v4);
        length = sizeof(sockaddr_in);
    } else {
        // QHostAddress::Any means both stacks, as QTcpServer treats it: one IPv6 socket that
        // also takes IPv4 clients.
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        const Q_IPV6ADDR v6 = anyStack ? Q_IPV6ADDR{} : address.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &v6, sizeof(v6));
        in6->sin6_scope_id = address.scopeId().toUInt();
        length = sizeof(sockaddr_in6);
    }
    const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = QString::fromLocal8Bit(strerror(errno));
        return -1;
    }
    const int one = 1;
    const int zero = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    // Linux hands this on to every accepted socket: no system call per connection for it.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (clientSpeaksFirst) {
        // An HTTP client sends its request right after connecting: the kernel then hands the
        // connection over once the request is there, so that accepting and reading it take
        // one wake-up instead of two (nginx's `listen ... deferred`). A client that connects
        // and stays silent is accepted after about this long, and its idle timeout starts
        // then. Not in TCP mode, where the server may be the one to speak first.
        ::setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &DeferAcceptSeconds,
                     sizeof(DeferAcceptSeconds));
    }
    if (storage.ss_family == AF_INET6) {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, anyStack ? &zero : &one, sizeof(int));
    }
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&storage), length) != 0 ||
        ::listen(fd, ListenBacklog) != 0) {
        error = QString::fromLocal8Bit(strerror(errno));
        ::close(fd);
        return -1;
    }
    length = sizeof(storage);
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&storage), &length);
    boundPort = ntohs(storage.ss_family == AF_INET
                          ? reinterpret_cast<const sockaddr_in *>(&storage)->sin_port
                          : reinterpret_cast<const sockaddr_in6 *>(&storage)->sin6_port);
    return fd;
}

} // namespace

class ProxyServer::Private
{
public:
    struct Drain
    {
        std::shared_ptr<BackendState> state;
        qint64 deadlineMs = 0;
        bool announce = true; ///< false when the backend was replaced under the same id
    };

    Private(ProxyServer *q, const ProxyConfig &config)
        : q(q)
        , config(config)
        , balancer(config.balance)
    {}

    void publishSnapshot();
    void checkDrains();
    void mergeCounters();
    void startDrain(const std::shared_ptr<BackendState> &state, bool announce);
    std::shared_ptr<BackendState> makeState(const ProxyBackend &backend)
    {
        return std::make_shared<BackendState>(backend, nextSerial++);
    }

    ProxyServer *q;
    ProxyConfig config;
    QString errorString;
    /// One socket that every worker accepts from on its own thread, so that neither the
    /// control thread nor another worker sits between a client and its worker, and whichever
    /// worker is free takes the next connection. Not one socket per worker with SO_REUSEPORT:
    /// that option would also let another process (a second stack publishing the same port)
    /// bind the port and silently take a share of its connections.
    int listenFd = -1;
    quint16 port = 0;
    Balancer balancer;
    LatestSnapshot latest;
    std::vector<std::unique_ptr<QThread>> threads;
    std::vector<std::unique_ptr<ProxyWorker>> workers;
    int nextSerial = 1;
    QList<ProxyBackend> backends;
    std::map<QString, std::shared_ptr<BackendState>> active;
    std::vector<Drain> drains;
    QTimer drainTimer;
    QTimer countersTimer;
    std::vector<std::vector<BackendSample>> samples;
    QList<BackendCounters> merged;
};

void ProxyServer::Private::publishSnapshot()
{
    auto snapshot = std::make_shared<BackendSnapshot>();
    const bool weighted = config.balance == ProxyConfig::Balance::WeightedRoundRobin;
    std::vector<int> weights;
    for (const ProxyBackend &backend : backends) {
        snapshot->all.push_back(active.at(backend.id));
        weights.push_back(weighted ? backend.weight : 1);
    }
    for (const std::size_t index : Balancer::weightedOrder(weights)) {
        snapshot->ring.push_back(snapshot->all[index]);
    }
    for (const Drain &drain : drains) {
        snapshot->all.push_back(drain.state);
    }
    std::shared_ptr<const BackendSnapshot> shared = std::move(snapshot);
    latest.store(shared);
    for (const auto &worker : workers) {
        worker->post([worker = worker.get(), shared] { worker->setSnapshot(shared); });
    }
}

void ProxyServer::Private::startDrain(const std::shared_ptr<BackendState> &state, bool announce)
{
    state->draining.store(true);
    drains.push_back({state, steadyMs() + config.drainTimeoutMs, announce});
    qCDebug(lcProxy) << "draining backend" << state->backend.id << "with" << state->inFlight.load()
                     << "requests in flight";
    if (!drainTimer.isActive()) {
        drainTimer.start(DrainPollIntervalMs);
    }
}

void ProxyServer::Private::checkDrains()
{
    const qint64 now = steadyMs();
    QStringList finished;
    for (auto it = drains.begin(); it != drains.end();) {
        BackendState &state = *it->state;
        const bool idle = state.inFlight.load() == 0;
        if (!idle && now < it->deadlineMs) {
            ++it;
            continue;
        }
        if (!idle) {
            qCWarning(lcProxy) << "backend" << state.backend.id << "still had"
                               << state.inFlight.load() << "requests after the drain timeout;"
                               << "closing them";
            for (const auto &worker : workers) {
                const int serial = state.serial;
                worker->post([worker = worker.get(), serial] { worker->closeBackend(serial); });
            }
        }
        if (it->announce) {
            finished.append(state.backend.id);
        }
        it = drains.erase(it);
    }
    if (drains.empty()) {
        drainTimer.stop();
    }
    if (finished.isEmpty()) {
        return;
    }
    publishSnapshot();
    for (const QString &id : finished) {
        qCDebug(lcProxy) << "backend" << id << "drained";
        Q_EMIT q->backendDrained(id);
    }
}

void ProxyServer::Private::mergeCounters()
{
    const qint64 now = steadyMs();
    QList<BackendCounters> result;
    const auto add = [&](const BackendState &state) {
        BackendCounters total;
        total.id = state.backend.id;
        LatencyHistogram latency;
        for (const auto &perWorker : samples) {
            for (const BackendSample &sample : perWorker) {
                if (sample.serial != state.serial) {
                    continue;
                }
                const BackendCounters &c = sample.counters;
                total.requests += c.requests;
                total.status2xx += c.status2xx;
                total.status3xx += c.status3xx;
                total.status4xx += c.status4xx;
                total.status5xx += c.status5xx;
                total.failures += c.failures;
                total.bytesIn += c.bytesIn;
                total.bytesOut += c.bytesOut;
                latency.merge(sample.recentLatency);
            }
        }
        total.inFlight = quint64(std::max(0, state.inFlight.load()));
        total.p50Ms = latency.percentileMs(0.50);
        total.p90Ms = latency.percentileMs(0.90);
        total.p99Ms = latency.percentileMs(0.99);
        total.draining = state.draining.load();
        total.healthy = state.ejectedUntilMs.load() <= now;
        result.append(total);
    };
    for (const ProxyBackend &backend : backends) {
        add(*active.at(backend.id));
    }
    for (const Drain &drain : drains) {
        add(*drain.state);
    }
    merged = result;
    Q_EMIT q->countersUpdated();
}

ProxyServer::ProxyServer(const ProxyConfig &config, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this, config))
{
    connect(&d->drainTimer, &QTimer::timeout, this, [this] { d->checkDrains(); });
    connect(&d->countersTimer, &QTimer::timeout, this, [this] { d->mergeCounters(); });
}

ProxyServer::~ProxyServer()
{
    stop();
}

bool ProxyServer::start()
{
    if (d->listenFd >= 0) {
        return true;
    }
    // One event loop per core, as nginx's `worker_processes auto`: an idle worker costs a
    // sleeping thread, and under load a worker that the scheduler preempts (a backend or the
    // client woken by its own send) then stalls only its share of the connections.
    const int workerCount = d->config.workerCount > 0 ? d->config.workerCount
                                                      : std::max(1, QThread::idealThreadCount());
    d->samples.assign(std::size_t(workerCount), {});
    QPointer<ProxyServer> self(this);
    for (int i = 0; i < workerCount; ++i) {
        auto publisher = [self](int index, std::vector<BackendSample> samples) {
            ProxyServer *server = self.data();
            if (!server) {
                return;
            }
            QMetaObject::invokeMethod(
                server,
                [server, index, samples = std::move(samples)]() mutable {
                    if (std::size_t(index) < server->d->samples.size()) {
                        server->d->samples[std::size_t(index)] = std::move(samples);
                    }
                },
                Qt::QueuedConnection);
        };
        auto worker =
            std::make_unique<ProxyWorker>(d->config, &d->balancer, &d->latest, i, publisher);
        if (!worker->isValid()) {
            d->errorString = tr("Cannot start the proxy's event loops: %1")
                                 .arg(QString::fromStdString(worker->setupError()));
            stopWorkers();
            return false;
        }
        std::unique_ptr<QThread> thread(
            QThread::create([worker = worker.get()] { worker->run(); }));
        thread->setObjectName(QStringLiteral("shoal-proxy-%1").arg(i));
        thread->start();
        d->threads.push_back(std::move(thread));
        d->workers.push_back(std::move(worker));
    }
    d->publishSnapshot();

    QString error;
    quint16 boundPort = d->config.listenPort;
    const bool clientSpeaksFirst = d->config.mode == ProxyConfig::Mode::Http;
    d->listenFd =
        openListener(d->config.listenAddress, boundPort, clientSpeaksFirst, error, boundPort);
    if (d->listenFd < 0) {
        d->errorString = tr("Cannot listen on %1:%2: %3")
                             .arg(d->config.listenAddress.toString())
                             .arg(d->config.listenPort)
                             .arg(error);
        // Reported to the caller through errorString(); a warning here would say it twice.
        qCDebug(lcProxy).noquote() << d->errorString;
        stopWorkers();
        return false;
    }
    d->port = boundPort;
    for (const auto &worker : d->workers) {
        worker->post([worker = worker.get(), fd = d->listenFd] { worker->listenOn(fd); });
    }
    d->countersTimer.start(CountersIntervalMs);
    qCDebug(lcProxy) << "listening on" << d->config.listenAddress << d->port << "with"
                     << workerCount << "workers";
    return true;
}

void ProxyServer::stopWorkers()
{
    for (const auto &worker : d->workers) {
        worker->post([worker = worker.get()] {
            worker->stopListening();
            worker->quit();
        });
    }
    for (const auto &thread : d->threads) {
        thread->wait();
    }
    d->threads.clear();
    d->workers.clear();
}

void ProxyServer::stop()
{
    if (d->listenFd < 0) {
        return;
    }
    // Every worker has let go of the descriptor and ended before it is closed, so that none
    // of them can accept from a number that the process has already reused.
    stopWorkers();
    ::close(d->listenFd);
    d->listenFd = -1;
    d->port = 0;
    d->countersTimer.stop();
}

QString ProxyServer::errorString() const
{
    return d->errorString;
}

quint16 ProxyServer::serverPort() const
{
    return d->port;
}

const ProxyConfig &ProxyServer::config() const
{
    return d->config;
}

void ProxyServer::setBackends(const QList<ProxyBackend> &backends)
{
    QList<ProxyBackend> next;
    std::map<QString, std::shared_ptr<BackendState>> nextActive;
    for (const ProxyBackend &backend : backends) {
        if (nextActive.count(backend.id)) {
            continue;
        }
        auto existing = d->active.find(backend.id);
        if (existing != d->active.end() && existing->second->backend == backend) {
            nextActive[backend.id] = existing->second;
        } else {
            if (existing != d->active.end()) {
                d->startDrain(existing->second, false);
            }
            nextActive[backend.id] = d->makeState(backend);
        }
        next.append(backend);
    }
    for (const auto &[id, state] : d->active) {
        if (!nextActive.count(id)) {
            d->startDrain(state, true);
        }
    }
    d->backends = next;
    d->active = std::move(nextActive);
    d->publishSnapshot();
}

void ProxyServer::addBackend(const ProxyBackend &backend)
{
    QList<ProxyBackend> next = d->backends;
    const auto it = std::find_if(next.begin(), next.end(),
                                 [&](const ProxyBackend &b) { return b.id == backend.id; });
    if (it != next.end()) {
        *it = backend;
    } else {
        next.append(backend);
    }
    setBackends(next);
}

void ProxyServer::drainBackend(const QString &id)
{
    auto it = d->active.find(id);
    if (it == d->active.end()) {
        const bool pending = std::any_of(d->drains.begin(), d->drains.end(), [&](const auto &dr) {
            return dr.announce && dr.state->backend.id == id;
        });
        if (!pending) {
            // Unknown or already gone: report it as drained, still asynchronously.
            QMetaObject::invokeMethod(
                this, [this, id] { Q_EMIT backendDrained(id); }, Qt::QueuedConnection);
        }
        return;
    }
    d->startDrain(it->second, true);
    d->active.erase(it);
    d->backends.erase(std::remove_if(d->backends.begin(), d->backends.end(),
                                     [&](const ProxyBackend &b) { return b.id == id; }),
                      d->backends.end());
    d->publishSnapshot();
}

QList<ProxyBackend> ProxyServer::backends() const
{
    return d->backends;
}

QList<BackendCounters> ProxyServer::counters() const
{
    return d->merged;
}

} // namespace Shoal::Core
