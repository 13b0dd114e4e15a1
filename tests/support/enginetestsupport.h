#pragma once

// Helpers shared by the suites that run against the real Docker engine: the example
// project under a test-only name and port, a plain HTTP GET on 127.0.0.1, and clean-up
// of everything a test project left behind.

#include <core/compose/composeloader.h>
#include <core/engine/dockerclient.h>
#include <core/stack/composelabels.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

namespace Shoal::Test {

/// A loopback port that was free a moment ago.
inline quint16 freeLoopbackPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

/// examples/whoami as project `name`, its proxy on a free 127.0.0.1 port.
inline Core::ComposeProject exampleProject(const QString &name, quint16 *proxyPort)
{
    const QString file = QStringLiteral(SHOAL_SOURCE_DIR "/examples/whoami/compose.yaml");
    Core::ComposeLoadOptions options;
    options.files = {file};
    options.projectName = name;
    Core::ComposeLoadResult result = Core::ComposeLoader::load(options);
    if (!result.ok()) {
        qFatal("example does not load: %s", qPrintable(result.error));
    }
    Core::ComposeProject project = *result.project;
    *proxyPort = freeLoopbackPort();
    for (Core::ServiceSpec &service : project.services) {
        for (Core::PortMapping &port : service.ports) {
            port.published = port.publishedEnd = *proxyPort;
            port.hostIp = QStringLiteral("127.0.0.1");
        }
    }
    return project;
}

/// Waits for a reply without blocking the event loop, so queued work keeps running.
inline bool waitFor(Core::EngineReply *reply, int timeoutMs = 30000)
{
    if (reply->isFinished()) {
        return true;
    }
    QEventLoop loop;
    QObject::connect(reply, &Core::EngineReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return reply->isFinished();
}

struct HttpResult
{
    int status = 0;
    QByteArray body;
};

/// GET on 127.0.0.1:port with Connection: close, for tests only (it waits).
inline HttpResult httpGet(quint16 port, const QByteArray &path = "/", int timeoutMs = 5000)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    HttpResult result;
    if (!socket.waitForConnected(timeoutMs)) {
        return result;
    }
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray response;
    QElapsedTimer timer;
    timer.start();
    while (socket.state() == QAbstractSocket::ConnectedState && timer.elapsed() < timeoutMs) {
        if (socket.waitForReadyRead(100)) {
            response += socket.readAll();
        }
        QCoreApplication::processEvents();
    }
    response += socket.readAll();
    const qsizetype headerEnd = response.indexOf("\r\n\r\n");
    if (!response.startsWith("HTTP/1.") || headerEnd < 0) {
        return result;
    }
    result.status = response.mid(9, 3).toInt();
    result.body = response.mid(headerEnd + 4);
    return result;
}

/// Removes every container and network of a test project, whatever state it is in.
inline void removeProject(Core::DockerClient &client, const QString &project)
{
    const QStringList filter{Core::ComposeLabels::Project + u'=' + project};
    Core::EngineReply *list = client.listContainers(filter, true);
    waitFor(list);
    for (const QJsonValue &value : list->json().array()) {
        waitFor(client.removeContainer(value.toObject().value(u"Id").toString(), true));
    }
    Core::EngineReply *networks = client.listNetworks(filter);
    waitFor(networks);
    for (const QJsonValue &value : networks->json().array()) {
        waitFor(client.removeNetwork(value.toObject().value(u"Id").toString()));
    }
}

} // namespace Shoal::Test
