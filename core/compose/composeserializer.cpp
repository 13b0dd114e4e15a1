// composeProjectToJson and composeProjectToYaml: the resolved model in the shape of
// `docker compose config`, so that its output can be compared with compose's own.

#include "durationparser.h"

#include <core/compose/composeloader.h>

#include <QJsonArray>

#include <yaml-cpp/yaml.h>

#include <cmath>

namespace Shoal::Core {

namespace {

QJsonObject stringMap(const QMap<QString, QString> &map)
{
    QJsonObject object;
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        object.insert(it.key(), it.value());
    }
    return object;
}

QJsonArray portsToJson(const QList<PortMapping> &ports)
{
    QJsonArray array;
    for (const PortMapping &port : ports) {
        // A container range is published port by port, as compose prints it; a host range
        // for one container port stays one entry.
        const int count = port.targetEnd - port.target + 1;
        for (int i = 0; i < count; ++i) {
            QJsonObject entry;
            entry.insert(QStringLiteral("mode"), QStringLiteral("ingress"));
            if (!port.hostIp.isEmpty()) {
                entry.insert(QStringLiteral("host_ip"), port.hostIp);
            }
            entry.insert(QStringLiteral("target"), port.target + i);
            if (port.published > 0) {
                const bool hostRange = port.publishedEnd > port.published && count == 1;
                entry.insert(
                    QStringLiteral("published"),
                    hostRange ? QStringLiteral("%1-%2").arg(port.published).arg(port.publishedEnd)
                              : QString::number(port.published + i));
            }
            entry.insert(QStringLiteral("protocol"), port.protocol);
            array.append(entry);
        }
    }
    return array;
}

QJsonObject serviceToJson(const ServiceSpec &spec)
{
    QJsonObject service;
    if (!spec.image.isEmpty()) {
        service.insert(QStringLiteral("image"), spec.image);
    }
    if (spec.build) {
        QJsonObject build;
        build.insert(QStringLiteral("context"), spec.build->context);
        build.insert(QStringLiteral("dockerfile"), spec.build->dockerfile.isEmpty()
                                                       ? QStringLiteral("Dockerfile")
                                                       : spec.build->dockerfile);
        if (!spec.build->args.isEmpty()) {
            build.insert(QStringLiteral("args"), stringMap(spec.build->args));
        }
        if (!spec.build->target.isEmpty()) {
            build.insert(QStringLiteral("target"), spec.build->target);
        }
        service.insert(QStringLiteral("build"), build);
    }
    if (spec.command) {
        service.insert(QStringLiteral("command"), QJsonArray::fromStringList(*spec.command));
    }
    if (spec.entrypoint) {
        service.insert(QStringLiteral("entrypoint"), QJsonArray::fromStringList(*spec.entrypoint));
    }
    if (!spec.environment.isEmpty()) {
        service.insert(QStringLiteral("environment"), stringMap(spec.environment));
    }
    if (!spec.ports.isEmpty()) {
        service.insert(QStringLiteral("ports"), portsToJson(spec.ports));
    }
    if (!spec.expose.isEmpty()) {
        service.insert(QStringLiteral("expose"), QJsonArray::fromStringList(spec.expose));
    }
    if (!spec.labels.isEmpty()) {
        service.insert(QStringLiteral("labels"), stringMap(spec.labels));
    }
    service.insert(QStringLiteral("deploy"),
                   QJsonObject{{QStringLiteral("replicas"), spec.replicas}});
    if (!spec.restart.isEmpty()) {
        service.insert(QStringLiteral("restart"), spec.restart);
    }
    if (spec.healthcheck) {
        const HealthcheckSpec &health = *spec.healthcheck;
        QJsonObject object;
        if (!health.test.isEmpty()) {
            object.insert(QStringLiteral("test"), QJsonArray::fromStringList(health.test));
        }
        const std::pair<const char *, qint64> durations[] = {
            {"interval", health.intervalMs},
            {"timeout", health.timeoutMs},
            {"start_period", health.startPeriodMs}};
        for (const auto &[name, ms] : durations) {
            if (ms > 0) {
                object.insert(QLatin1String(name), DurationParser::format(ms));
            }
        }
        if (health.retries > 0) {
            object.insert(QStringLiteral("retries"), health.retries);
        }
        if (health.disabled) {
            object.insert(QStringLiteral("disable"), true);
        }
        service.insert(QStringLiteral("healthcheck"), object);
    }
    if (!spec.dependsOn.isEmpty()) {
        QJsonObject dependsOn;
        for (const DependsOn &dependency : spec.dependsOn) {
            dependsOn.insert(dependency.service,
                             QJsonObject{{QStringLiteral("condition"), dependency.condition},
                                         {QStringLiteral("required"), dependency.required},
                                         {QStringLiteral("restart"), dependency.restart}});
        }
        service.insert(QStringLiteral("depends_on"), dependsOn);
    }
    QJsonObject networks;
    for (const QString &network : spec.networks) {
        networks.insert(network, QJsonValue::Null);
    }
    if (networks.isEmpty()) {
        networks.insert(QStringLiteral("default"), QJsonValue::Null);
    }
    service.insert(QStringLiteral("networks"), networks);
    if (!spec.volumes.isEmpty()) {
        service.insert(QStringLiteral("volumes"), QJsonArray::fromStringList(spec.volumes));
    }
    if (spec.stopGracePeriodMs != ServiceSpec().stopGracePeriodMs) {
        service.insert(QStringLiteral("stop_grace_period"),
                       DurationParser::format(spec.stopGracePeriodMs));
    }
    // Only when set, so that a definition without limits keeps its config hash.
    if (spec.cpus > 0) {
        service.insert(QStringLiteral("cpus"), spec.cpus);
    }
    const std::pair<const char *, QString> strings[] = {{"stop_signal", spec.stopSignal},
                                                        {"working_dir", spec.workingDir},
                                                        {"user", spec.user},
                                                        {"container_name", spec.containerName},
                                                        {"cpuset", spec.cpuset}};
    for (const auto &[name, value] : strings) {
        if (!value.isEmpty()) {
            service.insert(QLatin1String(name), value);
        }
    }
    if (!spec.profiles.isEmpty()) {
        service.insert(QStringLiteral("profiles"), QJsonArray::fromStringList(spec.profiles));
    }
    if (!(spec.shoal == ShoalServiceOptions())) {
        QJsonObject shoal{{QStringLiteral("balance"), spec.shoal.balance},
                          {QStringLiteral("mode"), spec.shoal.mode}};
        if (!spec.shoal.healthPath.isEmpty()) {
            shoal.insert(QStringLiteral("health_path"), spec.shoal.healthPath);
        }
        if (!spec.shoal.weights.isEmpty()) {
            QJsonObject weights;
            for (auto it = spec.shoal.weights.cbegin(); it != spec.shoal.weights.cend(); ++it) {
                weights.insert(QString::number(it.key()), it.value());
            }
            shoal.insert(QStringLiteral("weights"), weights);
        }
        service.insert(QStringLiteral("x-shoal"), shoal);
    }
    return service;
}

template <typename Spec>
QJsonObject resourcesToJson(const QString &projectName, const QList<Spec> &specs)
{
    QJsonObject object;
    for (const Spec &spec : specs) {
        QJsonObject entry;
        entry.insert(QStringLiteral("name"),
                     spec.external ? spec.name : projectName + QLatin1Char('_') + spec.name);
        if (!spec.driver.isEmpty()) {
            entry.insert(QStringLiteral("driver"), spec.driver);
        }
        if (spec.external) {
            entry.insert(QStringLiteral("external"), true);
        }
        if (!spec.labels.isEmpty()) {
            entry.insert(QStringLiteral("labels"), stringMap(spec.labels));
        }
        object.insert(spec.name, entry);
    }
    return object;
}

void emitJson(YAML::Emitter &out, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out << YAML::Null;
        break;
    case QJsonValue::Bool:
        out << value.toBool();
        break;
    case QJsonValue::Double: {
        const double number = value.toDouble();
        if (std::floor(number) == number && std::abs(number) < 1e15) {
            out << static_cast<long long>(number);
        } else {
            out << number;
        }
        break;
    }
    case QJsonValue::String:
        // Quoted so that values such as "8080", "true" or "no" stay strings when read back.
        out << YAML::DoubleQuoted << value.toString().toStdString();
        break;
    case QJsonValue::Array:
        out << YAML::BeginSeq;
        for (const QJsonValue &item : value.toArray()) {
            emitJson(out, item);
        }
        out << YAML::EndSeq;
        break;
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        out << YAML::BeginMap;
        for (auto it = object.begin(); it != object.end(); ++it) {
            out << YAML::Key << it.key().toStdString() << YAML::Value;
            emitJson(out, it.value());
        }
        out << YAML::EndMap;
        break;
    }
    }
}

} // namespace

QJsonObject composeProjectToJson(const ComposeProject &project)
{
    QJsonObject root;
    root.insert(QStringLiteral("name"), project.name);
    QJsonObject services;
    for (const ServiceSpec &spec : project.services) {
        services.insert(spec.name, serviceToJson(spec));
    }
    root.insert(QStringLiteral("services"), services);
    if (!project.networks.isEmpty()) {
        root.insert(QStringLiteral("networks"), resourcesToJson(project.name, project.networks));
    }
    if (!project.volumes.isEmpty()) {
        root.insert(QStringLiteral("volumes"), resourcesToJson(project.name, project.volumes));
    }
    for (auto it = project.extensions.begin(); it != project.extensions.end(); ++it) {
        root.insert(it.key(), it.value());
    }
    return root;
}

QByteArray composeProjectToYaml(const ComposeProject &project)
{
    YAML::Emitter out;
    emitJson(out, composeProjectToJson(project));
    return QByteArray(out.c_str()) + '\n';
}

} // namespace Shoal::Core
