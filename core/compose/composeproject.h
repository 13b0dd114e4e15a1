#pragma once

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace Shoal::Core {

/// One entry of a service's `ports:` (short or long form), ranges kept as ranges.
struct PortMapping
{
    QString hostIp;       ///< empty: all interfaces as compose would; Shoal proxies on 127.0.0.1
    int published = 0;    ///< 0: not published / ephemeral
    int publishedEnd = 0; ///< last port of a range, == published otherwise
    int target = 0;
    int targetEnd = 0;
    QString protocol = QStringLiteral("tcp");

    bool operator==(const PortMapping &other) const;
};

struct BuildSpec
{
    QString context;    ///< absolute path
    QString dockerfile; ///< relative to context; empty = "Dockerfile"
    QMap<QString, QString> args;
    QString target;

    bool operator==(const BuildSpec &other) const;
};

struct HealthcheckSpec
{
    QStringList test; ///< as the engine wants it: ["CMD", ...], ["CMD-SHELL", "..."], ["NONE"]
    qint64 intervalMs = 0;
    qint64 timeoutMs = 0;
    qint64 startPeriodMs = 0;
    int retries = 0;
    bool disabled = false;

    bool operator==(const HealthcheckSpec &other) const;
};

struct DependsOn
{
    QString service;
    QString condition = QStringLiteral("service_started");
    bool required = true; ///< false: a missing or failing dependency is not an error
    bool restart = false; ///< restart this service when the dependency is updated

    bool operator==(const DependsOn &other) const;
};

/// Shoal's own settings for a service, from its `x-shoal` extension.
struct ShoalServiceOptions
{
    /// The highest weight a replica may have (the proxy clamps to the same bound).
    static constexpr int MaxWeight = 100;

    /// round-robin | least-connections | weighted
    QString balance = QStringLiteral("round-robin");
    QString mode = QStringLiteral("http"); ///< http | tcp
    QString healthPath;                    ///< optional active HTTP health check
    /// Replica number (com.docker.compose.container-number) -> share of requests under
    /// weighted balancing; replicas not listed weigh 1.
    QMap<int, int> weights;

    /// The weight of replica `number`.
    int weightOf(int number) const { return weights.value(number, 1); }

    bool operator==(const ShoalServiceOptions &other) const;
};

struct ServiceSpec
{
    QString name;
    QString image; ///< may be empty when build is set
    std::optional<BuildSpec> build;
    std::optional<QStringList> command;
    std::optional<QStringList> entrypoint;
    QMap<QString, QString> environment; ///< env_file entries merged below environment
    QList<PortMapping> ports;
    QStringList expose;
    QMap<QString, QString> labels;
    int replicas = 1; ///< deploy.replicas or scale
    QString restart;  ///< "no", "always", "on-failure[:N]", "unless-stopped"
    std::optional<HealthcheckSpec> healthcheck;
    QList<DependsOn> dependsOn;
    QStringList networks; ///< empty: the project's default network
    QStringList volumes;  ///< short form "src:dst[:mode]", long form normalised to it
    qint64 stopGracePeriodMs = 10000;
    QString stopSignal;
    QStringList profiles;
    QString workingDir;
    QString user;
    QString containerName;
    /// CPU limit in cores from `cpus` or `deploy.resources.limits.cpus`; 0 means none.
    double cpus = 0;
    QString cpuset; ///< `cpuset`, the engine's CpusetCpus syntax ("0-1,3"); empty: any CPU
    ShoalServiceOptions shoal;

    /// The image name replicas run: `image`, else PROJECT-SERVICE as compose names builds.
    QString imageName(const QString &projectName) const;
};

struct NetworkSpec
{
    QString name; ///< key in the file
    QString driver;
    bool external = false;
    QMap<QString, QString> labels;
};

struct VolumeSpec
{
    QString name;
    QString driver;
    bool external = false;
    QMap<QString, QString> labels;
};

/// A compose project, fully resolved: files merged, variables interpolated, extends applied.
struct ComposeProject
{
    QString name;            ///< normalised as compose does
    QString workingDir;      ///< folder of the first compose file
    QStringList configFiles; ///< absolute paths, in load order
    QList<ServiceSpec> services;
    QList<NetworkSpec> networks;
    QList<VolumeSpec> volumes;
    QJsonObject extensions; ///< top-level x-* fields, kept as given

    const ServiceSpec *service(const QString &name) const;
};

} // namespace Shoal::Core
