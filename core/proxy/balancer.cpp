#include "balancer.h"

#include <algorithm>
#include <numeric>

namespace Shoal::Core {

Balancer::Balancer(ProxyConfig::Balance policy)
    : m_policy(policy)
{}

bool Balancer::eligible(const BackendState &backend, const std::vector<int> &excludedSerials,
                        qint64 nowMs, bool allowEjected) const
{
    if (backend.draining.load()) {
        return false;
    }
    if (!allowEjected && backend.ejectedUntilMs.load(std::memory_order_relaxed) > nowMs) {
        return false;
    }
    return std::find(excludedSerials.begin(), excludedSerials.end(), backend.serial) ==
           excludedSerials.end();
}

bool Balancer::claim(BackendState &backend) const
{
    // Counted before the draining flag is read again: the control thread sets the flag and
    // then reads inFlight, so one of the two sides always sees the other (both seq_cst).
    backend.inFlight.fetch_add(1);
    if (backend.draining.load()) {
        backend.inFlight.fetch_sub(1);
        return false;
    }
    return true;
}

void Balancer::release(BackendState &backend)
{
    backend.inFlight.fetch_sub(1);
}

std::vector<std::size_t> Balancer::weightedOrder(const std::vector<int> &weights)
{
    std::vector<int> clamped;
    int divisor = 0;
    for (const int weight : weights) {
        clamped.push_back(std::clamp(weight, 1, ProxyBackend::MaxWeight));
        divisor = std::gcd(divisor, clamped.back());
    }
    int total = 0;
    for (int &weight : clamped) {
        weight /= divisor;
        total += weight;
    }
    // Each step every backend earns its weight and the richest one (the first on a tie) is
    // taken and pays the total: bursts are spread over the cycle, and after `total` steps
    // every credit is back at zero, so the cycle repeats exactly.
    std::vector<int> credit(clamped.size(), 0);
    std::vector<std::size_t> order;
    order.reserve(std::size_t(total));
    for (int step = 0; step < total; ++step) {
        std::size_t best = 0;
        for (std::size_t i = 0; i < clamped.size(); ++i) {
            credit[i] += clamped[i];
            if (credit[i] > credit[best]) {
                best = i;
            }
        }
        credit[best] -= total;
        order.push_back(best);
    }
    return order;
}

std::shared_ptr<BackendState> Balancer::acquire(const BackendSnapshot &snapshot,
                                                const std::vector<int> &excludedSerials,
                                                qint64 nowMs)
{
    const std::size_t n = snapshot.ring.size();
    if (n == 0) {
        return nullptr;
    }
    // A first pass skips ejected backends; if every backend is ejected, they are tried anyway
    // rather than refusing the request outright.
    for (const bool allowEjected : {false, true}) {
        if (m_policy == ProxyConfig::Balance::LeastConnections) {
            const std::size_t start = std::size_t(m_next.fetch_add(1, std::memory_order_relaxed));
            std::shared_ptr<BackendState> best;
            int bestLoad = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const auto &candidate = snapshot.ring[(start + i) % n];
                if (!eligible(*candidate, excludedSerials, nowMs, allowEjected)) {
                    continue;
                }
                const int load = candidate->inFlight.load(std::memory_order_relaxed);
                if (!best || load < bestLoad) {
                    best = candidate;
                    bestLoad = load;
                }
            }
            if (best && claim(*best)) {
                return best;
            }
            continue;
        }
        // One ticket per attempt keeps the turns exact while some backends are skipped.
        quint64 ticket = 0;
        for (std::size_t attempt = 0; attempt < n; ++attempt) {
            ticket = m_next.fetch_add(1, std::memory_order_relaxed);
            const auto &candidate = snapshot.ring[std::size_t(ticket % n)];
            if (eligible(*candidate, excludedSerials, nowMs, allowEjected) && claim(*candidate)) {
                return candidate;
            }
        }
        // Other workers take tickets from the same counter, so this call's tickets may all
        // have landed on skipped backends while one is still eligible: look at each once.
        for (std::size_t offset = 1; offset <= n; ++offset) {
            const auto &candidate = snapshot.ring[std::size_t((ticket + offset) % n)];
            if (eligible(*candidate, excludedSerials, nowMs, allowEjected) && claim(*candidate)) {
                return candidate;
            }
        }
    }
    return nullptr;
}

} // namespace Shoal::Core
