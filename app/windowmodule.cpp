#include "windowmodule.h"

#include "stackoptions.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QStringList>

#include <dlfcn.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcWindowModule, "shoal.app.windowmodule", QtWarningMsg)

namespace Shoal::App {

namespace {

constexpr char HeadlessCommand[] = "shoal run -f FILE [--scale SERVICE=N] [--status-json]";

bool displayAvailable()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") ||
           !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
           !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

// Next to the executable first, where the build tree puts the module, then the installed
// library directory relative to it. /proc/self/exe rather than applicationDirPath(): there is
// no QCoreApplication yet, the module makes the QApplication.
QStringList moduleCandidates()
{
    const QString executable = QFile::symLinkTarget(u"/proc/self/exe"_s);
    if (executable.isEmpty()) {
        return {};
    }
    const QDir directory = QFileInfo(executable).dir();
    const QString file = QStringLiteral(SHOAL_WINDOW_MODULE_FILE);
    return {directory.filePath(file),
            QDir::cleanPath(directory.filePath(QStringLiteral(SHOAL_WINDOW_MODULE_RELATIVE_DIR)) +
                            u'/' + file)};
}

// One line per path tried, for the error message. glibc's messages start with the path.
QString loaderFailure(const QString &path)
{
    const QString error = QString::fromLocal8Bit(dlerror());
    return error.startsWith(path) ? u"  "_s + error : u"  %1: %2"_s.arg(path, error);
}

} // namespace

int runWindowModule(int &argc, char **argv)
{
    // Checked before loading: on a machine without a display, that is the reason to give,
    // and the UI libraries need not be mapped only to fail.
    if (!displayAvailable()) {
        printError(u"no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
                   "run headless instead: %1"_s.arg(QLatin1StringView(HeadlessCommand)));
        return 2;
    }

    const QStringList candidates = moduleCandidates();
    QStringList failures;
    for (const QString &path : candidates) {
        // RTLD_NOW: a module that does not match the installed Qt fails here, with the
        // loader's message, instead of aborting once the window is half up.
        void *module = dlopen(QFile::encodeName(path).constData(), RTLD_NOW | RTLD_LOCAL);
        if (!module) {
            failures.append(loaderFailure(path));
            continue;
        }
        auto entry = reinterpret_cast<WindowModuleEntry>(dlsym(module, WindowModuleEntryName));
        if (!entry) {
            failures.append(loaderFailure(path));
            dlclose(module);
            continue;
        }
        qCDebug(lcWindowModule) << "window module" << path;
        // The module stays loaded until the process exits: Qt keeps pointers into it (meta
        // objects, resources, atexit handlers) past the end of the window's event loop.
        return entry(&argc, argv);
    }

    if (candidates.isEmpty()) {
        failures.append(u"  none: /proc/self/exe is unreadable, so the executable's directory "
                        "is unknown"_s);
    }
    printError(u"cannot open the window: its module %1 could not be loaded:\n%2\n"
               "The headless commands do not need it: %3"_s.arg(
                   QStringLiteral(SHOAL_WINDOW_MODULE_FILE), failures.join(u'\n'),
                   QLatin1StringView(HeadlessCommand)));
    return 2;
}

} // namespace Shoal::App
