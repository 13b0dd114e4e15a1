#pragma once

// Stops and starts the local dockerd for the suites that test outages and listeners. Only
// a daemon this project's scripts started is touched: never one that systemd runs.

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QThread>

#include <sys/types.h>
#include <unistd.h>

#include <csignal>

namespace Shoal::Test::Dockerd {

inline qint64 pid()
{
    QFile file(QStringLiteral("/var/run/docker.pid"));
    if (!file.open(QIODevice::ReadOnly)) {
        return 0;
    }
    const qint64 value = file.readAll().trimmed().toLongLong();
    return value > 0 && QFile::exists(QStringLiteral("/proc/%1").arg(value)) ? value : 0;
}

/// Why this machine's dockerd may not be restarted by a test, or empty when it may.
inline QString whyNotRestartable()
{
    if (::geteuid() != 0) {
        return QStringLiteral("restarting dockerd needs root");
    }
    if (QProcess::execute(QStringLiteral("sh"),
                          {QStringLiteral("-c"),
                           QStringLiteral("systemctl is-active --quiet docker 2>/dev/null")}) ==
        0) {
        return QStringLiteral("dockerd is managed by systemd here");
    }
    if (pid() == 0) {
        return QStringLiteral("no local dockerd process");
    }
    return {};
}

/// Sends SIGTERM and waits (up to 30 s) for the process to end.
inline bool stop()
{
    const qint64 running = pid();
    if (running == 0) {
        return true;
    }
    ::kill(pid_t(running), SIGTERM);
    for (int i = 0; i < 300; ++i) {
        if (!QFile::exists(QStringLiteral("/proc/%1").arg(running))) {
            return true;
        }
        QThread::msleep(100);
        QCoreApplication::processEvents();
    }
    return false;
}

/// Starts dockerd through scripts/ensure-dockerd.sh, with extra arguments.
inline bool start(const QString &extraArguments = {})
{
    QProcess script;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SHOAL_DOCKERD_ARGS"), extraArguments);
    environment.remove(QStringLiteral("DOCKER_HOST"));
    script.setProcessEnvironment(environment);
    script.start(QStringLiteral(SHOAL_SOURCE_DIR "/scripts/ensure-dockerd.sh"), {});
    return script.waitForFinished(90000) && script.exitCode() == 0;
}

} // namespace Shoal::Test::Dockerd
