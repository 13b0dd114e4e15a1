#pragma once

#include <core/proxy/proxytypes.h>

#include <sys/socket.h>

#include <atomic>
#include <memory>
#include <vector>

namespace Shoal::Core {

/// One backend as the proxy's threads share it. The description is fixed at creation; the
/// atomics are written by worker threads and by the control thread without locks.
struct BackendState
{
    BackendState(const ProxyBackend &description, int serialNumber);

    const ProxyBackend backend;
    /// Unique within one ProxyServer, also when an id is added again after a removal.
    const int serial;
    sockaddr_storage socketAddress{};
    socklen_t socketAddressLength = 0;

    /// Requests (and tunnels) being served by this backend, over all workers.
    std::atomic<int> inFlight{0};
    /// Set by the control thread; workers stop sending new requests as soon as they see it.
    std::atomic<bool> draining{false};
    /// Steady-clock milliseconds until which the backend is skipped after a failed connect.
    std::atomic<qint64> ejectedUntilMs{0};
};

/// The backends one worker may choose from: an immutable list posted to the workers
/// (ProxyWorker::post) whenever the set changes.
struct BackendSnapshot
{
    /// Every backend in rotation; under weighted round-robin a backend with weight w appears
    /// w times, interleaved with the others (Balancer::weightedOrder).
    std::vector<std::shared_ptr<BackendState>> ring;
    /// Every backend that still has a life in the proxy, draining ones included.
    std::vector<std::shared_ptr<BackendState>> all;
};

/// The snapshot the control thread published last, readable from any thread. A worker gets
/// each snapshot as a posted task, which runs after the socket events it is handling; when
/// its own copy has no backend for a request (its first requests, before the first backends
/// arrive), it looks here instead of answering 503.
class LatestSnapshot final
{
public:
    void store(std::shared_ptr<const BackendSnapshot> snapshot)
    {
        std::atomic_store(&m_snapshot, std::move(snapshot));
    }
    std::shared_ptr<const BackendSnapshot> load() const { return std::atomic_load(&m_snapshot); }

private:
    std::shared_ptr<const BackendSnapshot> m_snapshot;
};

} // namespace Shoal::Core
