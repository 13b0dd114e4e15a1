#include "commands.h"
#include "proxycommand.h"
#include "stackoptions.h"
#include "windowmodule.h"

#include <QCoreApplication>

#include <cstdio>
#include <cstring>

using namespace Qt::StringLiterals;

namespace {

constexpr char Usage[] =
    "Usage: shoal [FILE]...                   open the window, a tab per compose file\n"
    "       shoal run -f FILE [--scale SERVICE=N]... [--status-json] [--down] [--build]\n"
    "       shoal config -f FILE [-f FILE]... [--format json|yaml]\n"
    "       shoal proxy --listen 127.0.0.1:PORT --backends 127.0.0.1:P1,127.0.0.1:P2,...\n"
    "       shoal ps [--json] | shoal stats [--json] | shoal scale SERVICE=N|+N|-N | "
    "shoal down\n"
    "       shoal start|stop|restart SERVICE...   one service: up, down (drained), rolling\n"
    "       shoal --version | shoal --help\n"
    "\n"
    "Common options: -f FILE, -p NAME, --env-file FILE, --profile NAME, --engine ADDRESS.\n"
    "`shoal COMMAND --help` lists a command's options.\n";

void setApplicationInfo()
{
    QCoreApplication::setOrganizationName(u"Shoal"_s);
    QCoreApplication::setApplicationName(u"Shoal"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(SHOAL_VERSION));
}

QStringList argumentList(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i) {
        arguments.append(QString::fromLocal8Bit(argv[i]));
    }
    return arguments;
}

} // namespace

int main(int argc, char **argv)
{
    setApplicationInfo();
    const QString command = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QString();

    if (command == u"--version" || command == u"-v") {
        std::printf("shoal %s (Qt %s)\n", SHOAL_VERSION, qVersion());
        return 0;
    }
    if (command == u"--help" || command == u"-h" || command == u"help") {
        std::printf("%s", Usage);
        return 0;
    }

    static const QStringList headless{u"run"_s,   u"config"_s, u"proxy"_s, u"ps"_s,   u"stats"_s,
                                      u"scale"_s, u"down"_s,   u"start"_s, u"stop"_s, u"restart"_s};
    if (headless.contains(command)) {
        QCoreApplication app(argc, argv);
        QStringList arguments = argumentList(argc, argv);
        arguments[0] = u"shoal "_s + command;
        arguments.removeAt(1);
        if (command == u"run") {
            return Shoal::App::runHeadlessCommand(arguments);
        }
        if (command == u"config") {
            return Shoal::App::runConfigCommand(arguments);
        }
        if (command == u"proxy") {
            return Shoal::App::runProxyCommand(arguments);
        }
        return Shoal::App::runControlCommand(command, arguments);
    }

    // The window's own options (app/stackoptions.cpp) may come first; anything else that
    // looks like an option is a typo rather than a file to open.
    static const QStringList windowOptions{
        u"-f"_s,       u"--file"_s,     u"-p"_s,       u"--project-name"_s,
        u"--engine"_s, u"--env-file"_s, u"--profile"_s};
    const QString optionName = command.section(u'=', 0, 0);
    if (command.startsWith(u'-') && !windowOptions.contains(optionName)) {
        std::fprintf(stderr, "shoal: unknown option %s\n\n%s", argv[1], Usage);
        return 2;
    }
#ifdef SHOAL_HAVE_UI
    return Shoal::App::runWindowModule(argc, argv);
#else
    Shoal::App::printError(u"this build has no window; use `shoal run -f FILE`"_s);
    return 2;
#endif
}
