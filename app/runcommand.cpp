#include "commands.h"
#include "controlserver.h"
#include "signalwatcher.h"
#include "stackoptions.h"

#include <core/engine/dockerclient.h>
#include <core/stack/stackcontroller.h>
#include <core/stack/stackstatus.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimer>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace Shoal::App {

namespace {

constexpr int StatusIntervalMs = 1000;

std::optional<QMap<QString, int>> parseScales(const QStringList &values)
{
    static const QRegularExpression pattern(uR"(^([A-Za-z0-9_.-]+)=(\d+)$)"_s);
    QMap<QString, int> scales;
    for (const QString &value : values) {
        const QRegularExpressionMatch match = pattern.match(value);
        if (!match.hasMatch()) {
            printError(u"--scale takes SERVICE=N, not \"%1\""_s.arg(value));
            return std::nullopt;
        }
        bool ok = false;
        const int replicas = match.captured(2).toInt(&ok);
        if (!ok || replicas > Core::StackController::MaxReplicas) {
            printError(u"--scale %1: Shoal runs at most %2 replicas of a service"_s.arg(value).arg(
                Core::StackController::MaxReplicas));
            return std::nullopt;
        }
        scales.insert(match.captured(1), replicas);
    }
    return scales;
}

} // namespace

int runHeadlessCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Bring a compose stack to the asked scale and run its proxies, without a window. "
        "Ctrl+C ends Shoal and leaves the containers running unless --down is given."_s);
    parser.addHelpOption();
    StackOptions::addTo(parser);
    parser.addOption({u"scale"_s, u"Run N replicas of SERVICE (repeatable)."_s, u"SERVICE=N"_s});
    parser.addOption({u"status-json"_s, u"Print the stack's state as one JSON line a second."_s});
    parser.addOption({u"down"_s, u"Remove the stack's containers and network on exit."_s});
    parser.addOption({u"volumes"_s, u"With --down, also remove the named volumes."_s});
    parser.addOption({u"build"_s, u"Rebuild images of services with a build section."_s});
    parser.process(arguments);

    const auto scales = parseScales(parser.values(u"scale"_s));
    if (!scales) {
        return 2;
    }
    const auto project = StackOptions::loadProject(parser);
    if (!project) {
        return 1;
    }
    for (auto it = scales->cbegin(); it != scales->cend(); ++it) {
        if (!project->service(it.key())) {
            printError(u"--scale names service %1, which %2 does not have"_s.arg(
                it.key(), project->configFiles.join(u", "_s)));
            return 2;
        }
    }
    const auto endpoint = StackOptions::endpoint(parser);
    if (!endpoint) {
        return 1;
    }

    Core::DockerClient client(*endpoint);
    Core::StackController stack(&client, *project);
    stack.setRebuildImages(parser.isSet(u"build"_s));
    ControlServer control(&stack);
    SignalWatcher signalWatcher;
    QTimer statusTimer;
    const bool removeOnExit = parser.isSet(u"down"_s);
    int exitCode = 0;
    bool stopping = false;

    auto finish = [&](int code) {
        if (stopping) {
            return;
        }
        stopping = true;
        exitCode = code;
        statusTimer.stop();
        if (!removeOnExit) {
            QCoreApplication::exit(exitCode);
            return;
        }
        std::fprintf(stderr, "shoal: removing stack %s\n", qPrintable(project->name));
        stack.down(parser.isSet(u"volumes"_s));
    };

    QObject::connect(&stack, &Core::StackController::progress, &stack,
                     [](const QString &m) { std::fprintf(stderr, "shoal: %s\n", qPrintable(m)); });
    QObject::connect(&stack, &Core::StackController::errorOccurred, &stack,
                     [](const QString &message) { printError(message); });
    QObject::connect(&stack, &Core::StackController::downFinished, &stack,
                     [&](bool ok, const QString &) { QCoreApplication::exit(ok ? exitCode : 1); });
    QObject::connect(&stack, &Core::StackController::upFinished, &stack,
                     [&](bool ok, const QString &error) {
                         if (!ok) {
                             printError(u"could not bring %1 up: %2"_s.arg(project->name, error));
                             finish(1);
                             return;
                         }
                         std::fprintf(stderr, "shoal: %s is up\n", qPrintable(project->name));
                     });
    QObject::connect(&client, &Core::DockerClient::engineLost, &stack, [](const QString &reason) {
        printError(u"engine unreachable: %1 (retrying)"_s.arg(reason));
    });
    QObject::connect(&client, &Core::DockerClient::connected, &stack, [&client] {
        std::fprintf(stderr, "shoal: engine %s reachable, API %s\n",
                     qPrintable(client.endpoint().toString()), qPrintable(client.apiVersion()));
    });
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, &stack,
                     [&](int) { finish(0); });
    QObject::connect(&control, &ControlServer::downCompleted, &stack,
                     [&] { QCoreApplication::exit(0); });

    if (parser.isSet(u"status-json"_s)) {
        QObject::connect(&statusTimer, &QTimer::timeout, &stack, [&stack] {
            const QByteArray line =
                QJsonDocument(Core::stackStatusJson(stack)).toJson(QJsonDocument::Compact);
            std::fprintf(stdout, "%s\n", line.constData());
            std::fflush(stdout);
        });
        statusTimer.start(StatusIntervalMs);
    }

    if (!control.listen()) {
        printError(control.errorString());
        return 1;
    }
    stack.up(*scales);
    return QCoreApplication::exec();
}

} // namespace Shoal::App
