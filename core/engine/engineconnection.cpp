#include "engineconnection.h"

#include "enginelog.h"

#include <QDir>
#include <QFile>
#include <QLocalSocket>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

namespace Shoal::Core {

namespace {

QString localSocketError(QLocalSocket::LocalSocketError error, const QString &path,
                         const QString &detail)
{
    switch (error) {
    case QLocalSocket::ServerNotFoundError:
        return QStringLiteral("no Docker engine socket at %1: is dockerd running?").arg(path);
    case QLocalSocket::ConnectionRefusedError:
        return QStringLiteral("connection refused on %1: the engine is not running").arg(path);
    case QLocalSocket::SocketAccessError:
        return QStringLiteral("permission denied on %1: add your user to the docker group or "
                              "run as root")
            .arg(path);
    default:
        return QStringLiteral("cannot connect to %1: %2").arg(path, detail);
    }
}

QString tcpSocketError(QAbstractSocket::SocketError error, const QString &where,
                       const QString &detail)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return QStringLiteral("connection refused by %1: is the engine listening there?")
            .arg(where);
    case QAbstractSocket::HostNotFoundError:
        return QStringLiteral("engine host of %1 not found").arg(where);
    default:
        return QStringLiteral("cannot connect to %1: %2").arg(where, detail);
    }
}

std::optional<QSslKey> readPrivateKey(const QByteArray &pem)
{
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        QSslKey key(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull()) {
            return key;
        }
    }
    return std::nullopt;
}

std::optional<QByteArray> readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    return file.readAll();
}

} // namespace

EngineConnection::EngineConnection(const EngineEndpoint &endpoint, Request request,
                                   EngineReply *reply)
    : QObject(reply)
    , m_endpoint(endpoint)
    , m_request(std::move(request))
    , m_reply(reply)
{
    connect(reply, &EngineReply::abortRequested, this, [this] {
        m_done = true;
        shutDown();
    });
}

EngineConnection::~EngineConnection()
{
    shutDown();
}

void EngineConnection::start()
{
    if (done()) {
        return;
    }
    m_connectTimer = new QTimer(this);
    m_connectTimer->setSingleShot(true);
    connect(m_connectTimer, &QTimer::timeout, this, [this] {
        failConnect(QStringLiteral("the engine at %1 did not accept a connection within %2 s")
                        .arg(whereText())
                        .arg(m_request.connectTimeoutMs / 1000.0));
    });
    m_connectTimer->start(m_request.connectTimeoutMs);
    if (m_request.timeoutMs > 0) {
        m_deadline = new QTimer(this);
        m_deadline->setSingleShot(true);
        connect(m_deadline, &QTimer::timeout, this, [this] {
            fail(EngineReply::ErrorKind::Timeout,
                 QStringLiteral("no complete answer from the engine within %1 s")
                     .arg(m_request.timeoutMs / 1000.0));
        });
        m_deadline->start(m_request.timeoutMs);
    }
    openSocket();
}

QString EngineConnection::whereText() const
{
    return m_endpoint.kind == EngineEndpoint::Kind::Unix ? m_endpoint.socketPath
                                                         : m_endpoint.toString();
}

void EngineConnection::openSocket()
{
    if (m_endpoint.kind == EngineEndpoint::Kind::Unix) {
        auto *socket = new QLocalSocket(this);
        m_device = socket;
        connect(socket, &QLocalSocket::connected, this, &EngineConnection::sendRequest);
        connect(socket, &QLocalSocket::readyRead, this, &EngineConnection::readAvailable);
        connect(socket, &QLocalSocket::disconnected, this, &EngineConnection::handleClosed);
        connect(socket, &QLocalSocket::errorOccurred, this,
                [this, socket](QLocalSocket::LocalSocketError error) {
                    if (m_connected) {
                        // After connecting, the end of the stream is reported by
                        // disconnected(), which also drains what is left to read.
                        if (error != QLocalSocket::PeerClosedError) {
                            fail(EngineReply::ErrorKind::ProtocolError, socket->errorString());
                        }
                        return;
                    }
                    failConnect(
                        localSocketError(error, m_endpoint.socketPath, socket->errorString()));
                });
        socket->connectToServer(m_endpoint.socketPath);
        return;
    }

    QTcpSocket *socket = nullptr;
    if (m_endpoint.kind == EngineEndpoint::Kind::Tls) {
        if (!QSslSocket::supportsSsl()) {
            failConnect(QStringLiteral("TLS to %1 needs OpenSSL, which Qt could not load")
                            .arg(whereText()));
            return;
        }
        const QDir certDir(m_endpoint.certPath);
        const auto ca = readFile(certDir.filePath(QStringLiteral("ca.pem")));
        const auto cert = readFile(certDir.filePath(QStringLiteral("cert.pem")));
        const auto keyPem = readFile(certDir.filePath(QStringLiteral("key.pem")));
        if (!ca || !cert || !keyPem) {
            failConnect(QStringLiteral("cannot read ca.pem, cert.pem and key.pem in %1")
                            .arg(m_endpoint.certPath));
            return;
        }
        const auto key = readPrivateKey(*keyPem);
        const QList<QSslCertificate> caCerts = QSslCertificate::fromData(*ca, QSsl::Pem);
        const QList<QSslCertificate> clientCerts = QSslCertificate::fromData(*cert, QSsl::Pem);
        if (!key || caCerts.isEmpty() || clientCerts.isEmpty()) {
            failConnect(
                QStringLiteral("the TLS files in %1 are not a valid PEM key and certificates")
                    .arg(m_endpoint.certPath));
            return;
        }
        auto *ssl = new QSslSocket(this);
        QSslConfiguration config = ssl->sslConfiguration();
        // Only the engine's own CA may vouch for it, as with the docker CLI.
        config.setCaCertificates(caCerts);
        config.setLocalCertificateChain(clientCerts);
        config.setPrivateKey(*key);
        config.setPeerVerifyMode(m_endpoint.verifyPeer ? QSslSocket::VerifyPeer
                                                       : QSslSocket::VerifyNone);
        ssl->setSslConfiguration(config);
        connect(ssl, &QSslSocket::sslErrors, this, [this, ssl](const QList<QSslError> &errors) {
            QStringList texts;
            for (const QSslError &error : errors) {
                texts.append(error.errorString());
            }
            m_sslErrors = texts.join(QStringLiteral("; "));
            if (!m_endpoint.verifyPeer) {
                ssl->ignoreSslErrors();
            }
        });
        connect(ssl, &QSslSocket::encrypted, this, &EngineConnection::sendRequest);
        socket = ssl;
    } else {
        socket = new QTcpSocket(this);
        connect(socket, &QTcpSocket::connected, this, &EngineConnection::sendRequest);
    }
    m_device = socket;
    connect(socket, &QTcpSocket::readyRead, this, &EngineConnection::readAvailable);
    connect(socket, &QTcpSocket::disconnected, this, &EngineConnection::handleClosed);
    connect(socket, &QTcpSocket::errorOccurred, this,
            [this, socket](QAbstractSocket::SocketError error) {
                if (m_connected) {
                    if (error != QAbstractSocket::RemoteHostClosedError) {
                        fail(EngineReply::ErrorKind::ProtocolError, socket->errorString());
                    }
                    return;
                }
                QString detail = socket->errorString();
                if (!m_sslErrors.isEmpty()) {
                    detail = QStringLiteral("TLS verification failed: %1").arg(m_sslErrors);
                }
                failConnect(tcpSocketError(error, whereText(), detail));
            });
    if (auto *ssl = qobject_cast<QSslSocket *>(socket)) {
        ssl->connectToHostEncrypted(m_endpoint.host, m_endpoint.port);
    } else {
        socket->connectToHost(m_endpoint.host, m_endpoint.port);
    }
}

void EngineConnection::sendRequest()
{
    if (done()) {
        return;
    }
    m_connected = true;
    m_connectTimer->stop();
    QByteArray host = "docker";
    if (m_endpoint.kind != EngineEndpoint::Kind::Unix) {
        host = m_endpoint.toString().mid(6).toUtf8();
    }
    QByteArray head;
    head.reserve(256);
    head += m_request.method + ' ' + m_request.target + " HTTP/1.1\r\n";
    head += "Host: " + host + "\r\n";
    head += "User-Agent: Shoal/" SHOAL_VERSION "\r\n";
    head += "Connection: close\r\n";
    if (!m_request.contentType.isEmpty()) {
        head += "Content-Type: " + m_request.contentType + "\r\n";
    }
    if (!m_request.body.isEmpty() || m_request.method == "POST" || m_request.method == "PUT") {
        head += "Content-Length: " + QByteArray::number(m_request.body.size()) + "\r\n";
    }
    head += "\r\n";
    m_device->write(head);
    if (!m_request.body.isEmpty()) {
        m_device->write(m_request.body);
    }
    qCDebug(lcEngine) << "sent" << m_request.method << m_request.target << "to" << whereText();
}

void EngineConnection::readAvailable()
{
    while (!done() && m_device && m_device->bytesAvailable() > 0) {
        const QByteArray bytes = m_device->readAll();
        if (bytes.isEmpty()) {
            break;
        }
        const auto state = m_parser.feed(bytes);
        if (!m_statusSeen && m_parser.headersComplete() &&
            state != HttpResponseParser::State::Failed) {
            m_statusSeen = true;
            m_reply->setStatusCode(m_parser.statusCode());
        }
        handleBody(m_parser.takeBody());
        if (done()) {
            return;
        }
        if (state == HttpResponseParser::State::Failed) {
            fail(EngineReply::ErrorKind::ProtocolError, m_parser.errorString());
            return;
        }
        if (state == HttpResponseParser::State::Complete) {
            completeResponse();
            return;
        }
    }
}

void EngineConnection::handleBody(const QByteArray &bytes)
{
    if (bytes.isEmpty() || done()) {
        return;
    }
    // Error answers are always collected: their body is the message to show.
    const bool buffered = m_request.mode == BodyMode::Buffered || m_parser.statusCode() >= 400;
    if (buffered) {
        if (m_reply->body().size() + bytes.size() > MaxBufferedBodyBytes) {
            fail(EngineReply::ErrorKind::ProtocolError,
                 QStringLiteral("the engine's answer exceeds %1 MiB")
                     .arg(MaxBufferedBodyBytes / (1024 * 1024)));
            return;
        }
        m_reply->appendBody(bytes);
        return;
    }
    if (m_request.mode == BodyMode::Raw) {
        m_reply->deliverData(bytes);
        return;
    }
    const QList<QByteArray> lines = m_splitter.feed(bytes);
    for (const QByteArray &line : lines) {
        // A receiver may abort the reply from inside lineReceived().
        if (done()) {
            return;
        }
        m_reply->deliverLine(line);
    }
    if (m_splitter.overflowed() && !done()) {
        fail(EngineReply::ErrorKind::ProtocolError,
             QStringLiteral("a message in the engine's stream exceeds %1 MiB")
                 .arg(JsonLineSplitter::MaxLineBytes / (1024 * 1024)));
    }
}

void EngineConnection::handleClosed()
{
    if (done()) {
        return;
    }
    readAvailable();
    if (done()) {
        return;
    }
    const auto state = m_parser.finishInput();
    const bool failed = state == HttpResponseParser::State::Failed;
    if (!m_statusSeen && m_parser.headersComplete() && !failed) {
        m_statusSeen = true;
        m_reply->setStatusCode(m_parser.statusCode());
    }
    handleBody(m_parser.takeBody());
    if (done()) {
        return;
    }
    if (state == HttpResponseParser::State::Complete) {
        completeResponse();
    } else {
        fail(EngineReply::ErrorKind::ProtocolError, m_parser.errorString());
    }
}

void EngineConnection::completeResponse()
{
    if (m_request.mode == BodyMode::JsonLines && m_parser.statusCode() < 400) {
        const QByteArray last = m_splitter.finish();
        if (!last.isEmpty()) {
            m_reply->deliverLine(last);
        }
    }
    if (done()) {
        return;
    }
    m_done = true;
    shutDown();
    m_reply->finish();
}

void EngineConnection::failConnect(const QString &message)
{
    qCWarning(lcEngine).noquote() << "engine unreachable:" << message;
    fail(EngineReply::ErrorKind::ConnectionFailed, message);
}

void EngineConnection::fail(EngineReply::ErrorKind kind, const QString &message)
{
    if (done()) {
        return;
    }
    m_done = true;
    shutDown();
    m_reply->finishWithError(kind, message);
}

void EngineConnection::shutDown()
{
    if (m_connectTimer) {
        m_connectTimer->stop();
    }
    if (m_deadline) {
        m_deadline->stop();
    }
    if (!m_device) {
        return;
    }
    // Signals off first, so that closing does not re-enter the handlers above.
    m_device->disconnect(this);
    if (auto *local = qobject_cast<QLocalSocket *>(m_device)) {
        local->abort();
    } else if (auto *tcp = qobject_cast<QAbstractSocket *>(m_device)) {
        tcp->abort();
    }
    m_device->deleteLater();
    m_device = nullptr;
}

} // namespace Shoal::Core
