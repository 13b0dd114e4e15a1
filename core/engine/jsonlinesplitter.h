#pragma once

#include <QByteArray>
#include <QList>

namespace Shoal::Core {

/// Cuts a streamed body into the engine's newline-delimited JSON messages.
///
/// Chunk boundaries of the transport have nothing to do with message boundaries: a chunk may
/// hold half a message or several. Blank lines and "\r" before "\n" are dropped.
class JsonLineSplitter final
{
public:
    /// A single message longer than this means a broken stream, not a long build line.
    static constexpr qsizetype MaxLineBytes = 8 * 1024 * 1024;

    /// Appends bytes and returns the messages they complete, in order.
    QList<QByteArray> feed(const QByteArray &bytes);
    /// The last message when the stream ended without a final newline; empty otherwise.
    QByteArray finish();
    /// True once a message exceeded MaxLineBytes; feed() then returns nothing.
    bool overflowed() const { return m_overflowed; }

private:
    QByteArray m_pending;
    bool m_overflowed = false;
};

} // namespace Shoal::Core
