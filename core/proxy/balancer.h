#pragma once

#include <core/proxy/backendstate.h>
#include <core/proxy/proxytypes.h>

#include <atomic>
#include <memory>
#include <vector>

namespace Shoal::Core {

/// Chooses a backend for each new request or connection. One instance is shared by all the
/// workers of a ProxyServer so that round-robin stays exactly even across them.
/// Threads: called from every worker thread at once; its state is one atomic counter.
class Balancer final
{
public:
    explicit Balancer(ProxyConfig::Balance policy);
    Balancer(const Balancer &) = delete;
    Balancer &operator=(const Balancer &) = delete;

    /// Picks a backend from `snapshot` that is not draining and not in `excludedSerials`,
    /// preferring backends that are not ejected. The pick already counts as in flight on
    /// the returned backend (release it with release()). Null when none is eligible.
    std::shared_ptr<BackendState> acquire(const BackendSnapshot &snapshot,
                                          const std::vector<int> &excludedSerials, qint64 nowMs);
    static void release(BackendState &backend);

    /// The order in which a weighted ring visits backends with `weights` (each clamped to
    /// 1..ProxyBackend::MaxWeight), as indexes into `weights`: smooth weighted round-robin,
    /// so 3 and 1 give 0 0 1 0 rather than 0 0 0 1. One cycle holds each index exactly its
    /// weight times, divided by the weights' greatest common divisor.
    static std::vector<std::size_t> weightedOrder(const std::vector<int> &weights);

private:
    bool eligible(const BackendState &backend, const std::vector<int> &excludedSerials,
                  qint64 nowMs, bool allowEjected) const;
    bool claim(BackendState &backend) const;

    ProxyConfig::Balance m_policy;
    std::atomic<quint64> m_next{0};
};

} // namespace Shoal::Core
