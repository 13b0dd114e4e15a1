#include "logstreamdecoder.h"

namespace Shoal::Core {

QList<LogStreamDecoder::Frame> LogStreamDecoder::feed(const QByteArray &bytes)
{
    QList<Frame> frames;
    if (failed()) {
        return frames;
    }
    m_pending.append(bytes);
    qsizetype offset = 0;
    while (m_pending.size() - offset >= HeaderBytes) {
        const auto *header = reinterpret_cast<const uchar *>(m_pending.constData() + offset);
        const uchar streamId = header[0];
        if (streamId > uchar(Stream::System) || header[1] != 0 || header[2] != 0 ||
            header[3] != 0) {
            m_error = QStringLiteral("not a multiplexed log stream (bad frame header at byte %1)")
                          .arg(offset);
            m_pending.clear();
            return frames;
        }
        const quint32 size = (quint32(header[4]) << 24) | (quint32(header[5]) << 16) |
                             (quint32(header[6]) << 8) | quint32(header[7]);
        if (size > MaxFrameBytes) {
            m_error = QStringLiteral("log frame of %1 bytes exceeds the limit").arg(size);
            m_pending.clear();
            return frames;
        }
        if (m_pending.size() - offset - HeaderBytes < qsizetype(size)) {
            break;
        }
        frames.append({Stream(streamId), m_pending.mid(offset + HeaderBytes, size)});
        offset += HeaderBytes + qsizetype(size);
    }
    m_pending.remove(0, offset);
    return frames;
}

} // namespace Shoal::Core
