#include "jsonlinesplitter.h"

namespace Shoal::Core {

namespace {

QByteArray trimmedLine(const char *begin, qsizetype size)
{
    return QByteArray(begin, size).trimmed();
}

} // namespace

QList<QByteArray> JsonLineSplitter::feed(const QByteArray &bytes)
{
    QList<QByteArray> lines;
    if (m_overflowed) {
        return lines;
    }
    m_pending.append(bytes);
    qsizetype start = 0;
    while (true) {
        const qsizetype newline = m_pending.indexOf('\n', start);
        if (newline < 0) {
            break;
        }
        if (newline - start > MaxLineBytes) {
            m_overflowed = true;
            m_pending.clear();
            return lines;
        }
        QByteArray line = trimmedLine(m_pending.constData() + start, newline - start);
        if (!line.isEmpty()) {
            lines.append(std::move(line));
        }
        start = newline + 1;
    }
    m_pending.remove(0, start);
    if (m_pending.size() > MaxLineBytes) {
        m_overflowed = true;
        m_pending.clear();
    }
    return lines;
}

QByteArray JsonLineSplitter::finish()
{
    if (m_overflowed) {
        return {};
    }
    QByteArray rest = m_pending.trimmed();
    m_pending.clear();
    return rest;
}

} // namespace Shoal::Core
