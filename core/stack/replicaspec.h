#pragma once

#include <core/compose/composeproject.h>

#include <QJsonObject>
#include <QString>

namespace Shoal::Core {

/// How one replica of a service is named and created, the way docker compose does it.
class ReplicaSpec
{
public:
    /// PROJECT-SERVICE-N, compose v2's container name.
    static QString containerName(const QString &project, const QString &service, int number);
    /// PROJECT_default, the network every service joins when it names none.
    static QString defaultNetworkName(const QString &project);
    /// The engine network a compose network key maps to.
    static QString networkName(const ComposeProject &project, const QString &key);
    /// stop_grace_period in whole seconds, rounded up, as the engine's stop timeout wants it.
    static int stopTimeoutSeconds(const ServiceSpec &service);
    /// A digest of the service definition; replicas whose label differs are out of date.
    static QString configHash(const ServiceSpec &service);
    /// The body of POST /containers/create for replica `number` of `service`.
    ///
    /// Every container port is published on 127.0.0.1 with an ephemeral host port: the
    /// host ports the compose file names belong to Shoal's proxy, never to one replica.
    static QJsonObject createBody(const ComposeProject &project, const ServiceSpec &service,
                                  int number);
};

} // namespace Shoal::Core
