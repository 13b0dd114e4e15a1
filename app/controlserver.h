#pragma once

#include <QObject>
#include <QString>

class QLocalServer;
class QLocalSocket;

namespace Shoal::Core {
class StackController;
}

namespace Shoal::App {

/// The folder that holds the control sockets of running instances, readable by the user
/// only: $XDG_RUNTIME_DIR/shoal, else /tmp/shoal-UID.
QString controlSocketDirectory();

/// Lets `shoal ps|scale|stats|down` act on this running instance.
///
/// Listens on a local socket named after the project, in a folder only the user can enter.
/// A client sends one JSON object per line: {"command": "ps"|"stats"|"scale"|"down",
/// "service": ..., "replicas": N, "relative": bool}; every request gets one JSON line back.
class ControlServer : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ControlServer)

public:
    ControlServer(Core::StackController *stack, QObject *parent = nullptr);

    /// False with errorString() when the socket cannot be created; another live instance of
    /// the same project is an error, a stale socket file is replaced.
    bool listen();
    QString errorString() const { return m_error; }
    /// listen() failed because a live instance already answers for this project.
    bool anotherInstanceRuns() const { return m_anotherInstance; }
    QString socketPath() const;

Q_SIGNALS:
    /// A client asked for `down` and it has finished: the instance should quit.
    void downCompleted();

private:
    void handle(QLocalSocket *socket, const QByteArray &line);
    static void reply(QLocalSocket *socket, const QJsonObject &answer);

    Core::StackController *m_stack;
    QLocalServer *m_server;
    QString m_error;
    bool m_anotherInstance = false;
};

} // namespace Shoal::App
