#include "dockerclient.h"

#include "engineconnection.h"
#include "enginelog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QTimer>
#include <QUrl>

namespace Shoal::Core {

namespace {

QString encoded(const QString &value)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(value));
}

// Image references keep their "/" and ":" readable; the engine's router accepts them there.
QString encodedImage(const QString &value)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(value, "/:@"));
}

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QString jsonOfMap(const QMap<QString, QString> &map)
{
    QJsonObject object;
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        object.insert(it.key(), it.value());
    }
    return compactJson(object);
}

/// The engine's filter syntax: a JSON object of lists, url-encoded, e.g.
/// filters={"label":["com.docker.compose.project=shop"]}.
QString labelFilterQuery(const QStringList &labelFilters)
{
    if (labelFilters.isEmpty()) {
        return {};
    }
    QJsonObject filters;
    filters.insert(QStringLiteral("label"), QJsonArray::fromStringList(labelFilters));
    return QStringLiteral("filters=") + encoded(compactJson(filters));
}

QString withQuery(const QString &path, const QStringList &parameters)
{
    QStringList nonEmpty;
    for (const QString &parameter : parameters) {
        if (!parameter.isEmpty()) {
            nonEmpty.append(parameter);
        }
    }
    if (nonEmpty.isEmpty()) {
        return path;
    }
    return path + QLatin1Char('?') + nonEmpty.join(QLatin1Char('&'));
}

QString flag(bool value)
{
    return value ? QStringLiteral("1") : QStringLiteral("0");
}

/// The minor number of an "1.NN" API version, or -1.
int apiMinorOf(const QString &version)
{
    const QStringList parts = version.split(QLatin1Char('.'));
    if (parts.size() != 2 || parts.at(0) != QLatin1String("1")) {
        return -1;
    }
    bool ok = false;
    const int minor = parts.at(1).toInt(&ok);
    return ok && minor >= 0 ? minor : -1;
}

} // namespace

DockerClient::DockerClient(const EngineEndpoint &endpoint, QObject *parent)
    : QObject(parent)
    , m_endpoint(endpoint)
{}

DockerClient::~DockerClient()
{
    // Every reply promises one finished(); pending ones get theirs now, while this client is
    // still whole, rather than vanishing with it.
    const auto replies = findChildren<EngineReply *>(QString(), Qt::FindDirectChildrenOnly);
    for (EngineReply *reply : replies) {
        reply->disconnect(this);
        reply->abort();
    }
}

void DockerClient::negotiate()
{
    if (m_negotiating) {
        return;
    }
    m_negotiating = true;
    EngineReply *ping =
        send("GET", QStringLiteral("/_ping"), {}, {}, BodyMode::Buffered, m_requestTimeoutMs);
    connect(ping, &EngineReply::finished, this, [this, ping] {
        if (ping->isError()) {
            m_negotiating = false;
            loseEngine(ping->errorString());
            return;
        }
        negotiateVersion();
    });
}

void DockerClient::negotiateVersion()
{
    EngineReply *version =
        send("GET", QStringLiteral("/version"), {}, {}, BodyMode::Buffered, m_requestTimeoutMs);
    connect(version, &EngineReply::finished, this, [this, version] {
        m_negotiating = false;
        if (version->isError()) {
            loseEngine(version->errorString());
            return;
        }
        const QJsonObject info = version->json().object();
        const QString serverApi = info.value(QLatin1String("ApiVersion")).toString();
        const int serverMinor = apiMinorOf(serverApi);
        if (serverMinor < 0) {
            loseEngine(QStringLiteral("the engine at %1 reported no usable API version (\"%2\")")
                           .arg(m_endpoint.toString(), serverApi));
            return;
        }
        if (serverMinor < MinimumApiMinor) {
            loseEngine(QStringLiteral("engine API %1 is older than 1.%2 that Shoal needs")
                           .arg(serverApi)
                           .arg(MinimumApiMinor));
            return;
        }
        m_apiVersion = QStringLiteral("1.%1").arg(std::min(serverMinor, MaximumApiMinor));
        m_engineVersion = info.value(QLatin1String("Version")).toString();
        m_reachable = true;
        qCInfo(lcEngine).noquote() << "engine" << m_engineVersion << "at" << m_endpoint.toString()
                                   << "speaks API" << serverApi << "; using" << m_apiVersion;
        Q_EMIT connected(m_apiVersion);
    });
}

void DockerClient::loseEngine(const QString &reason)
{
    m_reachable = false;
    qCWarning(lcEngine).noquote() << "engine lost:" << reason;
    Q_EMIT engineLost(reason);
}

QString DockerClient::versionedPath(const QString &path) const
{
    if (m_apiVersion.isEmpty()) {
        return path;
    }
    return QStringLiteral("/v") + m_apiVersion + path;
}

EngineReply *DockerClient::send(const QByteArray &method, const QString &path,
                                const QByteArray &body, const QByteArray &contentType,
                                bool streaming)
{
    return send(method, path, body, contentType,
                streaming ? BodyMode::JsonLines : BodyMode::Buffered,
                streaming ? 0 : m_requestTimeoutMs);
}

EngineReply *DockerClient::send(const QByteArray &method, const QString &path,
                                const QByteArray &body, const QByteArray &contentType,
                                BodyMode mode, int timeoutMs)
{
    auto *reply = new EngineReply(this);
    reply->setDescription(QString::fromLatin1(method) + QLatin1Char(' ') + path);

    EngineConnection::Request request;
    request.method = method;
    request.target = versionedPath(path).toUtf8();
    request.body = body;
    request.contentType = contentType;
    request.connectTimeoutMs = ConnectTimeoutMs;
    request.timeoutMs = timeoutMs;
    switch (mode) {
    case BodyMode::Buffered:
        request.mode = EngineConnection::BodyMode::Buffered;
        break;
    case BodyMode::JsonLines:
        request.mode = EngineConnection::BodyMode::JsonLines;
        break;
    case BodyMode::Raw:
        request.mode = EngineConnection::BodyMode::Raw;
        break;
    }
    auto *connection = new EngineConnection(m_endpoint, std::move(request), reply);

    connect(reply, &EngineReply::finished, this, [this, reply] {
        if (reply->errorKind() == EngineReply::ErrorKind::ConnectionFailed && m_reachable) {
            loseEngine(reply->engineMessage());
        }
    });
    // Started from the event loop so that even an immediate failure reaches a receiver
    // that connects to finished() after this function returns.
    QTimer::singleShot(0, connection, [connection] { connection->start(); });
    return reply;
}

EngineReply *DockerClient::get(const QString &path)
{
    return send("GET", path, {}, {}, false);
}

EngineReply *DockerClient::post(const QString &path, const QJsonObject &body)
{
    if (body.isEmpty()) {
        return send("POST", path, {}, {}, false);
    }
    return send("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact),
                "application/json", false);
}

EngineReply *DockerClient::postRaw(const QString &path, const QByteArray &body,
                                   const QByteArray &contentType)
{
    return send("POST", path, body, contentType, false);
}

EngineReply *DockerClient::deleteResource(const QString &path)
{
    return send("DELETE", path, {}, {}, false);
}

EngineReply *DockerClient::stream(const QString &method, const QString &path,
                                  const QByteArray &body, const QByteArray &contentType)
{
    return send(method.toLatin1(), path, body, contentType, true);
}

EngineReply *DockerClient::listContainers(const QStringList &labelFilters, bool all)
{
    return get(withQuery(QStringLiteral("/containers/json"),
                         {QStringLiteral("all=") + flag(all), labelFilterQuery(labelFilters)}));
}

EngineReply *DockerClient::inspectContainer(const QString &idOrName)
{
    return get(QStringLiteral("/containers/%1/json").arg(encoded(idOrName)));
}

EngineReply *DockerClient::createContainer(const QString &name, const QJsonObject &spec)
{
    const QString query = name.isEmpty() ? QString() : QStringLiteral("name=") + encoded(name);
    return send("POST", withQuery(QStringLiteral("/containers/create"), {query}),
                QJsonDocument(spec).toJson(QJsonDocument::Compact), "application/json", false);
}

EngineReply *DockerClient::startContainer(const QString &id)
{
    return post(QStringLiteral("/containers/%1/start").arg(encoded(id)));
}

EngineReply *DockerClient::stopContainer(const QString &id, int timeoutSeconds)
{
    return post(withQuery(QStringLiteral("/containers/%1/stop").arg(encoded(id)),
                          {QStringLiteral("t=%1").arg(std::max(0, timeoutSeconds))}));
}

EngineReply *DockerClient::killContainer(const QString &id, const QString &signal)
{
    const QString query =
        signal.isEmpty() ? QString() : QStringLiteral("signal=") + encoded(signal);
    return post(withQuery(QStringLiteral("/containers/%1/kill").arg(encoded(id)), {query}));
}

EngineReply *DockerClient::removeContainer(const QString &id, bool force)
{
    return deleteResource(
        withQuery(QStringLiteral("/containers/%1").arg(encoded(id)),
                  {QStringLiteral("force=") + flag(force), QStringLiteral("v=1")}));
}

EngineReply *DockerClient::containerStats(const QString &id, bool stream)
{
    const QString path = QStringLiteral("/containers/%1/stats").arg(encoded(id));
    if (stream) {
        return send("GET", withQuery(path, {QStringLiteral("stream=true")}), {}, {},
                    BodyMode::JsonLines, 0);
    }
    // one-shot=false makes the engine wait for a second sample, so precpu_stats is filled
    // and the frame gives a real CPU percentage rather than nothing.
    const QStringList twoSamples = {QStringLiteral("stream=false"),
                                    QStringLiteral("one-shot=false")};
    const int timeout = m_requestTimeoutMs;
    return send("GET", withQuery(path, twoSamples), {}, {}, BodyMode::Buffered, timeout);
}

EngineReply *DockerClient::containerLogs(const QString &id, bool follow, int tail)
{
    const QString path = withQuery(
        QStringLiteral("/containers/%1/logs").arg(encoded(id)),
        {QStringLiteral("follow=") + flag(follow), QStringLiteral("stdout=1"),
         QStringLiteral("stderr=1"),
         QStringLiteral("tail=") + (tail < 0 ? QStringLiteral("all") : QString::number(tail))});
    if (follow) {
        return send("GET", path, {}, {}, BodyMode::Raw, 0);
    }
    return send("GET", path, {}, {}, BodyMode::Buffered, m_requestTimeoutMs);
}

EngineReply *DockerClient::inspectImage(const QString &name)
{
    return get(QStringLiteral("/images/%1/json").arg(encodedImage(name)));
}

EngineReply *DockerClient::buildImage(const QByteArray &contextTar, const QString &tag,
                                      const QString &dockerfile,
                                      const QMap<QString, QString> &buildArgs,
                                      const QMap<QString, QString> &labels)
{
    QStringList query;
    query.append(QStringLiteral("t=") + encoded(tag));
    // forcerm: a failed step must not leave its intermediate container behind.
    query.append(QStringLiteral("forcerm=1"));
    if (!dockerfile.isEmpty()) {
        query.append(QStringLiteral("dockerfile=") + encoded(dockerfile));
    }
    if (!buildArgs.isEmpty()) {
        query.append(QStringLiteral("buildargs=") + encoded(jsonOfMap(buildArgs)));
    }
    if (!labels.isEmpty()) {
        query.append(QStringLiteral("labels=") + encoded(jsonOfMap(labels)));
    }
    const QString path = withQuery(QStringLiteral("/build"), query);
    return send("POST", path, contextTar, "application/x-tar", BodyMode::JsonLines, 0);
}

EngineReply *DockerClient::pullImage(const QString &image, const QString &tag)
{
    return send("POST",
                withQuery(QStringLiteral("/images/create"),
                          {QStringLiteral("fromImage=") + encoded(image),
                           tag.isEmpty() ? QString() : QStringLiteral("tag=") + encoded(tag)}),
                {}, {}, BodyMode::JsonLines, m_requestTimeoutMs);
}

EngineReply *DockerClient::listNetworks(const QStringList &labelFilters)
{
    return get(withQuery(QStringLiteral("/networks"), {labelFilterQuery(labelFilters)}));
}

EngineReply *DockerClient::createNetwork(const QString &name, const QMap<QString, QString> &labels)
{
    QJsonObject spec;
    spec.insert(QStringLiteral("Name"), name);
    spec.insert(QStringLiteral("CheckDuplicate"), true);
    QJsonObject labelObject;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
        labelObject.insert(it.key(), it.value());
    }
    spec.insert(QStringLiteral("Labels"), labelObject);
    return post(QStringLiteral("/networks/create"), spec);
}

EngineReply *DockerClient::removeNetwork(const QString &idOrName)
{
    return deleteResource(QStringLiteral("/networks/%1").arg(encoded(idOrName)));
}

EngineReply *DockerClient::listImages(const QStringList &labelFilters)
{
    return get(withQuery(QStringLiteral("/images/json"), {labelFilterQuery(labelFilters)}));
}

EngineReply *DockerClient::removeImage(const QString &name, bool force)
{
    return deleteResource(withQuery(QStringLiteral("/images/%1").arg(encoded(name)),
                                    {force ? QStringLiteral("force=1") : QString()}));
}

EngineReply *DockerClient::listVolumes(const QStringList &labelFilters)
{
    return get(withQuery(QStringLiteral("/volumes"), {labelFilterQuery(labelFilters)}));
}

EngineReply *DockerClient::createVolume(const QString &name, const QMap<QString, QString> &labels,
                                        const QString &driver)
{
    QJsonObject spec;
    spec.insert(QStringLiteral("Name"), name);
    if (!driver.isEmpty()) {
        spec.insert(QStringLiteral("Driver"), driver);
    }
    QJsonObject labelObject;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
        labelObject.insert(it.key(), it.value());
    }
    spec.insert(QStringLiteral("Labels"), labelObject);
    return post(QStringLiteral("/volumes/create"), spec);
}

EngineReply *DockerClient::removeVolume(const QString &name)
{
    return deleteResource(QStringLiteral("/volumes/%1").arg(encoded(name)));
}

EngineReply *DockerClient::info()
{
    return get(QStringLiteral("/info"));
}

EngineReply *DockerClient::events(const QStringList &labelFilters, qint64 sinceUnix)
{
    return send("GET",
                withQuery(QStringLiteral("/events"),
                          {labelFilterQuery(labelFilters),
                           sinceUnix > 0 ? QStringLiteral("since=%1").arg(sinceUnix) : QString()}),
                {}, {}, BodyMode::JsonLines, 0);
}

} // namespace Shoal::Core
