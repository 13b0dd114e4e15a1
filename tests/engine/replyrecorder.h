#pragma once

#include <core/engine/enginereply.h>

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QPointer>
#include <QString>
#include <QTest>

#include <functional>

namespace Shoal::Core::Testing {

/// What a finished EngineReply said, copied before the reply deletes itself.
struct ReplyRecord
{
    bool finished = false;
    bool error = false;
    int status = 0;
    EngineReply::ErrorKind kind = EngineReply::ErrorKind::NoError;
    QString errorString;
    QString engineMessage;
    QString streamError;
    QByteArray body;
    QList<QByteArray> lines;
    QByteArray data;
};

/// Records a reply until it finishes or `timeoutMs` passes. `onLine` runs for every line,
/// with the reply still alive, so a test can abort it from there.
class ReplyRecorder
{
public:
    explicit ReplyRecorder(EngineReply *reply,
                           std::function<void(EngineReply *, const QByteArray &)> onLine = {})
        : m_reply(reply)
    {
        m_connections << QObject::connect(reply, &EngineReply::lineReceived, reply,
                                          [this, reply, onLine](const QByteArray &line) {
                                              m_record.lines.append(line);
                                              if (onLine) {
                                                  onLine(reply, line);
                                              }
                                          });
        m_connections << QObject::connect(
            reply, &EngineReply::dataReceived, reply,
            [this](const QByteArray &chunk) { m_record.data.append(chunk); });
        m_connections << QObject::connect(reply, &EngineReply::finished, reply, [this, reply] {
            m_record.finished = true;
            m_record.error = reply->isError();
            m_record.status = reply->statusCode();
            m_record.kind = reply->errorKind();
            m_record.errorString = reply->errorString();
            m_record.engineMessage = reply->engineMessage();
            m_record.streamError = reply->streamError();
            m_record.body = reply->body();
        });
    }

    ~ReplyRecorder()
    {
        for (const auto &connection : std::as_const(m_connections)) {
            QObject::disconnect(connection);
        }
    }

    Q_DISABLE_COPY_MOVE(ReplyRecorder)

    /// Waits, bounded in time, for finished().
    const ReplyRecord &wait(int timeoutMs = 10000)
    {
        // The caller checks record().finished; a timeout leaves it false.
        const bool finished = QTest::qWaitFor([this] { return m_record.finished; }, timeoutMs);
        Q_UNUSED(finished)
        return m_record;
    }

    /// Waits until `predicate` holds for the record so far, bounded in time.
    bool waitUntil(const std::function<bool(const ReplyRecord &)> &predicate, int timeoutMs)
    {
        return QTest::qWaitFor([&] { return predicate(m_record) || m_record.finished; },
                               timeoutMs) &&
               predicate(m_record);
    }

    const ReplyRecord &record() const { return m_record; }
    /// The reply while it is still alive; null after it finished and was deleted.
    EngineReply *reply() const { return m_reply; }

private:
    QPointer<EngineReply> m_reply;
    QList<QMetaObject::Connection> m_connections;
    ReplyRecord m_record;
};

} // namespace Shoal::Core::Testing
