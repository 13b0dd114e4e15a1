#pragma once

#include <core/compose/composeproject.h>
#include <core/engine/engineendpoint.h>

#include <QObject>

namespace Shoal::Core {
class DockerClient;
class StackController;
} // namespace Shoal::Core

namespace Shoal::App {

class ControlServer;

/// One open stack: its engine client, its controller and its control socket, owned
/// together so that the window can open another stack and let this one go.
class StackSession : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StackSession)

public:
    StackSession(const Core::EngineEndpoint &endpoint, const Core::ComposeProject &project,
                 QObject *parent = nullptr);

    Core::StackController *stack() const { return m_stack; }
    ControlServer *control() const { return m_control; }
    /// Empty when the control socket listens; otherwise why `shoal ps` cannot reach us.
    QString controlError() const { return m_controlError; }

private:
    Core::DockerClient *m_client;
    Core::StackController *m_stack;
    ControlServer *m_control;
    QString m_controlError;
};

} // namespace Shoal::App
