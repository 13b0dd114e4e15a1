#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace Shoal::Core {

/// Splits the engine's multiplexed log stream (containers without a TTY) into frames.
///
/// Each frame is an 8-byte header (stream id, three zero bytes, payload size as big-endian
/// 32-bit) followed by the payload. Frames may be cut anywhere by the transport; the decoder
/// keeps the unfinished part for the next feed().
class LogStreamDecoder final
{
public:
    enum class Stream
    {
        Stdin = 0,
        Stdout = 1,
        Stderr = 2,
        System = 3
    };

    struct Frame
    {
        Stream stream = Stream::Stdout;
        QByteArray payload;
    };

    /// A frame bigger than this means the bytes are not a multiplexed stream.
    static constexpr quint32 MaxFrameBytes = 16 * 1024 * 1024;
    static constexpr int HeaderBytes = 8;

    /// Appends bytes and returns the frames they complete. After a malformed header it
    /// returns nothing more; see failed().
    QList<Frame> feed(const QByteArray &bytes);
    bool failed() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }
    /// True when the bytes so far end inside a frame (a truncated stream if it ended here).
    bool hasPartialFrame() const { return !m_pending.isEmpty(); }

private:
    QByteArray m_pending;
    QString m_error;
};

} // namespace Shoal::Core
