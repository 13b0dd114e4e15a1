#include "proxycommand.h"

#include "signalwatcher.h"

#include <core/proxy/proxyserver.h>

#include <QCoreApplication>
#include <QTextStream>

#include <optional>

namespace Shoal::App {

namespace {

constexpr int UsageExitCode = 2;
constexpr int StartFailedExitCode = 1;
constexpr int MaxWorkers = 64;

std::optional<std::pair<QHostAddress, quint16>> parseAddress(const QString &text)
{
    const int colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0) {
        return std::nullopt;
    }
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']'))) {
        host = host.mid(1, host.size() - 2);
    }
    bool ok = false;
    const uint port = text.mid(colon + 1).toUInt(&ok);
    QHostAddress address;
    if (host == QLatin1String("localhost")) {
        address = QHostAddress::LocalHost;
    } else if (!address.setAddress(host)) {
        return std::nullopt;
    }
    if (!ok || port > 65535) {
        return std::nullopt;
    }
    return std::make_pair(address, quint16(port));
}

int usage(QTextStream &err, const QString &problem)
{
    err << "shoal proxy: " << problem << "\n"
        << "usage: shoal proxy --listen HOST:PORT --backends HOST:PORT[=WEIGHT][,...]\n"
        << "                   [--workers N] [--mode http|tcp]"
        << " [--balance round-robin|least-connections|weighted]\n"
        << "  =WEIGHT (1.." << Core::ProxyBackend::MaxWeight
        << ") gives a backend that share of the requests; with a weight and no --balance,\n"
        << "  the balance is weighted.\n";
    return UsageExitCode;
}

} // namespace

int runProxyCommand(const QStringList &arguments)
{
    QTextStream err(stderr);
    Core::ProxyConfig config;
    QList<Core::ProxyBackend> backends;
    bool haveListen = false;
    bool haveBalance = false;
    bool haveWeight = false;
    // Like QCoreApplication::arguments(), the list may start with the program's name.
    const int first = !arguments.isEmpty() && !arguments.first().startsWith(QLatin1Char('-'));
    for (int i = first; i < arguments.size(); ++i) {
        const QString &option = arguments.at(i);
        if (option == QLatin1String("--help") || option == QLatin1String("-h")) {
            usage(err, QStringLiteral("runs a round-robin HTTP proxy in the foreground"));
            return 0;
        }
        static const QStringList known = {QStringLiteral("--listen"), QStringLiteral("--backends"),
                                          QStringLiteral("--workers"), QStringLiteral("--mode"),
                                          QStringLiteral("--balance")};
        if (!known.contains(option)) {
            return usage(err, QStringLiteral("unknown option %1").arg(option));
        }
        if (i + 1 >= arguments.size()) {
            return usage(err, QStringLiteral("%1 needs a value").arg(option));
        }
        const QString value = arguments.at(++i);
        if (option == QLatin1String("--listen")) {
            const auto address = parseAddress(value);
            if (!address) {
                return usage(err, QStringLiteral("invalid listen address %1").arg(value));
            }
            config.listenAddress = address->first;
            config.listenPort = address->second;
            haveListen = true;
        } else if (option == QLatin1String("--backends")) {
            for (const QString &item : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                QString target = item.trimmed();
                int weight = 1;
                const int equals = target.lastIndexOf(QLatin1Char('='));
                if (equals >= 0) {
                    bool ok = false;
                    weight = target.mid(equals + 1).toInt(&ok);
                    if (!ok || weight < 1 || weight > Core::ProxyBackend::MaxWeight) {
                        return usage(err, QStringLiteral("invalid weight in %1 (1..%2)")
                                              .arg(item)
                                              .arg(Core::ProxyBackend::MaxWeight));
                    }
                    target.truncate(equals);
                    haveWeight = true;
                }
                const auto address = parseAddress(target);
                if (!address || address->second == 0) {
                    return usage(err,
                                 QStringLiteral("invalid backend %1: expected an IP address or "
                                                "localhost, a colon and a port (1-65535)")
                                     .arg(item));
                }
                Core::ProxyBackend backend;
                backend.id = target;
                backend.address = address->first;
                backend.port = address->second;
                backend.weight = weight;
                backends.append(backend);
            }
        } else if (option == QLatin1String("--workers")) {
            bool ok = false;
            const int workers = value.toInt(&ok);
            if (!ok || workers < 1 || workers > MaxWorkers) {
                return usage(err, QStringLiteral("--workers must be 1..%1").arg(MaxWorkers));
            }
            config.workerCount = workers;
        } else if (option == QLatin1String("--mode")) {
            if (value == QLatin1String("http")) {
                config.mode = Core::ProxyConfig::Mode::Http;
            } else if (value == QLatin1String("tcp")) {
                config.mode = Core::ProxyConfig::Mode::Tcp;
            } else {
                return usage(err, QStringLiteral("unknown mode %1").arg(value));
            }
        } else if (option == QLatin1String("--balance")) {
            if (value == QLatin1String("round-robin")) {
                config.balance = Core::ProxyConfig::Balance::RoundRobin;
            } else if (value == QLatin1String("least-connections")) {
                config.balance = Core::ProxyConfig::Balance::LeastConnections;
            } else if (value == QLatin1String("weighted")) {
                config.balance = Core::ProxyConfig::Balance::WeightedRoundRobin;
            } else {
                return usage(err, QStringLiteral("unknown balance %1").arg(value));
            }
            haveBalance = true;
        }
    }
    if (!haveListen) {
        return usage(err, QStringLiteral("--listen is required"));
    }
    if (backends.isEmpty()) {
        return usage(err, QStringLiteral("--backends is required"));
    }
    if (haveWeight && !haveBalance) {
        config.balance = Core::ProxyConfig::Balance::WeightedRoundRobin;
    } else if (haveWeight && config.balance != Core::ProxyConfig::Balance::WeightedRoundRobin) {
        err << "shoal proxy: backend weights apply only with --balance weighted; ignored\n";
    }

    int exitCode = 0;
    {
        Core::ProxyServer server(config);
        server.setBackends(backends);
        SignalWatcher signalWatcher;
        QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, &server,
                         [] { QCoreApplication::quit(); });
        if (!server.start()) {
            err << "shoal proxy: " << server.errorString() << "\n";
            exitCode = StartFailedExitCode;
        } else {
            QTextStream(stdout) << "shoal proxy: listening on " << config.listenAddress.toString()
                                << ":" << server.serverPort() << ", " << backends.size()
                                << (backends.size() == 1 ? " backend\n" : " backends\n");
            exitCode = QCoreApplication::exec();
            server.stop();
        }
    }
    return exitCode;
}

} // namespace Shoal::App
