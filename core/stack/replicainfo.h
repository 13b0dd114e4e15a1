#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

namespace Shoal::Core {

/// One container of a service, as stack control knows it from the engine.
struct ReplicaInfo
{
    QString id;
    QString name; ///< PROJECT-SERVICE-N
    QString service;
    int number = 0; ///< com.docker.compose.container-number
    QString state;  ///< engine state: created, running, exited, ... or "draining"
    QString health; ///< healthy, unhealthy, starting, or empty without healthcheck
    QList<QPair<int, quint16>> publishedPorts; ///< container port -> 127.0.0.1 host port
    QDateTime startedAt;
    QString configHash; ///< Shoal's digest of the definition; empty if not made by Shoal
    int exitCode = -1;  ///< for exited containers, from the engine's status line
    bool inRotation = false;
};

/// A service's scale as asked and as it is.
struct ServiceState
{
    QString name;
    int desired = 0;
    int running = 0;
    QString image;
    QList<QPair<QString, quint16>> proxies; ///< "127.0.0.1:8080" -> container port
};

} // namespace Shoal::Core

Q_DECLARE_METATYPE(Shoal::Core::ReplicaInfo)
