#include "commands.h"
#include "signalwatcher.h"
#include "stackoptions.h"
#include "uiprofiler.h"
#include "windowmodule.h"
#include "windowsessions.h"

#include <ui/mainwindow.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileDialog>
#include <QIcon>
#include <QMessageBox>

#include <type_traits>

using namespace Qt::StringLiterals;

namespace Shoal::App {

namespace {

// The -f files make one stack, as in compose; every positional FILE is a stack of its own.
QList<StackSource> commandLineSources(const QCommandLineParser &parser)
{
    StackSource common;
    common.projectName = parser.value(u"project-name"_s);
    common.envFiles = parser.values(u"env-file"_s);
    common.profiles = parser.values(u"profile"_s);
    common.engine = parser.value(u"engine"_s);
    QList<StackSource> sources;
    if (!parser.values(u"file"_s).isEmpty()) {
        sources.append(common);
        sources.last().files = parser.values(u"file"_s);
    }
    const QStringList positional = parser.positionalArguments();
    for (const QString &file : positional) {
        sources.append(common);
        sources.last().files = {file};
    }
    return sources;
}

} // namespace

// The display was checked by runWindowModule() before it loaded this module.
int runWindowCommand(int &argc, char **argv)
{
    QApplication app(argc, argv);
    UiProfiler::installIfRequested(app);
    QApplication::setDesktopFileName(u"io.github.shoal.Shoal"_s);
    QIcon icon;
    for (const int size : {16, 22, 24, 32, 48, 64, 128, 256}) {
        icon.addFile(u":/icons/shoal-%1.png"_s.arg(size), QSize(size, size));
    }
    QApplication::setWindowIcon(icon);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Open compose stacks in Shoal's window, one tab each; without FILE, the stacks "
        "open when the window last closed."_s);
    parser.addHelpOption();
    StackOptions::addTo(parser);
    parser.addPositionalArgument(u"FILE"_s, u"Compose files to open, each in a tab."_s,
                                 u"[FILE...]"_s);
    parser.process(app);

    QList<StackSource> sources = commandLineSources(parser);
    const bool fromCommandLine = !sources.isEmpty();
    if (sources.size() > 1 && !parser.value(u"project-name"_s).isEmpty()) {
        printError(u"-p names one project; give it with one stack, not %1"_s.arg(sources.size()));
        return 2;
    }
    if (!fromCommandLine) {
        sources = WindowSessions::remembered();
    }
    if (sources.isEmpty()) {
        const QString chosen =
            QFileDialog::getOpenFileName(nullptr, u"Open a compose file"_s, QDir::currentPath(),
                                         u"Compose files (*.yaml *.yml)"_s);
        if (chosen.isEmpty()) {
            return 0;
        }
        sources.append(StackSource{{chosen}, {}, {}, {}, parser.value(u"engine"_s)});
    }

    Ui::MainWindow window;
    WindowSessions sessions(&window);
    sessions.setDefaultEngine(parser.value(u"engine"_s));
    QObject::connect(&sessions, &WindowSessions::lastStackTakenDown, &app, &QApplication::quit);
    // SIGTERM, or Ctrl+C in the terminal it was started from, closes the window as its close
    // button does: settings saved, control sockets removed, nothing left for `shoal down`
    // to stumble over.
    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, &window,
                     &QWidget::close);

    QStringList failures;
    for (const StackSource &source : std::as_const(sources)) {
        QString error;
        if (!sessions.open(source, &error)) {
            printError(error);
            failures.append(u"%1:\n%2"_s.arg(source.files.join(u", "_s), error));
        }
    }
    if (fromCommandLine && sessions.sessions().isEmpty()) {
        // Started from the desktop menu there is no terminal to read stderr in.
        QMessageBox::critical(
            nullptr, u"Shoal"_s,
            u"The compose file could not be opened:\n\n%1"_s.arg(failures.join(u"\n\n"_s)));
        return 1;
    }
    window.show();
    if (!failures.isEmpty()) {
        auto *box = new QMessageBox(
            QMessageBox::Warning, u"Shoal"_s,
            u"Some stacks could not be opened:\n\n%1"_s.arg(failures.join(u"\n\n"_s)),
            QMessageBox::Ok, &window);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    return QApplication::exec();
}

} // namespace Shoal::App

// The module's one exported symbol (windowmodule.h), looked up by runWindowModule().
extern "C" Q_DECL_EXPORT int shoal_window_main(int *argc, char **argv)
{
    return Shoal::App::runWindowCommand(*argc, argv);
}
static_assert(std::is_same_v<decltype(&shoal_window_main), Shoal::App::WindowModuleEntry>,
              "shoal_window_main must match the type the loader calls");
