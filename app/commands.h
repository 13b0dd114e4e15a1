#pragma once

#include <QStringList>

namespace Shoal::App {

// Each `shoal` subcommand. `arguments` starts with the program name followed by the
// subcommand, as QCommandLineParser expects; each returns the process exit code.

int runConfigCommand(const QStringList &arguments);
int runHeadlessCommand(const QStringList &arguments);
int runControlCommand(const QString &verb, const QStringList &arguments);
#ifdef SHOAL_HAVE_UI
int runWindowCommand(int &argc, char **argv);
#endif

} // namespace Shoal::App
