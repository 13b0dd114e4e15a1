#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace Shoal::Core {

/// Receive buffers of one size, recycled within one proxy worker.
///
/// Connections give their buffer back whenever they fall idle, so that a thousand idle
/// keep-alive clients do not hold a thousand buffers; the pool hands it to the next connection
/// that reads, so that this costs no malloc and free per request. Not thread-safe: each
/// worker owns its pool.
class BufferPool final
{
public:
    explicit BufferPool(std::size_t bufferBytes, std::size_t maxSpare)
        : m_bufferBytes(bufferBytes)
        , m_maxSpare(maxSpare)
    {}

    std::size_t bufferBytes() const { return m_bufferBytes; }
    std::size_t spareCount() const { return m_spare.size(); }

    /// A buffer of bufferBytes(), recycled when one is spare.
    std::unique_ptr<char[]> take()
    {
        if (m_spare.empty()) {
            return std::unique_ptr<char[]>(new char[m_bufferBytes]);
        }
        std::unique_ptr<char[]> buffer = std::move(m_spare.back());
        m_spare.pop_back();
        return buffer;
    }

    /// Takes back a buffer of `bytes`; other sizes, and buffers beyond the spare limit, are
    /// freed.
    void give(std::unique_ptr<char[]> buffer, std::size_t bytes)
    {
        if (buffer && bytes == m_bufferBytes && m_spare.size() < m_maxSpare) {
            m_spare.push_back(std::move(buffer));
        }
    }

private:
    std::size_t m_bufferBytes;
    std::size_t m_maxSpare;
    std::vector<std::unique_ptr<char[]>> m_spare;
};

} // namespace Shoal::Core
