#pragma once

#include <core/proxy/proxytypes.h>

#include <QObject>
#include <QString>

#include <memory>

namespace Shoal::Core {

/// The embedded reverse proxy for one listening address: accepts clients, spreads their
/// requests over the backends it is given, and drains backends before they go away.
///
/// Lives on the thread that created it (the control thread); connections are served by
/// worker threads that it owns. All public calls are cheap and never block.
class ProxyServer : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProxyServer)

public:
    explicit ProxyServer(const ProxyConfig &config, QObject *parent = nullptr);
    ~ProxyServer() override;

    /// Starts listening; false with errorString() when the address cannot be bound.
    bool start();
    void stop();
    QString errorString() const;
    quint16 serverPort() const;
    const ProxyConfig &config() const;

    /// Replaces the set of backends. Backends that disappear from the set are drained.
    void setBackends(const QList<ProxyBackend> &backends);
    void addBackend(const ProxyBackend &backend);
    /// Stops sending new requests to `id`; emits backendDrained(id) once its in-flight
    /// requests have finished (or after the drain timeout) and its connections are closed.
    void drainBackend(const QString &id);
    QList<ProxyBackend> backends() const;

    /// Latest per-backend counters (published by the workers once a second).
    QList<BackendCounters> counters() const;

Q_SIGNALS:
    void backendDrained(const QString &id);
    /// Once a second, after counters() has been refreshed.
    void countersUpdated();

private:
    void stopWorkers();

    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Shoal::Core
