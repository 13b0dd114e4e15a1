#include "latencyhistogram.h"

#include <algorithm>
#include <cmath>

namespace Shoal::Core {

namespace {

/// Bucket 0 holds everything up to this; bucket i up to FirstBoundUs * Growth^i (~2 min at 63).
constexpr double FirstBoundUs = 50.0;
constexpr double Growth = 1.2;

double upperBoundUs(int bucket)
{
    return FirstBoundUs * std::pow(Growth, bucket);
}

/// The bucket bounds, computed once: add() runs once per request and a table search is
/// several times cheaper than the logarithm it replaces.
const std::array<double, LatencyHistogram::BucketCount> &upperBounds()
{
    static const auto bounds = [] {
        std::array<double, LatencyHistogram::BucketCount> result{};
        for (int i = 0; i < LatencyHistogram::BucketCount; ++i) {
            result[std::size_t(i)] = upperBoundUs(i);
        }
        return result;
    }();
    return bounds;
}

} // namespace

void LatencyHistogram::add(std::int64_t microseconds)
{
    const auto &bounds = upperBounds();
    // The first bucket whose bound is not below the sample; the last one takes the rest.
    const auto it = std::lower_bound(bounds.begin(), bounds.end() - 1, double(microseconds));
    ++m_buckets[std::size_t(it - bounds.begin())];
    ++m_count;
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    for (int i = 0; i < BucketCount; ++i) {
        m_buckets[std::size_t(i)] += other.m_buckets[std::size_t(i)];
    }
    m_count += other.m_count;
}

void LatencyHistogram::clear()
{
    m_buckets.fill(0);
    m_count = 0;
}

double LatencyHistogram::percentileMs(double fraction) const
{
    if (m_count == 0) {
        return 0;
    }
    const double rank = std::ceil(fraction * double(m_count));
    std::uint64_t seen = 0;
    for (int i = 0; i < BucketCount; ++i) {
        seen += m_buckets[std::size_t(i)];
        if (double(seen) >= rank) {
            return upperBoundUs(i) / 1000.0;
        }
    }
    return upperBoundUs(BucketCount - 1) / 1000.0;
}

} // namespace Shoal::Core
