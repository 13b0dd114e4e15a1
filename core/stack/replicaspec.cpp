#include "replicaspec.h"

#include "composelabels.h"

#include <core/compose/composeloader.h>

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

using namespace Qt::StringLiterals;

namespace Shoal::Core {

namespace {

constexpr qint64 NanosecondsPerMs = 1'000'000;
constexpr double NanosecondsPerSecond = 1e9;
const QLatin1StringView LoopbackAddress("127.0.0.1");

QJsonArray toJsonArray(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

QString portKey(int port, const QString &protocol)
{
    return QStringLiteral("%1/%2").arg(port).arg(protocol.isEmpty() ? u"tcp"_s : protocol);
}

QJsonObject restartPolicy(const QString &restart)
{
    QJsonObject policy;
    if (restart.isEmpty() || restart == u"no") {
        policy.insert(u"Name"_s, u"no"_s);
        return policy;
    }
    const QStringList parts = restart.split(u':');
    policy.insert(u"Name"_s, parts.first());
    if (parts.first() == u"on-failure" && parts.size() > 1) {
        policy.insert(u"MaximumRetryCount"_s, parts.at(1).toInt());
    }
    return policy;
}

QJsonObject healthcheck(const HealthcheckSpec &spec)
{
    QJsonObject check;
    if (spec.disabled) {
        check.insert(u"Test"_s, QJsonArray{u"NONE"_s});
        return check;
    }
    check.insert(u"Test"_s, toJsonArray(spec.test));
    if (spec.intervalMs > 0) {
        check.insert(u"Interval"_s, double(spec.intervalMs * NanosecondsPerMs));
    }
    if (spec.timeoutMs > 0) {
        check.insert(u"Timeout"_s, double(spec.timeoutMs * NanosecondsPerMs));
    }
    if (spec.startPeriodMs > 0) {
        check.insert(u"StartPeriod"_s, double(spec.startPeriodMs * NanosecondsPerMs));
    }
    if (spec.retries > 0) {
        check.insert(u"Retries"_s, spec.retries);
    }
    return check;
}

// Named volumes belong to the project as in compose (PROJECT_NAME); paths are bind mounts.
QString bindFor(const QString &projectName, const QString &volume)
{
    const qsizetype colon = volume.indexOf(u':');
    if (colon <= 0) {
        return volume;
    }
    const QString source = volume.left(colon);
    if (source.startsWith(u'/') || source.startsWith(u'.') || source.startsWith(u'~')) {
        return volume;
    }
    return projectName + u'_' + volume;
}

} // namespace

QString ReplicaSpec::containerName(const QString &project, const QString &service, int number)
{
    return QStringLiteral("%1-%2-%3").arg(project, service).arg(number);
}

QString ReplicaSpec::defaultNetworkName(const QString &project)
{
    return project + u"_default"_s;
}

QString ReplicaSpec::networkName(const ComposeProject &project, const QString &key)
{
    for (const NetworkSpec &network : project.networks) {
        if (network.name == key && network.external) {
            return key;
        }
    }
    return project.name + u'_' + key;
}

int ReplicaSpec::stopTimeoutSeconds(const ServiceSpec &service)
{
    constexpr qint64 MsPerSecond = 1000;
    return int((service.stopGracePeriodMs + MsPerSecond - 1) / MsPerSecond);
}

QString ReplicaSpec::configHash(const ServiceSpec &service)
{
    // Only what reaches the container counts: the replica count and the proxy's own options
    // (x-shoal) change no container, so changing them must not recreate the replicas.
    ServiceSpec container = service;
    container.replicas = 1;
    container.shoal = {};
    ComposeProject single;
    single.name = u"hash"_s;
    single.services.append(container);
    const QJsonObject json = composeProjectToJson(single);
    const QByteArray canonical =
        QJsonDocument(json.value(u"services"_s).toObject()).toJson(QJsonDocument::Compact);
    return QString::fromLatin1(
        QCryptographicHash::hash(canonical, QCryptographicHash::Sha256).toHex());
}

QJsonObject ReplicaSpec::createBody(const ComposeProject &project, const ServiceSpec &service,
                                    int number)
{
    QJsonObject body;
    body.insert(u"Image"_s, service.imageName(project.name));

    QJsonArray env;
    for (auto it = service.environment.cbegin(); it != service.environment.cend(); ++it) {
        env.append(it.key() + u'=' + it.value());
    }
    body.insert(u"Env"_s, env);
    if (service.command) {
        body.insert(u"Cmd"_s, toJsonArray(*service.command));
    }
    if (service.entrypoint) {
        body.insert(u"Entrypoint"_s, toJsonArray(*service.entrypoint));
    }
    if (!service.workingDir.isEmpty()) {
        body.insert(u"WorkingDir"_s, service.workingDir);
    }
    if (!service.user.isEmpty()) {
        body.insert(u"User"_s, service.user);
    }
    if (!service.stopSignal.isEmpty()) {
        body.insert(u"StopSignal"_s, service.stopSignal);
    }
    body.insert(u"StopTimeout"_s, stopTimeoutSeconds(service));
    if (service.healthcheck) {
        body.insert(u"Healthcheck"_s, healthcheck(*service.healthcheck));
    }

    QJsonObject labels;
    for (auto it = service.labels.cbegin(); it != service.labels.cend(); ++it) {
        labels.insert(it.key(), it.value());
    }
    labels.insert(ComposeLabels::Project, project.name);
    labels.insert(ComposeLabels::Service, service.name);
    labels.insert(ComposeLabels::ContainerNumber, QString::number(number));
    labels.insert(ComposeLabels::OneOff, u"False"_s);
    const QString hash = configHash(service);
    labels.insert(ComposeLabels::ConfigHash, hash);
    labels.insert(ComposeLabels::ShoalConfigHash, hash);
    labels.insert(ComposeLabels::WorkingDir, project.workingDir);
    labels.insert(ComposeLabels::ConfigFiles, project.configFiles.join(u','));
    labels.insert(ComposeLabels::Image, service.imageName(project.name));
    body.insert(u"Labels"_s, labels);

    QJsonObject exposed;
    QJsonObject bindings;
    for (const PortMapping &port : service.ports) {
        const int last = std::max(port.target, port.targetEnd);
        for (int target = port.target; target <= last; ++target) {
            const QString key = portKey(target, port.protocol);
            exposed.insert(key, QJsonObject{});
            QJsonObject binding;
            binding.insert(u"HostIp"_s, LoopbackAddress);
            binding.insert(u"HostPort"_s, QString());
            bindings.insert(key, QJsonArray{binding});
        }
    }
    for (const QString &port : service.expose) {
        const QString key = port.contains(u'/') ? port : port + u"/tcp"_s;
        exposed.insert(key, QJsonObject{});
    }
    body.insert(u"ExposedPorts"_s, exposed);

    const QString network = service.networks.isEmpty()
                                ? defaultNetworkName(project.name)
                                : networkName(project, service.networks.first());
    QJsonObject hostConfig;
    hostConfig.insert(u"PortBindings"_s, bindings);
    hostConfig.insert(u"RestartPolicy"_s, restartPolicy(service.restart));
    hostConfig.insert(u"NetworkMode"_s, network);
    QJsonArray binds;
    for (const QString &volume : service.volumes) {
        binds.append(bindFor(project.name, volume));
    }
    if (!binds.isEmpty()) {
        hostConfig.insert(u"Binds"_s, binds);
    }
    if (service.cpus > 0) {
        hostConfig.insert(u"NanoCpus"_s, double(std::llround(service.cpus * NanosecondsPerSecond)));
    }
    if (!service.cpuset.isEmpty()) {
        hostConfig.insert(u"CpusetCpus"_s, service.cpuset);
    }
    body.insert(u"HostConfig"_s, hostConfig);

    QJsonObject endpoint;
    endpoint.insert(u"Aliases"_s, QJsonArray{service.name});
    QJsonObject endpoints;
    endpoints.insert(network, endpoint);
    body.insert(u"NetworkingConfig"_s, QJsonObject{{u"EndpointsConfig"_s, endpoints}});
    return body;
}

} // namespace Shoal::Core
