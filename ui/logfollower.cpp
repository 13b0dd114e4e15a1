#include "logfollower.h"

#include "logging.h"

#include <core/engine/dockerclient.h>
#include <core/engine/enginereply.h>

namespace Shoal::Ui {

namespace {
// A multiplexed frame starts with a stream id of 0 to 2 followed by three zero bytes; text
// from a TTY practically never does.
bool looksMultiplexed(const QByteArray &bytes)
{
    if (bytes.size() < Core::LogStreamDecoder::HeaderBytes) {
        return false;
    }
    const auto stream = quint8(bytes.at(0));
    return stream <= 2 && bytes.at(1) == 0 && bytes.at(2) == 0 && bytes.at(3) == 0;
}
} // namespace

LogFollower::LogFollower(Core::DockerClient *client, const QString &containerId,
                         const QString &replica, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_containerId(containerId)
    , m_replica(replica)
{}

LogFollower::~LogFollower()
{
    stop();
}

void LogFollower::start()
{
    if (m_reply || !m_client) {
        return;
    }
    qCDebug(lcUi) << "following logs of" << m_replica;
    m_reply = m_client->containerLogs(m_containerId, true, TailLines);
    Core::EngineReply *reply = m_reply;
    connect(reply, &Core::EngineReply::dataReceived, this, &LogFollower::onData);
    connect(reply, &Core::EngineReply::finished, this, [this, reply] {
        const QString error = reply->isError() ? reply->errorString() : QString();
        m_reply = nullptr;
        QStringList rest;
        for (QByteArray *pending : {&m_stdoutPending, &m_stderrPending}) {
            if (!pending->isEmpty()) {
                rest.append(QString::fromUtf8(*pending));
                pending->clear();
            }
        }
        if (!rest.isEmpty()) {
            Q_EMIT linesReceived(m_replica, rest);
        }
        Q_EMIT ended(m_replica, error);
    });
}

void LogFollower::stop()
{
    if (!m_reply) {
        return;
    }
    qCDebug(lcUi) << "stop following logs of" << m_replica;
    Core::EngineReply *reply = m_reply;
    m_reply = nullptr;
    disconnect(reply, nullptr, this, nullptr);
    reply->abort();
}

void LogFollower::onData(const QByteArray &chunk)
{
    if (!m_formatKnown) {
        m_formatKnown = true;
        m_multiplexed = looksMultiplexed(chunk);
    }
    QStringList lines;
    if (!m_multiplexed) {
        splitLines(m_stdoutPending, chunk, lines);
    } else {
        const QList<Core::LogStreamDecoder::Frame> frames = m_decoder.feed(chunk);
        for (const Core::LogStreamDecoder::Frame &frame : frames) {
            QByteArray &pending = frame.stream == Core::LogStreamDecoder::Stream::Stderr
                                      ? m_stderrPending
                                      : m_stdoutPending;
            splitLines(pending, frame.payload, lines);
        }
        if (m_decoder.failed()) {
            qCWarning(lcUi) << "log stream of" << m_replica
                            << "is not readable:" << m_decoder.errorString();
            stop();
            Q_EMIT ended(m_replica, m_decoder.errorString());
        }
    }
    if (!lines.isEmpty()) {
        Q_EMIT linesReceived(m_replica, lines);
    }
}

void LogFollower::splitLines(QByteArray &pending, const QByteArray &bytes, QStringList &lines)
{
    pending.append(bytes);
    qsizetype start = 0;
    for (qsizetype end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
        qsizetype length = end - start;
        if (length > 0 && pending.at(end - 1) == '\r') {
            --length;
        }
        lines.append(QString::fromUtf8(pending.constData() + start, length));
        start = end + 1;
    }
    pending.remove(0, start);
    if (pending.size() > MaximumLineBytes) {
        lines.append(QString::fromUtf8(pending.left(MaximumLineBytes)));
        pending.clear();
    }
}

} // namespace Shoal::Ui
