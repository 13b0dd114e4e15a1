#include "controlserver.h"

#include <core/stack/stackcontroller.h>
#include <core/stack/stackstatus.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLoggingCategory>
#include <QPointer>

#include <unistd.h>

Q_LOGGING_CATEGORY(lcControl, "shoal.app.control", QtWarningMsg)

using namespace Qt::StringLiterals;

namespace Shoal::App {

namespace {
constexpr int MaxRequestBytes = 64 * 1024;
constexpr int ProbeTimeoutMs = 500;
} // namespace

QString controlSocketDirectory()
{
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (!runtime.isEmpty() && QDir(runtime).exists()) {
        return runtime + u"/shoal"_s;
    }
    return u"/tmp/shoal-%1"_s.arg(::getuid());
}

ControlServer::ControlServer(Core::StackController *stack, QObject *parent)
    : QObject(parent)
    , m_stack(stack)
    , m_server(new QLocalServer(this))
{}

QString ControlServer::socketPath() const
{
    return controlSocketDirectory() + u'/' + m_stack->project().name + u".sock"_s;
}

bool ControlServer::listen()
{
    const QString directory = controlSocketDirectory();
    if (!QDir().mkpath(directory)) {
        m_error = u"cannot create %1"_s.arg(directory);
        return false;
    }
    // Only the user may reach the instance: the folder is 0700 whatever the umask says.
    QFile::setPermissions(directory, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    const QString path = socketPath();
    if (QFile::exists(path)) {
        QLocalSocket probe;
        probe.connectToServer(path);
        if (probe.waitForConnected(ProbeTimeoutMs)) {
            m_error =
                u"another Shoal already runs project %1 (%2)"_s.arg(m_stack->project().name, path);
            m_anotherInstance = true;
            return false;
        }
        QLocalServer::removeServer(path);
    }
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    if (!m_server->listen(path)) {
        m_error = u"cannot listen on %1: %2"_s.arg(path, m_server->errorString());
        return false;
    }

    connect(m_server, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *socket = m_server->nextPendingConnection()) {
            socket->setParent(this);
            connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
                while (socket->canReadLine()) {
                    handle(socket, socket->readLine().trimmed());
                }
                if (socket->bytesAvailable() > MaxRequestBytes) {
                    socket->abort();
                }
            });
        }
    });
    return true;
}

void ControlServer::reply(QLocalSocket *socket, const QJsonObject &answer)
{
    socket->write(QJsonDocument(answer).toJson(QJsonDocument::Compact) + '\n');
    socket->flush();
}

void ControlServer::handle(QLocalSocket *socket, const QByteArray &line)
{
    const QJsonObject request = QJsonDocument::fromJson(line).object();
    const QString command = request.value(u"command").toString();
    qCDebug(lcControl) << "control request" << command;

    if (command == u"ps" || command == u"stats") {
        QJsonObject answer = Core::stackStatusJson(*m_stack);
        answer.insert(u"ok"_s, true);
        reply(socket, answer);
        return;
    }

    if (command == u"scale") {
        const QString service = request.value(u"service").toString();
        int replicas = request.value(u"replicas").toInt();
        if (request.value(u"relative").toBool()) {
            replicas += std::max(0, m_stack->desiredReplicas(service));
        }
        replicas = std::clamp(replicas, 0, Core::StackController::MaxReplicas);
        QPointer<QLocalSocket> client(socket);
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(m_stack, &Core::StackController::scaleFinished, this,
                              [this, client, service, connection](const QString &scaled, bool ok,
                                                                  const QString &error) {
                                  if (scaled != service) {
                                      return;
                                  }
                                  disconnect(*connection);
                                  // Another client may have asked for another scale since;
                                  // the answer says where the service stands now.
                                  const int now = std::max(0, m_stack->desiredReplicas(service));
                                  if (client) {
                                      reply(client, {{u"ok"_s, ok},
                                                     {u"service"_s, service},
                                                     {u"replicas"_s, now},
                                                     {u"error"_s, error}});
                                  }
                              });
        m_stack->scale(service, replicas);
        return;
    }

    if (command == u"start" || command == u"stop" || command == u"restart") {
        const QString service = request.value(u"service").toString();
        QPointer<QLocalSocket> client(socket);
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(
            m_stack, &Core::StackController::serviceActionFinished, this,
            [this, client, service, connection](const QString &done, bool ok,
                                                const QString &error) {
                if (done != service) {
                    return;
                }
                disconnect(*connection);
                if (client) {
                    reply(client, {{u"ok"_s, ok}, {u"service"_s, service}, {u"error"_s, error}});
                }
            });
        if (command == u"start") {
            m_stack->startService(service);
        } else if (command == u"stop") {
            m_stack->stopService(service);
        } else {
            m_stack->restartService(service);
        }
        return;
    }

    if (command == u"down") {
        QPointer<QLocalSocket> client(socket);
        connect(
            m_stack, &Core::StackController::downFinished, this,
            [this, client](bool ok, const QString &error) {
                if (client) {
                    reply(client, {{u"ok"_s, ok}, {u"error"_s, error}});
                }
                Q_EMIT downCompleted();
            },
            Qt::SingleShotConnection);
        m_stack->down(request.value(u"volumes").toBool());
        return;
    }

    reply(socket, {{u"ok"_s, false}, {u"error"_s, u"unknown command \"%1\""_s.arg(command)}});
}

} // namespace Shoal::App
