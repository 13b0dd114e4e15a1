#pragma once

#include <core/proxy/backendstate.h>
#include <core/proxy/latencyhistogram.h>
#include <core/proxy/proxytypes.h>

#include <QObject>

#include <sys/socket.h>

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

class QSocketNotifier;
class QTimer;

namespace Shoal::Core {

class Balancer;

/// What one worker knows about one backend, published to the control thread once a second.
struct BackendSample
{
    int serial = 0;
    BackendCounters counters; ///< inFlight, draining and the percentiles are left to the reader
    LatencyHistogram recentLatency;
};

/// One of a ProxyServer's event loops: owns the client and upstream sockets handed to it and
/// drives them as raw non-blocking descriptors through one epoll set, watched by a single
/// QSocketNotifier. Everything here runs on the worker's own thread; the control thread
/// reaches it only through queued calls.
class ProxyWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProxyWorker)

public:
    using Publisher = std::function<void(int workerIndex, std::vector<BackendSample> samples)>;

    ProxyWorker(const ProxyConfig &config, Balancer *balancer, int index, Publisher publisher);
    ~ProxyWorker() override;

    /// Sets up the event sources; call on the worker thread before anything else.
    void begin();
    /// Takes ownership of an accepted client descriptor.
    void adoptClient(qintptr descriptor);
    /// Accepts clients from a listening descriptor (not owned) on this worker's own thread, so
    /// that no connection waits for another thread to hand it over.
    void listenOn(int descriptor);
    /// Stops accepting; the descriptor may be closed once every worker has returned from this.
    void stopListening();
    void setSnapshot(std::shared_ptr<const BackendSnapshot> snapshot);
    /// Cuts every connection to the backend (its drain timed out).
    void closeBackend(int serial);

    struct Socket;
    struct Client;
    struct Upstream;

private:
    struct Stats;

    void processEvents();
    void acceptClients();
    void adoptAccepted(int fd, const sockaddr_storage *address);
    void sweep();
    void publish();

    void drive(Client *client);
    bool stepHead(Client *client);
    bool stepExchange(Client *client);
    bool stepRequestBody(Client *client);
    bool stepResponse(Client *client);
    bool stepResponseBody(Client *client);
    bool stepTunnel(Client *client);
    bool stepClosing(Client *client);

    void startExchange(Client *client);
    bool assignUpstream(Client *client);
    void connectFailed(Client *client);
    void upstreamLost(Client *client);
    void finishExchange(Client *client);
    void enterTunnel(Client *client);
    void respond(Client *client, int status, const char *text, bool forceClose);
    void abortClient(Client *client);
    void startClosing(Client *client);
    void resetForNextRequest(Client *client);

    Upstream *connectTo(const std::shared_ptr<BackendState> &backend);
    Upstream *takePooled(int serial);
    void releaseUpstream(Client *client, bool reusable);
    void pooledEvent(Upstream *upstream);
    void removeFromPool(Upstream *upstream);
    void closeSocket(Socket *socket);
    void releaseBackend(Client *client);
    Stats &statsFor(const BackendState &backend);
    bool registerSocket(Socket *socket);

    ProxyConfig m_config;
    Balancer *m_balancer;
    int m_index;
    Publisher m_publisher;
    int m_epoll = -1;
    int m_listenFd = -1;
    QSocketNotifier *m_notifier = nullptr;
    QTimer *m_sweepTimer = nullptr;
    QTimer *m_publishTimer = nullptr;
    std::shared_ptr<const BackendSnapshot> m_snapshot;
    qint64 m_nowMs = 0;
    std::unordered_map<Socket *, std::unique_ptr<Socket>> m_sockets;
    std::vector<std::unique_ptr<Socket>> m_closed;
    std::unordered_map<int, std::vector<Upstream *>> m_pool;
    std::unordered_map<int, std::unique_ptr<Stats>> m_stats;
};

} // namespace Shoal::Core
