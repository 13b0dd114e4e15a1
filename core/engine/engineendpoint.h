#pragma once

#include <QString>
#include <QStringList>

namespace Shoal::Core {

/// Where the Docker engine listens and how to reach it.
struct EngineEndpoint
{
    enum class Kind
    {
        Unix,
        Tcp,
        Tls
    };

    Kind kind = Kind::Unix;
    QString socketPath = QStringLiteral("/var/run/docker.sock"); ///< Kind::Unix
    QString host;                                                ///< Kind::Tcp, Kind::Tls
    quint16 port = 0;
    QString certPath; ///< folder with ca.pem, cert.pem, key.pem (Kind::Tls)
    bool verifyPeer = true;

    /// The address as a user would write it in DOCKER_HOST.
    QString toString() const;
};

/// An endpoint or the reason none could be determined (for example ssh:// hosts).
struct EndpointResolution
{
    EngineEndpoint endpoint;
    QString error;  ///< empty when endpoint is usable
    QString source; ///< "flag", "DOCKER_HOST", "context NAME" or "default"
};

/// Parses a DOCKER_HOST-style address: unix:///path, tcp://host:port.
EndpointResolution parseEngineAddress(const QString &address, bool tls, const QString &certPath);

/// Resolves the engine address: explicit address, DOCKER_HOST (+ DOCKER_TLS_VERIFY,
/// DOCKER_CERT_PATH), the current docker context, then the default unix socket.
EndpointResolution resolveEngineEndpoint(const QString &explicitAddress = {});

/// Resolves what a user typed to pick an engine: an address (it contains "://"), the name
/// of a docker context ("default" is the local socket), or nothing for the usual order of
/// resolveEngineEndpoint().
EndpointResolution resolveEngineChoice(const QString &addressOrContext);

/// The names of the docker contexts in the docker config folder, "default" first.
QStringList dockerContextNames();

} // namespace Shoal::Core
