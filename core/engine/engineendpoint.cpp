#include "engineendpoint.h"

#include "enginelog.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace Shoal::Core {

namespace {

constexpr quint16 PlainPort = 2375;
constexpr quint16 TlsPort = 2376;
// Docker config files are small; anything bigger is not one.
constexpr qint64 MaxConfigBytes = 4 * 1024 * 1024;

QString envValue(const char *name)
{
    return qEnvironmentVariable(name);
}

QString dockerConfigDir()
{
    const QString configured = envValue("DOCKER_CONFIG");
    if (!configured.isEmpty()) {
        return configured;
    }
    return QDir::home().filePath(QStringLiteral(".docker"));
}

std::optional<QJsonObject> readJsonObject(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.read(MaxConfigBytes), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("%1 is not valid JSON: %2").arg(path, parseError.errorString());
        return std::nullopt;
    }
    return doc.object();
}

EndpointResolution withSource(EndpointResolution resolution, const QString &source)
{
    resolution.source = source;
    return resolution;
}

EndpointResolution fromContext(const QString &name, const QString &configDir)
{
    const QString source = QStringLiteral("context ") + name;
    // The CLI stores each context under the hex SHA-256 of its name.
    const QString digest = QString::fromLatin1(
        QCryptographicHash::hash(name.toUtf8(), QCryptographicHash::Sha256).toHex());
    const QString metaPath =
        QDir(configDir).filePath(QStringLiteral("contexts/meta/%1/meta.json").arg(digest));
    QString error;
    const auto meta = readJsonObject(metaPath, &error);
    if (!meta) {
        EndpointResolution failed;
        failed.source = source;
        failed.error =
            error.isEmpty()
                ? QStringLiteral("docker context \"%1\" not found (no %2)").arg(name, metaPath)
                : error;
        return failed;
    }
    const QJsonObject docker = meta->value(QLatin1String("Endpoints"))
                                   .toObject()
                                   .value(QLatin1String("docker"))
                                   .toObject();
    const QString host = docker.value(QLatin1String("Host")).toString();
    if (host.isEmpty()) {
        EndpointResolution failed;
        failed.source = source;
        failed.error = QStringLiteral("docker context \"%1\" has no engine address").arg(name);
        return failed;
    }
    const QString tlsDir =
        QDir(configDir).filePath(QStringLiteral("contexts/tls/%1/docker").arg(digest));
    const bool hasTls = QFile::exists(QDir(tlsDir).filePath(QStringLiteral("ca.pem")));
    EndpointResolution resolution = parseEngineAddress(host, hasTls, tlsDir);
    if (hasTls && docker.value(QLatin1String("SkipTLSVerify")).toBool()) {
        resolution.endpoint.verifyPeer = false;
    }
    return withSource(resolution, source);
}

} // namespace

QString EngineEndpoint::toString() const
{
    if (kind == Kind::Unix) {
        return QStringLiteral("unix://") + socketPath;
    }
    const QString shownHost =
        host.contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(host) : host;
    return QStringLiteral("tcp://%1:%2").arg(shownHost).arg(port);
}

EndpointResolution parseEngineAddress(const QString &address, bool tls, const QString &certPath)
{
    EndpointResolution resolution;
    const QString trimmed = address.trimmed();
    const int schemeEnd = trimmed.indexOf(QLatin1String("://"));
    const QString scheme = schemeEnd < 0 ? QString() : trimmed.left(schemeEnd).toLower();
    const QString rest = schemeEnd < 0 ? QString() : trimmed.mid(schemeEnd + 3);

    if (scheme == QLatin1String("unix")) {
        if (!rest.startsWith(QLatin1Char('/'))) {
            resolution.error =
                QStringLiteral(
                    "\"%1\" needs an absolute socket path, as in unix:///var/run/docker.sock")
                    .arg(address);
            return resolution;
        }
        resolution.endpoint.kind = EngineEndpoint::Kind::Unix;
        resolution.endpoint.socketPath = rest;
        return resolution;
    }
    if (scheme == QLatin1String("ssh")) {
        resolution.error =
            QStringLiteral("ssh:// engine addresses are not supported; forward the socket with "
                           "ssh -L /tmp/docker.sock:/var/run/docker.sock user@host and use "
                           "unix:///tmp/docker.sock or tcp://");
        return resolution;
    }
    if (scheme != QLatin1String("tcp")) {
        resolution.error = QStringLiteral("unsupported engine address \"%1\": use unix:///path or "
                                          "tcp://host:port")
                               .arg(address);
        return resolution;
    }

    const QUrl url(QStringLiteral("tcp://") + rest, QUrl::StrictMode);
    const QString path = url.path();
    if (!url.isValid() || url.host().isEmpty() || !url.userInfo().isEmpty() ||
        (!path.isEmpty() && path != QLatin1String("/")) || url.hasQuery()) {
        resolution.error =
            QStringLiteral("invalid engine address \"%1\": expected tcp://host:port").arg(address);
        return resolution;
    }
    resolution.endpoint.kind = tls ? EngineEndpoint::Kind::Tls : EngineEndpoint::Kind::Tcp;
    resolution.endpoint.host = url.host();
    resolution.endpoint.port = quint16(url.port(tls ? TlsPort : PlainPort));
    resolution.endpoint.socketPath.clear();
    resolution.endpoint.certPath = certPath;
    return resolution;
}

EndpointResolution resolveEngineEndpoint(const QString &explicitAddress)
{
    const QString configDir = dockerConfigDir();
    const bool tlsVerify = !envValue("DOCKER_TLS_VERIFY").isEmpty();
    const bool tls = tlsVerify || !envValue("DOCKER_TLS").isEmpty();
    QString certPath = envValue("DOCKER_CERT_PATH");
    if (certPath.isEmpty()) {
        certPath = configDir;
    }
    const auto fromAddress = [&](const QString &address, const QString &source) {
        EndpointResolution resolution = parseEngineAddress(address, tls, certPath);
        if (tls && !tlsVerify) {
            resolution.endpoint.verifyPeer = false;
        }
        return withSource(resolution, source);
    };

    if (!explicitAddress.isEmpty()) {
        return fromAddress(explicitAddress, QStringLiteral("flag"));
    }
    const QString dockerHost = envValue("DOCKER_HOST");
    if (!dockerHost.isEmpty()) {
        return fromAddress(dockerHost, QStringLiteral("DOCKER_HOST"));
    }

    QString contextName = envValue("DOCKER_CONTEXT");
    if (contextName.isEmpty()) {
        QString error;
        const auto config =
            readJsonObject(QDir(configDir).filePath(QStringLiteral("config.json")), &error);
        if (!error.isEmpty()) {
            qCWarning(lcEngine).noquote() << error << "; ignoring its current context";
        }
        if (config) {
            contextName = config->value(QLatin1String("currentContext")).toString();
        }
    }
    if (!contextName.isEmpty() && contextName != QLatin1String("default")) {
        return fromContext(contextName, configDir);
    }

    EndpointResolution fallback;
    fallback.source = QStringLiteral("default");
    return fallback;
}

EndpointResolution resolveEngineChoice(const QString &addressOrContext)
{
    const QString choice = addressOrContext.trimmed();
    if (choice.isEmpty() || choice.contains(QLatin1String("://"))) {
        return resolveEngineEndpoint(choice);
    }
    if (choice == QLatin1String("default")) {
        EndpointResolution fallback;
        fallback.source = QStringLiteral("context default");
        return fallback;
    }
    return fromContext(choice, dockerConfigDir());
}

QStringList dockerContextNames()
{
    QStringList names;
    const QDir meta(QDir(dockerConfigDir()).filePath(QStringLiteral("contexts/meta")));
    const QStringList folders = meta.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString &folder : folders) {
        QString error;
        const auto object =
            readJsonObject(meta.filePath(folder + QStringLiteral("/meta.json")), &error);
        const QString name = object ? object->value(QLatin1String("Name")).toString() : QString();
        if (!name.isEmpty() && name != QLatin1String("default")) {
            names.append(name);
        }
    }
    names.sort();
    names.prepend(QStringLiteral("default"));
    return names;
}

} // namespace Shoal::Core
