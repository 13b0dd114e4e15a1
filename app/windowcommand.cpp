#include "commands.h"
#include "controlserver.h"
#include "stackoptions.h"
#include "stacksession.h"
#include "uiprofiler.h"

#include <core/stack/stackcontroller.h>
#include <ui/mainwindow.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QFileDialog>
#include <QIcon>
#include <QMessageBox>
#include <QSettings>

using namespace Qt::StringLiterals;

namespace Shoal::App {

namespace {

bool displayAvailable()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") ||
           !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
           !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

} // namespace

int runWindowCommand(int &argc, char **argv)
{
    if (!displayAvailable()) {
        printError(u"no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
                   "run headless instead: shoal run -f FILE [--scale SERVICE=N] "
                   "[--status-json]"_s);
        return 2;
    }

    QApplication app(argc, argv);
    UiProfiler::installIfRequested(app);
    QApplication::setDesktopFileName(u"io.github.shoal.Shoal"_s);
    QIcon icon;
    for (const int size : {16, 22, 24, 32, 48, 64, 128, 256}) {
        icon.addFile(u":/icons/shoal-%1.png"_s.arg(size), QSize(size, size));
    }
    QApplication::setWindowIcon(icon);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Open a compose stack in Shoal's window."_s);
    parser.addHelpOption();
    StackOptions::addTo(parser);
    parser.addPositionalArgument(u"FILE"_s, u"The compose file to open."_s, u"[FILE]"_s);
    parser.process(app);

    QStringList files = parser.positionalArguments();
    QSettings settings;
    if (files.isEmpty() && parser.values(u"file"_s).isEmpty()) {
        const QString last = settings.value(u"stack/lastFile"_s).toString();
        const QString chosen = !last.isEmpty() && QFile::exists(last)
                                   ? last
                                   : QFileDialog::getOpenFileName(
                                         nullptr, u"Open a compose file"_s, QDir::currentPath(),
                                         u"Compose files (*.yaml *.yml)"_s);
        if (chosen.isEmpty()) {
            return 0;
        }
        files.append(chosen);
    }

    QString loadError;
    const auto project = StackOptions::loadProject(parser, files, &loadError);
    if (!project) {
        // Started from the desktop menu there is no terminal to read stderr in.
        QMessageBox::critical(nullptr, u"Shoal"_s,
                              u"The compose file could not be opened:\n\n%1"_s.arg(loadError));
        return 1;
    }
    settings.setValue(u"stack/lastFile"_s, project->configFiles.value(0));
    const auto endpoint = StackOptions::endpoint(parser);
    if (!endpoint) {
        return 1;
    }

    auto *session = new StackSession(*endpoint, *project, &app);
    if (!session->controlError().isEmpty()) {
        printError(session->controlError());
    }
    Ui::MainWindow window(session->stack());

    auto follow = [&app, &window](StackSession *opened) {
        QObject::connect(opened->control(), &ControlServer::downCompleted, &app,
                         &QApplication::quit);
        window.setStack(opened->stack());
        opened->stack()->up();
    };
    // Opening another file starts a new session; the one before keeps its containers
    // running, as closing the window would, and goes away with its proxies at once so that
    // the new one can take the same ports.
    QObject::connect(&window, &Ui::MainWindow::composeFileChosen, &window,
                     [&app, &window, &session, endpoint, follow](const QString &path) {
                         Core::ComposeLoadResult loaded = Core::ComposeLoader::loadFile(path);
                         if (!loaded.ok()) {
                             auto *box = new QMessageBox(QMessageBox::Warning, u"Shoal"_s,
                                                         loaded.error, QMessageBox::Ok, &window);
                             box->setAttribute(Qt::WA_DeleteOnClose);
                             box->open();
                             return;
                         }
                         QSettings().setValue(u"stack/lastFile"_s, path);
                         window.setStack(nullptr);
                         delete session;
                         session = new StackSession(*endpoint, *loaded.project, &app);
                         follow(session);
                     });

    window.show();
    follow(session);
    return QApplication::exec();
}

} // namespace Shoal::App
