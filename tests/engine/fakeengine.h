#pragma once

#include <QByteArray>
#include <QList>
#include <QLocalServer>
#include <QLocalSocket>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

namespace Shoal::Core::Testing {

/// A scripted stand-in for the engine on a unix socket: reads one request per connection
/// and answers with the pieces its handler returns, a pause between pieces so that the
/// client sees them in separate reads.
class FakeEngine : public QObject
{
    Q_OBJECT

public:
    struct Answer
    {
        QList<QByteArray> pieces;
        int gapMs = 0;
        bool closeAtEnd = true;
    };
    using Handler = std::function<Answer(const QByteArray &requestHead)>;

    explicit FakeEngine(const QString &socketPath, QObject *parent = nullptr)
        : QObject(parent)
    {
        m_server.setSocketOptions(QLocalServer::UserAccessOption);
        m_listening = m_server.listen(socketPath);
        connect(&m_server, &QLocalServer::newConnection, this, [this] {
            while (QLocalSocket *socket = m_server.nextPendingConnection()) {
                serve(socket);
            }
        });
    }

    bool isListening() const { return m_listening; }
    void setHandler(Handler handler) { m_handler = std::move(handler); }
    /// Every request so far: head and body as received.
    QList<QByteArray> requests() const { return m_requests; }
    int clientsGone() const { return m_clientsGone; }

private:
    void serve(QLocalSocket *socket)
    {
        auto *buffer = new QByteArray;
        connect(socket, &QLocalSocket::disconnected, this, [this, socket, buffer] {
            ++m_clientsGone;
            delete buffer;
            socket->deleteLater();
        });
        connect(socket, &QLocalSocket::readyRead, socket, [this, socket, buffer] {
            buffer->append(socket->readAll());
            const qsizetype headEnd = buffer->indexOf("\r\n\r\n");
            if (headEnd < 0 || buffer->isEmpty()) {
                return;
            }
            qsizetype length = 0;
            for (const QByteArray &line : buffer->left(headEnd).split('\n')) {
                if (line.toLower().startsWith("content-length:")) {
                    length = line.mid(15).trimmed().toLongLong();
                }
            }
            if (buffer->size() < headEnd + 4 + length) {
                return;
            }
            const QByteArray request = buffer->left(headEnd + 4 + length);
            buffer->clear();
            m_requests.append(request);
            const Answer answer = m_handler ? m_handler(request) : Answer{};
            writePieces(socket, answer, 0);
        });
    }

    void writePieces(QPointer<QLocalSocket> socket, Answer answer, int index)
    {
        if (!socket || socket->state() != QLocalSocket::ConnectedState) {
            return;
        }
        if (index >= answer.pieces.size()) {
            if (answer.closeAtEnd) {
                socket->disconnectFromServer();
            }
            return;
        }
        socket->write(answer.pieces.at(index));
        socket->flush();
        QTimer::singleShot(answer.gapMs, this, [this, socket, answer, index] {
            writePieces(socket, answer, index + 1);
        });
    }

    QLocalServer m_server;
    Handler m_handler;
    QList<QByteArray> m_requests;
    int m_clientsGone = 0;
    bool m_listening = false;
};

} // namespace Shoal::Core::Testing
