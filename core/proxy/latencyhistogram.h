#pragma once

#include <array>
#include <cstdint>

namespace Shoal::Core {

/// Request latencies in fixed logarithmic buckets: cheap to add to on the hot path, cheap to
/// merge across workers, and precise to within one bucket (about 20 %).
class LatencyHistogram final
{
public:
    static constexpr int BucketCount = 64;

    void add(std::int64_t microseconds);
    void merge(const LatencyHistogram &other);
    void clear();
    std::uint64_t count() const { return m_count; }
    /// The latency in milliseconds below which `fraction` (0..1] of the samples fall; 0 when
    /// there are no samples.
    double percentileMs(double fraction) const;

private:
    std::array<std::uint32_t, BucketCount> m_buckets{};
    std::uint64_t m_count = 0;
};

} // namespace Shoal::Core
