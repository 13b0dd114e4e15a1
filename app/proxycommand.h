#pragma once

#include <QStringList>

namespace Shoal::App {

/// `shoal proxy --listen 127.0.0.1:PORT --backends HOST:PORT,... [--workers N]
/// [--mode http|tcp] [--balance round-robin|least-connections]`: runs the embedded proxy in
/// the foreground until SIGINT or SIGTERM. `arguments` are the options, optionally preceded
/// by a program name (as in QCoreApplication::arguments()).
/// Returns the process exit code (2 for a usage error, 1 when the port cannot be bound).
int runProxyCommand(const QStringList &arguments);

} // namespace Shoal::App
